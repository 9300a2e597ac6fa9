// Generates js_identify_vectors.json with the pinned js-libp2p packages of tests/interop:
//   cp tests/vectors/identify/gen_js_vectors.mjs tests/interop/ && (cd tests/interop && node gen_js_vectors.mjs) > tests/vectors/identify/js_identify_vectors.json
// Ed25519 signatures are deterministic, so the output is stable.
import { Identify } from './node_modules/@libp2p/identify/dist/src/pb/message.js'
import { RecordEnvelope, PeerRecord } from '@libp2p/peer-record'
import { privateKeyFromRaw, publicKeyToProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
const hex = (u) => Buffer.from(u).toString('hex')
// Ed25519 key from a fixed 32-byte seed ‖ public (raw 64-byte form)
import { ed25519 } from '@noble/curves/ed25519.js'
const seed = Uint8Array.from({length: 32}, (_, i) => i + 1)
const pub = ed25519.getPublicKey(seed)
const raw = new Uint8Array(64); raw.set(seed); raw.set(pub, 32)
const key = privateKeyFromRaw(raw)
const pid = peerIdFromPrivateKey(key)
const addrs = [multiaddr('/ip4/127.0.0.1/tcp/4001'), multiaddr('/ip6/::1/tcp/4002/ws')]
const rec = new PeerRecord({ peerId: pid, multiaddrs: addrs, seqNumber: 1700000000000n })
const env = await RecordEnvelope.seal(rec, key)
const msg = {
  protocolVersion: 'ipfs/0.1.0',
  agentVersion: 'js-libp2p/3.1.0',
  publicKey: publicKeyToProtobuf(key.publicKey),
  listenAddrs: addrs.map(a => a.bytes),
  observedAddr: multiaddr('/ip4/10.0.0.2/tcp/50000').bytes,
  protocols: ['/ipfs/id/1.0.0', '/ipfs/ping/1.0.0'],
  signedPeerRecord: env.marshal()
}
console.log(JSON.stringify({
  private_key_protobuf: hex(privateKeyToProtobuf(key)),
  public_key_protobuf: hex(publicKeyToProtobuf(key.publicKey)),
  peer_id: pid.toString(),
  peer_id_bytes: hex(pid.toMultihash().bytes),
  addrs: addrs.map(a => a.toString()), addrs_bytes: addrs.map(a => hex(a.bytes)),
  observed_bytes: hex(msg.observedAddr),
  peer_record_payload: hex(rec.marshal()),
  envelope: hex(env.marshal()),
  signature: hex(env.signature),
  identify_message: hex(Identify.encode(msg)),
}, null, 1))
