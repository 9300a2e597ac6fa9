// The daemon's resources service runs our own announcements through the security manager
// (resource_gates.hpp: own_announce_gate, resource_remover, record_gate): re-announcing one
// resource within MIN_DHT_ANNOUNCEMENT_INTERVAL and records above our DHT record size limit are
// refused with their reason and counted on /metrics, the node never warns or bans itself, and
// withdraw / expiry free the manager's per-type slot. A real node (node::Node, DHT on, no peers:
// announcements stay local), driven on its io thread.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "coordinator/resources.hpp"
#include "coordinator/security.hpp"
#include "node/metrics_text.hpp"
#include "node/node.hpp"
#include "node/services/resources_service.hpp"
#include "node/services/security_service.hpp"
#include "runtime/asio.hpp"

namespace lotus::node {
namespace {

namespace fs = std::filesystem;
namespace co = coordinator;
using namespace std::chrono_literals;

class ResourcesSecurityTest : public ::testing::Test {
 protected:
  template <class F>
  auto on_io(F f) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto fut = task.get_future();
    asio::post(io, [&task] { task(); });
    return fut.get();
  }
  void SetUp() override {
    char tmpl[] = "/tmp/lotus-resources-security-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    m_dir = tmpl;
    m_guard.emplace(io.get_executor());
    m_thread = std::thread([this] { io.run(); });
  }
  // Starts the node with the default configuration plus `flags`.
  void start(std::vector<std::pair<std::string, std::string>> flags = {}) {
    ConfigSources s;
    s.data_dir = m_dir;
    s.flags = {{"listen", "/ip4/127.0.0.1/tcp/0"}, {"api-listen", "127.0.0.1:0"}, {"peer-store-redial", "0"}};
    s.flags.insert(s.flags.end(), flags.begin(), flags.end());
    auto l = load_config_from_text(s, std::nullopt, "none");
    ASSERT_TRUE(l) << l.error().message;
    node.emplace(io, *l);
    auto started = on_io([&] { return node->start(); });
    ASSERT_TRUE(started) << node->error_message();
    auto* res = node->service<ResourcesService>();
    auto* sec = node->service<SecurityService>();
    ASSERT_NE(res, nullptr);
    ASSERT_NE(sec, nullptr);
    dir = &res->directory();
    sm = sec->manager();
  }
  void TearDown() override {
    if (node) {
      std::promise<void> done;
      asio::co_spawn(io, node->stop(), [&done](std::exception_ptr) { done.set_value(); });
      EXPECT_EQ(done.get_future().wait_for(60s), std::future_status::ready);
    }
    m_guard.reset();
    io.stop();
    if (m_thread.joinable()) m_thread.join();
    node.reset();
    std::error_code ec;
    fs::remove_all(m_dir, ec);
  }

