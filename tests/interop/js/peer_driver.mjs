// Drives a js/peer.mjs child process over its JSON-lines protocol (used by selftest.mjs).
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import readline from 'node:readline'

if (typeof Promise.withResolvers !== 'function') { // Node 20
  Promise.withResolvers = function () {
    let resolve, reject
    const promise = new Promise((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}

const here = path.dirname(fileURLToPath(import.meta.url))

export class PeerProcess {
  static async start (args = [], { readyTimeoutMs = 20_000, name = 'peer' } = {}) {
    const p = new PeerProcess(args, name)
    await p.#waitReady(readyTimeoutMs)
    return p
  }

  constructor (args, name) {
    this.name = name
    this.stderr = ''
    this.nextId = 1
    this.pending = new Map()
    this.exited = false
    this.child = spawn(process.execPath, [path.join(here, 'peer.mjs'), ...args], {
      stdio: ['pipe', 'pipe', 'pipe']
    })
    this.child.stderr.on('data', (d) => { this.stderr += d.toString() })
    this.ready = Promise.withResolvers()
    this.child.on('exit', (code, sig) => {
      this.exited = true
      const err = new Error(`${this.name} exited (code ${code}, signal ${sig})`)
      this.ready.reject(err)
      for (const { reject } of this.pending.values()) reject(err)
      this.pending.clear()
    })
    const rl = readline.createInterface({ input: this.child.stdout })
    rl.on('line', (line) => {
      let msg
      try { msg = JSON.parse(line) } catch { return }
      if (msg.event === 'ready') { this.ready.resolve(msg); return }
      const waiter = this.pending.get(msg.id)
      if (waiter) { this.pending.delete(msg.id); waiter.resolve(msg) }
    })
  }

  async #waitReady (ms) {
    const t = setTimeout(() => this.ready.reject(new Error(`${this.name}: no ready line within ${ms} ms`)), ms)
    try {
      const r = await this.ready.promise
      this.peerId = r.peerId
      this.addrs = r.addrs
      this.addr = r.addrs[0]
    } finally {
      clearTimeout(t)
    }
  }

  /** Sends a command; resolves with the raw reply ({id,result} or {id,error}). */
  request (cmd, params = {}, timeoutMs = 30_000) {
    const id = this.nextId++
    const { promise, resolve, reject } = Promise.withResolvers()
    const t = setTimeout(() => {
      this.pending.delete(id)
      reject(new Error(`${this.name}: no reply to ${cmd} within ${timeoutMs + 5000} ms`))
    }, timeoutMs + 5000)
    this.pending.set(id, {
      resolve: (v) => { clearTimeout(t); resolve(v) },
      reject: (e) => { clearTimeout(t); reject(e) }
    })
    this.child.stdin.write(JSON.stringify({ id, cmd, timeout_ms: timeoutMs, ...params }) + '\n')
    return promise
  }

  /** Like request, but throws on an error reply and returns the result object. */
  async call (cmd, params = {}, timeoutMs = 30_000) {
    const r = await this.request(cmd, params, timeoutMs)
    if (r.error !== undefined) throw new Error(`${this.name}: ${cmd} failed: ${r.error}`)
    return r.result
  }

  async stop () {
    if (this.exited) return
    const exited = new Promise((resolve) => this.child.once('exit', resolve))
    try { await this.call('stop', {}, 5000) } catch {}
    const t = setTimeout(() => this.child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(t)
  }
}
