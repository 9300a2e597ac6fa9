#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>

#include "kad_test_util.hpp"
#include "proto/kad/lookup.hpp"
#include "proto/kad/routing_table.hpp"

using namespace kadtest;

namespace {

const TimePoint t0 = TimePoint{} + std::chrono::hours(1);
const mf::PeerId kSelf = make_peer(777777);

std::vector<Request> drain(Lookup& l) {
  std::vector<Request> out;
  while (auto r = l.poll_request()) out.push_back(std::move(*r));
  return out;
}

Message reply(MessageType t, std::vector<mf::PeerId> closer = {}) {
  Message m;
  m.type = t;
  for (auto& p : closer) m.closer_peers.push_back(info(p));
  return m;
}

std::vector<mf::PeerId> sorted_by_distance(std::vector<mf::PeerId> v, const Key& target) {
  std::sort(v.begin(), v.end(), [&](const auto& a, const auto& b) {
    return target.distance(Key::from_peer(a)) < target.distance(Key::from_peer(b));
  });
  return v;
}

std::vector<PeerInfo> infos(const std::vector<mf::PeerId>& ids) {
  std::vector<PeerInfo> out;
  for (const auto& id : ids) out.push_back(info(id));
  return out;
}

std::vector<mf::PeerId> ids(const std::vector<PeerInfo>& v) {
  std::vector<mf::PeerId> out;
  for (const auto& p : v) out.push_back(p.id);
  return out;
}

}  // namespace

// 200 scripted peers, each with a small-bucket (k = 3) routing table of all others: the lookup
// must walk several hops and end with exactly the 20 closest peers to the target.
TEST(KadLookup, ConvergesToTrueClosestOverScriptedNetwork) {
  std::vector<mf::PeerId> universe;
  for (std::uint64_t s = 1; s <= 200; ++s) universe.push_back(make_peer(s));
  RoutingConfig small;
  small.k = 3;
  small.diversity_exempt_private = true;
  std::map<mf::PeerId, std::unique_ptr<RoutingTable>> tables;
  for (const auto& p : universe) {
    auto t = std::make_unique<RoutingTable>(p, small);
    for (const auto& q : universe) (void)t->update(info(q), true, t0);
    tables.emplace(p, std::move(t));
  }
  const Bytes key = to_bytes("the target");
  const Key target = Key::from_bytes(key);
  const auto truth = sorted_by_distance(universe, target);
  // Seeds: three peers far from the target.
  std::vector<PeerInfo> seeds = infos({truth[199], truth[198], truth[197]});
  Lookup l(LookupKind::find_node, key, kSelf, seeds);
  l.start(t0);
  std::size_t rounds = 0;
  while (!l.finished()) {
    auto reqs = drain(l);
    ASSERT_FALSE(reqs.empty());
    ASSERT_LE(reqs.size(), 3u);
    for (const auto& r : reqs) {
      EXPECT_EQ(r.message.type, MessageType::find_node);
      EXPECT_EQ(r.message.key, key);
      Message m = reply(MessageType::find_node);
      m.closer_peers = tables.at(r.peer.id)->closest(target, 20, &kSelf);
      l.on_response(r.peer.id, m, t0);
    }
    ASSERT_LT(++rounds, 200u);
  }
  EXPECT_EQ(ids(l.result().closest), std::vector<mf::PeerId>(truth.begin(), truth.begin() + 20));
  EXPECT_GE(l.stats().hops, 2u);
  EXPECT_LE(l.stats().responses, l.stats().rpcs);
  EXPECT_EQ(l.stats().timeouts, 0u);
  EXPECT_EQ(l.deadline(), kNever);
}

TEST(KadLookup, AlphaBoundsRequestsInFlight) {
  std::vector<mf::PeerId> seeds;
  for (std::uint64_t s = 1; s <= 10; ++s) seeds.push_back(make_peer(s));
  const Bytes key = to_bytes("k");
  const auto order = sorted_by_distance(seeds, Key::from_bytes(key));
  Lookup l(LookupKind::find_node, key, kSelf, infos(seeds));
  EXPECT_TRUE(drain(l).empty());  // nothing before start
  l.start(t0);
  auto r = drain(l);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(ids({r[0].peer, r[1].peer, r[2].peer}), (std::vector<mf::PeerId>{order[0], order[1], order[2]}));
  EXPECT_EQ(l.in_flight(), 3u);
  EXPECT_TRUE(drain(l).empty());
  l.on_response(order[1], reply(MessageType::find_node), t0 + 1ms);
  r = drain(l);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].peer.id, order[3]);
}