  template <class T>
  T await_io(asio::awaitable<T> a) {
    std::promise<T> p;
    asio::co_spawn(
        io, [&p](asio::awaitable<T> inner) -> asio::awaitable<void> { p.set_value(co_await std::move(inner)); }(std::move(a)),
        asio::detached);
    auto f = p.get_future();
    EXPECT_EQ(f.wait_for(60s), std::future_status::ready);
    return f.get();
  }
  Status announce(std::string type, std::string id, std::optional<std::string> data = std::nullopt,
                  co::AnnounceOptions opts = {}) {
    auto r = await_io(dir->announce_resource(std::move(type), std::move(id), std::move(data), opts));
    if (!r) return r.error();
    return {};
  }
  double metric(const std::string& name, const std::map<std::string, std::string>& labels) {
    const std::string text = on_io([&] { return node->metrics_text(); });
    auto prom = parse_prometheus(text);
    EXPECT_TRUE(prom) << text;
    if (!prom || !prom->has(name, labels)) return -1;
    return prom->value(name, labels);
  }

  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> m_guard;
  std::thread m_thread;
  fs::path m_dir;
  std::optional<Node> node;
  co::ResourceDirectory* dir = nullptr;
  std::shared_ptr<co::SecurityManager> sm;
};

TEST_F(ResourcesSecurityTest, AnnouncementSpamIsRefusedWithItsReasonAndCounted) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_TRUE(announce("session", "a", R"({"k":1})"));
  // The same resource again within MIN_DHT_ANNOUNCEMENT_INTERVAL (30 s): refused, six times.
  for (int i = 0; i < 6; ++i) EXPECT_EQ(announce("session", "a", R"({"k":2})").error(), co::security_errc::dht_rate_limited);
  // The book still holds the first one.
  auto held = on_io([&] { return dir->get_resource("session", "a"); });
  ASSERT_TRUE(held);
  EXPECT_EQ(held->data, R"({"k":1})");
  // A record above our DHT record size limit (10 000 B; the book alone allows 32 KiB).
  const std::string big = "\"" + std::string(12'000, 'x') + "\"";
  EXPECT_EQ(announce("session", "big", big).error(), co::security_errc::dht_record_too_large);
  // Another resource is fine: the interval is per key for our own announcements.
  EXPECT_TRUE(announce("session", "b"));

  // Counted on /metrics with the reason, and as refused announcements of the resources service.
  EXPECT_EQ(metric("lotus_p2p_security_refusals_total", {{"reason", "dht_rate_limited"}}), 6);
  EXPECT_EQ(metric("lotus_p2p_security_refusals_total", {{"reason", "dht_record_too_large"}}), 1);
  EXPECT_EQ(metric("lotus_p2p_resource_announcements_total", {{"result", "refused"}}), 7);
  EXPECT_EQ(metric("lotus_p2p_resource_announcements_total", {{"result", "accepted"}}), 2);
  // Seven refusals of our own announcements never warn or ban ourselves.
  const auto self = node->host().peer_id();
  auto st = on_io([&] { return sm->peer_security(self, Clock::now()); });
  ASSERT_TRUE(st);
  EXPECT_EQ(st->warnings, 0.0);
  EXPECT_FALSE(st->banned);
  EXPECT_EQ(st->resources, 2u);
  EXPECT_EQ(on_io([&] { return sm->metrics().warnings; }), 0u);
}

TEST_F(ResourcesSecurityTest, WithdrawAndExpiryFreeTheSlot) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto limit = sm->limits().max_dht_resources_per_type_per_peer;  // 20
  ASSERT_EQ(limit, 20u);
  // One announcement that is already expired (the book no longer counts it; the manager does
  // until the directory's maintenance drops it) and limit - 1 live ones.
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  co::AnnounceOptions past;
  past.expires_at = now_ms - 60'000;
  ASSERT_TRUE(announce("t", "old", std::nullopt, past));
  for (std::size_t i = 0; i + 1 < limit; ++i) ASSERT_TRUE(announce("t", "r" + std::to_string(i))) << i;
  // The manager's per-type limit is reached.
  EXPECT_EQ(announce("t", "x").error(), co::security_errc::dht_type_limit);
  EXPECT_EQ(metric("lotus_p2p_security_refusals_total", {{"reason", "dht_type_limit"}}), 1);

  // Expiry frees the expired one's slot.
  await_io([](co::ResourceDirectory* d) -> asio::awaitable<int> {
    co_await d->maintain();
    co_return 0;
  }(dir));
  EXPECT_TRUE(announce("t", "x"));
  // Full again (the book's own count, which follows the manager's limit, refuses first now);
  // withdraw frees the slot in both — without resource_remover the manager would refuse.
  EXPECT_EQ(announce("t", "y").error(), co::resource_errc::own_type_limit);
  EXPECT_TRUE(await_io(dir->withdraw_resource("t", "r0")));
  EXPECT_TRUE(announce("t", "y"));
  auto st = on_io([&] { return sm->peer_security(node->host().peer_id(), Clock::now()); });
  ASSERT_TRUE(st);
  EXPECT_EQ(st->resources, limit);
}

// securityConfig.customLimits as configuration keys: the limits of the node's own announcements.
TEST_F(ResourcesSecurityTest, CustomLimitsFromTheConfiguration) {
  ASSERT_NO_FATAL_FAILURE(start({{"security-max-dht-resources-per-peer", "3"},
                                 {"security-max-dht-resources-per-type-per-peer", "2"},
                                 {"security-max-dht-record-size", "300"}}));
  EXPECT_EQ(sm->limits().max_dht_resources_per_peer, 3u);
  EXPECT_TRUE(announce("a", "1"));
  EXPECT_TRUE(announce("a", "2"));
  // The book follows the manager's limits, so it refuses first.
  EXPECT_EQ(announce("a", "3").error(), co::resource_errc::own_type_limit);
  EXPECT_TRUE(announce("b", "1"));
  EXPECT_EQ(announce("c", "1").error(), co::resource_errc::own_limit);
  EXPECT_TRUE(await_io(dir->withdraw_resource("b", "1")));
  EXPECT_EQ(announce("c", "1", "\"" + std::string(300, 'x') + "\"").error(), co::security_errc::dht_record_too_large);
  EXPECT_TRUE(announce("c", "1", R"({"small":true})"));
}

}  // namespace
}  // namespace lotus::node
