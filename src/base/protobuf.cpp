#include "base/protobuf.hpp"

#include "base/varint.hpp"

namespace lotus::pb {

const std::error_category& category() noexcept {
  static const TableCategory cat("protobuf", {
      {static_cast<int>(errc::truncated), "message truncated inside a field"},
      {static_cast<int>(errc::bad_varint), "malformed varint"},
      {static_cast<int>(errc::bad_wire_type), "unsupported wire type"},
      {static_cast<int>(errc::bad_field_number), "invalid field number"},
      {static_cast<int>(errc::length_overflow), "length-delimited field exceeds message"},
      {static_cast<int>(errc::wrong_wire_type), "field has unexpected wire type"},
      {static_cast<int>(errc::missing_field), "required field missing"},
      {static_cast<int>(errc::invalid_value), "field value out of range"},
  });
  return cat;
}

bool Reader::next(Field& f) noexcept {
  if (m_ec || m_pos >= m_in.size()) return false;
  varint::Decoded d;
  auto rest = m_in.subspan(m_pos);
  if (auto ec = varint::decode_protobuf_varint(rest, d)) {
    m_ec = ec == varint::errc::truncated ? errc::truncated : errc::bad_varint;
    return false;
  }
  m_pos += d.length;
  const std::uint64_t key = d.value;
  const std::uint64_t number = key >> 3;
  if (number == 0 || number > 0x1fffffff) {
    m_ec = errc::bad_field_number;
    return false;
  }
  f.number = static_cast<std::uint32_t>(number);
  f.varint = 0;
  f.bytes = {};
  rest = m_in.subspan(m_pos);
  switch (key & 7) {
    case 0: {
      if (auto ec = varint::decode_protobuf_varint(rest, d)) {
        m_ec = ec == varint::errc::truncated ? errc::truncated : errc::bad_varint;
        return false;
      }
      f.type = WireType::varint;
      f.varint = d.value;
      m_pos += d.length;
      return true;
    }
    case 1:
    case 5: {
      const std::size_t n = (key & 7) == 1 ? 8 : 4;
      if (rest.size() < n) {
        m_ec = errc::truncated;
        return false;
      }
      std::uint64_t v = 0;
      for (std::size_t i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(rest[i]) << (8 * i);
      f.type = n == 8 ? WireType::fixed64 : WireType::fixed32;
      f.varint = v;
      m_pos += n;
      return true;
    }
    case 2: {
      if (auto ec = varint::decode_protobuf_varint(rest, d)) {
        m_ec = ec == varint::errc::truncated ? errc::truncated : errc::bad_varint;
        return false;
      }
      m_pos += d.length;
      if (d.value > m_in.size() - m_pos) {
        m_ec = errc::length_overflow;
        return false;
      }
      f.type = WireType::len;
      f.bytes = m_in.subspan(m_pos, static_cast<std::size_t>(d.value));
      m_pos += static_cast<std::size_t>(d.value);
      return true;
    }
    default:
      m_ec = errc::bad_wire_type;
      return false;
  }
}

void Writer::tag(std::uint32_t field, WireType t) {
  varint::append(m_out, (static_cast<std::uint64_t>(field) << 3) | static_cast<std::uint64_t>(t));
}
void Writer::varint(std::uint32_t field, std::uint64_t v) {
  tag(field, WireType::varint);
  varint::append(m_out, v);
}
void Writer::bytes(std::uint32_t field, BytesView v) {
  tag(field, WireType::len);
  varint::append(m_out, v.size());
  append(m_out, v);
}
void Writer::fixed64(std::uint32_t field, std::uint64_t v) {
  tag(field, WireType::fixed64);
  for (int i = 0; i < 8; ++i) m_out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void Writer::fixed32(std::uint32_t field, std::uint32_t v) {
  tag(field, WireType::fixed32);
  for (int i = 0; i < 4; ++i) m_out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

}  // namespace lotus::pb
