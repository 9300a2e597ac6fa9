#include <gtest/gtest.h>

#include <vector>

#include "base/rng.hpp"
#include "crypto/keys.hpp"
#include "proto/gossipsub/router.hpp"

using namespace lotus;
using namespace lotus::proto::gossipsub;

namespace {

const std::string kT = "t";

crypto::PrivateKey make_key(std::uint64_t seed) {
  DeterministicRng rng(seed);
  return std::move(crypto::PrivateKey::generate(crypto::KeyType::ed25519, rng)).value();
}

// One router under test plus `n` scripted remote peers.
struct Harness {
  explicit Harness(std::size_t n, Config cfg = {}, Protocol proto = Protocol::meshsub_v12)
      : rng(1), key(make_key(100)), router(key.peer_id(), &key, cfg, rng, t0) {
    for (std::size_t i = 0; i < n; ++i) {
      keys.push_back(make_key(i + 1));
      peers.push_back(keys.back().peer_id());
      EXPECT_TRUE(router.add_peer(peers.back(), proto, i % 2 == 0, "10.0.0." + std::to_string(i), now));
    }
    collect();
  }

  void collect() {
    while (auto e = router.poll_event()) {
      if (auto* s = std::get_if<SendRpc>(&*e))
        sent.push_back(*s);
      else if (auto* d = std::get_if<Delivered>(&*e))
        delivered.push_back(*d);
      else
        px.push_back(std::get<PeerExchange>(*e));
    }
  }
  void rpc(std::size_t i, const Rpc& r) {
    ASSERT_TRUE(router.on_rpc(peers[i], r, now));
    collect();
  }
  void subscribe_peers(std::size_t count) {
    Rpc r;
    r.subscriptions.push_back({true, kT});
    for (std::size_t i = 0; i < count; ++i) rpc(i, r);
  }
  void heartbeat() {
    now = std::max(now, router.deadline());
    router.on_heartbeat(now);
    collect();
  }
  void advance(Duration d) { now += d; }
  std::vector<SendRpc> take() {
    auto s = std::move(sent);
    sent.clear();
    return s;
  }
  // Signed message from remote peer i.
  Message msg_from(std::size_t i, std::string data, std::uint64_t seq) {
    Message m;
    m.topic = kT;
    m.data = to_bytes(data);
    m.seqno = Bytes(8);
    for (int k = 0; k < 8; ++k) (*m.seqno)[static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(seq >> (8 * (7 - k)));
    EXPECT_TRUE(sign_message(m, keys[i]));
    return m;
  }
  std::size_t index(const mf::PeerId& p) const {
    for (std::size_t i = 0; i < peers.size(); ++i)
      if (peers[i] == p) return i;
    return SIZE_MAX;
  }

  TimePoint t0 = TimePoint{} + std::chrono::hours(1);
  TimePoint now = t0;
  DeterministicRng rng;
  crypto::PrivateKey key;
  Router router;
  std::vector<crypto::PrivateKey> keys;
  std::vector<mf::PeerId> peers;
  std::vector<SendRpc> sent;
  std::vector<Delivered> delivered;
  std::vector<PeerExchange> px;
};

Rpc graft_rpc(const std::string& t = kT) {
  Rpc r;
  r.control.graft.push_back({t});
  return r;
}

TEST(GossipsubRouter, ProtocolIds) {
  EXPECT_EQ(protocol_from_id("/meshsub/1.2.0"), Protocol::meshsub_v12);
  EXPECT_EQ(protocol_from_id("/meshsub/1.1.0"), Protocol::meshsub_v11);
  EXPECT_EQ(protocol_from_id("/meshsub/1.0.0"), Protocol::meshsub_v10);
  EXPECT_EQ(protocol_from_id("/floodsub/1.0.0"), Protocol::floodsub);
  EXPECT_FALSE(protocol_from_id("/meshsub/2.0.0").has_value());
}

TEST(GossipsubRouter, UnknownAndDuplicatePeers) {
  Harness h(1);
  auto other = make_key(77).peer_id();
  EXPECT_EQ(h.router.on_rpc(other, Rpc{}, h.now).error(), errc::unknown_peer);
  EXPECT_EQ(h.router.remove_peer(other, h.now).error(), errc::unknown_peer);
  EXPECT_EQ(h.router.add_peer(h.peers[0], Protocol::meshsub_v11, true, "", h.now).error(), errc::duplicate_peer);
  EXPECT_EQ(h.router.unsubscribe("nope", h.now).error(), errc::not_subscribed);
}

TEST(GossipsubRouter, SubscribeAnnouncesAndGraftsUpToD) {
  Harness h(10);
  h.subscribe_peers(10);
  ASSERT_TRUE(h.router.subscribe(kT, h.now));
  h.collect();
  auto sent = h.take();
  ASSERT_EQ(sent.size(), 10u);
  std::size_t grafts = 0;
  for (const auto& s : sent) {
    ASSERT_EQ(s.rpc.subscriptions.size(), 1u);
    EXPECT_EQ(s.rpc.subscriptions[0], (SubOpts{true, kT}));
    grafts += s.rpc.control.graft.size();
  }
  EXPECT_EQ(grafts, 6u);
  EXPECT_EQ(h.router.mesh(kT).size(), 6u);
  // A peer added later learns our subscriptions.
  auto k = make_key(50);
  ASSERT_TRUE(h.router.add_peer(k.peer_id(), Protocol::meshsub_v11, true, "", h.now));
  h.collect();
  sent = h.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].rpc.subscriptions, (std::vector<SubOpts>{{true, kT}}));
}

