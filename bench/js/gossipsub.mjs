#!/usr/bin/env node
// js side of bench_gossipsub (bench/gossipsub.cpp): two js-libp2p 3.x nodes with
// @libp2p/gossipsub (TCP + Noise + Yamux + identify, the reference options emitSelf off here so
// only the remote delivery is timed) in ONE node process, connected over loopback, subscribed to
// one topic. Measures one-hop delivery latency: A publishes a message carrying
// performance.now(), B's 'message' handler takes the difference. Sequential (next publish after
// the previous arrived). Benchmark helper: reports, never judges.
//
// Usage:  node bench/js/gossipsub.mjs [n=500] [--node-modules DIR]
// stdout: one line {"samples_us":[...], "gossipsub":"15.0.23", "node":"v20..."}
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
let n = 500
let nodeModules = process.env.LOTUS_JS_NODE_MODULES ?? path.resolve(here, '../../tests/interop/node_modules')
const argv = process.argv.slice(2)
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--node-modules') nodeModules = argv[++i]
  else n = Number(argv[i])
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
const { gossipsub } = await importPkg('@libp2p/gossipsub')

const make = () => createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: { identify: identify(), pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, emitSelf: false, doPX: true }) }
})
const a = await make()
const b = await make()
const TOPIC = 'bench'
a.services.pubsub.subscribe(TOPIC)
b.services.pubsub.subscribe(TOPIC)
await a.dial(b.getMultiaddrs()[0])
// wait until both meshes contain the other
while (a.services.pubsub.getMeshPeers(TOPIC).length < 1 || b.services.pubsub.getMeshPeers(TOPIC).length < 1) {
  await new Promise((resolve) => a.services.pubsub.addEventListener('gossipsub:heartbeat', resolve, { once: true }))
}
const samples = []
let waiter = null
b.services.pubsub.addEventListener('message', (evt) => {
  const t = Number(new TextDecoder().decode(evt.detail.data).split(' ')[0])
  samples.push((performance.now() - t) * 1000)
  waiter?.()
})
for (let i = 0; i < n; i++) {
  const got = new Promise((resolve) => { waiter = resolve })
  await a.services.pubsub.publish(TOPIC, new TextEncoder().encode(`${performance.now()} ${i} ${'x'.repeat(64)}`))
  await got
}
process.stdout.write(JSON.stringify({ samples_us: samples, gossipsub: version('@libp2p/gossipsub'), node: process.version }) + '\n')
await Promise.allSettled([a.stop(), b.stop()])
process.exit(0)
