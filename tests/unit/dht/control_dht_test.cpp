// node::register_dht_methods: the dht.* control methods called through the ControlRouter on
// two real loopback nodes; request validation errors; base64 known answers (RFC 4648 §10).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "coordinator/resource_validator.hpp"
#include "dht/dht.hpp"
#include "host/host.hpp"
#include "node/control_dht.hpp"
#include "runtime/asio.hpp"
#include "unit/host/test_util.hpp"

namespace lotus::node {
namespace {

using namespace lotus::host::testing;
using namespace std::chrono_literals;

TEST(ControlBase64, KnownAnswers) {
  const std::pair<const char*, const char*> v[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                                   {"foo", "Zm9v"},  {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                   {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, enc] : v) {
    const std::string p(plain);
    EXPECT_EQ(base64_encode(BytesView(reinterpret_cast<const std::uint8_t*>(p.data()), p.size())), enc);
    auto d = base64_decode(enc);
    ASSERT_TRUE(d.has_value()) << enc;
    EXPECT_EQ(std::string(d->begin(), d->end()), p);
  }
  EXPECT_EQ(base64_decode("Zm9vYg").value(), (Bytes{'f', 'o', 'o', 'b'}));  // unpadded
  EXPECT_EQ(base64_decode("Zm9v!").error(), make_error_code(control_errc::bad_base64));
  EXPECT_EQ(base64_decode("Z").error(), make_error_code(control_errc::bad_base64));
  EXPECT_EQ(base64_decode("Zh==").error(), make_error_code(control_errc::bad_base64));  // non-zero pad bits
}

class ControlDhtTest : public ::testing::Test {
 public:
  void SetUp() override {
    for (int i = 0; i < 2; ++i) {
      auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
      ASSERT_TRUE(key.has_value());
      hosts.push_back(std::make_unique<host::Host>(io, std::move(*key)));
      auto bound = hosts.back()->listen(*mf::Multiaddr::parse("/ip4/127.0.0.1/tcp/0"));
      ASSERT_TRUE(bound.has_value());
      addrs.push_back(bound->with_peer_id(hosts.back()->peer_id()));
      dht::Config cfg;
      cfg.rpc_timeout = 5s;
      cfg.query_timeout = 10s;
      dhts.push_back(std::make_unique<dht::Dht>(*hosts.back(), cfg, nullptr, coordinator::dht_validators()));
      ASSERT_TRUE(dhts.back()->start().has_value());
      routers.emplace_back();
      register_dht_methods(routers.back(), *dhts.back());
    }
    run(io, [&]() -> asio::awaitable<void> {
      auto c = co_await hosts[0]->dial(addrs[1]);
      CO_ASSERT_OK(c);
      (void)co_await hosts[0]->identify(hosts[1]->peer_id());
      (void)co_await hosts[1]->identify(hosts[0]->peer_id());
    }());
  }
  void TearDown() override {
    run(io, [&]() -> asio::awaitable<void> {
      for (auto& d : dhts) co_await d->stop();
      for (auto& h : hosts) co_await h->stop();
    }());
    dhts.clear();
    hosts.clear();
    io.restart();
    io.poll();
  }
  Result<Json> call(std::size_t node, const std::string& method, Json req) {
    const ControlMethod* m = routers.at(node).find(method);
    EXPECT_NE(m, nullptr) << method;
    if (!m) return control_errc::bad_request;
    std::optional<Result<Json>> out;
    run(io, [&]() -> asio::awaitable<void> { out = co_await m->unary(std::move(req)); }());
    return out ? std::move(*out) : Result<Json>(control_errc::bad_request);
  }

  asio::io_context io;
  std::vector<std::unique_ptr<host::Host>> hosts;
  std::vector<mf::Multiaddr> addrs;
  std::vector<std::unique_ptr<dht::Dht>> dhts;
  std::vector<ControlRouter> routers;
};

TEST_F(ControlDhtTest, RegistersFiveMethods) {
  EXPECT_EQ(routers[0].names(),
            (std::vector<std::string>{"dht.findpeer", "dht.findprovs", "dht.get", "dht.provide", "dht.put"}));
}

TEST_F(ControlDhtTest, PutGetProvideFindThroughRouter) {
  const std::string value = R"({"createdAt":5,"name":"x"})";
  auto put = call(0, "dht.put", {{"key", "resource:ctl:1"}, {"value_b64", base64_encode(Bytes(value.begin(), value.end()))}});
  ASSERT_TRUE(put.has_value()) << put.error().message();
  EXPECT_EQ(put->at("stored"), 1);
  EXPECT_EQ(put->at("attempted"), 1);
  EXPECT_TRUE(put->at("stats").contains("elapsed_ms"));

  auto got = call(1, "dht.get", {{"key", "resource:ctl:1"}});
  ASSERT_TRUE(got.has_value()) << got.error().message();
  EXPECT_EQ(got->at("value"), value);
  EXPECT_EQ(got->at("value_b64"), base64_encode(Bytes(value.begin(), value.end())));
  EXPECT_EQ(got->at("key"), "resource:ctl:1");

  // CIDv1 raw of a sha2-256 multihash: the provider key is the multihash.
  const std::string cid = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
  auto prov = call(0, "dht.provide", {{"cid", cid}});
  ASSERT_TRUE(prov.has_value()) << prov.error().message();
  auto provs = call(1, "dht.findprovs", {{"cid", cid}, {"limit", 1}});
  ASSERT_TRUE(provs.has_value()) << provs.error().message();
  ASSERT_EQ(provs->at("providers").size(), 1u);
  EXPECT_EQ(provs->at("providers")[0].at("id"), hosts[0]->peer_id().to_string());
  EXPECT_FALSE(provs->at("providers")[0].at("addrs").empty());

  auto fp = call(1, "dht.findpeer", {{"peer", hosts[0]->peer_id().to_string()}});
  ASSERT_TRUE(fp.has_value()) << fp.error().message();
  EXPECT_EQ(fp->at("id"), hosts[0]->peer_id().to_string());
}

TEST_F(ControlDhtTest, BadRequests) {
  auto e = [](control_errc c) { return make_error_code(c); };
  EXPECT_EQ(call(0, "dht.put", {{"value", "{}"}}).error(), e(control_errc::bad_request));
  EXPECT_EQ(call(0, "dht.put", {{"key", 5}, {"value", "{}"}}).error(), e(control_errc::bad_request));
  EXPECT_EQ(call(0, "dht.put", {{"key", "resource:a:b"}, {"value_b64", "%%%"}}).error(), e(control_errc::bad_base64));
  EXPECT_EQ(call(0, "dht.get", Json::object()).error(), e(control_errc::bad_request));
  EXPECT_EQ(call(0, "dht.provide", {{"cid", "not-a-cid"}}).error(), e(control_errc::bad_cid));
  EXPECT_EQ(call(0, "dht.findprovs", {{"key", "k"}, {"limit", 0}}).error(), e(control_errc::bad_request));
  EXPECT_EQ(call(0, "dht.findprovs", {{"key", "k"}, {"limit", "3"}}).error(), e(control_errc::bad_request));
  EXPECT_EQ(call(0, "dht.findpeer", {{"peer", "nope"}}).error(), e(control_errc::bad_peer_id));
  EXPECT_EQ(call(0, "dht.findpeer", Json::object()).error(), e(control_errc::bad_request));
  // DHT errors pass through.
  EXPECT_EQ(call(0, "dht.put", {{"key", "resource:a:b"}, {"value", "not json"}}).error(),
            make_error_code(coordinator::errc::invalid_resource_value));
  EXPECT_EQ(call(1, "dht.get", {{"key", "resource:ctl:none"}}).error(), make_error_code(dht::errc::not_found));
}

}  // namespace
}  // namespace lotus::node
