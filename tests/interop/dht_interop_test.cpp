// Kademlia DHT interop: our lotus::dht::Dht (server mode) and two js-libp2p @libp2p/kad-dht
// 16.1.0 nodes (server mode, js/peer.mjs --dht) on protocol /lotus/kad/1.0.0, all connected.
// Values put by C++ are got by js and vice versa (Lotus "resource:<type>:<id>" keys with JSON
// values, as the reference SDK uses them); provider records both ways; FIND_NODE both ways.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>

#include "coordinator/resource_validator.hpp"
#include "dht/dht.hpp"
#include "interop_fixture.hpp"

namespace lotus::interop {
namespace {

constexpr const char* kLotusKad = "/lotus/kad/1.0.0";

Bytes b(const std::string& s) { return Bytes(s.begin(), s.end()); }
std::string str(const Bytes& v) { return std::string(v.begin(), v.end()); }

// sha2-256 multihash shape (0x12 0x20 + 32 bytes); the digest need not be a real hash.
Bytes multihash(std::uint8_t fill) {
  Bytes mh = {0x12, 0x20};
  for (int i = 0; i < 32; ++i) mh.push_back(static_cast<std::uint8_t>(fill + i));
  return mh;
}
std::string hex(const Bytes& v) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (auto c : v) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}

class DhtInteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    node = std::make_unique<CppNode>(CppNode::Options{"/ip4/127.0.0.1/tcp/0", kCppAgent, false});
    js1 = std::make_unique<JsPeer>(JsPeer::Options{{"--agent", kJsAgent, "--dht", kLotusKad}, 20s, "js1"});
    js2 = std::make_unique<JsPeer>(JsPeer::Options{{"--agent", kJsAgent, "--dht", kLotusKad}, 20s, "js2"});
    dht = node->run([this]() -> asio::awaitable<std::shared_ptr<dht::Dht>> {
      dht::Config cfg;
      cfg.protocol_id = kLotusKad;
      cfg.mode = dht::Mode::server;
      cfg.rpc_timeout = 5s;
      cfg.query_timeout = 15s;
      auto d = std::make_shared<dht::Dht>(node->host(), cfg, nullptr, coordinator::dht_validators());
      if (!d->start()) co_return nullptr;
      co_return d;
    });
    ASSERT_TRUE(dht);
    // Full mesh: C++ dials both js nodes, js1 dials js2; every node has the others in its table.
    for (auto* js : {js1.get(), js2.get()}) {
      auto c = dial(js->addr());
      ASSERT_TRUE(c.has_value()) << c.error().message();
      const auto id = pid(js->peer_id());
      auto in_table = node->run([this, id]() -> asio::awaitable<bool> {
        (void)co_await node->host().identify(id);
        co_return dht->routing_table().contains(id);
      });
      EXPECT_TRUE(in_table) << js->peer_id();
    }
    js1->call("dial", {{"addr", js2->addr()}});
    for (auto* js : {js1.get(), js2.get()}) js->call("dht_wait_peer", {{"peerId", node->peer_id_str()}});
    js1->call("dht_wait_peer", {{"peerId", js2->peer_id()}});
  }

  void TearDown() override {
    if (HasFailure()) {
      for (auto* js : {js1.get(), js2.get()})
        if (js) std::cerr << "---- js " << js->peer_id() << " stderr ----\n" << js->stderr_text() << "\n";
    }
    // Stopped and destroyed on the io thread (the Dht is not thread-safe).
    if (dht) node->run([this]() -> asio::awaitable<void> {
      co_await dht->stop();
      dht.reset();
    });
    js1.reset();
    js2.reset();
    node.reset();
  }

  // Polls `pred` on the io thread every 10 ms until it holds or `timeout` passes (for effects of
  // one-way messages such as ADD_PROVIDER, which have no reply to wait for).
  bool eventually(std::function<bool()> pred, Millis timeout = 10s) {
    return node->run([this, pred, timeout]() -> asio::awaitable<bool> {
      asio::steady_timer t(node->io());
      const auto deadline = Clock::now() + timeout;
      while (!pred()) {
        if (Clock::now() >= deadline) co_return false;
        t.expires_after(std::chrono::milliseconds(10));
        co_await t.async_wait(asio::use_awaitable);
      }
      co_return true;
    }, timeout + 5s);
  }

  Result<host::ConnectionInfo> dial(const std::string& addr) {
    return node->run([this, addr]() { return node->host().dial(ma(addr)); });
  }

  std::unique_ptr<CppNode> node;
  std::unique_ptr<JsPeer> js1, js2;
  std::shared_ptr<dht::Dht> dht;
};

TEST_F(DhtInteropTest, CppPutJsGet) {
  const std::string key = "resource:interop-test:cpp-1";
  const std::string value = R"({"resourceId":"cpp-1","resourceType":"interop-test","createdAt":1})";
  auto put = node->run([this, key, value]() { return dht->put_value(b(key), b(value)); }, 30s);
  ASSERT_TRUE(put.has_value()) << put.error().message();
  EXPECT_EQ(put->stored, 2u);  // both js servers acknowledged PUT_VALUE
  for (auto* js : {js1.get(), js2.get()}) {
    auto got = js->call("dht_get", {{"key", key}}, 20s);
    EXPECT_EQ(got.at("value").get<std::string>(), value);
  }
}

