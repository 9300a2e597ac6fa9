#include "proto/mplex/frame.hpp"

#include <cassert>

#include "base/varint.hpp"

namespace lotus::proto::mplex {

void append_header(Bytes& out, std::uint64_t number, Flag flag, std::uint64_t length) {
  assert(number <= kMaxWireStreamNumber);
  std::uint8_t buf[kMaxHeaderSize];
  std::size_t n = varint::encode((number << 3) | static_cast<std::uint64_t>(flag), buf);
  n += varint::encode(length, buf + n);
  out.insert(out.end(), buf, buf + n);
}

void append_message(Bytes& out, std::uint64_t number, Flag flag, BytesView data) {
  append_header(out, number, flag, data.size());
  append(out, data);
}

}  // namespace lotus::proto::mplex
