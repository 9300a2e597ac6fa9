// perf (/perf/1.0.0) against js-libp2p 3.1 with our spec-written js side (js/perf.mjs), both
// directions. Assertions on the byte counts both sides observed.
#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <vector>

#include "host/perf_service.hpp"
#include "interop_fixture.hpp"

namespace lotus::interop {
namespace {

// The js peer serves /perf/1.0.0 (--perf-server).
class PerfInterop : public InteropTest {
 protected:
  void SetUp() override {
    node = std::make_unique<CppNode>(CppNode::Options{"/ip4/127.0.0.1/tcp/0", kCppAgent, true});
    js = std::make_unique<JsPeer>(JsPeer::Options{{"--agent", kJsAgent, "--perf-server"}, 20s, "js"});
  }

  // Runs the C++ perf client against js.
  Result<host::PerfResult> cpp_perf(std::uint64_t up, std::uint64_t down) {
    auto c = dial(js->addr());
    if (!c) return c.error();
    return node->run(
        [this, up, down]() { return host::run_perf(node->host(), js_pid(), up, down); }, 60s);
  }

  // Runs of our perf server, recorded on the io thread.
  struct Runs {
    std::mutex mu;
    std::vector<host::PerfServerRun> runs;
  };
  std::shared_ptr<Runs> enable_cpp_server(std::uint64_t max_download = std::uint64_t{4} << 30) {
    auto runs = std::make_shared<Runs>();
    node->run([this, runs, max_download]() -> asio::awaitable<void> {
      host::PerfServerConfig sc;
      sc.max_download_bytes = max_download;
      sc.on_run = [runs](const host::PerfServerRun& r) {
        std::lock_guard lk(runs->mu);
        runs->runs.push_back(r);
      };
      host::enable_perf_server(node->host(), sc);
      co_return;
    });
    return runs;
  }
  static std::vector<host::PerfServerRun> wait_runs(const std::shared_ptr<Runs>& runs, std::size_t n) {
    for (int i = 0; i < 2000; ++i) {
      {
        std::lock_guard lk(runs->mu);
        if (runs->runs.size() >= n) return runs->runs;
      }
      std::this_thread::sleep_for(10ms);  // polling a condition with a deadline, not a timed assertion
    }
    std::lock_guard lk(runs->mu);
    return runs->runs;
  }
};

TEST_F(PerfInterop, CppClientJsServer) {
  const std::uint64_t up = 8 * kMiB + 5, down = 16 * kMiB + 3;
  const auto since = js->next_event_seq();
  auto r = cpp_perf(up, down);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->uploaded, up);
  EXPECT_EQ(r->downloaded, down);
  const json ev = js->wait_event({{"type", "perf_server"}}, since);
  EXPECT_EQ(ev.value("outcome", ""), "closed") << ev.dump();
  EXPECT_EQ(ev.value("peerId", ""), node->peer_id_str());
  EXPECT_EQ(ev.value("requested", std::uint64_t{0}), down);
  EXPECT_EQ(ev.value("uploaded", std::uint64_t{0}), up);
  EXPECT_EQ(ev.value("downloaded", std::uint64_t{0}), down);
}

TEST_F(PerfInterop, CppClientJsServerZeroBytes) {
  const auto since = js->next_event_seq();
  auto r = cpp_perf(0, 0);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->uploaded, 0u);
  EXPECT_EQ(r->downloaded, 0u);
  const json ev = js->wait_event({{"type", "perf_server"}}, since);
  EXPECT_EQ(ev.value("outcome", ""), "closed") << ev.dump();
  EXPECT_EQ(ev.value("requested", std::uint64_t{1}), 0u);
}

TEST_F(PerfInterop, JsClientCppServer) {
  auto runs = enable_cpp_server();
  const std::uint64_t up = 8 * kMiB + 7, down = 16 * kMiB + 1;
  const json r = js->call("perf", {{"addr", node->addr()}, {"upload", up}, {"download", down}}, 60s);
  EXPECT_EQ(r.value("uploaded", std::uint64_t{0}), up) << r.dump();
  EXPECT_EQ(r.value("downloaded", std::uint64_t{0}), down) << r.dump();
  const auto seen = wait_runs(runs, 1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_FALSE(seen[0].error) << seen[0].error.message();
  EXPECT_EQ(seen[0].peer, js_pid());
  EXPECT_EQ(seen[0].requested, down);
  EXPECT_EQ(seen[0].uploaded, up);
  EXPECT_EQ(seen[0].downloaded, down);
}

TEST_F(PerfInterop, CppServerRefusesAbsurdRequestFromJs) {
  auto runs = enable_cpp_server(kMiB);
  const json reply = js->request("perf", {{"addr", node->addr()}, {"upload", 10}, {"download", 2 * kMiB}});
  EXPECT_TRUE(reply.contains("error")) << reply.dump();
  const auto seen = wait_runs(runs, 1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].error, proto::perf::errc::download_too_large);
  EXPECT_EQ(seen[0].downloaded, 0u);
}

TEST_F(PerfInterop, CppServerDisabledByDefault) {
  const json reply = js->request("perf", {{"addr", node->addr()}, {"upload", 10}, {"download", 10}});
  EXPECT_TRUE(reply.contains("error")) << reply.dump();
}

}  // namespace
}  // namespace lotus::interop
