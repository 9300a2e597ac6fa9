#include "proto/framing/length_prefixed.hpp"

#include <algorithm>

#include "base/varint.hpp"

namespace lotus::proto::framing {

void append_frame(Bytes& out, BytesView body) {
  varint::append(out, body.size());
  append(out, body);
}

Bytes encode_frame(BytesView body) {
  Bytes out;
  out.reserve(varint::encoded_size(body.size()) + body.size());
  append_frame(out, body);
  return out;
}

std::error_code Reader::fail(std::error_code ec) {
  m_error = ec;
  m_prefix_len = 0;
  m_in_body = false;
  m_body = Bytes();  // give the memory back: a failed reader is only waiting to be dropped
  return ec;
}

std::error_code Reader::start_body(std::uint64_t len) {
  if (len > m_max) return fail(make_error_code(errc::frame_too_large));
  m_in_body = true;
  m_body_len = static_cast<std::size_t>(len);
  return {};
}

Result<std::optional<BytesView>> Reader::next(BytesView& in) {
  using Frame = std::optional<BytesView>;
  if (m_error) return m_error;
  if (m_body_handed_out) {  // the caller is done with the frame we returned from m_body
    m_body.clear();
    m_body_handed_out = false;
  }
  if (!m_in_body) {
    varint::Decoded d;
    if (m_prefix_len == 0) {
      // Usual case: the prefix starts in this chunk; decode it in place.
      if (in.empty()) return Frame{};
      if (auto ec = varint::decode_uvarint(in, d)) {
        if (ec != varint::errc::truncated) return fail(ec);
        // < 9 bytes, all with the continuation bit: keep them for the next chunk.
        std::copy(in.begin(), in.end(), m_prefix.begin());
        m_prefix_len = in.size();
        in = {};
        return Frame{};
      }
      in = in.subspan(d.length);
    } else {
      // A prefix split across chunks: complete it one byte at a time (at most 9 in all).
      while (true) {
        if (in.empty()) return Frame{};
        m_prefix[m_prefix_len++] = in.front();
        in = in.subspan(1);
        auto ec = varint::decode_uvarint(BytesView(m_prefix.data(), m_prefix_len), d);
        if (!ec) break;
        if (ec != varint::errc::truncated) return fail(ec);
      }
      m_prefix_len = 0;
    }
    if (auto ec = start_body(d.value)) return ec;
    // Zero copy: the whole body is in this chunk.
    if (in.size() >= m_body_len) {
      const BytesView body = in.first(m_body_len);
      in = in.subspan(m_body_len);
      m_in_body = false;
      return Frame(body);
    }
  }
  // Assemble a body that spans chunks.
  const std::size_t take = std::min(m_body_len - m_body.size(), in.size());
  m_body.insert(m_body.end(), in.begin(), in.begin() + static_cast<std::ptrdiff_t>(take));
  in = in.subspan(take);
  if (m_body.size() < m_body_len) return Frame{};
  m_in_body = false;
  m_body_handed_out = true;
  return Frame(BytesView(m_body));
}

}  // namespace lotus::proto::framing
