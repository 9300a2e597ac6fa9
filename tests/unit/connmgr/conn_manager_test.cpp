// host::ConnManager policy with virtual time (no sockets): trim order (tags, recent use, age,
// protection, grace), per-IP and rate limits, pending dials, per-protocol streams, discovery,
// and node::Backoff delays.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "base/rng.hpp"
#include "crypto/keys.hpp"
#include "host/host.hpp"
#include "node/bootstrap.hpp"

namespace lotus::host {
namespace {

using namespace std::chrono_literals;

mf::PeerId peer(std::uint64_t seed) {
  DeterministicRng rng(seed);
  auto k = crypto::PrivateKey::generate(crypto::KeyType::ed25519, rng);
  return k->peer_id();
}

const TimePoint t0 = TimePoint{} + std::chrono::hours(1);

TEST(ConnManager, TrimsLowestValueDownToMaxAfterGrace) {
  ConnLimits l;
  l.max_connections = 3;
  l.grace_period = 10s;
  ConnManager m(l);
  std::vector<mf::PeerId> p;
  for (int i = 0; i < 6; ++i) p.push_back(peer(100 + i));
  // Connections 1..6 open one second apart.
  for (std::uint64_t i = 1; i <= 6; ++i) m.on_open(i, p[i - 1], Direction::inbound, t0 + std::chrono::seconds(i));
  EXPECT_EQ(m.stats().open, 6u);
  // Within everyone's grace period nothing is trimmed; the deadline is the first grace end.
  EXPECT_TRUE(m.select_trim(t0 + 6s).empty());
  EXPECT_EQ(m.next_trim_deadline(t0 + 6s), t0 + 11s);
  // At t0+13s connections 1..3 are out of grace; 3 must go but only 3 are eligible.
  EXPECT_EQ(m.select_trim(t0 + 13s), (std::vector<std::uint64_t>{3, 2, 1}));  // youngest first
  // Tags raise the value: peer 2 (conn 2) is kept, recent use protects conn 1.
  m.tag_peer(p[1], "app", 50);
  m.on_outbound_stream(1, t0 + 14s);
  const auto later = t0 + 30s;
  auto v = m.select_trim(later);
  // Value 0: conns 3,4,5,6 (youngest first) → 6,5,4 go.
  EXPECT_EQ(v, (std::vector<std::uint64_t>{6, 5, 4}));
  // Protection beats everything.
  m.protect(p[5], "bootstrap");
  m.protect(p[4], "bootstrap");
  v = m.select_trim(later);
  EXPECT_EQ(v, (std::vector<std::uint64_t>{4, 3, 1}));  // then conn 1 (recent use 10) before conn 2 (tag 50)
  // Recent use expires after the window.
  m.protect(p[3], "x");
  m.protect(p[2], "x");
  v = m.select_trim(t0 + 14s + l.recent_use_window + 1s);
  EXPECT_EQ(v, (std::vector<std::uint64_t>{1, 2}));  // only two candidates left
  // A second protecting tag keeps the protection until both are gone.
  m.protect(p[5], "explicit");
  EXPECT_TRUE(m.unprotect(p[5], "bootstrap"));
  EXPECT_TRUE(m.is_protected(p[5]));
  EXPECT_FALSE(m.unprotect(p[5], "explicit"));
  EXPECT_FALSE(m.is_protected(p[5]));
  m.untag_peer(p[1], "app");
  EXPECT_EQ(m.peer_value(p[1]), 0);
  // Closing brings the count back; at max nothing is selected and there is no deadline.
  m.on_closed(1);
  m.on_closed(2);
  m.on_closed(3);
  EXPECT_EQ(m.stats().open, 3u);
  EXPECT_TRUE(m.select_trim(later).empty());
  EXPECT_EQ(m.next_trim_deadline(later), kNever);
}

TEST(ConnManager, InboundPerIpLimitAndRelease) {
  ConnLimits l;
  l.max_inbound_per_ip = 2;
  l.inbound_burst = 100;
  ConnManager m(l);
  EXPECT_FALSE(m.admit_inbound(1, "10.0.0.1", false, t0));
  EXPECT_FALSE(m.admit_inbound(2, "10.0.0.1", false, t0));
  EXPECT_EQ(m.admit_inbound(3, "10.0.0.1", false, t0), std::optional<std::string>("inbound_per_ip"));
  EXPECT_FALSE(m.admit_inbound(4, "10.0.0.2", false, t0));  // another IP
  // Loopback is exempt by default.
  for (std::uint64_t i = 10; i < 20; ++i) EXPECT_FALSE(m.admit_inbound(i, "127.0.0.1", true, t0));
  // A connection from the first IP closes (upgrade failed or closed later): room again.
  m.on_closed(1);
  EXPECT_FALSE(m.admit_inbound(5, "10.0.0.1", false, t0));
  EXPECT_EQ(m.admit_inbound(6, "10.0.0.1", false, t0), std::optional<std::string>("inbound_per_ip"));
  // Open connections keep counting until closed.
  m.on_open(2, peer(1), Direction::inbound, t0);
  m.on_closed(2);
  EXPECT_FALSE(m.admit_inbound(7, "10.0.0.1", false, t0));
}

TEST(ConnManager, InboundRateTokenBucket) {
  ConnLimits l;
  l.inbound_per_second = 2.0;
  l.inbound_burst = 3;
  l.limit_loopback = true;
  ConnManager m(l);
  std::uint64_t id = 1;
  auto admit = [&](TimePoint t) {
    const auto cid = id++;
    return m.admit_inbound(cid, "10.0.0." + std::to_string(cid), false, t);
  };
  EXPECT_FALSE(admit(t0));
  EXPECT_FALSE(admit(t0));
  EXPECT_FALSE(admit(t0));
  EXPECT_EQ(admit(t0), std::optional<std::string>("inbound_rate"));
  EXPECT_EQ(admit(t0 + 400ms), std::optional<std::string>("inbound_rate"));  // 0.8 token
  EXPECT_FALSE(admit(t0 + 600ms));                                           // 1.2 tokens
  EXPECT_EQ(admit(t0 + 600ms), std::optional<std::string>("inbound_rate"));  // 0.2
  // Refill is capped at the burst.
  EXPECT_FALSE(admit(t0 + 100s));
  EXPECT_FALSE(admit(t0 + 100s));
  EXPECT_FALSE(admit(t0 + 100s));
  EXPECT_EQ(admit(t0 + 100s), std::optional<std::string>("inbound_rate"));
  // Loopback counts too when limit_loopback is set.
  EXPECT_EQ(m.admit_inbound(id++, "127.0.0.1", true, t0 + 100s), std::optional<std::string>("inbound_rate"));
}

// One flooding IP cannot use up the shared inbound rate: its own bucket refuses it first, and
// what its bucket refuses takes no shared token, so another IP still gets in. The same for a
// flooding /24 against another subnet. Subnet counts are released on close.
TEST(ConnManager, OneFloodingSourceDoesNotStarveTheOthers) {
  ConnLimits l;
  l.inbound_per_second = 20;
  l.inbound_burst = 100;                 // one IP alone used to drain all 100 shared tokens
  l.inbound_per_ip_per_second = 5;       // burst 10
  l.inbound_per_subnet_per_second = 15;  // burst 30
  l.max_inbound_per_ip = 1000;
  l.max_inbound_per_subnet = 1000;
  ConnManager m(l);
  std::uint64_t id = 1;
  std::map<std::string, int> refused;
  int admitted = 0;
  for (int i = 0; i < 1000; ++i) {  // 1,000 attempts within the same instant from one IP
    if (auto r = m.admit_inbound(id++, "192.0.2.7", false, t0)) ++refused[*r];
    else ++admitted;
  }
  EXPECT_EQ(admitted, 10);
  EXPECT_EQ(refused["inbound_ip_rate"], 990);
  EXPECT_EQ(refused.count("inbound_rate"), 0u);
  EXPECT_FALSE(m.admit_inbound(id++, "198.51.100.9", false, t0));  // another source: admitted
  // A whole /24 flooding (many IPs) stops at its subnet bucket; another subnet still gets in.
  int from_subnet = 0;
  for (int i = 1; i < 250; ++i)
    if (!m.admit_inbound(id++, "203.0.113." + std::to_string(i), false, t0)) ++from_subnet;
  EXPECT_EQ(from_subnet, 30);
  EXPECT_FALSE(m.admit_inbound(id++, "198.51.100.10", false, t0));
  EXPECT_EQ(subnet_of("203.0.113.77"), "203.0.113.0/24");
  EXPECT_EQ(subnet_of("2001:db8:1:2::5"), "2001:db8:1::/48");
  EXPECT_EQ(subnet_of("not an ip"), "");
}

TEST(ConnManager, InboundPerSubnetLimitAndRelease) {
  ConnLimits l;
  l.max_inbound_per_subnet = 3;
  l.inbound_burst = 100;
  l.inbound_per_second = 100;
  ConnManager m(l);
  EXPECT_FALSE(m.admit_inbound(1, "192.0.2.1", false, t0));
  EXPECT_FALSE(m.admit_inbound(2, "192.0.2.2", false, t0));
  EXPECT_FALSE(m.admit_inbound(3, "192.0.2.3", false, t0));
  EXPECT_EQ(m.admit_inbound(4, "192.0.2.4", false, t0), std::optional<std::string>("inbound_per_subnet"));
  EXPECT_FALSE(m.admit_inbound(5, "192.0.3.1", false, t0));  // the next /24
  m.on_closed(2);
  EXPECT_FALSE(m.admit_inbound(6, "192.0.2.4", false, t0));
}

TEST(ConnManager, PendingDialsAndProtocolStreams) {
  ConnLimits l;
  l.max_pending_dials = 2;
  l.max_inbound_streams_per_protocol = 2;
  l.inbound_streams_per_protocol["/one"] = 1;
  ConnManager m(l);
  EXPECT_TRUE(m.begin_dial());
  EXPECT_TRUE(m.begin_dial());
  EXPECT_FALSE(m.begin_dial());
  EXPECT_EQ(m.stats().pending_dials, 2u);
  m.end_dial();
  EXPECT_TRUE(m.begin_dial());

  m.on_open(7, peer(1), Direction::inbound, t0);
  EXPECT_TRUE(m.begin_inbound_stream(7, "/two", t0));
  EXPECT_TRUE(m.begin_inbound_stream(7, "/two", t0));
  EXPECT_FALSE(m.begin_inbound_stream(7, "/two", t0));
  EXPECT_TRUE(m.begin_inbound_stream(7, "/one", t0));
  EXPECT_FALSE(m.begin_inbound_stream(7, "/one", t0));
  m.end_inbound_stream(7, "/two");
  EXPECT_TRUE(m.begin_inbound_stream(7, "/two", t0));
  // Another connection has its own counts.
  m.on_open(8, peer(2), Direction::inbound, t0);
  EXPECT_TRUE(m.begin_inbound_stream(8, "/one", t0));
}

TEST(ConnManager, DiscoveryBelowMin) {
  ConnLimits l;
  l.min_connections = 3;
  l.discovery_interval = 10s;
  ConnManager m(l);
  std::size_t asked = 0;
  const auto id = m.add_peer_source([&](std::size_t n) { asked += n; });
  EXPECT_EQ(m.discovery_due(t0), 3u);
  m.mark_discovery(t0);
  EXPECT_EQ(m.discovery_due(t0 + 5s), 0u);  // asked recently
  m.on_open(1, peer(1), Direction::outbound, t0);
  EXPECT_EQ(m.discovery_due(t0 + 10s), 2u);
  for (auto& s : m.peer_sources()) s(2);
  EXPECT_EQ(asked, 2u);
  m.remove_peer_source(id);
  EXPECT_TRUE(m.peer_sources().empty());
  m.on_open(2, peer(2), Direction::outbound, t0);
  m.on_open(3, peer(3), Direction::outbound, t0);
  EXPECT_EQ(m.discovery_due(t0 + 60s), 0u);
  // Known-peer redial bookkeeping.
  EXPECT_TRUE(m.may_redial_known(peer(9), t0));
  m.note_known_redial(peer(9), t0);
  EXPECT_FALSE(m.may_redial_known(peer(9), t0 + 59s));
  EXPECT_TRUE(m.may_redial_known(peer(9), t0 + 60s));
}

}  // namespace
}  // namespace lotus::host

namespace lotus::node {
namespace {

using namespace std::chrono_literals;

TEST(Backoff, ExponentialCappedWithJitter) {
  BackoffConfig c;
  c.initial = 100ms;
  c.max = 1s;
  c.multiplier = 2.0;
  c.jitter = 0.0;
  Backoff b(c);
  DeterministicRng rng(1);
  const std::vector<Duration> want{100ms, 200ms, 400ms, 800ms, 1s, 1s};
  for (unsigned i = 0; i < want.size(); ++i)
    EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(b.delay(i, rng)), want[i]) << i;
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(b.delay(100000, rng)), 1s);  // no overflow

  c.jitter = 0.2;
  Backoff j(c);
  DeterministicRng r1(7), r2(7);
  Duration lo = Duration::max(), hi = Duration::min();
  for (int i = 0; i < 1000; ++i) {
    const auto d = j.delay(2, r1);
    EXPECT_EQ(d, j.delay(2, r2));  // deterministic for a seed
    EXPECT_GE(d, 320ms);
    EXPECT_LE(d, 480ms);
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  EXPECT_LT(lo, 340ms);  // the jitter actually spreads the delays
  EXPECT_GT(hi, 460ms);
}

}  // namespace
}  // namespace lotus::node
