#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "kad_test_util.hpp"
#include "proto/kad/routing_table.hpp"

using namespace kadtest;

namespace {

const TimePoint t0 = TimePoint{} + std::chrono::hours(1);
const mf::PeerId kSelf = make_peer(424242);

// Peers (ids from seeds starting at `from`) whose bucket in a table of kSelf is `bucket`.
std::vector<mf::PeerId> peers_in_bucket(std::size_t bucket, std::size_t n, std::uint64_t from = 1000) {
  const Key self = Key::from_peer(kSelf);
  std::vector<mf::PeerId> out;
  for (std::uint64_t s = from; out.size() < n; ++s) {
    mf::PeerId p = make_peer(s);
    if (common_prefix_length(self, Key::from_peer(p)) == bucket) out.push_back(p);
  }
  return out;
}

// Distinct public /24 per index.
mf::Multiaddr pub(std::size_t i) {
  // Distinct /24 per i, at most three per /16 for i < 300 (below the /16 limits).
  return ip4(static_cast<std::uint8_t>(20 + i % 100), static_cast<std::uint8_t>(i >> 8),
             static_cast<std::uint8_t>(i & 0xff), 1);
}

std::vector<RoutingEvent> drain(RoutingTable& t) {
  std::vector<RoutingEvent> out;
  while (auto e = t.poll_event()) out.push_back(std::move(*e));
  return out;
}

}  // namespace

TEST(KadRoutingTable, PlacesPeersByCommonPrefixLength) {
  RoutingTable t(kSelf);
  const Key self = Key::from_peer(kSelf);
  std::map<std::size_t, std::size_t> per_bucket;
  for (std::uint64_t s = 1; s <= 200; ++s) {
    mf::PeerId p = make_peer(s);
    const std::size_t b = common_prefix_length(self, Key::from_peer(p));
    EXPECT_EQ(t.bucket_index(Key::from_peer(p)), b);
    const auto r = t.update(info(p, {pub(s)}), true, t0);
    if (per_bucket[b] < 20) {
      EXPECT_EQ(r, UpdateResult::added);
      ++per_bucket[b];
      const auto peers = t.bucket_peers(b);
      EXPECT_EQ(peers.back(), p);
    } else {
      EXPECT_EQ(r, UpdateResult::pending);
    }
  }
  EXPECT_EQ(t.update(info(kSelf), true, t0), UpdateResult::rejected_self);
  EXPECT_EQ(t.bucket_peers(0).size(), 20u);  // about half of random peers land in bucket 0
}

TEST(KadRoutingTable, OnlyServersAreAdmittedAndClientsRemoved) {
  RoutingTable t(kSelf);
  const mf::PeerId p = make_peer(1);
  EXPECT_EQ(t.update(info(p), false, t0), UpdateResult::rejected_not_server);
  EXPECT_FALSE(t.contains(p));
  EXPECT_EQ(t.update(info(p), true, t0), UpdateResult::added);
  EXPECT_EQ(t.update(info(p), true, t0 + 1s), UpdateResult::updated);
  EXPECT_EQ(t.update(info(p), false, t0 + 2s), UpdateResult::removed);
  EXPECT_FALSE(t.contains(p));
  EXPECT_EQ(t.size(), 0u);
  auto ev = drain(t);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(std::get<PeerAdded>(ev[0]).peer, p);
  EXPECT_EQ(std::get<PeerRemoved>(ev[1]).peer, p);
}

