#!/usr/bin/env node
// js side of bench_coordinator (bench/coordinator.cpp): the same three measurements on js-libp2p
// 3.x nodes (TCP + Noise + Yamux + identify, in ONE node process, loopback) running the Lotus
// reference-style coordinator of tests/interop/js/lotus.mjs (written from lotus-wire.md §2: a new
// /lotus/message/1.0.0 stream per message, the JSON text, half-close; the receiver reads to EOF,
// JSON.parse, validateMessage, HMAC de-dup, routes by `protocol`; default stream limits as the
// SDK registers them):
//   1. one hop: A.sendTo(B, message) until B's handler has it, sequential;
//   2. sendTo throughput: `window` sendTo calls in flight from A to B, messages/s delivered;
//   3. broadcast: A connected to `peers` nodes, sequential broadcasts until every peer has every
//      message; broadcasts/s and messages/s delivered.
// The message is the one the C++ side sends (musig2:nonce-share shaped, protocol "bench").
// Benchmark helper: reports, never judges.
//
// Usage:  node bench/js/coordinator.mjs [--n-latency N] [--n-throughput N] [--window N]
//                                       [--peers N] [--n-broadcast N] [--node-modules DIR]
// stdout: one line {"latency_us":[...], "send_to":{...}, "broadcast":{...}, "libp2p":"3.1.0", "node":"v20..."}
if (typeof Promise.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers () {
      let resolve, reject
      const promise = new this((res, rej) => { resolve = res; reject = rej })
      return { promise, resolve, reject }
    }
  })
}
const path = await import('node:path')
const fs = await import('node:fs')
const url = await import('node:url')
const { performance } = await import('node:perf_hooks')

const here = path.dirname(url.fileURLToPath(import.meta.url))
const opts = { nLatency: 2000, nThroughput: 20000, window: 32, peers: 8, nBroadcast: 500 }
let nodeModules = process.env.LOTUS_JS_NODE_MODULES ?? path.resolve(here, '../../tests/interop/node_modules')
const argv = process.argv.slice(2)
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]
  const num = () => Number(argv[++i])
  if (a === '--node-modules') nodeModules = argv[++i]
  else if (a === '--n-latency') opts.nLatency = num()
  else if (a === '--n-throughput') opts.nThroughput = num()
  else if (a === '--window') opts.window = num()
  else if (a === '--peers') opts.peers = num()
  else if (a === '--n-broadcast') opts.nBroadcast = num()
  else throw new Error(`unknown argument ${a}`)
}

async function importPkg (name) {
  const dir = path.join(nodeModules, name)
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))
  let entry = pkg.exports?.['.'] ?? pkg.exports ?? pkg.module ?? pkg.main
  while (entry != null && typeof entry === 'object') entry = entry.import ?? entry.default
  return import(url.pathToFileURL(path.join(dir, entry)).href)
}
const version = (name) => JSON.parse(fs.readFileSync(path.join(nodeModules, name, 'package.json'), 'utf8')).version

const { createLibp2p } = await importPkg('libp2p')
const { tcp } = await importPkg('@libp2p/tcp')
const { noise } = await importPkg('@chainsafe/libp2p-noise')
const { yamux } = await importPkg('@chainsafe/libp2p-yamux')
const { identify } = await importPkg('@libp2p/identify')
const { LotusCoordinator } = await import(url.pathToFileURL(path.resolve(here, '../../tests/interop/js/lotus.mjs')).href)

// A node with the coordinator and a "bench" handler that counts and wakes a waiter.
async function make () {
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
    connectionManager: { allow: ['/ip4/127.0.0.1'] }
  })
  const coord = new LotusCoordinator(node, { onEvent: (type, f) => { if (type === 'refused' || type === 'error') errors.push({ type, ...f }) } })
  await coord.start()
  const n = { node, coord, received: 0, waiters: [] }
  coord.registerProtocol({
    protocolName: 'bench',
    handleMessage: async () => {
      n.received++
      const w = n.waiters
      n.waiters = []
      for (const f of w) f()
    }
  })
  return n
}
const errors = []

// Resolves once n.received >= target (rejects after 60 s).
async function waitCount (n, target) {
  const deadline = Date.now() + 60_000
  while (n.received < target) {
    if (Date.now() > deadline) throw new Error(`timeout: ${n.received}/${target} delivered; errors ${JSON.stringify(errors.slice(0, 3))}`)
    await new Promise((resolve) => {
      const t = setTimeout(resolve, 1000)
      n.waiters.push(() => { clearTimeout(t); resolve() })
    })
  }
}

const message = (from) => from.coord.createMessage('musig2:nonce-share',
  { sessionId: '837c9fb78c58315d', signerIndex: 1, sequenceNumber: 2 }, { protocol: 'bench' })

const nodes = []
const out = { libp2p: version('libp2p'), node: process.version }
try {
  const a = await make()
  const b = await make()
  nodes.push(a, b)
  await a.node.dial(b.node.getMultiaddrs()[0])
  out.message_bytes = Buffer.byteLength(JSON.stringify(message(a)))

  // 1. latency
  const lat = []
  for (let i = 0; i < opts.nLatency; i++) {
    const target = b.received + 1
    const t0 = performance.now()
    await a.coord.sendTo(b.node.peerId, message(a))
    await waitCount(b, target)
    lat.push((performance.now() - t0) * 1000)
  }
  out.latency_us = lat

  // 2. throughput (window in flight)
  {
    const base = b.received
    let failures = 0
    const t0 = performance.now()
    let next = 0
    const worker = async () => {
      while (next < opts.nThroughput) {
        next++
        try {
          await a.coord.sendTo(b.node.peerId, message(a))
        } catch {
          failures++
        }
      }
    }
    await Promise.all(Array.from({ length: opts.window }, worker))
    await waitCount(b, base + opts.nThroughput - failures)
    const secs = (performance.now() - t0) / 1000
    out.send_to = { n: opts.nThroughput, window: opts.window, failures, messages_per_second: (opts.nThroughput - failures) / secs }
  }

  // 3. broadcast
  {
    const targets = [b]
    for (let i = 1; i < opts.peers; i++) {
      const p = await make()
      nodes.push(p)
      await a.node.dial(p.node.getMultiaddrs()[0])
      targets.push(p)
    }
    const base = targets.map((t) => t.received)
    let failed = 0
    const t0 = performance.now()
    for (let i = 0; i < opts.nBroadcast; i++) {
      const r = await a.coord.broadcast(message(a))
      failed += r.failed
    }
    for (let k = 0; k < targets.length; k++) await waitCount(targets[k], base[k] + opts.nBroadcast - (failed > 0 ? opts.nBroadcast : 0))
    const secs = (performance.now() - t0) / 1000
    const delivered = targets.reduce((s, t, k) => s + t.received - base[k], 0)
    out.broadcast = {
      peers: targets.length,
      n: opts.nBroadcast,
      failed,
      broadcasts_per_second: opts.nBroadcast / secs,
      messages_per_second: delivered / secs
    }
  }
  out.refused = errors.length
} catch (e) {
  out.error = String(e?.stack ?? e)
}
process.stdout.write(JSON.stringify(out) + '\n')
await Promise.allSettled(nodes.map((n) => n.node.stop()))
process.exit(out.error != null ? 1 : 0)
