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

// XOR distance; compares as a 256-bit big-endian integer.
struct Distance {
  std::array<std::uint8_t, kKeyBytes> bytes{};
  friend auto operator<=>(const Distance&, const Distance&) = default;
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
