#include "chain/codec.hpp"

namespace lotus::chain {

Result<std::uint8_t> Reader::u8() {
  if (remaining() < 1) return errc::truncated;
  return m_in[m_pos++];
}

Result<std::uint16_t> Reader::u16() {
  if (remaining() < 2) return errc::truncated;
  const std::uint16_t v = static_cast<std::uint16_t>(m_in[m_pos] | (m_in[m_pos + 1] << 8));
  m_pos += 2;
  return v;
}

Result<std::uint32_t> Reader::u32() {
  if (remaining() < 4) return errc::truncated;
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | m_in[m_pos + static_cast<std::size_t>(i)];
  m_pos += 4;
  return v;
}

Result<std::uint64_t> Reader::u64() {
  if (remaining() < 8) return errc::truncated;
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | m_in[m_pos + static_cast<std::size_t>(i)];
  m_pos += 8;
  return v;
}

Result<BytesView> Reader::bytes(std::size_t n) {
  if (remaining() < n) return errc::truncated;
  const BytesView v = m_in.subspan(m_pos, n);
  m_pos += n;
  return v;
}

Result<std::uint64_t> Reader::compact_size() {
  LOTUS_TRY(first, u8());
  std::uint64_t v = 0;
  if (first < 253) {
    v = first;
  } else if (first == 253) {
    LOTUS_TRY(x, u16());
    if (x < 253) return errc::compact_size_not_canonical;
    v = x;
  } else if (first == 254) {
    LOTUS_TRY(x, u32());
    if (x < 0x10000u) return errc::compact_size_not_canonical;
    v = x;
  } else {
    LOTUS_TRY(x, u64());
    if (x < 0x100000000ull) return errc::compact_size_not_canonical;
    v = x;
  }
  if (v > kMaxCompactSize) return errc::compact_size_too_large;
  return v;
}

void put_u8(Bytes& out, std::uint8_t v) { out.push_back(v); }

void put_u16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}

void put_u32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void put_u64(Bytes& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void put_compact_size(Bytes& out, std::uint64_t v) {
  if (v < 253) {
    out.push_back(static_cast<std::uint8_t>(v));
  } else if (v <= 0xffff) {
    out.push_back(253);
    put_u16(out, static_cast<std::uint16_t>(v));
  } else if (v <= 0xffffffffull) {
    out.push_back(254);
    put_u32(out, static_cast<std::uint32_t>(v));
  } else {
    out.push_back(255);
    put_u64(out, v);
  }
}

std::size_t compact_size_length(std::uint64_t v) noexcept {
  if (v < 253) return 1;
  if (v <= 0xffff) return 3;
  if (v <= 0xffffffffull) return 5;
  return 9;
}

void put_var_bytes(Bytes& out, BytesView data) {
  put_compact_size(out, data.size());
  append(out, data);
}

}  // namespace lotus::chain
