#include "proto/kad/message.hpp"

#include "base/protobuf.hpp"
#include "proto/kad/errc.hpp"

namespace lotus::proto::kad {

namespace {

// Field numbers (kad-dht README).
namespace msg_field {
inline constexpr std::uint32_t type = 1, key = 2, record = 3, closer_peers = 8, provider_peers = 9,
                               cluster_level = 10;
}
namespace record_field {
inline constexpr std::uint32_t key = 1, value = 2, time_received = 5;
}
namespace peer_field {
inline constexpr std::uint32_t id = 1, addrs = 2, connection = 3;
}

std::error_code expect(const pb::Field& f, pb::WireType t) {
  return f.type == t ? std::error_code{} : make_error_code(pb::errc::wrong_wire_type);
}

Result<Record> decode_record(BytesView in, const Limits& limits) {
  Record r;
  pb::Reader rd(in);
  pb::Field f;
  while (rd.next(f)) {
    switch (f.number) {
      case record_field::key:
        if (auto ec = expect(f, pb::WireType::len)) return ec;
        if (f.bytes.size() > limits.max_key_size) return errc::key_too_large;
        r.key.assign(f.bytes.begin(), f.bytes.end());
        break;
      case record_field::value:
        if (auto ec = expect(f, pb::WireType::len)) return ec;
        if (f.bytes.size() > limits.max_value_size) return errc::value_too_large;
        r.value.assign(f.bytes.begin(), f.bytes.end());
        break;
      case record_field::time_received:
        if (auto ec = expect(f, pb::WireType::len)) return ec;
        r.time_received.assign(as_string_view(f.bytes));
        break;
      default:
        break;  // removed fields 3 (author) and 4 (signature), or unknown
    }
  }
  if (rd.error()) return rd.error();
  return r;
}

// nullopt: structurally fine but unusable (no or invalid id), counted in `report`.
Result<std::optional<PeerInfo>> decode_peer(BytesView in, const Limits& limits, DecodeReport& report) {
  std::optional<BytesView> id;
  std::vector<BytesView> addrs;
  ConnectionType conn = ConnectionType::not_connected;
  pb::Reader rd(in);
  pb::Field f;
  std::size_t dropped = 0;
  while (rd.next(f)) {
    switch (f.number) {
      case peer_field::id:
        if (auto ec = expect(f, pb::WireType::len)) return ec;
        id = f.bytes;
        break;
      case peer_field::addrs:
        if (auto ec = expect(f, pb::WireType::len)) return ec;
        if (addrs.size() < limits.max_addrs_per_peer)
          addrs.push_back(f.bytes);
        else
          ++dropped;
        break;
      case peer_field::connection:
        if (auto ec = expect(f, pb::WireType::varint)) return ec;
        conn = f.varint <= 3 ? static_cast<ConnectionType>(f.varint) : ConnectionType::not_connected;
        break;
      default:
        break;
    }
  }
  if (rd.error()) return rd.error();
  report.dropped_addrs += dropped;
  if (!id) {
    ++report.invalid_peers;
    return std::optional<PeerInfo>{};
  }
  auto pid = mf::PeerId::from_bytes(*id);
  if (!pid) {
    ++report.invalid_peers;
    return std::optional<PeerInfo>{};
  }
  PeerInfo p{std::move(*pid), {}, conn};
  p.addrs.reserve(addrs.size());
  for (BytesView a : addrs) {
    auto ma = mf::Multiaddr::from_bytes(a);
    if (ma)
      p.addrs.push_back(std::move(*ma));
    else
      ++report.invalid_addrs;
  }
  return std::optional<PeerInfo>(std::move(p));
}

void encode_peer(const PeerInfo& p, Bytes& out) {
  pb::Writer w(out);
  w.bytes(peer_field::id, p.id.bytes());
  for (const auto& a : p.addrs) w.bytes(peer_field::addrs, a.to_bytes());
  if (p.connection != ConnectionType::not_connected)
    w.varint(peer_field::connection, static_cast<std::uint64_t>(p.connection));
}

}  // namespace

const char* to_string(MessageType t) noexcept {
  switch (t) {
    case MessageType::put_value: return "PUT_VALUE";
    case MessageType::get_value: return "GET_VALUE";
    case MessageType::add_provider: return "ADD_PROVIDER";
    case MessageType::get_providers: return "GET_PROVIDERS";
    case MessageType::find_node: return "FIND_NODE";
    case MessageType::ping: return "PING";
  }
  return "?";
}

Result<Message> decode_message(BytesView body, const Limits& limits, DecodeReport* report) {
  if (body.size() > limits.max_message_size) return errc::message_too_large;
  DecodeReport local;
  DecodeReport& rep = report ? *report : local;
  Message m;
  std::size_t closer_seen = 0, provider_seen = 0;
  pb::Reader rd(body);
  pb::Field f;
  while (rd.next(f)) {
    switch (f.number) {
      case msg_field::type:
        if (auto ec = expect(f, pb::WireType::varint)) return ec;
        if (f.varint > 5) return errc::unknown_message_type;
        m.type = static_cast<MessageType>(f.varint);
        break;
      case msg_field::key:
        if (auto ec = expect(f, pb::WireType::len)) return ec;
        if (f.bytes.size() > limits.max_key_size) return errc::key_too_large;
        m.key.assign(f.bytes.begin(), f.bytes.end());
        break;
      case msg_field::record: {
        if (auto ec = expect(f, pb::WireType::len)) return ec;
        if (m.record) return errc::duplicate_record;
        LOTUS_TRY(rec, decode_record(f.bytes, limits));
        m.record = std::move(rec);
        break;
      }
      case msg_field::closer_peers:
      case msg_field::provider_peers: {
        if (auto ec = expect(f, pb::WireType::len)) return ec;
        const bool closer = f.number == msg_field::closer_peers;
        std::size_t& seen = closer ? closer_seen : provider_seen;
        if (seen >= limits.max_peers) {
          ++rep.dropped_peers;
          break;
        }
        ++seen;
        LOTUS_TRY(peer, decode_peer(f.bytes, limits, rep));
        if (peer) (closer ? m.closer_peers : m.provider_peers).push_back(std::move(*peer));
        break;
      }
      case msg_field::cluster_level:
        if (auto ec = expect(f, pb::WireType::varint)) return ec;
        m.cluster_level_raw = static_cast<std::int32_t>(static_cast<std::uint32_t>(f.varint));
        break;
      default:
        break;
    }
  }
  if (rd.error()) return rd.error();
  return m;
}

void encode_message(const Message& m, Bytes& out) {
  out.reserve(out.size() + 16 + m.key.size() +
              (m.record ? 16 + m.record->key.size() + m.record->value.size() : 0) +
              96 * (m.closer_peers.size() + m.provider_peers.size()));
  pb::Writer w(out);
  if (m.type != MessageType::put_value) w.varint(msg_field::type, static_cast<std::uint64_t>(m.type));
  if (!m.key.empty()) w.bytes(msg_field::key, m.key);
  if (m.record) {
    Bytes rec;
    pb::Writer rw(rec);
    if (!m.record->key.empty()) rw.bytes(record_field::key, m.record->key);
    if (!m.record->value.empty()) rw.bytes(record_field::value, m.record->value);
    if (!m.record->time_received.empty()) rw.string(record_field::time_received, m.record->time_received);
    w.bytes(msg_field::record, rec);
  }
  Bytes scratch;
  for (const auto& p : m.closer_peers) {
    scratch.clear();
    encode_peer(p, scratch);
    w.bytes(msg_field::closer_peers, scratch);
  }
  for (const auto& p : m.provider_peers) {
    scratch.clear();
    encode_peer(p, scratch);
    w.bytes(msg_field::provider_peers, scratch);
  }
  // int32 in proto3: negative values are sign-extended to 64 bits on the wire.
  if (m.cluster_level_raw != 0)
    w.varint(msg_field::cluster_level, static_cast<std::uint64_t>(static_cast<std::int64_t>(m.cluster_level_raw)));
}

Bytes encode_message(const Message& m) {
  Bytes out;
  encode_message(m, out);
  return out;
}

}  // namespace lotus::proto::kad
