#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "base/rng.hpp"
#include "proto/mplex/engine.hpp"

namespace lotus::proto::mplex {
namespace {

const TimePoint t0{};

Bytes take(Engine& e) {
  Bytes out;
  out.swap(e.output());
  return out;
}

std::vector<Event> drain(Engine& e) {
  std::vector<Event> v;
  while (auto ev = e.poll_event()) v.push_back(*ev);
  return v;
}

Bytes b(std::initializer_list<std::uint8_t> l) { return Bytes(l); }

Bytes cat(Bytes a, BytesView tail) {
  append(a, tail);
  return a;
}

// ------------------------------------------------------------------ exact frame bytes

TEST(MplexFrame, InitiatorFlagsExactBytes) {
  Engine e;
  auto id = e.open_stream();
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, make_stream_id(0, false));
  EXPECT_EQ(take(e), b({0x00, 0x01, '0'}));  // NewStream(0), name "0"
  ASSERT_TRUE(e.write(*id, as_bytes("hi")));
  EXPECT_EQ(take(e), b({0x02, 0x02, 'h', 'i'}));  // MessageInitiator
  ASSERT_TRUE(e.close_write(*id));
  EXPECT_EQ(take(e), b({0x04, 0x00}));  // CloseInitiator
  ASSERT_TRUE(e.reset(*id));
  EXPECT_EQ(take(e), b({0x06, 0x00}));  // ResetInitiator
  auto id2 = e.open_stream("x");
  ASSERT_TRUE(id2);
  EXPECT_EQ(stream_number(*id2), 1u);
  EXPECT_EQ(take(e), b({0x08, 0x01, 'x'}));
}

TEST(MplexFrame, ReceiverFlagsExactBytes) {
  Engine e;
  ASSERT_TRUE(e.on_bytes(b({0x18, 0x00}), t0));  // NewStream number 3, empty name
  auto ev = drain(e);
  ASSERT_EQ(ev.size(), 1u);
  const StreamId id = make_stream_id(3, true);
  EXPECT_EQ(std::get<StreamOpened>(ev[0]).id, id);
  ASSERT_TRUE(e.write(id, as_bytes("ok")));
  EXPECT_EQ(take(e), b({0x19, 0x02, 'o', 'k'}));  // MessageReceiver
  ASSERT_TRUE(e.close_write(id));
  EXPECT_EQ(take(e), b({0x1b, 0x00}));  // CloseReceiver
  ASSERT_TRUE(e.reset(id));
  EXPECT_EQ(take(e), b({0x1d, 0x00}));  // ResetReceiver
}

TEST(MplexFrame, MultiByteVarintsAndChunking) {
  Config cfg;
  cfg.max_message_size = 200;
  Engine e(cfg);
  for (int i = 0; i < 16; ++i) ASSERT_TRUE(e.open_stream(""));
  take(e);
  const StreamId id = make_stream_id(16, false);
  ASSERT_EQ(*e.open_stream(""), id);
  EXPECT_EQ(take(e), b({0x80, 0x01, 0x00}));  // 16 << 3 = 128
  Bytes payload(300, 0xab);
  auto n = e.write(id, payload);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 300u);
  Bytes expect = cat(b({0x82, 0x01, 0xc8, 0x01}), BytesView(payload).first(200));
  expect = cat(cat(expect, b({0x82, 0x01, 0x64})), BytesView(payload).first(100));
  EXPECT_EQ(take(e), expect);
}

