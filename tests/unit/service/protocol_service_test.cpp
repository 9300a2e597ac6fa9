// host::ProtocolService on real loopback hosts: handlers run in the host's task or in the
// service's scope, stop() detaches from the host first, then resets live streams (inbound and
// tracked outbound ones), then runs the owner's on_stop callbacks, then joins; the host's
// per-protocol inbound limit sees only in_host_task handlers.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "host/protocol_service.hpp"
#include "runtime/signal.hpp"
#include "service_test_util.hpp"

namespace lotus::host::testing {
namespace {

using namespace std::chrono_literals;
using Run = ProtocolService::Run;

constexpr const char* kInHost = "/test/in-host/1.0.0";
constexpr const char* kInScope = "/test/in-scope/1.0.0";

// What the handlers and callbacks saw, in order.
struct Journal {
  explicit Journal(asio::io_context& io) : changed(io.get_executor()) {}
  runtime::Signal changed;
  std::vector<std::string> lines;
  std::vector<Stream*> live;  // streams of the handlers inside their read
  void add(std::string line) {
    lines.push_back(std::move(line));
    changed.notify();
  }
};

// Reads until the stream ends, then records how it ended.
asio::awaitable<void> hold(std::shared_ptr<Journal> j, std::string name, Stream& s) {
  j->live.push_back(&s);
  j->changed.notify();
  std::array<std::uint8_t, 16> buf{};
  Result<std::size_t> r = std::size_t{0};
  do r = co_await s.read_some(MutBytesView(buf));
  while (r && *r != 0);
  std::erase(j->live, &s);
  j->add(name + (r ? " closed" : " reset"));
}

class ProtocolServiceTest : public TwoHosts {
 protected:
  Config server_config() override {
    Config c;
    c.conn_manager.max_inbound_streams_per_protocol = 1;
    return c;
  }
  void SetUp() override {
    TwoHosts::SetUp();
    journal = std::make_shared<Journal>(io);
    svc = std::make_unique<ProtocolService>(*server);
    auto j = journal;
    svc->handle(kInHost, [j](Stream& s) { return hold(j, "in-host", s); }, Run::in_host_task);
    svc->handle(kInScope, [j](Stream& s) { return hold(j, "in-scope", s); }, Run::in_scope, "test inbound");
  }
  void TearDown() override {
    run(io, svc->stop());
    svc.reset();
    TwoHosts::TearDown();
  }
  asio::awaitable<bool> until_running(std::size_t n) {
    const auto limit = Clock::now() + 10s;
    while (journal->live.size() < n)
      if (!co_await journal->changed.wait_until(limit)) co_return false;
    co_return true;
  }

  asio::awaitable<bool> until_idle() {
    const auto limit = Clock::now() + 10s;
    while (!journal->live.empty())
      if (!co_await journal->changed.wait_until(limit)) co_return false;
    co_return true;
  }

