// Direction (a): our C++ host dials a js-libp2p 3.1 node (TCP + Noise + Yamux) and drives
// ping, identify, echo, concurrency, half-close, reset and a wrong-peer-id dial. Assertions are
// on our results and on what the js node reports (its replies and recorded events).
#include <gtest/gtest.h>

#include "interop_fixture.hpp"

namespace lotus::interop {
namespace {

class CppDialsJs : public InteropTest {
 protected:
  host::ConnectionInfo dial_js() {
    auto c = dial(js->addr());
    if (!c) throw std::runtime_error("dial " + js->addr() + " failed: " + c.error().message());
    return *c;
  }

  // Opens /echo/1.0.0 to js and runs the concurrent write/read roundtrip.
  EchoResult echo_to_js(std::uint64_t n, std::uint32_t seed, Millis timeout = 40s) {
    return node->run(
        [this, n, seed]() -> asio::awaitable<EchoResult> {
          auto s = co_await node->host().new_stream(js_pid(), protocols(kEcho));
          if (!s) {
            EchoResult r;
            r.read_error = s.error();
            co_return r;
          }
          co_return co_await echo_roundtrip(std::make_shared<host::Stream>(std::move(*s)), n, seed);
        },
        timeout);
  }
};

TEST_F(CppDialsJs, DialNegotiatesNoiseAndYamuxAndJsSeesTheConnection) {
  const auto c = dial_js();
  EXPECT_EQ(c.remote_peer.to_string(), js->peer_id());
  EXPECT_EQ(c.direction, host::Direction::outbound);
  EXPECT_EQ(c.remote_addr.to_string(), js->addr_without_peer());
  EXPECT_EQ(c.muxer, "/yamux/1.0.0");
  EXPECT_TRUE(c.muxer_from_noise_extension)
      << "js-libp2p noise 17 lists /yamux/1.0.0 in its handshake payload, so the muxer should come "
         "from the noise extension without a multistream round";

  const json ev = js->wait_event({{"type", "connection_open"}, {"peerId", node->peer_id_str()}});
  EXPECT_EQ(ev.value("direction", ""), "inbound");
  EXPECT_EQ(ev.value("multiplexer", ""), "/yamux/1.0.0");
  EXPECT_EQ(ev.value("encryption", ""), "/noise");
  EXPECT_EQ(ev.value("remoteAddr", ""), c.local_addr.to_string() + "/p2p/" + node->peer_id_str());

  const auto mine = cpp_connections_to(js_pid());
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].id, c.id);
}

TEST_F(CppDialsJs, Ping) {
  dial_js();
  for (int i = 0; i < 3; ++i) {
    auto rtt = node->run([this]() { return node->host().ping(js_pid()); });
    ASSERT_TRUE(rtt) << "ping " << i << ": " << rtt.error().message();
    EXPECT_GT(rtt->count(), 0) << "a round trip over a real connection takes some time";
  }
  auto latency = node->run([this]() -> asio::awaitable<std::optional<Duration>> {
    auto info = node->host().peer_store().get(js_pid());
    co_return info ? info->latency : std::nullopt;
  });
  EXPECT_TRUE(latency.has_value()) << "ping should record the latency in the peer store";
  // Still one connection: pings reuse it.
  EXPECT_EQ(cpp_connections_to(js_pid()).size(), 1u);
}

TEST_F(CppDialsJs, IdentifyBothWays) {
  const auto c = dial_js();
  auto info = node->run([this]() { return node->host().identify(js_pid()); });
  ASSERT_TRUE(info) << info.error().message();

  // What we learnt about js.
  EXPECT_TRUE(info->identified);
  for (const char* p : {kEcho, kReset, "/ipfs/id/1.0.0", "/ipfs/ping/1.0.0"}) {
    EXPECT_TRUE(contains(info->protocols, p)) << p << " missing from " << join(info->protocols);
  }
  EXPECT_EQ(info->agent_version, kJsAgent);
  EXPECT_EQ(info->protocol_version, "ipfs/0.1.0");
  EXPECT_TRUE(std::count(info->addrs.begin(), info->addrs.end(), ma(js->addr_without_peer())) == 1)
      << "js listen address " << js->addr_without_peer() << " missing from the peer store";
  ASSERT_TRUE(info->public_key.has_value());
  EXPECT_EQ(info->public_key->peer_id().to_string(), js->peer_id());
  ASSERT_TRUE(info->observed_addr.has_value()) << "js sends observedAddr";
  // js reports connection.remoteAddr, which js suffixes with /p2p/<our id>.
  EXPECT_EQ(info->observed_addr->without_peer_id().to_string(), c.local_addr.to_string());

  // The automatic identify on connect produced an event too.
  const auto ident = node->wait_event([&](const host::Event& e) {
    auto* p = std::get_if<host::PeerIdentified>(&e);
    return p != nullptr && p->peer == js_pid();
  });
  EXPECT_TRUE(ident.has_value()) << "no PeerIdentified event for js";

  // What js learnt about us (identify runs on connection open in js too).
  const json ev = js->wait_event({{"type", "identify"}, {"peerId", node->peer_id_str()}});
  for (const char* p : {kEcho, kReset, "/ipfs/id/1.0.0", "/ipfs/ping/1.0.0"}) {
    EXPECT_TRUE(contains(ev["protocols"], p)) << p << " missing from js's view: " << ev["protocols"].dump();
  }
  EXPECT_EQ(ev.value("agentVersion", ""), kCppAgent);
  EXPECT_EQ(ev.value("protocolVersion", ""), "ipfs/0.1.0");
  EXPECT_TRUE(contains(ev["listenAddrs"], node->listen_addr())) << ev["listenAddrs"].dump();
  // We observed js at its listen address (we dialed it).
  EXPECT_EQ(strip_p2p(ev.value("observedAddr", "")), js->addr_without_peer()) << ev.dump();

  // js's peer store agrees.
  const json id = js->call("identify", {{"peerId", node->peer_id_str()}});
  EXPECT_TRUE(contains(id["store"]["protocols"], kEcho)) << id.dump();
  EXPECT_EQ(id["store"].value("agentVersion", ""), kCppAgent);
}

