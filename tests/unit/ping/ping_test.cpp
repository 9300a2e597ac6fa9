#include <gtest/gtest.h>

#include "base/hex.hpp"
#include "base/rng.hpp"
#include "proto/ping/ping.hpp"

using namespace lotus;
using namespace lotus::proto::ping;

namespace {
const TimePoint t0 = TimePoint{} + std::chrono::hours(1);
}

TEST(Ping, RoundTripThroughResponderFragmented) {
  DeterministicRng rng(7);
  Outbound out(rng);
  Inbound in;
  ASSERT_TRUE(out.start(t0));
  EXPECT_EQ(out.deadline(), t0 + std::chrono::seconds(20));
  Bytes payload = std::exchange(out.output(), {});
  ASSERT_EQ(payload.size(), kPayloadSize);
  // The payload is what the seeded RNG produced.
  DeterministicRng again(7);
  Bytes expect(kPayloadSize);
  again.fill(expect);
  EXPECT_EQ(to_hex(payload), to_hex(expect));
  // Responder gets it in pieces, echoes only complete blocks.
  ASSERT_TRUE(in.on_bytes(BytesView(payload).first(10), t0));
  EXPECT_TRUE(in.output().empty());
  ASSERT_TRUE(in.on_bytes(BytesView(payload).subspan(10), t0));
  ASSERT_EQ(to_hex(in.output()), to_hex(payload));
  Bytes echo = std::exchange(in.output(), {});
  ASSERT_TRUE(out.on_bytes(BytesView(echo).first(31), t0 + 3ms));
  EXPECT_FALSE(out.poll_event());
  ASSERT_TRUE(out.on_bytes(BytesView(echo).subspan(31), t0 + 5ms));
  auto ev = out.poll_event();
  ASSERT_TRUE(ev);
  EXPECT_EQ(std::get<Pong>(*ev).rtt, 5ms);
  EXPECT_EQ(out.deadline(), kNever);
  EXPECT_FALSE(out.poll_event());
  // A second ping on the same stream with a fresh payload.
  ASSERT_TRUE(out.start(t0 + 1s));
  Bytes second = std::exchange(out.output(), {});
  EXPECT_NE(to_hex(second), to_hex(payload));
  ASSERT_TRUE(in.on_bytes(second, t0 + 1s));
  ASSERT_TRUE(out.on_bytes(in.output(), t0 + 1s + 40ms));
  EXPECT_EQ(std::get<Pong>(*out.poll_event()).rtt, 40ms);
}

TEST(Ping, ResponderEchoesManyBlocksInOneChunk) {
  Inbound in;
  Bytes blocks(3 * kPayloadSize + 5);
  for (std::size_t i = 0; i < blocks.size(); ++i) blocks[i] = static_cast<std::uint8_t>(i);
  ASSERT_TRUE(in.on_bytes(blocks, t0));
  EXPECT_EQ(to_hex(in.output()), to_hex(BytesView(blocks).first(3 * kPayloadSize)));
}

TEST(Ping, Mismatch) {
  DeterministicRng rng(1);
  Outbound out(rng);
  ASSERT_TRUE(out.start(t0));
  Bytes echo = out.output();
  echo[17] ^= 1;
  ASSERT_TRUE(out.on_bytes(BytesView(echo).first(17), t0));
  EXPECT_EQ(out.on_bytes(BytesView(echo).subspan(17), t0).error(), errc::mismatch);
  EXPECT_TRUE(out.failed());
  EXPECT_FALSE(out.poll_event());
  EXPECT_EQ(out.start(t0).error(), errc::mismatch);
}

TEST(Ping, TimeoutViaDeadline) {
  DeterministicRng rng(2);
  Outbound out(rng, Config{std::chrono::seconds(5)});
  EXPECT_EQ(out.deadline(), kNever);
  ASSERT_TRUE(out.on_timeout(t0));  // idle: nothing due
  ASSERT_TRUE(out.start(t0));
  ASSERT_TRUE(out.on_timeout(t0 + 4999ms));
  EXPECT_EQ(out.on_timeout(out.deadline()).error(), errc::timeout);
  EXPECT_EQ(out.deadline(), kNever);
  EXPECT_EQ(out.on_bytes(out.output(), t0 + 6s).error(), errc::timeout);
}

TEST(Ping, UnexpectedDataAndBusy) {
  DeterministicRng rng(3);
  {
    Outbound out(rng);
    EXPECT_EQ(out.on_bytes(Bytes{1}, t0).error(), errc::unexpected_data);
  }
  {
    Outbound out(rng);
    ASSERT_TRUE(out.start(t0));
    EXPECT_EQ(out.start(t0).error(), errc::busy);
    Bytes echo = out.output();
    echo.push_back(0);  // one byte too many
    EXPECT_EQ(out.on_bytes(echo, t0 + 1ms).error(), errc::unexpected_data);
    ASSERT_TRUE(out.poll_event());  // the ping itself completed before the extra byte
  }
}
