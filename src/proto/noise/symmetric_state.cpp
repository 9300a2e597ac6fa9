#include "proto/noise/symmetric_state.hpp"

#include <algorithm>
#include <cassert>

#include "crypto/hash.hpp"
#include "proto/noise/errc.hpp"

namespace lotus::proto::noise::detail {

SymmetricState::SymmetricState(std::string_view protocol_name) {
  if (protocol_name.size() <= kHashLen) {
    std::copy(protocol_name.begin(), protocol_name.end(), m_h.begin());
  } else {
    m_h = crypto::sha256(as_bytes(protocol_name));
  }
  m_ck = SecretBytes<32>(m_h);
}

void SymmetricState::mix_hash(BytesView data) {
  crypto::Sha256 s;
  s.update(m_h).update(data);
  m_h = s.finish();
}

void SymmetricState::mix_key(BytesView ikm) {
  SecretBytes<32> ck, k;
  crypto::noise_hkdf(m_ck.view(), ikm, ck, k);
  m_ck = std::move(ck);
  m_cipher.set_key(k);
  m_n = 0;
  m_has_key = true;
}

Status SymmetricState::encrypt_and_hash(BytesView plaintext, Bytes& out) {
  const std::size_t at = out.size();
  out.insert(out.end(), plaintext.begin(), plaintext.end());
  if (m_has_key) {
    if (m_n == UINT64_MAX) return errc::nonce_exhausted;  // unreachable in a 3-message handshake
    out.resize(out.size() + crypto::ChaChaPoly::kTagSize);
    m_cipher.encrypt(m_n++, m_h, MutBytesView(out.data() + at, plaintext.size()),
                     crypto::ChaChaPoly::Tag(out.data() + at + plaintext.size(), 16));
  }
  mix_hash(BytesView(out.data() + at, out.size() - at));
  return {};
}

Status SymmetricState::decrypt_and_hash(BytesView ciphertext, Bytes& out) {
  if (!m_has_key) {
    out.insert(out.end(), ciphertext.begin(), ciphertext.end());
    mix_hash(ciphertext);
    return {};
  }
  if (ciphertext.size() < crypto::ChaChaPoly::kTagSize) return errc::bad_frame_length;
  if (m_n == UINT64_MAX) return errc::nonce_exhausted;
  const std::size_t n = ciphertext.size() - crypto::ChaChaPoly::kTagSize;
  const std::size_t at = out.size();
  out.insert(out.end(), ciphertext.begin(), ciphertext.begin() + static_cast<std::ptrdiff_t>(n));
  if (!m_cipher.decrypt(m_n, m_h, MutBytesView(out.data() + at, n),
                        crypto::ChaChaPoly::ConstTag(ciphertext.data() + n, 16))) {
    out.resize(at);
    return errc::decrypt_failed;
  }
  ++m_n;
  mix_hash(ciphertext);
  return {};
}

void SymmetricState::split(SecretBytes<32>& c1, SecretBytes<32>& c2) const {
  crypto::noise_hkdf(m_ck.view(), {}, c1, c2);
}

}  // namespace lotus::proto::noise::detail
