// libFuzzer target: the identify wire layer and the requester engine on hostile bytes.
// Properties: never crash, exactly one event per engine after EOF, decode∘encode is identity on
// anything decode accepted, merge_push of a valid result into itself is harmless.
#include <cstddef>
#include <cstdint>

#include "base/hex.hpp"
#include "multiformats/peer_id.hpp"
#include "proto/identify/info.hpp"
#include "proto/identify/message.hpp"
#include "proto/identify/requester.hpp"

using namespace lotus;
using namespace lotus::proto::identify;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The Ed25519 key of tests/vectors/identify/js_identify_vectors.json.
  static const mf::PeerId remote = mf::PeerId::from_public_key(
      *from_hex("0801122079b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664"));
  const std::uint8_t ctl = data[0];
  const BytesView in(data + 1, size - 1);

  if (auto m = decode_message(in)) {
    auto again = decode_message(encode_message(*m));
    if (!again || !(*again == *m)) __builtin_trap();
  }

  Limits limits;
  if (ctl & 0x80) {  // small limits reach the limit paths with short inputs
    limits.max_message_size = 64;
    limits.max_messages = 3;
    limits.max_protocols = 4;
    limits.max_listen_addrs = 4;
  }
  Config cfg;
  cfg.limits = limits;
  const Kind kind = (ctl & 0x40) ? Kind::push : Kind::identify;
  const TimePoint t0{};
  Requester req(remote, kind, cfg, t0);
  const std::size_t chunk = (ctl & 0x3f) + 1;
  for (std::size_t pos = 0; pos < in.size(); pos += chunk)
    req.on_bytes(in.subspan(pos, std::min(chunk, in.size() - pos)), t0);
  req.on_eof(t0);
  auto ev = req.poll_event();
  if (!ev || req.poll_event() || !req.finished()) __builtin_trap();
  if (auto* ok = std::get_if<Identified>(&*ev)) {
    IdentifyInfo copy = ok->info;
    merge_push(copy, ok->info);
    if (copy.protocols != ok->info.protocols) __builtin_trap();
  }
  return 0;
}
