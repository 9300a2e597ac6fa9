#include "proto/kad/frame_reader.hpp"

#include "base/varint.hpp"
#include "proto/kad/errc.hpp"

namespace lotus::proto::kad {

void encode_frame(const Message& m, Bytes& out) {
  Bytes body = encode_message(m);
  varint::append(out, body.size());
  append(out, body);
}

Bytes encode_frame(const Message& m) {
  Bytes out;
  encode_frame(m, out);
  return out;
}

Status FrameReader::fail(std::error_code ec) {
  m_error = ec;
  m_buf.clear();
  m_pos = 0;
  return ec;
}

Result<std::optional<std::pair<std::size_t, std::size_t>>> FrameReader::header() const {
  using Header = std::optional<std::pair<std::size_t, std::size_t>>;
  varint::Decoded d;
  auto ec = varint::decode_uvarint(BytesView(m_buf).subspan(m_pos), d);
  if (ec == varint::errc::truncated) return Header{};
  if (ec) return errc::bad_length_prefix;
  if (d.value > m_limits.max_message_size) return errc::message_too_large;
  return Header(std::pair{d.length, static_cast<std::size_t>(d.value)});
}

Status FrameReader::on_bytes(BytesView in) {
  if (m_error) return m_error;
  if (m_pos > 0) {  // drop what next() consumed, so the buffer holds only unread input
    m_buf.erase(m_buf.begin(), m_buf.begin() + static_cast<std::ptrdiff_t>(m_pos));
    m_pos = 0;
  }
  const std::size_t frame_max = m_limits.max_message_size + varint::kMaxMultiformatsLen;
  if (buffered() + in.size() > 2 * frame_max) return fail(make_error_code(errc::input_backlog));
  append(m_buf, in);
  auto h = header();  // reject an oversized length before its body arrives
  if (!h) return fail(h.error());
  return {};
}

Result<std::optional<Message>> FrameReader::next() {
  if (m_error) return m_error;
  auto h = header();
  if (!h) return fail(h.error()).error();
  if (!*h) return std::optional<Message>{};
  auto [prefix, len] = **h;
  if (buffered() < prefix + len) return std::optional<Message>{};
  BytesView body = BytesView(m_buf).subspan(m_pos + prefix, len);
  auto m = decode_message(body, m_limits, &m_report);
  if (!m) return fail(m.error()).error();
  m_pos += prefix + len;
  if (m_pos == m_buf.size()) {
    m_buf.clear();
    m_pos = 0;
  }
  return std::optional<Message>(std::move(*m));
}

}  // namespace lotus::proto::kad
