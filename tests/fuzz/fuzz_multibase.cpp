// Multibase decoders (raw and prefixed). Invariants: decoding is canonical — re-encoding a
// successful decode reproduces the input exactly — and encode→decode round-trips arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "multiformats/cid.hpp"
#include "multiformats/multibase.hpp"
#include "multiformats/multihash.hpp"

using namespace lotus;
using namespace lotus::mf;

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const BytesView in(data, size);
  const std::string_view text = as_string_view(in);

  if (auto d = base58btc_decode(text)) check(base58btc_encode(*d) == text);
  if (auto d = base32_decode(text)) check(base32_encode(*d) == text);
  if (auto d = base64url_decode(text)) check(base64url_encode(*d) == text);
  if (auto d = base16_decode(text)) check(base16_encode(*d) == text);
  Base which{};
  if (auto d = multibase_decode(text, &which)) check(multibase_encode(which, *d) == text);

  // Bytes -> text -> bytes (base58 is quadratic and its decoder capped: keep it small).
  for (Base b : {Base::base58btc, Base::base32, Base::base64url, Base::base16}) {
    if (b == Base::base58btc && size > 512) continue;
    auto back = multibase_decode(multibase_encode(b, in));
    check(back.has_value() && *back == Bytes(in.begin(), in.end()));
  }

  // The binary parsers that sit on top.
  if (auto mh = decode_multihash(in)) check(encode_multihash(mh->code, mh->digest) == Bytes(in.begin(), in.end()));
  if (auto c = Cid::from_bytes(in)) {
    check(c->to_bytes() == Bytes(in.begin(), in.end()));
    auto again = Cid::parse(c->to_string());
    check(again.has_value() && *again == *c);
  }
  if (auto c = Cid::parse(text)) (void)c->to_string();
  return 0;
}
