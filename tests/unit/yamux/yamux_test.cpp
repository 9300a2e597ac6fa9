#include <gtest/gtest.h>

#include <map>
#include <string>

#include "base/hex.hpp"
#include "base/rng.hpp"
#include "proto/yamux/engine.hpp"

using namespace lotus;
using namespace lotus::proto::yamux;

namespace {

std::string hdr(FrameType t, std::uint16_t flags, StreamId id, std::uint32_t len) {
  Bytes b;
  append_header(b, Header{0, static_cast<std::uint8_t>(t), flags, id, len});
  return to_hex(b);
}
Bytes frame(std::uint8_t version, std::uint8_t type, std::uint16_t flags, StreamId id,
            std::uint32_t len, BytesView payload = {}) {
  Bytes b;
  append_header(b, Header{version, type, flags, id, len});
  append(b, payload);
  return b;
}
Bytes frame(FrameType t, std::uint16_t flags, StreamId id, std::uint32_t len, BytesView payload = {}) {
  return frame(0, static_cast<std::uint8_t>(t), flags, id, len, payload);
}
std::string drain_hex(Engine& e) {
  std::string s = to_hex(e.output());
  e.output().clear();
  return s;
}
std::vector<Event> events(Engine& e) {
  std::vector<Event> v;
  while (auto ev = e.poll_event()) v.push_back(std::move(*ev));
  return v;
}
template <class T>
std::vector<T> only(const std::vector<Event>& v) {
  std::vector<T> out;
  for (const auto& e : v)
    if (auto* p = std::get_if<T>(&e)) out.push_back(*p);
  return out;
}
const std::string kGoAwayProtocolError = hdr(FrameType::go_away, 0, 0, 1);

// Two engines back to back; a seeded RNG cuts the byte streams into random fragments.
struct Pair {
  explicit Pair(std::uint64_t seed, Config cc = {}, Config sc = {})
      : c(Role::client, cc), s(Role::server, sc), rng(seed) {}
  Engine c, s;
  Bytes c2s, s2c;
  DeterministicRng rng;
  std::vector<Event> cev, sev;

  std::size_t chunk(std::size_t avail) {
    switch (rng.uniform(4)) {
      case 0: return 1 + rng.uniform(std::min<std::size_t>(avail, 13));
      case 1: return 1 + rng.uniform(std::min<std::size_t>(avail, 4096));
      default: return 1 + rng.uniform(std::min<std::size_t>(avail, 70000));
    }
  }
  static void deliver(Bytes& q, Engine& to, std::size_t n) {
    ASSERT_TRUE(to.on_bytes(BytesView(q).first(n))) << to.error().message();
    q.erase(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(n));
  }
  // One random delivery step; false when nothing is in flight.
  bool step() {
    append(c2s, c.output());
    c.output().clear();
    append(s2c, s.output());
    s.output().clear();
    const bool busy = !c2s.empty() || !s2c.empty();
    if (busy) {
      const bool to_server = !c2s.empty() && (s2c.empty() || rng.uniform(2) == 0);
      if (to_server) deliver(c2s, s, chunk(c2s.size()));
      else deliver(s2c, c, chunk(s2c.size()));
    }
    // Events may also come from commands (consume, close_write): always collect them.
    while (auto e = c.poll_event()) cev.push_back(std::move(*e));
    while (auto e = s.poll_event()) sev.push_back(std::move(*e));
    return busy;
  }
  void pump() {
    while (step()) {
    }
  }
};

}  // namespace

TEST(YamuxFrame, ExactHeaderBytes) {
  EXPECT_EQ(hdr(FrameType::data, flag::syn, 1, 5), "000000010000000100000005");
  EXPECT_EQ(hdr(FrameType::window_update, flag::ack, 2, 0x40000), "000100020000000200040000");
  EXPECT_EQ(hdr(FrameType::window_update, flag::fin, 3, 0), "000100040000000300000000");
  EXPECT_EQ(hdr(FrameType::window_update, flag::rst, 0x01020304, 0), "000100080102030400000000");
  EXPECT_EQ(hdr(FrameType::ping, flag::syn, 0, 0xdeadbeef), "0002000100000000deadbeef");
  EXPECT_EQ(hdr(FrameType::ping, flag::ack, 0, 7), "000200020000000000000007");
  EXPECT_EQ(hdr(FrameType::go_away, 0, 0, 2), "000300000000000000000002");
  const Bytes raw = *from_hex("0001000600000007fffffffe");
  const Header h = decode_header(raw.data());
  EXPECT_EQ(h.version, 0);
  EXPECT_EQ(h.type, 1);
  EXPECT_EQ(h.flags, flag::ack | flag::fin);
  EXPECT_EQ(h.stream_id, 7u);
  EXPECT_EQ(h.length, 0xfffffffeu);
}

