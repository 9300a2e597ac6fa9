// Splits a pubsub stream into RPCs: each is varint(len) ‖ protobuf (pubsub/README.md, "The RPC").
// The framing is proto/framing's Reader (at most one partial frame buffered, bounded by
// Limits::max_rpc_size + the length prefix); FrameDecoder decodes each frame against the same
// Limits. A longer announced length is errc::rpc_too_large; a malformed prefix keeps the
// varint module's code (varint::errc::not_minimal / overflow). The decoder then stays failed
// (the driver resets the stream).
//
//   Reading ──complete frame──> Rpc returned ──> Reading
//      └── length > max / bad prefix / malformed protobuf ──> Failed (sticky)
#pragma once

#include <optional>
#include <system_error>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "proto/framing/length_prefixed.hpp"
#include "proto/gossipsub/rpc.hpp"

namespace lotus::proto::gossipsub {

class FrameDecoder {
 public:
  using value_type = Rpc;

  explicit FrameDecoder(Limits limits = {}) : m_limits(limits), m_framer(limits.max_rpc_size) {}

  // The next RPC whose frame ends in `in`, which is consumed up to that point; nullopt once `in`
  // is used up (a partial frame stays buffered).
  Result<std::optional<Rpc>> next(BytesView& in);
  bool failed() const noexcept { return static_cast<bool>(m_error); }

 private:
  Limits m_limits;
  framing::Reader m_framer;
  std::error_code m_error;
};

}  // namespace lotus::proto::gossipsub
