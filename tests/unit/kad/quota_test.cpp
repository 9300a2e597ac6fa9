// The request handler's quotas: a flooding peer's records stop at its count and byte quota and
// are counted, other peers still store; the same key again within the announcement interval is
// refused (PUT_VALUE and ADD_PROVIDER); the store's own count and byte bounds; ownership
// accounting when a record is replaced; the interval table stays bounded.
#include <gtest/gtest.h>

#include "kad_test_util.hpp"
#include "proto/kad/errc.hpp"
#include "proto/kad/handler.hpp"

using namespace kadtest;

namespace {

const TimePoint t0 = TimePoint{} + std::chrono::hours(1);
const mf::PeerId kSelf = make_peer(424242);

struct Server {
  explicit Server(HandlerConfig cfg, RecordStoreConfig rc = {}) : records(rc), handler(self(), table, records, providers, validators, cfg) {}
  static PeerInfo self() { return PeerInfo{kSelf, {ip4(5, 5, 5, 5)}, ConnectionType::connected}; }
  RoutingTable table{kSelf};
  MemoryRecordStore records;
  ProviderStore providers;
  ValidatorRegistry validators = test_validators();
  RequestHandler handler;
};

Message put(const std::string& key, std::size_t value_size, char fill = 'v') {
  Message m;
  m.type = MessageType::put_value;
  m.key = to_bytes(key);
  m.record = Record{to_bytes(key), Bytes(value_size, static_cast<std::uint8_t>(fill)), ""};
  return m;
}

Message provide(const std::string& key, const mf::PeerId& from) {
  Message m;
  m.type = MessageType::add_provider;
  m.key = to_bytes(key);
  m.provider_peers.push_back(PeerInfo{from, {ip4(9, 9, 9, 9)}, ConnectionType::connected});
  return m;
}

std::error_code err_of(const Result<std::optional<Message>>& r) { return r ? std::error_code{} : r.error(); }

}  // namespace

TEST(KadQuota, AFloodingPeerStopsAtItsRecordQuotaOthersStillStore) {
  HandlerConfig cfg;
  cfg.max_records_per_peer = 64;
  Server s(cfg);
  const auto flooder = make_peer(1);
  std::size_t stored = 0, refused = 0;
  for (int i = 0; i < 100; ++i) {
    auto r = s.handler.handle_request(flooder, put("test:flood:" + std::to_string(i), 100), t0);
    if (r) ++stored;
    else if (r.error() == errc::peer_quota_exceeded) ++refused;
  }
  EXPECT_EQ(stored, 64u);
  EXPECT_EQ(refused, 36u);
  EXPECT_EQ(s.handler.stats().refused_peer_quota, 36u);
  EXPECT_EQ(s.handler.stats().records_stored, 64u);
  EXPECT_EQ(s.records.size(), 64u);
  EXPECT_EQ(s.records.usage(as_string_view(flooder.bytes())).records, 64u);
  // Another peer is not affected by the flooder's quota.
  EXPECT_TRUE(s.handler.handle_request(make_peer(2), put("test:other:1", 100), t0));
  // Replacing one of its own records stays within the quota (it is not a new record).
  EXPECT_TRUE(s.handler.handle_request(flooder, put("test:flood:0", 100, 'w'), t0 + std::chrono::minutes(1)));
  EXPECT_EQ(s.records.usage(as_string_view(flooder.bytes())).records, 64u);
}

TEST(KadQuota, ByteQuotaCountsKeysAndValues) {
  HandlerConfig cfg;
  cfg.max_records_per_peer = 1000;
  cfg.max_bytes_per_peer = 10 * 1024;
  Server s(cfg);
  const auto p = make_peer(3);
  // 9 records of ~1 KiB fit (key ~11 bytes + 1100 value), the 10th would pass 10 KiB.
  int stored = 0;
  for (int i = 0; i < 20; ++i)
    if (s.handler.handle_request(p, put("test:b:" + std::to_string(i), 1100), t0)) ++stored;
  EXPECT_EQ(stored, 9);
  const auto u = s.records.usage(as_string_view(p.bytes()));
  EXPECT_LE(u.bytes, 10u * 1024);
  EXPECT_GT(u.bytes, 9u * 1100);
  EXPECT_EQ(s.handler.stats().refused_peer_quota, 11u);
}

