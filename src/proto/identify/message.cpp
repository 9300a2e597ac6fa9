#include "proto/identify/message.hpp"

#include <algorithm>

#include "base/protobuf.hpp"

namespace lotus::proto::identify {

Bytes encode_message(const IdentifyMessage& m) {
  Bytes out;
  pb::Writer w(out);
  if (m.protocol_version) w.string(5, *m.protocol_version);
  if (m.agent_version) w.string(6, *m.agent_version);
  if (m.public_key) w.bytes(1, *m.public_key);
  for (const auto& a : m.listen_addrs) w.bytes(2, a);
  if (m.observed_addr) w.bytes(4, *m.observed_addr);
  for (const auto& p : m.protocols) w.string(3, p);
  if (m.signed_peer_record) w.bytes(8, *m.signed_peer_record);
  return out;
}

Bytes encode_framed(const IdentifyMessage& m) { return framing::encode_frame(encode_message(m)); }

Result<IdentifyMessage> decode_message(BytesView bytes, const Limits& limits) {
  if (bytes.size() > limits.max_message_size) return errc::message_too_large;
  IdentifyMessage m;
  pb::Reader r(bytes);
  pb::Field f;
  while (r.next(f)) {
    if (f.number > 8 || f.number == 7) continue;  // unknown fields are skipped
    if (f.type != pb::WireType::len) return errc::malformed_message;
    const BytesView v = f.bytes;
    switch (f.number) {
      case 1:
        m.public_key.emplace(v.begin(), v.end());
        break;
      case 2:
        if (m.listen_addrs.size() >= limits.max_listen_addrs) return errc::too_many_addresses;
        if (v.size() > limits.max_addr_len) return errc::address_too_long;
        m.listen_addrs.emplace_back(v.begin(), v.end());
        break;
      case 3:
        if (m.protocols.size() >= limits.max_protocols) return errc::too_many_protocols;
        if (v.size() > limits.max_protocol_len) return errc::protocol_too_long;
        m.protocols.emplace_back(as_string_view(v));
        break;
      case 4:
        if (v.size() > limits.max_addr_len) return errc::address_too_long;
        m.observed_addr.emplace(v.begin(), v.end());
        break;
      case 5:
      case 6:
        if (v.size() > limits.max_version_len) return errc::field_too_long;
        (f.number == 5 ? m.protocol_version : m.agent_version).emplace(as_string_view(v));
        break;
      case 8:
        m.signed_peer_record.emplace(v.begin(), v.end());
        break;
      default:
        break;
    }
  }
  if (r.error()) return errc::malformed_message;
  return m;
}

Status merge_chunk(IdentifyMessage& into, IdentifyMessage&& chunk, const Limits& limits) {
  if (chunk.protocols.size() >
      limits.max_protocols - std::min(limits.max_protocols, into.protocols.size()))
    return errc::too_many_protocols;
  if (chunk.listen_addrs.size() >
      limits.max_listen_addrs - std::min(limits.max_listen_addrs, into.listen_addrs.size()))
    return errc::too_many_addresses;
  if (chunk.protocol_version) into.protocol_version = std::move(chunk.protocol_version);
  if (chunk.agent_version) into.agent_version = std::move(chunk.agent_version);
  if (chunk.public_key) into.public_key = std::move(chunk.public_key);
  if (chunk.observed_addr) into.observed_addr = std::move(chunk.observed_addr);
  if (chunk.signed_peer_record) into.signed_peer_record = std::move(chunk.signed_peer_record);
  std::move(chunk.listen_addrs.begin(), chunk.listen_addrs.end(),
            std::back_inserter(into.listen_addrs));
  std::move(chunk.protocols.begin(), chunk.protocols.end(), std::back_inserter(into.protocols));
  return {};
}

Status MessageReader::fail(std::error_code ec) {
  m_error = ec;
  return ec;
}

Status MessageReader::on_bytes(BytesView in) {
  if (m_error) return m_error;
  while (true) {
    // A further message may not even start (its first prefix byte is refused).
    if (!in.empty() && !m_framer.mid_frame() && m_count >= m_limits.max_messages)
      return fail(make_error_code(errc::too_many_messages));
    auto frame = m_framer.next(in);
    if (!frame)
      return fail(make_error_code(frame.error() == framing::errc::frame_too_large ? errc::message_too_large
                                                                                  : errc::bad_length_prefix));
    if (!*frame) return {};  // `in` used up
    ++m_count;
    auto msg = decode_message(**frame, m_limits);
    if (!msg) return fail(msg.error());
    if (auto st = merge_chunk(m_merged, std::move(*msg), m_limits); !st) return fail(st.error());
  }
}

Result<IdentifyMessage> MessageReader::finish() {
  if (m_error) return m_error;
  if (m_framer.mid_frame()) return fail(make_error_code(errc::truncated)).error();
  if (m_count == 0) return fail(make_error_code(errc::no_message)).error();
  return std::move(m_merged);
}

}  // namespace lotus::proto::identify
