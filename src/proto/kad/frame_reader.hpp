// Stream framing of kad-dht RPCs: each Message is prefixed with its length as a multiformats
// unsigned varint (kad-dht README, "RPC messages"). FrameReader reassembles frames from
// arbitrary fragments and decodes them; encode_frame() writes one.
//
// Bounds: a length above Limits::max_message_size fails as soon as the prefix is readable,
// before any body is buffered; at most one frame plus one more max-size frame of unread input
// is buffered (the driver calls next() until it returns nullopt after each on_bytes()).
// After an error the reader stays failed (the driver resets the stream).
#pragma once

#include <optional>
#include <system_error>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "proto/kad/message.hpp"

namespace lotus::proto::kad {

void encode_frame(const Message& m, Bytes& out);  // appends varint length + body
Bytes encode_frame(const Message& m);

class FrameReader {
 public:
  explicit FrameReader(Limits limits = {}) : m_limits(limits) {}

  Status on_bytes(BytesView in);
  // The next complete message; nullopt when more input is needed.
  Result<std::optional<Message>> next();
  const DecodeReport& report() const noexcept { return m_report; }
  std::size_t buffered() const noexcept { return m_buf.size() - m_pos; }

 private:
  Status fail(std::error_code ec);
  // Parses the length prefix at m_pos; nullopt if incomplete.
  Result<std::optional<std::pair<std::size_t, std::size_t>>> header() const;
  Limits m_limits;
  Bytes m_buf;
  std::size_t m_pos = 0;
  DecodeReport m_report;
  std::error_code m_error;
};

}  // namespace lotus::proto::kad
