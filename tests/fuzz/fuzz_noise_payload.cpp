// Fuzz the Noise handshake payload decoder directly (fuzz_noise_handshake reaches it only
// behind the AEAD, so most inputs never get that far). Invariants: no crash; views stay inside
// the input; lists stay within their bounds; a decoded payload that has both fields re-encodes
// to something that decodes to the same key, signature and muxers.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "proto/noise/payload.hpp"

using namespace lotus;
using namespace lotus::proto::noise;

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
bool inside(BytesView v, BytesView in) {
  return v.empty() || (v.data() >= in.data() && v.data() + v.size() <= in.data() + in.size());
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const BytesView in(data, size);
  auto p = decode_payload(in);
  if (!p) return 0;
  check(inside(p->identity_key, in) && inside(p->identity_sig, in));
  check(p->webtransport_certhashes.size() <= kMaxExtensionEntries);
  check(p->stream_muxers.size() <= kMaxExtensionEntries);
  for (auto h : p->webtransport_certhashes) check(inside(h, in));
  if (!p->has_identity_key || !p->has_identity_sig) return 0;
  Bytes again;
  encode_payload(again, p->identity_key, p->identity_sig, p->stream_muxers);
  auto q = decode_payload(again);
  check(q.has_value());
  check(Bytes(q->identity_key.begin(), q->identity_key.end()) == Bytes(p->identity_key.begin(), p->identity_key.end()));
  check(Bytes(q->identity_sig.begin(), q->identity_sig.end()) == Bytes(p->identity_sig.begin(), p->identity_sig.end()));
  check(q->stream_muxers == p->stream_muxers);
  return 0;
}
