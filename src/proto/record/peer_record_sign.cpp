// seal_peer_record()/open_peer_record(): the part of peer_record.hpp that needs crypto and
// multiformats.
#include "proto/record/peer_record.hpp"

namespace lotus::proto::record {

PeerRecordMessage to_message(const PeerRecord& r) {
  PeerRecordMessage m;
  m.peer_id = r.peer_id.bytes();
  m.seq = r.seq;
  m.addresses.reserve(r.addresses.size());
  for (const auto& a : r.addresses) m.addresses.push_back(a.to_bytes());
  return m;
}

Result<Bytes> seal_peer_record(const crypto::PrivateKey& key, const PeerRecord& r) {
  if (!(key.peer_id() == r.peer_id)) return errc::peer_id_mismatch;
  LOTUS_TRY(
      env, seal(key, kPeerRecordDomain, kPeerRecordPayloadType, encode_peer_record(to_message(r))));
  return encode_envelope(env);
}

Result<CertifiedPeerRecord> open_peer_record(BytesView envelope_bytes, const Limits& limits) {
  LOTUS_TRY(v, open(envelope_bytes, kPeerRecordDomain, kPeerRecordPayloadType, limits));
  LOTUS_TRY(m, decode_peer_record(v.envelope.payload, limits));
  if (m.peer_id.empty()) return errc::missing_peer_id;
  auto id = mf::PeerId::from_bytes(m.peer_id);
  if (!id) return errc::invalid_peer_id;
  if (!(*id == v.signer)) return errc::peer_id_mismatch;
  CertifiedPeerRecord out{PeerRecord{std::move(*id), m.seq, {}}, 0,
                          Bytes(envelope_bytes.begin(), envelope_bytes.end())};
  out.record.addresses.reserve(m.addresses.size());
  for (const auto& a : m.addresses) {
    auto ma = mf::Multiaddr::from_bytes(a);
    if (ma)
      out.record.addresses.push_back(std::move(*ma));
    else
      ++out.skipped_addresses;
  }
  return out;
}

}  // namespace lotus::proto::record
