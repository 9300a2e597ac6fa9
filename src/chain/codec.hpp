// Bitcoin-family serialisation primitives as lotusd uses them (serialize.h): little-endian
// integers and CompactSize lengths. The reader is bounded: it never reads past its input and
// reports errc::truncated instead.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "chain/errc.hpp"

namespace lotus::chain {

// lotusd serialize.h MAX_SIZE: the largest CompactSize ReadCompactSize accepts.
inline constexpr std::uint64_t kMaxCompactSize = 0x02000000;

class Reader {
 public:
  explicit Reader(BytesView in) noexcept : m_in(in) {}
  std::size_t remaining() const noexcept { return m_in.size() - m_pos; }
  std::size_t position() const noexcept { return m_pos; }
  bool empty() const noexcept { return remaining() == 0; }

  Result<std::uint8_t> u8();
  Result<std::uint16_t> u16();
  Result<std::uint32_t> u32();
  Result<std::uint64_t> u64();
  Result<BytesView> bytes(std::size_t n);  // a view into the input
  // lotusd ReadCompactSize(range_check = true): canonical encodings only, value <= MAX_SIZE.
  Result<std::uint64_t> compact_size();

 private:
  BytesView m_in;
  std::size_t m_pos = 0;
};

void put_u8(Bytes& out, std::uint8_t v);
void put_u16(Bytes& out, std::uint16_t v);
void put_u32(Bytes& out, std::uint32_t v);
void put_u64(Bytes& out, std::uint64_t v);
void put_compact_size(Bytes& out, std::uint64_t v);
std::size_t compact_size_length(std::uint64_t v) noexcept;
// CompactSize length prefix followed by the bytes (lotusd's vector/CScript serialisation).
void put_var_bytes(Bytes& out, BytesView data);

}  // namespace lotus::chain
