// Multiaddr text and binary parsers. Invariants on success:
//   binary: to_bytes() reproduces the input exactly (the encoding is canonical), and the text
//           form parses back to the same address;
//   text:   parse(to_string(x)) == x and from_bytes(to_bytes(x)) == x, binary within 1 KiB.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "multiformats/multiaddr.hpp"

using lotus::BytesView;
using lotus::mf::Multiaddr;

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}

void check_round_trips(const Multiaddr& m) {
  const std::string text = m.to_string();
  auto t = Multiaddr::parse(text);
  check(t.has_value() && *t == m && t->to_string() == text);
  const lotus::Bytes bin = m.to_bytes();
  check(bin.size() <= 1024);
  auto b = Multiaddr::from_bytes(bin);
  check(b.has_value() && *b == m);
  (void)m.peer_id();
  (void)m.value_of(lotus::mf::proto::tcp);
  (void)m.without_peer_id();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const BytesView in(data, size);
  if (auto b = Multiaddr::from_bytes(in)) {
    check(b->to_bytes() == lotus::Bytes(in.begin(), in.end()));
    check_round_trips(*b);
  }
  if (auto t = Multiaddr::parse(lotus::as_string_view(in))) check_round_trips(*t);
  return 0;
}