TEST(GossipsubRouter, GraftAcceptedForSubscribedTopicOnly) {
  Harness h(2);
  ASSERT_TRUE(h.router.subscribe(kT, h.now));
  h.collect();
  h.take();
  h.rpc(0, graft_rpc());
  EXPECT_TRUE(h.router.mesh(kT).count(h.peers[0]));
  EXPECT_TRUE(h.take().empty());  // accepted silently
  h.rpc(1, graft_rpc("unknown"));
  EXPECT_TRUE(h.take().empty());  // unknown topic: ignored, no PRUNE
}

TEST(GossipsubRouter, PruneSetsBackoffAndGraftDuringBackoffIsPenalised) {
  Config cfg;
  cfg.scoring_enabled = true;
  cfg.score.topics[kT] = TopicScoreParams{};
  Harness h(1, cfg);
  ASSERT_TRUE(h.router.subscribe(kT, h.now));
  h.subscribe_peers(1);
  h.rpc(0, graft_rpc());
  ASSERT_TRUE(h.router.mesh(kT).count(h.peers[0]));
  h.take();
  Rpc prune;
  prune.control.prune.push_back({kT, {}, 120});
  h.rpc(0, prune);
  EXPECT_FALSE(h.router.mesh(kT).count(h.peers[0]));
  EXPECT_TRUE(h.router.in_backoff(kT, h.peers[0], h.now + std::chrono::seconds(119)));
  EXPECT_FALSE(h.router.in_backoff(kT, h.peers[0], h.now + std::chrono::seconds(121)));
  // Heartbeats do not re-graft during the backoff.
  h.heartbeat();
  EXPECT_FALSE(h.router.mesh(kT).count(h.peers[0]));
  h.take();
  // GRAFT during backoff (and within the flood threshold): PRUNE back, two penalties.
  h.rpc(0, graft_rpc());
  EXPECT_FALSE(h.router.mesh(kT).count(h.peers[0]));
  auto sent = h.take();
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_EQ(sent[0].rpc.control.prune.size(), 1u);
  EXPECT_EQ(sent[0].rpc.control.prune[0].topic, kT);
  EXPECT_EQ(sent[0].rpc.control.prune[0].backoff, 60u);
  EXPECT_TRUE(sent[0].rpc.control.prune[0].peers.empty());
  EXPECT_EQ(h.router.stats().grafts_refused_backoff, 1u);
  EXPECT_DOUBLE_EQ(h.router.peer_score().behaviour_penalty(h.peers[0]), 2.0);
  EXPECT_LT(h.router.score(h.peers[0], h.now), 0);
  // After the backoff the peer can be grafted again by the heartbeat... unless its score is
  // negative; let the penalty decay away first.
  for (int i = 0; i < 130; ++i) h.heartbeat();
  EXPECT_TRUE(h.router.mesh(kT).count(h.peers[0]));
}

