// base/varint.hpp, both policies. Invariants: a multiformats decode consumed exactly the
// minimal encoding of its value (re-encoding reproduces the input prefix); a protobuf decode
// yields a value whose minimal encoding is no longer than what was consumed; encode/decode of
// an arbitrary 63-bit value round-trips under both policies.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "base/varint.hpp"

using namespace lotus;

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const BytesView in(data, size);
  varint::Decoded d;
  if (!varint::decode_uvarint(in, d)) {
    check(d.length >= 1 && d.length <= varint::kMaxMultiformatsLen && d.length <= size);
    check(d.value < (1ULL << 63));
    Bytes re;
    varint::append(re, d.value);
    check(re.size() == d.length && std::memcmp(re.data(), data, d.length) == 0);
    check(varint::encoded_size(d.value) == d.length);
  }
  varint::Decoded p;
  if (!varint::decode_protobuf_varint(in, p)) {
    check(p.length >= 1 && p.length <= varint::kMaxProtobufLen && p.length <= size);
    check(varint::encoded_size(p.value) <= p.length);
    Bytes re;
    varint::append(re, p.value);
    varint::Decoded again;
    check(!varint::decode_protobuf_varint(re, again) && again.value == p.value && again.length == re.size());
    // A minimal encoding is also what the multiformats policy accepts, when the value fits.
    if (p.value < (1ULL << 63)) {
      check(!varint::decode_uvarint(re, again) && again.value == p.value);
    }
  }
  if (size >= 8) {
    std::uint64_t v = 0;
    std::memcpy(&v, data, 8);
    v >>= 1;  // 63 bits: the multiformats range
    std::uint8_t buf[10];
    const std::size_t n = varint::encode(v, buf);
    check(n == varint::encoded_size(v));
    varint::Decoded a, b;
    check(!varint::decode_uvarint(BytesView(buf, n), a) && a.value == v && a.length == n);
    check(!varint::decode_protobuf_varint(BytesView(buf, n), b) && b.value == v && b.length == n);
    // Every strict prefix is reported as truncated.
    if (n > 1) check(varint::decode_uvarint(BytesView(buf, n - 1), a) == varint::errc::truncated);
  }
  return 0;
}
