// Driven by tests/chronik/chronik_js_test.cpp: the pinned chronik-client 0.19.0 (the reference's
// Chronik client) reads blocks, transactions, UTXOs and history from the lotus-p2p Chronik test
// server, then opens its WebSocket, subscribes to a p2pkh script and reports the events it gets.
// Protocol on stdout, one JSON object per line: {"step":"read",...values}, {"step":"ws-ready"},
// {"step":"event",...} — the C++ side mines/broadcasts after ws-ready and compares everything
// with what its own client read.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { ChronikClient } = require('chronik-client');

const [url, txid, pkh, wantEvents] = process.argv.slice(2);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');

try {
  // The first URL refuses connections: chronik-client fails over to the second (network error).
  const chronik = new ChronikClient(['http://127.0.0.1:1', url]);
  const info = await chronik.blockchainInfo();
  const block = await chronik.block(info.tipHeight);
  const byHash = await chronik.block(block.blockInfo.hash);
  const blocks = await chronik.blocks(0, info.tipHeight);
  const tx = await chronik.tx(txid);
  const utxos = await chronik.script('p2pkh', pkh).utxos();
  const history = await chronik.script('p2pkh', pkh).history(0, 2);
  let notFound = null;
  try {
    await chronik.tx('00'.repeat(32));
  } catch (e) {
    notFound = e.message;
  }
  out({ step: 'read', info, block, byHashHeight: byHash.blockInfo.height, blocks, tx, utxos, history, notFound });

  const events = [];
  let done;
  const finished = new Promise((r) => (done = r));
  const ws = chronik.ws({
    onMessage: (msg) => {
      out({ step: 'event', msg });
      events.push(msg);
      if (events.length >= Number(wantEvents)) done();
    },
    autoReconnect: false,
  });
  await ws.waitForOpen();
  ws.subscribe('p2pkh', pkh);
  // Give the Subscription a round trip: the server echoes nothing, so wait for it to be counted
  // by the C++ side, which polls ws_subscriptions() before acting on ws-ready.
  out({ step: 'ws-ready' });
  const timer = setTimeout(() => { out({ step: 'error', message: 'timed out waiting for events' }); process.exit(2); }, 20000);
  await finished;
  clearTimeout(timer);
  ws.close();
  out({ step: 'done' });
  process.exit(0);
} catch (e) {
  out({ step: 'error', message: String(e && e.stack || e) });
  process.exit(1);
}