TEST(GossipsubRouter, HeartbeatPrunesOversizedMeshWithPxAndBackoff) {
  Harness h(14);
  ASSERT_TRUE(h.router.subscribe(kT, h.now));
  h.subscribe_peers(14);
  for (std::size_t i = 0; i < 14; ++i) h.rpc(i, graft_rpc());
  // Inbound grafts stop at D_hi; outbound peers (even indices) are still accepted.
  EXPECT_EQ(h.router.mesh(kT).size(), 13u);
  h.take();
  h.heartbeat();
  EXPECT_EQ(h.router.mesh(kT).size(), 6u);
  std::size_t outbound = 0;
  for (const auto& p : h.router.mesh(kT)) outbound += h.index(p) % 2 == 0 ? 1 : 0;
  EXPECT_GE(outbound, 2u);
  std::size_t prunes = 0;
  for (const auto& s : h.take())
    for (const auto& p : s.rpc.control.prune) {
      ++prunes;
      EXPECT_EQ(p.backoff, 60u);
      EXPECT_FALSE(p.peers.empty());  // PX
      for (const auto& info : p.peers) EXPECT_NE(info.peer_id, s.peer.bytes());
      EXPECT_TRUE(h.router.in_backoff(kT, s.peer, h.now));
    }
  EXPECT_EQ(prunes, 7u);
}

TEST(GossipsubRouter, HeartbeatGraftsWhenBelowDlo) {
  Harness h(8);
  ASSERT_TRUE(h.router.subscribe(kT, h.now));  // nobody subscribed yet: empty mesh
  h.collect();
  EXPECT_TRUE(h.router.mesh(kT).empty());
  h.subscribe_peers(8);
  h.take();
  h.heartbeat();
  EXPECT_EQ(h.router.mesh(kT).size(), 6u);
  std::size_t grafts = 0;
  for (const auto& s : h.take()) grafts += s.rpc.control.graft.size();
  EXPECT_EQ(grafts, 6u);
}

TEST(GossipsubRouter, PublishFloodsAndGossipsAndAnswersIwant) {
  Config cfg;
  cfg.flood_publish = false;
  Harness h(10, cfg);
  ASSERT_TRUE(h.router.subscribe(kT, h.now));
  h.subscribe_peers(10);
  h.heartbeat();
  ASSERT_EQ(h.router.mesh(kT).size(), 6u);
  h.take();
  auto id = h.router.publish(kT, to_bytes("payload"), h.now);
  ASSERT_TRUE(id.has_value());
  h.collect();
  auto sent = h.take();
  ASSERT_EQ(sent.size(), 6u);  // mesh only
  for (const auto& s : sent) {
    EXPECT_TRUE(h.router.mesh(kT).count(s.peer));
    ASSERT_EQ(s.rpc.publish.size(), 1u);
    EXPECT_TRUE(check_signature_policy(s.rpc.publish[0], SignaturePolicy::strict_sign));
    EXPECT_EQ(default_message_id(s.rpc.publish[0]), *id);
  }
  EXPECT_EQ(h.router.publish(kT, to_bytes("payload"), h.now).has_value(), true);  // new seqno
  h.collect();
  h.take();
  // Heartbeat: IHAVE to the 4 non-mesh peers.
  h.heartbeat();
  std::size_t ihaves = 0;
  std::size_t non_mesh = SIZE_MAX;
  for (const auto& s : h.take())
    for (const auto& ih : s.rpc.control.ihave) {
      ++ihaves;
      EXPECT_FALSE(h.router.mesh(kT).count(s.peer));
      EXPECT_EQ(ih.topic, kT);
      EXPECT_EQ(ih.ids.size(), 2u);
      non_mesh = h.index(s.peer);
    }
  EXPECT_EQ(ihaves, 4u);
  ASSERT_NE(non_mesh, SIZE_MAX);
  // IWANT is answered at most gossip_retransmission (3) times per peer.
  Rpc iwant;
  iwant.control.iwant.push_back({{*id}});
  for (int i = 0; i < 4; ++i) h.rpc(non_mesh, iwant);
  sent = h.take();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(default_message_id(sent[0].rpc.publish.at(0)), *id);
  // Unknown id: nothing.
  Rpc unknown;
  unknown.control.iwant.push_back({{Bytes{1, 2, 3}}});
  h.rpc(non_mesh == 0 ? 1 : 0, unknown);
  EXPECT_TRUE(h.take().empty());
}

