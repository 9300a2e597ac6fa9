#include <gtest/gtest.h>

#include "crypto/keys.hpp"
#include "kad_test_util.hpp"
#include "proto/kad/errc.hpp"
#include "proto/kad/handler.hpp"
#include "proto/kad/pk_validator.hpp"

using namespace kadtest;

namespace {

const TimePoint t0 = TimePoint{} + std::chrono::hours(1);
const mf::PeerId kSelf = make_peer(31337);

struct Server {
  RoutingTable table{kSelf};
  MemoryRecordStore records;
  ProviderStore providers;
  ValidatorRegistry validators = test_validators();
  RequestHandler handler{PeerInfo{kSelf, {ip4(5, 5, 5, 5)}, ConnectionType::connected}, table, records,
                         providers, validators};
  std::vector<mf::PeerId> known;
  Server() {
    for (std::uint64_t s = 1; s <= 60; ++s)
      if (table.update(info(make_peer(s), {ip4(static_cast<std::uint8_t>(20 + s), 0, static_cast<std::uint8_t>(s), 1)}), true, t0) ==
          UpdateResult::added)
        known.push_back(make_peer(s));
  }
};

Message request(MessageType t, std::string_view key) {
  Message m;
  m.type = t;
  m.key = to_bytes(key);
  return m;
}

Message put(std::string_view key, std::string_view value) {
  Message m = request(MessageType::put_value, key);
  m.record = Record{to_bytes(key), to_bytes(value), ""};
  return m;
}

}  // namespace

TEST(KadHandler, FindNodeReturnsClosestWithoutRequester) {
  Server s;
  const mf::PeerId from = s.known[0];
  Message req;
  req.type = MessageType::find_node;
  req.key = from.bytes();  // looking for the requester itself
  auto r = s.handler.handle_request(from, req, t0);
  ASSERT_TRUE(r && *r);
  const Message& m = **r;
  EXPECT_EQ(m.type, MessageType::find_node);
  EXPECT_EQ(m.key, req.key);
  ASSERT_EQ(m.closer_peers.size(), 20u);
  EXPECT_EQ(m.closer_peers, s.table.closest(Key::from_peer(from), 20, &from));
  for (const auto& p : m.closer_peers) EXPECT_NE(p.id, from);
}

TEST(KadHandler, FindNodeForUsReturnsOnlyUs) {
  Server s;
  Message req;
  req.type = MessageType::find_node;
  req.key = kSelf.bytes();
  auto r = s.handler.handle_request(s.known[0], req, t0);
  ASSERT_TRUE(r && *r);
  ASSERT_EQ((*r)->closer_peers.size(), 1u);
  EXPECT_EQ((*r)->closer_peers[0].id, kSelf);
  EXPECT_EQ((*r)->closer_peers[0].addrs, std::vector<mf::Multiaddr>{ip4(5, 5, 5, 5)});
}

TEST(KadHandler, MissingKeys) {
  Server s;
  for (auto t : {MessageType::find_node, MessageType::get_value, MessageType::put_value,
                 MessageType::add_provider, MessageType::get_providers}) {
    Message req;
    req.type = t;
    EXPECT_EQ(s.handler.handle_request(s.known[0], req, t0).error(), make_error_code(errc::missing_key))
        << to_string(t);
  }
}

TEST(KadHandler, PutThenGetValue) {
  Server s;
  const std::string key = "test:session:1";
  auto r = s.handler.handle_request(s.known[0], put(key, "2"), t0);
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_TRUE(*r);
  EXPECT_EQ(**r, put(key, "2"));  // echo
  auto g = s.handler.handle_request(s.known[1], request(MessageType::get_value, key), t0 + 1h);
  ASSERT_TRUE(g && *g);
  ASSERT_TRUE((*g)->record);
  EXPECT_EQ((*g)->record->value, to_bytes("2"));
  EXPECT_EQ((*g)->closer_peers.size(), 20u);
  // An older value is refused, a newer one replaces it, an equal one is accepted (each after
  // the per-key announcement interval: the same peer and key again sooner are rate limited).
  EXPECT_EQ(s.handler.handle_request(s.known[0], put(key, "1"), t0).error(), make_error_code(errc::outdated_record));
  EXPECT_EQ(s.handler.handle_request(s.known[0], put(key, "2"), t0).error(), make_error_code(errc::rate_limited));
  EXPECT_TRUE(s.handler.handle_request(s.known[0], put(key, "2"), t0 + 30s));
  EXPECT_TRUE(s.handler.handle_request(s.known[0], put(key, "3"), t0 + 60s));
  EXPECT_EQ(s.records.get(to_bytes(key), t0 + 60s)->value, to_bytes("3"));
  // Expired after 48 h.
  auto late = s.handler.handle_request(s.known[1], request(MessageType::get_value, key), t0 + 60s + 48h);
  ASSERT_TRUE(late && *late);
  EXPECT_FALSE((*late)->record);
}

TEST(KadHandler, PutValueRejections) {
  Server s;
  auto err = [&](const Message& m) { return s.handler.handle_request(s.known[0], m, t0).error(); };
  EXPECT_EQ(err(request(MessageType::put_value, "test:a:b")), make_error_code(errc::missing_record));
  Message mismatch = put("test:a:b", "1");
  mismatch.record->key = to_bytes("test:a:c");
  EXPECT_EQ(err(mismatch), make_error_code(errc::record_key_mismatch));
  EXPECT_EQ(err(put("/ipns/whatever", "x")), make_error_code(errc::no_validator));
  EXPECT_EQ(err(put("resource:a:b", "{}")), make_error_code(errc::no_validator));  // not kad's namespace
  EXPECT_EQ(err(put("test:a:b", "")), std::make_error_code(std::errc::invalid_argument));  // the validator's
  EXPECT_EQ(err(put("/pk/xyz", "x")), make_error_code(errc::invalid_pk_record));
  EXPECT_EQ(s.records.size(), 0u);
}