TEST(YamuxEngine, ExactBytesOfCommands) {
  Engine c(Role::client), s(Role::server);
  auto id = c.open_stream();
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, 1u);
  EXPECT_EQ(drain_hex(c), "000100010000000100000000");  // WindowUpdate SYN, delta 0
  ASSERT_EQ(*c.write(1, as_bytes("hello")), 5u);
  EXPECT_EQ(drain_hex(c), "000000000000000100000005" + to_hex(as_bytes("hello")));
  EXPECT_EQ(*c.open_stream(), 3u);
  c.output().clear();
  ASSERT_TRUE(c.close_write(1));
  EXPECT_EQ(drain_hex(c), "000100040000000100000000");
  ASSERT_TRUE(c.reset(3));
  EXPECT_EQ(drain_hex(c), "000100080000000300000000");
  EXPECT_EQ(*c.ping(), 1u);
  EXPECT_EQ(drain_hex(c), "000200010000000000000001");
  c.go_away(GoAwayCode::normal);
  EXPECT_EQ(drain_hex(c), "000300000000000000000000");
  c.go_away(GoAwayCode::internal_error);  // only once
  EXPECT_EQ(drain_hex(c), "");

  // Server side: accept and reply; the first frame carries ACK, later ones don't.
  EXPECT_EQ(*s.open_stream(), 2u);
  s.output().clear();
  ASSERT_TRUE(s.on_bytes(frame(FrameType::window_update, flag::syn, 1, 0)));
  auto ev = events(s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(std::get<StreamOpened>(ev[0]).id, 1u);
  ASSERT_EQ(*s.write(1, as_bytes("ok")), 2u);
  EXPECT_EQ(drain_hex(s), "000000020000000100000002" + to_hex(as_bytes("ok")));
  ASSERT_EQ(*s.write(1, as_bytes("!")), 1u);
  EXPECT_EQ(drain_hex(s), "000000000000000100000001" + to_hex(as_bytes("!")));
  // Ping answered with ACK and the same opaque value.
  ASSERT_TRUE(s.on_bytes(frame(FrameType::ping, flag::syn, 0, 0x01020304)));
  EXPECT_EQ(drain_hex(s), "000200020000000001020304");
}

TEST(YamuxEngine, FramesSplitAtMaxFrameData) {
  Config cfg;
  cfg.max_frame_data = 16 * 1024;
  Engine c(Role::client, cfg);
  ASSERT_TRUE(c.open_stream());
  c.output().clear();
  Bytes data(40000, 0xab);
  ASSERT_EQ(*c.write(1, data), 40000u);
  const Bytes& out = c.output();
  ASSERT_EQ(out.size(), 40000u + 3 * kHeaderSize);
  EXPECT_EQ(to_hex(BytesView(out).first(12)), hdr(FrameType::data, 0, 1, 16384));
  EXPECT_EQ(to_hex(BytesView(out).subspan(12 + 16384, 12)), hdr(FrameType::data, 0, 1, 16384));
  EXPECT_EQ(to_hex(BytesView(out).subspan(24 + 32768, 12)), hdr(FrameType::data, 0, 1, 40000 - 32768));
  EXPECT_EQ(c.send_window(1), kInitialWindow - 40000);
}