TEST(GossipsubRouter, IhaveTriggersIwantWithinBudgetAndBrokenPromisesArePenalised) {
  Config cfg;
  cfg.scoring_enabled = true;
  cfg.score.topics[kT] = TopicScoreParams{};
  Harness h(2, cfg);
  ASSERT_TRUE(h.router.subscribe(kT, h.now));
  h.subscribe_peers(2);
  h.take();
  Message m = h.msg_from(1, "x", 1);
  const MessageId known = default_message_id(m);
  Rpc pub;
  pub.publish.push_back(m);
  h.rpc(1, pub);
  ASSERT_EQ(h.delivered.size(), 1u);
  h.take();
  Rpc ihave;
  ihave.control.ihave.push_back({kT, {known, Bytes{7, 7}}});
  ihave.control.ihave.push_back({"other-topic", {Bytes{8}}});
  h.rpc(0, ihave);
  auto sent = h.take();
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_EQ(sent[0].rpc.control.iwant.size(), 1u);
  EXPECT_EQ(sent[0].rpc.control.iwant[0].ids, (std::vector<MessageId>{Bytes{7, 7}}));
  // The same id again in the same heartbeat is still wanted (not delivered yet), but after
  // max_ihave_messages IHAVEs the peer is ignored until the next heartbeat.
  for (int i = 0; i < 9; ++i) h.rpc(0, ihave);
  EXPECT_EQ(h.take().size(), 9u);
  h.rpc(0, ihave);
  EXPECT_TRUE(h.take().empty());
  // The promise is broken: after iwant_followup_time the peer gets a behaviour penalty.
  h.advance(std::chrono::seconds(4));
  h.heartbeat();
  EXPECT_GE(h.router.stats().broken_promises, 1u);
  EXPECT_GE(h.router.peer_score().behaviour_penalty(h.peers[0]), 1.0);
}

TEST(GossipsubRouter, DuplicatesAreDeliveredOnceAndForwardedToMeshExceptSource) {
  Harness h(4);
  ASSERT_TRUE(h.router.subscribe(kT, h.now));
  h.subscribe_peers(4);
  h.heartbeat();
  ASSERT_EQ(h.router.mesh(kT).size(), 4u);
  h.take();
  Message m = h.msg_from(0, "hi", 5);
  Rpc pub;
  pub.publish.push_back(m);
  h.rpc(1, pub);
  h.rpc(2, pub);
  ASSERT_EQ(h.delivered.size(), 1u);
  EXPECT_EQ(h.delivered[0].message, m);
  EXPECT_EQ(h.delivered[0].source, h.peers[1]);
  auto sent = h.take();
  // Not back to the source (1), not to the author (0): only to 2 and 3.
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(h.index(sent[0].peer) + h.index(sent[1].peer), 5u);
  EXPECT_EQ(h.router.stats().messages_duplicate, 1u);
}

TEST(GossipsubRouter, InvalidSignatureIsDroppedAndNotMarkedSeen) {
  Harness h(3);
  ASSERT_TRUE(h.router.subscribe(kT, h.now));
  h.subscribe_peers(3);
  h.take();
  Message good = h.msg_from(0, "real", 9);
  Message forged = good;
  forged.data = to_bytes("fake");
  Rpc r1;
  r1.publish.push_back(forged);
  h.rpc(1, r1);
  EXPECT_TRUE(h.delivered.empty());
  EXPECT_EQ(h.router.stats().messages_invalid_signature, 1u);
  Rpc r2;
  r2.publish.push_back(good);
  h.rpc(2, r2);
  ASSERT_EQ(h.delivered.size(), 1u);
  EXPECT_EQ(h.delivered[0].message.data, to_bytes("real"));
}