TEST_F(CppDialsJs, Echo1MiB) {
  dial_js();
  const auto r = echo_to_js(kMiB, 11);
  EXPECT_TRUE(r.match) << r.describe();
  EXPECT_EQ(r.sent, kMiB);
  EXPECT_EQ(r.received, kMiB);
  const json ev = js->wait_event({{"type", "stream_end"}, {"protocol", kEcho}, {"peerId", node->peer_id_str()}});
  EXPECT_EQ(ev.value("bytes", std::uint64_t{0}), kMiB);
  EXPECT_EQ(ev.value("outcome", ""), "closed");
}

TEST_F(CppDialsJs, Echo10MiB) {
  dial_js();
  const auto r = echo_to_js(10 * kMiB, 12);
  EXPECT_TRUE(r.match) << r.describe();
  EXPECT_EQ(r.received, 10 * kMiB);
  const json ev = js->wait_event({{"type", "stream_end"}, {"protocol", kEcho}, {"peerId", node->peer_id_str()}});
  EXPECT_EQ(ev.value("bytes", std::uint64_t{0}), 10 * kMiB);
  EXPECT_EQ(ev.value("outcome", ""), "closed");
}

TEST_F(CppDialsJs, EchoSmallAndFrameBoundarySizes) {
  dial_js();
  // Around js yamux's 64 KiB maximum data frame and the 256 KiB initial window.
  const std::uint64_t sizes[] = {1, 100, 1000, 65535, 65536, 65537, 262144, 262145};
  std::uint32_t seed = 300;
  for (const auto n : sizes) {
    const auto r = echo_to_js(n, ++seed);
    EXPECT_TRUE(r.match) << "n=" << n << ": " << r.describe();
  }
}

TEST_F(CppDialsJs, EchoEmptyStream) {
  dial_js();
  const auto r = echo_to_js(0, 13);
  EXPECT_TRUE(r.match) << r.describe();
  EXPECT_EQ(r.received, 0u);
}

TEST_F(CppDialsJs, HundredConcurrentEchoStreamsOnOneConnection) {
  dial_js();
  static constexpr std::uint64_t n = 64 * 1024;
  const auto results = node->run(
      [this]() { return echo_concurrent(node->host(), js_pid(), 100, n, 5000); }, 40s);
  ASSERT_EQ(results.size(), 100u);
  for (std::size_t i = 0; i < results.size(); ++i) {
    EXPECT_TRUE(results[i].match) << "stream " << i << ": " << results[i].describe();
  }
  EXPECT_EQ(cpp_connections_to(js_pid()).size(), 1u);
  const json conns = js->call("connections");
  int from_us = 0;
  for (const auto& c : conns["connections"]) from_us += c.value("peerId", "") == node->peer_id_str() ? 1 : 0;
  EXPECT_EQ(from_us, 1) << conns.dump();
  const auto evs = wait_js_events({{"type", "stream_end"}, {"protocol", kEcho}, {"peerId", node->peer_id_str()}}, 100);
  for (const auto& ev : evs) {
    EXPECT_EQ(ev.value("outcome", ""), "closed") << ev.dump();
    EXPECT_EQ(ev.value("bytes", std::uint64_t{0}), n) << ev.dump();
  }
}