TEST(YamuxEngine, OpenEchoAndFullClose) {
  Pair p(1);
  auto id = p.c.open_stream();
  ASSERT_TRUE(id);
  ASSERT_EQ(*p.c.write(*id, as_bytes("ping?")), 5u);
  p.pump();
  ASSERT_EQ(only<StreamOpened>(p.sev).size(), 1u);
  EXPECT_EQ(as_string_view(p.s.readable(*id)), "ping?");
  p.s.consume(*id, 5);
  ASSERT_EQ(*p.s.write(*id, as_bytes("pong!")), 5u);
  ASSERT_TRUE(p.s.close_write(*id));
  p.pump();
  EXPECT_EQ(as_string_view(p.c.readable(*id)), "pong!");
  EXPECT_EQ(only<RemoteClosed>(p.cev).size(), 1u);
  ASSERT_TRUE(p.c.close_write(*id));
  p.pump();
  // Server: both FINs, nothing unread -> freed.
  ASSERT_EQ(only<StreamClosed>(p.sev).size(), 1u);
  EXPECT_FALSE(p.s.has_stream(*id));
  // Client still holds unread data: freed only once it is consumed.
  EXPECT_TRUE(p.c.has_stream(*id));
  EXPECT_TRUE(only<StreamClosed>(p.cev).empty());
  p.c.consume(*id, 5);
  ASSERT_TRUE(p.c.poll_event());
  EXPECT_EQ(p.c.stream_count(), 0u);
  EXPECT_EQ(p.s.stream_count(), 0u);
}

TEST(YamuxEngine, HalfCloseBothDirections) {
  Pair p(2);
  const StreamId a = *p.c.open_stream();  // client closes first
  const StreamId b = *p.c.open_stream();  // server closes first
  ASSERT_TRUE(p.c.write(a, as_bytes("x")));
  ASSERT_TRUE(p.c.write(b, as_bytes("y")));
  p.pump();
  ASSERT_TRUE(p.c.close_write(a));
  ASSERT_TRUE(p.s.close_write(b));
  p.pump();
  EXPECT_EQ(p.c.write(a, as_bytes("z")).error(), errc::write_after_close);
  // The other direction still works on both.
  ASSERT_EQ(*p.s.write(a, as_bytes("after client FIN")), 16u);
  ASSERT_EQ(*p.c.write(b, as_bytes("after server FIN")), 16u);
  p.pump();
  EXPECT_EQ(as_string_view(p.c.readable(a)), "after client FIN");
  EXPECT_EQ(as_string_view(p.s.readable(b)), "yafter server FIN");
  const auto s_closed = only<RemoteClosed>(p.sev);
  const auto c_closed = only<RemoteClosed>(p.cev);
  ASSERT_EQ(s_closed.size(), 1u);
  EXPECT_EQ(s_closed[0].id, a);
  ASSERT_EQ(c_closed.size(), 1u);
  EXPECT_EQ(c_closed[0].id, b);
  p.c.consume(a, 100);
  p.s.consume(a, 100);
  p.c.consume(b, 100);
  p.s.consume(b, 100);
  ASSERT_TRUE(p.s.close_write(a));
  ASSERT_TRUE(p.c.close_write(b));
  p.pump();
  EXPECT_EQ(only<StreamClosed>(p.cev).size(), 2u);
  EXPECT_EQ(only<StreamClosed>(p.sev).size(), 2u);
  EXPECT_EQ(p.c.stream_count(), 0u);
  EXPECT_EQ(p.s.stream_count(), 0u);
}

TEST(YamuxEngine, ResetFreesBothSidesAndInFlightDataIsDropped) {
  Pair p(3);
  const StreamId id = *p.c.open_stream();
  ASSERT_TRUE(p.c.write(id, as_bytes("hello")));
  p.pump();
  // Server writes while the client's RST is in flight.
  ASSERT_TRUE(p.s.write(id, Bytes(1000, 1)));
  ASSERT_TRUE(p.c.reset(id));
  EXPECT_FALSE(p.c.has_stream(id));
  p.pump();
  const auto resets = only<StreamReset>(p.sev);
  ASSERT_EQ(resets.size(), 1u);
  EXPECT_EQ(resets[0].id, id);
  EXPECT_FALSE(p.s.has_stream(id));
  EXPECT_TRUE(only<Data>(p.cev).empty());
  EXPECT_FALSE(p.c.error());
  EXPECT_EQ(p.c.write(id, as_bytes("x")).error(), errc::unknown_stream);
  EXPECT_EQ(p.c.reset(id).error(), errc::unknown_stream);
  EXPECT_EQ(p.s.close_write(id).error(), errc::unknown_stream);
  // A new stream works afterwards.
  const StreamId id2 = *p.c.open_stream();
  ASSERT_TRUE(p.c.write(id2, as_bytes("again")));
  p.pump();
  EXPECT_EQ(as_string_view(p.s.readable(id2)), "again");
}

