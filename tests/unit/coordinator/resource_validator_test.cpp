// coordinator::ResourceValidator, the Lotus "resource:<type>:<id>" namespace of the DHT: key and
// value rules, newest-createdAt selection, the JSON depth bound, and the same rules applied by
// kad's RequestHandler and Lookup through coordinator::dht_validators().
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "coordinator/errc.hpp"
#include "coordinator/resource_validator.hpp"
#include "proto/kad/errc.hpp"
#include "proto/kad/handler.hpp"
#include "proto/kad/lookup.hpp"
#include "unit/kad/kad_test_util.hpp"

namespace lotus::coordinator {
namespace {

using namespace kadtest;
using namespace std::chrono_literals;
namespace kad = proto::kad;

const TimePoint t0 = TimePoint{} + std::chrono::hours(1);

std::error_code code(errc e) { return make_error_code(e); }

TEST(ResourceValidator, KeysAndValues) {
  ResourceValidator v;
  const auto ok = as_bytes("{}");
  EXPECT_TRUE(v.validate(as_bytes("resource:a:b"), ok));
  EXPECT_TRUE(v.validate(as_bytes("resource:session:a:b"), ok));  // the id may contain ':'
  EXPECT_EQ(v.validate(as_bytes("resource::b"), ok).error(), code(errc::invalid_resource_key));
  EXPECT_EQ(v.validate(as_bytes("resource:a:"), ok).error(), code(errc::invalid_resource_key));
  EXPECT_EQ(v.validate(as_bytes("resource:a"), ok).error(), code(errc::invalid_resource_key));
  EXPECT_EQ(v.validate(as_bytes("other:a:b"), ok).error(), code(errc::invalid_resource_key));
  EXPECT_EQ(v.validate(as_bytes("resource:a:b"), as_bytes("[1,2]")).error(), code(errc::invalid_resource_value));
  EXPECT_EQ(v.validate(as_bytes("resource:a:b"), as_bytes("{")).error(), code(errc::invalid_resource_value));
  EXPECT_EQ(v.validate(as_bytes("resource:a:b"), as_bytes("not json")).error(), code(errc::invalid_resource_value));
}

TEST(ResourceValidator, SelectorAndDepthLimit) {
  ResourceValidator v;
  const BytesView key = as_bytes("resource:t:i");
  const std::string a = R"({"x":1})", b = R"({"timestamp":7})", c = R"({"createdAt":3})",
                    d = R"({"createdAt":7})";
  std::vector<BytesView> vals = {as_bytes(a), as_bytes(b), as_bytes(c), as_bytes(d)};
  EXPECT_EQ(v.select(key, vals), 1u);  // 7 first seen at index 1; ties keep the earliest
  vals = {as_bytes(a), as_bytes(a)};
  EXPECT_EQ(v.select(key, vals), 0u);
  std::string deep(40, '[');
  deep = "{\"a\":" + deep + std::string(40, ']') + "}";
  EXPECT_EQ(v.validate(key, as_bytes(deep)).error(), code(errc::invalid_resource_value));
  EXPECT_TRUE(v.validate(key, as_bytes(R"({"s":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["})")));
}

TEST(ResourceValidator, DhtValidatorsAddResourceToKadDefaults) {
  const auto lotus = dht_validators();
  EXPECT_NE(lotus.find(as_bytes("resource:a:b")), nullptr);
  EXPECT_NE(lotus.find(as_bytes("/pk/x")), nullptr);
  EXPECT_EQ(lotus.find(as_bytes("/ipns/x")), nullptr);
  const auto plain = kad::ValidatorRegistry::with_defaults();
  EXPECT_EQ(plain.find(as_bytes("resource:a:b")), nullptr);  // kad knows no Lotus policy
  EXPECT_NE(plain.find(as_bytes("/pk/x")), nullptr);
}

TEST(ResourceValidator, ErrorsNameTheLayer) {
  EXPECT_EQ(code(errc::invalid_resource_value).message(), "coordinator: resource value is not a JSON object");
  EXPECT_EQ(code(errc::invalid_resource_key).message(), "coordinator: resource key is not resource:<type>:<id>");
}

// kad's request handler with the Lotus validators: what a Lotus DHT server accepts.
struct Server {
  const mf::PeerId self = make_peer(31337);
  kad::RoutingTable table{self};
  kad::MemoryRecordStore records;
  kad::ProviderStore providers;
  kad::ValidatorRegistry validators = dht_validators();
  kad::RequestHandler handler{kad::PeerInfo{self, {}, kad::ConnectionType::connected}, table, records, providers,
                              validators};
};

kad::Message put(std::string_view key, std::string_view value) {
  kad::Message m;
  m.type = kad::MessageType::put_value;
  m.key = to_bytes(key);
  m.record = kad::Record{to_bytes(key), to_bytes(value), ""};
  return m;
}

TEST(ResourceValidator, HandlerKeepsTheNewestAndRefusesInvalidRecords) {
  Server s;
  const mf::PeerId from = make_peer(1);
  const std::string key = "resource:session:1";
  ASSERT_TRUE(s.handler.handle_request(from, put(key, R"({"createdAt":2})"), t0));
  // An older value is refused, a newer one replaces it, an equal one is accepted (each after the
  // per-key announcement interval: the same peer and key again sooner are rate limited).
  EXPECT_EQ(s.handler.handle_request(from, put(key, R"({"createdAt":1})"), t0).error(),
            make_error_code(kad::errc::outdated_record));
  EXPECT_TRUE(s.handler.handle_request(from, put(key, R"({"createdAt":2})"), t0 + std::chrono::seconds(30)));
  EXPECT_TRUE(s.handler.handle_request(from, put(key, R"({"createdAt":3})"), t0 + std::chrono::seconds(60)));
  EXPECT_EQ(s.records.get(to_bytes(key), t0 + std::chrono::seconds(60))->value, to_bytes(R"({"createdAt":3})"));
  auto err = [&](const kad::Message& m) { return s.handler.handle_request(from, m, t0).error(); };
  EXPECT_EQ(err(put("resource:a:b", "[1,2]")), code(errc::invalid_resource_value));
  EXPECT_EQ(err(put("resource:a:b", "{")), code(errc::invalid_resource_value));
  EXPECT_EQ(err(put("resource::b", "{}")), code(errc::invalid_resource_key));
  EXPECT_EQ(err(put("resource:a:", "{}")), code(errc::invalid_resource_key));
  EXPECT_EQ(err(put("resource:a", "{}")), code(errc::invalid_resource_key));
  EXPECT_EQ(s.records.size(), 1u);
}

TEST(ResourceValidator, LookupSelectsTheNewestValidRecord) {
  const auto registry = dht_validators();
  const mf::PeerId self = make_peer(31337);
  const Bytes key = to_bytes("resource:session:42");
  std::vector<kad::PeerInfo> seeds;
  for (std::uint64_t i = 1; i <= 4; ++i) seeds.push_back(info(make_peer(i)));
  kad::Lookup l(kad::LookupKind::get_value, key, self, seeds, {}, &registry);
  l.start(t0);
  std::vector<kad::Request> r;
  while (auto q = l.poll_request()) r.push_back(std::move(*q));
  ASSERT_EQ(r.size(), 3u);
  auto with = [&](std::string_view value, Bytes k) {
    kad::Message m;
    m.type = kad::MessageType::get_value;
    m.record = kad::Record{std::move(k), to_bytes(value), ""};
    return m;
  };
  l.on_response(r[0].peer.id, with(R"({"createdAt": 1, "v": "old"})", key), t0);
  l.on_response(r[1].peer.id, with(R"({"createdAt": 5, "v": "new"})", key), t0);
  l.on_response(r[2].peer.id, with("not json", key), t0);
  std::vector<kad::Request> r2;
  while (auto q = l.poll_request()) r2.push_back(std::move(*q));
  ASSERT_EQ(r2.size(), 1u);
  l.on_response(r2[0].peer.id, with(R"({"createdAt": 9})", to_bytes("resource:session:43")), t0);
  ASSERT_TRUE(l.finished());
  EXPECT_EQ(l.stats().invalid_records, 2u);  // bad JSON, wrong key
  ASSERT_EQ(l.result().records.size(), 2u);
  ASSERT_TRUE(l.result().best);
  EXPECT_EQ(l.result().records[*l.result().best].from, r[1].peer.id);
}

}  // namespace
}  // namespace lotus::coordinator
