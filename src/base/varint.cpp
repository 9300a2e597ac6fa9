#include "base/varint.hpp"

namespace lotus::varint {

const std::error_category& category() noexcept {
  static const TableCategory cat("varint", {
      {static_cast<int>(errc::truncated), "input ends inside a varint"},
      {static_cast<int>(errc::overflow), "varint too long or value too large"},
      {static_cast<int>(errc::not_minimal), "varint not minimally encoded"},
  });
  return cat;
}

static std::error_code decode(BytesView in, Decoded& out, std::size_t max_len, bool minimal) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (i >= max_len) return errc::overflow;
    const std::uint8_t b = in[i];
    if (i == 9 && b > 1) return errc::overflow;  // beyond 64 bits
    v |= static_cast<std::uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) {
      if (minimal && b == 0 && i > 0) return errc::not_minimal;
      out.value = v;
      out.length = i + 1;
      return {};
    }
  }
  if (in.size() >= max_len) return errc::overflow;
  return errc::truncated;
}

std::error_code decode_uvarint(BytesView in, Decoded& out) noexcept {
  return decode(in, out, kMaxMultiformatsLen, true);
}
std::error_code decode_protobuf_varint(BytesView in, Decoded& out) noexcept {
  return decode(in, out, kMaxProtobufLen, false);
}

std::size_t encoded_size(std::uint64_t v) noexcept {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

std::size_t encode(std::uint64_t v, std::uint8_t* out) noexcept {
  std::size_t n = 0;
  while (v >= 0x80) {
    out[n++] = static_cast<std::uint8_t>(v | 0x80);
    v >>= 7;
  }
  out[n++] = static_cast<std::uint8_t>(v);
  return n;
}

void append(Bytes& out, std::uint64_t v) {
  std::uint8_t buf[10];
  const std::size_t n = encode(v, buf);
  out.insert(out.end(), buf, buf + n);
}

}  // namespace lotus::varint
