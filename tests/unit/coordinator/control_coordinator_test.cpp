// Control API methods of the coordinator (node/control_coordinator): called through the
// ControlRouter directly on two coordinators over loopback. p2p.send delivers to the other
// side's p2p.messages stream (byte-exact text, authenticated peer), p2p.broadcast reports its
// targets, malformed requests are coordinator_errc::bad_request, and the stream ends when the
// coordinator stops.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "base/secure.hpp"
#include "coordinator/coordinator.hpp"
#include "node/control_coordinator.hpp"
#include "runtime/signal.hpp"
#include "unit/host/test_util.hpp"

namespace lotus::node {
namespace {

using namespace lotus::host::testing;
using namespace std::chrono_literals;
namespace co = lotus::coordinator;

struct Side {
  std::unique_ptr<host::Host> host;
  std::unique_ptr<co::Coordinator> coord;
  mf::Multiaddr addr;
  ControlRouter router;
};

class ControlCoordinatorTest : public ::testing::Test {
 public:
  void SetUp() override {
    for (auto* s : {&a, &b}) {
      auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
      ASSERT_TRUE(key.has_value());
      s->host = std::make_unique<host::Host>(io, std::move(*key));
      auto bound = s->host->listen(*mf::Multiaddr::parse("/ip4/127.0.0.1/tcp/0"));
      ASSERT_TRUE(bound.has_value());
      s->addr = bound->with_peer_id(s->host->peer_id());
      s->coord = std::make_unique<co::Coordinator>(*s->host, co::Config{}, nullptr, nullptr, rng);
      ASSERT_TRUE(s->coord->start().has_value());
      register_coordinator_methods(s->router, *s->coord);
    }
  }
  void TearDown() override {
    run(io, stop_all());
    io.restart();
    io.poll();
  }
  asio::awaitable<void> stop_all() {
    for (auto* s : {&a, &b})
      if (s->coord) co_await s->coord->stop();
    for (auto* s : {&a, &b})
      if (s->host) co_await s->host->stop();
  }

  asio::io_context io;
  DeterministicRng rng{5};
  Side a, b;
};

// Requests are parsed from text: g++ 12 miscompiles braced initializer lists inside coroutines.
Json J(const std::string& text) { return Json::parse(text); }

// Not a coroutine (g++ 12 double-destroys by-value coroutine parameters built from temporaries).
asio::awaitable<Result<Json>> call(Side& s, const std::string& method, const Json& req) {
  const ControlMethod* m = s.router.find(method);
  if (!m || !m->unary) throw std::runtime_error("no unary method " + method);
  return m->unary(req);
}

TEST_F(ControlCoordinatorTest, RegistersTheThreeMethods) {
  const std::vector<std::string> want{"p2p.broadcast", "p2p.messages", "p2p.send"};
  EXPECT_EQ(a.router.names(), want);
  EXPECT_TRUE(a.router.find("p2p.messages")->streaming);
}

asio::awaitable<void> flow(Side* a, Side* b) {
  CO_ASSERT_OK(co_await a->coord->connect_to_peer(b->addr));
  std::vector<Json> items;
  auto sig = std::make_shared<runtime::Signal>(b->host->io_context().get_executor());
  bool done = false;
  Status status;
  Emit emit = [&items, sig](Json item) -> asio::awaitable<Status> {
    items.push_back(std::move(item));
    sig->notify();
    co_return Status{};
  };
  const ControlMethod* m = b->router.find("p2p.messages");
  const Json empty = Json::object();
  asio::co_spawn(b->host->io_context(), m->streaming(empty, emit), [&done, &status, sig](std::exception_ptr, Status st) {
    done = true;
    status = st;
    sig->notify();
  });

  Json req = J(R"({"type":"data-message","payload_json":"{\"b\":1,\"a\":[true,null]}","protocol":"test"})");
  req["peer"] = b->host->peer_id().to_string();
  auto r = co_await call(*a, "p2p.send", req);
  CO_ASSERT_OK(r);
  const std::string id = (*r)["message_id"].get<std::string>();
  const auto deadline = Clock::now() + 20s;
  while (items.empty()) CO_ASSERT_TRUE(co_await sig->wait_until(deadline));
  EXPECT_EQ(items[0]["peer"], a->host->peer_id().to_string());
  EXPECT_EQ(items[0]["via"], "direct");
  EXPECT_EQ(items[0]["message_id"], id);
  EXPECT_EQ(items[0]["protocol"], "test");
  const std::string text = items[0]["text"].get<std::string>();
  EXPECT_NE(text.find(R"("payload":{"b":1,"a":[true,null]})"), std::string::npos) << text;  // member order kept
  EXPECT_EQ((*r)["bytes"].get<std::size_t>(), text.size());

  auto br = co_await call(*a, "p2p.broadcast", J(R"({"type":"data-broadcast","payload":{"x":1}})"));
  CO_ASSERT_OK(br);
  EXPECT_EQ((*br)["targets"], 1);
  EXPECT_EQ((*br)["sent"], 1);
  EXPECT_EQ((*br)["published"], false);
  while (items.size() < 2) CO_ASSERT_TRUE(co_await sig->wait_until(deadline));
  EXPECT_EQ(items[1]["type"], "data-broadcast");

  for (const char* bad : {R"({})", R"({"type":""})", R"({"type":"t","payload_json":"{"})", R"({"type":"t","protocol":5})",
                          R"({"type":"t","network_wide":"yes"})", R"({"type":"t","exclude":["nope"]})"}) {
    auto e = co_await call(*a, "p2p.broadcast", J(bad));
    EXPECT_EQ(e.error(), co::coordinator_errc::bad_request) << bad;
  }
  auto e = co_await call(*a, "p2p.send", J(R"({"type":"t","peer":"not-a-peer"})"));
  EXPECT_EQ(e.error(), co::coordinator_errc::bad_request);

  // The stream ends when the coordinator stops.
  co_await b->coord->stop();
  while (!done) CO_ASSERT_TRUE(co_await sig->wait_until(deadline));
  EXPECT_TRUE(status.has_value());
}

TEST_F(ControlCoordinatorTest, SendReachesTheOtherSidesMessageStream) { run(io, flow(&a, &b)); }

}  // namespace
}  // namespace lotus::node
