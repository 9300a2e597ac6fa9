// ChaCha20-Poly1305 (RFC 8439, IETF variant) as the Noise "ChaChaPoly" cipher: the 96-bit nonce
// is 4 zero bytes followed by the 64-bit counter n in little-endian. One ChaChaPoly owns one
// EVP_CIPHER_CTX, keyed once; each call only resets the nonce, so the data path does not
// allocate. Encryption and decryption work in place.
// Misuse: the caller must never reuse a (key, nonce) pair — Noise's CipherState does that
// bookkeeping. The key is held inside OpenSSL's context and cleansed when it is freed.
#pragma once

#include <cstdint>
#include <span>

#include "base/bytes.hpp"
#include "base/secure.hpp"

struct evp_cipher_ctx_st;

namespace lotus::crypto {

class ChaChaPoly {
 public:
  static constexpr std::size_t kKeySize = 32;
  static constexpr std::size_t kTagSize = 16;
  using Tag = std::span<std::uint8_t, kTagSize>;
  using ConstTag = std::span<const std::uint8_t, kTagSize>;

  ChaChaPoly();
  explicit ChaChaPoly(const SecretBytes<kKeySize>& key) : ChaChaPoly() { set_key(key); }
  ~ChaChaPoly();
  ChaChaPoly(ChaChaPoly&& o) noexcept;
  ChaChaPoly& operator=(ChaChaPoly&& o) noexcept;
  ChaChaPoly(const ChaChaPoly&) = delete;
  ChaChaPoly& operator=(const ChaChaPoly&) = delete;

  void set_key(const SecretBytes<kKeySize>& key);
  bool has_key() const noexcept { return m_keyed; }

  // Encrypts `data` in place and writes the 16-byte tag. Requires has_key().
  void encrypt(std::uint64_t nonce, BytesView ad, MutBytesView data, Tag tag) {
    seal(nonce, ad, data, data.data(), tag);
  }
  // Decrypts `data` in place; false if the tag does not verify (then `data` is zeroed).
  [[nodiscard]] bool decrypt(std::uint64_t nonce, BytesView ad, MutBytesView data, ConstTag tag) {
    return open(nonce, ad, data, data.data(), tag);
  }
  // Out-of-place forms (saves a copy on the data path): `out` has room for in.size() bytes and
  // either is exactly in.data() or does not overlap `in`. open() zeroes `out` on failure.
  void seal(std::uint64_t nonce, BytesView ad, BytesView in, std::uint8_t* out, Tag tag);
  [[nodiscard]] bool open(std::uint64_t nonce, BytesView ad, BytesView in, std::uint8_t* out,
                          ConstTag tag);

  // Streaming seal of one message given in pieces: begin_seal(nonce), then seal_update() for
  // each piece in order (ciphertext written at `out`, in.size() bytes, in place allowed), then
  // finish_seal(tag). Same result as seal() over the concatenation.
  void begin_seal(std::uint64_t nonce);
  void seal_update(BytesView in, std::uint8_t* out);
  void finish_seal(Tag tag);

  // Generic RFC 8439 form with an explicit 12-byte nonce (for test vectors).
  void encrypt_raw(std::span<const std::uint8_t, 12> nonce, BytesView ad, MutBytesView data, Tag tag);

 private:
  void init_nonce(const std::uint8_t* iv12, int enc);
  void seal_iv(const std::uint8_t* iv12, BytesView ad, BytesView in, std::uint8_t* out, Tag tag);
  evp_cipher_ctx_st* m_ctx = nullptr;
  bool m_keyed = false;
};

}  // namespace lotus::crypto