TEST(GossipsubRouter, ValidatorRejectIgnoreAndAsync) {
  Config cfg;
  cfg.max_pending_validations = 1;
  Harness h(2, cfg);
  ASSERT_TRUE(h.router.subscribe(kT, h.now));
  h.subscribe_peers(2);
  h.heartbeat();
  h.take();
  h.router.set_validator([](const mf::PeerId&, const Message& m, const MessageId&) {
    const auto s = as_string_view(m.data);
    if (s == "bad") return ValidationResult::reject;
    if (s == "meh") return ValidationResult::ignore;
    return ValidationResult::pending;
  });
  Rpc r;
  r.publish = {h.msg_from(0, "bad", 1), h.msg_from(0, "meh", 2), h.msg_from(0, "later", 3), h.msg_from(0, "full", 4)};
  h.rpc(0, r);
  EXPECT_TRUE(h.delivered.empty());
  EXPECT_TRUE(h.take().empty());  // nothing forwarded
  EXPECT_EQ(h.router.stats().messages_rejected, 1u);
  EXPECT_EQ(h.router.stats().messages_ignored, 2u);  // "meh" and "full" (queue bound 1)
  EXPECT_EQ(h.router.pending_validations(), 1u);
  const MessageId later = default_message_id(r.publish[2]);
  EXPECT_EQ(h.router.report_validation(Bytes{1}, ValidationResult::accept, h.now).error(), errc::unknown_validation);
  ASSERT_TRUE(h.router.report_validation(later, ValidationResult::accept, h.now));
  h.collect();
  ASSERT_EQ(h.delivered.size(), 1u);
  EXPECT_EQ(h.delivered[0].id, later);
  auto sent = h.take();
  ASSERT_EQ(sent.size(), 1u);  // forwarded to mesh peer 1 only
  EXPECT_EQ(sent[0].peer, h.peers[1]);
}

TEST(GossipsubRouter, PublishWithoutPeersAndEmitSelf) {
  Config cfg;
  Harness h(0, cfg);
  EXPECT_EQ(h.router.publish(kT, to_bytes("x"), h.now).error(), errc::no_peers);
  Config cfg2;
  cfg2.allow_publish_to_zero_peers = true;
  cfg2.emit_self = true;
  Harness h2(0, cfg2);
  ASSERT_TRUE(h2.router.subscribe(kT, h2.now));
  auto id = h2.router.publish(kT, to_bytes("x"), h2.now);
  ASSERT_TRUE(id.has_value());
  h2.collect();
  ASSERT_EQ(h2.delivered.size(), 1u);
  EXPECT_EQ(h2.delivered[0].source, h2.router.local_peer());
  Config cfg3;
  cfg3.signature_policy = SignaturePolicy::strict_sign;
  DeterministicRng rng(3);
  Router keyless(make_key(9).peer_id(), nullptr, cfg3, rng, h.now);
  EXPECT_EQ(keyless.publish(kT, to_bytes("x"), h.now).error(), errc::signing_failed);
}

TEST(GossipsubRouter, FanoutPublishAndExpiry) {
  Config cfg;
  cfg.flood_publish = false;
  Harness h(8, cfg);
  h.subscribe_peers(8);
  h.take();
  ASSERT_TRUE(h.router.publish(kT, to_bytes("x"), h.now).has_value());
  h.collect();
  EXPECT_EQ(h.take().size(), 6u);
  EXPECT_EQ(h.router.fanout(kT).size(), 6u);
  h.advance(std::chrono::seconds(61));
  h.heartbeat();
  EXPECT_TRUE(h.router.fanout(kT).empty());
}

