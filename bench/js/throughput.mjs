#!/usr/bin/env node
// js-libp2p side of bench_throughput (bench/throughput.cpp): one js-libp2p 3.x node (TCP + Noise
// + Yamux + identify + ping, default options) serving /perf/1.0.0 (tests/interop/js/perf.mjs,
// written from the spec), and, in client mode, measuring against a perf server.
// Benchmark helper, not a test: it reports what it measured and never judges it.
//
//   node bench/js/throughput.mjs --serve [--node-modules DIR]
//       stdout: {"event":"ready","peerId":..,"addrs":[..],"pid":N}; runs until stdin closes.
//   node bench/js/throughput.mjs --client <multiaddr> [--bytes N] [--streams S] [--setup N]
//                                [--pings N] [--node-modules DIR]
//       stdout: one JSON line {upload_bps, download_bps, streams_bps, setup_us:[..], ping_us:[..]}
//       upload/download: one perf run of N bytes each way (default 64 MiB), timed to the
//       server's close; streams: S parallel download runs of N/S bytes on one connection;
//       setup: fresh dial + one ping round trip, hang up (N samples, default 50);
//       pings: round trips of 32 bytes on one open /ipfs/ping/1.0.0 stream (default 100).
// --node-modules defaults to $LOTUS_JS_NODE_MODULES, else <repo>/tests/interop/node_modules.

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
const { PERF, perfHandler, perfClient } = await import(url.pathToFileURL(path.resolve(here, '../../tests/interop/js/perf.mjs')).href)

function log (...args) { process.stderr.write(`[bench-js-throughput ${process.pid}] ${args.join(' ')}\n`) }
function emit (obj) { process.stdout.write(JSON.stringify(obj) + '\n') }

const opts = {
  mode: null,
  addr: null,
  bytes: 64 * 2 ** 20,
  streams: 16,
  setup: 50,
  pings: 100,
  nodeModules: process.env.LOTUS_JS_NODE_MODULES ?? path.resolve(here, '../../tests/interop/node_modules')
}
{
  const argv = process.argv.slice(2)
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const next = () => { if (i + 1 >= argv.length) throw new Error(`missing value for ${a}`); return argv[++i] }
    if (a === '--serve') opts.mode = 'serve'
    else if (a === '--client') { opts.mode = 'client'; opts.addr = next() }
    else if (a === '--bytes') opts.bytes = Number(next())
    else if (a === '--streams') opts.streams = Number(next())
    else if (a === '--setup') opts.setup = Number(next())
    else if (a === '--pings') opts.pings = Number(next())
    else if (a === '--node-modules') opts.nodeModules = next()
    else throw new Error(`unknown argument ${a}`)
  }
  if (opts.mode == null) throw new Error('need --serve or --client <multiaddr>')
}

async function importPkg (name) {
  const dir = path.join(opts.nodeModules, name)
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))
  let entry = pkg.exports?.['.'] ?? pkg.exports ?? pkg.module ?? pkg.main
  while (entry != null && typeof entry === 'object') entry = entry.import ?? entry.default
  if (typeof entry !== 'string') throw new Error(`cannot find the ESM entry point of ${name} in ${dir}`)
  return import(url.pathToFileURL(path.join(dir, entry)).href)
}

const { createLibp2p } = await importPkg('libp2p')
const { tcp } = await importPkg('@libp2p/tcp')
const { noise } = await importPkg('@chainsafe/libp2p-noise')
const { yamux } = await importPkg('@chainsafe/libp2p-yamux')
const { identify } = await importPkg('@libp2p/identify')
const { ping } = await importPkg('@libp2p/ping')
const { multiaddr } = await importPkg('@multiformats/multiaddr')

const node = await createLibp2p({
  addresses: { listen: opts.mode === 'serve' ? ['/ip4/127.0.0.1/tcp/0'] : [] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: { identify: identify(), ping: ping({ maxOutboundStreams: 4 }) },
  connectionManager: {
    allow: ['/ip4/127.0.0.1', '/ip6/::1'],
    maxIncomingPendingConnections: 256,
    maxConnections: 20000
  }
})
const handlerOpts = { maxInboundStreams: 1024, maxOutboundStreams: 1024 }
await node.handle(PERF, (stream, connection) => { perfHandler(stream, connection, { maxDownload: 2 ** 40 }) }, handlerOpts)
await node.start()

if (opts.mode === 'serve') {
  emit({ event: 'ready', peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(a => a.toString()), pid: process.pid })
  process.stdin.resume()
  await new Promise((resolve) => { process.stdin.on('end', resolve); process.stdin.on('close', resolve) })
  await node.stop()
  process.exit(0)
}

// ---------------------------------------------------------------- client
const target = multiaddr(opts.addr)
const signal = undefined

async function perfOnce (conn, up, down) {
  const stream = await conn.newStream(PERF, handlerOpts)
  const t0 = performance.now()
  const r = await perfClient(stream, up, down, signal)
  return { ...r, ms: performance.now() - t0 }
}

const result = {}
let conn = await node.dial(target)
{
  const up = await perfOnce(conn, opts.bytes, 0)
  result.upload_bps = opts.bytes * 8 / (up.ms / 1000)
  const down = await perfOnce(conn, 0, opts.bytes)
  result.download_bps = opts.bytes * 8 / (down.ms / 1000)
  const per = Math.floor(opts.bytes / opts.streams)
  const t0 = performance.now()
  await Promise.all(Array.from({ length: opts.streams }, () => perfOnce(conn, 0, per)))
  result.streams_bps = per * opts.streams * 8 / ((performance.now() - t0) / 1000)
}
{
  // ping round trips on one open stream
  const stream = await conn.newStream('/ipfs/ping/1.0.0', handlerOpts)
  const buf = new Uint8Array(32)
  let waiter = null
  let have = 0
  stream.addEventListener('message', (evt) => {
    have += evt.data.byteLength
    if (waiter != null && have >= 32) { have -= 32; const w = waiter; waiter = null; w() }
  })
  const samples = []
  for (let i = 0; i < opts.pings + 5; i++) {
    const t0 = performance.now()
    const got = new Promise((resolve) => { waiter = resolve })
    stream.send(buf)
    await got
    if (i >= 5) samples.push((performance.now() - t0) * 1000)
  }
  await stream.close()
  result.ping_us = samples
}
await node.hangUp(target)
{
  const samples = []
  for (let i = 0; i < opts.setup; i++) {
    const t0 = performance.now()
    conn = await node.dial(target)
    await node.services.ping.ping(target)
    samples.push((performance.now() - t0) * 1000)
    await node.hangUp(target)
  }
  result.setup_us = samples
}
emit(result)
await node.stop()
process.exit(0)
