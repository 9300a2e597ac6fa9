// The transport phase of libp2p Noise (libp2p/specs noise/README.md, "Wire Format"): every
// message is a 2-byte big-endian length followed by a ChaCha20-Poly1305 ciphertext (empty AD) of
// at most 65535 bytes, so each frame carries at most 65519 plaintext bytes. Nonces count up from
// 0 per direction; reaching 2^64-1 is errc::nonce_exhausted (Noise rev 34, 5.1).
// Sans-IO and allocation-free in steady state. Two ways in:
//  * decrypt(): complete frames are decrypted straight from the input into the caller's
//    plaintext vector (one pass); a frame split across calls is buffered inside (≤ 65537 bytes);
//  * decrypt_in_place(): the data path. Complete frames are decrypted where they lie in the
//    caller's buffer and handed to a sink; the caller keeps the trailing partial frame and
//    presents it again with more bytes — no plaintext buffer, no copy, no hidden buffer.
//    (Do not mix the two on one channel while decrypt() holds a partial frame.)
// Encryption writes frames straight into the caller's output (Bytes or the non-zero-filling
// ByteBuffer the connection reuses).
// After any error the channel is dead: every later call returns errc::data_after_failure.
#pragma once

#include <cstdint>
#include <span>

#include "base/byte_buffer.hpp"
#include "base/bytes.hpp"
#include "base/function_ref.hpp"
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
  Status encrypt(BytesView plaintext, ByteBuffer& out);
  // The same for a plaintext given in pieces (e.g. muxer headers and the caller's payload, which
  // then is never copied before it is sealed): frames of ≤ 65519 bytes cut across pieces.
  Status encrypt_gather(std::span<const BytesView> pieces, ByteBuffer& out);
  // Wire size of `plaintext_size` bytes once framed and sealed.
  static std::size_t sealed_size(std::size_t plaintext_size) noexcept {
    const std::size_t frames = plaintext_size == 0 ? 1 : (plaintext_size + kMaxPlaintext - 1) / kMaxPlaintext;
    return plaintext_size + frames * (2 + kTagSize);
  }
  // Consumes wire bytes (any fragmentation); appends the plaintext of every complete frame to
  // `plaintext_out`. A trailing partial frame is kept for the next call.
  Status decrypt(BytesView wire, Bytes& plaintext_out);
  // Decrypts every complete frame at the start of `wire` in place and calls sink(plaintext)
  // for each, in order (the view points into `wire`, valid during the call). Returns how many
  // bytes of `wire` those frames took; the rest (< one frame) is a partial frame to present
  // again, with more bytes after it. An error from the sink stops at once and is returned; a
  // bad frame fails the channel (transport_decrypt_failed, bad_frame_length).
  Result<std::size_t> decrypt_in_place(MutBytesView wire, FunctionRef<Status(BytesView)> sink);
  // Wire size of the frame that `partial` begins (2 + its length field), or 2 + kMaxFrame while
  // the length is not known yet: how much room the caller needs to complete it.
  static std::size_t frame_size(BytesView partial) noexcept {
    if (partial.size() < 2) return 2 + kMaxFrame;
    return 2 + (static_cast<std::size_t>(partial[0]) << 8 | partial[1]);
  }

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
  Status seal_frames(BytesView plaintext, std::uint8_t* out);
  Result<std::size_t> check_seal(std::size_t plaintext_size) const;
  Status fail(std::error_code ec);

  crypto::ChaChaPoly m_send;
  crypto::ChaChaPoly m_recv;
  std::uint64_t m_send_n = 0;
  std::uint64_t m_recv_n = 0;
  Bytes m_rx;  // partial frame (header included)
  bool m_failed = false;
};

}  // namespace lotus::proto::noise
