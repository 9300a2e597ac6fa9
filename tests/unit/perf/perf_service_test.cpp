// perf service over two real hosts (loopback TCP + Noise + yamux in one io_context): byte
// counts on both sides, progress reports, server disabled by default, the server's size cap.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "../host/test_util.hpp"
#include "host/perf_service.hpp"

namespace lotus::host {
namespace {

using namespace lotus::host::testing;
namespace perf = proto::perf;

class PerfServiceTest : public ::testing::Test {
 protected:
  Host& make_host() {
    auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
    EXPECT_TRUE(key.has_value());
    hosts.push_back(std::make_unique<Host>(io, std::move(*key), Config{}));
    return *hosts.back();
  }
  mf::Multiaddr listen(Host& h) {
    auto bound = h.listen(*mf::Multiaddr::parse("/ip4/127.0.0.1/tcp/0"));
    EXPECT_TRUE(bound.has_value());
    return bound->with_peer_id(h.peer_id());
  }
  void TearDown() override {
    run(io, stop_all());
    hosts.clear();
    io.restart();
    io.poll();
  }
  asio::awaitable<void> stop_all() {
    for (auto& h : hosts) co_await h->stop();
  }

  asio::io_context io;
  std::vector<std::unique_ptr<Host>> hosts;
};

struct Outcome {
  Result<PerfResult> result = errc::connection_closed;
  std::vector<perf::Progress> progress;
};

asio::awaitable<void> run_client(Host* a, mf::Multiaddr addr, std::uint64_t up, std::uint64_t down, Outcome* out,
                                 Duration report = std::chrono::seconds(1)) {
  auto c = co_await a->dial(addr);
  CO_ASSERT_OK(c);
  PerfClientOptions o;
  o.report_interval = report;
  o.on_progress = [out](const perf::Progress& p) { out->progress.push_back(p); };
  out->result = co_await run_perf(*a, c->remote_peer, up, down, o);
}

// Waits (bounded) until the server reported `n` runs.
asio::awaitable<void> wait_runs(asio::io_context* io, const std::vector<PerfServerRun>* runs, std::size_t n) {
  asio::steady_timer t(*io);
  for (int i = 0; i < 2000 && runs->size() < n; ++i) {
    t.expires_after(std::chrono::milliseconds(5));
    co_await t.async_wait(asio::use_awaitable);
  }
}

TEST_F(PerfServiceTest, UploadAndDownloadCountsOnBothSides) {
  auto& a = make_host();
  auto& b = make_host();
  std::vector<PerfServerRun> runs;
  PerfServerConfig sc;
  sc.on_run = [&runs](const PerfServerRun& r) { runs.push_back(r); };
  enable_perf_server(b, sc);
  Outcome out;
  const std::uint64_t up = 3 * 1024 * 1024 + 17, down = 5 * 1024 * 1024 + 3;
  run(io, run_client(&a, listen(b), up, down, &out, Duration(1)));
  ASSERT_TRUE(out.result) << out.result.error().message();
  EXPECT_EQ(out.result->uploaded, up);
  EXPECT_EQ(out.result->downloaded, down);
  EXPECT_GE(out.result->total, out.result->upload_time + out.result->download_time);
  // report_interval 1 tick: a progress report per chunk at least; totals never decrease.
  ASSERT_FALSE(out.progress.empty());
  for (std::size_t i = 1; i < out.progress.size(); ++i) {
    EXPECT_GE(out.progress[i].uploaded, out.progress[i - 1].uploaded);
    EXPECT_GE(out.progress[i].downloaded, out.progress[i - 1].downloaded);
  }
  run(io, wait_runs(&io, &runs, 1));
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_FALSE(runs[0].error) << runs[0].error.message();
  EXPECT_EQ(runs[0].peer, a.peer_id());
  EXPECT_EQ(runs[0].requested, down);
  EXPECT_EQ(runs[0].uploaded, up);
  EXPECT_EQ(runs[0].downloaded, down);
}

TEST_F(PerfServiceTest, ZeroBytesBothWays) {
  auto& a = make_host();
  auto& b = make_host();
  enable_perf_server(b);
  Outcome out;
  run(io, run_client(&a, listen(b), 0, 0, &out));
  ASSERT_TRUE(out.result) << out.result.error().message();
  EXPECT_EQ(out.result->uploaded, 0u);
  EXPECT_EQ(out.result->downloaded, 0u);
}

TEST_F(PerfServiceTest, DisabledByDefault) {
  auto& a = make_host();
  auto& b = make_host();
  Outcome out;
  run(io, run_client(&a, listen(b), 10, 10, &out));
  ASSERT_FALSE(out.result);
  EXPECT_EQ(out.result.error(), errc::protocol_not_supported);
}

TEST_F(PerfServiceTest, ServerCapsTheDownloadAndResets) {
  auto& a = make_host();
  auto& b = make_host();
  std::vector<PerfServerRun> runs;
  PerfServerConfig sc;
  sc.max_download_bytes = 1024 * 1024;
  sc.on_run = [&runs](const PerfServerRun& r) { runs.push_back(r); };
  enable_perf_server(b, sc);
  Outcome out;
  run(io, run_client(&a, listen(b), 100, ~std::uint64_t{0}, &out));  // 2^64-1: absurd
  ASSERT_FALSE(out.result);
  EXPECT_EQ(out.result.error(), errc::stream_reset) << out.result.error().message();
  run(io, wait_runs(&io, &runs, 1));
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].error, perf::errc::download_too_large);
  EXPECT_EQ(runs[0].downloaded, 0u);

  // Exactly the cap is served.
  Outcome ok;
  run(io, run_client(&a, listen(b), 0, 1024 * 1024, &ok));
  ASSERT_TRUE(ok.result) << ok.result.error().message();
  EXPECT_EQ(ok.result->downloaded, 1024u * 1024u);
}

TEST_F(PerfServiceTest, ServerCapsTheUpload) {
  auto& a = make_host();
  auto& b = make_host();
  std::vector<PerfServerRun> runs;
  PerfServerConfig sc;
  sc.max_upload_bytes = 64 * 1024;
  sc.on_run = [&runs](const PerfServerRun& r) { runs.push_back(r); };
  enable_perf_server(b, sc);
  Outcome out;
  run(io, run_client(&a, listen(b), 4 * 1024 * 1024, 0, &out));
  ASSERT_FALSE(out.result);
  run(io, wait_runs(&io, &runs, 1));
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].error, perf::errc::upload_too_large);
  EXPECT_LE(runs[0].uploaded, 64u * 1024u);
}

}  // namespace
}  // namespace lotus::host