TEST(KadLookup, TimeoutFreesSlotAndLateAnswerIsStillUsed) {
  std::vector<mf::PeerId> seeds;
  for (std::uint64_t s = 1; s <= 5; ++s) seeds.push_back(make_peer(s));
  const Bytes key = to_bytes("k");
  const auto o = sorted_by_distance(seeds, Key::from_bytes(key));
  LookupConfig cfg;
  cfg.rpc_timeout = 2s;
  Lookup l(LookupKind::find_node, key, kSelf, infos(seeds), cfg);
  l.start(t0);
  ASSERT_EQ(drain(l).size(), 3u);
  EXPECT_EQ(l.deadline(), t0 + 2s);
  l.on_response(o[0], reply(MessageType::find_node), t0 + 100ms);
  l.on_response(o[2], reply(MessageType::find_node), t0 + 100ms);
  auto r = drain(l);
  ASSERT_EQ(r.size(), 2u);  // o[3], o[4]
  EXPECT_EQ(l.deadline(), t0 + 2s);  // o[1] still the earliest
  l.on_timeout(t0 + 1999ms);
  EXPECT_EQ(l.stats().timeouts, 0u);
  l.on_timeout(t0 + 2s);
  EXPECT_EQ(l.stats().timeouts, 1u);
  EXPECT_EQ(l.in_flight(), 2u);
  EXPECT_EQ(l.deadline(), t0 + 100ms + 2s);
  // The slow peer answers late and names a new peer, which is then asked.
  const mf::PeerId fresh = make_peer(99);
  l.on_response(o[1], reply(MessageType::find_node, {fresh}), t0 + 3s);
  r = drain(l);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].peer.id, fresh);
  l.on_response(o[3], reply(MessageType::find_node), t0 + 3s);
  l.on_response(o[4], reply(MessageType::find_node), t0 + 3s);
  EXPECT_FALSE(l.finished());
  l.on_timeout(t0 + 5s);  // fresh never answers
  ASSERT_TRUE(l.finished());
  EXPECT_EQ(l.result().closest.size(), 5u);
  EXPECT_EQ(l.stats().timeouts, 2u);
  EXPECT_EQ(l.stats().responses, 5u);
  // Anything after the end is ignored.
  l.on_response(fresh, reply(MessageType::find_node), t0 + 6s);
  EXPECT_EQ(l.stats().responses, 5u);
}

TEST(KadLookup, IgnoresSelfResponderEchoAndFloods) {
  const mf::PeerId liar = make_peer(1);
  LookupConfig cfg;
  cfg.max_candidates = 30;
  Lookup l(LookupKind::find_node, to_bytes("k"), kSelf, {info(liar), info(kSelf)}, cfg);
  EXPECT_EQ(l.stats().ignored_peers, 1u);  // self as a seed
  l.start(t0);
  ASSERT_EQ(drain(l).size(), 1u);
  std::vector<mf::PeerId> flood = {liar, kSelf};
  for (std::uint64_t s = 1000; s < 2000; ++s) flood.push_back(make_peer(s));
  l.on_response(liar, reply(MessageType::find_node, flood), t0);
  // liar itself, then 20 taken of which one is us, then 980 beyond the cap.
  EXPECT_EQ(l.stats().ignored_peers, 1u + 1u + 1u + 981u);
  EXPECT_EQ(l.candidate_count(), 20u);  // liar + 19
  auto r = drain(l);
  ASSERT_EQ(r.size(), 3u);
  for (const auto& q : r) {
    EXPECT_NE(q.peer.id, kSelf);
    EXPECT_NE(q.peer.id, liar);
  }
}

TEST(KadLookup, CandidateSetIsBounded) {
  LookupConfig cfg;
  cfg.max_candidates = 30;
  cfg.k = 5;
  std::vector<mf::PeerId> seeds = {make_peer(1), make_peer(2), make_peer(3)};
  Lookup l(LookupKind::find_node, to_bytes("k"), kSelf, infos(seeds), cfg);
  l.start(t0);
  std::uint64_t next = 100;
  for (int round = 0; round < 20 && !l.finished(); ++round) {
    for (auto& r : drain(l)) {
      std::vector<mf::PeerId> named;
      for (int i = 0; i < 20; ++i) named.push_back(make_peer(next++));
      l.on_response(r.peer.id, reply(MessageType::find_node, named), t0);
      EXPECT_LE(l.candidate_count(), 30u);
    }
  }
  EXPECT_LE(l.stats().rpcs, 60u);
}

TEST(KadLookup, PeerAnsweringOnlyWithItselfEndsLookup) {
  const mf::PeerId p = make_peer(1);
  Lookup l(LookupKind::find_node, to_bytes("k"), kSelf, {info(p)});
  l.start(t0);
  ASSERT_EQ(drain(l).size(), 1u);
  l.on_response(p, reply(MessageType::find_node, {p, p, p}), t0);
  ASSERT_TRUE(l.finished());
  EXPECT_EQ(ids(l.result().closest), std::vector<mf::PeerId>{p});
  EXPECT_EQ(l.stats().hops, 1u);
}