TEST(KadQuota, TheSameKeyAgainWithinTheIntervalIsRefused) {
  HandlerConfig cfg;
  cfg.min_announce_interval = std::chrono::seconds(30);
  Server s(cfg);
  const auto p = make_peer(4);
  // Five puts of one key within a second: one stored, four refused.
  int ok = 0;
  for (int i = 0; i < 5; ++i)
    if (s.handler.handle_request(p, put("test:k", 10, static_cast<char>('a' + i)), t0 + std::chrono::milliseconds(200 * i))) ++ok;
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(s.handler.stats().refused_rate, 4u);
  EXPECT_EQ(err_of(s.handler.handle_request(p, put("test:k", 10, 'z'), t0 + std::chrono::seconds(29))),
            make_error_code(errc::rate_limited));
  // After the interval it is accepted again; another key or another peer is independent.
  EXPECT_TRUE(s.handler.handle_request(p, put("test:k", 10, 'z'), t0 + std::chrono::seconds(30)));
  EXPECT_TRUE(s.handler.handle_request(p, put("test:k2", 10), t0 + std::chrono::seconds(1)));
  EXPECT_TRUE(s.handler.handle_request(make_peer(5), put("test:k", 10, '{'), t0 + std::chrono::seconds(31)));
  // Three back-to-back provides of one key: one announced.
  int provided = 0;
  for (int i = 0; i < 3; ++i)
    if (s.handler.handle_request(p, provide("test:prov", p), t0 + std::chrono::milliseconds(i))) ++provided;
  EXPECT_EQ(provided, 1);
  EXPECT_EQ(s.providers.keys_of(p), 1u);
}

TEST(KadQuota, ProviderKeysPerPeerAreBounded) {
  HandlerConfig cfg;
  cfg.max_provider_keys_per_peer = 10;
  Server s(cfg);
  const auto p = make_peer(6);
  int ok = 0;
  for (int i = 0; i < 25; ++i)
    if (s.handler.handle_request(p, provide("test:pk:" + std::to_string(i), p), t0)) ++ok;
  EXPECT_EQ(ok, 10);
  EXPECT_EQ(s.providers.keys_of(p), 10u);
  EXPECT_EQ(s.handler.stats().refused_peer_quota, 15u);
  // Refreshing a key it already provides is not a new key (after the interval).
  EXPECT_TRUE(s.handler.handle_request(p, provide("test:pk:3", p), t0 + std::chrono::minutes(1)));
  // Expiry gives the quota back.
  s.providers.expire(t0 + std::chrono::hours(25));
  EXPECT_EQ(s.providers.keys_of(p), 0u);
}

TEST(KadQuota, StoreCountAndByteBoundsAndOwnerAccounting) {
  HandlerConfig cfg;
  cfg.max_records_per_peer = 1000;
  cfg.max_bytes_per_peer = 1 << 30;
  RecordStoreConfig rc;
  rc.max_records = 1000;
  rc.max_bytes = 4096;
  Server s(cfg, rc);
  int ok = 0;
  for (int i = 0; i < 10; ++i)
    if (s.handler.handle_request(make_peer(100 + static_cast<std::uint64_t>(i)), put("test:s:" + std::to_string(i), 1000), t0)) ++ok;
  EXPECT_EQ(ok, 4);  // 4 × ~1010 bytes ≤ 4096
  EXPECT_EQ(s.handler.stats().refused_store_full, 6u);
  EXPECT_LE(s.records.usage().bytes, 4096u);
  // A record put by another peer moves to that owner.
  auto before = s.records.usage(as_string_view(make_peer(100).bytes()));
  EXPECT_EQ(before.records, 1u);
  ASSERT_TRUE(s.handler.handle_request(make_peer(200), put("test:s:0", 1000, 'z'), t0));
  EXPECT_EQ(s.records.usage(as_string_view(make_peer(100).bytes())).records, 0u);
  EXPECT_EQ(s.records.usage(as_string_view(make_peer(200).bytes())).records, 1u);
  // Expiry frees bytes and owners.
  EXPECT_EQ(s.records.expire(t0 + std::chrono::hours(49)), 4u);
  EXPECT_EQ(s.records.usage().bytes, 0u);
  EXPECT_EQ(s.records.usage(as_string_view(make_peer(200).bytes())).records, 0u);
}

TEST(KadQuota, TheIntervalTableStaysBounded) {
  HandlerConfig cfg;
  cfg.max_rate_entries = 50;
  cfg.max_records_per_peer = 100000;
  cfg.max_bytes_per_peer = 1 << 30;
  RecordStoreConfig rc;
  rc.max_records = 100000;
  Server s(cfg, rc);
  for (int i = 0; i < 500; ++i)
    ASSERT_TRUE(s.handler.handle_request(make_peer(7), put("test:t:" + std::to_string(i), 4), t0 + std::chrono::milliseconds(i)));
  // The oldest pairs were forgotten to stay at 50: a key from the start may be put again; the
  // most recent one may not.
  EXPECT_TRUE(s.handler.handle_request(make_peer(7), put("test:t:0", 4, 'w'), t0 + std::chrono::seconds(1)));
  EXPECT_EQ(err_of(s.handler.handle_request(make_peer(7), put("test:t:499", 4, 'w'), t0 + std::chrono::seconds(1))),
            make_error_code(errc::rate_limited));
}