TEST_F(DhtInteropTest, JsPutCppGet) {
  const std::string key = "resource:interop-test:js-1";
  const std::string value = R"({"resourceId":"js-1","resourceType":"interop-test","createdAt":2})";
  auto put = js1->call("dht_put", {{"key", key}, {"value", value}}, 30s);
  EXPECT_GE(put.at("stored").get<int>(), 1) << put.dump();
  // js sent us PUT_VALUE: the record is in our store.
  auto local = node->run([this, key]() -> asio::awaitable<std::optional<std::string>> {
    auto r = dht->record_store().get(b(key), Clock::now());
    co_return r ? std::optional<std::string>(str(r->value)) : std::nullopt;
  });
  ASSERT_TRUE(local.has_value());
  EXPECT_EQ(*local, value);
  // A newer value from js2 (PUT to us and js1); get_value asks both js nodes (GET_VALUE).
  const std::string newer = R"({"resourceId":"js-1","resourceType":"interop-test","createdAt":3})";
  auto put2 = js2->call("dht_put", {{"key", key}, {"value", newer}}, 30s);
  EXPECT_GE(put2.at("stored").get<int>(), 1) << put2.dump();
  auto got = node->run([this, key]() { return dht->get_value(b(key)); }, 30s);
  ASSERT_TRUE(got.has_value()) << got.error().message();
  EXPECT_EQ(str(got->record.value), newer);
  EXPECT_GE(got->stats.queried, 1u);
}

TEST_F(DhtInteropTest, JsGetsValueOnlyCppHolds) {
  // A value put from js1 straight to us would reach js2 too; instead write it into our store
  // only (as if js2 had missed the PUT) and let js2 fetch it by GET_VALUE from us.
  const std::string key = "resource:interop-test:only-cpp";
  const std::string value = R"({"createdAt":7})";
  auto ok = node->run([this, key, value]() -> asio::awaitable<bool> {
    co_return dht->record_store().put(proto::kad::Record{b(key), b(value), "2026-01-01T00:00:00.000000000Z"}, Clock::now()).has_value();
  });
  ASSERT_TRUE(ok);
  auto got = js2->call("dht_get", {{"key", key}}, 20s);
  EXPECT_EQ(got.at("value").get<std::string>(), value);
  EXPECT_EQ(got.at("from").get<std::string>(), node->peer_id_str());
}

TEST_F(DhtInteropTest, ProvidersBothWays) {
  const Bytes mh_cpp = multihash(1), mh_js = multihash(100);
  auto prov = node->run([this, mh_cpp]() { return dht->provide(mh_cpp); }, 30s);
  ASSERT_TRUE(prov.has_value()) << prov.error().message();
  EXPECT_EQ(prov->attempted, 2u);
  auto found = js2->call("dht_findprovs", {{"mhHex", hex(mh_cpp)}, {"limit", 1}}, 20s);
  ASSERT_EQ(found.at("providers").size(), 1u) << found.dump();
  EXPECT_EQ(found["providers"][0].at("peerId").get<std::string>(), node->peer_id_str());

  js1->call("dht_provide", {{"mhHex", hex(mh_js)}}, 30s);
  // js sent ADD_PROVIDER to us.
  EXPECT_TRUE(eventually([this, mh_js] { return dht->provider_store().get(mh_js, Clock::now(), 10).size() == 1; }));
  auto provs = node->run([this, mh_js]() { return dht->find_providers(mh_js, 5); }, 30s);
  ASSERT_TRUE(provs.has_value()) << provs.error().message();
  ASSERT_FALSE(provs->providers.empty());
  EXPECT_EQ(provs->providers[0].id, pid(js1->peer_id()));
  EXPECT_FALSE(provs->providers[0].addrs.empty());
}

TEST_F(DhtInteropTest, FindNodeBothWays) {
  auto closest = node->run([this]() { return dht->get_closest_peers(b("some key")); }, 30s);
  ASSERT_TRUE(closest.has_value()) << closest.error().message();
  std::vector<std::string> ids;
  for (const auto& p : closest->peers) ids.push_back(p.id.to_string());
  EXPECT_TRUE(contains(ids, js1->peer_id())) << join(ids);
  EXPECT_TRUE(contains(ids, js2->peer_id())) << join(ids);
  EXPECT_GE(closest->stats.queried, 2u);

  auto fp = node->run([this]() { return dht->find_peer(pid(js2->peer_id())); }, 30s);
  ASSERT_TRUE(fp.has_value()) << fp.error().message();
  EXPECT_FALSE(fp->peer.addrs.empty());

  const auto before = node->run([this]() -> asio::awaitable<std::uint64_t> { co_return dht->metrics().inbound_requests; });
  auto js_closest = js1->call("dht_closest", {{"key", "another key"}}, 20s);
  EXPECT_TRUE(contains(js_closest.at("peers"), node->peer_id_str())) << js_closest.dump();
  const auto after = node->run([this]() -> asio::awaitable<std::uint64_t> { co_return dht->metrics().inbound_requests; });
  EXPECT_GT(after, before);  // js queried us with FIND_NODE
  auto js_fp = js2->call("dht_findpeer", {{"peerId", node->peer_id_str()}}, 20s);
  EXPECT_EQ(js_fp.at("peerId").get<std::string>(), node->peer_id_str());
  EXPECT_FALSE(js_fp.at("addrs").empty());
}

}  // namespace
}  // namespace lotus::interop
