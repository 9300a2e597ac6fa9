#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/rng.hpp"
#include "proto/perf/perf.hpp"

namespace lotus::proto::perf {
namespace {

const TimePoint t0{};

std::vector<Event> drain(EngineBase& e) {
  std::vector<Event> v;
  while (auto ev = e.poll_event()) v.push_back(*ev);
  return v;
}

Bytes b(std::initializer_list<std::uint8_t> l) { return Bytes(l); }

// Drives a client/server pair over an in-memory stream with random transport acceptance.
struct PerfRun {
  Client client;
  Server server;
  std::uint64_t wire_c2s = 0, wire_s2c = 0;
  bool c2s_closed = false, s2c_closed = false;
  std::vector<Event> client_events, server_events;
  PerfRun(std::uint64_t up, std::uint64_t down, Config cc, Config sc) : client(up, down, cc), server(sc) {}

  void go(Rng& rng, TimePoint& now) {
    client.start(now);
    for (int guard = 0; guard < 1000000; ++guard) {
      bool moved = false;
      // client → server
      BytesView out = client.pending_output();
      if (!out.empty()) {
        const std::size_t n = 1 + rng.uniform(out.size());
        // Copy as a transport would, so views into the zero buffer are not fed back directly.
        Bytes wire(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
        client.advance_output(n, now);
        wire_c2s += n;
        ASSERT_TRUE(server.on_bytes(wire, now));
        moved = true;
      } else if (client.send_done() && !c2s_closed) {
        c2s_closed = true;
        ASSERT_TRUE(server.on_eof(now));
        moved = true;
      }
      // server → client
      out = server.pending_output();
      if (!out.empty()) {
        const std::size_t n = 1 + rng.uniform(out.size());
        Bytes wire(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
        server.advance_output(n, now);
        wire_s2c += n;
        ASSERT_TRUE(client.on_bytes(wire, now));
        moved = true;
      } else if (server.send_done() && !s2c_closed) {
        s2c_closed = true;
        ASSERT_TRUE(client.on_eof(now));
        moved = true;
      }
      now += 1ms;
      for (auto& e : drain(client)) client_events.push_back(e);
      for (auto& e : drain(server)) server_events.push_back(e);
      if (!moved) return;
    }
    FAIL() << "no progress";
  }
};

TEST(PerfErrc, Messages) {
  EXPECT_EQ(make_error_code(errc::short_header).message(),
            "perf: stream closed before the 8-byte request header");
  EXPECT_EQ(std::string(kProtocolId), "/perf/1.0.0");
}

TEST(PerfClient, HeaderIsBigEndianU64) {
  Client c(0, 0x0102030405060708ull);
  EXPECT_TRUE(c.pending_output().empty());  // before start()
  c.start(t0);
  EXPECT_EQ(Bytes(c.pending_output().begin(), c.pending_output().end()),
            b({1, 2, 3, 4, 5, 6, 7, 8}));
  c.advance_output(3, t0);
  EXPECT_EQ(Bytes(c.pending_output().begin(), c.pending_output().end()), b({4, 5, 6, 7, 8}));
  c.advance_output(5, t0);
  EXPECT_TRUE(c.pending_output().empty());
  EXPECT_TRUE(c.send_done());
  Client m(0, ~std::uint64_t{0});
  m.start(t0);
  EXPECT_EQ(Bytes(m.pending_output().begin(), m.pending_output().end()), Bytes(8, 0xff));
}

TEST(PerfClient, UploadIsZeroChunksWithoutBuffering) {
  Config cfg;
  cfg.chunk_size = 1000;
  Client c(2500, 0, cfg);
  c.start(t0);
  c.advance_output(8, t0);
  BytesView v1 = c.pending_output();
  ASSERT_EQ(v1.size(), 1000u);
  for (auto x : v1) ASSERT_EQ(x, 0);
  c.advance_output(1000, t0);
  BytesView v2 = c.pending_output();
  EXPECT_EQ(v2.data(), v1.data());  // the same shared zero buffer
  c.advance_output(1000, t0);
  EXPECT_EQ(c.pending_output().size(), 500u);
  EXPECT_FALSE(c.send_done());
  c.advance_output(500, t0);
  EXPECT_TRUE(c.send_done());
  EXPECT_EQ(c.uploaded(), 2500u);
}

class PerfPair : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(PerfPair, ExactByteCounts) {
  DeterministicRng rng(GetParam());
  const std::uint64_t up = rng.uniform(3'000'000), down = rng.uniform(3'000'000);
  Config cfg;
  cfg.report_interval = 100ms;
  PerfRun r(up, down, cfg, cfg);
  TimePoint now = t0;
  r.go(rng, now);
  EXPECT_EQ(r.wire_c2s, 8 + up);
  EXPECT_EQ(r.wire_s2c, down);
  ASSERT_TRUE(r.client.finished());
  ASSERT_TRUE(r.server.finished());
  EXPECT_EQ(r.client.uploaded(), up);
  EXPECT_EQ(r.client.downloaded(), down);
  EXPECT_EQ(r.server.uploaded(), up);
  EXPECT_EQ(r.server.downloaded(), down);
  EXPECT_EQ(r.server.requested(), down);
  ASSERT_FALSE(r.client_events.empty());
  const auto& fin = std::get<Finished>(r.client_events.back());
  EXPECT_EQ(fin.uploaded, up);
  EXPECT_EQ(fin.downloaded, down);
  EXPECT_EQ(std::get<Finished>(r.server_events.back()).downloaded, down);
  EXPECT_EQ(std::get<RequestReceived>(r.server_events.front()).download_bytes, down);
  // Intermediate reports are monotonic totals, at most one per interval.
  std::uint64_t last_up = 0, last_down = 0;
  Duration last_t{};
  int reports = 0;
  for (const Event& e : r.client_events) {
    if (auto* p = std::get_if<Progress>(&e)) {
      EXPECT_GE(p->uploaded, last_up);
      EXPECT_GE(p->downloaded, last_down);
      if (reports > 0) {
        EXPECT_GE(p->elapsed - last_t, 100ms);
      }
      last_up = p->uploaded;
      last_down = p->downloaded;
      last_t = p->elapsed;
      ++reports;
    }
  }
  EXPECT_EQ(r.client.deadline(), kNever);
}

INSTANTIATE_TEST_SUITE_P(Seeds, PerfPair, ::testing::Values(1u, 2u, 3u, 4u, 5u, 99u));

TEST(PerfPairEdge, ZeroAndZero) {
  DeterministicRng rng(7);
  PerfRun r(0, 0, {}, {});
  TimePoint now = t0;
  r.go(rng, now);
  EXPECT_EQ(r.wire_c2s, 8u);
  EXPECT_EQ(r.wire_s2c, 0u);
  EXPECT_TRUE(r.client.finished());
  EXPECT_TRUE(r.server.finished());
}

TEST(PerfServer, ShortHeaderOnEof) {
  for (std::size_t len = 0; len < kHeaderSize; ++len) {
    Server s;
    Bytes h(len, 0);
    ASSERT_TRUE(s.on_bytes(h, t0));
    EXPECT_EQ(s.on_eof(t0).error(), errc::short_header) << len;
    EXPECT_TRUE(s.pending_output().empty());
    EXPECT_EQ(s.on_bytes(b({1}), t0).error(), errc::failed);
  }
}

TEST(PerfServer, HeaderFragmentedAndUploadDiscarded) {
  Server s;
  ASSERT_TRUE(s.on_bytes(b({0, 0, 0}), t0));
  EXPECT_TRUE(drain(s).empty());
  ASSERT_TRUE(s.on_bytes(b({0, 0, 0, 0x01, 0x00, 9, 9, 9}), t0));  // 256 + 3 upload bytes
  auto ev = drain(s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(std::get<RequestReceived>(ev[0]).download_bytes, 256u);
  EXPECT_EQ(s.uploaded(), 3u);
  EXPECT_TRUE(s.pending_output().empty());  // MUST NOT send before EOF
  ASSERT_TRUE(s.on_eof(t0 + 5ms));
  EXPECT_EQ(s.pending_output().size(), 256u);
  EXPECT_FALSE(s.send_done());
  s.advance_output(200, t0 + 6ms);
  s.advance_output(56, t0 + 7ms);
  EXPECT_TRUE(s.send_done());
  EXPECT_TRUE(s.pending_output().empty());
  ev = drain(s);
  ASSERT_EQ(ev.size(), 1u);
  const auto& f = std::get<Finished>(ev[0]);
  EXPECT_EQ(f.uploaded, 3u);
  EXPECT_EQ(f.downloaded, 256u);
  EXPECT_EQ(f.elapsed, 7ms);
  EXPECT_EQ(s.on_bytes(b({1}), t0).error(), errc::data_after_eof);
}

TEST(PerfServer, Limits) {
  Config cfg;
  cfg.max_download_bytes = 1000;
  cfg.max_upload_bytes = 10;
  Server ok(cfg);
  ASSERT_TRUE(ok.on_bytes(b({0, 0, 0, 0, 0, 0, 0x03, 0xe8}), t0));  // exactly 1000
  ASSERT_TRUE(ok.on_bytes(Bytes(10, 0), t0));
  EXPECT_EQ(ok.on_bytes(b({0}), t0).error(), errc::upload_too_large);
  Server big(cfg);
  EXPECT_EQ(big.on_bytes(b({0, 0, 0, 0, 0, 0, 0x03, 0xe9}), t0).error(), errc::download_too_large);
  Server dflt;  // default limit 4 GiB
  EXPECT_EQ(dflt.on_bytes(b({0, 0, 0, 1, 0, 0, 0, 1}), t0).error(), errc::download_too_large);
}

TEST(PerfClient, EofSemantics) {
  {  // server closes early
    Client c(0, 10);
    c.start(t0);
    c.advance_output(8, t0);
    ASSERT_TRUE(c.on_bytes(Bytes(9, 0), t0));
    EXPECT_EQ(c.on_eof(t0).error(), errc::short_download);
  }
  {  // server sends too much
    Client c(0, 10);
    c.start(t0);
    c.advance_output(8, t0);
    ASSERT_TRUE(c.on_bytes(Bytes(10, 0), t0));
    EXPECT_EQ(c.on_bytes(b({0}), t0).error(), errc::too_much_data);
  }
  {  // server answers before our upload is complete
    Client c(5, 10);
    c.start(t0);
    c.advance_output(8, t0);
    EXPECT_EQ(c.on_bytes(b({0}), t0).error(), errc::response_too_early);
    EXPECT_TRUE(c.pending_output().empty());
  }
  {  // server closes before our upload is complete
    Client c(5, 0);
    c.start(t0);
    EXPECT_EQ(c.on_eof(t0).error(), errc::response_too_early);
  }
  {  // data after EOF, EOF twice
    Client c(0, 0);
    c.start(t0);
    c.advance_output(8, t0);
    ASSERT_TRUE(c.on_eof(t0 + 3ms));
    ASSERT_TRUE(c.on_eof(t0 + 4ms));
    auto ev = drain(c);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(std::get<Finished>(ev[0]).elapsed, 3ms);
    EXPECT_EQ(c.on_bytes(b({0}), t0).error(), errc::data_after_eof);
  }
}

TEST(PerfClient, ProgressViaTimeout) {
  Client c(100, 0);  // report_interval 1 s
  c.start(t0);
  EXPECT_EQ(c.deadline(), t0 + 1s);
  c.advance_output(8, t0);
  c.advance_output(40, t0 + 500ms);
  ASSERT_TRUE(c.on_timeout(t0 + 999ms));
  EXPECT_TRUE(drain(c).empty());
  ASSERT_TRUE(c.on_timeout(t0 + 1s));
  auto ev = drain(c);
  ASSERT_EQ(ev.size(), 1u);
  const auto& p = std::get<Progress>(ev[0]);
  EXPECT_EQ(p.uploaded, 40u);
  EXPECT_EQ(p.downloaded, 0u);
  EXPECT_EQ(p.elapsed, 1s);
  EXPECT_EQ(c.deadline(), t0 + 2s);
  Config off;
  off.report_interval = Duration::zero();
  Client q(1, 1, off);
  q.start(t0);
  EXPECT_EQ(q.deadline(), kNever);
}

}  // namespace
}  // namespace lotus::proto::perf
