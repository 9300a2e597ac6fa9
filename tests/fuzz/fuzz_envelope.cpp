// libFuzzer target: signed envelopes and peer records on hostile bytes. Properties: never
// crash; decode∘encode is identity on accepted input; a record open_peer_record accepts is
// issued by the envelope's signer.
#include <cstddef>
#include <cstdint>

#include "proto/record/envelope.hpp"
#include "proto/record/peer_record.hpp"

using namespace lotus;
using namespace lotus::proto::record;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const BytesView in(data, size);
  if (auto e = decode_envelope(in)) {
    auto again = decode_envelope(encode_envelope(*e));
    if (!again || !(*again == *e)) __builtin_trap();
    if (auto r = decode_peer_record(e->payload)) {
      auto r2 = decode_peer_record(encode_peer_record(*r));
      if (!r2 || !(*r2 == *r)) __builtin_trap();
    }
  }
  if (auto r = decode_peer_record(in)) {
    auto r2 = decode_peer_record(encode_peer_record(*r));
    if (!r2 || !(*r2 == *r)) __builtin_trap();
  }
  if (auto c = open_peer_record(in)) {
    auto v = open(in, kPeerRecordDomain);
    if (!v || !(v->signer == c->record.peer_id)) __builtin_trap();
  }
  return 0;
}
