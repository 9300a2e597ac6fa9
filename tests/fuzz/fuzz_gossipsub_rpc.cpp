// Fuzz the gossipsub RPC codec and router. The first byte selects the mode:
//  0: decode_rpc; a decoded RPC must re-encode to bytes that decode to the same RPC.
//  1: FrameDecoder with fuzzer-chosen fragmentation; must never exceed its limits or crash.
//  2+: the input is split into frames fed as RPCs from three peers into a router (StrictNoSign,
//      scoring on), interleaved with heartbeats, publishes and subscription changes.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "base/rng.hpp"
#include "crypto/keys.hpp"
#include "proto/gossipsub/frame_decoder.hpp"
#include "proto/gossipsub/router.hpp"

using namespace lotus;
using namespace lotus::proto::gossipsub;

namespace {

const std::vector<mf::PeerId>& peers() {
  static const std::vector<mf::PeerId> ids = [] {
    std::vector<mf::PeerId> v;
    DeterministicRng rng(1);
    for (int i = 0; i < 4; ++i) v.push_back(crypto::PrivateKey::generate(crypto::KeyType::ed25519, rng)->peer_id());
    return v;
  }();
  return ids;
}

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  BytesView in(data + 1, size - 1);
  Limits limits;
  limits.max_rpc_size = 4096;
  limits.max_message_ids = 64;
  limits.max_control_entries = 16;
  if (mode == 0) {
    auto r = decode_rpc(in, limits);
    if (r) {
      auto again = decode_rpc(encode(*r), limits);
      check(again.has_value() && *again == *r);
    }
    return 0;
  }
  if (mode == 1) {
    FrameDecoder dec(limits);
    std::size_t pos = 0;
    while (pos < in.size()) {
      const std::size_t n = std::min<std::size_t>(in.size() - pos, 1 + in[pos] % 17);
      BytesView chunk = in.subspan(pos, n);
      pos += n;
      while (true) {
        auto rpc = dec.next(chunk);
        if (!rpc) return 0;
        if (!*rpc) break;
      }
      check(chunk.empty());
    }
    return 0;
  }
  Config cfg;
  cfg.signature_policy = SignaturePolicy::strict_no_sign;
  cfg.message_id = [](const Message& m) { return m.data; };
  cfg.limits = limits;
  cfg.scoring_enabled = (mode & 1) != 0;
  cfg.score.topics["a"] = TopicScoreParams{};
  cfg.allow_publish_to_zero_peers = true;
  cfg.d = 2;
  cfg.d_lo = 1;
  cfg.d_hi = 3;
  cfg.d_score = 1;
  cfg.d_out = 1;
  cfg.max_pending_validations = 2;
  DeterministicRng rng(mode);
  TimePoint now = TimePoint{} + std::chrono::hours(1);
  Router router(peers()[3], nullptr, cfg, rng, now);
  router.set_validator([](const mf::PeerId&, const Message& m, const MessageId&) {
    if (m.data.empty()) return ValidationResult::accept;
    return static_cast<ValidationResult>(m.data[0] % 4);
  });
  for (std::size_t i = 0; i < 3; ++i)
    check(router.add_peer(peers()[i], i == 2 ? Protocol::floodsub : Protocol::meshsub_v12, i == 0, "ip", now).has_value());
  (void)router.subscribe("a", now);
  std::size_t pos = 0;
  std::vector<MessageId> pending;
  while (pos + 2 <= in.size()) {
    const std::uint8_t op = in[pos];
    const std::size_t len = std::min<std::size_t>(in.size() - pos - 2, in[pos + 1]);
    BytesView chunk = in.subspan(pos + 2, len);
    pos += 2 + len;
    switch (op % 8) {
      case 0:
        now += std::chrono::milliseconds(100 * (1 + op / 8));
        if (now >= router.deadline()) router.on_heartbeat(now);
        break;
      case 1: (void)router.publish(op & 8 ? "a" : "b", Bytes(chunk.begin(), chunk.end()), now); break;
      case 2: (void)(op & 8 ? router.subscribe("b", now) : router.unsubscribe("b", now)); break;
      case 3:
        if (!pending.empty()) {
          (void)router.report_validation(pending.back(), static_cast<ValidationResult>(op / 8 % 3), now);
          pending.pop_back();
        }
        break;
      default: {
        auto rpc = decode_rpc(chunk, limits);
        if (!rpc) break;
        for (const auto& m : rpc->publish) pending.push_back(m.data);
        check(router.on_rpc(peers()[op % 3], *rpc, now).has_value());
        break;
      }
    }
    while (auto e = router.poll_event()) {
      if (auto* s = std::get_if<SendRpc>(&*e)) check(encode(s->rpc).size() < (1u << 24));
    }
  }
  (void)router.remove_peer(peers()[0], now);
  router.on_heartbeat(now + std::chrono::seconds(1));
  return 0;
}
