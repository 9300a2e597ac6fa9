// coordinator::announce_gate / record_gate: DHT resource announcements and records read from
// the DHT go through the security manager (virtual time).
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "coordinator/resource_gates.hpp"
#include "crypto/keys.hpp"

namespace lotus::coordinator {
namespace {

mf::PeerId peer(int n) {
  DeterministicRng rng(static_cast<std::uint64_t>(500 + n));
  return crypto::PrivateKey::generate(crypto::KeyType::ed25519, rng)->peer_id();
}

struct Refuser : ProtocolValidator {
  bool validate_resource_announcement(std::string_view, std::string_view id, const json::Value& data,
                                      const mf::PeerId&) override {
    return id != "bad" && data.is_object();
  }
};

TEST(ResourceGates, AnnouncementsPassTheSecurityManager) {
  auto sm = std::make_shared<SecurityManager>();
  TimePoint now = TimePoint{} + std::chrono::hours(1);
  auto gate = announce_gate(sm, [&now] { return now; });
  const std::string id = peer(1).to_base58();
  const std::optional<std::string> data = std::string(R"({"k":1})");
  EXPECT_TRUE(gate(AnnounceRequest{id, "session", "a", data, 100}));
  // MIN_DHT_ANNOUNCEMENT_INTERVAL.
  now += std::chrono::seconds(10);
  EXPECT_EQ(gate(AnnounceRequest{id, "session", "b", data, 100}).error(), security_errc::dht_rate_limited);
  now += std::chrono::seconds(30);
  // Our record size limit.
  EXPECT_EQ(gate(AnnounceRequest{id, "session", "c", data, 10'001}).error(), security_errc::dht_record_too_large);
  // Validators see the data as a JS value.
  sm->register_validator("session", std::make_shared<Refuser>());
  EXPECT_EQ(gate(AnnounceRequest{id, "session", "bad", data, 100}).error(), security_errc::invalid_announcement);
  EXPECT_EQ(sm->metrics().dht_announcements_total, 4u);
  // A peer id that does not parse.
  EXPECT_EQ(gate(AnnounceRequest{"nope", "session", "a", data, 100}).error(), security_errc::invalid_announcement);
}

TEST(ResourceGates, OwnAnnouncementsIntervalPerKeyNoSelfWarningsSlotsFreed) {
  SecurityManager::Config cfg;
  cfg.limits.max_dht_resources_per_type_per_peer = 2;
  auto sm = std::make_shared<SecurityManager>(cfg);
  TimePoint now = TimePoint{} + std::chrono::hours(1);
  auto gate = own_announce_gate(sm, [&now] { return now; });
  auto removed = resource_remover(sm);
  const mf::PeerId self = peer(3);
  const std::string id = self.to_base58();
  const std::optional<std::string> data;
  EXPECT_TRUE(gate(AnnounceRequest{id, "session", "a", data, 100}));
  EXPECT_TRUE(gate(AnnounceRequest{id, "session", "b", data, 100}));  // another key: no interval
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(gate(AnnounceRequest{id, "session", "a", data, 100}).error(), security_errc::dht_rate_limited);
  EXPECT_EQ(gate(AnnounceRequest{id, "session", "c", data, 100}).error(), security_errc::dht_type_limit);
  EXPECT_EQ(gate(AnnounceRequest{id, "session", "c", data, 10'001}).error(), security_errc::dht_record_too_large);
  EXPECT_EQ(sm->warnings(self, now), 0.0);
  EXPECT_TRUE(sm->is_allowed(self, now));
  EXPECT_EQ(sm->metrics().refused_by_reason.at("dht_rate_limited"), 6u);
  EXPECT_EQ(sm->metrics().refused_by_reason.at("dht_type_limit"), 1u);
  // The interval passes for "a" (a re-announcement of a known key needs no new slot).
  now += std::chrono::seconds(30);
  EXPECT_TRUE(gate(AnnounceRequest{id, "session", "a", data, 100}));
  // Withdraw/expiry of "b" frees its slot.
  ResourceAnnouncement b;
  b.resource_type = "session";
  b.resource_id = "b";
  b.creator_peer_id = id;
  removed(b);
  EXPECT_TRUE(gate(AnnounceRequest{id, "session", "c", data, 100}));
  EXPECT_EQ(sm->peer_security(self, now)->resources, 2u);
}

TEST(ResourceGates, RecordsFromTheDhtPassTheValidatorsAndBans) {
  auto sm = std::make_shared<SecurityManager>();
  const TimePoint now = TimePoint{} + std::chrono::hours(1);
  auto accept = record_gate(sm, [now] { return now; });
  ResourceAnnouncement a;
  a.resource_type = "session";
  a.resource_id = "x";
  a.creator_peer_id = peer(2).to_base58();
  a.data = R"({"k":1})";
  EXPECT_TRUE(accept(a));
  sm->register_validator("session", std::make_shared<Refuser>());
  a.resource_id = "bad";
  EXPECT_EQ(accept(a).error(), security_errc::invalid_announcement);
  a.resource_id = "x";
  sm->ban_peer(peer(2), "manual", now);
  EXPECT_EQ(accept(a).error(), security_errc::banned);
  EXPECT_EQ(sm->warnings(peer(2), now), 0.0);  // never warned for a record's claimed creator
  a.creator_peer_id = "nope";
  EXPECT_EQ(accept(a).error(), security_errc::invalid_announcement);
}

}  // namespace
}  // namespace lotus::coordinator
