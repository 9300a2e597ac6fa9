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

struct evp_pkey_st;  // OpenSSL EVP_PKEY (openssl/types.h)

namespace lotus::crypto {

inline constexpr std::size_t kX25519KeySize = 32;
using X25519PublicKey = std::array<std::uint8_t, kX25519KeySize>;

// An X25519 key pair that keeps the imported OpenSSL key alive for its lifetime, so every DH
// reuses it (importing a raw private key recomputes the public key: the dominant cost).
// Move-only (the secret is never copied implicitly); the secret and the OpenSSL key are wiped
// / freed on destruction, on move-from and on reset (assigning `{}`). The members are read-only
// views of state fixed at construction.
class X25519KeyPair {
 public:
  X25519KeyPair() noexcept = default;  // empty: no key (dh() fails with crypto_failure)
  // Takes ownership of the secret; derives the public key.
  static X25519KeyPair from_secret(SecretBytes<kX25519KeySize> secret);

  X25519KeyPair(X25519KeyPair&& o) noexcept;
  X25519KeyPair& operator=(X25519KeyPair&& o) noexcept;
  X25519KeyPair(const X25519KeyPair&) = delete;
  X25519KeyPair& operator=(const X25519KeyPair&) = delete;
  ~X25519KeyPair();

  bool empty() const noexcept { return m_pkey == nullptr; }
  const SecretBytes<kX25519KeySize>& secret() const noexcept { return m_secret; }
  const X25519PublicKey& public_key() const noexcept { return m_public; }
  // DH(secret, peer_public): as x25519() below, without re-importing the private key.
  Result<SecretBytes<kX25519KeySize>> dh(BytesView peer_public) const;

 private:
  SecretBytes<kX25519KeySize> m_secret;
  X25519PublicKey m_public{};
  evp_pkey_st* m_pkey = nullptr;  // owned OpenSSL key (EVP_PKEY)
};

// The secret comes from `rng` (pass SystemRng outside tests).
X25519KeyPair x25519_generate(Rng& rng);
X25519PublicKey x25519_public_key(const SecretBytes<kX25519KeySize>& secret);
// DH(secret, peer_public). peer_public must be 32 bytes (else errc::invalid_public_key).
// Imports the secret on every call: prefer X25519KeyPair::dh for a key used more than once.
Result<SecretBytes<kX25519KeySize>> x25519(const SecretBytes<kX25519KeySize>& secret,
                                           BytesView peer_public);
inline Result<SecretBytes<kX25519KeySize>> x25519(const X25519KeyPair& kp, BytesView peer_public) {
  return kp.dh(peer_public);
}

}  // namespace lotus::crypto
