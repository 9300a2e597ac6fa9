#include "crypto/hash.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cassert>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace lotus::crypto {

namespace {
[[noreturn]] void fatal(const char* what) {
  // OpenSSL failing on a fixed algorithm with valid lengths is an environment bug, not input.
  std::fprintf(stderr, "lotus: OpenSSL failure in %s\n", what);
  std::abort();
}
}  // namespace

Sha256Digest sha256(BytesView data) {
  Sha256Digest d{};
  unsigned int n = 0;
  if (EVP_Digest(data.data(), data.size(), d.data(), &n, EVP_sha256(), nullptr) != 1 ||
      n != kSha256Size)
    fatal("sha256");
  return d;
}

Sha256::Sha256() : m_ctx(EVP_MD_CTX_new()) {
  if (m_ctx == nullptr) fatal("EVP_MD_CTX_new");
  reset();
}
Sha256::~Sha256() { EVP_MD_CTX_free(m_ctx); }
Sha256::Sha256(Sha256&& o) noexcept : m_ctx(std::exchange(o.m_ctx, nullptr)) {}
Sha256& Sha256::operator=(Sha256&& o) noexcept {
  if (this != &o) {
    EVP_MD_CTX_free(m_ctx);
    m_ctx = std::exchange(o.m_ctx, nullptr);
  }
  return *this;
}
void Sha256::reset() {
  assert(m_ctx);
  if (EVP_DigestInit_ex(m_ctx, EVP_sha256(), nullptr) != 1) fatal("sha256 init");
}
Sha256& Sha256::update(BytesView data) {
  assert(m_ctx);
  if (!data.empty() && EVP_DigestUpdate(m_ctx, data.data(), data.size()) != 1) fatal("sha256 update");
  return *this;
}
Sha256Digest Sha256::finish() {
  assert(m_ctx);
  Sha256Digest d{};
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(m_ctx, d.data(), &n) != 1 || n != kSha256Size) fatal("sha256 final");
  reset();
  return d;
}

Sha256Digest hmac_sha256(BytesView key, BytesView data) {
  Sha256Digest d{};
  unsigned int n = 0;
  static const std::uint8_t kEmpty = 0;
  if (HMAC(EVP_sha256(), key.empty() ? &kEmpty : key.data(), static_cast<int>(key.size()),
           data.empty() ? &kEmpty : data.data(), data.size(), d.data(), &n) == nullptr ||
      n != kSha256Size)
    fatal("hmac-sha256");
  return d;
}

void hkdf_sha256(BytesView salt, BytesView ikm, BytesView info, MutBytesView out) {
  assert(out.size() <= 255 * kSha256Size);
  // Extract. An empty salt means HashLen zero bytes (RFC 5869 2.2).
  static const std::uint8_t kZeroSalt[kSha256Size] = {};
  Sha256Digest prk = hmac_sha256(salt.empty() ? BytesView(kZeroSalt) : salt, ikm);
  // Expand: T(i) = HMAC(PRK, T(i-1) | info | i).
  Bytes block;
  block.reserve(kSha256Size + info.size() + 1);
  Sha256Digest t{};
  std::size_t done = 0;
  for (std::uint8_t i = 1; done < out.size(); ++i) {
    block.clear();
    if (i > 1) block.insert(block.end(), t.begin(), t.end());
    block.insert(block.end(), info.begin(), info.end());
    block.push_back(i);
    t = hmac_sha256(prk, block);
    const std::size_t n = std::min(kSha256Size, out.size() - done);
    std::copy_n(t.begin(), n, out.begin() + static_cast<std::ptrdiff_t>(done));
    done += n;
  }
  secure_wipe(prk.data(), prk.size());
  secure_wipe(t.data(), t.size());
  secure_wipe(block.data(), block.size());
}

namespace {
void noise_hkdf_n(BytesView chaining_key, BytesView ikm, SecretBytes<32>* outs[], int n) {
  Sha256Digest temp_key = hmac_sha256(chaining_key, ikm);
  std::uint8_t buf[kSha256Size + 1];
  Sha256Digest prev{};
  for (int i = 0; i < n; ++i) {
    std::size_t len = 0;
    if (i > 0) {
      std::copy(prev.begin(), prev.end(), buf);
      len = kSha256Size;
    }
    buf[len++] = static_cast<std::uint8_t>(i + 1);
    prev = hmac_sha256(temp_key, BytesView(buf, len));
    *outs[i] = SecretBytes<32>(prev);
  }
  secure_wipe(temp_key.data(), temp_key.size());
  secure_wipe(prev.data(), prev.size());
  secure_wipe(buf, sizeof buf);
}
}  // namespace

void noise_hkdf(BytesView chaining_key, BytesView ikm, SecretBytes<32>& out1, SecretBytes<32>& out2) {
  SecretBytes<32>* outs[] = {&out1, &out2};
  noise_hkdf_n(chaining_key, ikm, outs, 2);
}
void noise_hkdf(BytesView chaining_key, BytesView ikm, SecretBytes<32>& out1, SecretBytes<32>& out2,
                SecretBytes<32>& out3) {
  SecretBytes<32>* outs[] = {&out1, &out2, &out3};
  noise_hkdf_n(chaining_key, ikm, outs, 3);
}

}  // namespace lotus::crypto