TEST(GossipsubRouter, IdontwantSuppressesForwardingAndIsSentForLargeMessages) {
  Harness h(3);
  ASSERT_TRUE(h.router.subscribe(kT, h.now));
  h.subscribe_peers(3);
  h.heartbeat();
  ASSERT_EQ(h.router.mesh(kT).size(), 3u);
  h.take();
  Message big = h.msg_from(0, std::string(600, 'b'), 1);
  const MessageId id = default_message_id(big);
  Rpc dont;
  dont.control.idontwant.push_back({{id}});
  h.rpc(2, dont);
  Rpc pub;
  pub.publish.push_back(big);
  h.rpc(1, pub);
  ASSERT_EQ(h.delivered.size(), 1u);
  // Peer 0 (the author) gets nothing, peer 1 (source) gets nothing, peer 2 said IDONTWANT:
  // but the mesh v1.2 peers other than the source get an IDONTWANT from us.
  auto sent = h.take();
  EXPECT_EQ(sent.size(), 2u);
  for (const auto& s : sent) {
    EXPECT_TRUE(s.rpc.publish.empty());
    ASSERT_EQ(s.rpc.control.idontwant.size(), 1u);
    EXPECT_EQ(s.rpc.control.idontwant[0].ids, (std::vector<MessageId>{id}));
    EXPECT_NE(s.peer, h.peers[1]);
  }
}

TEST(GossipsubRouter, PeerExchangeSurfacedFromPrune) {
  Harness h(1);
  ASSERT_TRUE(h.router.subscribe(kT, h.now));
  Rpc prune;
  prune.control.prune.push_back({kT, {{Bytes{1, 2}, std::nullopt}}, 60});
  h.rpc(0, prune);
  ASSERT_EQ(h.px.size(), 1u);
  EXPECT_EQ(h.px[0].topic, kT);
  EXPECT_EQ(h.px[0].peers[0].peer_id, (Bytes{1, 2}));
}

TEST(GossipsubRouter, UnsubscribePrunesMeshWithUnsubscribeBackoff) {
  Harness h(4);
  h.subscribe_peers(4);
  ASSERT_TRUE(h.router.subscribe(kT, h.now));
  h.collect();
  h.take();
  ASSERT_TRUE(h.router.unsubscribe(kT, h.now));
  h.collect();
  std::size_t prunes = 0;
  for (const auto& s : h.take()) {
    EXPECT_EQ(s.rpc.subscriptions, (std::vector<SubOpts>{{false, kT}}));
    for (const auto& p : s.rpc.control.prune) {
      ++prunes;
      EXPECT_EQ(p.backoff, 10u);
    }
  }
  EXPECT_EQ(prunes, 4u);
  EXPECT_TRUE(h.router.mesh(kT).empty());
}

TEST(GossipsubRouter, FloodsubPeersGetMessagesButNoControl) {
  Harness h(2, {}, Protocol::floodsub);
  ASSERT_TRUE(h.router.subscribe(kT, h.now));
  h.subscribe_peers(2);
  h.collect();
  h.take();
  h.heartbeat();
  EXPECT_TRUE(h.router.mesh(kT).empty());
  for (const auto& s : h.take()) EXPECT_TRUE(s.rpc.control.empty());
  Rpc pub;
  pub.publish.push_back(h.msg_from(0, "f", 1));
  h.rpc(0, pub);
  auto sent = h.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].peer, h.peers[1]);
}

TEST(GossipsubRouter, GraylistedPeerIsIgnored) {
  Config cfg;
  cfg.scoring_enabled = true;
  TopicScoreParams tp;
  tp.invalid_message_deliveries_weight = -100;
  cfg.score.topics[kT] = tp;
  Harness h(2, cfg);
  ASSERT_TRUE(h.router.subscribe(kT, h.now));
  h.subscribe_peers(2);
  h.router.set_validator([](const mf::PeerId&, const Message& m, const MessageId&) {
    return as_string_view(m.data) == "bad" ? ValidationResult::reject : ValidationResult::accept;
  });
  Rpc bad;
  bad.publish.push_back(h.msg_from(0, "bad", 1));
  h.rpc(0, bad);
  EXPECT_TRUE(h.router.graylisted(h.peers[0], h.now));
  Rpc good;
  good.publish.push_back(h.msg_from(0, "good", 2));
  h.rpc(0, good);
  EXPECT_TRUE(h.delivered.empty());
  EXPECT_EQ(h.router.stats().rpcs_graylisted, 1u);
}

}  // namespace