TEST(KadRoutingTable, RefreshMovesToBackAndReplacesAddrs) {
  RoutingTable t(kSelf);
  auto ps = peers_in_bucket(0, 3);
  for (std::size_t i = 0; i < 3; ++i) ASSERT_EQ(t.update(info(ps[i], {pub(i)}), true, t0), UpdateResult::added);
  EXPECT_EQ(t.update(info(ps[0], {pub(7)}), true, t0 + 1s), UpdateResult::updated);
  EXPECT_EQ(t.bucket_peers(0), (std::vector<mf::PeerId>{ps[1], ps[2], ps[0]}));
  auto c = t.closest(Key::from_peer(ps[0]), 1);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].addrs, std::vector<mf::Multiaddr>{pub(7)});
  // An update without addrs keeps the known ones.
  EXPECT_EQ(t.update(info(ps[0]), true, t0 + 2s), UpdateResult::updated);
  EXPECT_EQ(t.closest(Key::from_peer(ps[0]), 1)[0].addrs, std::vector<mf::Multiaddr>{pub(7)});
}

TEST(KadRoutingTable, FullBucketPingsLeastRecentlySeenAndKeepsItWhenAlive) {
  RoutingTable t(kSelf);
  auto ps = peers_in_bucket(0, 23);
  for (std::size_t i = 0; i < 20; ++i) ASSERT_EQ(t.update(info(ps[i], {pub(i)}), true, t0), UpdateResult::added);
  drain(t);
  EXPECT_EQ(t.deadline(), kNever);
  EXPECT_EQ(t.update(info(ps[20], {pub(20)}), true, t0 + 1s), UpdateResult::pending);
  auto ev = drain(t);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(std::get<PingRequest>(ev[0]).peer.id, ps[0]);
  EXPECT_EQ(std::get<PingRequest>(ev[0]).peer.addrs, std::vector<mf::Multiaddr>{pub(0)});
  EXPECT_EQ(t.deadline(), t0 + 1s + 10s);
  EXPECT_EQ(t.cached_peers(0), std::vector<mf::PeerId>{ps[20]});
  // A second newcomer while the ping is outstanding: cached, no second ping.
  EXPECT_EQ(t.update(info(ps[21], {pub(21)}), true, t0 + 2s), UpdateResult::pending);
  EXPECT_TRUE(drain(t).empty());
  // A ping result for a peer not being pinged is ignored.
  t.on_ping_result(ps[1], false, t0 + 3s);
  EXPECT_TRUE(t.contains(ps[1]));
  t.on_ping_result(ps[0], true, t0 + 3s);
  EXPECT_EQ(t.bucket_peers(0).back(), ps[0]);
  EXPECT_EQ(t.bucket_peers(0).front(), ps[1]);
  EXPECT_EQ(t.deadline(), kNever);
  EXPECT_EQ(t.size(), 20u);
  EXPECT_EQ(t.cached_peers(0), (std::vector<mf::PeerId>{ps[20], ps[21]}));
}

TEST(KadRoutingTable, DeadPeerIsEvictedAndNewestCandidatePromoted) {
  RoutingTable t(kSelf);
  auto ps = peers_in_bucket(0, 22);
  for (std::size_t i = 0; i < 20; ++i) ASSERT_EQ(t.update(info(ps[i], {pub(i)}), true, t0), UpdateResult::added);
  ASSERT_EQ(t.update(info(ps[20], {pub(20)}), true, t0), UpdateResult::pending);
  ASSERT_EQ(t.update(info(ps[21], {pub(21)}), true, t0), UpdateResult::pending);
  drain(t);
  t.on_ping_result(ps[0], false, t0 + 1s);
  EXPECT_FALSE(t.contains(ps[0]));
  EXPECT_TRUE(t.contains(ps[21]));
  EXPECT_EQ(t.bucket_peers(0).back(), ps[21]);
  EXPECT_EQ(t.cached_peers(0), std::vector<mf::PeerId>{ps[20]});
  auto ev = drain(t);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(std::get<PeerRemoved>(ev[0]).peer, ps[0]);
  EXPECT_EQ(std::get<PeerAdded>(ev[1]).peer, ps[21]);
}

