#include "chain/hash.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cassert>
#include <cstring>

#include "base/hex.hpp"
#include "crypto/hash.hpp"

namespace lotus::chain {

Hash256 sha256d(BytesView data) {
  const auto first = crypto::sha256(data);
  return crypto::sha256(first);
}

Hash160 hash160(BytesView data) {
  const auto sha = crypto::sha256(data);
  Hash160 out{};
  unsigned int len = 0;
  // RIPEMD-160 is in OpenSSL 3's default provider (3.0.7+; Debian 12 ships 3.0.x >= 3.0.9).
  const int ok = EVP_Digest(sha.data(), sha.size(), out.data(), &len, EVP_ripemd160(), nullptr);
  assert(ok == 1 && len == out.size());
  (void)ok;
  return out;
}

MerkleRoot merkle_root(std::vector<Hash256> leaves) {
  MerkleRoot r;
  if (leaves.empty()) return r;
  r.height = 1;
  std::uint8_t pair[64];
  while (leaves.size() > 1) {
    ++r.height;
    if (leaves.size() & 1) leaves.push_back(Hash256{});
    for (std::size_t i = 0; i < leaves.size() / 2; ++i) {
      std::memcpy(pair, leaves[2 * i].data(), 32);
      std::memcpy(pair + 32, leaves[2 * i + 1].data(), 32);
      leaves[i] = sha256d(BytesView(pair, sizeof pair));
    }
    leaves.resize(leaves.size() / 2);
  }
  r.root = leaves[0];
  return r;
}

std::string to_display_hex(const Hash256& h) {
  Hash256 rev = h;
  std::reverse(rev.begin(), rev.end());
  return to_hex(rev);
}

std::optional<Hash256> from_display_hex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  auto bytes = from_hex(hex);
  if (!bytes) return std::nullopt;
  Hash256 h{};
  std::reverse_copy(bytes->begin(), bytes->end(), h.begin());
  return h;
}

}  // namespace lotus::chain
