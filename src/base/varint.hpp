// LEB128 unsigned varints. Two policies:
//  * multiformats unsigned-varint: minimal encoding required, at most 9 bytes (63 bits);
//  * protobuf: at most 10 bytes, non-minimal accepted (as protobuf parsers do).
#pragma once

#include <cstddef>
#include <cstdint>
#include <system_error>

#include "base/bytes.hpp"
#include "base/error.hpp"

namespace lotus::varint {

enum class errc {
  truncated = 1,      // input ended inside a varint
  overflow,           // more bytes than the policy allows / value too large
  not_minimal,        // multiformats: a shorter encoding exists
};
const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

struct Decoded {
  std::uint64_t value = 0;
  std::size_t length = 0;  // bytes consumed
};

inline constexpr std::size_t kMaxMultiformatsLen = 9;
inline constexpr std::size_t kMaxProtobufLen = 10;

// Returns errc::truncated if `in` may simply be incomplete (streaming callers read more).
std::error_code decode_uvarint(BytesView in, Decoded& out) noexcept;          // multiformats
std::error_code decode_protobuf_varint(BytesView in, Decoded& out) noexcept;  // protobuf

std::size_t encoded_size(std::uint64_t v) noexcept;
// Writes into `out` (must have room for encoded_size(v) bytes); returns bytes written.
std::size_t encode(std::uint64_t v, std::uint8_t* out) noexcept;
void append(Bytes& out, std::uint64_t v);

}  // namespace lotus::varint

LOTUS_ERRC_ENUM(lotus::varint::errc)
