// A small, strict protobuf (proto2/proto3 wire format) reader and writer for the handful of
// libp2p messages we speak. Why not libprotobuf: we want zero-copy parsing of hostile input
// with explicit size limits, no allocation per field, precise errors and fuzzable code; the
// schemas are tiny. Unknown fields are skipped, as protobuf requires.
#pragma once

#include <cstdint>
#include <string_view>
#include <system_error>

#include "base/bytes.hpp"
#include "base/error.hpp"

namespace lotus::pb {

enum class errc {
  truncated = 1,       // message ends inside a field
  bad_varint,          // varint longer than 10 bytes
  bad_wire_type,       // wire type 3/4 (groups) or 6/7
  bad_field_number,    // field number 0 or > 2^29-1
  length_overflow,     // length-delimited field runs past the end
  wrong_wire_type,     // a known field arrived with an unexpected wire type
  missing_field,       // a required field is absent
  invalid_value,       // a field's value is out of range for its type
};
const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

enum class WireType : std::uint8_t { varint = 0, fixed64 = 1, len = 2, fixed32 = 5 };

struct Field {
  std::uint32_t number = 0;
  WireType type = WireType::varint;
  std::uint64_t varint = 0;  // varint, fixed32, fixed64
  BytesView bytes;           // len: view into the input
};

// Iterates the fields of one message. Usage:
//   pb::Reader r(msg); pb::Field f;
//   while (r.next(f)) { switch (f.number) ... }
//   if (r.error()) return r.error();
class Reader {
 public:
  explicit Reader(BytesView in) noexcept : m_in(in) {}
  bool next(Field& f) noexcept;
  std::error_code error() const noexcept { return m_ec; }

 private:
  BytesView m_in;
  std::size_t m_pos = 0;
  std::error_code m_ec;
};

// Appends fields to a byte vector.
class Writer {
 public:
  explicit Writer(Bytes& out) noexcept : m_out(out) {}
  void varint(std::uint32_t field, std::uint64_t v);
  void boolean(std::uint32_t field, bool v) { varint(field, v ? 1 : 0); }
  void bytes(std::uint32_t field, BytesView v);
  void string(std::uint32_t field, std::string_view v) { bytes(field, as_bytes(v)); }
  void fixed64(std::uint32_t field, std::uint64_t v);
  void fixed32(std::uint32_t field, std::uint32_t v);

 private:
  void tag(std::uint32_t field, WireType t);
  Bytes& m_out;
};

}  // namespace lotus::pb

LOTUS_ERRC_ENUM(lotus::pb::errc)