TEST(KadRoutingTable, UnansweredPingTimesOutAsDead) {
  RoutingTable t(kSelf);
  auto ps = peers_in_bucket(0, 21);
  for (std::size_t i = 0; i < 21; ++i) (void)t.update(info(ps[i], {pub(i)}), true, t0);
  drain(t);
  t.on_timeout(t0 + 9s);
  EXPECT_TRUE(t.contains(ps[0]));
  t.on_timeout(t0 + 10s);
  EXPECT_FALSE(t.contains(ps[0]));
  EXPECT_TRUE(t.contains(ps[20]));
  EXPECT_EQ(t.deadline(), kNever);
}

TEST(KadRoutingTable, RemovePromotesFromCache) {
  RoutingTable t(kSelf);
  auto ps = peers_in_bucket(0, 21);
  for (std::size_t i = 0; i < 21; ++i) (void)t.update(info(ps[i], {pub(i)}), true, t0);
  EXPECT_TRUE(t.remove(ps[5], t0));
  EXPECT_TRUE(t.contains(ps[20]));
  EXPECT_EQ(t.size(), 20u);
  EXPECT_FALSE(t.remove(ps[5], t0));
  // Removing the peer being pinged clears the ping.
  EXPECT_TRUE(t.remove(ps[0], t0));
  EXPECT_EQ(t.deadline(), kNever);
}

TEST(KadRoutingTable, ReplacementCacheIsBounded) {
  RoutingConfig cfg;
  cfg.replacement_cache_size = 2;
  RoutingTable t(kSelf, cfg);
  auto ps = peers_in_bucket(0, 24);
  for (std::size_t i = 0; i < 24; ++i) (void)t.update(info(ps[i], {pub(i)}), true, t0);
  EXPECT_EQ(t.cached_peers(0), (std::vector<mf::PeerId>{ps[22], ps[23]}));
}

TEST(KadRoutingTable, DiversityPerBucket) {
  RoutingTable t(kSelf);
  auto ps = peers_in_bucket(0, 4);
  EXPECT_EQ(t.update(info(ps[0], {ip4(8, 8, 8, 1)}), true, t0), UpdateResult::added);
  EXPECT_EQ(t.update(info(ps[1], {ip4(8, 8, 8, 2)}), true, t0), UpdateResult::added);
  EXPECT_EQ(t.update(info(ps[2], {ip4(8, 8, 8, 3)}), true, t0), UpdateResult::rejected_diversity);
  EXPECT_EQ(t.update(info(ps[2], {ip4(8, 8, 9, 3)}), true, t0), UpdateResult::added);  // other /24
  // Any address in a full group blocks the peer.
  EXPECT_EQ(t.update(info(ps[3], {ip4(9, 9, 9, 9), ip4(8, 8, 8, 4)}), true, t0), UpdateResult::rejected_diversity);
  // Private and loopback addresses are exempt by default.
  auto more = peers_in_bucket(0, 4, 5000);
  for (std::size_t i = 0; i < 4; ++i)
    EXPECT_EQ(t.update(info(more[i], {ip4(192, 168, 1, static_cast<std::uint8_t>(i))}), true, t0), UpdateResult::added);
}

