// chain/address.hpp over arbitrary text. Invariants: a decoded address re-encodes to a string
// that decodes to the same content (the checksum may switch from legacy to current form);
// a parsed address's script encodes back to an address that parses to the same script.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "chain/address.hpp"

using namespace lotus;
using namespace lotus::chain;

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto c = decode_address_content(text);
  if (c) {
    const std::string again = encode_address_content(*c);
    auto c2 = decode_address_content(again);
    check(c2 && c2->token == c->token && c2->network == c->network && c2->type == c->type &&
          c2->payload == c->payload);
  } else {
    check(c.error().category() == category());
  }
  auto a = parse_address(text);
  if (a) {
    auto s = address_from_script(a->script, a->network);
    check(static_cast<bool>(s));
    auto a2 = parse_address(*s, a->network);
    check(a2 && a2->script == a->script);
  }
  return 0;
}
