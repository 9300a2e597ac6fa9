// host/drive.hpp on real streams: FramedReader pulls frames written in odd fragments, reports
// a clean end, bad input and idle timeouts; drive() runs a reading engine to its end, its
// deadline, or a stream error.
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <vector>

#include "host/drive.hpp"
#include "proto/kad/errc.hpp"
#include "proto/kad/frame_reader.hpp"
#include "runtime/signal.hpp"
#include "service_test_util.hpp"

namespace lotus::host::testing {
namespace {

using namespace std::chrono_literals;
namespace kad = proto::kad;

constexpr const char* kProto = "/test/frames/1.0.0";

kad::Message ping_with_key(std::size_t key_len) {
  kad::Message m;
  m.type = kad::MessageType::find_node;
  m.key = Bytes(key_len, 0x6b);
  return m;
}

// Collects what the server side's FramedReader saw on one stream.
struct Seen {
  explicit Seen(asio::io_context& io) : done(io.get_executor()) {}
  runtime::Signal done;
  std::vector<kad::Message> messages;
  std::error_code bad_input;
  std::error_code end;
  bool ended = false;
  bool timed_out = false;
};

asio::awaitable<void> read_all(std::shared_ptr<Seen> seen, Duration idle, Stream s) {
  FramedReader in(s, kad::FrameReader(), 64, idle);  // a small buffer: frames span reads
  while (true) {
    auto m = co_await in.next();
    if (!m) {
      seen->bad_input = m.error();
      s.reset();
      break;
    }
    if (!*m) {
      seen->ended = true;
      seen->end = in.end_error();
      seen->timed_out = in.timed_out();
      break;
    }
    seen->messages.push_back(std::move(**m));
  }
  seen->done.notify();
}

class DriveTest : public TwoHosts {
 protected:
  std::shared_ptr<Seen> serve(Duration idle = Duration::max()) {
    auto seen = std::make_shared<Seen>(io);
    server->set_stream_handler(kProto, [seen, idle](Stream s) { return read_all(seen, idle, std::move(s)); });
    return seen;
  }
  // Waits (bounded) until the handler ended.
  asio::awaitable<void> settle(std::shared_ptr<Seen> seen) {
    const auto limit = Clock::now() + 10s;
    while (!seen->ended && !seen->bad_input) {
      if (!co_await seen->done.wait_until(limit)) break;
    }
  }
};

TEST_F(DriveTest, FramesInOddFragmentsThenCleanEnd) {
  auto seen = serve();
  std::vector<kad::Message> sent = {ping_with_key(3), ping_with_key(200), ping_with_key(0), ping_with_key(100)};
  Bytes wire;
  for (const auto& m : sent) kad::encode_frame(m, wire);
  run(io, [&]() -> asio::awaitable<void> {
    auto s = co_await open(kProto);
    CO_ASSERT_OK(s);
    // 1, 2, 3, … byte writes: prefixes and bodies split everywhere, several frames per write.
    std::size_t pos = 0;
    for (std::size_t n = 1; pos < wire.size(); ++n) {
      const std::size_t k = std::min(n, wire.size() - pos);
      CO_ASSERT_OK(co_await s->write(BytesView(wire).subspan(pos, k)));
      pos += k;
    }
    CO_ASSERT_OK(s->close_write());
    co_await settle(seen);
  }());
  EXPECT_TRUE(seen->ended);
  EXPECT_FALSE(seen->end);
  EXPECT_FALSE(seen->timed_out);
  EXPECT_EQ(seen->messages, sent);
}

TEST_F(DriveTest, BadInputIsTheDecodersError) {
  auto seen = serve();
  run(io, [&]() -> asio::awaitable<void> {
    auto s = co_await open(kProto);
    CO_ASSERT_OK(s);
    Bytes wire;
    kad::encode_frame(ping_with_key(1), wire);
    append(wire, Bytes{0x80, 0x80, 0x80, 0x80, 0x01});  // 256 MiB announced
    CO_ASSERT_OK(co_await s->write(wire));
    co_await settle(seen);
  }());
  EXPECT_EQ(seen->messages.size(), 1u);
  EXPECT_EQ(seen->bad_input, make_error_code(kad::errc::message_too_large));
}

TEST_F(DriveTest, IdleTimeoutResetsTheStream) {
  auto seen = serve(50ms);
  run(io, [&]() -> asio::awaitable<void> {
    auto s = co_await open(kProto);
    CO_ASSERT_OK(s);
    CO_ASSERT_OK(co_await s->write(kad::encode_frame(ping_with_key(1))));
    std::array<std::uint8_t, 16> buf{};
    auto r = co_await s->read_some(MutBytesView(buf));  // ends when the server resets
    EXPECT_FALSE(r.has_value());
    co_await settle(seen);
  }());
  EXPECT_EQ(seen->messages.size(), 1u);
  EXPECT_TRUE(seen->ended);
  EXPECT_TRUE(seen->timed_out);
  EXPECT_TRUE(seen->end);
}

// A reading engine with the identify Requester's shape.
struct CountingEngine {
  TimePoint due;
  runtime::Signal* progress = nullptr;
  std::size_t bytes = 0;
  bool eof = false, timed_out = false;
  void on_bytes(BytesView b, TimePoint) {
    bytes += b.size();
    if (progress) progress->notify();
  }
  void on_eof(TimePoint) { eof = true; }
  void on_timeout(TimePoint now) { timed_out = now >= due; }
  TimePoint deadline() const { return finished() ? kNever : due; }
  bool finished() const { return eof || timed_out; }
};

struct Driven {
  explicit Driven(asio::io_context& io) : signal(io.get_executor()) {}
  runtime::Signal signal;
  CountingEngine engine;
  Status status;
  bool done = false;
};

asio::awaitable<void> drive_engine(std::shared_ptr<Driven> d, Stream s) {
  d->status = co_await drive(s, d->engine, 7);
  d->done = true;
  d->signal.notify();
}

class DriveEngineTest : public TwoHosts {
 protected:
  std::shared_ptr<Driven> serve(Duration timeout) {
    auto d = std::make_shared<Driven>(io);
    d->engine.due = Clock::now() + timeout;
    d->engine.progress = &d->signal;
    server->set_stream_handler(kProto, [d](Stream s) { return drive_engine(d, std::move(s)); });
    return d;
  }
  asio::awaitable<void> settle(std::shared_ptr<Driven> d) {
    const auto limit = Clock::now() + 10s;
    while (!d->done) {
      if (!co_await d->signal.wait_until(limit)) break;
    }
  }
};

TEST_F(DriveEngineTest, RunsToEof) {
  auto d = serve(20s);
  run(io, [&]() -> asio::awaitable<void> {
    auto s = co_await open(kProto);
    CO_ASSERT_OK(s);
    CO_ASSERT_OK(co_await s->write(Bytes(100, 1)));  // more than the 7-byte buffer: several reads
    CO_ASSERT_OK(s->close_write());
    co_await settle(d);
  }());
  ASSERT_TRUE(d->done);
  EXPECT_TRUE(d->status);
  EXPECT_TRUE(d->engine.eof);
  EXPECT_EQ(d->engine.bytes, 100u);
}

TEST_F(DriveEngineTest, DeadlineResetsAndTimesTheEngineOut) {
  auto d = serve(50ms);
  run(io, [&]() -> asio::awaitable<void> {
    auto s = co_await open(kProto);
    CO_ASSERT_OK(s);
    CO_ASSERT_OK(co_await s->write(Bytes(3, 1)));
    co_await settle(d);
  }());
  ASSERT_TRUE(d->done);
  EXPECT_TRUE(d->status);
  EXPECT_TRUE(d->engine.timed_out);
  EXPECT_EQ(d->engine.bytes, 3u);
}

TEST_F(DriveEngineTest, StreamErrorIsReturned) {
  auto d = serve(20s);
  run(io, [&]() -> asio::awaitable<void> {
    auto s = co_await open(kProto);
    CO_ASSERT_OK(s);
    CO_ASSERT_OK(co_await s->write(Bytes(3, 1)));
    const auto limit = Clock::now() + 10s;
    while (d->engine.bytes < 3) CO_ASSERT_TRUE(co_await d->signal.wait_until(limit));  // the server reads
    s->reset();
    co_await settle(d);
  }());
  ASSERT_TRUE(d->done);
  EXPECT_FALSE(d->status);
  EXPECT_FALSE(d->engine.finished());
}

}  // namespace
}  // namespace lotus::host::testing
