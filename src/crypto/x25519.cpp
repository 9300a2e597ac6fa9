#include "crypto/x25519.hpp"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace lotus::crypto {

namespace {
struct PkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;

[[noreturn]] void fatal(const char* what) {
  std::fprintf(stderr, "lotus: OpenSSL failure in %s\n", what);
  std::abort();
}
}  // namespace

X25519PublicKey x25519_public_key(const SecretBytes<kX25519KeySize>& secret) {
  PkeyPtr pk(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, secret.data(), secret.size()));
  if (!pk) fatal("x25519 private key");
  X25519PublicKey pub{};
  std::size_t n = pub.size();
  if (EVP_PKEY_get_raw_public_key(pk.get(), pub.data(), &n) != 1 || n != pub.size())
    fatal("x25519 public key");
  return pub;
}

namespace {
// Derives with an imported private key; errors as documented for x25519().
Result<SecretBytes<kX25519KeySize>> derive(EVP_PKEY* priv, BytesView peer_public) {
  if (peer_public.size() != kX25519KeySize) return errc::invalid_public_key;
  if (priv == nullptr) return errc::crypto_failure;
  PkeyPtr peer(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer_public.data(), peer_public.size()));
  if (!peer) fatal("x25519 key import");
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new(priv, nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1) fatal("x25519 derive init");
  // Fails for a low-order peer point (all-zero shared secret).
  if (EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) != 1) return errc::invalid_public_key;
  SecretBytes<kX25519KeySize> out;
  std::size_t n = out.size();
  if (EVP_PKEY_derive(ctx.get(), out.data(), &n) != 1 || n != out.size())
    return errc::invalid_public_key;
  return out;
}
}  // namespace

X25519KeyPair X25519KeyPair::from_secret(SecretBytes<kX25519KeySize> secret) {
  X25519KeyPair kp;
  PkeyPtr pk(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, secret.data(), secret.size()));
  if (!pk) fatal("x25519 private key");
  std::size_t n = kp.m_public.size();
  if (EVP_PKEY_get_raw_public_key(pk.get(), kp.m_public.data(), &n) != 1 || n != kp.m_public.size())
    fatal("x25519 public key");
  kp.m_secret = std::move(secret);
  kp.m_pkey = pk.release();
  return kp;
}

X25519KeyPair::X25519KeyPair(X25519KeyPair&& o) noexcept
    : m_secret(std::move(o.m_secret)), m_public(o.m_public), m_pkey(o.m_pkey) {
  o.m_public = {};
  o.m_pkey = nullptr;
}

X25519KeyPair& X25519KeyPair::operator=(X25519KeyPair&& o) noexcept {
  if (this != &o) {
    EVP_PKEY_free(m_pkey);  // OpenSSL clears the private key on free
    m_secret = std::move(o.m_secret);  // wipes o's copy
    m_public = o.m_public;
    m_pkey = o.m_pkey;
    o.m_public = {};
    o.m_pkey = nullptr;
  }
  return *this;
}

X25519KeyPair::~X25519KeyPair() { EVP_PKEY_free(m_pkey); }

Result<SecretBytes<kX25519KeySize>> X25519KeyPair::dh(BytesView peer_public) const {
  return derive(m_pkey, peer_public);
}

X25519KeyPair x25519_generate(Rng& rng) {
  SecretBytes<kX25519KeySize> secret;
  rng.fill(secret.mut());
  return X25519KeyPair::from_secret(std::move(secret));
}

Result<SecretBytes<kX25519KeySize>> x25519(const SecretBytes<kX25519KeySize>& secret,
                                           BytesView peer_public) {
  if (peer_public.size() != kX25519KeySize) return errc::invalid_public_key;
  PkeyPtr priv(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, secret.data(), secret.size()));
  if (!priv) fatal("x25519 key import");
  return derive(priv.get(), peer_public);
}

}  // namespace lotus::crypto
