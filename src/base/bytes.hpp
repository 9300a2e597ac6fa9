// Byte containers and views used throughout lotus-p2p.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lotus {

using Bytes = std::vector<std::uint8_t>;
using BytesView = std::span<const std::uint8_t>;
using MutBytesView = std::span<std::uint8_t>;

inline BytesView as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_string_view(BytesView b) noexcept {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline Bytes to_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }
inline void append(Bytes& out, BytesView in) { out.insert(out.end(), in.begin(), in.end()); }

// Constant-time comparison for secrets and MACs.
bool equal_ct(BytesView a, BytesView b) noexcept;

}  // namespace lotus
