#!/usr/bin/env node
// js-libp2p side of bench_latency (bench/latency.cpp): one js-libp2p 3.x node (TCP + Noise +
// Yamux + identify + ping, default options) that serves /echo/1.0.0 and, on command, measures as
// a client. Benchmark helper, not a test: it reports what it measured and never judges it.
//
// Start:  node bench/js/latency.mjs [--listen <multiaddr> | --no-listen] [--node-modules <dir>]
//         --node-modules defaults to $LOTUS_JS_NODE_MODULES, else <repo>/tests/interop/node_modules
//         (the pinned js-libp2p that scripts/setup.sh installs). --listen defaults to
//         /ip4/127.0.0.1/tcp/0.
// stdout: first line {"event":"ready","peerId":"12D3...","addrs":["/ip4/127.0.0.1/tcp/N/p2p/12D3..."],
//                     "node":"v20...","libp2p":"3.1.0"}
//         then one JSON line per command, in order: {"id":..,"result":{...}} | {"id":..,"error":"msg"}
// stdin:  one JSON command per line, run one at a time (so measurements never overlap):
//   setup {addr, n, gap_ms=10}
//       n samples of: dial <addr> (no connection to the peer exists before; fresh each time)
//       + open /echo/1.0.0 + send 1 byte + receive it back. Timed from the dial call to the
//       echoed byte's arrival. Then the stream is closed, the peer hung up, gap_ms waited.
//       -> {samples_us:[...]}
//   ping {addr, n, warmup=10}
//       dials (or reuses) a connection, opens one /ipfs/ping/1.0.0 stream, does `warmup`
//       untimed then n timed round trips of 32 random bytes (send -> all 32 echoed back and
//       equal), closes the stream and hangs up. -> {samples_us:[...]}
//   ping_api {addr, n, warmup=5}
//       the same connection handling, but each sample is one call of js-libp2p's
//       ping service (new stream per ping, as the API does), timed around the call.
//       -> {samples_us:[...]}
//   stop {} -> {} then exit 0. EOF on stdin also exits.
// stderr: progress / diagnostics.
//
// Timing: performance.now() (sub-microsecond resolution, monotonic).

// js-libp2p 3.x uses Promise.withResolvers (Node >= 22); polyfill it before libp2p loads.
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
const readline = await import('node:readline')
const { performance } = await import('node:perf_hooks')
const { randomBytes } = await import('node:crypto')

const ECHO = '/echo/1.0.0'
const PING = '/ipfs/ping/1.0.0'
const PING_LEN = 32

function log (...args) {
  process.stderr.write(`[bench-js ${process.pid}] ${args.join(' ')}\n`)
}

function emit (obj) {
  process.stdout.write(JSON.stringify(obj) + '\n')
}

function parseArgs (argv) {
  const here = path.dirname(url.fileURLToPath(import.meta.url))
  const opts = {
    listen: '/ip4/127.0.0.1/tcp/0',
    nodeModules: process.env.LOTUS_JS_NODE_MODULES ?? path.resolve(here, '../../tests/interop/node_modules')
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`missing value for ${a}`)
      return argv[++i]
    }
    if (a === '--listen') opts.listen = next()
    else if (a === '--no-listen') opts.listen = ''
    else if (a === '--node-modules') opts.nodeModules = next()
    else throw new Error(`unknown argument ${a}`)
  }
  return opts
}

const opts = parseArgs(process.argv.slice(2))

// ESM resolves bare specifiers relative to this file, not the cwd, so import the packages'
// entry points from the pinned node_modules by absolute path (their own imports then resolve
// inside that node_modules as usual).
function pkgVersion (name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(opts.nodeModules, name, 'package.json'), 'utf8')).version
  } catch {
    return null
  }
}

