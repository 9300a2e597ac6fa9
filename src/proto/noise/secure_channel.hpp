// The transport phase of libp2p Noise (libp2p/specs noise/README.md, "Wire Format"): every
// message is a 2-byte big-endian length followed by a ChaCha20-Poly1305 ciphertext (empty AD) of
// at most 65535 bytes, so each frame carries at most 65519 plaintext bytes. Nonces count up from
// 0 per direction; reaching 2^64-1 is errc::nonce_exhausted (Noise rev 34, 5.1).
// Sans-IO and allocation-free in steady state: plaintext is encrypted straight into the caller's
// output vector (which the caller reuses) and complete frames are decrypted straight from the
// input into the caller's plaintext vector — one pass, no intermediate copy; only a frame split
// across calls is buffered (at most one frame, 65537 bytes, one allocation reused).
// After any error the channel is dead: every later call returns errc::data_after_failure.
#pragma once

#include <cstdint>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/secure.hpp"
#include "crypto/aead.hpp"

namespace lotus::proto::noise {

class Handshake;

class SecureChannel {
 public:
  static constexpr std::size_t kMaxFrame = 65535;
  static constexpr std::size_t kTagSize = crypto::ChaChaPoly::kTagSize;
  static constexpr std::size_t kMaxPlaintext = kMaxFrame - kTagSize;  // 65519

  SecureChannel(SecureChannel&&) noexcept = default;
  SecureChannel& operator=(SecureChannel&&) noexcept = default;

  // Appends framed ciphertext for `plaintext` to `out` (ceil(size / 65519) frames; an empty
  // plaintext gives one tag-only frame). On error `out` is left as it was.
  Status encrypt(BytesView plaintext, Bytes& out);
  // Consumes wire bytes (any fragmentation); appends the plaintext of every complete frame to
  // `plaintext_out`. A trailing partial frame is kept for the next call.
  Status decrypt(BytesView wire, Bytes& plaintext_out);

  bool failed() const noexcept { return m_failed; }
  std::size_t buffered() const noexcept { return m_rx.size(); }
  std::uint64_t send_nonce() const noexcept { return m_send_n; }
  std::uint64_t recv_nonce() const noexcept { return m_recv_n; }
  // Tests only: jump the nonces (e.g. to just below 2^64-1).
  void set_nonces_for_testing(std::uint64_t send, std::uint64_t recv) noexcept {
    m_send_n = send;
    m_recv_n = recv;
  }

 private:
  friend class Handshake;
  SecureChannel(const SecretBytes<32>& send_key, const SecretBytes<32>& recv_key)
      : m_send(send_key), m_recv(recv_key) {}
  Status open_frame(BytesView body, Bytes& plaintext_out);
  Status fail(std::error_code ec);

  crypto::ChaChaPoly m_send;
  crypto::ChaChaPoly m_recv;
  std::uint64_t m_send_n = 0;
  std::uint64_t m_recv_n = 0;
  Bytes m_rx;  // partial frame (header included)
  bool m_failed = false;
};

}  // namespace lotus::proto::noise
