// Splits a pubsub stream into RPCs: each is varint(len) ‖ protobuf (pubsub/README.md, "The RPC").
// Buffers at most one partial frame, bounded by Limits::max_rpc_size (+ the length prefix); a
// longer announced length is errc::rpc_too_large and the decoder stays failed (the driver resets
// the stream). Decoded RPCs are checked against the same Limits.
//
//   Reading ──complete frame──> (RPC queued) ──> Reading
//      └── length > max / malformed protobuf ──> Failed (sticky)
#pragma once

#include <deque>
#include <optional>
#include <system_error>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "proto/gossipsub/rpc.hpp"

namespace lotus::proto::gossipsub {

class FrameDecoder {
 public:
  explicit FrameDecoder(Limits limits = {}) : m_limits(limits) {}
  // Consumes all of `in`; completed RPCs are available from next(). The queue holds at most
  // the RPCs contained in one call's input: the caller drains next() after every call.
  Status on_bytes(BytesView in);
  std::optional<Rpc> next();
  bool failed() const noexcept { return static_cast<bool>(m_error); }

 private:
  Limits m_limits;
  Bytes m_buf;
  std::deque<Rpc> m_ready;
  std::error_code m_error;
};

}  // namespace lotus::proto::gossipsub
