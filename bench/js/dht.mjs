#!/usr/bin/env node
// js-libp2p side of bench_dht (bench/dht.cpp): N js-libp2p 3.x nodes with
// @libp2p/kad-dht 16.1.0 (server mode, protocol /lotus/kad/1.0.0, passthrough address mapper)
// in this one process on 127.0.0.1, wired like the C++ network (node i dials node 0 and node
// i-1), then `lookups` FIND_NODE lookups (getClosestPeers of a random 32-byte key) from
// deterministic nodes, one at a time. Benchmark helper, not a test.
//
// Usage:  node bench/js/dht.mjs [--nodes 50] [--lookups 50] [--node-modules <dir>]
// stdout: one JSON line {"nodes":N,"samples_us":[...],"rpcs":[...],"setup_ms":S}
//         (rpcs: PEER_RESPONSE events per lookup = peers that answered)
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function () {
    let resolve, reject
    const promise = new Promise((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}
const path = await import('node:path')
const { createRequire } = await import('node:module')
const { fileURLToPath, pathToFileURL } = await import('node:url')

const args = process.argv.slice(2)
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def }
const here = path.dirname(fileURLToPath(import.meta.url))
const nm = opt('--node-modules', process.env.LOTUS_JS_NODE_MODULES ?? path.join(here, '..', '..', 'tests', 'interop', 'node_modules'))
const req = createRequire(path.join(nm, 'noop.js'))
const load = async (name) => {
  // ESM-only packages: resolve the package entry through its package.json "exports".
  const pkgDir = path.join(nm, name)
  const pkg = req(path.join(pkgDir, 'package.json'))
  const exp = pkg.exports?.['.']
  const entry = typeof exp === 'string' ? exp : (exp?.import?.default ?? exp?.import ?? exp?.default ?? pkg.main)
  return import(pathToFileURL(path.join(pkgDir, typeof entry === 'string' ? entry : entry.default)).href)
}

const N = Number(opt('--nodes', 50))
const LOOKUPS = Number(opt('--lookups', 50))
const { createLibp2p } = await load('libp2p')
const { tcp } = await load('@libp2p/tcp')
const { noise } = await load('@chainsafe/libp2p-noise')
const { yamux } = await load('@chainsafe/libp2p-yamux')
const { identify } = await load('@libp2p/identify')
const { ping } = await load('@libp2p/ping')
const { kadDHT, passthroughMapper } = await load('@libp2p/kad-dht')

const t0 = performance.now()
const nodes = []
for (let i = 0; i < N; i++) {
  nodes.push(await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { allow: ['/ip4/127.0.0.1'], maxConnections: 1000, maxIncomingPendingConnections: 256 },
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({ protocol: '/lotus/kad/1.0.0', clientMode: false, peerInfoMapper: passthroughMapper, allowQueryWithZeroPeers: true })
    }
  }))
}
process.on('unhandledRejection', (e) => process.stderr.write(`unhandled: ${e}\n`))
const tryDial = async (a, b) => {
  try { await a.dial(b.getMultiaddrs()[0], { signal: AbortSignal.timeout(30_000) }) } catch (e) { process.stderr.write(`dial failed: ${e}\n`) }
}
for (let i = 1; i < N; i++) {
  await tryDial(nodes[i], nodes[0])
  if (i > 1) await tryDial(nodes[i], nodes[i - 1])
}
process.stderr.write(`connected after ${Math.round(performance.now() - t0)} ms\n`)
// Wait until every node has at least one routing-table peer, then one self lookup each.
for (const n of nodes) {
  while (n.services.dht.routingTable.size === 0) await new Promise(r => setTimeout(r, 20))
}
for (const n of nodes) {
  try {
    for await (const _ of n.services.dht.getClosestPeers(n.peerId.toMultihash().bytes, { signal: AbortSignal.timeout(60_000) })) { /* drain */ }
  } catch (e) { process.stderr.write(`self lookup failed: ${e}\n`) }
}
const setupMs = performance.now() - t0

let state = 12345
const rnd = () => { state ^= state << 13; state ^= state >>> 17; state ^= state << 5; return state >>> 0 }
const samples = []
const rpcs = []
for (let i = 0; i < LOOKUPS; i++) {
  const from = nodes[rnd() % N]
  const key = new Uint8Array(32)
  for (let j = 0; j < 32; j++) key[j] = rnd() & 0xff
  let answered = 0
  const s = performance.now()
  try {
    for await (const ev of from.services.dht.getClosestPeers(key, { signal: AbortSignal.timeout(60_000) })) {
      if (ev.name === 'PEER_RESPONSE') answered++
    }
  } catch (e) { process.stderr.write(`lookup failed: ${e}\n`); continue }
  samples.push(Math.round((performance.now() - s) * 1000))
  rpcs.push(answered)
}
process.stdout.write(JSON.stringify({ nodes: N, samples_us: samples, rpcs, setup_ms: Math.round(setupMs) }) + '\n')
await Promise.all(nodes.map(n => n.stop().catch(() => {})))
process.exit(0)
