// Noise framework rev 34, sections 5.1-5.2: CipherState and SymmetricState for
// Noise_XX_25519_ChaChaPoly_SHA256. Internal to the noise engine.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/secure.hpp"
#include "crypto/aead.hpp"

namespace lotus::proto::noise::detail {

class SymmetricState {
 public:
  static constexpr std::size_t kHashLen = 32;
  explicit SymmetricState(std::string_view protocol_name);

  void mix_hash(BytesView data);
  void mix_key(BytesView ikm);
  // Appends ciphertext (or plaintext before the first mix_key) of `plaintext` to `out`, h as AD.
  Status encrypt_and_hash(BytesView plaintext, Bytes& out);
  // Decrypts `ciphertext` into `out` (appended); errc::decrypt_failed on a bad tag.
  Status decrypt_and_hash(BytesView ciphertext, Bytes& out);
  bool has_key() const noexcept { return m_has_key; }
  // Split(): (initiator->responder, responder->initiator) keys.
  void split(SecretBytes<32>& c1, SecretBytes<32>& c2) const;
  const std::array<std::uint8_t, kHashLen>& handshake_hash() const noexcept { return m_h; }

 private:
  SecretBytes<32> m_ck;
  std::array<std::uint8_t, kHashLen> m_h{};
  crypto::ChaChaPoly m_cipher;
  std::uint64_t m_n = 0;
  bool m_has_key = false;
};

}  // namespace lotus::proto::noise::detail
