// Services as plug-ins of node::Node: a service registered through NodeOptions::extra_services
// adjusts the host configuration, is started after the built-in ones in order and stopped in
// reverse, and shows in GET /status, GET /metrics and the control API (over the real control
// server on loopback TCP); a service whose start fails stops the node's start with its message
// and the services started before it are stopped.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "node/control_client.hpp"
#include "node/errors.hpp"
#include "node/metrics_text.hpp"
#include "node/node.hpp"
#include "runtime/asio.hpp"

namespace lotus::node {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// What happened, in order, across the fake services (written on the io thread, read after).
struct Journal {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> events;
  void add(std::string e) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      events.push_back(std::move(e));
    }
    changed.notify_all();
  }
  // Waits until at least `n` events were recorded (or the deadline passed).
  void wait_for(std::size_t n, std::chrono::seconds limit) {
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait_for(lock, limit, [&] { return events.size() >= n; });
  }
  std::vector<std::string> snapshot() {
    std::lock_guard<std::mutex> lock(mutex);
    return events;
  }
};

asio::awaitable<Result<Json>> hello(std::string name, Json req) {
  Json out = Json::object();
  out["name"] = name;
  out["echo"] = req.value("say", std::string());
  co_return out;
}

class FakeService final : public Service {
 public:
  FakeService(std::string name, Journal& j, bool fail) : m_name(std::move(name)), m_journal(j), m_fail(fail) {}
  std::string_view name() const override { return m_name; }
  void configure_host(host::Config& hc) override {
    m_journal.add("configure:" + m_name);
    hc.protocol_version = "fake/1";
  }
  Status start(ServiceContext& ctx) override {
    m_journal.add("start:" + m_name);
    if (m_fail) return ctx.fail(node_errc::bad_request, "fake service " + m_name + " refuses to start");
    m_host_protocol_version = ctx.host.config().protocol_version;
    m_saw_security = ctx.services.find("security") != nullptr;
    return Status{};
  }
  asio::awaitable<void> stop() override {
    m_journal.add("stop:" + m_name);
    co_return;
  }
  asio::awaitable<void> after_host_stopped() override {
    m_journal.add("after:" + m_name);
    co_return;
  }
  void add_methods(ControlRouter& r) override {
    std::string n = m_name;
    r.add({m_name + ".hello", "says hello", [n](Json req) { return hello(n, std::move(req)); }, nullptr});
  }
  std::optional<Json> status() const override {
    Json j;
    j["protocol_version_seen"] = m_host_protocol_version;
    j["saw_security"] = m_saw_security;
    return j;
  }
  void metrics(PromWriter& w) const override {
    w.family(m_name + "_things_total", "counter", "Things a fake service counted.");
    w.u(m_name + "_things_total", 7, {{"kind", "fake"}});
  }

 private:
  std::string m_name;
  Journal& m_journal;
  bool m_fail;
  std::string m_host_protocol_version;
  bool m_saw_security = false;
};

ServiceFactory fake(const std::string& name, Journal& j, bool fail = false) {
  return {name, {}, [name, &j, fail](const LoadedConfig&, const NodeOptions&) -> std::unique_ptr<Service> {
            return std::make_unique<FakeService>(name, j, fail);
          }};
}

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lotus-service-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    m_dir = tmpl;
    m_guard.emplace(io.get_executor());
    m_thread = std::thread([this] { io.run(); });
  }
  void TearDown() override {
    m_guard.reset();
    io.stop();
    if (m_thread.joinable()) m_thread.join();
    std::error_code ec;
    fs::remove_all(m_dir, ec);
  }

  LoadedConfig config() {
    ConfigSources s;
    s.data_dir = m_dir;
    s.flags = {{"listen", "/ip4/127.0.0.1/tcp/0"}, {"api-listen", "127.0.0.1:0"}, {"peer-store-redial", "0"}};
    auto l = load_config_from_text(s, std::nullopt, "none");
    EXPECT_TRUE(l) << (l ? "" : l.error().message);
    return *l;
  }

  // Runs `f` on the io thread and waits for it.
  template <class F>
  auto on_io(F f) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto fut = task.get_future();
    asio::post(io, [&task] { task(); });
    return fut.get();
  }
  void stop(Node& n) {
    std::promise<void> done;
    asio::co_spawn(io, n.stop(), [&done](std::exception_ptr) { done.set_value(); });
    ASSERT_EQ(done.get_future().wait_for(60s), std::future_status::ready);
  }

  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> m_guard;
  std::thread m_thread;
  fs::path m_dir;
};