TEST(YamuxEngine, PingPong) {
  Pair p(4);
  auto opaque = p.c.ping();
  ASSERT_TRUE(opaque);
  EXPECT_EQ(p.c.ping().error(), errc::ping_in_flight);
  p.pump();
  auto pongs = only<Pong>(p.cev);
  ASSERT_EQ(pongs.size(), 1u);
  EXPECT_EQ(pongs[0].opaque, *opaque);
  EXPECT_TRUE(only<Pong>(p.sev).empty());
  // Next ping gets a fresh value; an unsolicited pong is ignored.
  ASSERT_TRUE(p.c.on_bytes(frame(FrameType::ping, flag::ack, 0, 999)));
  EXPECT_FALSE(p.c.poll_event());
  auto second = p.s.ping();
  ASSERT_TRUE(second);
  p.pump();
  ASSERT_EQ(only<Pong>(p.sev).size(), 1u);
  EXPECT_EQ(only<Pong>(p.sev)[0].opaque, *second);
}

TEST(YamuxEngine, GoAway) {
  Pair p(5);
  const StreamId existing = *p.c.open_stream();
  p.pump();
  p.c.go_away(GoAwayCode::normal);
  p.pump();
  const auto ga = only<GoAwayReceived>(p.sev);
  ASSERT_EQ(ga.size(), 1u);
  EXPECT_EQ(ga[0].code, 0u);
  EXPECT_TRUE(p.s.remote_went_away());
  EXPECT_EQ(p.s.open_stream().error(), errc::remote_go_away);
  EXPECT_EQ(p.c.open_stream().error(), errc::session_closing);
  // The client refuses a new inbound stream with RST.
  ASSERT_TRUE(p.c.on_bytes(frame(FrameType::window_update, flag::syn, 2, 0)));
  EXPECT_EQ(drain_hex(p.c), hdr(FrameType::window_update, flag::rst, 2, 0));
  EXPECT_FALSE(p.c.has_stream(2));
  // Existing streams keep working.
  ASSERT_TRUE(p.c.write(existing, as_bytes("still")));
  ASSERT_TRUE(p.s.write(existing, as_bytes("here")));
  p.pump();
  EXPECT_EQ(as_string_view(p.s.readable(existing)), "still");
  EXPECT_EQ(as_string_view(p.c.readable(existing)), "here");
}

TEST(YamuxEngine, InboundStreamLimit) {
  Config sc;
  sc.max_streams = 2;
  Pair p(6, {}, sc);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(p.c.open_stream());
  ASSERT_TRUE(p.c.write(5, as_bytes("refused data is discarded")));
  p.pump();
  EXPECT_EQ(only<StreamOpened>(p.sev).size(), 2u);
  EXPECT_EQ(p.s.stream_count(), 2u);
  const auto resets = only<StreamReset>(p.cev);
  ASSERT_EQ(resets.size(), 1u);
  EXPECT_EQ(resets[0].id, 5u);
  EXPECT_EQ(p.c.stream_count(), 2u);
  EXPECT_FALSE(p.s.error());
  // Closing one makes room again.
  ASSERT_TRUE(p.c.reset(1));
  p.pump();
  ASSERT_TRUE(p.c.open_stream());
  p.pump();
  EXPECT_EQ(p.s.stream_count(), 2u);
  EXPECT_TRUE(p.s.has_stream(7));
}

TEST(YamuxEngine, OutboundLimitsAndAckBacklog) {
  Config cc;
  cc.max_outbound_streams = 300;
  Engine c(Role::client, cc);
  for (int i = 0; i < 256; ++i) ASSERT_TRUE(c.open_stream());
  EXPECT_EQ(c.open_stream().error(), errc::ack_backlog_full);
  // ACK for stream 1 frees one backlog slot.
  ASSERT_TRUE(c.on_bytes(frame(FrameType::window_update, flag::ack, 1, 0)));
  EXPECT_TRUE(c.open_stream());
  EXPECT_EQ(c.open_stream().error(), errc::ack_backlog_full);
  Config small;
  small.max_outbound_streams = 1;
  Engine c2(Role::client, small);
  ASSERT_TRUE(c2.open_stream());
  EXPECT_EQ(c2.open_stream().error(), errc::too_many_streams);
}

