#include "crypto/aead.hpp"

#include <openssl/evp.h>

#include <cassert>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace lotus::crypto {

namespace {
[[noreturn]] void fatal(const char* what) {
  std::fprintf(stderr, "lotus: OpenSSL failure in %s\n", what);
  std::abort();
}
void noise_nonce(std::uint64_t n, std::uint8_t out[12]) {
  for (int i = 0; i < 4; ++i) out[i] = 0;
  for (int i = 0; i < 8; ++i) out[4 + i] = static_cast<std::uint8_t>(n >> (8 * i));
}
}  // namespace

ChaChaPoly::ChaChaPoly() : m_ctx(EVP_CIPHER_CTX_new()) {
  if (m_ctx == nullptr) fatal("EVP_CIPHER_CTX_new");
}
ChaChaPoly::~ChaChaPoly() { EVP_CIPHER_CTX_free(m_ctx); }  // cleanses the key schedule
ChaChaPoly::ChaChaPoly(ChaChaPoly&& o) noexcept
    : m_ctx(std::exchange(o.m_ctx, nullptr)), m_keyed(std::exchange(o.m_keyed, false)) {}
ChaChaPoly& ChaChaPoly::operator=(ChaChaPoly&& o) noexcept {
  if (this != &o) {
    EVP_CIPHER_CTX_free(m_ctx);
    m_ctx = std::exchange(o.m_ctx, nullptr);
    m_keyed = std::exchange(o.m_keyed, false);
  }
  return *this;
}

void ChaChaPoly::set_key(const SecretBytes<kKeySize>& key) {
  assert(m_ctx);
  if (EVP_CipherInit_ex(m_ctx, EVP_chacha20_poly1305(), nullptr, key.data(), nullptr, 1) != 1)
    fatal("chacha20-poly1305 key");
  m_keyed = true;
}

void ChaChaPoly::init_nonce(const std::uint8_t* iv12, int enc) {
  // Key stays; only the nonce (and the Poly1305 state) is reset.
  if (EVP_CipherInit_ex(m_ctx, nullptr, nullptr, nullptr, iv12, enc) != 1)
    fatal("chacha20-poly1305 nonce");
}

void ChaChaPoly::seal_iv(const std::uint8_t* iv12, BytesView ad, BytesView in, std::uint8_t* out,
                         Tag tag) {
  assert(m_keyed && in.size() < static_cast<std::size_t>(INT_MAX) && ad.size() < INT_MAX);
  init_nonce(iv12, 1);
  int outl = 0;
  if (!ad.empty() &&
      EVP_EncryptUpdate(m_ctx, nullptr, &outl, ad.data(), static_cast<int>(ad.size())) != 1)
    fatal("chacha20-poly1305 ad");
  if (!in.empty() &&
      EVP_EncryptUpdate(m_ctx, out, &outl, in.data(), static_cast<int>(in.size())) != 1)
    fatal("chacha20-poly1305 encrypt");
  if (EVP_EncryptFinal_ex(m_ctx, out + in.size(), &outl) != 1) fatal("chacha20-poly1305 final");
  if (EVP_CIPHER_CTX_ctrl(m_ctx, EVP_CTRL_AEAD_GET_TAG, kTagSize, tag.data()) != 1)
    fatal("chacha20-poly1305 tag");
}

void ChaChaPoly::encrypt_raw(std::span<const std::uint8_t, 12> nonce, BytesView ad,
                             MutBytesView data, Tag tag) {
  seal_iv(nonce.data(), ad, data, data.data(), tag);
}

void ChaChaPoly::seal(std::uint64_t nonce, BytesView ad, BytesView in, std::uint8_t* out, Tag tag) {
  std::uint8_t iv[12];
  noise_nonce(nonce, iv);
  seal_iv(iv, ad, in, out, tag);
}

void ChaChaPoly::begin_seal(std::uint64_t nonce) {
  assert(m_keyed);
  std::uint8_t iv[12];
  noise_nonce(nonce, iv);
  init_nonce(iv, 1);
}

void ChaChaPoly::seal_update(BytesView in, std::uint8_t* out) {
  assert(in.size() < static_cast<std::size_t>(INT_MAX));
  int outl = 0;
  if (!in.empty() && EVP_EncryptUpdate(m_ctx, out, &outl, in.data(), static_cast<int>(in.size())) != 1)
    fatal("chacha20-poly1305 encrypt");
}

void ChaChaPoly::finish_seal(Tag tag) {
  int outl = 0;
  std::uint8_t none[1];
  if (EVP_EncryptFinal_ex(m_ctx, none, &outl) != 1) fatal("chacha20-poly1305 final");
  if (EVP_CIPHER_CTX_ctrl(m_ctx, EVP_CTRL_AEAD_GET_TAG, kTagSize, tag.data()) != 1)
    fatal("chacha20-poly1305 tag");
}

bool ChaChaPoly::open(std::uint64_t nonce, BytesView ad, BytesView in, std::uint8_t* out,
                      ConstTag tag) {
  assert(m_keyed && in.size() < static_cast<std::size_t>(INT_MAX) && ad.size() < INT_MAX);
  std::uint8_t iv[12];
  noise_nonce(nonce, iv);
  init_nonce(iv, 0);
  int outl = 0;
  if (!ad.empty() &&
      EVP_DecryptUpdate(m_ctx, nullptr, &outl, ad.data(), static_cast<int>(ad.size())) != 1)
    fatal("chacha20-poly1305 ad");
  if (!in.empty() &&
      EVP_DecryptUpdate(m_ctx, out, &outl, in.data(), static_cast<int>(in.size())) != 1)
    fatal("chacha20-poly1305 decrypt");
  if (EVP_CIPHER_CTX_ctrl(m_ctx, EVP_CTRL_AEAD_SET_TAG, kTagSize,
                          const_cast<std::uint8_t*>(tag.data())) != 1)
    fatal("chacha20-poly1305 set tag");
  if (EVP_DecryptFinal_ex(m_ctx, out + in.size(), &outl) != 1) {
    secure_wipe(out, in.size());  // never hand out unauthenticated plaintext
    return false;
  }
  return true;
}

}  // namespace lotus::crypto
