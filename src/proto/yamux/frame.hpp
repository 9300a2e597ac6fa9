// yamux frame header (hashicorp/yamux spec.md, libp2p/specs yamux/README.md):
//
//   version:u8 (0) | type:u8 | flags:u16 | stream_id:u32 | length:u32     (big endian, 12 bytes)
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/bytes.hpp"

namespace lotus::proto::yamux {

using StreamId = std::uint32_t;

inline constexpr std::size_t kHeaderSize = 12;
inline constexpr std::uint8_t kVersion = 0;
inline constexpr std::uint32_t kInitialWindow = 256 * 1024;

enum class FrameType : std::uint8_t { data = 0, window_update = 1, ping = 2, go_away = 3 };

namespace flag {
inline constexpr std::uint16_t syn = 0x1;
inline constexpr std::uint16_t ack = 0x2;
inline constexpr std::uint16_t fin = 0x4;
inline constexpr std::uint16_t rst = 0x8;
}  // namespace flag

enum class GoAwayCode : std::uint32_t { normal = 0, protocol_error = 1, internal_error = 2 };

struct Header {
  std::uint8_t version = kVersion;
  std::uint8_t type = 0;  // raw: may be an unknown value when decoded
  std::uint16_t flags = 0;
  StreamId stream_id = 0;
  std::uint32_t length = 0;
};

void encode_header(const Header& h, std::uint8_t out[kHeaderSize]) noexcept;
void append_header(Bytes& out, const Header& h);
// `in` must hold at least kHeaderSize bytes. No validation (see Engine).
Header decode_header(const std::uint8_t* in) noexcept;

}  // namespace lotus::proto::yamux