  std::shared_ptr<Journal> journal;
  std::unique_ptr<ProtocolService> svc;
};

TEST_F(ProtocolServiceTest, StopDetachesResetsRunsCallbacksThenJoins) {
  EXPECT_TRUE(svc->handles(kInHost));
  EXPECT_TRUE(svc->handles(kInScope));
  std::size_t connected = 0;
  svc->listen([&connected](const Event& e) { connected += std::holds_alternative<PeerConnected>(e) ? 1 : 0; });
  run(io, [&]() -> asio::awaitable<void> {
    auto a = co_await open(kInHost);
    CO_ASSERT_OK(a);
    auto b = co_await open(kInScope);
    CO_ASSERT_OK(b);
    CO_ASSERT_OK(co_await a->write(Bytes(1, 1)));  // lazy multistream: the first write negotiates
    CO_ASSERT_OK(co_await b->write(Bytes(1, 1)));
    CO_ASSERT_TRUE(co_await until_running(2));
    EXPECT_EQ(connected, 1u);

    // An outbound stream of the service, tracked: reset by stop() too.
    auto out = co_await server->new_stream(client->peer_id(), make_protocols(std::string(kIdentifyProtocol)));
    CO_ASSERT_OK(out);
    auto tracked = svc->track(*out);

    // The owner's callbacks run after every live stream was reset, in registration order.
    auto j = journal;
    Stream* outp = &*out;
    svc->on_stop([j, outp] {
      std::size_t reset = outp->is_reset() ? 1 : 0;
      for (auto* s : j->live) reset += s->is_reset() ? 1 : 0;
      j->add("on_stop 1: " + std::to_string(reset) + " reset");
    });
    svc->on_stop([j] { j->add("on_stop 2"); });

    co_await svc->stop();
    // Joined: the in-scope handler has ended (the in-host one is the host's task).
    EXPECT_TRUE(svc->stopping());
    EXPECT_TRUE(out->is_reset());
    EXPECT_FALSE(svc->handles(kInHost));
    EXPECT_FALSE(svc->handles(kInScope));
    EXPECT_FALSE(svc->spawn([]() -> asio::awaitable<void> { co_return; }(), "late"));
    std::vector<std::string> lines = journal->lines;
    EXPECT_NE(std::find(lines.begin(), lines.end(), "in-scope reset"), lines.end());

    // Handlers and listener are gone from the host.
    auto again = co_await open(kInScope);
    if (again) {
      std::array<std::uint8_t, 4> buf{};
      auto r = co_await again->read_some(MutBytesView(buf));
      EXPECT_EQ(r.error(), make_error_code(errc::protocol_not_supported));
    }
    client->disconnect(server->peer_id());
    CO_ASSERT_OK(co_await client->dial(server_addr));  // a new connection: no event for us
    CO_ASSERT_TRUE(co_await until_idle());  // the in-host handler saw its reset too
  }());
  const auto& lines = journal->lines;
  ASSERT_GE(lines.size(), 4u);
  EXPECT_EQ(lines[0], "on_stop 1: 3 reset");
  EXPECT_EQ(lines[1], "on_stop 2");
  EXPECT_NE(std::find(lines.begin(), lines.end(), "in-host reset"), lines.end());
  EXPECT_EQ(connected, 1u);
}

TEST_F(ProtocolServiceTest, OnlyHostTaskHandlersCountAgainstTheHostsPerProtocolLimit) {
  // The server host allows one inbound stream per protocol per connection while its handler runs.
  run(io, [&]() -> asio::awaitable<void> {
    std::vector<Stream> keep;
    const auto protocols = make_protocols(kInScope, kInScope, kInHost);  // no braced list (g++ 12)
    for (const auto& p : protocols) {
      auto s = co_await open(p);
      CO_ASSERT_OK(s);
      CO_ASSERT_OK(co_await s->write(Bytes(1, 1)));
      keep.push_back(std::move(*s));
    }
    CO_ASSERT_TRUE(co_await until_running(3));
    // A second in-host stream while the first one's handler runs is refused by the host.
    auto extra = co_await open(kInHost);
    CO_ASSERT_OK(extra);
    CO_ASSERT_OK(co_await extra->write(Bytes(1, 1)));
    std::array<std::uint8_t, 4> buf{};
    auto r = co_await extra->read_some(MutBytesView(buf));
    EXPECT_FALSE(r.has_value());
    EXPECT_EQ(journal->live.size(), 3u);
    const auto& refusals = server->metrics().limit_refusals;
    auto it = refusals.find("streams_per_protocol");
    CO_ASSERT_TRUE(it != refusals.end());
    EXPECT_EQ(it->second, 1u);
  }());
}

TEST_F(ProtocolServiceTest, UnhandleRemovesOnlyThatProtocol) {
  svc->unhandle(kInScope);
  EXPECT_FALSE(svc->handles(kInScope));
  EXPECT_TRUE(svc->handles(kInHost));
  run(io, [&]() -> asio::awaitable<void> {
    auto s = co_await open(kInScope);
    if (s) {
      std::array<std::uint8_t, 4> buf{};
      auto r = co_await s->read_some(MutBytesView(buf));
      EXPECT_EQ(r.error(), make_error_code(errc::protocol_not_supported));
    }
  }());
}

}  // namespace
}  // namespace lotus::host::testing
