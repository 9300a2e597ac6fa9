// Unsigned-varint length-prefixed frames, the framing of every protobuf protocol we speak on a
// stream: kad-dht ("RPC messages"), pubsub ("The RPC"), identify. Each frame is
//
//   uvarint(len) ‖ body[len]        (multiformats unsigned-varint: minimal, at most 9 bytes)
//
// Reader is sans-IO and pull-based: the caller hands it its input and takes complete frame
// bodies out, one per call, until the input is used up; then it reads more.
//
//   [prefix] ──complete, len ≤ max──> [body] ──len bytes──> frame returned ──> [prefix] ...
//       │  └── len > max: frame_too_large (before any body byte is buffered)
//       └── not minimal / > 9 bytes: varint::errc::not_minimal / overflow
//   any error ──> failed: every later call returns the same error (the caller resets the stream)
//
// Copies: a frame that lies entirely inside one input chunk is returned as a view of that
// chunk (no copy). Only a frame split across chunks is assembled in the reader's buffer.
// Memory: at most one partial frame is buffered, ≤ max_frame_size body bytes plus ≤ 8 prefix
// bytes; input is consumed only up to the end of the frame returned, so nothing else piles up.
//
// What a frame body means is the protocol's business: the thin adaptors kad::FrameReader,
// gossipsub::FrameDecoder and identify::MessageReader decode it and map these errors to their
// own codes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <system_error>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "proto/framing/errc.hpp"

namespace lotus::proto::framing {

// Appends uvarint(body.size()) ‖ body to `out`.
void append_frame(Bytes& out, BytesView body);
// The frame of `body` as a new buffer (reserved once).
Bytes encode_frame(BytesView body);

class Reader {
 public:
  explicit Reader(std::size_t max_frame_size) noexcept : m_max(max_frame_size) {}

  // Consumes `in` (advancing it) up to the end of the next complete frame and returns that
  // frame's body; nullopt once `in` is empty without a complete frame (a partial one is
  // buffered). The body views either `in`'s storage or the reader's buffer: it stays valid
  // until the next call or until the caller reuses `in`'s storage, whichever comes first.
  // A zero-length frame is an empty body (not nullopt).
  // Errors (sticky): varint::errc::not_minimal / overflow, errc::frame_too_large.
  Result<std::optional<BytesView>> next(BytesView& in);

  // Inside a frame: some prefix or body bytes are buffered (an end of input here truncates).
  bool mid_frame() const noexcept { return m_prefix_len != 0 || m_in_body; }
  // Bytes of the current partial frame held by the reader.
  std::size_t buffered() const noexcept { return m_prefix_len + (m_body_handed_out ? 0 : m_body.size()); }
  std::error_code error() const noexcept { return m_error; }
  std::size_t max_frame_size() const noexcept { return m_max; }

 private:
  std::error_code fail(std::error_code ec);
  // A complete prefix announced `len`: enter the body state (or fail).
  std::error_code start_body(std::uint64_t len);

  std::size_t m_max;
  std::error_code m_error;
  std::array<std::uint8_t, 9> m_prefix{};  // an incomplete prefix (< 9 bytes) split across chunks
  std::size_t m_prefix_len = 0;
  bool m_in_body = false;
  std::size_t m_body_len = 0;
  Bytes m_body;                 // body bytes of a frame split across chunks
  bool m_body_handed_out = false;  // m_body was returned: clear it on the next call
};

}  // namespace lotus::proto::framing
