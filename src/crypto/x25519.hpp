// X25519 Diffie-Hellman (RFC 7748) over OpenSSL 3, as the Noise "25519" DH functions.
// DH results that are all zero (low-order peer points) are rejected with
// errc::invalid_public_key, as OpenSSL and js-libp2p (@noble/curves) both do.
#pragma once

#include <array>
#include <cstdint>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/rng.hpp"
#include "base/secure.hpp"
#include "crypto/keys.hpp"

namespace lotus::crypto {

inline constexpr std::size_t kX25519KeySize = 32;
using X25519PublicKey = std::array<std::uint8_t, kX25519KeySize>;

struct X25519KeyPair {
  SecretBytes<kX25519KeySize> secret;
  X25519PublicKey public_key{};
};

// The secret comes from `rng` (pass SystemRng outside tests).
X25519KeyPair x25519_generate(Rng& rng);
X25519PublicKey x25519_public_key(const SecretBytes<kX25519KeySize>& secret);
// DH(secret, peer_public). peer_public must be 32 bytes (else errc::invalid_public_key).
Result<SecretBytes<kX25519KeySize>> x25519(const SecretBytes<kX25519KeySize>& secret,
                                           BytesView peer_public);

}  // namespace lotus::crypto
