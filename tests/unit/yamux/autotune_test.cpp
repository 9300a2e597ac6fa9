// yamux receive-window auto-tuning, in virtual time: two engines over a simulated link with a
// fixed one-way delay and unlimited bandwidth, the sender always writing what the window allows.
#include <gtest/gtest.h>

#include <deque>
#include <vector>

#include "base/hex.hpp"
#include "proto/yamux/engine.hpp"

using namespace lotus;
using namespace lotus::proto::yamux;

namespace {

constexpr std::uint32_t kMiB = 1024 * 1024;

Bytes frame(FrameType t, std::uint16_t flags, StreamId id, std::uint32_t len, BytesView payload = {}) {
  Bytes b;
  append_header(b, Header{0, static_cast<std::uint8_t>(t), flags, id, len});
  append(b, payload);
  return b;
}
std::string hdr(FrameType t, std::uint16_t flags, StreamId id, std::uint32_t len) {
  Bytes b;
  append_header(b, Header{0, static_cast<std::uint8_t>(t), flags, id, len});
  return to_hex(b);
}

// client (sender) ⇄ server (receiver); every byte takes `one_way` to cross.
struct Link {
  struct Flight {
    TimePoint at;
    Bytes bytes;
  };
  Link(Config cc, Config sc, Duration one_way_) : c(Role::client, cc), s(Role::server, sc), one_way(one_way_) {}
  Engine c, s;
  Duration one_way;
  TimePoint now{};  // virtual time
  std::deque<Flight> c2s, s2c;
  std::vector<Event> sev;
  std::uint64_t received = 0;
  std::size_t reader_limit = ~std::size_t{0};  // bytes the server app reads per delivery

