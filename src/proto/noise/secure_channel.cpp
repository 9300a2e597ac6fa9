#include "proto/noise/secure_channel.hpp"

#include <algorithm>

#include "proto/noise/errc.hpp"

namespace lotus::proto::noise {

namespace {
constexpr std::uint64_t kNonceLimit = UINT64_MAX;  // reserved by Noise
}

Status SecureChannel::fail(std::error_code ec) {
  m_failed = true;
  secure_wipe(m_rx);
  m_rx.clear();
  return ec;
}

// Writes sealed_size(plaintext.size()) bytes of frames at `out`.
Status SecureChannel::seal_frames(BytesView plaintext, std::uint8_t* p) {
  const std::size_t frames =
      plaintext.empty() ? 1 : (plaintext.size() + kMaxPlaintext - 1) / kMaxPlaintext;
  std::size_t off = 0;
  for (std::size_t i = 0; i < frames; ++i) {
    const std::size_t n = std::min(kMaxPlaintext, plaintext.size() - off);
    const std::size_t len = n + kTagSize;
    p[0] = static_cast<std::uint8_t>(len >> 8);
    p[1] = static_cast<std::uint8_t>(len);
    m_send.seal(m_send_n++, {}, plaintext.subspan(off, n), p + 2,
                crypto::ChaChaPoly::Tag(p + 2 + n, kTagSize));
    p += 2 + len;
    off += n;
  }
  return {};
}

// The wire size of sealing `plaintext_size` bytes, or why the channel cannot (then the caller
// writes nothing: `out` stays unchanged).
Result<std::size_t> SecureChannel::check_seal(std::size_t plaintext_size) const {
  if (m_failed) return errc::data_after_failure;
  const std::size_t size = sealed_size(plaintext_size);
  const std::size_t frames = (size - plaintext_size) / (2 + kTagSize);
  if (kNonceLimit - m_send_n < frames) return errc::nonce_exhausted;
  return size;
}

Status SecureChannel::encrypt(BytesView plaintext, Bytes& out) {
  auto size = check_seal(plaintext.size());
  if (!size) return size.error();
  const std::size_t start = out.size();
  out.resize(start + *size);
  return seal_frames(plaintext, out.data() + start);
}

Status SecureChannel::encrypt(BytesView plaintext, ByteBuffer& out) {
  auto size = check_seal(plaintext.size());
  if (!size) return size.error();
  return seal_frames(plaintext, out.extend(*size));
}

Status SecureChannel::encrypt_gather(std::span<const BytesView> pieces, ByteBuffer& out) {
  std::size_t total = 0;
  for (const auto& p : pieces) total += p.size();
  auto size = check_seal(total);
  if (!size) return size.error();
  const std::size_t frames = (*size - total) / (2 + kTagSize);
  std::uint8_t* p = out.extend(*size);
  std::size_t piece = 0, at = 0;  // read position: pieces[piece], offset `at`
  std::size_t left = total;
  for (std::size_t i = 0; i < frames; ++i) {
    const std::size_t n = std::min(kMaxPlaintext, left);
    const std::size_t len = n + kTagSize;
    p[0] = static_cast<std::uint8_t>(len >> 8);
    p[1] = static_cast<std::uint8_t>(len);
    std::uint8_t* c = p + 2;
    m_send.begin_seal(m_send_n++);
    for (std::size_t need = n; need > 0;) {
      while (at == pieces[piece].size()) {
        ++piece;
        at = 0;
      }
      const std::size_t k = std::min(need, pieces[piece].size() - at);
      m_send.seal_update(pieces[piece].subspan(at, k), c);
      c += k;
      at += k;
      need -= k;
    }
    m_send.finish_seal(crypto::ChaChaPoly::Tag(p + 2 + n, kTagSize));
    p += 2 + len;
    left -= n;
  }
  return {};
}

// Decrypts one frame body (ciphertext ‖ tag) straight into the tail of plaintext_out.
Status SecureChannel::open_frame(BytesView body, Bytes& plaintext_out) {
  if (m_recv_n == kNonceLimit) return fail(errc::nonce_exhausted);
  const std::size_t n = body.size() - kTagSize;
  const std::size_t at = plaintext_out.size();
  plaintext_out.resize(at + n);
  if (!m_recv.open(m_recv_n, {}, body.first(n), plaintext_out.data() + at,
                   crypto::ChaChaPoly::ConstTag(body.data() + n, kTagSize))) {
    plaintext_out.resize(at);
    return fail(errc::transport_decrypt_failed);
  }
  ++m_recv_n;
  return {};
}

Status SecureChannel::decrypt(BytesView wire, Bytes& plaintext_out) {
  if (m_failed) return errc::data_after_failure;
  while (!wire.empty()) {
    if (m_rx.empty() && wire.size() >= 2) {
      // Fast path: a complete frame straight from the input, no intermediate buffer.
      const std::size_t len = static_cast<std::size_t>(wire[0]) << 8 | wire[1];
      if (len < kTagSize) return fail(errc::bad_frame_length);
      if (wire.size() >= 2 + len) {
        LOTUS_CHECK(open_frame(wire.subspan(2, len), plaintext_out));
        wire = wire.subspan(2 + len);
        continue;
      }
    }
    // Slow path: accumulate a partial frame (bounded by one frame).
    if (m_rx.capacity() < 2 + kMaxFrame) m_rx.reserve(2 + kMaxFrame);
    if (m_rx.size() < 2) {
      const std::size_t take = std::min<std::size_t>(2 - m_rx.size(), wire.size());
      m_rx.insert(m_rx.end(), wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(take));
      wire = wire.subspan(take);
      if (m_rx.size() < 2) break;
    }
    const std::size_t len = static_cast<std::size_t>(m_rx[0]) << 8 | m_rx[1];
    if (len < kTagSize) return fail(errc::bad_frame_length);
    const std::size_t take = std::min(2 + len - m_rx.size(), wire.size());
    m_rx.insert(m_rx.end(), wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(take));
    wire = wire.subspan(take);
    if (m_rx.size() < 2 + len) break;
    const Status st = open_frame(BytesView(m_rx).subspan(2), plaintext_out);
    m_rx.clear();
    LOTUS_CHECK(st);
  }
  return {};
}

Result<std::size_t> SecureChannel::decrypt_in_place(MutBytesView wire, FunctionRef<Status(BytesView)> sink) {
  if (m_failed) return errc::data_after_failure;
  if (!m_rx.empty()) return fail(errc::data_after_failure).error();  // mixed with decrypt(): a caller bug
  std::size_t pos = 0;
  while (wire.size() - pos >= 2) {
    const std::size_t len = static_cast<std::size_t>(wire[pos]) << 8 | wire[pos + 1];
    if (len < kTagSize) return fail(errc::bad_frame_length).error();
    if (wire.size() - pos < 2 + len) break;
    if (m_recv_n == kNonceLimit) return fail(errc::nonce_exhausted).error();
    const std::size_t n = len - kTagSize;
    std::uint8_t* body = wire.data() + pos + 2;
    if (!m_recv.open(m_recv_n, {}, BytesView(body, n), body,
                     crypto::ChaChaPoly::ConstTag(body + n, kTagSize)))
      return fail(errc::transport_decrypt_failed).error();
    ++m_recv_n;
    pos += 2 + len;
    if (n != 0) {
      if (auto s = sink(BytesView(body, n)); !s) {
        m_failed = true;
        return s.error();
      }
    }
  }
  return pos;
}

}  // namespace lotus::proto::noise
