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

X25519KeyPair x25519_generate(Rng& rng) {
  X25519KeyPair kp;
  rng.fill(kp.secret.mut());
  kp.public_key = x25519_public_key(kp.secret);
  return kp;
}

Result<SecretBytes<kX25519KeySize>> x25519(const SecretBytes<kX25519KeySize>& secret,
                                           BytesView peer_public) {
  if (peer_public.size() != kX25519KeySize) return errc::invalid_public_key;
  PkeyPtr priv(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, secret.data(), secret.size()));
  PkeyPtr peer(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer_public.data(), peer_public.size()));
  if (!priv || !peer) fatal("x25519 key import");
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new(priv.get(), nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1) fatal("x25519 derive init");
  // Fails for a low-order peer point (all-zero shared secret).
  if (EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) != 1) return errc::invalid_public_key;
  SecretBytes<kX25519KeySize> out;
  std::size_t n = out.size();
  if (EVP_PKEY_derive(ctx.get(), out.data(), &n) != 1 || n != out.size())
    return errc::invalid_public_key;
  return out;
}

}  // namespace lotus::crypto