  void ship() {
    if (!c.output().empty()) c2s.push_back({now + one_way, std::move(c.output())}), c.output().clear();
    if (!s.output().empty()) s2c.push_back({now + one_way, std::move(s.output())}), s.output().clear();
  }
  // Delivers the earliest flight (advancing time); false when nothing is in flight.
  bool step(StreamId id) {
    ship();
    const bool to_s = !c2s.empty() && (s2c.empty() || c2s.front().at <= s2c.front().at);
    if (!to_s && s2c.empty()) return false;
    auto& q = to_s ? c2s : s2c;
    Link::Flight f = std::move(q.front());
    q.pop_front();
    now = std::max(now, f.at);
    if (to_s) {
      EXPECT_TRUE(s.on_bytes(f.bytes, now)) << s.error().message();
      while (auto e = s.poll_event()) sev.push_back(*e);
      const auto n = std::min(s.readable(id).size(), reader_limit);
      received += n;
      s.consume(id, n, now);
    } else {
      EXPECT_TRUE(c.on_bytes(f.bytes, now)) << c.error().message();
      while (c.poll_event()) {
      }
    }
    ship();
    return true;
  }
};

// Pushes `total` bytes from the client to the server on one stream; returns the virtual time
// it took.
Duration transfer(Link& l, std::uint64_t total) {
  static const Bytes zeros(1 * kMiB, 0);
  auto id = l.c.open_stream();
  EXPECT_TRUE(id);
  const TimePoint start = l.now;
  std::uint64_t sent = 0;
  while (l.received < total) {
    while (sent < total) {
      auto n = l.c.write(*id, BytesView(zeros).first(static_cast<std::size_t>(std::min<std::uint64_t>(zeros.size(), total - sent))));
      EXPECT_TRUE(n);
      if (!n || *n == 0) break;
      sent += *n;
    }
    if (!l.step(*id)) break;
  }
  EXPECT_EQ(l.received, total);
  return l.now - start;
}

TEST(YamuxAutotune, WindowDoublesUpToMaxWhenTheSenderIsWindowLimited) {
  Link l({}, {}, 5ms);  // RTT 10 ms
  const Duration took = transfer(l, 256 * kMiB);
  // Receiver measured the RTT with its own ping (no Pong event surfaced).
  EXPECT_EQ(l.s.rtt(), 10ms);
  for (const auto& e : l.sev) EXPECT_FALSE(std::holds_alternative<Pong>(e));
  EXPECT_EQ(l.s.receive_window(1), 16 * kMiB);
  EXPECT_EQ(l.s.window_in_use(), 16 * kMiB - kInitialWindow);
  // A fixed 256 KiB window moves 256 KiB per RTT: 1024 RTTs for 256 MiB. Grown windows
  // (16 MiB per RTT at the end) need far fewer.
  EXPECT_LT(took, 40 * 10ms) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
}

TEST(YamuxAutotune, FixedWindowWithoutAutotuning) {
  Config sc;
  sc.autotune = false;
  Link l({}, sc, 5ms);
  const Duration took = transfer(l, 8 * kMiB);
  EXPECT_EQ(l.s.receive_window(1), kInitialWindow);
  EXPECT_EQ(l.s.rtt(), Duration::zero());  // no probe was sent
  EXPECT_GE(took, 31 * 10ms);              // 256 KiB per RTT
}

TEST(YamuxAutotune, SlowReaderKeepsTheInitialWindow) {
  // The application reads 4 KiB per delivery: credit returns slowly, updates are far apart
  // (measured in RTTs), so the window must not grow (the sender is not window-limited by us
  // being fast; the reader is the bottleneck).
  Link l({}, {}, 5ms);
  l.reader_limit = 4096;
  auto id = l.c.open_stream();
  ASSERT_TRUE(id);
  static const Bytes zeros(4 * kMiB, 0);
  ASSERT_TRUE(l.c.write(*id, zeros));
  // Drive a while; the reader's consumption is bounded by deliveries, so stop after a bound.
  for (int i = 0; i < 4000 && l.step(*id); ++i) {
    if (l.c2s.empty() && l.s2c.empty() && l.s.readable(*id).size() > 0) {
      // nothing in flight but unread data: the reader keeps reading on a timer (every 3 RTT)
      l.now += 30ms;
      const auto n = std::min<std::size_t>(l.s.readable(*id).size(), 64 * 1024);
      l.received += n;
      l.s.consume(*id, n, l.now);
    }
  }
  EXPECT_EQ(l.s.receive_window(*id), kInitialWindow);
}

TEST(YamuxAutotune, BudgetBoundsTheSumOfGrownWindowsAndIsReturnedOnClose) {
  Config sc;
  sc.window_budget = 1 * kMiB;
  Engine s(Role::server, sc);
  TimePoint t{};
  ASSERT_TRUE(s.on_bytes(frame(FrameType::window_update, flag::syn, 1, 0), t));
  ASSERT_TRUE(s.on_bytes(frame(FrameType::window_update, flag::syn, 3, 0), t));
  ASSERT_TRUE(s.set_receive_window(1, 1 * kMiB));  // uses 768 KiB of the budget
  ASSERT_TRUE(s.set_receive_window(3, 1 * kMiB));  // only 256 KiB left
  EXPECT_EQ(s.receive_window(1), 1 * kMiB);
  EXPECT_EQ(s.receive_window(3), 512 * 1024u);
  EXPECT_EQ(s.window_in_use(), 1 * kMiB);
  ASSERT_TRUE(s.reset(1));
  EXPECT_EQ(s.window_in_use(), 256 * 1024u);
  ASSERT_TRUE(s.set_receive_window(3, 2 * kMiB));
  EXPECT_EQ(s.receive_window(3), kMiB + 256 * 1024u);  // 512 KiB + the 768 KiB returned
}

TEST(YamuxAutotune, ProbePingThenDoublingOnAFastEpoch) {
  // Exact frames: the first window update after a half-window consumption is preceded by a
  // probe ping (RTT unknown); once the pong is in, a second half-window consumed within
  // 2×RTT of the previous update doubles the window and the update carries the extra credit.
  // Every update while the window may still grow probes again (one probe at a time), so the
  // RTT follows the round trip under load.
  Engine s(Role::server, {});
  TimePoint t{};
  ASSERT_TRUE(s.on_bytes(frame(FrameType::window_update, flag::syn, 1, 0), t));
  const Bytes half(kInitialWindow / 2, 7);
  ASSERT_TRUE(s.on_bytes(frame(FrameType::data, 0, 1, kInitialWindow / 2, half), t));
  s.output().clear();  // (nothing was written yet)
  s.consume(1, kInitialWindow / 2, t);
  EXPECT_EQ(to_hex(s.output()), hdr(FrameType::ping, flag::syn, 0, 1) +
                                    hdr(FrameType::window_update, flag::ack, 1, kInitialWindow / 2));
  s.output().clear();
  while (s.poll_event()) {
  }
  t += 4ms;
  ASSERT_TRUE(s.on_bytes(frame(FrameType::ping, flag::ack, 0, 1), t));
  EXPECT_EQ(s.rtt(), 4ms);
  EXPECT_FALSE(s.poll_event());  // the probe's pong is not an event
  ASSERT_TRUE(s.on_bytes(frame(FrameType::data, 0, 1, kInitialWindow / 2, half), t));
  while (s.poll_event()) {
  }
  t += 1ms;  // 5 ms since the last update < 2 × 4 ms
  s.consume(1, kInitialWindow / 2, t);
  // Target 512 KiB; the peer still holds 128 KiB of credit: grant 384 KiB.
  EXPECT_EQ(to_hex(s.output()), hdr(FrameType::ping, flag::syn, 0, 2) +
                                    hdr(FrameType::window_update, 0, 1, 2 * kInitialWindow - kInitialWindow / 2));
  EXPECT_EQ(s.receive_window(1), 2 * kInitialWindow);
  EXPECT_EQ(s.receive_credit(1), 2 * kInitialWindow);
  s.output().clear();
  // A slow epoch (> 2 RTT) does not grow; probe 2 is still out: no second probe.
  ASSERT_TRUE(s.on_bytes(frame(FrameType::data, 0, 1, kInitialWindow, Bytes(kInitialWindow, 1)), t));
  t += 20ms;
  s.consume(1, kInitialWindow, t);
  EXPECT_EQ(to_hex(s.output()), hdr(FrameType::window_update, 0, 1, kInitialWindow));
  EXPECT_EQ(s.receive_window(1), 2 * kInitialWindow);
  s.output().clear();
  // Probe 2's pong, 21 ms after it left (the peer's queues were full): the RTT follows it.
  ASSERT_TRUE(s.on_bytes(frame(FrameType::ping, flag::ack, 0, 2), t + 1ms));
  EXPECT_EQ(s.rtt(), 21ms);
}

TEST(YamuxAutotune, UserPingMeasuresRttAndStillReportsPong) {
  Engine c(Role::client, {});
  TimePoint t{};
  auto op = c.ping(t);
  ASSERT_TRUE(op);
  t += 7ms;
  ASSERT_TRUE(c.on_bytes(frame(FrameType::ping, flag::ack, 0, *op), t));
  EXPECT_EQ(c.rtt(), 7ms);
  auto e = c.poll_event();
  ASSERT_TRUE(e);
  EXPECT_TRUE(std::holds_alternative<Pong>(*e));
}

}  // namespace
