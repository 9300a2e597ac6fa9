// A Lotus SDK reference-style coordinator for a js-libp2p 3.x node, written from
// ../shared/reference/lotus-wire.md (§2 message transport, §2.6 broadcast, §3 DHT resources,
// §4 topics) as an independent peer: it shares no code with the C++ implementation and uses
// only Node built-ins, so bench/js/coordinator.mjs can load it next to its own libp2p copy.
//
//   createMessage(type, payload, from, {to, protocol, signature})   §2.1 (key order
//       type, from, to, payload, timestamp, messageId, signature, protocol; messageId
//       base36(Date.now()) + "-" + hex(8 random bytes))
//   new LotusCoordinator(node, {pubsub, dht, onEvent})
//     .start()                 handles /lotus/message/1.0.0 (default stream limits, as the SDK)
//     .sendTo(peerId, msg, protocolId)  new stream, whole JSON text in one send, half-close (§2.4)
//     .broadcast(msg, {exclude, includedOnly, protocol})  §2.6: every connected peer with a
//         non-relayed connection, in parallel, failures ignored; then self-delivery to the
//         handler named by msg.protocol (no `message` event)
//     .registerProtocol({protocolName, handleMessage})
//     .subscribeToTopic(topic, handler) / publishToTopic(topic, obj) / unsubscribeFromTopic  §4
//         (bare JSON, no envelope; one listener per subscribeToTopic call, as the SDK)
//     .announceResource(type, id, data, {expiresAt})  §3.2 (PUT only when the DHT exists and its
//         routing table is non-empty; 5 s abort, at most 20 events)
//     .discoverResource(type, id, timeoutMs = 5000)   §3.3 (local cache, else dht.get: first
//         VALUE event, expired skipped; 20-event cap)
//     .getResource(type, id)  local cache only
// Receiving (§2.5): read to EOF; > 100 000 bytes -> abort; empty -> ignored; JSON.parse;
// validateMessage (type/from/messageId non-empty strings, timestamp non-zero number within
// ±300 000 ms); de-dup by hex(HMAC-SHA256("lotus-lib-p2p-message-hash-key",
// type || from || (to ?? "") || messageId)) in a 10 000-entry set (1 000 oldest evicted);
// `message` event with the connection's remote peer id; then the handler named by `protocol`.
// onEvent(type, fields) reports every outcome (the test driver records them):
//   message {message, raw, from, protocol, handled}
//   refused {reason: oversized|invalid_json|invalid_message|duplicate, from, bytes, error}
//   empty {from}
//   self_delivery {message, protocol}
//   topic_message {topic, data, json, from}
import { createHmac, randomBytes } from 'node:crypto'

export const LOTUS_MESSAGE = '/lotus/message/1.0.0'
export const MAX_MESSAGE_BYTES = 100_000
export const MAX_CLOCK_SKEW_MS = 300_000
const HASH_KEY = 'lotus-lib-p2p-message-hash-key'
const SEEN_MAX = 10_000
const SEEN_EVICT = 1_000

const enc = new TextEncoder()
const dec = new TextDecoder()

export function createMessageId () {
  return Date.now().toString(36) + '-' + randomBytes(8).toString('hex')
}

export function createMessage (type, payload, from, options = {}) {
  return {
    type,
    from,
    to: options.to,
    payload,
    timestamp: Date.now(),
    messageId: createMessageId(),
    signature: options.signature,
    protocol: options.protocol
  }
}

export function serialize (message) {
  return enc.encode(JSON.stringify(message))
}

export function validateMessage (m) {
  if (m == null || typeof m !== 'object') return false
  if (typeof m.type !== 'string' || m.type.length === 0) return false
  if (typeof m.from !== 'string' || m.from.length === 0) return false
  if (typeof m.messageId !== 'string' || m.messageId.length === 0) return false
  if (typeof m.timestamp !== 'number' || m.timestamp === 0) return false
  return Math.abs(Date.now() - m.timestamp) <= MAX_CLOCK_SKEW_MS
}

export function messageHash (m) {
  return createHmac('sha256', HASH_KEY)
    .update(m.type).update(m.from).update(m.to ?? '').update(m.messageId)
    .digest('hex')
}

function chunkBytes (data) {
  return typeof data.subarray === 'function' ? data.subarray() : data
}

