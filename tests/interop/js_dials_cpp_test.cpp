// Direction (b): a js-libp2p 3.1 node dials our C++ host and drives ping, identify, echo,
// concurrency, half-close, reset and a wrong-peer-id dial against it. Assertions are on what
// js reports and on what our host recorded (events, inbound stream outcomes).
#include <gtest/gtest.h>

#include "interop_fixture.hpp"

namespace lotus::interop {
namespace {

class JsDialsCpp : public InteropTest {
 protected:
  json js_dial() { return js->call("dial", {{"addr", node->addr()}}); }

  std::optional<host::ConnectionInfo> cpp_saw_connection() {
    const auto ev = node->wait_event([&](const host::Event& e) {
      auto* c = std::get_if<host::PeerConnected>(&e);
      return c != nullptr && c->connection.remote_peer == js_pid();
    });
    if (!ev) return std::nullopt;
    return std::get<host::PeerConnected>(*ev).connection;
  }

  std::optional<InboundStream> wait_inbound(const std::string& protocol, const std::string& outcome = "") {
    return node->wait_inbound([&](const InboundStream& s) {
      return s.protocol == protocol && s.peer == js->peer_id() && (outcome.empty() || s.outcome == outcome);
    });
  }
};

TEST_F(JsDialsCpp, DialNegotiatesNoiseAndYamux) {
  const json r = js_dial();
  EXPECT_EQ(r.value("peerId", ""), node->peer_id_str());
  EXPECT_EQ(r.value("direction", ""), "outbound");
  EXPECT_EQ(r.value("multiplexer", ""), "/yamux/1.0.0");
  EXPECT_EQ(r.value("encryption", ""), "/noise");
  EXPECT_EQ(r.value("remoteAddr", ""), node->addr());

  const auto c = cpp_saw_connection();
  ASSERT_TRUE(c.has_value()) << "no PeerConnected event for js";
  EXPECT_EQ(c->direction, host::Direction::inbound);
  EXPECT_EQ(c->muxer, "/yamux/1.0.0");
  EXPECT_TRUE(c->muxer_from_noise_extension) << "js-libp2p noise 17 sends the stream_muxers extension";
  EXPECT_EQ(c->local_addr.to_string(), node->listen_addr());
  EXPECT_EQ(cpp_connections_to(js_pid()).size(), 1u);
}

TEST_F(JsDialsCpp, Ping) {
  const json r1 = js->call("ping", {{"addr", node->addr()}});
  EXPECT_TRUE(r1["rtt"].is_number()) << r1.dump();
  for (int i = 0; i < 3; ++i) {
    const json r = js->call("ping", {{"peerId", node->peer_id_str()}});
    EXPECT_TRUE(r["rtt"].is_number()) << r.dump();
  }
  EXPECT_EQ(cpp_connections_to(js_pid()).size(), 1u);
}

TEST_F(JsDialsCpp, IdentifyBothWays) {
  js_dial();
  const auto c = cpp_saw_connection();
  ASSERT_TRUE(c.has_value());

  // What js learnt about us.
  const json id = js->call("identify", {{"peerId", node->peer_id_str()}});
  for (const char* p : {kEcho, kReset, "/ipfs/id/1.0.0", "/ipfs/ping/1.0.0"}) {
    EXPECT_TRUE(contains(id["protocols"], p)) << p << " missing: " << id["protocols"].dump();
  }
  EXPECT_EQ(id.value("agentVersion", ""), kCppAgent);
  EXPECT_EQ(id.value("protocolVersion", ""), "ipfs/0.1.0");
  EXPECT_TRUE(contains(id["listenAddrs"], node->listen_addr())) << id["listenAddrs"].dump();
  // We report the address we saw js connect from.
  EXPECT_EQ(strip_p2p(id.value("observedAddr", "")), c->remote_addr.to_string()) << id.dump();
  EXPECT_TRUE(contains(id["store"]["protocols"], kEcho)) << id.dump();
  EXPECT_EQ(id["store"].value("agentVersion", ""), kCppAgent);
  EXPECT_TRUE(contains(id["store"]["addrs"], node->listen_addr())) << id["store"].dump();

  // A fresh identify round (js asks again) gives the same answer.
  const json again = js->call("identify", {{"peerId", node->peer_id_str()}, {"refresh", true}});
  EXPECT_EQ(again["protocols"], id["protocols"]);

  // What we learnt about js (our automatic identify on the inbound connection).
  const auto ev = node->wait_event([&](const host::Event& e) {
    auto* p = std::get_if<host::PeerIdentified>(&e);
    return p != nullptr && p->peer == js_pid();
  });
  ASSERT_TRUE(ev.has_value()) << "no PeerIdentified event for js";
  const auto& info = std::get<host::PeerIdentified>(*ev).info;
  for (const char* p : {kEcho, kReset, "/ipfs/id/1.0.0", "/ipfs/ping/1.0.0"}) {
    EXPECT_TRUE(contains(info.protocols, p)) << p << " missing from " << join(info.protocols);
  }
  EXPECT_EQ(info.agent_version, kJsAgent);
  EXPECT_TRUE(std::count(info.addrs.begin(), info.addrs.end(), ma(js->addr_without_peer())) == 1)
      << "js listen address missing from our peer store";
  ASSERT_TRUE(info.observed_addr.has_value());
  EXPECT_EQ(info.observed_addr->without_peer_id().to_string(), node->listen_addr());
}

TEST_F(JsDialsCpp, Echo1MiB) {
  const json r = js->call("echo", {{"addr", node->addr()}, {"bytes", kMiB}, {"seed", 101}}, 40s);
  EXPECT_EQ(r.value("match", false), true) << r.dump();
  EXPECT_EQ(r.value("received", std::uint64_t{0}), kMiB) << r.dump();
  const auto s = wait_inbound(kEcho);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->outcome, "closed") << s->error;
  EXPECT_EQ(s->bytes, kMiB);
}

TEST_F(JsDialsCpp, Echo10MiB) {
  const json r = js->call("echo", {{"addr", node->addr()}, {"bytes", 10 * kMiB}, {"seed", 102}}, 40s);
  EXPECT_EQ(r.value("match", false), true) << r.dump();
  EXPECT_EQ(r.value("received", std::uint64_t{0}), 10 * kMiB) << r.dump();
  const auto s = wait_inbound(kEcho);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->outcome, "closed") << s->error;
  EXPECT_EQ(s->bytes, 10 * kMiB);
}