async function importPkg (name) {
  const dir = path.join(opts.nodeModules, name)
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))
  let entry = pkg.exports?.['.'] ?? pkg.exports ?? pkg.module ?? pkg.main
  while (entry != null && typeof entry === 'object') entry = entry.import ?? entry.default
  if (typeof entry !== 'string') throw new Error(`cannot find the ESM entry point of ${name} in ${dir}`)
  return import(url.pathToFileURL(path.join(dir, entry)).href)
}

try {
  fs.statSync(path.join(opts.nodeModules, 'libp2p', 'package.json'))
} catch (e) {
  log(`no usable js-libp2p under ${opts.nodeModules} (${e.code ?? e.message}); run scripts/setup.sh ` +
      'or pass --node-modules DIR (a node_modules holding the packages of tests/interop/package.json)')
  process.exit(2)
}

const { createLibp2p } = await importPkg('libp2p')
const { tcp } = await importPkg('@libp2p/tcp')
const { noise } = await importPkg('@chainsafe/libp2p-noise')
const { yamux } = await importPkg('@chainsafe/libp2p-yamux')
const { identify } = await importPkg('@libp2p/identify')
const { ping } = await importPkg('@libp2p/ping')
const { multiaddr } = await importPkg('@multiformats/multiaddr')

const node = await createLibp2p({
  addresses: { listen: opts.listen ? [opts.listen] : [] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: {
    identify: identify(),
    // ping() opens a new stream per call and the stream lingers until the remote's FIN;
    // the default limit of 1 outbound ping stream would fail back-to-back calls.
    ping: ping({ maxOutboundStreams: 4 })
  },
  connectionManager: {
    // the benchmark opens hundreds of connections from 127.0.0.1; keep the inbound rate
    // limiter (default 5 connections/s per host) out of it
    allow: ['/ip4/127.0.0.1', '/ip6/::1'],
    maxIncomingPendingConnections: 256
  }
})

function echoHandler (stream) {
  let closing = false
  const finish = () => {
    if (closing) return
    closing = true
    stream.close().catch(() => {})
  }
  stream.addEventListener('message', (evt) => {
    try {
      if (!stream.send(evt.data)) {
        if (stream.readStatus === 'readable') stream.pause()
        stream.onDrain().then(() => {
          try { if (stream.readStatus === 'paused') stream.resume() } catch {}
        }, () => {})
      }
    } catch (e) {
      log('echo send failed:', e?.message ?? e)
    }
  })
  stream.addEventListener('end', finish)
  if (stream.readableEnded) finish()
}

await node.handle(ECHO, echoHandler, { maxInboundStreams: 1024, maxOutboundStreams: 1024 })
await node.start()

// ---------------------------------------------------------------- measurement helpers

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Collects a stream's inbound bytes; `want(n)` resolves once n bytes arrived since the last take. */
class Collector {
  constructor (stream) {
    this.chunks = []
    this.have = 0
    this.waiter = null
    this.failure = null
    stream.addEventListener('message', (evt) => {
      const d = evt.data.subarray()
      this.chunks.push(d)
      this.have += d.length
      this.check()
    })
    stream.addEventListener('close', (evt) => {
      this.failure = evt.error ?? new Error('stream closed')
      this.check()
    })
  }

  check () {
    if (this.waiter == null) return
    if (this.have >= this.waiter.n) {
      const w = this.waiter
      this.waiter = null
      w.resolve(this.take(w.n))
    } else if (this.failure != null) {
      const w = this.waiter
      this.waiter = null
      w.reject(this.failure)
    }
  }

  take (n) {
    const out = new Uint8Array(n)
    let off = 0
    while (off < n) {
      const c = this.chunks[0]
      const k = Math.min(c.length, n - off)
      out.set(c.subarray(0, k), off)
      off += k
      if (k === c.length) this.chunks.shift()
      else this.chunks[0] = c.subarray(k)
    }
    this.have -= n
    return out
  }

  want (n) {
    const { promise, resolve, reject } = Promise.withResolvers()
    this.waiter = { n, resolve, reject }
    this.check()
    return promise
  }
}

function equalBytes (a, b) {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function checkN (v, def) {
  const n = Number(v ?? def)
  if (!Number.isInteger(n) || n < 0 || n > 1_000_000) throw new Error(`bad count ${v}`)
  return n
}

/** Closes every connection of this node (a client node only has the ones it dialed). */
async function hangUpAll () {
  await Promise.all(node.getConnections().map((c) => c.close().catch((e) => c.abort(e))))
}

const commands = {
  async setup (p) {
    const ma = multiaddr(p.addr)
    const n = checkN(p.n, 1)
    const gap = Number(p.gap_ms ?? 10)
    const samples = []
    const one = new Uint8Array([0x2a])
    for (let i = 0; i < n; i++) {
      if (node.getConnections().length > 0) await hangUpAll()
      const t0 = performance.now()
      const stream = await node.dialProtocol(ma, ECHO)
      const col = new Collector(stream)
      stream.send(one)
      const back = await col.want(1)
      const t1 = performance.now()
      if (back[0] !== one[0]) throw new Error('echo returned a different byte')
      samples.push((t1 - t0) * 1000)
      await stream.close().catch(() => {})
      await hangUpAll()
      if (gap > 0) await sleep(gap)
    }
    return { samples_us: samples }
  },

  async ping (p) {
    const ma = multiaddr(p.addr)
    const n = checkN(p.n, 1)
    const warmup = checkN(p.warmup, 10)
    const conn = await node.dial(ma)
    const stream = await conn.newStream(PING)
    const col = new Collector(stream)
    const samples = []
    try {
      for (let i = 0; i < warmup + n; i++) {
        const data = randomBytes(PING_LEN)
        const t0 = performance.now()
        stream.send(data)
        const back = await col.want(PING_LEN)
        const t1 = performance.now()
        if (!equalBytes(back, data)) throw new Error('ping: echoed payload differs')
        if (i >= warmup) samples.push((t1 - t0) * 1000)
      }
    } finally {
      await stream.close().catch(() => {})
      await hangUpAll()
    }
    return { samples_us: samples }
  },

  async ping_api (p) {
    const ma = multiaddr(p.addr)
    const n = checkN(p.n, 1)
    const warmup = checkN(p.warmup, 5)
    const conn = await node.dial(ma)
    const samples = []
    try {
      for (let i = 0; i < warmup + n; i++) {
        const t0 = performance.now()
        await node.services.ping.ping(conn.remotePeer)
        const t1 = performance.now()
        if (i >= warmup) samples.push((t1 - t0) * 1000)
      }
    } finally {
      await hangUpAll()
    }
    return { samples_us: samples }
  },

  async stop () {
    return {}
  }
}

emit({
  event: 'ready',
  peerId: node.peerId.toString(),
  addrs: node.getMultiaddrs().map((a) => a.toString()),
  node: process.version,
  libp2p: pkgVersion('libp2p')
})

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
let stopping = false
for await (const line of rl) {
  if (line.trim() === '') continue
  let cmd
  try {
    cmd = JSON.parse(line)
  } catch (e) {
    emit({ id: null, error: `bad JSON: ${e.message}` })
    continue
  }
  const fn = commands[cmd.cmd]
  if (fn == null) {
    emit({ id: cmd.id ?? null, error: `unknown command ${cmd.cmd}` })
    continue
  }
  try {
    const result = await fn(cmd)
    emit({ id: cmd.id ?? null, result })
  } catch (e) {
    log(`${cmd.cmd} failed:`, e?.stack ?? e)
    emit({ id: cmd.id ?? null, error: `${e?.name ?? 'Error'}: ${e?.message ?? e}` })
  }
  if (cmd.cmd === 'stop') { stopping = true; break }
}
if (!stopping) log('stdin closed; stopping')
await node.stop()
process.exit(0)