TEST(MplexFrame, ReceiveEachFlag) {
  Engine e;
  ASSERT_TRUE(e.open_stream());  // ours: number 0
  take(e);
  const StreamId ours = make_stream_id(0, false), theirs = make_stream_id(0, true);
  // NewStream 0 from the remote (non-minimal header varint 0x80 0x00 is accepted), name "n".
  Bytes in = b({0x80, 0x00, 0x01, 'n'});
  append(in, b({0x01, 0x01, 'a'}));  // MessageReceiver → our stream 0
  append(in, b({0x02, 0x01, 'b'}));  // MessageInitiator → their stream 0
  append(in, b({0x03, 0x00}));       // CloseReceiver → ours
  append(in, b({0x04, 0x00}));       // CloseInitiator → theirs
  ASSERT_TRUE(e.on_bytes(in, t0));
  auto ev = drain(e);
  ASSERT_EQ(ev.size(), 5u);
  EXPECT_EQ(std::get<StreamOpened>(ev[0]).id, theirs);
  EXPECT_EQ(std::get<Data>(ev[1]).id, ours);
  EXPECT_EQ(std::get<Data>(ev[2]).id, theirs);
  EXPECT_EQ(std::get<RemoteClosed>(ev[3]).id, ours);
  EXPECT_EQ(std::get<RemoteClosed>(ev[4]).id, theirs);
  EXPECT_EQ(as_string_view(e.readable(ours)), "a");
  EXPECT_EQ(as_string_view(e.readable(theirs)), "b");
  ASSERT_TRUE(e.on_bytes(b({0x05, 0x00, 0x06, 0x00}), t0));  // ResetReceiver, ResetInitiator
  ev = drain(e);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(std::get<StreamReset>(ev[0]).id, ours);
  EXPECT_FALSE(std::get<StreamReset>(ev[0]).reason);
  EXPECT_EQ(std::get<StreamReset>(ev[1]).id, theirs);
  EXPECT_EQ(e.stream_count(), 0u);
  EXPECT_TRUE(take(e).empty());
}

TEST(MplexFrame, ByteByByteFeeding) {
  Engine e;
  const Bytes in = b({0x80, 0x01, 0x00, 0x82, 0x01, 0x03, 'x', 'y', 'z', 0x84, 0x01, 0x00});
  for (std::uint8_t c : in) ASSERT_TRUE(e.on_bytes(BytesView(&c, 1), t0));
  const StreamId id = make_stream_id(16, true);
  auto ev = drain(e);
  ASSERT_EQ(ev.size(), 5u);
  EXPECT_EQ(std::get<StreamOpened>(ev[0]).id, id);
  EXPECT_EQ(std::get<Data>(ev[1]).size, 1u);
  EXPECT_EQ(std::get<RemoteClosed>(ev[4]).id, id);
  EXPECT_EQ(as_string_view(e.readable(id)), "xyz");
  e.consume(id, 3);
  ASSERT_TRUE(e.close_write(id));
  ev = drain(e);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(std::get<StreamClosed>(ev[0]).id, id);
  EXPECT_FALSE(e.has_stream(id));
}

// ------------------------------------------------------------------ errors and limits

TEST(MplexErrors, OversizedMessageFailsConnection) {
  Config cfg;
  cfg.max_message_size = 1024;
  Engine e(cfg);
  ASSERT_TRUE(e.on_bytes(b({0x00, 0x00}), t0));
  ASSERT_TRUE(e.on_bytes(b({0x02, 0x80, 0x08}), t0));  // exactly 1024: fine (data pending)
  Engine e2(cfg);
  ASSERT_TRUE(e2.on_bytes(b({0x00, 0x00}), t0));
  auto st = e2.on_bytes(b({0x02, 0x81, 0x08}), t0);  // 1025
  EXPECT_EQ(st.error(), errc::message_too_large);
  EXPECT_EQ(e2.error(), errc::message_too_large);
  EXPECT_EQ(e2.on_bytes(b({0x00, 0x00}), t0).error(), errc::message_too_large);
  EXPECT_EQ(e2.open_stream().error(), errc::message_too_large);
  // Default limit is 1 MiB.
  Engine e3;
  EXPECT_TRUE(e3.on_bytes(b({0x00, 0x80, 0x80, 0x40}), t0));   // NewStream name 1 MiB
  Engine e4;
  EXPECT_EQ(e4.on_bytes(b({0x00, 0x81, 0x80, 0x40}), t0).error(), errc::message_too_large);
}

TEST(MplexErrors, MalformedHeaders) {
  {
    Engine e;
    EXPECT_EQ(e.on_bytes(b({0x07, 0x00}), t0).error(), errc::bad_flag);
  }
  {
    Engine e;
    Bytes in(10, 0x80);
    in.push_back(0x00);
    EXPECT_EQ(e.on_bytes(in, t0).error(), errc::header_overflow);
  }
  {
    Engine e;  // 10th byte beyond 64 bits, split across calls
    Bytes in(9, 0xff);
    ASSERT_TRUE(e.on_bytes(in, t0));
    EXPECT_EQ(e.on_bytes(b({0x02}), t0).error(), errc::header_overflow);
  }
  {
    Engine e;  // length varint overflow
    Bytes in{0x00};
    in.insert(in.end(), 10, 0x80);
    EXPECT_EQ(e.on_bytes(in, t0).error(), errc::header_overflow);
  }
  {
    Engine e;
    ASSERT_TRUE(e.on_bytes(b({0x08, 0x00}), t0));
    EXPECT_EQ(e.on_bytes(b({0x08, 0x00}), t0).error(), errc::duplicate_stream);
  }
  {
    Config cfg;
    cfg.max_stream_number = 15;
    Engine e(cfg);
    ASSERT_TRUE(e.on_bytes(b({0x78, 0x00}), t0));  // number 15
    EXPECT_EQ(e.on_bytes(b({0x80, 0x01, 0x00}), t0).error(), errc::stream_id_too_large);
  }
}

