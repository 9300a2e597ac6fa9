#include "proto/kad/frame_reader.hpp"

#include "proto/kad/errc.hpp"

namespace lotus::proto::kad {

void encode_frame(const Message& m, Bytes& out) { framing::append_frame(out, encode_message(m)); }

Bytes encode_frame(const Message& m) { return framing::encode_frame(encode_message(m)); }

Result<std::optional<Message>> FrameReader::next(BytesView& in) {
  if (m_error) return m_error;
  auto frame = m_framer.next(in);
  if (!frame) {
    m_error = frame.error() == framing::errc::frame_too_large ? make_error_code(errc::message_too_large)
                                                              : make_error_code(errc::bad_length_prefix);
    return m_error;
  }
  if (!*frame) return std::optional<Message>{};
  auto m = decode_message(**frame, m_limits, &m_report);
  if (!m) {
    m_error = m.error();
    return m_error;
  }
  return std::optional<Message>(std::move(*m));
}

}  // namespace lotus::proto::kad
