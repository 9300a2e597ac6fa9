#!/usr/bin/env node
// js <-> js self-test of peer.mjs and its JSON-lines protocol. Run by ctest
// (interop_js_selftest) so a broken npm install shows up as one clear failure before the
// C++ interop suite runs. Exit code 0 = all checks passed.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function () {
    let resolve, reject
    const promise = new Promise((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}

const assert = (await import('node:assert/strict')).default
const { PeerProcess } = await import('./peer_driver.mjs')

const MiB = 1024 * 1024
let failures = 0
const peers = []

async function check (name, fn) {
  const t0 = Date.now()
  try {
    await fn()
    console.log(`PASS ${name} (${Date.now() - t0} ms)`)
  } catch (e) {
    failures++
    console.log(`FAIL ${name}: ${e?.stack ?? e}`)
  }
}

const overall = setTimeout(() => {
  console.log('FAIL selftest: overall deadline (120 s) exceeded')
  for (const p of peers) { try { p.child.kill('SIGKILL') } catch {} }
  process.exit(1)
}, 120_000)

try {
  const a = await PeerProcess.start([], { name: 'A' })
  peers.push(a)
  const b = await PeerProcess.start(['--key-seed', '11'.repeat(32), '--agent', 'selftest-b/1.0'], { name: 'B' })
  peers.push(b)

  await check('deterministic key seed gives a fixed peer id', async () => {
    const b2 = await PeerProcess.start(['--key-seed', '11'.repeat(32), '--no-listen'], { name: 'B2' })
    try {
      assert.equal(b2.peerId, b.peerId)
      assert.deepEqual(b2.addrs, [])
    } finally {
      await b2.stop()
    }
  })

  await check('ready line lists a 127.0.0.1 tcp address with /p2p/', async () => {
    assert.match(b.addr, /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3Koo/)
    assert.ok(b.addr.endsWith(b.peerId))
  })

  await check('dial returns the remote peer id, noise + yamux', async () => {
    const r = await a.call('dial', { addr: b.addr })
    assert.equal(r.peerId, b.peerId)
    assert.equal(r.multiplexer, '/yamux/1.0.0')
    assert.equal(r.encryption, '/noise')
    const ev = await b.call('wait_event', { match: { type: 'connection_open', peerId: a.peerId } })
    assert.equal(ev.direction, 'inbound')
  })

  await check('ping by address and by peer id', async () => {
    const r1 = await a.call('ping', { addr: b.addr })
    assert.equal(typeof r1.rtt, 'number')
    const r2 = await b.call('ping', { peerId: a.peerId })
    assert.equal(typeof r2.rtt, 'number')
    for (let i = 0; i < 5; i++) {
      const r = await a.call('ping', { peerId: b.peerId })
      assert.equal(typeof r.rtt, 'number')
    }
  })

  await check('identify both ways', async () => {
    const r = await a.call('identify', { peerId: b.peerId })
    assert.equal(r.peerId, b.peerId)
    for (const p of ['/echo/1.0.0', '/reset/1.0.0', '/ipfs/id/1.0.0', '/ipfs/ping/1.0.0']) {
      assert.ok(r.protocols.includes(p), `missing ${p} in ${r.protocols}`)
    }
    assert.equal(r.agentVersion, 'selftest-b/1.0')
    assert.equal(r.protocolVersion, 'ipfs/0.1.0')
    assert.ok(r.listenAddrs.some(x => b.addr.startsWith(x)), `listen addrs ${r.listenAddrs}`)
    assert.match(r.observedAddr ?? '', /^\/ip4\/127\.0\.0\.1\/tcp\/\d+/)
    assert.ok(r.store.protocols.includes('/echo/1.0.0'))
    assert.equal(r.store.agentVersion, 'selftest-b/1.0')
    const ev = await b.call('wait_event', { match: { type: 'identify', peerId: a.peerId } })
    assert.ok(ev.protocols.includes('/echo/1.0.0'))
    assert.match(ev.agentVersion, /libp2p/)
    const refreshed = await a.call('identify', { peerId: b.peerId, refresh: true })
    assert.deepEqual(refreshed.protocols, r.protocols)
  })

  for (const size of [0, 1, 5, MiB, 10 * MiB]) {
    await check(`echo ${size} bytes`, async () => {
      const r = await a.call('echo', { addr: b.addr, bytes: size, seed: 7 + size }, 50_000)
      assert.deepEqual(r, { match: true, sent: size, received: size, firstMismatch: -1 })
      const ev = await b.call('wait_event', { match: { type: 'stream_end', protocol: '/echo/1.0.0', bytes: size } })
      assert.equal(ev.outcome, 'closed')
    })
  }

  await check('echo_concurrent 100 streams x 64 KiB on one connection', async () => {
    const r = await a.call('echo_concurrent', { addr: b.addr, streams: 100, bytes: 65536, seed: 1000 }, 50_000)
    assert.deepEqual(r.failures, [])
    assert.equal(r.matched, 100)
    assert.equal(r.connections, 1)
  })

  await check('half_close_test', async () => {
    const r = await a.call('half_close_test', { addr: b.addr, bytes: 200_000, seed: 3 })
    assert.equal(r.match, true)
    assert.equal(r.received, 200_000)
    assert.equal(r.sendAfterCloseThrew, true)
    assert.equal(r.sendAfterCloseError, 'StreamStateError')
    assert.equal(r.remoteWriteStatus, 'closed')
    assert.equal(r.finalStatus, 'closed')
    assert.equal(r.closeEvent.errorName, null)
  })

  await check('reset_test reset: the remote echo handler sees a reset', async () => {
    const since = (await b.call('events', { since: 1e9 })).next
    const r = await a.call('reset_test', { addr: b.addr, action: 'reset', bytes: 4096 })
    assert.equal(r.status, 'aborted')
    assert.ok(r.echoedBeforeReset > 0)
    assert.equal(r.closeEvent.local, true)
    const ev = await b.call('wait_event', { since, match: { type: 'stream_end', protocol: '/echo/1.0.0', peerId: a.peerId, outcome: 'reset' } })
    assert.equal(ev.errorName, 'StreamResetError')
  })

  await check('reset_test wait: /reset/1.0.0 resets us', async () => {
    const r = await a.call('reset_test', { addr: b.addr, protocol: '/reset/1.0.0', action: 'wait', bytes: 100 })
    assert.equal(r.reset, true)
    assert.equal(r.status, 'reset')
    assert.equal(r.closeEvent.errorName, 'StreamResetError')
    assert.equal(r.closeEvent.local, false)
  })

  await check('dial with a wrong /p2p/ id fails; the remote has no connection from us', async () => {
    const c = await PeerProcess.start([], { name: 'C' })
    peers.push(c)
    try {
      const wrong = b.addr.replace(b.peerId, a.peerId)
      const r = await c.request('dial', { addr: wrong })
      assert.ok(r.error !== undefined, 'dial should fail')
      assert.match(r.error, /does not match expected remote identity key|UnexpectedPeerError/)
      const conns = await b.call('connections')
      assert.ok(!conns.connections.some(x => x.peerId === c.peerId))
      const cc = await c.call('connections')
      assert.deepEqual(cc.connections, [])
    } finally {
      await c.stop()
    }
  })

  await check('failed commands reply with errors and the peer keeps working', async () => {
    const r1 = await a.request('echo', { addr: '/ip4/127.0.0.1/tcp/1', bytes: 1 })
    assert.ok(r1.error !== undefined)
    const r2 = await a.request('frobnicate')
    assert.match(r2.error, /unknown command/)
    const r3 = await a.request('wait_event', { match: { type: 'never' } }, 200)
    assert.match(r3.error, /timeout/)
    const r4 = await a.call('ping', { addr: b.addr })
    assert.equal(typeof r4.rtt, 'number')
  })

  await check('hangup closes the connection on both sides', async () => {
    const since = (await b.call('events', { since: 1e9 })).next
    await a.call('hangup', { peerId: b.peerId })
    await b.call('wait_event', { since, match: { type: 'connection_close', peerId: a.peerId } })
  })
} catch (e) {
  failures++
  console.log(`FAIL selftest setup: ${e?.stack ?? e}`)
} finally {
  for (const p of peers) {
    try { await p.stop() } catch {}
  }
  clearTimeout(overall)
}

if (failures > 0) {
  for (const p of peers) {
    if (p.stderr) console.log(`---- stderr of ${p.name} ----\n${p.stderr}`)
  }
  console.log(`selftest: ${failures} check(s) FAILED`)
  process.exit(1)
}
console.log('selftest: all checks passed')
process.exit(0)