TEST(MplexErrors, UnknownStreamIgnoredThenFlood) {
  Engine e;
  // Data for a stream nobody opened: skipped, parsing continues with the next message.
  Bytes in = b({0x0a, 0x03, 'a', 'b', 'c', 0x00, 0x00});
  ASSERT_TRUE(e.on_bytes(in, t0));
  auto ev = drain(e);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(std::get<StreamOpened>(ev[0]).id, make_stream_id(0, true));
  EXPECT_TRUE(take(e).empty());  // nothing sent in reply
  // 4 more within the same second are tolerated (5 total), the 6th fails the connection.
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(e.on_bytes(b({0x0d, 0x00}), t0 + std::chrono::milliseconds(100 * i)));
  EXPECT_EQ(e.on_bytes(b({0x0b, 0x00}), t0 + 999ms).error(), errc::unknown_stream_flood);
}

TEST(MplexErrors, UnknownStreamWindowResetsEachSecond) {
  Engine e;
  TimePoint now = t0;
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(e.on_bytes(b({0x0d, 0x00}), now)) << i;
    now += 250ms;  // 4 per second
  }
  Config cfg;
  cfg.disconnect_threshold = 0;  // disabled
  Engine e2(cfg);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(e2.on_bytes(b({0x0d, 0x00}), t0));
}

TEST(MplexErrors, InboundStreamLimitRefusesThenDisconnects) {
  Config cfg;
  cfg.max_inbound_streams = 2;
  Engine e(cfg);
  ASSERT_TRUE(e.on_bytes(b({0x00, 0x00, 0x08, 0x00}), t0));
  EXPECT_EQ(drain(e).size(), 2u);
  // Third: refused with ResetReceiver, name skipped.
  ASSERT_TRUE(e.on_bytes(b({0x10, 0x02, 'n', 'm'}), t0));
  EXPECT_TRUE(drain(e).empty());
  EXPECT_EQ(take(e), b({0x15, 0x00}));
  for (std::uint8_t n = 3; n < 7; ++n)
    ASSERT_TRUE(e.on_bytes(b({static_cast<std::uint8_t>(n << 3), 0x00}), t0 + 500ms));
  EXPECT_EQ(e.on_bytes(b({0x38, 0x00}), t0 + 900ms).error(), errc::too_many_refused_streams);
  // A slot freed by a reset lets the next one in.
  Engine f(cfg);
  ASSERT_TRUE(f.on_bytes(b({0x00, 0x00, 0x08, 0x00, 0x10, 0x00}), t0));
  take(f);
  ASSERT_TRUE(f.on_bytes(b({0x06, 0x00, 0x18, 0x00}), t0));  // reset 0, open 3
  auto ev = drain(f);
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(std::get<StreamOpened>(ev[3]).id, make_stream_id(3, true));
}

TEST(MplexErrors, OutboundStreamLimitAndExhaustion) {
  Config cfg;
  cfg.max_outbound_streams = 2;
  cfg.max_stream_number = 2;
  Engine e(cfg);
  auto a = e.open_stream();
  ASSERT_TRUE(e.open_stream());
  EXPECT_EQ(e.open_stream().error(), errc::too_many_streams);
  ASSERT_TRUE(e.reset(*a));
  ASSERT_TRUE(e.open_stream());  // number 2
  ASSERT_TRUE(e.reset(*a + 2));
  EXPECT_EQ(e.open_stream().error(), errc::stream_ids_exhausted);
  Config c2;
  c2.max_message_size = 3;
  Engine f(c2);
  EXPECT_EQ(f.open_stream("abcd").error(), errc::name_too_long);
}

