// Hashes of the Lotus chain: double SHA-256 (lotusd CHashWriter::GetHash), HASH160 (RIPEMD-160
// of SHA-256, P2PKH) and lotusd's merkle tree (consensus/merkle.cpp ComputeMerkleRoot).
//
// Byte order: a Hash256 holds the hash as computed (lotusd's uint256 in memory). Txids, block
// hashes and Chronik's hex strings are the same bytes REVERSED ("display order"); use
// to_display_hex / from_display_hex at that boundary only.
//
// Lotus merkle tree (NOT Bitcoin's): an odd layer is padded with an all-zero hash (Bitcoin
// duplicates the last node), and the number of layers ("height") is part of what txids and
// SIGHASH_LOTUS commit to: 0 leaves -> zero hash, height 0; 1 leaf -> the leaf, height 1; each
// pairing step adds one. Each pair is hashed as sha256d(left || right).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"

namespace lotus::chain {

using Hash256 = std::array<std::uint8_t, 32>;
using Hash160 = std::array<std::uint8_t, 20>;

Hash256 sha256d(BytesView data);
Hash160 hash160(BytesView data);  // RIPEMD160(SHA256(data))

struct MerkleRoot {
  Hash256 root{};
  std::uint8_t height = 0;  // number of layers; lotusd serialises it as one byte
  friend bool operator==(const MerkleRoot&, const MerkleRoot&) = default;
};
// Consumes the leaves (the tree is built in place).
MerkleRoot merkle_root(std::vector<Hash256> leaves);

// Reversed hex (txid / block hash as shown by lotusd and Chronik).
std::string to_display_hex(const Hash256& h);
std::optional<Hash256> from_display_hex(std::string_view hex);  // exactly 64 hex digits

}  // namespace lotus::chain
