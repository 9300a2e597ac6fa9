// PeerId from multihash bytes and from text. Invariants on success: base58 and CID text forms
// parse back to the same id; the bytes parse back; an identity id inlines at most 42 bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>

#include "multiformats/peer_id.hpp"

using lotus::BytesView;
using lotus::mf::PeerId;

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}

void check_id(const PeerId& id) {
  auto a = PeerId::parse(id.to_base58());
  check(a.has_value() && *a == id);
  auto c = PeerId::parse(id.to_cid_string());
  check(c.has_value() && *c == id);
  auto b = PeerId::from_bytes(id.bytes());
  check(b.has_value() && *b == id);
  if (auto k = id.inline_public_key()) {
    check(k->size() <= 42);
    check(PeerId::from_public_key(*k) == id);
  }
  (void)std::hash<PeerId>{}(id);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const BytesView in(data, size);
  if (auto id = PeerId::from_bytes(in)) {
    check(id->bytes() == lotus::Bytes(in.begin(), in.end()));
    check_id(*id);
  }
  if (auto id = PeerId::parse(lotus::as_string_view(in))) check_id(*id);
  // Any key protobuf gives an id that round-trips (structure permitting, for identity ids).
  const PeerId derived = PeerId::from_public_key(in);
  if (PeerId::from_bytes(derived.bytes())) check_id(derived);
  return 0;
}
