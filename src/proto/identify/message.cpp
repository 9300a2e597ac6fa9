#include "proto/identify/message.hpp"

#include <algorithm>

#include "base/protobuf.hpp"
#include "base/varint.hpp"

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

Bytes encode_framed(const IdentifyMessage& m) {
  const Bytes body = encode_message(m);
  Bytes out;
  out.reserve(body.size() + varint::kMaxMultiformatsLen);
  varint::append(out, body.size());
  append(out, body);
  return out;
}

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

Status MessageReader::on_bytes(BytesView in) {
  if (m_error) return m_error;
  std::size_t pos = 0;
  while (pos < in.size()) {
    if (!m_in_body) {
      if (m_count >= m_limits.max_messages) {
        m_error = make_error_code(errc::too_many_messages);
        return m_error;
      }
      m_prefix.push_back(in[pos++]);
      varint::Decoded d;
      if (auto ec = varint::decode_uvarint(m_prefix, d)) {
        if (ec == varint::errc::truncated) continue;  // need more prefix bytes
        m_error = make_error_code(errc::bad_length_prefix);
        return m_error;
      }
      m_prefix.clear();
      if (d.value > m_limits.max_message_size) {
        m_error = make_error_code(errc::message_too_large);
        return m_error;
      }
      m_in_body = true;
      m_body_len = static_cast<std::size_t>(d.value);
      m_body.clear();
      m_body.reserve(m_body_len);
    } else {
      const std::size_t take = std::min(m_body_len - m_body.size(), in.size() - pos);
      m_body.insert(m_body.end(), in.begin() + static_cast<std::ptrdiff_t>(pos),
                    in.begin() + static_cast<std::ptrdiff_t>(pos + take));
      pos += take;
    }
    if (m_in_body && m_body.size() == m_body_len) {
      if (auto st = complete_body(); !st) {
        m_error = st.error();
        return m_error;
      }
    }
  }
  return {};
}

Status MessageReader::complete_body() {
  m_in_body = false;
  ++m_count;
  auto msg = decode_message(m_body, m_limits);
  m_body.clear();
  if (!msg) return msg.error();
  return merge_chunk(m_merged, std::move(*msg), m_limits);
}

Result<IdentifyMessage> MessageReader::finish() {
  if (m_error) return m_error;
  if (m_in_body || !m_prefix.empty())
    m_error = make_error_code(errc::truncated);
  else if (m_count == 0)
    m_error = make_error_code(errc::no_message);
  if (m_error) return m_error;
  return std::move(m_merged);
}

}  // namespace lotus::proto::identify