TEST(YamuxEngine, WindowUpdateOnlyAfterHalfConsumed) {
  Engine s(Role::server);
  ASSERT_TRUE(s.on_bytes(frame(FrameType::window_update, flag::syn, 1, 0)));
  ASSERT_TRUE(s.on_bytes(frame(FrameType::data, 0, 1, 100000, Bytes(100000, 7))));
  ASSERT_TRUE(s.write(1, as_bytes("a")));  // carries the ACK
  s.output().clear();
  EXPECT_EQ(s.receive_credit(1), kInitialWindow - 100000);
  s.consume(1, 100000);
  EXPECT_EQ(drain_hex(s), "");  // 100000 < 128 KiB
  ASSERT_TRUE(s.on_bytes(frame(FrameType::data, 0, 1, 100000, Bytes(100000, 7))));
  EXPECT_EQ(drain_hex(s), "");  // unread data is never re-granted
  s.consume(1, 30000);
  EXPECT_EQ(drain_hex(s), "");  // 130000 < 131072
  s.consume(1, 2000);
  EXPECT_EQ(drain_hex(s), hdr(FrameType::window_update, 0, 1, 132000));
  EXPECT_EQ(s.receive_credit(1), kInitialWindow - 68000);
  EXPECT_EQ(s.readable(1).size(), 68000u);
}

TEST(YamuxEngine, InboundOnlyReaderAcksWithFirstWindowUpdate) {
  Engine s(Role::server);
  ASSERT_TRUE(s.on_bytes(frame(FrameType::data, flag::syn, 1, 200000, Bytes(200000, 1))));
  EXPECT_EQ(drain_hex(s), "");  // no implicit ACK
  s.consume(1, 200000);
  EXPECT_EQ(drain_hex(s), hdr(FrameType::window_update, flag::ack, 1, 200000));
}

// write_by_reference: the same wire bytes as write() once the payload views are put after the
// header bytes they follow; the payload itself is not in output(); the window is charged the same.
TEST(YamuxEngine, WriteByReferenceLaysOutTheSameFrames) {
  Config cfg;
  cfg.max_frame_data = 16 * 1024;
  Engine copy(Role::client, cfg), ref(Role::client, cfg);
  ASSERT_TRUE(copy.open_stream());
  ASSERT_TRUE(ref.open_stream());  // SYN still to go with the first data frame of each
  Bytes data(300000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 13);
  copy.output().clear();
  ref.output().clear();
  ASSERT_EQ(*copy.write(1, data), kInitialWindow);  // limited by the window
  std::vector<std::pair<std::size_t, BytesView>> refs;
  ASSERT_EQ(*ref.write_by_reference(1, data, refs), kInitialWindow);
  ASSERT_EQ(refs.size(), kInitialWindow / (16 * 1024));
  EXPECT_EQ(ref.output().size(), refs.size() * kHeaderSize);  // headers only
  Bytes joined;
  std::size_t from = 0;
  for (const auto& [offset, payload] : refs) {
    joined.insert(joined.end(), ref.output().begin() + static_cast<std::ptrdiff_t>(from),
                  ref.output().begin() + static_cast<std::ptrdiff_t>(offset));
    joined.insert(joined.end(), payload.begin(), payload.end());
    from = offset;
  }
  EXPECT_EQ(joined, copy.output());
  EXPECT_EQ(ref.send_window(1), copy.send_window(1));
  refs.clear();
  EXPECT_EQ(*ref.write_by_reference(1, data, refs), 0u);  // window used up: nothing, no frames
  EXPECT_TRUE(refs.empty());
  EXPECT_EQ(ref.write_by_reference(9, data, refs).error(), errc::unknown_stream);
}

