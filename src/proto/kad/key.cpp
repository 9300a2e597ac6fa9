#include "proto/kad/key.hpp"

#include <bit>
#include <cstring>

#include "crypto/hash.hpp"

namespace lotus::proto::kad {

namespace {
std::uint64_t load_be64(const std::uint8_t* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  return v;
}
}  // namespace

std::size_t Distance::leading_zeros() const noexcept {
  std::size_t n = 0;
  for (std::uint64_t w : words) {
    if (w != 0) return n + static_cast<std::size_t>(std::countl_zero(w));
    n += 64;
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
  for (std::size_t i = 0; i < 4; ++i)
    d.words[i] = load_be64(bytes.data() + 8 * i) ^ load_be64(other.bytes.data() + 8 * i);
  return d;
}

std::size_t common_prefix_length(const Key& a, const Key& b) noexcept {
  return a.distance(b).leading_zeros();
}

}  // namespace lotus::proto::kad
