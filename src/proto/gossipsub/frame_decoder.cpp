#include "proto/gossipsub/frame_decoder.hpp"

#include "base/varint.hpp"

namespace lotus::proto::gossipsub {

Status FrameDecoder::on_bytes(BytesView in) {
  if (m_error) return m_error;
  append(m_buf, in);
  std::size_t pos = 0;
  while (pos < m_buf.size()) {
    varint::Decoded d;
    BytesView rest(m_buf.data() + pos, m_buf.size() - pos);
    if (auto ec = varint::decode_uvarint(rest, d)) {
      if (ec == varint::errc::truncated) break;
      m_error = ec;
      return ec;
    }
    if (d.value > m_limits.max_rpc_size) {
      m_error = make_error_code(errc::rpc_too_large);
      return m_error;
    }
    const auto len = static_cast<std::size_t>(d.value);
    if (rest.size() - d.length < len) break;
    auto rpc = decode_rpc(rest.subspan(d.length, len), m_limits);
    if (!rpc) {
      m_error = rpc.error();
      return m_error;
    }
    m_ready.push_back(std::move(rpc).value());
    pos += d.length + len;
  }
  m_buf.erase(m_buf.begin(), m_buf.begin() + static_cast<std::ptrdiff_t>(pos));
  return {};
}

std::optional<Rpc> FrameDecoder::next() {
  if (m_ready.empty()) return std::nullopt;
  Rpc r = std::move(m_ready.front());
  m_ready.pop_front();
  return r;
}

}  // namespace lotus::proto::gossipsub