TEST(MplexErrors, BufferBoundResetsStream) {
  Config cfg;
  cfg.max_stream_buffer = 10;
  Engine e(cfg);
  const StreamId id = make_stream_id(0, true);
  ASSERT_TRUE(e.on_bytes(b({0x00, 0x00, 0x02, 0x06, 1, 2, 3, 4, 5, 6}), t0));
  drain(e);
  e.consume(id, 2);  // 4 buffered
  ASSERT_TRUE(e.on_bytes(b({0x02, 0x06, 7, 8, 9, 10, 11, 12}), t0));  // exactly 10: fine
  EXPECT_EQ(drain(e).size(), 1u);
  // One more byte exceeds the bound: stream reset, payload skipped, next message parsed.
  ASSERT_TRUE(e.on_bytes(b({0x02, 0x01, 13, 0x08, 0x00}), t0));
  auto ev = drain(e);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(std::get<StreamReset>(ev[0]).id, id);
  EXPECT_EQ(std::get<StreamReset>(ev[0]).reason, errc::stream_buffer_full);
  EXPECT_EQ(std::get<StreamOpened>(ev[1]).id, make_stream_id(1, true));
  EXPECT_EQ(take(e), b({0x05, 0x00}));  // ResetReceiver for their stream 0
  EXPECT_FALSE(e.has_stream(id));
  EXPECT_EQ(e.write(id, as_bytes("x")).error(), errc::unknown_stream);
}

// Data the remote sent before it saw our Reset (megabytes at full speed) is dropped quietly:
// it does not count towards the unknown-stream flood threshold, which still catches messages
// for streams that were never opened.
TEST(MplexErrors, DataInFlightAfterOurResetIsNotAFlood) {
  Config cfg;
  cfg.max_stream_buffer = 4;
  Engine e(cfg);
  ASSERT_TRUE(e.on_bytes(b({0x00, 0x00, 0x02, 0x05, 1, 2, 3, 4, 5}), t0));  // overflow: we reset
  auto ev = drain(e);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(std::get<StreamReset>(ev[1]).reason, errc::stream_buffer_full);
  EXPECT_EQ(take(e), b({0x05, 0x00}));
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(e.on_bytes(b({0x02, 0x02, 7, 7}), t0)) << i;
  EXPECT_TRUE(drain(e).empty());
  EXPECT_TRUE(take(e).empty());
  // A stream reset by our own command is remembered the same way.
  ASSERT_TRUE(e.on_bytes(b({0x08, 0x00}), t0));  // their stream 1
  drain(e);
  ASSERT_TRUE(e.reset(make_stream_id(1, true)));
  take(e);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(e.on_bytes(b({0x0a, 0x01, 9}), t0)) << i;
  // Messages for a stream never opened still fail the connection past the threshold.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(e.on_bytes(b({0x32, 0x00}), t0)) << i;  // stream 6
  EXPECT_EQ(e.on_bytes(b({0x32, 0x00}), t0).error(), errc::unknown_stream_flood);
}

TEST(MplexErrors, DataAfterRemoteCloseResetsStream) {
  Engine e;
  ASSERT_TRUE(e.on_bytes(b({0x00, 0x00, 0x04, 0x00, 0x02, 0x01, 'x'}), t0));
  auto ev = drain(e);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(std::get<StreamReset>(ev[2]).reason, errc::data_after_close);
  EXPECT_EQ(take(e), b({0x05, 0x00}));
}

TEST(MplexErrors, LocalCommands) {
  Engine e;
  auto id = e.open_stream();
  take(e);
  ASSERT_TRUE(e.close_write(*id));
  ASSERT_TRUE(e.close_write(*id));  // idempotent
  EXPECT_EQ(take(e), b({0x04, 0x00}));
  EXPECT_EQ(e.write(*id, as_bytes("x")).error(), errc::write_after_close);
  EXPECT_EQ(e.write(999, as_bytes("x")).error(), errc::unknown_stream);
  EXPECT_EQ(e.close_write(999).error(), errc::unknown_stream);
  EXPECT_EQ(e.reset(999).error(), errc::unknown_stream);
  e.consume(999, 5);  // no-op
  // Remote may still write after our close (half-close), then close: stream freed once read.
  ASSERT_TRUE(e.on_bytes(b({0x01, 0x02, 'h', 'i', 0x03, 0x00}), t0));
  auto ev = drain(e);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_TRUE(e.has_stream(*id));
  e.consume(*id, 1);
  EXPECT_TRUE(e.has_stream(*id));
  e.consume(*id, 100);
  ev = drain(e);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(std::get<StreamClosed>(ev[0]).id, *id);
}