TEST(KadRoutingTable, DiversityTableWideAndIpv6Groups) {
  RoutingConfig cfg;
  cfg.max_per_group_table = 3;
  cfg.max_per_group_per_bucket = 3;
  RoutingTable t(kSelf, cfg);
  auto ps = peers_in_bucket(0, 2);
  auto qs = peers_in_bucket(1, 3);
  auto v6 = [](std::uint8_t b5, std::uint8_t b15) {
    mf::Multiaddr m;
    Bytes a(16, 0);
    a[0] = 0x20;
    a[1] = 0x01;
    a[5] = b5;
    a[15] = b15;
    m.push({mf::proto::ip6, a});
    return m;
  };
  EXPECT_EQ(t.update(info(ps[0], {v6(1, 1)}), true, t0), UpdateResult::added);
  EXPECT_EQ(t.update(info(ps[1], {v6(1, 2)}), true, t0), UpdateResult::added);
  EXPECT_EQ(t.update(info(qs[0], {v6(1, 3)}), true, t0), UpdateResult::added);
  EXPECT_EQ(t.update(info(qs[1], {v6(1, 4)}), true, t0), UpdateResult::rejected_diversity);  // same /48
  EXPECT_EQ(t.update(info(qs[1], {v6(2, 4)}), true, t0), UpdateResult::added);               // other /48
  // IPv4-mapped IPv6 counts as IPv4.
  mf::Multiaddr mapped;
  Bytes a(16, 0);
  a[10] = a[11] = 0xff;
  a[12] = 8, a[13] = 8, a[14] = 8, a[15] = 8;
  mapped.push({mf::proto::ip6, a});
  RoutingConfig one;
  one.max_per_group_table = 1;
  RoutingTable t2(kSelf, one);
  EXPECT_EQ(t2.update(info(ps[0], {ip4(8, 8, 8, 1)}), true, t0), UpdateResult::added);
  EXPECT_EQ(t2.update(info(qs[2], {mapped}), true, t0), UpdateResult::rejected_diversity);
  // Removing frees the group.
  EXPECT_TRUE(t2.remove(ps[0], t0));
  EXPECT_EQ(t2.update(info(qs[2], {mapped}), true, t0), UpdateResult::added);
}

TEST(KadRoutingTable, DiversityPerSlash16) {
  RoutingConfig cfg;
  cfg.max_per_wide_group_per_bucket = 3;
  cfg.max_per_wide_group_table = 4;
  RoutingTable t(kSelf, cfg);
  auto ps = peers_in_bucket(0, 5);
  auto qs = peers_in_bucket(1, 3);
  // Distinct /24s of one /16: three per bucket, four per table.
  for (std::uint8_t i = 0; i < 3; ++i)
    EXPECT_EQ(t.update(info(ps[i], {ip4(8, 8, i, 1)}), true, t0), UpdateResult::added);
  EXPECT_EQ(t.update(info(ps[3], {ip4(8, 8, 3, 1)}), true, t0), UpdateResult::rejected_diversity);
  EXPECT_EQ(t.update(info(ps[3], {ip4(8, 9, 3, 1)}), true, t0), UpdateResult::added);  // other /16
  EXPECT_EQ(t.update(info(qs[0], {ip4(8, 8, 10, 1)}), true, t0), UpdateResult::added);
  EXPECT_EQ(t.update(info(qs[1], {ip4(8, 8, 11, 1)}), true, t0), UpdateResult::rejected_diversity);
  EXPECT_TRUE(t.remove(ps[0], t0));
  EXPECT_EQ(t.update(info(qs[1], {ip4(8, 8, 11, 1)}), true, t0), UpdateResult::added);
}

TEST(KadRoutingTable, ClosestIsSortedAndExcludes) {
  RoutingTable t(kSelf);
  std::vector<mf::PeerId> all;
  for (std::uint64_t s = 1; s <= 60; ++s) {
    if (t.update(info(make_peer(s), {pub(s)}), true, t0) == UpdateResult::added) all.push_back(make_peer(s));
  }
  const Key target = Key::from_bytes(to_bytes("some key"));
  std::sort(all.begin(), all.end(), [&](const auto& a, const auto& b) {
    return target.distance(Key::from_peer(a)) < target.distance(Key::from_peer(b));
  });
  auto c = t.closest(target, 20);
  ASSERT_EQ(c.size(), 20u);
  for (std::size_t i = 0; i < 20; ++i) EXPECT_EQ(c[i].id, all[i]);
  auto c2 = t.closest(target, 5, &all[0]);
  ASSERT_EQ(c2.size(), 5u);
  EXPECT_EQ(c2[0].id, all[1]);
  EXPECT_EQ(t.closest(target, 1000).size(), t.size());
}