TEST_F(JsDialsCpp, EchoSmallAndFrameBoundarySizes) {
  std::uint32_t seed = 400;
  for (const std::uint64_t n : {1, 100, 1000, 65535, 65536, 65537, 262144, 262145}) {
    const json r = js->call("echo", {{"addr", node->addr()}, {"bytes", n}, {"seed", ++seed}});
    EXPECT_EQ(r.value("match", false), true) << "n=" << n << ": " << r.dump();
  }
}

TEST_F(JsDialsCpp, EchoEmptyStream) {
  const json r = js->call("echo", {{"addr", node->addr()}, {"bytes", 0}, {"seed", 103}});
  EXPECT_EQ(r.value("match", false), true) << r.dump();
  const auto s = wait_inbound(kEcho);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->outcome, "closed") << s->error;
  EXPECT_EQ(s->bytes, 0u);
}

TEST_F(JsDialsCpp, HundredConcurrentEchoStreamsOnOneConnection) {
  const std::uint64_t n = 64 * 1024;
  const json r = js->call("echo_concurrent",
                          {{"addr", node->addr()}, {"streams", 100}, {"bytes", n}, {"seed", 7000}}, 40s);
  EXPECT_EQ(r.value("matched", 0), 100) << r.dump();
  EXPECT_EQ(r.value("connections", 0), 1) << r.dump();
  EXPECT_TRUE(r["failures"].empty()) << r["failures"].dump();
  EXPECT_EQ(cpp_connections_to(js_pid()).size(), 1u);
  // Every inbound echo stream ended cleanly on our side.
  const auto streams = node->wait_inbound_count(
      [&](const InboundStream& s) { return s.protocol == kEcho && s.peer == js->peer_id(); }, 100);
  std::size_t closed = 0;
  for (const auto& s : streams) {
    EXPECT_EQ(s.outcome, "closed") << s.error;
    EXPECT_EQ(s.bytes, n);
    closed += s.outcome == "closed" ? 1 : 0;
  }
  EXPECT_EQ(closed, 100u);
}