TEST(YamuxEngine, ShortWriteThenSendWindowOpened) {
  Pair p(7);
  const StreamId id = *p.c.open_stream();
  Bytes big(300000, 9);
  auto n = p.c.write(id, big);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, kInitialWindow);
  EXPECT_EQ(*p.c.write(id, big), 0u);
  p.pump();
  EXPECT_TRUE(only<SendWindowOpened>(p.cev).empty());
  p.s.consume(id, 200000);
  p.pump();
  const auto opened = only<SendWindowOpened>(p.cev);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].id, id);
  EXPECT_EQ(opened[0].window, 200000u);
  EXPECT_EQ(*p.c.write(id, BytesView(big).subspan(kInitialWindow)), 300000u - kInitialWindow);
}

TEST(YamuxEngine, ReceiveWindowHookForAutotuning) {
  Config sc;
  sc.max_window = 1024 * 1024;
  Engine s(Role::server, sc);
  ASSERT_TRUE(s.on_bytes(frame(FrameType::window_update, flag::syn, 1, 0)));
  ASSERT_TRUE(s.set_receive_window(1, 16 * 1024 * 1024));  // clamped to max_window
  EXPECT_EQ(drain_hex(s), hdr(FrameType::window_update, flag::ack, 1, 1024 * 1024 - kInitialWindow));
  EXPECT_EQ(s.receive_credit(1), 1024u * 1024u);
  ASSERT_TRUE(s.on_bytes(frame(FrameType::data, 0, 1, 1024 * 1024, Bytes(1024 * 1024, 3))));
  EXPECT_EQ(s.on_bytes(frame(FrameType::data, 0, 1, 1, Bytes(1, 3))).error(), errc::window_exceeded);
  EXPECT_EQ(s.set_receive_window(99, 1).error(), errc::window_exceeded);  // engine failed
}

TEST(YamuxEngine, ManyStreamsTenMiBRandomFragmentsWindowsRespected) {
  Pair p(42);
  constexpr int kStreams = 12;
  std::map<StreamId, Bytes> to_send, received;
  std::map<StreamId, std::size_t> sent_off;
  DeterministicRng data_rng(99);
  for (int i = 0; i < kStreams; ++i) {
    const StreamId id = *p.c.open_stream();
    Bytes payload(i == 0 ? 10 * 1024 * 1024 : 1000 + data_rng.uniform(300000));
    data_rng.fill(payload);
    to_send[id] = std::move(payload);
    sent_off[id] = 0;
  }
  std::size_t finished = 0;
  int guard = 0;
  while (finished < kStreams && ++guard < 200'000) {
    // Client writes whatever the window allows and FINs when done.
    for (auto& [id, data] : to_send) {
      std::size_t& off = sent_off[id];
      if (off == data.size()) continue;
      const std::uint32_t window_before = p.c.send_window(id);
      auto n = p.c.write(id, BytesView(data).subspan(off, std::min<std::size_t>(data.size() - off, 50000)));
      ASSERT_TRUE(n);
      ASSERT_LE(*n, window_before);  // never beyond the peer's window
      off += *n;
      if (off == data.size()) {
        ASSERT_TRUE(p.c.close_write(id));
      }
    }
    p.step();
    // Server application reads at a random pace; unread data is bounded by the window.
    for (auto& [id, data] : to_send) {
      BytesView r = p.s.readable(id);
      ASSERT_LE(r.size() + p.s.receive_credit(id), kInitialWindow);
      if (r.empty() || p.rng.uniform(3) == 0) continue;
      const std::size_t n = 1 + p.rng.uniform(r.size());
      append(received[id], r.first(n));
      p.s.consume(id, n);
    }
    for (const auto& e : p.sev) {
      if (auto* rc = std::get_if<RemoteClosed>(&e)) {
        ASSERT_TRUE(p.s.close_write(rc->id));
      }
      if (std::holds_alternative<StreamClosed>(e)) ++finished;
    }
    p.sev.clear();
  }
  p.pump();
  for (auto& [id, data] : to_send)
    if (p.s.has_stream(id))
      ADD_FAILURE() << "stream " << id << " sent " << sent_off[id] << "/" << data.size() << " recv "
                    << received[id].size() << " readable " << p.s.readable(id).size() << " credit "
                    << p.s.receive_credit(id) << " sendwin " << p.c.send_window(id) << " c_has "
                    << p.c.has_stream(id);
  ASSERT_EQ(finished, static_cast<std::size_t>(kStreams));
  for (auto& [id, data] : to_send) EXPECT_TRUE(received[id] == data) << id;
  EXPECT_EQ(only<StreamClosed>(p.cev).size(), static_cast<std::size_t>(kStreams));
  EXPECT_EQ(p.c.stream_count(), 0u);
  EXPECT_EQ(p.s.stream_count(), 0u);
  EXPECT_FALSE(p.c.error());
  EXPECT_FALSE(p.s.error());
}

