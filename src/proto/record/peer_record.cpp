#include "proto/record/peer_record.hpp"

#include "base/protobuf.hpp"

namespace lotus::proto::record {

Bytes encode_peer_record(const PeerRecordMessage& m) {
  Bytes out;
  pb::Writer w(out);
  if (!m.peer_id.empty()) w.bytes(1, m.peer_id);
  if (m.seq != 0) w.varint(2, m.seq);
  Bytes info;
  for (const auto& a : m.addresses) {
    info.clear();
    pb::Writer iw(info);
    if (!a.empty()) iw.bytes(1, a);
    w.bytes(3, info);
  }
  return out;
}

namespace {

Result<Bytes> decode_address_info(BytesView bytes, const Limits& limits) {
  Bytes addr;
  pb::Reader r(bytes);
  pb::Field f;
  while (r.next(f)) {
    if (f.number != 1) continue;
    if (f.type != pb::WireType::len) return errc::malformed_record;
    if (f.bytes.size() > limits.max_address_len) return errc::address_too_long;
    addr.assign(f.bytes.begin(), f.bytes.end());
  }
  if (r.error()) return errc::malformed_record;
  return addr;
}

}  // namespace

Result<PeerRecordMessage> decode_peer_record(BytesView bytes, const Limits& limits) {
  if (bytes.size() > limits.max_record_size) return errc::record_too_large;
  PeerRecordMessage m;
  pb::Reader r(bytes);
  pb::Field f;
  while (r.next(f)) {
    switch (f.number) {
      case 1:
        if (f.type != pb::WireType::len) return errc::malformed_record;
        m.peer_id.assign(f.bytes.begin(), f.bytes.end());
        break;
      case 2:
        if (f.type != pb::WireType::varint) return errc::malformed_record;
        m.seq = f.varint;
        break;
      case 3: {
        if (f.type != pb::WireType::len) return errc::malformed_record;
        if (m.addresses.size() >= limits.max_addresses) return errc::too_many_addresses;
        LOTUS_TRY(addr, decode_address_info(f.bytes, limits));
        m.addresses.push_back(std::move(addr));
        break;
      }
      default:
        break;  // unknown fields are skipped
    }
  }
  if (r.error()) return errc::malformed_record;
  return m;
}

}  // namespace lotus::proto::record
