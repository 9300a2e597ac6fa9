// mplex message framing (libp2p/specs mplex/README.md):
//
//   header:uvarint (stream_number << 3 | flag) | length:uvarint | data:length bytes
//
// Varints are protobuf-style base-128 (the spec says so): we accept up to 10 bytes and
// non-minimal encodings on input (as go-mplex's binary.ReadUvarint does) and always write the
// minimal encoding.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/bytes.hpp"

namespace lotus::proto::mplex {

enum class Flag : std::uint8_t {
  new_stream = 0,
  message_receiver = 1,
  message_initiator = 2,
  close_receiver = 3,
  close_initiator = 4,
  reset_receiver = 5,
  reset_initiator = 6,
};

// Largest encoded header + length: two 10-byte varints.
inline constexpr std::size_t kMaxHeaderSize = 20;
// Stream numbers travel as `number << 3` in a 64-bit varint.
inline constexpr std::uint64_t kMaxWireStreamNumber = (std::uint64_t{1} << 61) - 1;

// Appends header and length varints (number ≤ kMaxWireStreamNumber).
void append_header(Bytes& out, std::uint64_t number, Flag flag, std::uint64_t length);
// Appends a whole message.
void append_message(Bytes& out, std::uint64_t number, Flag flag, BytesView data);

}  // namespace lotus::proto::mplex