// ---------------------------------------------------------------- protocol violations

namespace {
void expect_violation(Engine& e, const Bytes& in, errc want) {
  e.output().clear();
  EXPECT_EQ(e.on_bytes(in).error(), want);
  EXPECT_EQ(drain_hex(e), kGoAwayProtocolError);
  // Failed engines stay failed and refuse commands.
  EXPECT_EQ(e.on_bytes(frame(FrameType::ping, flag::syn, 0, 1)).error(), want);
  EXPECT_EQ(e.open_stream().error(), want);
  EXPECT_EQ(drain_hex(e), "");
}
}  // namespace

TEST(YamuxViolation, BadVersion) {
  Engine s(Role::server);
  expect_violation(s, frame(1, 0, flag::syn, 1, 0), errc::bad_version);
}

TEST(YamuxViolation, BadType) {
  Engine s(Role::server);
  expect_violation(s, frame(0, 4, 0, 0, 0), errc::bad_type);
}

TEST(YamuxViolation, WrongStreamForType) {
  {
    Engine s(Role::server);
    expect_violation(s, frame(FrameType::ping, flag::syn, 1, 0), errc::invalid_stream_id);
  }
  {
    Engine s(Role::server);
    expect_violation(s, frame(FrameType::go_away, 0, 3, 0), errc::invalid_stream_id);
  }
  {
    Engine s(Role::server);
    expect_violation(s, frame(FrameType::data, flag::syn, 0, 1, Bytes(1)), errc::invalid_stream_id);
  }
  {
    Engine s(Role::server);
    expect_violation(s, frame(FrameType::ping, 0, 0, 5), errc::invalid_flags);
  }
  {
    Engine s(Role::server);
    expect_violation(s, frame(FrameType::ping, flag::syn | flag::ack, 0, 5), errc::invalid_flags);
  }
}

TEST(YamuxViolation, WindowExceeded) {
  {
    Engine s(Role::server);
    expect_violation(s, frame(FrameType::data, flag::syn, 1, kInitialWindow + 1), errc::window_exceeded);
  }
  {
    Engine s(Role::server);
    ASSERT_TRUE(s.on_bytes(frame(FrameType::data, flag::syn, 1, 200000, Bytes(200000))));
    expect_violation(s, frame(FrameType::data, 0, 1, 100000), errc::window_exceeded);
  }
}

TEST(YamuxViolation, WindowOverflow) {
  Engine c(Role::client);
  ASSERT_TRUE(c.open_stream());
  expect_violation(c, frame(FrameType::window_update, flag::ack, 1, 0xffffffffu), errc::window_overflow);
}

TEST(YamuxViolation, DataAfterFin) {
  Engine s(Role::server);
  ASSERT_TRUE(s.on_bytes(frame(FrameType::data, flag::syn | flag::fin, 1, 3, as_bytes("abc"))));
  auto ev = events(s);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<StreamOpened>(ev[0]));
  EXPECT_EQ(std::get<Data>(ev[1]).size, 3u);
  EXPECT_TRUE(std::holds_alternative<RemoteClosed>(ev[2]));
  // An empty frame after FIN is harmless, data is not.
  ASSERT_TRUE(s.on_bytes(frame(FrameType::window_update, flag::fin, 1, 0)));
  expect_violation(s, frame(FrameType::data, 0, 1, 1, as_bytes("d")), errc::data_after_fin);
}

TEST(YamuxViolation, SynOnExistingStream) {
  Engine s(Role::server);
  ASSERT_TRUE(s.on_bytes(frame(FrameType::window_update, flag::syn, 1, 0)));
  expect_violation(s, frame(FrameType::window_update, flag::syn, 1, 0), errc::duplicate_stream);
}

