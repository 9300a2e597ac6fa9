// Fuzz the kad-dht wire layer and the engines behind it.
// The first input byte picks a mode:
//  0: raw message body -> decode_message; a decoded message must re-encode to bytes that decode
//     to the same message (canonical round trip), and every list must respect the limits.
//  1: a stream -> FrameReader, fed in fuzzer-chosen fragment sizes; at most one partial frame
//     stays buffered.
//  2: a decoded message as a request to a RequestHandler (with a small routing table) and as a
//     response to running Lookups of each kind; neither may crash or break its bounds.
#include <cstdint>
#include <cstdlib>

#include "coordinator/resource_validator.hpp"
#include "proto/kad/frame_reader.hpp"
#include "proto/kad/handler.hpp"
#include "proto/kad/lookup.hpp"

using namespace lotus;
using namespace lotus::proto::kad;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

mf::PeerId peer(std::uint8_t n) {
  Bytes pk = {0x08, 0x01, 0x12, 0x20};
  pk.resize(36, n);
  return mf::PeerId::from_public_key(pk);
}

Limits small_limits() {
  Limits l;
  l.max_message_size = 4096;
  l.max_peers = 20;
  l.max_addrs_per_peer = 4;
  l.max_key_size = 256;
  l.max_value_size = 2048;
  return l;
}

void check_bounds(const Message& m, const Limits& l) {
  check(m.closer_peers.size() <= l.max_peers && m.provider_peers.size() <= l.max_peers);
  for (const auto* list : {&m.closer_peers, &m.provider_peers})
    for (const auto& p : *list) check(p.addrs.size() <= l.max_addrs_per_peer);
  check(m.key.size() <= l.max_key_size);
  if (m.record) check(m.record->key.size() <= l.max_key_size && m.record->value.size() <= l.max_value_size);
}

void engines(const Message& m) {
  const TimePoint t0 = TimePoint{} + std::chrono::hours(1);
  const mf::PeerId self = peer(0);
  RoutingTable table(self);
  for (std::uint8_t i = 1; i < 30; ++i) (void)table.update(PeerInfo{peer(i), {}, {}}, true, t0);
  for (const auto& p : m.closer_peers) (void)table.update(p, true, t0);
  check(table.size() <= 256 * 20);
  MemoryRecordStore records;
  ProviderStore providers;
  auto validators = lotus::coordinator::dht_validators();  // /pk/ and the Lotus resource: namespace
  RequestHandler handler(PeerInfo{self, {}, {}}, table, records, providers, validators);
  auto r = handler.handle_request(peer(1), m, t0);
  if (r && *r) {
    check((*r)->closer_peers.size() <= 20);
    Bytes wire = encode_message(**r);
    check(decode_message(wire, Limits{}).has_value());
  }
  for (auto kind : {LookupKind::find_node, LookupKind::get_value, LookupKind::get_providers}) {
    std::vector<PeerInfo> seeds;
    for (std::uint8_t i = 1; i < 6; ++i) seeds.push_back(PeerInfo{peer(i), {}, {}});
    LookupConfig cfg;
    cfg.max_candidates = 40;
    Lookup l(kind, m.key.empty() ? Bytes{1} : m.key, self, seeds, cfg, &validators);
    l.start(t0);
    for (int round = 0; round < 8 && !l.finished(); ++round) {
      while (auto req = l.poll_request()) {
        Message resp = m;
        if (round % 2 == 0) {
          resp.type = req->message.type;  // mostly well-typed
        }
        l.on_response(req->peer.id, resp, t0);
        check(l.candidate_count() <= cfg.max_candidates);
        check(l.in_flight() <= cfg.alpha);
      }
      l.on_timeout(t0 + std::chrono::hours(round + 1));
    }
    check(l.result().closest.size() <= cfg.k);
    check(l.result().records.size() <= cfg.max_records);
    check(l.result().providers.size() <= cfg.max_providers);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t mode = data[0] % 3;
  BytesView in(data + 1, size - 1);
  const Limits lim = small_limits();
  if (mode == 0 || mode == 2) {
    DecodeReport rep;
    auto m = decode_message(in, lim, &rep);
    if (!m) return 0;
    check_bounds(*m, lim);
    Bytes again = encode_message(*m);
    auto m2 = decode_message(again, lim);
    check(m2.has_value() && *m2 == *m);
    check(encode_message(*m2) == again);
    if (mode == 2) engines(*m);
    return 0;
  }
  // mode 1: the first bytes of the rest choose fragment sizes.
  FrameReader reader(lim);
  std::size_t pos = 0, step_i = 0;
  while (pos < in.size()) {
    const std::size_t step = 1 + (in[step_i++ % in.size()] % 64);
    BytesView chunk = in.subspan(pos, std::min(step, in.size() - pos));
    pos += chunk.size();
    for (;;) {
      auto m = reader.next(chunk);
      if (!m) return 0;
      if (!*m) break;
      check_bounds(**m, lim);
    }
    check(chunk.empty());
    check(reader.buffered() <= lim.max_message_size);  // at most one partial frame
  }
  return 0;
}
