// The real binaries against js-libp2p and against each other:
//   lotus-p2p ping/identify  -> js peer         (exit codes, output)
//   lotus-p2p ping/identify  -> lotus-p2pd
//   js peer (ping, identify, echo) -> lotus-p2pd
//   lotus-p2pd stops cleanly on SIGTERM; lotus-p2p fails cleanly on a wrong /p2p/ id or a
//   closed port.
// Binary paths come from CMake (LOTUS_P2PD_PATH / LOTUS_P2P_PATH); without them the suite is
// skipped at compile time.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>

#include "crypto/keys.hpp"
#include "interop_fixture.hpp"

#if defined(LOTUS_P2PD_PATH) && defined(LOTUS_P2P_PATH)

namespace lotus::interop {
namespace {

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lotus-interop-data-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    data_dir = tmpl;
  }
  void TearDown() override {
    if (HasFailure()) {
      if (daemon) std::cerr << daemon->describe();
      if (js) std::cerr << "---- js stderr ----\n" << js->stderr_text() << "---- end ----\n";
    }
    js.reset();
    daemon.reset();
    std::error_code ec;
    std::filesystem::remove_all(data_dir, ec);
  }

  // Starts lotus-p2pd on 127.0.0.1 and reads its --json-ready line.
  void start_daemon() {
    daemon = std::make_unique<Subprocess>(
        std::vector<std::string>{LOTUS_P2PD_PATH, "--data-dir", data_dir, "--listen", "/ip4/127.0.0.1/tcp/0",
                                 "--json-ready"},
        "lotus-p2pd");
    const auto line = daemon->read_line(20s);
    ASSERT_TRUE(line.has_value()) << "lotus-p2pd printed no ready line\n" << daemon->describe();
    const json j = json::parse(*line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << *line;
    daemon_id = j.value("peer_id", "");
    ASSERT_FALSE(daemon_id.empty()) << *line;
    for (const auto& a : j.value("addrs", json::array())) {
      const auto s = a.get<std::string>();
      if (s.rfind("/ip4/127.0.0.1/tcp/", 0) == 0) daemon_addr = s;
    }
    ASSERT_FALSE(daemon_addr.empty()) << *line;
  }

  static CliResult cli(std::vector<std::string> args, Millis timeout = 30s) {
    args.insert(args.begin(), LOTUS_P2P_PATH);
    return run_cli(std::move(args), timeout);
  }

  static std::size_t count(const std::string& hay, const std::string& needle) {
    std::size_t n = 0;
    for (auto pos = hay.find(needle); pos != std::string::npos; pos = hay.find(needle, pos + 1)) ++n;
    return n;
  }

  std::string data_dir;
  std::unique_ptr<Subprocess> daemon;
  std::string daemon_id;
  std::string daemon_addr;
  std::unique_ptr<JsPeer> js;
};

TEST_F(Cli, PingJs) {
  js = std::make_unique<JsPeer>(JsPeer::Options{{"--agent", kJsAgent}, 20s, "js"});
  const auto r = cli({"ping", js->addr(), "--count", "3"});
  EXPECT_EQ(r.exit_code, 0) << r.describe;
  EXPECT_EQ(count(r.out, "pong "), 3u) << r.describe;
  EXPECT_NE(r.out.find(js->peer_id()), std::string::npos) << r.describe;
  EXPECT_NE(r.out.find("ping statistics"), std::string::npos) << r.describe;
  // Three pongs came back from js (counted above), over the connection js saw as inbound.
  const json ev = js->wait_event({{"type", "connection_open"}, {"direction", "inbound"}});
  EXPECT_EQ(ev.value("multiplexer", ""), "/yamux/1.0.0");
}

TEST_F(Cli, IdentifyJs) {
  js = std::make_unique<JsPeer>(JsPeer::Options{{"--agent", kJsAgent}, 20s, "js"});
  const auto r = cli({"identify", js->addr(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe;
  const json j = json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.describe;
  EXPECT_EQ(j.value("peer_id", ""), js->peer_id());
  EXPECT_EQ(j.value("agent_version", ""), kJsAgent);
  EXPECT_EQ(j.value("protocol_version", ""), "ipfs/0.1.0");
  for (const char* p : {kEcho, kReset, "/ipfs/id/1.0.0", "/ipfs/ping/1.0.0"}) {
    EXPECT_TRUE(contains(j["protocols"], p)) << p << " " << r.describe;
  }
  EXPECT_TRUE(contains(j["listen_addrs"], js->addr_without_peer())) << r.describe;
  EXPECT_EQ(j.value("public_key_type", ""), "Ed25519") << r.describe;
  // Human-readable form works too.
  const auto h = cli({"identify", js->addr()});
  EXPECT_EQ(h.exit_code, 0) << h.describe;
  EXPECT_NE(h.out.find(js->peer_id()), std::string::npos) << h.describe;
  EXPECT_NE(h.out.find(kEcho), std::string::npos) << h.describe;
}

TEST_F(Cli, PingJsWithWrongPeerIdFails) {
  js = std::make_unique<JsPeer>(JsPeer::Options{{}, 20s, "js"});
  const JsPeer other(JsPeer::Options{{"--no-listen"}, 20s, "js-other"});
  const auto r = cli({"ping", js->addr_without_peer() + "/p2p/" + other.peer_id(), "--count", "1"});
  EXPECT_EQ(r.exit_code, 1) << r.describe;
  EXPECT_EQ(count(r.out, "pong "), 0u) << r.describe;
  EXPECT_NE(r.err.find("different peer id"), std::string::npos) << r.describe;
  EXPECT_TRUE(js->call("connections")["connections"].empty());
}

TEST_F(Cli, PingClosedPortFails) {
  // A port held by a bound socket that does not listen: connecting is refused, and no other
  // process can take the port during the test (a port merely released can be taken).
  const int held = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(held, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(held, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  socklen_t len = sizeof sa;
  ASSERT_EQ(::getsockname(held, reinterpret_cast<sockaddr*>(&sa), &len), 0);
  auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
  ASSERT_TRUE(key);
  const std::string addr = "/ip4/127.0.0.1/tcp/" + std::to_string(ntohs(sa.sin_port)) + "/p2p/" +
                           key->peer_id().to_string();
  const auto r = cli({"ping", addr, "--count", "1", "--timeout", "5"});
  ::close(held);
  EXPECT_EQ(r.exit_code, 1) << r.describe;
  EXPECT_NE(r.err.find("cannot connect"), std::string::npos) << r.describe;
}

TEST_F(Cli, PingAndIdentifyDaemon) {
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  const auto p = cli({"ping", daemon_addr, "--count", "2"});
  EXPECT_EQ(p.exit_code, 0) << p.describe << daemon->describe();
  EXPECT_EQ(count(p.out, "pong "), 2u) << p.describe;

  const auto r = cli({"identify", daemon_addr, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe << daemon->describe();
  const json j = json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.describe;
  EXPECT_EQ(j.value("peer_id", ""), daemon_id);
  for (const char* proto : {kEcho, "/ipfs/id/1.0.0", "/ipfs/id/push/1.0.0", "/ipfs/ping/1.0.0"}) {
    EXPECT_TRUE(contains(j["protocols"], proto)) << proto << " " << r.describe;
  }
  EXPECT_TRUE(contains(j["listen_addrs"], strip_p2p(daemon_addr))) << r.describe;
}

TEST_F(Cli, DaemonKeepsItsIdentityAcrossRestarts) {
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  const std::string first = daemon_id;
  daemon->signal(SIGTERM);
  const auto status = daemon->wait_exit(10s);
  ASSERT_TRUE(status.has_value()) << "lotus-p2pd did not stop on SIGTERM\n" << daemon->describe();
  EXPECT_EQ(*status, 0) << daemon->describe();
  EXPECT_NE(daemon->stderr_text().find("stopped"), std::string::npos) << daemon->describe();
  daemon.reset();
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  EXPECT_EQ(daemon_id, first);
}

TEST_F(Cli, JsAgainstDaemon) {
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  js = std::make_unique<JsPeer>(JsPeer::Options{{"--agent", kJsAgent}, 20s, "js"});
  const json d = js->call("dial", {{"addr", daemon_addr}});
  EXPECT_EQ(d.value("peerId", ""), daemon_id);
  EXPECT_EQ(d.value("multiplexer", ""), "/yamux/1.0.0");
  const json p = js->call("ping", {{"addr", daemon_addr}});
  EXPECT_TRUE(p["rtt"].is_number()) << p.dump();
  const json id = js->call("identify", {{"peerId", daemon_id}});
  for (const char* proto : {kEcho, "/ipfs/id/1.0.0", "/ipfs/id/push/1.0.0", "/ipfs/ping/1.0.0"}) {
    EXPECT_TRUE(contains(id["protocols"], proto)) << proto << " " << id.dump();
  }
  EXPECT_NE(id.value("agentVersion", "").find("lotus-p2p"), std::string::npos) << id.dump();
  const json e = js->call("echo", {{"addr", daemon_addr}, {"bytes", kMiB}, {"seed", 9}}, 40s);
  EXPECT_EQ(e.value("match", false), true) << e.dump();
  const json hc = js->call("half_close_test", {{"addr", daemon_addr}, {"bytes", 100'000}, {"seed", 10}});
  EXPECT_EQ(hc.value("match", false), true) << hc.dump();
  EXPECT_EQ(hc.value("finalStatus", ""), "closed") << hc.dump();
}

}  // namespace
}  // namespace lotus::interop

#endif
