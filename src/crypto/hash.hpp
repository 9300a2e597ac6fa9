// SHA-256, HMAC-SHA256 and HKDF (RFC 5869) over OpenSSL 3, plus the HKDF form the Noise
// framework (rev 34, section 4.3) uses: HKDF(chaining_key, ikm) -> 2 or 3 32-byte outputs, i.e.
// RFC 5869 with salt = chaining_key, empty info and L = 64 / 96.
// Outputs that are secrets come back in SecretBytes (wiped on destruction).
#pragma once

#include <array>
#include <cstdint>

#include "base/bytes.hpp"
#include "base/secure.hpp"

struct evp_md_ctx_st;

namespace lotus::crypto {

inline constexpr std::size_t kSha256Size = 32;
using Sha256Digest = std::array<std::uint8_t, kSha256Size>;

Sha256Digest sha256(BytesView data);

// Incremental SHA-256. Owns one EVP_MD_CTX (allocated once); reset() starts over.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&& o) noexcept;
  Sha256& operator=(Sha256&& o) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  Sha256& update(BytesView data);
  Sha256Digest finish();  // returns the digest and resets the state
  void reset();

 private:
  evp_md_ctx_st* m_ctx = nullptr;
};

Sha256Digest hmac_sha256(BytesView key, BytesView data);

// RFC 5869 HKDF-SHA256: out.size() <= 255 * 32 (asserted).
void hkdf_sha256(BytesView salt, BytesView ikm, BytesView info, MutBytesView out);

// Noise HKDF: two or three outputs.
void noise_hkdf(BytesView chaining_key, BytesView ikm, SecretBytes<32>& out1, SecretBytes<32>& out2);
void noise_hkdf(BytesView chaining_key, BytesView ikm, SecretBytes<32>& out1, SecretBytes<32>& out2,
                SecretBytes<32>& out3);

}  // namespace lotus::crypto
