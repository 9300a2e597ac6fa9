// node::register_resource_methods: the resource.* control methods through the ControlRouter on
// two real loopback nodes (announce on one, discover and get on the other), the record text as
// stored, filters, and request validation.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "coordinator/resource_validator.hpp"
#include "coordinator/resources_directory.hpp"
#include "dht/dht.hpp"
#include "host/host.hpp"
#include "node/control_dht.hpp"
#include "node/services/resources_service.hpp"
#include "runtime/asio.hpp"
#include "unit/host/test_util.hpp"

namespace lotus::node {
namespace {

using namespace lotus::host::testing;
using namespace std::chrono_literals;

class ResourcesControlTest : public ::testing::Test {
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
      cfg.engine.handler.min_announce_interval = 0s;  // index re-PUTs at once in this test
      dhts.push_back(std::make_unique<dht::Dht>(*hosts.back(), cfg, nullptr, coordinator::dht_validators()));
      ASSERT_TRUE(dhts.back()->start().has_value());
      coordinator::ResourceConfig rc;
      rc.index_interval = 0s;
      rc.wall_ms = [t = std::int64_t{1767225600000}]() mutable { return t++; };  // 1 ms per reading
      dirs.push_back(std::make_unique<coordinator::ResourceDirectory>(*dhts.back(), rc));
      ASSERT_TRUE(dirs.back()->start().has_value());
      routers.emplace_back();
      register_resource_methods(routers.back(), *dirs.back());
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
      for (auto& d : dirs) co_await d->stop();
      for (auto& d : dhts) co_await d->stop();
      for (auto& h : hosts) co_await h->stop();
    }());
    dirs.clear();
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
  std::vector<std::unique_ptr<coordinator::ResourceDirectory>> dirs;
  std::vector<ControlRouter> routers;
};

TEST_F(ResourcesControlTest, AnnounceDiscoverGetWithdraw) {
  EXPECT_EQ(routers[0].names(), (std::vector<std::string>{"resource.announce", "resource.discover", "resource.get",
                                                          "resource.withdraw"}));
  const std::string a = hosts[0]->peer_id().to_string();
  // data keeps its member order (it travels as text).
  auto ann = call(0, "resource.announce", {{"type", "pool"}, {"id", "p1"}, {"data", R"({"z": 1, "a": "x"})"}, {"ttl_ms", 60000}});
  ASSERT_TRUE(ann.has_value()) << ann.error().message();
  const std::string record = R"({"resourceId":"p1","resourceType":"pool","creatorPeerId":")" + a +
                             R"(","data":{"z":1,"a":"x"},"createdAt":1767225600000,"expiresAt":1767225660000})";
  EXPECT_EQ(ann->at("key"), "resource:pool:p1");
  EXPECT_EQ(ann->at("record"), record);
  EXPECT_EQ(ann->at("published"), true);
  EXPECT_EQ(ann->at("stored"), 1);
  EXPECT_EQ(ann->at("index_published"), true);
  ASSERT_TRUE(call(0, "resource.announce", {{"type", "pool"}, {"id", "p2"}, {"data", R"({"z": 2})"}}).has_value());

  auto found = call(1, "resource.discover", {{"type", "pool"}});
  ASSERT_TRUE(found.has_value()) << found.error().message();
  ASSERT_EQ(found->at("resources").size(), 2u);
  EXPECT_EQ(found->at("resources")[0], record);
  EXPECT_EQ(found->at("stats").at("providers"), 1);
  EXPECT_EQ(found->at("stats").at("indexes"), 1);
  auto filtered = call(1, "resource.discover", {{"type", "pool"}, {"filters", {{"z", 2}}}});
  ASSERT_TRUE(filtered.has_value());
  ASSERT_EQ(filtered->at("resources").size(), 1u);
  EXPECT_NE(filtered->at("resources")[0].get<std::string>().find(R"("resourceId":"p2")"), std::string::npos);
  auto local = call(1, "resource.discover", {{"type", "pool"}, {"local", true}});  // cached by the discovery
  ASSERT_TRUE(local.has_value());
  EXPECT_EQ(local->at("resources").size(), 2u);
  EXPECT_FALSE(local->contains("stats"));

  auto got = call(1, "resource.get", {{"type", "pool"}, {"id", "p1"}, {"network", true}});
  ASSERT_TRUE(got.has_value()) << got.error().message();
  EXPECT_EQ(got->at("record"), record);
  EXPECT_EQ(call(0, "resource.get", {{"type", "pool"}, {"id", "nope"}}).error(),
            make_error_code(coordinator::resource_errc::not_found));

  auto w = call(0, "resource.withdraw", {{"type", "pool"}, {"id", "p2"}});
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->at("withdrawn"), true);
  EXPECT_EQ(call(0, "resource.withdraw", {{"type", "pool"}, {"id", "p2"}})->at("withdrawn"), false);
}

TEST_F(ResourcesControlTest, BadRequests) {
  auto e = [](control_errc c) { return make_error_code(c); };
  EXPECT_EQ(call(0, "resource.announce", {{"id", "x"}}).error(), e(control_errc::bad_request));
  EXPECT_EQ(call(0, "resource.announce", {{"type", "t"}, {"id", "x"}, {"data", 5}}).error(), e(control_errc::bad_request));
  EXPECT_EQ(call(0, "resource.announce", {{"type", "t"}, {"id", "x"}, {"ttl_ms", "5"}}).error(), e(control_errc::bad_request));
  EXPECT_EQ(call(0, "resource.get", {{"type", "t"}, {"id", "x"}, {"network", 1}}).error(), e(control_errc::bad_request));
  EXPECT_EQ(call(0, "resource.discover", {{"type", "t"}, {"filters", "x"}}).error(), e(control_errc::bad_request));
  EXPECT_EQ(call(0, "resource.withdraw", Json::object()).error(), e(control_errc::bad_request));
  // Errors of the directory pass through.
  EXPECT_EQ(call(0, "resource.announce", {{"type", "a:b"}, {"id", "x"}}).error(),
            make_error_code(coordinator::resource_errc::invalid_type));
  EXPECT_EQ(call(0, "resource.announce", {{"type", "t"}, {"id", "x"}, {"data", "{"}}).error(),
            make_error_code(coordinator::resource_errc::invalid_data));
  EXPECT_EQ(call(0, "resource.discover", {{"type", ""}}).error(), make_error_code(coordinator::resource_errc::invalid_type));
}

}  // namespace
}  // namespace lotus::node