TEST(KadHandler, PublicKeyRecords) {
  Server s;
  DeterministicRng rng(5);
  auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519, rng);
  auto other = crypto::PrivateKey::generate(crypto::KeyType::secp256k1, rng);
  ASSERT_TRUE(key && other);
  Bytes k = to_bytes(kPkPrefix);
  append(k, key->peer_id().bytes());
  Message m;
  m.type = MessageType::put_value;
  m.key = k;
  m.record = Record{k, key->public_key().to_protobuf(), ""};
  EXPECT_TRUE(s.handler.handle_request(s.known[0], m, t0));
  m.record->value = other->public_key().to_protobuf();
  EXPECT_EQ(s.handler.handle_request(s.known[0], m, t0).error(), make_error_code(errc::invalid_pk_record));
  // A secp256k1 key under its own id is fine too.
  Bytes k2 = to_bytes(kPkPrefix);
  append(k2, other->peer_id().bytes());
  m.key = k2;
  m.record = Record{k2, other->public_key().to_protobuf(), ""};
  EXPECT_TRUE(s.handler.handle_request(s.known[0], m, t0));
}

TEST(KadHandler, AddProviderOnlyForSenderAndGetProviders) {
  Server s;
  const mf::PeerId sender = s.known[3];
  Message add = request(MessageType::add_provider, "cid-bytes");
  add.provider_peers.push_back(info(s.known[4], {ip4(1, 1, 1, 1)}));
  EXPECT_EQ(s.handler.handle_request(sender, add, t0).error(), make_error_code(errc::provider_not_sender));
  add.provider_peers.push_back(info(sender, {ip4(2, 2, 2, 2)}));
  auto r = s.handler.handle_request(sender, add, t0);
  ASSERT_TRUE(r);
  EXPECT_FALSE(*r);  // no response to ADD_PROVIDER
  auto g = s.handler.handle_request(s.known[5], request(MessageType::get_providers, "cid-bytes"), t0 + 1h);
  ASSERT_TRUE(g && *g);
  EXPECT_EQ((*g)->type, MessageType::get_providers);
  ASSERT_EQ((*g)->provider_peers.size(), 1u);
  EXPECT_EQ((*g)->provider_peers[0].id, sender);
  EXPECT_EQ((*g)->provider_peers[0].addrs, std::vector<mf::Multiaddr>{ip4(2, 2, 2, 2)});
  EXPECT_EQ((*g)->closer_peers.size(), 20u);
  // Expired after 24 h.
  auto late = s.handler.handle_request(s.known[5], request(MessageType::get_providers, "cid-bytes"), t0 + 24h);
  EXPECT_TRUE((*late)->provider_peers.empty());
}

TEST(KadHandler, Ping) {
  Server s;
  auto r = s.handler.handle_request(s.known[0], request(MessageType::ping, ""), t0);
  ASSERT_TRUE(r && *r);
  EXPECT_EQ(**r, request(MessageType::ping, ""));
}

TEST(KadStores, RecordStoreCapacityAndExpiry) {
  RecordStoreConfig cfg;
  cfg.max_records = 2;
  cfg.ttl = 10s;
  MemoryRecordStore st(cfg);
  EXPECT_TRUE(st.put(Record{to_bytes("a"), to_bytes("1"), ""}, t0));
  EXPECT_TRUE(st.put(Record{to_bytes("b"), to_bytes("2"), ""}, t0 + 5s));
  EXPECT_EQ(st.put(Record{to_bytes("c"), to_bytes("3"), ""}, t0 + 5s).error(), make_error_code(errc::store_full));
  EXPECT_TRUE(st.put(Record{to_bytes("a"), to_bytes("9"), ""}, t0 + 5s));  // replace is fine
  EXPECT_EQ(st.get(to_bytes("a"), t0 + 14s)->value, to_bytes("9"));
  EXPECT_FALSE(st.get(to_bytes("b"), t0 + 15s));
  EXPECT_TRUE(st.put(Record{to_bytes("c"), to_bytes("3"), ""}, t0 + 15s));  // expired ones make room
  EXPECT_EQ(st.size(), 1u);
  EXPECT_TRUE(st.remove(to_bytes("c")));
  EXPECT_FALSE(st.remove(to_bytes("c")));
}

TEST(KadStores, ProviderStoreBounds) {
  ProviderStoreConfig cfg;
  cfg.max_keys = 1;
  cfg.max_providers_per_key = 2;
  ProviderStore st(cfg);
  EXPECT_TRUE(st.add(to_bytes("k"), info(make_peer(1)), t0));
  EXPECT_TRUE(st.add(to_bytes("k"), info(make_peer(2)), t0 + 1s));
  EXPECT_TRUE(st.add(to_bytes("k"), info(make_peer(3)), t0 + 2s));  // replaces the oldest
  auto got = st.get(to_bytes("k"), t0 + 3s, 10);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].id, make_peer(3));
  EXPECT_EQ(got[1].id, make_peer(2));
  EXPECT_EQ(st.add(to_bytes("other"), info(make_peer(1)), t0).error(), make_error_code(errc::store_full));
  EXPECT_EQ(st.expire(t0 + 24h + 1s), 1u);
  EXPECT_EQ(st.get(to_bytes("k"), t0 + 24h + 1s, 10).size(), 1u);
}