TEST(MplexErrors, LocalResetDuringPayloadDiscardsRest) {
  Engine e;
  ASSERT_TRUE(e.on_bytes(b({0x00, 0x00, 0x02, 0x04, 'a', 'b'}), t0));
  const StreamId id = make_stream_id(0, true);
  drain(e);
  ASSERT_TRUE(e.reset(id));
  EXPECT_EQ(take(e), b({0x05, 0x00}));
  ASSERT_TRUE(e.on_bytes(b({'c', 'd', 0x08, 0x00}), t0));
  auto ev = drain(e);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(std::get<StreamOpened>(ev[0]).id, make_stream_id(1, true));
}

TEST(MplexErrors, RefusedStreamMessagesAreIgnored) {
  Config cfg;
  cfg.max_inbound_streams = 0;
  Engine e(cfg);
  ASSERT_TRUE(e.on_bytes(b({0x00, 0x00, 0x02, 0x02, 'h', 'i', 0x04, 0x00}), t0));
  EXPECT_TRUE(drain(e).empty());
  EXPECT_EQ(take(e), b({0x05, 0x00}));
  EXPECT_EQ(e.stream_count(), 0u);
}

TEST(MplexErrors, PayloadOnCloseAndResetIsSkipped) {
  Engine e;
  ASSERT_TRUE(e.on_bytes(b({0x00, 0x00, 0x04, 0x02, 'z', 'z', 0x08, 0x00, 0x0e, 0x01, 'q', 0x10, 0x00}), t0));
  auto ev = drain(e);
  ASSERT_EQ(ev.size(), 5u);
  EXPECT_EQ(std::get<RemoteClosed>(ev[1]).id, make_stream_id(0, true));
  EXPECT_EQ(std::get<StreamReset>(ev[3]).id, make_stream_id(1, true));
  EXPECT_EQ(std::get<StreamOpened>(ev[4]).id, make_stream_id(2, true));
  EXPECT_TRUE(e.readable(make_stream_id(0, true)).empty());
}

TEST(MplexIds, PackingKeepsNamespacesApart) {
  static_assert(make_stream_id(5, true) == 11);
  static_assert(make_stream_id(5, false) == 10);
  static_assert(stream_number(11) == 5 && opened_by_remote(11) && !opened_by_remote(10));
  EXPECT_EQ(std::string(kProtocolId), "/mplex/6.7.0");
  EXPECT_EQ(make_error_code(errc::message_too_large).message(), "mplex: message exceeds maximum size");
}

// ------------------------------------------------------------------ two engines back to back

struct Side {
  Engine eng;
  std::map<StreamId, Bytes> received;
  std::map<StreamId, bool> remote_closed;
  std::map<StreamId, bool> closed;
  std::map<StreamId, bool> was_reset;
  std::vector<StreamId> opened_by_peer;
  explicit Side(Config c) : eng(c) {}
  void handle_events() {
    while (auto ev = eng.poll_event()) {
      std::visit(
          [&](auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, StreamOpened>) {
              opened_by_peer.push_back(e.id);
            } else if constexpr (std::is_same_v<T, Data>) {
              BytesView r = eng.readable(e.id);
              ASSERT_GE(r.size(), e.size);
            } else if constexpr (std::is_same_v<T, RemoteClosed>) {
              remote_closed[e.id] = true;
            } else if constexpr (std::is_same_v<T, StreamReset>) {
              was_reset[e.id] = true;
            } else if constexpr (std::is_same_v<T, StreamClosed>) {
              closed[e.id] = true;
            }
          },
          *ev);
    }
  }
  // Read everything readable (the application keeps up).
  void read_all() {
    std::vector<StreamId> ids;
    for (auto& [id, _] : received) ids.push_back(id);
    for (StreamId id : opened_by_peer) ids.push_back(id);
    for (StreamId id : ids) {
      BytesView r = eng.readable(id);
      if (r.empty()) continue;
      append(received[id], r);
      eng.consume(id, r.size());
    }
    handle_events();
  }
};

// Moves all of `from`'s output into `to`, in randomly sized fragments.
void pump(Side& from, Side& to, Rng& rng, TimePoint now) {
  Bytes out;
  out.swap(from.eng.output());
  for (std::size_t off = 0; off < out.size();) {
    const std::size_t n = 1 + rng.uniform(std::min<std::size_t>(out.size() - off, 70000));
    ASSERT_TRUE(to.eng.on_bytes(BytesView(out).subspan(off, n), now));
    off += n;
    to.handle_events();
    to.read_all();
  }
}