TEST_F(JsDialsCpp, HalfCloseJsClosesWriteAndStillReadsTheEcho) {
  const json r = js->call("half_close_test", {{"addr", node->addr()}, {"bytes", 200'000}, {"seed", 104}});
  EXPECT_EQ(r.value("match", false), true) << r.dump();
  EXPECT_EQ(r.value("received", 0), 200'000) << r.dump();
  EXPECT_EQ(r.value("sendAfterCloseThrew", false), true) << r.dump();
  EXPECT_EQ(r.value("remoteWriteStatus", ""), "closed") << r.dump();
  EXPECT_EQ(r.value("finalStatus", ""), "closed") << r.dump();
  EXPECT_TRUE(r["closeEvent"].is_null() || r["closeEvent"]["errorName"].is_null()) << r.dump();
  const auto s = wait_inbound(kEcho);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->outcome, "closed") << s->error;
  EXPECT_EQ(s->bytes, 200'000u);
}

TEST_F(JsDialsCpp, JsResetIsSeenByUs) {
  const json r = js->call("reset_test", {{"addr", node->addr()}, {"action", "reset"}, {"bytes", 4096}});
  EXPECT_EQ(r.value("status", ""), "aborted") << r.dump();
  EXPECT_GT(r.value("echoedBeforeReset", 0), 0) << r.dump();
  const auto s = wait_inbound(kEcho);
  ASSERT_TRUE(s.has_value()) << "our echo handler never finished";
  EXPECT_EQ(s->outcome, "reset") << s->error;
  // The connection survives.
  const json p = js->call("ping", {{"peerId", node->peer_id_str()}});
  EXPECT_TRUE(p["rtt"].is_number());
}

TEST_F(JsDialsCpp, OurResetIsSeenByJs) {
  const json r = js->call("reset_test",
                          {{"addr", node->addr()}, {"protocol", kReset}, {"action", "wait"}, {"bytes", 100}});
  EXPECT_EQ(r.value("reset", false), true) << r.dump();
  EXPECT_EQ(r.value("status", ""), "reset") << r.dump();
  EXPECT_EQ(r["closeEvent"].value("errorName", ""), "StreamResetError") << r.dump();
  const auto s = wait_inbound(kReset);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->outcome, "reset_sent") << s->error;
  EXPECT_GT(s->bytes, 0u);
}

TEST_F(JsDialsCpp, UnsupportedProtocolIsRefused) {
  js_dial();
  const json r = js->request("reset_test", {{"peerId", node->peer_id_str()}, {"protocol", "/lotus/not-there/1.0.0"}});
  ASSERT_TRUE(r.contains("error")) << r.dump();
  EXPECT_NE(r["error"].get<std::string>().find("UnsupportedProtocolError"), std::string::npos) << r.dump();
  const json p = js->call("ping", {{"peerId", node->peer_id_str()}});
  EXPECT_TRUE(p["rtt"].is_number());
}

TEST_F(JsDialsCpp, WrongPeerIdFailsOnJsAndWeKeepNoConnection) {
  const JsPeer other(JsPeer::Options{{"--no-listen"}, 20s, "js-other"});
  const std::string wrong = node->listen_addr() + "/p2p/" + other.peer_id();
  const json r = js->request("dial", {{"addr", wrong}});
  ASSERT_TRUE(r.contains("error")) << "js dial with the wrong /p2p/ id succeeded: " << r.dump();
  EXPECT_NE(r["error"].get<std::string>().find("does not match expected remote identity key"), std::string::npos)
      << r.dump();
  EXPECT_TRUE(js->call("connections")["connections"].empty());
  // We never got noise message 3, so no connection may exist on our side.
  EXPECT_TRUE(cpp_connections_to(js_pid()).empty());
  for (const auto& e : node->events()) {
    auto* c = std::get_if<host::PeerConnected>(&e);
    EXPECT_FALSE(c != nullptr && c->connection.remote_peer == js_pid()) << node->describe_events();
  }
  // A correct dial afterwards works.
  const json ok = js_dial();
  EXPECT_EQ(ok.value("peerId", ""), node->peer_id_str());
}

}  // namespace
}  // namespace lotus::interop
