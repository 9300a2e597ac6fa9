// coordinator::SecurityManager with virtual time: every CORE_P2P_SECURITY_LIMITS limit and our
// two limits refused with their reason and overridable, the warning thresholds (5 → temporary
// ban, 10 → ban), decay, unban, validators, and the gate refusing banned peers at every point.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "coordinator/security.hpp"
#include "crypto/keys.hpp"

namespace lotus::coordinator {
namespace {

const TimePoint t0 = TimePoint{} + std::chrono::hours(100);

mf::PeerId peer(int n) {
  DeterministicRng rng(static_cast<std::uint64_t>(1000 + n));
  return crypto::PrivateKey::generate(crypto::KeyType::ed25519, rng)->peer_id();
}

json::Value data() { return json::Object{}; }

TEST(SecurityManager, MessageRateLimitIsATokenBucket) {
  SecurityManager::Config c;
  c.limits.max_messages_per_second = 10;
  c.limits.message_burst = 20;
  SecurityManager sm(c);
  const auto p = peer(1);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(sm.admit_message(p, t0)) << i;
  EXPECT_EQ(sm.admit_message(p, t0).error(), security_errc::rate_limited);
  EXPECT_EQ(sm.admit_message(p, t0).error(), security_errc::rate_limited);
  EXPECT_EQ(sm.metrics().messages_rate_limited, 2u);
  EXPECT_EQ(sm.metrics().refused_by_reason.at("rate_limited"), 2u);
  EXPECT_EQ(sm.warnings(p, t0), 1.0);  // one warning per second of excess, not per message
  // 100 ms later one token is back.
  EXPECT_TRUE(sm.admit_message(p, t0 + 100ms));
  EXPECT_FALSE(sm.admit_message(p, t0 + 100ms));
  // Another peer has its own bucket.
  EXPECT_TRUE(sm.admit_message(peer(2), t0));
  // disable_rate_limiting turns it off.
  c.disable_rate_limiting = true;
  SecurityManager off(c);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(off.admit_message(p, t0));
}

TEST(SecurityManager, WarningsTemporaryBanAtFiveBanAtTen) {
  SecurityManager sm;
  std::vector<SecurityEvent> events;
  sm.set_event_listener([&](const SecurityEvent& e) { events.push_back(e); });
  const auto p = peer(1);
  for (int i = 1; i <= 4; ++i) {
    auto w = sm.warn_peer(p, "x", t0);
    EXPECT_EQ(w.count, i);
    EXPECT_FALSE(w.banned);
  }
  EXPECT_TRUE(sm.is_allowed(p, t0));
  auto w5 = sm.warn_peer(p, "x", t0);
  EXPECT_TRUE(w5.banned);
  EXPECT_FALSE(sm.is_allowed(p, t0));
  EXPECT_TRUE(std::holds_alternative<PeerTempBanned>(events.back()));
  EXPECT_EQ(sm.admit_message(p, t0).error(), security_errc::banned);
  // The temporary ban expires after an hour.
  EXPECT_TRUE(sm.is_allowed(p, t0 + std::chrono::hours(1) + 1s));
  for (int i = 6; i <= 9; ++i) sm.warn_peer(p, "x", t0);
  auto w10 = sm.warn_peer(p, "x", t0);
  EXPECT_EQ(w10.count, 10);
  EXPECT_TRUE(w10.banned);
  EXPECT_TRUE(std::holds_alternative<PeerBanned>(events.back()));
  EXPECT_FALSE(sm.is_allowed(p, t0 + std::chrono::hours(1000)));  // until unban
  EXPECT_EQ(sm.reputation(p, t0), 0.0);
  EXPECT_TRUE(sm.unban_peer(p));
  EXPECT_TRUE(sm.is_allowed(p, t0));
  EXPECT_EQ(sm.warnings(p, t0), 0.0);
  EXPECT_TRUE(std::holds_alternative<PeerUnbanned>(events.back()));
}

TEST(SecurityManager, WarningsDecay) {
  SecurityManager sm;  // half-life 1 h
  const auto p = peer(1);
  for (int i = 0; i < 4; ++i) sm.warn_peer(p, "x", t0);
  EXPECT_EQ(sm.reputation(p, t0), 60.0);
  EXPECT_DOUBLE_EQ(sm.warnings(p, t0 + std::chrono::hours(1)), 2.0);
  // Two hours later 4 → 1 decayed warning; one more makes 2, far from a ban.
  EXPECT_EQ(sm.warn_peer(p, "x", t0 + std::chrono::hours(2)).count, 2);
  EXPECT_TRUE(sm.is_allowed(p, t0 + std::chrono::hours(2)));
}

TEST(SecurityManager, InvalidMessagesAboveTheLimitBan) {
  SecurityManager::Config c;
  c.temp_ban_warnings = 1000;  // isolate MAX_INVALID_MESSAGES_PER_PEER from the warning bans
  c.ban_warnings = 1000;
  c.limits.max_invalid_messages_per_peer = 3;
  SecurityManager sm(c);
  const auto p = peer(1);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(sm.record_invalid_message(p, message_errc::not_json, t0).banned);
  EXPECT_TRUE(sm.record_invalid_message(p, message_errc::not_json, t0).banned);
  EXPECT_FALSE(sm.is_allowed(p, t0));
  EXPECT_EQ(sm.metrics().messages_rejected, 4u);
  // Oversized messages count as invalid too, and separately.
  const auto q = peer(2);
  sm.record_invalid_message(q, {}, t0, true);
  EXPECT_EQ(sm.metrics().messages_oversized, 1u);
  EXPECT_EQ(sm.metrics().refused_by_reason.at("oversized"), 1u);
  // A new cleanup interval starts the count again.
  const auto r = peer(3);
  for (int i = 0; i < 3; ++i) sm.record_invalid_message(r, message_errc::not_json, t0);
  sm.cleanup(t0 + 5min);
  EXPECT_FALSE(sm.record_invalid_message(r, message_errc::not_json, t0 + 5min).banned);
}

TEST(SecurityManager, DhtAnnouncementLimits) {
  SecurityManager sm;
  const auto p = peer(1);
  EXPECT_TRUE(sm.can_announce_to_dht(p, "session", "a", data(), 10, t0));
  // MIN_DHT_ANNOUNCEMENT_INTERVAL: 30 s.
  EXPECT_EQ(sm.can_announce_to_dht(p, "session", "b", data(), 10, t0 + 29s).error(), security_errc::dht_rate_limited);
  EXPECT_EQ(sm.metrics().dht_announcements_rate_limited, 1u);
  EXPECT_TRUE(sm.can_announce_to_dht(p, "session", "b", data(), 10, t0 + 30s));
  // Our record size limit.
  EXPECT_EQ(sm.can_announce_to_dht(p, "session", "c", data(), 10'001, t0 + 60s).error(),
            security_errc::dht_record_too_large);

  // Per-type and per-peer resource counts (interval off to test them alone).
  SecurityManager::Config c;
  c.disable_rate_limiting = true;
  c.limits.max_dht_resources_per_type_per_peer = 2;
  c.limits.max_dht_resources_per_peer = 3;
  SecurityManager lim(c);
  EXPECT_TRUE(lim.can_announce_to_dht(p, "a", "1", data(), 1, t0));
  EXPECT_TRUE(lim.can_announce_to_dht(p, "a", "2", data(), 1, t0));
  EXPECT_EQ(lim.can_announce_to_dht(p, "a", "3", data(), 1, t0).error(), security_errc::dht_type_limit);
  EXPECT_TRUE(lim.can_announce_to_dht(p, "a", "1", data(), 1, t0));  // re-announcing a known one
  EXPECT_TRUE(lim.can_announce_to_dht(p, "b", "1", data(), 1, t0));
  EXPECT_EQ(lim.can_announce_to_dht(p, "c", "1", data(), 1, t0).error(), security_errc::dht_resource_limit);
  lim.remove_resource(p, "a", "1");
  EXPECT_TRUE(lim.can_announce_to_dht(p, "c", "1", data(), 1, t0));
  // A banned peer cannot announce.
  lim.ban_peer(p, "manual", t0);
  EXPECT_EQ(lim.can_announce_to_dht(p, "c", "2", data(), 1, t0).error(), security_errc::banned);
}

struct Recorder : ProtocolValidator {
  bool permit = true, valid = true, message_ok = true;
  int announcements = 0, messages = 0;
  bool validate_resource_announcement(std::string_view, std::string_view, const json::Value&, const mf::PeerId&) override {
    ++announcements;
    return valid;
  }
  bool validate_message(const P2PMessage&, const mf::PeerId&) override {
    ++messages;
    return message_ok;
  }
  bool can_announce_resource(std::string_view, const mf::PeerId&) override { return permit; }
};

TEST(SecurityManager, ValidatorsAreCalledAndDecide) {
  SecurityManager::Config c;
  c.disable_rate_limiting = true;
  SecurityManager sm(c);
  auto musig = std::make_shared<Recorder>();
  auto all = std::make_shared<Recorder>();
  sm.register_validator("musig2", musig);
  sm.register_validator(all);
  const auto p = peer(1);
  // Prefix match: type "musig2-session" finds the "musig2" validator.
  EXPECT_TRUE(sm.can_announce_to_dht(p, "musig2-session", "x", data(), 1, t0));
  EXPECT_EQ(musig->announcements, 1);
  EXPECT_EQ(all->announcements, 1);
  EXPECT_TRUE(sm.can_announce_to_dht(p, "other", "x", data(), 1, t0));
  EXPECT_EQ(musig->announcements, 1);
  musig->permit = false;
  EXPECT_EQ(sm.can_announce_to_dht(p, "musig2", "y", data(), 1, t0).error(), security_errc::not_permitted);
  EXPECT_FALSE(sm.can_announce_resource(p, "musig2"));
  musig->permit = true;
  musig->valid = false;
  EXPECT_EQ(sm.can_announce_to_dht(p, "musig2", "y", data(), 1, t0).error(), security_errc::invalid_announcement);
  EXPECT_EQ(sm.warnings(p, t0), 1.0);

  P2PMessage m;
  m.protocol = "musig2";
  EXPECT_TRUE(sm.validate_message(m, p));
  EXPECT_EQ(musig->messages, 1);
  EXPECT_EQ(all->messages, 1);
  m.protocol.reset();
  EXPECT_TRUE(sm.validate_message(m, p));
  EXPECT_EQ(musig->messages, 1);
  all->message_ok = false;
  EXPECT_EQ(sm.validate_message(m, p).error(), security_errc::invalid_message);
  sm.unregister_validator("musig2");
  musig->permit = false;
  EXPECT_TRUE(sm.can_announce_resource(p, "musig2"));
}

TEST(SecurityManager, GateRefusesBannedPeersEverywhere) {
  SecurityManager sm;
  const auto p = peer(1);
  host::SecuredConnection conn{1, p, host::Direction::inbound, {}};
  host::OutboundDial dial{p, {}};
  host::InboundStreamRequest stream{1, p, kMessageProtocolId};
  EXPECT_FALSE(sm.check_connection(conn, t0));
  sm.ban_peer(p, "manual", t0, std::chrono::minutes(10));
  EXPECT_EQ(sm.check_connection(conn, t0), "banned");
  EXPECT_EQ(sm.check_dial(dial, t0), "banned");
  EXPECT_EQ(sm.check_inbound_stream(stream, t0), "banned");
  EXPECT_FALSE(sm.check_connection(conn, t0 + 11min));  // expired
  sm.ban_ip("10.0.0.1", t0);
  EXPECT_EQ(sm.check_inbound_socket(host::InboundSocket{2, "10.0.0.1", false}, t0), "banned_ip");
  EXPECT_TRUE(sm.unban_ip("10.0.0.1"));
  // Penalties from other services are scored as the BanList scores them (threshold 100).
  const auto q = peer(2);
  EXPECT_FALSE(sm.on_penalty(host::Penalty{q, "dht_malformed_request", 60}, t0).disconnect);
  EXPECT_TRUE(sm.on_penalty(host::Penalty{q, "dht_malformed_request", 60}, t0).disconnect);
  EXPECT_FALSE(sm.is_allowed(q, t0));
}

TEST(SecurityManager, StateIsBounded) {
  SecurityManager::Config c;
  c.max_peers = 8;
  SecurityManager sm(c);
  for (int i = 0; i < 50; ++i) sm.warn_peer(peer(i), "x", t0 + std::chrono::seconds(i));
  int known = 0;
  for (int i = 0; i < 50; ++i) known += sm.peer_security(peer(i), t0 + 60s).has_value() ? 1 : 0;
  EXPECT_EQ(known, 8);
  EXPECT_TRUE(sm.peer_security(peer(49), t0 + 60s).has_value());  // the most recent ones stay
}

}  // namespace
}  // namespace lotus::coordinator