Bytes pattern(std::uint64_t seed, std::size_t n) {
  DeterministicRng r(seed);
  Bytes v(n);
  r.fill(v);
  return v;
}

class MplexPair : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(MplexPair, ManyStreamsHalfCloseResetAndTenMiB) {
  DeterministicRng rng(GetParam());
  Side a(Config{}), b(Config{});
  TimePoint now = t0;

  struct Plan {
    Side* writer;
    StreamId id;
    Bytes data;
    std::size_t sent = 0;
    bool reset_midway = false;
    bool closed = false;
  };
  std::vector<Plan> plans;
  // A opens 12 streams, B opens 12; one of A's carries 10 MiB; one of each side is reset.
  for (int i = 0; i < 24; ++i) {
    Side& w = i < 12 ? a : b;
    auto id = w.eng.open_stream();
    ASSERT_TRUE(id);
    const std::size_t size = i == 0 ? 10u * 1024 * 1024 : 1000 + static_cast<std::size_t>(rng.uniform(200000));
    Plan p{&w, *id, pattern(GetParam() * 100 + static_cast<std::uint64_t>(i), size)};
    p.reset_midway = (i == 5 || i == 17);
    plans.push_back(std::move(p));
  }
  // Interleave writes and pumping with random fragmentation.
  bool progress = true;
  while (progress) {
    progress = false;
    for (Plan& p : plans) {
      if (p.closed) continue;
      progress = true;
      const std::size_t n = std::min<std::size_t>(p.data.size() - p.sent, 1 + rng.uniform(300000));
      if (p.reset_midway && p.sent > p.data.size() / 2) {
        ASSERT_TRUE(p.writer->eng.reset(p.id));
        p.closed = true;
        continue;
      }
      auto w = p.writer->eng.write(p.id, BytesView(p.data).subspan(p.sent, n));
      ASSERT_TRUE(w);
      EXPECT_EQ(*w, n);
      p.sent += n;
      if (p.sent == p.data.size() && !p.reset_midway) {
        ASSERT_TRUE(p.writer->eng.close_write(p.id));
        p.closed = true;
      }
    }
    now += 10ms;
    pump(a, b, rng, now);
    pump(b, a, rng, now);
  }
  for (int i = 0; i < 10; ++i) {
    pump(a, b, rng, now);
    pump(b, a, rng, now);
  }
  // Every peer-opened stream: the reader answers with a close of its own (half-close both ways).
  for (Side* s : {&a, &b}) {
    for (StreamId id : s->opened_by_peer) {
      if (s->eng.has_stream(id)) {
        ASSERT_TRUE(s->eng.close_write(id));
      }
    }
    s->handle_events();
  }
  pump(a, b, rng, now);
  pump(b, a, rng, now);

  for (std::size_t i = 0; i < plans.size(); ++i) {
    const Plan& p = plans[i];
    Side& reader = p.writer == &a ? b : a;
    const StreamId rid = make_stream_id(stream_number(p.id), true);
    ASSERT_EQ(reader.received.count(rid), 1u) << i;
    const Bytes& got = reader.received[rid];
    if (p.reset_midway) {
      EXPECT_TRUE(reader.was_reset[rid]) << i;
      EXPECT_EQ(got, Bytes(p.data.begin(), p.data.begin() + static_cast<std::ptrdiff_t>(got.size())));
      EXPECT_FALSE(p.writer->was_reset[p.id]);  // local resets emit no event
    } else {
      EXPECT_EQ(got, p.data) << i;
      EXPECT_TRUE(reader.remote_closed[rid]);
      EXPECT_TRUE(reader.closed[rid]) << i;
      EXPECT_TRUE(p.writer->closed[p.id]) << i;
    }
  }
  EXPECT_EQ(a.eng.stream_count(), 0u);
  EXPECT_EQ(b.eng.stream_count(), 0u);
  EXPECT_FALSE(a.eng.error());
  EXPECT_FALSE(b.eng.error());
}

INSTANTIATE_TEST_SUITE_P(Seeds, MplexPair, ::testing::Values(1u, 2u, 3u, 42u));

}  // namespace
}  // namespace lotus::proto::mplex
