// Kademlia keys and the XOR metric (libp2p/specs kad-dht "Distance"): every DHT key and peer id
// is mapped into a 256-bit space by SHA-256 of its bytes (for peer ids: of the multihash bytes),
// and distance is the bitwise XOR of two such keys read as a big-endian unsigned integer.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>

#include "base/bytes.hpp"
#include "multiformats/peer_id.hpp"

namespace lotus::proto::kad {

inline constexpr std::size_t kKeyBytes = 32;
inline constexpr std::size_t kKeyBits = kKeyBytes * 8;

// XOR distance as four big-endian 64-bit words (most significant first), so that the default
// comparison is the 256-bit unsigned comparison.
struct Distance {
  std::array<std::uint64_t, 4> words{};
  // Spelled out (not defaulted) so that unoptimised builds do not pay for the generic
  // lexicographic machinery in the lookup's and routing table's inner loops.
  friend std::strong_ordering operator<=>(const Distance& a, const Distance& b) noexcept {
    for (std::size_t i = 0; i < 4; ++i)
      if (a.words[i] != b.words[i]) return a.words[i] < b.words[i] ? std::strong_ordering::less : std::strong_ordering::greater;
    return std::strong_ordering::equal;
  }
  friend bool operator==(const Distance& a, const Distance& b) noexcept {
    return a.words[0] == b.words[0] && a.words[1] == b.words[1] && a.words[2] == b.words[2] &&
           a.words[3] == b.words[3];
  }
  // Number of leading zero bits (256 for distance zero).
  std::size_t leading_zeros() const noexcept;
};

struct Key {
  std::array<std::uint8_t, kKeyBytes> bytes{};

  static Key from_bytes(BytesView data);  // SHA-256(data)
  static Key from_peer(const mf::PeerId& peer) { return from_bytes(peer.bytes()); }

  Distance distance(const Key& other) const noexcept;
  friend auto operator<=>(const Key&, const Key&) = default;
};

// Length of the common bit prefix of two keys (256 when equal).
std::size_t common_prefix_length(const Key& a, const Key& b) noexcept;

}  // namespace lotus::proto::kad
