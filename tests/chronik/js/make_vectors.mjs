// Encodes Chronik messages with chronik-client 0.19.0's own generated protobuf code and prints
// them as JSON (hex). The output is tests/vectors/chronik/messages.json: what the reference's
// client sends (Subscription, BroadcastTxRequest) and the bytes it decodes into known values
// (every other message), so that our decoder and encoder are checked against its field numbers
// and integer encodings (negative int32 heights, int64 values as strings).
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const proto = require('chronik-client/dist/proto/chronik.js');

const h = (b) => Buffer.from(b).toString('hex');
const fill = (n, v) => new Uint8Array(32).fill(v);
const enc = (T, m) => h(T.encode(T.fromPartial(m)).finish());

const outpoint = { txid: fill(32, 0x11), outIdx: 3 };
const tx = {
  txid: fill(32, 0xaa), version: 2, lockTime: 500000,
  inputs: [{ prevOut: outpoint, inputScript: new Uint8Array([0x51, 0x52]),
             outputScript: new Uint8Array([0x76, 0xa9]), value: '123456789012', sequenceNo: 0xfffffffe }],
  outputs: [{ value: '5000000', outputScript: new Uint8Array([0x6a, 0x04, 0x4c, 0x54, 0x4d, 0x53]),
              spentBy: { txid: fill(32, 0x22), outIdx: 1 } },
            { value: '0', outputScript: new Uint8Array([0x6a]) }],
  block: { height: 4242, hash: fill(32, 0xbb), timestamp: '1700000000' },
  timeFirstSeen: '1699999999', size: 250, isCoinbase: false, network: proto.Network.XPI,
};
const blockInfo = {
  hash: fill(32, 0xbb), prevHash: fill(32, 0xbc), height: 4242, nBits: 0x1d00ffff,
  timestamp: '1700000000', blockSize: '1234', numTxs: '2', numInputs: '3', numOutputs: '4',
  sumInputSats: '100', sumCoinbaseOutputSats: '260000000', sumNormalOutputSats: '99',
  sumBurnedSats: '1',
};
const out = {
  BlockchainInfo: enc(proto.BlockchainInfo, { tipHash: fill(32, 0xcc), tipHeight: 777 }),
  Tx: enc(proto.Tx, tx),
  TxMempool: enc(proto.Tx, { ...tx, block: undefined, network: proto.Network.XPI }),
  Block: enc(proto.Block, {
    blockInfo,
    blockDetails: { version: 1, merkleRoot: fill(32, 0xdd), nonce: '18446744073709551615', medianTimestamp: '1699990000' },
    rawHeader: new Uint8Array([1, 2, 3]),
    txs: [tx],
  }),
  Blocks: enc(proto.Blocks, { blocks: [blockInfo, { ...blockInfo, height: 0 }] }),
  Utxos: enc(proto.Utxos, { scriptUtxos: [{ outputScript: new Uint8Array([0x76, 0xa9, 0x14]), utxos: [
    { outpoint, blockHeight: -1, isCoinbase: false, value: '546', network: proto.Network.XPI },
    { outpoint: { txid: fill(32, 0x33), outIdx: 0 }, blockHeight: 100, isCoinbase: true, value: '9007199254740993', network: proto.Network.XPI },
  ] }] }),
  TxHistoryPage: enc(proto.TxHistoryPage, { txs: [tx], numPages: 3 }),
  BroadcastTxRequest: enc(proto.BroadcastTxRequest, { rawTx: new Uint8Array([1, 0, 0, 0]), skipSlpCheck: false }),
  BroadcastTxResponse: enc(proto.BroadcastTxResponse, { txid: fill(32, 0xaa) }),
  Error: enc(proto.Error, { errorCode: 'tx-not-found', msg: 'Transaction not found in the index', isUserError: true }),
  Subscription: enc(proto.Subscription, { scriptType: 'p2pkh', payload: new Uint8Array(20).fill(0x44), isSubscribe: true }),
  Unsubscription: enc(proto.Subscription, { scriptType: 'p2pkh', payload: new Uint8Array(20).fill(0x44), isSubscribe: false }),
  MsgAddedToMempool: enc(proto.SubscribeMsg, { AddedToMempool: { txid: fill(32, 0xaa) } }),
  MsgRemovedFromMempool: enc(proto.SubscribeMsg, { RemovedFromMempool: { txid: fill(32, 0xaa) } }),
  MsgConfirmed: enc(proto.SubscribeMsg, { Confirmed: { txid: fill(32, 0xaa) } }),
  MsgReorg: enc(proto.SubscribeMsg, { Reorg: { txid: fill(32, 0xaa) } }),
  MsgBlockConnected: enc(proto.SubscribeMsg, { BlockConnected: { blockHash: fill(32, 0xbb) } }),
  MsgBlockDisconnected: enc(proto.SubscribeMsg, { BlockDisconnected: { blockHash: fill(32, 0xbb) } }),
  MsgError: enc(proto.SubscribeMsg, { error: { errorCode: 'invalid-script-type', msg: 'bad', isUserError: true } }),
};
console.log(JSON.stringify({ generator: 'tests/chronik/js/make_vectors.mjs (chronik-client 0.19.0 proto/chronik.ts)', messages: out }, null, 1));
