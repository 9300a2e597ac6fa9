#include "proto/gossipsub/frame_decoder.hpp"

namespace lotus::proto::gossipsub {

Result<std::optional<Rpc>> FrameDecoder::next(BytesView& in) {
  if (m_error) return m_error;
  auto frame = m_framer.next(in);
  if (!frame) {
    m_error = frame.error() == framing::errc::frame_too_large ? make_error_code(errc::rpc_too_large) : frame.error();
    return m_error;
  }
  if (!*frame) return std::optional<Rpc>{};
  auto rpc = decode_rpc(**frame, m_limits);
  if (!rpc) {
    m_error = rpc.error();
    return m_error;
  }
  return std::optional<Rpc>(std::move(*rpc));
}

}  // namespace lotus::proto::gossipsub