TEST_F(CppDialsJs, HalfCloseWeCloseWriteAndStillReadTheEcho) {
  dial_js();
  static constexpr std::size_t n = 100'000;  // fits the initial 256 KiB yamux window both ways
  struct Out {
    std::error_code write, close, write_after_close, read, read_after_eof;
    Bytes echoed;
    std::size_t after_eof = 99;
  };
  const Out out = node->run([this]() -> asio::awaitable<Out> {
    Out o;
    auto s = co_await node->host().new_stream(js_pid(), protocols(kEcho));
    if (!s) {
      o.write = s.error();
      co_return o;
    }
    const Bytes data = ByteGen(21).next(n);
    if (auto w = co_await s->write(data); !w) o.write = w.error();
    if (auto c = s->close_write(); !c) o.close = c.error();
    const Bytes more{1, 2, 3};
    if (auto w = co_await s->write(more); !w) o.write_after_close = w.error();
    auto all = co_await s->read_to_end(4 * n);
    if (!all) {
      o.read = all.error();
      co_return o;
    }
    o.echoed = std::move(*all);
    Bytes buf(16);
    auto again = co_await s->read_some(buf);
    if (!again) {
      o.read_after_eof = again.error();
    } else {
      o.after_eof = *again;
    }
    co_return o;
  });
  EXPECT_FALSE(out.write) << out.write.message();
  EXPECT_FALSE(out.close) << out.close.message();
  EXPECT_EQ(out.write_after_close, host::errc::stream_closed) << out.write_after_close.message();
  ASSERT_FALSE(out.read) << out.read.message();
  EXPECT_EQ(out.echoed, ByteGen(21).next(n));
  EXPECT_FALSE(out.read_after_eof) << out.read_after_eof.message();
  EXPECT_EQ(out.after_eof, 0u) << "read after EOF must return 0";
  const json ev = js->wait_event({{"type", "stream_end"}, {"protocol", kEcho}, {"peerId", node->peer_id_str()}});
  EXPECT_EQ(ev.value("outcome", ""), "closed");
  EXPECT_EQ(ev.value("bytes", std::uint64_t{0}), n);
}

TEST_F(CppDialsJs, OurResetIsSeenByJs) {
  dial_js();
  const std::int64_t since = js->next_event_seq();
  struct Out {
    std::error_code open, write, first_read, read_after_reset;
    std::size_t echoed = 0;
    bool is_reset = false;
  };
  const Out out = node->run([this]() -> asio::awaitable<Out> {
    Out o;
    auto s = co_await node->host().new_stream(js_pid(), protocols(kEcho));
    if (!s) {
      o.open = s.error();
      co_return o;
    }
    if (auto w = co_await s->write(ByteGen(31).next(4096)); !w) o.write = w.error();
    Bytes buf(8192);
    auto n = co_await s->read_some(buf);  // js echoed: the stream is live on both sides
    if (!n) {
      o.first_read = n.error();
    } else {
      o.echoed = *n;
    }
    s->reset();
    o.is_reset = s->is_reset();
    auto after = co_await s->read_some(buf);
    o.read_after_reset = after ? std::error_code{} : after.error();
    co_return o;
  });
  ASSERT_FALSE(out.open) << out.open.message();
  EXPECT_FALSE(out.write) << out.write.message();
  EXPECT_FALSE(out.first_read) << out.first_read.message();
  EXPECT_GT(out.echoed, 0u);
  EXPECT_TRUE(out.is_reset);
  EXPECT_EQ(out.read_after_reset, host::errc::stream_reset) << out.read_after_reset.message();
  const json ev = js->wait_event(
      {{"type", "stream_end"}, {"protocol", kEcho}, {"peerId", node->peer_id_str()}, {"outcome", "reset"}}, since);
  EXPECT_EQ(ev.value("errorName", ""), "StreamResetError");
  EXPECT_EQ(ev["local"], false);
  // The connection survives a stream reset.
  auto rtt = node->run([this]() { return node->host().ping(js_pid()); });
  EXPECT_TRUE(rtt) << rtt.error().message();
}

TEST_F(CppDialsJs, JsResetIsSeenByUs) {
  dial_js();
  struct Out {
    std::error_code open, write, read;
    std::size_t got = 0;
  };
  const Out out = node->run([this]() -> asio::awaitable<Out> {
    Out o;
    auto s = co_await node->host().new_stream(js_pid(), protocols(kReset));
    if (!s) {
      o.open = s.error();
      co_return o;
    }
    if (auto w = co_await s->write(ByteGen(41).next(10)); !w) o.write = w.error();
    Bytes buf(64);
    auto n = co_await s->read_some(buf);
    if (n) {
      o.got = *n;
    } else {
      o.read = n.error();
    }
    co_return o;
  });
  ASSERT_FALSE(out.open) << out.open.message();
  EXPECT_FALSE(out.write) << out.write.message();
  EXPECT_EQ(out.read, host::errc::stream_reset) << "got " << out.got << " bytes / " << out.read.message();
  const json ev = js->wait_event({{"type", "stream_end"}, {"protocol", kReset}, {"peerId", node->peer_id_str()}});
  EXPECT_EQ(ev.value("outcome", ""), "aborted") << ev.dump();
}