function isRelayed (addr) {
  return addr.toString().includes('/p2p-circuit')
}

export class LotusCoordinator {
  constructor (node, opts = {}) {
    this.node = node
    this.pubsub = opts.pubsub ?? null
    this.dht = opts.dht ?? null
    this.onEvent = opts.onEvent ?? (() => {})
    this.handlers = new Map() // protocolName -> handler
    this.seen = new Set()
    this.resources = new Map() // "resource:<type>:<id>" -> announcement
    this.topicListeners = new Map() // topic -> [listener]
  }

  get peerId () { return this.node.peerId.toString() }

  async start () {
    await this.node.handle(LOTUS_MESSAGE, (stream, connection) => {
      this._incoming(stream, connection).catch((e) => this.onEvent('error', { error: String(e) }))
    })
  }

  registerProtocol (handler) {
    if (this.handlers.has(handler.protocolName)) throw new Error(`Protocol already registered: ${handler.protocolName}`)
    this.handlers.set(handler.protocolName, handler)
  }

  createMessage (type, payload, options = {}) {
    return createMessage(type, payload, this.peerId, options)
  }

  // §2.4: dial, write the whole text, half-close; nothing is read back.
  async sendTo (peerId, message, protocolId) {
    const stream = await this.node.dialProtocol(peerId, protocolId ?? LOTUS_MESSAGE)
    const bytes = serialize(message)
    if (!stream.send(bytes)) await stream.onDrain()
    await stream.close()
    return bytes
  }

  // §2.6
  async broadcast (message, options = {}) {
    const exclude = new Set((options.exclude ?? []).map(String))
    const only = options.includedOnly != null ? new Set(options.includedOnly.map(String)) : null
    const targets = this.node.getPeers().filter((p) => {
      const id = p.toString()
      if (exclude.has(id)) return false
      if (only != null && !only.has(id)) return false
      const conns = this.node.getConnections(p)
      return conns.some((c) => !isRelayed(c.remoteAddr))
    })
    const settled = await Promise.allSettled(targets.map((p) => this.sendTo(p, message, options.protocol)))
    const failed = settled.filter((s) => s.status === 'rejected').length
    if (message.protocol != null) {
      const h = this.handlers.get(message.protocol)
      if (h != null) {
        try {
          await h.handleMessage(message, { peerId: this.peerId })
        } catch (e) {
          this.onEvent('error', { error: String(e) })
        }
        this.onEvent('self_delivery', { message, protocol: message.protocol })
      }
    }
    return { targets: targets.map(String), failed }
  }