TEST(KadLookup, FailuresWrongTypesAndStrangers) {
  const mf::PeerId a = make_peer(1), b = make_peer(2);
  Lookup l(LookupKind::find_node, to_bytes("k"), kSelf, {info(a), info(b)});
  l.start(t0);
  ASSERT_EQ(drain(l).size(), 2u);
  l.on_response(make_peer(3), reply(MessageType::find_node), t0);
  EXPECT_EQ(l.stats().unexpected, 1u);
  l.on_response(a, reply(MessageType::get_value), t0);  // wrong type counts as failure
  l.on_failure(b, t0);
  ASSERT_TRUE(l.finished());
  EXPECT_EQ(l.stats().failures, 2u);
  EXPECT_TRUE(l.result().closest.empty());
}

TEST(KadLookup, NoSeedsFinishesAtOnce) {
  Lookup l(LookupKind::get_value, to_bytes("k"), kSelf, {});
  l.start(t0);
  EXPECT_TRUE(l.finished());
  EXPECT_FALSE(l.poll_request());
}

TEST(KadLookup, RpcBudget) {
  LookupConfig cfg;
  cfg.max_rpcs = 2;
  std::vector<mf::PeerId> seeds;
  for (std::uint64_t s = 1; s <= 5; ++s) seeds.push_back(make_peer(s));
  Lookup l(LookupKind::find_node, to_bytes("k"), kSelf, infos(seeds), cfg);
  l.start(t0);
  auto r = drain(l);
  ASSERT_EQ(r.size(), 2u);
  l.on_response(r[0].peer.id, reply(MessageType::find_node), t0);
  EXPECT_FALSE(l.finished());
  l.on_response(r[1].peer.id, reply(MessageType::find_node), t0);
  EXPECT_TRUE(l.finished());
  EXPECT_EQ(l.stats().rpcs, 2u);
}

TEST(KadLookup, GetValueCollectsValidatesAndSelects) {
  const auto registry = test_validators();
  const Bytes key = to_bytes("test:session:42");
  std::vector<mf::PeerId> seeds = {make_peer(1), make_peer(2), make_peer(3), make_peer(4)};
  Lookup l(LookupKind::get_value, key, kSelf, infos(seeds), {}, &registry);
  l.start(t0);
  auto r = drain(l);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].message.type, MessageType::get_value);
  auto with = [&](std::string_view value, Bytes k) {
    Message m = reply(MessageType::get_value);
    m.record = Record{std::move(k), to_bytes(value), ""};
    return m;
  };
  l.on_response(r[0].peer.id, with("1 old", key), t0);
  l.on_response(r[1].peer.id, with("5 new", key), t0);
  l.on_response(r[2].peer.id, with("", key), t0);  // invalid for the test namespace
  auto r2 = drain(l);
  ASSERT_EQ(r2.size(), 1u);
  l.on_response(r2[0].peer.id, with("9", to_bytes("test:session:43")), t0);
  ASSERT_TRUE(l.finished());
  EXPECT_EQ(l.stats().invalid_records, 2u);  // invalid value, wrong key
  ASSERT_EQ(l.result().records.size(), 2u);
  ASSERT_TRUE(l.result().best);
  EXPECT_EQ(l.result().records[*l.result().best].from, r[1].peer.id);
  EXPECT_EQ(l.result().peers_without_record.size(), 2u);
  EXPECT_EQ(l.stats().hops, 1u);
}

TEST(KadLookup, GetValueQuorumStopsEarly) {
  LookupConfig cfg;
  cfg.value_quorum = 1;
  std::vector<mf::PeerId> seeds = {make_peer(1), make_peer(2), make_peer(3)};
  Lookup l(LookupKind::get_value, to_bytes("k"), kSelf, infos(seeds), cfg);
  l.start(t0);
  auto r = drain(l);
  Message m = reply(MessageType::get_value);
  m.record = Record{to_bytes("k"), to_bytes("v"), ""};
  l.on_response(r[1].peer.id, m, t0);
  ASSERT_TRUE(l.finished());
  ASSERT_EQ(l.result().records.size(), 1u);
  EXPECT_EQ(l.result().best, 0u);
}

TEST(KadLookup, GetProvidersDeduplicates) {
  std::vector<mf::PeerId> seeds = {make_peer(1), make_peer(2)};
  Lookup l(LookupKind::get_providers, to_bytes("cid"), kSelf, infos(seeds));
  l.start(t0);
  auto r = drain(l);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].message.type, MessageType::get_providers);
  Message a = reply(MessageType::get_providers);
  a.provider_peers = infos({make_peer(10), make_peer(11)});
  Message b = reply(MessageType::get_providers);
  b.provider_peers = infos({make_peer(11), make_peer(12)});
  l.on_response(r[0].peer.id, a, t0);
  l.on_response(r[1].peer.id, b, t0);
  ASSERT_TRUE(l.finished());
  EXPECT_EQ(ids(l.result().providers), (std::vector<mf::PeerId>{make_peer(10), make_peer(11), make_peer(12)}));
}