TEST_F(CppDialsJs, UnsupportedProtocolIsRefused) {
  dial_js();
  const std::error_code ec = node->run([this]() -> asio::awaitable<std::error_code> {
    auto s = co_await node->host().new_stream(js_pid(), protocols("/lotus/not-there/1.0.0"));
    if (!s) co_return s.error();
    // Lazy multistream: the refusal surfaces on first use.
    const Bytes one(1, 0x42);
    if (auto w = co_await s->write(one); !w) co_return w.error();
    Bytes buf(16);
    auto n = co_await s->read_some(buf);
    co_return n ? std::error_code{} : n.error();
  });
  EXPECT_EQ(ec, host::errc::protocol_not_supported) << ec.message();
  // The connection is still usable.
  const auto r = echo_to_js(1000, 51);
  EXPECT_TRUE(r.match) << r.describe();
}

TEST_F(CppDialsJs, WrongPeerIdFailsCleanlyAndJsKeepsNoConnection) {
  auto other = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
  ASSERT_TRUE(other);
  const std::string wrong = js->addr_without_peer() + "/p2p/" + other->peer_id().to_string();
  const std::int64_t since = js->next_event_seq();

  const auto c = dial(wrong);
  ASSERT_FALSE(c) << "dial with the wrong /p2p/ id succeeded";
  EXPECT_EQ(c.error(), host::errc::peer_id_mismatch) << c.error().message();
  EXPECT_TRUE(cpp_connections_to(js_pid()).empty());
  EXPECT_TRUE(cpp_connections_to(other->peer_id()).empty());
  const bool connected = node->run([this]() -> asio::awaitable<bool> { co_return node->host().is_connected(js_pid()); });
  EXPECT_FALSE(connected);

  // js: either the handshake never completed (no connection_open, expected since we abort
  // before the third noise message), or it did and the connection was closed again.
  const json events = js->call("events", {{"since", since}});
  bool opened = false;
  for (const auto& ev : events["events"]) {
    if (ev.value("type", "") == "connection_open" && ev.value("peerId", "") == node->peer_id_str()) opened = true;
  }
  RecordProperty("js_saw_connection_open", opened ? "yes" : "no");
  if (opened) {
    // Allowed, but worth knowing: we sent noise message 3 before checking js's identity.
    js->wait_event({{"type", "connection_close"}, {"peerId", node->peer_id_str()}}, since);
    std::cout << "note: js completed the handshake before we rejected its identity\n";
  }
  const json conns = js->call("connections");
  for (const auto& cc : conns["connections"]) {
    EXPECT_NE(cc.value("peerId", ""), node->peer_id_str()) << conns.dump();
  }

  // A correct dial afterwards works.
  const auto good = dial(js->addr());
  ASSERT_TRUE(good) << good.error().message();
  EXPECT_EQ(good->remote_peer.to_string(), js->peer_id());
}

TEST(InteropByteGen, MatchesTheJsGenerator) {
  // Known answers computed with js/peer.mjs's ByteGen.
  EXPECT_EQ(ByteGen(1).next(12), (Bytes{0x21, 0x20, 0x04, 0x00, 0x01, 0x06, 0x08, 0x04, 0xc5, 0xa8, 0xcc, 0x9d}));
  ByteGen split(1);
  Bytes a = split.next(3);
  Bytes b = split.next(9);
  a.insert(a.end(), b.begin(), b.end());
  EXPECT_EQ(a, ByteGen(1).next(12));
  EXPECT_EQ(ByteGen(0).next(8), (Bytes{0x19, 0x46, 0x0c, 0x51, 0x3e, 0x55, 0x2e, 0xe0}));
  const Bytes big = ByteGen(0xdeadbeef).next(1000003);
  std::uint32_t h = 0;
  for (auto x : big) h = h * 31 + x;
  EXPECT_EQ(h, 2353698156u);
  EXPECT_EQ(Bytes(big.end() - 13, big.end()),
            (Bytes{0xfa, 0x22, 0x8e, 0xcc, 0x6f, 0xd5, 0xd1, 0x44, 0x3d, 0xb3, 0x42, 0x49, 0x4a}));
  Verifier v(1, 12);
  v.push(ByteGen(1).next(5));
  EXPECT_FALSE(v.match());
  v.push(Bytes{0x06, 0x08, 0x04, 0xc5, 0xa8, 0xcc, 0x9d});
  EXPECT_TRUE(v.match());
  v.push(Bytes{0});
  EXPECT_FALSE(v.match());
  EXPECT_EQ(v.first_mismatch(), 12);
}

}  // namespace
}  // namespace lotus::interop