  // §2.5
  async _incoming (stream, connection) {
    const from = connection.remotePeer.toString()
    const chunks = []
    let total = 0
    let oversized = false
    await new Promise((resolve) => {
      let done = false
      const finish = () => { if (!done) { done = true; resolve() } }
      stream.addEventListener('message', (evt) => {
        if (oversized) return
        const b = chunkBytes(evt.data)
        total += b.byteLength
        if (total > MAX_MESSAGE_BYTES) {
          oversized = true
          stream.abort(new Error('message too large'))
          finish()
          return
        }
        chunks.push(Uint8Array.from(b))
      })
      stream.addEventListener('end', finish)
      stream.addEventListener('close', finish)
      if (stream.readableEnded) finish()
    })
    if (oversized) {
      this.onEvent('refused', { reason: 'oversized', from, bytes: total })
      return
    }
    // Our write side is closed without waiting for it to flush: nothing is sent back, and the
    // message is handled at once.
    stream.close().catch(() => {})
    if (total === 0) {
      this.onEvent('empty', { from })
      return
    }
    const buf = Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)))
    const raw = dec.decode(buf)
    let message
    try {
      message = JSON.parse(raw)
    } catch (e) {
      this.onEvent('refused', { reason: 'invalid_json', from, bytes: total, error: String(e) })
      return
    }
    if (!validateMessage(message)) {
      this.onEvent('refused', { reason: 'invalid_message', from, bytes: total })
      return
    }
    const key = messageHash(message)
    if (this.seen.has(key)) {
      this.onEvent('refused', { reason: 'duplicate', from, bytes: total })
      return
    }
    this.seen.add(key)
    if (this.seen.size > SEEN_MAX) {
      let n = 0
      for (const k of this.seen) {
        if (n++ >= SEEN_EVICT) break
        this.seen.delete(k)
      }
    }
    const h = message.protocol != null ? this.handlers.get(message.protocol) : undefined
    this.onEvent('message', { message, raw, from, protocol: message.protocol ?? null, handled: h != null })
    if (h != null) await h.handleMessage(message, { peerId: from, lastSeen: Date.now() })
  }

  // ---- §4 topics
  subscribeToTopic (topic, handler) {
    if (this.pubsub == null) throw new Error('GossipSub not enabled in config')
    this.pubsub.subscribe(topic)
    const listener = (evt) => {
      const m = evt.detail
      if (m.topic !== topic) return
      const text = dec.decode(m.data)
      let parsed = null
      try { parsed = JSON.parse(text) } catch {}
      handler(parsed, { topic, data: text, from: m.type === 'signed' ? m.from.toString() : null })
    }
    this.pubsub.addEventListener('message', listener)
    const list = this.topicListeners.get(topic) ?? []
    list.push(listener)
    this.topicListeners.set(topic, list)
  }

  async publishToTopic (topic, obj) {
    if (this.pubsub == null) throw new Error('GossipSub not enabled in config')
    return this.pubsub.publish(topic, enc.encode(JSON.stringify(obj)))
  }

  unsubscribeFromTopic (topic) {
    if (this.pubsub == null) throw new Error('GossipSub not enabled in config')
    this.pubsub.unsubscribe(topic)
    for (const l of this.topicListeners.get(topic) ?? []) this.pubsub.removeEventListener('message', l)
    this.topicListeners.delete(topic)
  }

  getTopicPeers (topic) {
    if (this.pubsub == null) throw new Error('GossipSub not enabled in config')
    return this.pubsub.getSubscribers(topic).map(String)
  }

  // ---- §3 resources
  static resourceKey (type, id) { return `resource:${type}:${id}` }

  _dhtReady () {
    return this.dht != null && this.dht.routingTable.size > 0
  }

  async announceResource (type, id, data, options = {}) {
    const announcement = {
      resourceId: id,
      resourceType: type,
      creatorPeerId: this.peerId,
      data,
      createdAt: Date.now(),
      expiresAt: options.expiresAt
    }
    const key = LotusCoordinator.resourceKey(type, id)
    this.resources.set(key, announcement)
    let stored = 0
    if (this._dhtReady()) {
      const controller = new AbortController()
      const timer = setTimeout(() => controller.abort(), 5000)
      let events = 0
      try {
        for await (const ev of this.dht.put(enc.encode(key), serialize(announcement), { signal: controller.signal })) {
          if (ev.name === 'PEER_RESPONSE' && ev.messageName === 'PUT_VALUE') stored++
          if (++events >= 20) break
        }
      } catch (e) {
        if (e?.name !== 'AbortError') this.onEvent('error', { error: String(e) })
      } finally {
        clearTimeout(timer)
      }
    }
    return { announcement, value: JSON.stringify(announcement), stored }
  }

  getResource (type, id) {
    const a = this.resources.get(LotusCoordinator.resourceKey(type, id))
    if (a == null) return null
    if (a.expiresAt != null && a.expiresAt <= Date.now()) return null
    return a
  }

  async discoverResource (type, id, timeoutMs = 5000) {
    const local = this.getResource(type, id)
    if (local != null) return { announcement: local, source: 'local' }
    if (!this._dhtReady()) return null
    const key = LotusCoordinator.resourceKey(type, id)
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), timeoutMs)
    let events = 0
    try {
      for await (const ev of this.dht.get(enc.encode(key), { signal: controller.signal })) {
        if (ev.name === 'VALUE') {
          const value = dec.decode(ev.value)
          const a = JSON.parse(value)
          if (a.expiresAt != null && a.expiresAt < Date.now()) continue
          this.resources.set(key, a)
          return { announcement: a, value, source: 'dht', from: ev.from.toString() }
        }
        if (++events >= 20) break
      }
    } catch (e) {
      if (e?.name !== 'AbortError') this.onEvent('error', { error: String(e) })
    } finally {
      clearTimeout(timer)
    }
    return null
  }
}