TEST(YamuxViolation, StreamIdParity) {
  {
    Engine s(Role::server);  // clients open odd ids; an even SYN means "both are servers"
    expect_violation(s, frame(FrameType::window_update, flag::syn, 2, 0), errc::bad_stream_parity);
  }
  {
    Engine c(Role::client);
    expect_violation(c, frame(FrameType::data, flag::syn, 3, 1, Bytes(1)), errc::bad_stream_parity);
  }
}

TEST(YamuxViolation, OversizedDataForUnknownStream) {
  Engine s(Role::server);
  // No stream could ever have had more credit than Config::max_window.
  expect_violation(s, frame(FrameType::data, 0, 9, Config{}.max_window + 1), errc::frame_too_large);
}

TEST(YamuxEngine, UnknownStreamFramesAreSkipped) {
  Engine s(Role::server);
  Bytes in = frame(FrameType::data, 0, 9, 4, as_bytes("junk"));
  append(in, frame(FrameType::window_update, 0, 11, 100));
  append(in, frame(FrameType::window_update, flag::rst, 13, 0));
  append(in, frame(FrameType::data, flag::syn, 1, 2, as_bytes("ok")));
  for (std::size_t i = 0; i < in.size(); ++i) ASSERT_TRUE(s.on_bytes(BytesView(in).subspan(i, 1)));
  EXPECT_EQ(as_string_view(s.readable(1)), "ok");
  EXPECT_EQ(only<Data>(events(s)).size(), 2u);  // byte-wise delivery: one event per byte
  EXPECT_EQ(drain_hex(s), "");
}

TEST(YamuxEngine, ResetStreamsReleaseTheirSlots) {
  Config cc;
  cc.max_outbound_streams = 4;
  cc.max_ack_backlog = 4;
  Engine c(Role::client, cc);
  for (int i = 0; i < 1000; ++i) {
    auto id = c.open_stream();
    ASSERT_TRUE(id) << i;
    EXPECT_EQ(*id, static_cast<StreamId>(2 * i + 1));
    ASSERT_TRUE(c.reset(*id));
  }
  EXPECT_EQ(c.stream_count(), 0u);
  // Remote resets release slots too.
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(c.open_stream());
  EXPECT_EQ(c.open_stream().error(), errc::too_many_streams);
  ASSERT_TRUE(c.on_bytes(frame(FrameType::window_update, flag::rst, 2001, 0)));
  EXPECT_TRUE(c.open_stream());
}

TEST(YamuxEngine, RstOnDataFrameAndAckOnDataFrame) {
  Engine c(Role::client);
  ASSERT_TRUE(c.open_stream());
  ASSERT_TRUE(c.open_stream());
  c.output().clear();
  // ACK piggybacked on the server's first data frame establishes stream 1.
  ASSERT_TRUE(c.on_bytes(frame(FrameType::data, flag::ack, 1, 2, as_bytes("hi"))));
  // RST on a data frame: the data is announced, then the stream is reset and freed.
  ASSERT_TRUE(c.on_bytes(frame(FrameType::data, flag::ack | flag::rst, 3, 1, as_bytes("x"))));
  auto ev = events(c);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(std::get<Data>(ev[0]).id, 1u);
  EXPECT_EQ(std::get<Data>(ev[1]).id, 3u);
  EXPECT_EQ(std::get<StreamReset>(ev[2]).id, 3u);
  EXPECT_TRUE(c.has_stream(1));
  EXPECT_FALSE(c.has_stream(3));
  EXPECT_EQ(drain_hex(c), "");  // nothing answered to a reset
}

TEST(YamuxEngine, WindowUpdateWithSynAnnouncesLargerWindow) {
  Engine s(Role::server);
  ASSERT_TRUE(s.on_bytes(frame(FrameType::window_update, flag::syn, 1, 1024 * 1024)));
  EXPECT_EQ(s.send_window(1), kInitialWindow + 1024 * 1024);
  Bytes big(kInitialWindow + 1024 * 1024 + 10, 1);
  EXPECT_EQ(*s.write(1, big), kInitialWindow + 1024u * 1024u);
}
