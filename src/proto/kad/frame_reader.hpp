// Stream framing of kad-dht RPCs: each Message is prefixed with its length as a multiformats
// unsigned varint (kad-dht README, "RPC messages"). The framing itself is proto/framing's
// Reader; FrameReader decodes each frame into a Message and gives framing errors kad's codes.
// encode_frame() writes one frame.
//
// Bounds: a length above Limits::max_message_size fails as soon as the prefix is readable,
// before any body is buffered; at most one partial frame is buffered (framing::Reader).
// After an error the reader stays failed (the driver resets the stream).
#pragma once

#include <optional>
#include <system_error>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "proto/framing/length_prefixed.hpp"
#include "proto/kad/message.hpp"

namespace lotus::proto::kad {

void encode_frame(const Message& m, Bytes& out);  // appends varint length + body
Bytes encode_frame(const Message& m);

class FrameReader {
 public:
  using value_type = Message;

  explicit FrameReader(Limits limits = {}) : m_limits(limits), m_framer(limits.max_message_size) {}

  // The next message whose frame ends in `in`, which is consumed up to that point; nullopt once
  // `in` is used up (a partial frame stays buffered). Errors (sticky): bad_length_prefix,
  // message_too_large, and decode_message's errors.
  Result<std::optional<Message>> next(BytesView& in);

  const DecodeReport& report() const noexcept { return m_report; }
  std::size_t buffered() const noexcept { return m_framer.buffered(); }

 private:
  Limits m_limits;
  framing::Reader m_framer;
  DecodeReport m_report;
  std::error_code m_error;
};

}  // namespace lotus::proto::kad
