#include <gtest/gtest.h>

#include "base/rng.hpp"
#include "crypto/keys.hpp"
#include "proto/gossipsub/peer_score.hpp"

using namespace lotus;
using namespace lotus::proto::gossipsub;

namespace {

mf::PeerId pid(std::uint64_t seed) {
  DeterministicRng rng(seed);
  return crypto::PrivateKey::generate(crypto::KeyType::ed25519, rng)->peer_id();
}

const TimePoint t0 = TimePoint{} + std::chrono::hours(1);

ScoreParams params() {
  ScoreParams p;
  TopicScoreParams tp;
  tp.time_in_mesh_weight = 0;
  tp.first_message_deliveries_weight = 1;
  tp.first_message_deliveries_decay = 0.5;
  tp.invalid_message_deliveries_weight = -2;
  tp.invalid_message_deliveries_decay = 0.5;
  p.topics["t"] = tp;
  p.behaviour_penalty_weight = -1;
  p.decay_to_zero = 0.01;
  return p;
}

TEST(GossipsubScore, InvalidDeliveriesAreSquaredAndDecay) {
  PeerScore s(params());
  const auto a = pid(1);
  s.add_peer(a, "1.1.1.1", t0);
  s.refresh(t0);  // first refresh only starts the decay clock
  s.reject_invalid(a, "t");
  s.reject_invalid(a, "t");
  EXPECT_DOUBLE_EQ(s.invalid_deliveries(a, "t"), 2);
  EXPECT_DOUBLE_EQ(s.score(a, t0), -2 * 4);
  s.refresh(t0 + std::chrono::milliseconds(500));  // before decay_interval: no decay
  EXPECT_DOUBLE_EQ(s.invalid_deliveries(a, "t"), 2);
  s.refresh(t0 + std::chrono::seconds(1));
  EXPECT_DOUBLE_EQ(s.invalid_deliveries(a, "t"), 1);
  EXPECT_DOUBLE_EQ(s.score(a, t0), -2);
  for (int i = 2; i < 10; ++i) s.refresh(t0 + std::chrono::seconds(i));
  EXPECT_DOUBLE_EQ(s.invalid_deliveries(a, "t"), 0);  // below decay_to_zero
  EXPECT_DOUBLE_EQ(s.score(a, t0), 0);
}

TEST(GossipsubScore, FirstDeliveriesAndDuplicatesOfInvalidMessages) {
  PeerScore s(params());
  const auto a = pid(1), b = pid(2), c = pid(3);
  for (const auto& p : {a, b, c}) s.add_peer(p, "", t0);
  const MessageId good{1}, bad{2};
  s.validate_message(a, good, t0);
  s.duplicate_message(b, good, "t", t0);  // while pending
  s.deliver_message(a, good, "t", t0);
  EXPECT_DOUBLE_EQ(s.first_deliveries(a, "t"), 1);
  EXPECT_DOUBLE_EQ(s.first_deliveries(b, "t"), 0);
  EXPECT_DOUBLE_EQ(s.score(a, t0), 1);
  s.validate_message(a, bad, t0);
  s.duplicate_message(b, bad, "t", t0);  // pending: remembered
  s.reject_message(a, bad, "t");
  s.duplicate_message(c, bad, "t", t0);  // after the verdict
  EXPECT_DOUBLE_EQ(s.invalid_deliveries(a, "t"), 1);
  EXPECT_DOUBLE_EQ(s.invalid_deliveries(b, "t"), 1);
  EXPECT_DOUBLE_EQ(s.invalid_deliveries(c, "t"), 1);
  // Unknown topics are not scored.
  s.reject_invalid(a, "other");
  EXPECT_DOUBLE_EQ(s.invalid_deliveries(a, "other"), 0);
}

TEST(GossipsubScore, TimeInMeshMeshDeficitBehaviourAndColocation) {
  ScoreParams p = params();
  auto& tp = p.topics["t"];
  tp.time_in_mesh_weight = 0.5;
  tp.time_in_mesh_cap = 10;
  tp.mesh_message_deliveries_weight = -1;
  tp.mesh_message_deliveries_threshold = 3;
  tp.mesh_message_deliveries_activation = std::chrono::seconds(2);
  tp.mesh_failure_penalty_weight = -1;
  p.ip_colocation_factor_weight = -1;
  p.ip_colocation_factor_threshold = 1;
  PeerScore s(p);
  const auto a = pid(1), b = pid(2);
  s.add_peer(a, "9.9.9.9", t0);
  s.refresh(t0);
  s.graft(a, "t", t0);
  EXPECT_DOUBLE_EQ(s.score(a, t0 + std::chrono::seconds(4)), 2.0);   // 4 quanta × 0.5
  EXPECT_DOUBLE_EQ(s.score(a, t0 + std::chrono::seconds(40)), 5.0);  // capped at 10 quanta
  s.refresh(t0 + std::chrono::seconds(1));
  s.refresh(t0 + std::chrono::seconds(2));  // activation reached: deficit 3² = 9
  EXPECT_DOUBLE_EQ(s.score(a, t0 + std::chrono::seconds(2)), 1.0 - 9.0);
  s.prune(a, "t");  // sticky failure penalty 9, time in mesh no longer counts
  EXPECT_DOUBLE_EQ(s.score(a, t0 + std::chrono::seconds(2)), -9.0);
  s.add_peer(b, "9.9.9.9", t0);  // second peer on the IP: (2-1)² = 1
  EXPECT_DOUBLE_EQ(s.score(b, t0), -1.0);
  s.add_penalty(b, 3);
  EXPECT_DOUBLE_EQ(s.behaviour_penalty(b), 3);
  EXPECT_DOUBLE_EQ(s.score(b, t0), -1.0 - 9.0);
}

TEST(GossipsubScore, NegativeScoreIsRetainedAcrossReconnect) {
  PeerScore s(params());
  const auto a = pid(1), b = pid(2);
  s.add_peer(a, "", t0);
  s.add_peer(b, "", t0);
  s.reject_invalid(a, "t");
  s.validate_message(b, MessageId{1}, t0);
  s.deliver_message(b, MessageId{1}, "t", t0);
  s.remove_peer(a, t0);
  s.remove_peer(b, t0);
  s.add_peer(a, "", t0);
  s.add_peer(b, "", t0);
  EXPECT_DOUBLE_EQ(s.score(a, t0), -2);  // retained
  EXPECT_DOUBLE_EQ(s.score(b, t0), 0);   // positive score forgotten
}

}  // namespace