TEST_F(ServiceTest, RegisteredServiceStartsStopsInReverseAndShowsEverywhere) {
  Journal journal;
  NodeOptions opt;
  opt.extra_services.push_back(fake("fake_a", journal));
  opt.extra_services.push_back(fake("fake_b", journal));
  Node n(io, config(), std::move(opt));
  auto started = on_io([&] { return n.start(); });
  ASSERT_TRUE(started) << n.error_message();

  EXPECT_EQ(journal.snapshot(),
            (std::vector<std::string>{"configure:fake_a", "configure:fake_b", "start:fake_a", "start:fake_b"}));
  ASSERT_TRUE(n.api_endpoint());
  // The API listens on TCP: the CLI's token lookup finds <data dir>/api.token.
  ControlClient client(*n.api_endpoint(), 30s, default_api_token(*n.api_endpoint(), std::nullopt, m_dir.string(), {}));

  // Status: the section of each service under its name, and the running services in order.
  auto status = client.get("/status");
  ASSERT_TRUE(status) << status.error.message;
  const Json s = Json::parse(*status.value);
  ASSERT_TRUE(s.contains("fake_a"));
  EXPECT_EQ(s["fake_a"]["protocol_version_seen"], "fake/1");  // configure_host reached the host
  EXPECT_EQ(s["fake_b"]["saw_security"], true);               // built-ins started before it
  EXPECT_EQ(s["services"], Json::parse(R"(["security","connection_manager","peer_store","dht","resources","gossipsub","coordinator","chain","fake_a","fake_b"])"));
  EXPECT_TRUE(s.contains("connection_manager"));
  EXPECT_EQ(s["connection_manager"]["max_connections"], 50);
  EXPECT_TRUE(s.contains("dht"));
  EXPECT_TRUE(s.contains("security"));
  // The `status` control method serves the same document.
  auto via_method = client.call("status");
  ASSERT_TRUE(via_method) << via_method.error.message;
  EXPECT_EQ((*via_method.value)["fake_b"], s["fake_b"]);

  // Metrics: the service's family, parsed by the strict parser (so no duplicate series).
  auto metrics = client.get("/metrics");
  ASSERT_TRUE(metrics) << metrics.error.message;
  auto prom = parse_prometheus(*metrics.value);
  ASSERT_TRUE(prom) << *metrics.value;
  EXPECT_EQ(prom->value("lotus_p2p_fake_a_things_total", {{"kind", "fake"}}), 7);
  EXPECT_EQ(prom->value("lotus_p2p_fake_b_things_total", {{"kind", "fake"}}), 7);
  EXPECT_EQ(prom->types.at("lotus_p2p_gate_refusals_total"), "counter");
  EXPECT_TRUE(prom->has("lotus_p2p_dht_routing_table_peers"));
  EXPECT_TRUE(prom->has("lotus_p2p_banned", {{"kind", "peer"}}));

  // Control API: the service's method, listed and callable.
  auto reply = client.call("fake_b.hello", Json{{"say", "hi"}});
  ASSERT_TRUE(reply) << reply.error.message;
  EXPECT_EQ(*reply.value, Json::parse(R"({"name":"fake_b","echo":"hi"})"));
  auto methods = client.call("api.methods");
  ASSERT_TRUE(methods);
  bool listed = false;
  for (const auto& m : (*methods.value)["methods"]) listed = listed || m["name"] == "fake_a.hello";
  EXPECT_TRUE(listed);

  stop(n);
  EXPECT_EQ(journal.snapshot(),
            (std::vector<std::string>{"configure:fake_a", "configure:fake_b", "start:fake_a", "start:fake_b",
                                      "stop:fake_b", "stop:fake_a", "after:fake_b", "after:fake_a"}));
}

TEST_F(ServiceTest, FailingServiceStopsTheStartAndTheStartedOnes) {
  Journal journal;
  NodeOptions opt;
  opt.extra_services.push_back(fake("fake_ok", journal));
  opt.extra_services.push_back(fake("fake_bad", journal, true));
  opt.extra_services.push_back(fake("fake_never", journal));
  Node n(io, config(), std::move(opt));
  auto started = on_io([&] { return n.start(); });
  ASSERT_FALSE(started);
  EXPECT_EQ(n.error_message(), "fake service fake_bad refuses to start");
  // fake_never is configured but not started; fake_ok (and the built-ins) are stopped.
  journal.wait_for(7, 30s);
  EXPECT_EQ(journal.snapshot(),
            (std::vector<std::string>{"configure:fake_ok", "configure:fake_bad", "configure:fake_never", "start:fake_ok",
                                      "start:fake_bad", "stop:fake_ok", "after:fake_ok"}));
}

}  // namespace
}  // namespace lotus::node
