#include "proto/kad/key.hpp"

#include <bit>

#include "crypto/hash.hpp"

namespace lotus::proto::kad {

std::size_t Distance::leading_zeros() const noexcept {
  std::size_t n = 0;
  for (std::uint8_t b : bytes) {
    if (b != 0) return n + static_cast<std::size_t>(std::countl_zero(b));
    n += 8;
  }
  return n;
}

Key Key::from_bytes(BytesView data) {
  Key k;
  k.bytes = crypto::sha256(data);
  return k;
}

Distance Key::distance(const Key& other) const noexcept {
  Distance d;
  for (std::size_t i = 0; i < kKeyBytes; ++i) d.bytes[i] = bytes[i] ^ other.bytes[i];
  return d;
}

std::size_t common_prefix_length(const Key& a, const Key& b) noexcept {
  return a.distance(b).leading_zeros();
}

}  // namespace lotus::proto::kad
