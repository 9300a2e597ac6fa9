// Process tests of lotus-p2pd + lotus-p2p (label "daemon"): real daemons in temp data dirs,
// driven through the CLI and the control API.
//   * configuration precedence file < env < flag (--print-config with provenance), for the
//     connection limits, the seed env names and the LOTUS_P2P_* names;
//   * invalid configuration: message naming key, value, source and what is allowed; exit 2;
//   * connect / peers / ping / identify / status / metrics through the daemon;
//   * restart: same peer id, the peer store redials the peer it knew;
//   * bootstrap: a bootstrap peer that restarts is redialled;
//   * SIGTERM: exit 0, no process left, socket and api file removed, a consistent store;
//   * chain access against the Chronik test server (tests/chronik/support, in this process on
//     its own io thread): chain info equals the model's tip, burns verified and refused for
//     each reason, tx wait completing as blocks are mined (and at its deadline), address watch
//     seeing a pushed transaction over the WebSocket and, with it off, by polling, failover
//     from a dead first URL, chain reachability on status and /metrics; chain access off;
//   * connection limits from the configuration, against many in-process peers (the library's
//     host::Host, driven by one io_context thread of this process): 300 inbound connections
//     trimmed to max 50 while the bootstrap peer stays; the per-IP limit refusing the excess.
// Waits are deadlines on events (ready lines, control API polling, the peers' io thread),
// never fixed sleeps.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <thread>

#include "base/hex.hpp"
#include "chain/address.hpp"
#include "chronik/support/chain_model.hpp"
#include "chronik/support/server.hpp"
#include "chronik/support/tx_builder.hpp"
#include "crypto/keys.hpp"
#include "host/host.hpp"
#include "interop_harness.hpp"
#include "node/config_schema.hpp"
#include "node/control_client.hpp"
#include "node/metrics_text.hpp"
#include "runtime/asio.hpp"

namespace lotus::daemon_test {
namespace {

namespace fs = std::filesystem;
using interop::CliResult;
using interop::Subprocess;
using json = nlohmann::json;
using namespace std::chrono_literals;

struct Daemon {
  std::unique_ptr<Subprocess> proc;
  std::string data_dir;
  std::string peer_id;
  std::string addr;       // /ip4/127.0.0.1/tcp/N/p2p/<id>
  std::string listen;     // /ip4/127.0.0.1/tcp/N
  std::string api;
  // With the token of <data dir>/api.token when the API is on TCP (what lotus-p2p does).
  node::ControlClient client() const {
    const auto ep = *node::ApiEndpoint::parse(api);
    return node::ControlClient(ep, 20s, node::default_api_token(ep, std::nullopt, data_dir, {}));
  }
  Daemon() = default;
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;
  // A failing test shows what its daemons printed (here, not in TearDown: the daemons are locals
  // of the test body and are gone by then).
  ~Daemon() {
    if (proc && ::testing::Test::HasFailure()) std::cerr << proc->describe();
  }
};

// In-process libp2p peers (the library's host::Host) on one io_context thread of the test
// process: many peer ids dialling a daemon at little cost. Every Host call runs on that thread.
class PeerSwarm {
 public:
  // verify_wss = false: wss dials accept any certificate (Noise authenticates the daemon).
  explicit PeerSwarm(std::size_t n, bool verify_wss = true) : m_guard(asio::make_work_guard(m_io)) {
    host::Config cfg;
    cfg.run_identify = false;  // the daemon identifies us; we need nothing from it
    cfg.wss_dial.verify_peer = verify_wss;
    // Hang guards only (the defaults are 10 s): the machine may be loaded, the daemon sanitized.
    cfg.dial_timeout = 60s;
    cfg.handshake_timeout = 60s;
    for (std::size_t i = 0; i < n; ++i) {
      auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
      if (!key) throw std::runtime_error("key generation failed");
      m_hosts.push_back(std::make_unique<host::Host>(m_io, std::move(*key), cfg));
    }
    m_thread = std::thread([this] { m_io.run(); });
  }
  PeerSwarm(const PeerSwarm&) = delete;
  PeerSwarm& operator=(const PeerSwarm&) = delete;
  ~PeerSwarm() {
    // Stop every host on the io thread (GoAway, join its tasks), then end the thread.
    auto stopped = std::make_shared<std::promise<void>>();
    auto f = stopped->get_future();
    std::vector<host::Host*> hosts;
    for (const auto& h : m_hosts) hosts.push_back(h.get());
    asio::post(m_io, [this, hosts = std::move(hosts), stopped]() mutable {
      asio::co_spawn(m_io, stop_all(std::move(hosts), stopped), asio::detached);
    });
    if (f.wait_for(60s) != std::future_status::ready) ADD_FAILURE() << "the in-process peers did not stop";
    m_io.stop();
    m_thread.join();
    m_hosts.clear();
    m_io.restart();
    m_io.poll();
  }

  std::size_t size() const { return m_hosts.size(); }
  mf::PeerId peer_id(std::size_t i) const { return m_hosts[i]->peer_id(); }  // immutable: any thread

  // Runs `fn` on the io thread and returns its result; nullopt if the thread did not answer
  // within the deadline (a hang guard).
  template <class F>
  std::optional<std::invoke_result_t<F>> on_io(F fn) {
    using R = std::invoke_result_t<F>;
    auto p = std::make_shared<std::promise<R>>();
    auto f = p->get_future();
    asio::post(m_io, [p, fn = std::move(fn)]() mutable { p->set_value(fn()); });
    if (f.wait_for(60s) != std::future_status::ready) return std::nullopt;
    return f.get();
  }

  // Peers [first, first + count) dial `addr`, at most `parallel` at a time. Returns each
  // dial's error (empty = connected); nullopt if they did not all finish within the deadline.
  std::optional<std::vector<std::error_code>> dial(std::size_t first, std::size_t count, const std::string& addr,
                                                   std::size_t parallel, std::chrono::seconds deadline = 180s) {
    auto ma = mf::Multiaddr::parse(addr);
    if (!ma) return std::nullopt;
    auto st = std::make_shared<DialState>();
    for (std::size_t i = first; i < first + count; ++i) st->hosts.push_back(m_hosts[i].get());
    st->results.resize(count);
    st->workers = std::min(parallel, count);
    auto f = st->done.get_future();
    (void)on_io([this, st, a = *ma] {
      for (std::size_t w = 0; w < st->workers; ++w) asio::co_spawn(m_io, dial_worker(st, a), asio::detached);
      return true;
    });
    if (f.wait_for(deadline) != std::future_status::ready) return std::nullopt;
    return f.get();
  }

  // How many of the peers have a connection to `peer` now.
  std::size_t connected_to(const mf::PeerId& peer) {
    return on_io([this, peer] {
             std::size_t n = 0;
             for (const auto& h : m_hosts) n += h->is_connected(peer) ? 1 : 0;
             return n;
           })
        .value_or(0);
  }

  // Closes every connection of peer `i`.
  void disconnect(std::size_t i, const mf::PeerId& peer) {
    (void)on_io([this, i, peer] {
      m_hosts[i]->disconnect(peer);
      return true;
    });
  }

 private:
  struct DialState {
    std::vector<host::Host*> hosts;
    std::vector<std::error_code> results;
    std::size_t next = 0;
    std::size_t workers = 0;
    std::size_t finished = 0;
    std::promise<std::vector<std::error_code>> done;
  };
  // One of `workers` coroutines taking the next peer until none is left (io thread only).
  static asio::awaitable<void> dial_worker(std::shared_ptr<DialState> st, mf::Multiaddr addr) {
    while (st->next < st->hosts.size()) {
      const std::size_t i = st->next++;
      auto r = co_await st->hosts[i]->dial(addr);
      st->results[i] = r ? std::error_code{} : r.error();
    }
    if (++st->finished == st->workers) st->done.set_value(st->results);
  }
  static asio::awaitable<void> stop_all(std::vector<host::Host*> hosts, std::shared_ptr<std::promise<void>> done) {
    for (auto* h : hosts) co_await h->stop();
    done->set_value();
  }

  asio::io_context m_io;
  asio::executor_work_guard<asio::io_context::executor_type> m_guard;
  std::vector<std::unique_ptr<host::Host>> m_hosts;
  std::thread m_thread;
};

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lotus-daemon-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root, ec);
  }

  std::string dir(const std::string& name) {
    const auto p = root / name;
    fs::create_directories(p);
    return p.string();
  }

  // Starts lotus-p2pd with --json-ready and fills `d` from its ready line.
  void start(Daemon& d, const std::string& data_dir, std::vector<std::string> extra = {},
             const std::vector<std::string>& env = {}) {
    std::vector<std::string> argv;
    if (!env.empty()) {
      argv.push_back("/usr/bin/env");
      argv.insert(argv.end(), env.begin(), env.end());
    }
    argv.insert(argv.end(), {LOTUS_P2PD_PATH, "--data-dir", data_dir, "--json-ready"});
    bool has_listen = false;
    for (const auto& a : extra) has_listen = has_listen || a == "--listen";
    if (!has_listen) argv.insert(argv.end(), {"--listen", "/ip4/127.0.0.1/tcp/0"});
    argv.insert(argv.end(), extra.begin(), extra.end());
    d.proc = std::make_unique<Subprocess>(argv, "lotus-p2pd");
    d.data_dir = data_dir;
    const auto line = d.proc->read_line(30s);
    ASSERT_TRUE(line.has_value()) << "no ready line\n" << d.proc->describe();
    const json j = json::parse(*line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << *line;
    d.peer_id = j.value("peer_id", "");
    d.api = j.value("api", "");
    for (const auto& a : j.value("addrs", json::array()))
      if (a.get<std::string>().rfind("/ip4/127.0.0.1/tcp/", 0) == 0) d.addr = a.get<std::string>();
    ASSERT_FALSE(d.peer_id.empty()) << *line;
    ASSERT_FALSE(d.addr.empty()) << *line;
    d.listen = d.addr.substr(0, d.addr.find("/p2p/"));
  }

  // SIGTERM and wait: returns the exit status.
  static std::optional<int> stop(Daemon& d) {
    d.proc->signal(SIGTERM);
    return d.proc->wait_exit(20s);
  }

  static CliResult cli(std::vector<std::string> args, const Daemon* d = nullptr) {
    args.insert(args.begin(), LOTUS_P2P_PATH);
    if (d) args.insert(args.end(), {"--data-dir", d->data_dir});
    return interop::run_cli(std::move(args), 60s);
  }
  static CliResult run(std::vector<std::string> argv) { return interop::run_cli(std::move(argv), 60s); }

  // Polls `pred` (each poll is one control API call) until it holds or the deadline passes.
  template <class Pred>
  static bool eventually(Pred pred, std::chrono::milliseconds deadline = 30s) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    auto pause = 10ms;
    while (std::chrono::steady_clock::now() < end) {
      if (pred()) return true;
      std::this_thread::sleep_for(pause);  // polling interval, not a synchronisation
      pause = std::min<std::chrono::milliseconds>(pause * 2, 200ms);
    }
    return pred();
  }

  static bool connected_to(const Daemon& d, const std::string& peer) {
    auto r = d.client().call("peers");
    if (!r) return false;
    for (const auto& p : (*r.value)["peers"])
      if (p.value("peer_id", "") == peer) return true;
    return false;
  }

  static std::size_t peer_count(const Daemon& d) {
    auto r = d.client().call("peers");
    return r ? (*r.value)["peers"].size() : SIZE_MAX;
  }

  static std::optional<node::PromText> metrics_of(const Daemon& d) {
    auto m = d.client().get("/metrics");
    if (!m) return std::nullopt;
    auto prom = node::parse_prometheus(*m.value);
    if (!prom) return std::nullopt;
    return *prom;
  }

  // The agent `d` learnt for `peer` by identify ("" until then), from /status-like `status`.
  static std::string agent_of(const Daemon& d, const std::string& peer) {
    auto r = d.client().call("status");
    if (!r) return {};
    for (const auto& p : (*r.value).value("peers", json::array()))
      if (p.value("peer_id", "") == peer) return p.value("agent_version", "");
    return {};
  }

  // The configuration line of `key` (its last path component) from --print-config output.
  static std::string config_line(const std::string& out, const std::string& name) {
    std::size_t pos = 0;
    while ((pos = out.find(name + " = ", pos)) != std::string::npos) {
      if (pos == 0 || out[pos - 1] == '\n') return out.substr(pos, out.find('\n', pos) - pos);
      ++pos;
    }
    return {};
  }

  fs::path root;
};

// ---------------------------------------------------------------------------- configuration

TEST_F(DaemonTest, ConfigPrecedenceFileEnvFlag) {
  const auto data = dir("cfg");
  const auto file = (root / "lotus.toml").string();
  std::ofstream(file) << "[connection_manager]\nmin_connections = 5\nmax_connections = 30\n[log]\nformat = \"json\"\n";
  const std::string p2pd = LOTUS_P2PD_PATH;

  auto r = run({p2pd, "--data-dir", data, "--config", file, "--print-config"});
  ASSERT_EQ(r.exit_code, 0) << r.describe;
  EXPECT_EQ(config_line(r.out, "max_connections"), "max_connections = 30  # file:" + file + ":3") << r.out;
  EXPECT_EQ(config_line(r.out, "min_connections"), "min_connections = 5  # file:" + file + ":2") << r.out;
  EXPECT_EQ(config_line(r.out, "format"), "format = \"json\"  # file:" + file + ":5") << r.out;

  // The seed env names override the file ...
  r = run({"/usr/bin/env", "P2P_MAX_CONNECTIONS=40", "P2P_MIN_CONNECTIONS=7", p2pd, "--data-dir", data, "--config",
           file, "--print-config"});
  ASSERT_EQ(r.exit_code, 0) << r.describe;
  EXPECT_EQ(config_line(r.out, "max_connections"), "max_connections = 40  # env:P2P_MAX_CONNECTIONS") << r.out;
  EXPECT_EQ(config_line(r.out, "min_connections"), "min_connections = 7  # env:P2P_MIN_CONNECTIONS") << r.out;
  // ... the LOTUS_P2P_* name of the same key beats the seed name ...
  r = run({"/usr/bin/env", "P2P_MAX_CONNECTIONS=40", "LOTUS_P2P_CONNECTION_MANAGER_MAX_CONNECTIONS=41",
           "LOTUS_P2P_LOG_FORMAT=text", p2pd, "--data-dir", data, "--config", file, "--print-config"});
  ASSERT_EQ(r.exit_code, 0) << r.describe;
  EXPECT_EQ(config_line(r.out, "max_connections"),
            "max_connections = 41  # env:LOTUS_P2P_CONNECTION_MANAGER_MAX_CONNECTIONS")
      << r.out;
  EXPECT_EQ(config_line(r.out, "format"), "format = \"text\"  # env:LOTUS_P2P_LOG_FORMAT") << r.out;
  // ... and flags beat both.
  r = run({"/usr/bin/env", "P2P_MAX_CONNECTIONS=40", "LOTUS_P2P_LOG_FORMAT=text", p2pd, "--data-dir", data, "--config",
           file, "--max-connections", "45", "--log-format", "json", "--print-config"});
  ASSERT_EQ(r.exit_code, 0) << r.describe;
  EXPECT_EQ(config_line(r.out, "max_connections"), "max_connections = 45  # flag:--max-connections") << r.out;
  EXPECT_EQ(config_line(r.out, "format"), "format = \"json\"  # flag:--log-format") << r.out;
  // A profile sits between the defaults and the file.
  r = run({p2pd, "--data-dir", data, "--profile", "bootstrap", "--print-config"});
  ASSERT_EQ(r.exit_code, 0) << r.describe;
  EXPECT_EQ(config_line(r.out, "min_connections"), "min_connections = 20  # profile:bootstrap") << r.out;
  // LOTUS_P2P_CONFIG names the file when --config is absent.
  r = run({"/usr/bin/env", "LOTUS_P2P_CONFIG=" + file, p2pd, "--data-dir", data, "--print-config"});
  ASSERT_EQ(r.exit_code, 0) << r.describe;
  EXPECT_EQ(config_line(r.out, "max_connections"), "max_connections = 30  # file:" + file + ":3") << r.out;
}

TEST_F(DaemonTest, InvalidConfigurationExitsTwoWithAMessage) {
  const auto data = dir("bad");
  const std::string p2pd = LOTUS_P2PD_PATH;
  auto r = run({p2pd, "--data-dir", data, "--max-connections", "lots"});
  EXPECT_EQ(r.exit_code, 2) << r.describe;
  EXPECT_NE(r.err.find("connection_manager.max_connections"), std::string::npos) << r.describe;
  EXPECT_NE(r.err.find("\"lots\""), std::string::npos) << r.describe;
  EXPECT_NE(r.err.find("flag:--max-connections"), std::string::npos) << r.describe;
  EXPECT_NE(r.err.find("allowed: an integer 1..100000"), std::string::npos) << r.describe;

  r = run({"/usr/bin/env", "P2P_MIN_CONNECTIONS=-1", p2pd, "--data-dir", data});
  EXPECT_EQ(r.exit_code, 2) << r.describe;
  EXPECT_NE(r.err.find("env:P2P_MIN_CONNECTIONS"), std::string::npos) << r.describe;

  const auto file = (root / "bad.toml").string();
  std::ofstream(file) << "[log]\nlevel = \"loud\"\n";
  r = run({p2pd, "--data-dir", data, "--config", file});
  EXPECT_EQ(r.exit_code, 2) << r.describe;
  EXPECT_NE(r.err.find("log.level = \"loud\" (file:" + file + ":2)"), std::string::npos) << r.describe;

  r = run({p2pd, "--data-dir", data, "--api-listen", "0.0.0.0:5701"});
  EXPECT_EQ(r.exit_code, 2) << r.describe;
  EXPECT_NE(r.err.find("api.listen"), std::string::npos) << r.describe;

  r = run({p2pd, "--data-dir", data, "--no-such-flag"});
  EXPECT_EQ(r.exit_code, 2) << r.describe;
  EXPECT_NE(r.err.find("no-such-flag"), std::string::npos) << r.describe;

  // Nothing was started: no identity was created by a refused configuration.
  EXPECT_FALSE(fs::exists(fs::path(data) / "identity.key"));
}

TEST_F(DaemonTest, HelpTextsAreComplete) {
  auto r = run({LOTUS_P2PD_PATH, "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.describe;
  // Every configuration key of the schema: each of its flags and its environment name.
  const auto& keys = node::config_detail::schema();
  ASSERT_GT(keys.size(), 40u);
  for (const auto& k : keys) {
    for (const auto flag : k.flags)
      EXPECT_NE(r.out.find("--" + std::string(flag)), std::string::npos) << k.key << ": --" << flag;
    const std::string env = node::config_detail::env_name(k.key);
    EXPECT_NE(r.out.find(env), std::string::npos) << k.key << ": " << env;
  }
  for (const char* f : {"--config", "--profile", "--print-config", "--json-ready"})
    EXPECT_NE(r.out.find(f), std::string::npos) << f;
  r = cli({"--help"});
  EXPECT_EQ(r.exit_code, 0) << r.describe;
  for (const char* c : {"id", "status", "peers", "connect", "disconnect", "ping", "identify", "metrics", "api", "call",
                        "chain", "burn", "tx", "address"}) {
    EXPECT_NE(r.out.find(std::string("\n  ") + c + " "), std::string::npos) << c << "\n" << r.out;
    auto h = cli({c, "--help"});
    EXPECT_EQ(h.exit_code, 0) << h.describe;
    EXPECT_EQ(h.out.rfind(std::string("usage: lotus-p2p ") + c, 0), 0u) << h.out;
  }
  r = cli({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2) << r.describe;
  r = cli({"ping"});
  EXPECT_EQ(r.exit_code, 2) << r.describe;
  r = cli({"ping", "/ip4/127.0.0.1/tcp/1", "--count", "0"});
  EXPECT_EQ(r.exit_code, 2) << r.describe;
}

// ---------------------------------------------------------------------------- the running daemon

TEST_F(DaemonTest, ControlApiThroughTheCli) {
  Daemon a, b;
  ASSERT_NO_FATAL_FAILURE(start(a, dir("a")));
  ASSERT_NO_FATAL_FAILURE(start(b, dir("b")));

  auto id = cli({"id", "--json"}, &a);
  ASSERT_EQ(id.exit_code, 0) << id.describe;
  json j = json::parse(id.out, nullptr, false);
  EXPECT_EQ(j.value("peer_id", ""), a.peer_id) << id.out;

  auto c = cli({"connect", b.addr, "--json"}, &a);
  ASSERT_EQ(c.exit_code, 0) << c.describe;
  EXPECT_TRUE(connected_to(a, b.peer_id));

  auto p = cli({"ping", b.peer_id, "--count", "3"}, &a);
  ASSERT_EQ(p.exit_code, 0) << p.describe;
  std::size_t pongs = 0;
  for (auto pos = p.out.find("pong "); pos != std::string::npos; pos = p.out.find("pong ", pos + 1)) ++pongs;
  EXPECT_EQ(pongs, 3u) << p.out;

  auto i = cli({"identify", b.peer_id, "--json"}, &a);
  ASSERT_EQ(i.exit_code, 0) << i.describe;
  j = json::parse(i.out, nullptr, false);
  EXPECT_EQ(j.value("peer_id", ""), b.peer_id) << i.out;
  EXPECT_EQ(j.value("agent_version", ""), "lotus-p2p/0.1.0") << i.out;

  // GET /status: peer id, addresses, the peer with its agent and latency, uptime, version.
  auto status = a.client().get("/status");
  ASSERT_TRUE(status) << status.error.message;
  j = json::parse(*status.value, nullptr, false);
  ASSERT_TRUE(j.is_object()) << *status.value;
  EXPECT_EQ(j.value("peer_id", ""), a.peer_id);
  EXPECT_EQ(j.value("version", ""), "0.1.0");
  EXPECT_TRUE(j["uptime_seconds"].is_number());
  EXPECT_EQ(j.value("connected_peers", 0), 1);
  ASSERT_EQ(j["peers"].size(), 1u) << j.dump();
  EXPECT_EQ(j["peers"][0].value("peer_id", ""), b.peer_id);
  EXPECT_EQ(j["peers"][0].value("agent_version", ""), "lotus-p2p/0.1.0");
  EXPECT_TRUE(j["peers"][0]["latency_ms"].is_number()) << j.dump();
  EXPECT_EQ(j["peers"][0]["connections"][0].value("direction", ""), "outbound");

  // /metrics parses as Prometheus text and counts what happened.
  auto m = cli({"metrics"}, &a);
  ASSERT_EQ(m.exit_code, 0) << m.describe;
  auto prom = node::parse_prometheus(m.out);
  ASSERT_TRUE(prom) << m.out;
  EXPECT_EQ(prom->value("lotus_p2p_connections_opened_total", {{"direction", "outbound"}}), 1) << m.out;
  EXPECT_EQ(prom->value("lotus_p2p_connections_opened_total", {{"direction", "inbound"}}), 0) << m.out;
  EXPECT_EQ(prom->value("lotus_p2p_connections", {{"direction", "outbound"}}), 1) << m.out;
  EXPECT_EQ(prom->value("lotus_p2p_dials_total", {{"result", "success"}}), 1) << m.out;
  EXPECT_EQ(prom->value("lotus_p2p_streams_opened_total", {{"protocol", "/ipfs/ping/1.0.0"}}), 3) << m.out;
  EXPECT_GE(prom->value("lotus_p2p_streams_opened_total", {{"protocol", "/ipfs/id/1.0.0"}}), 1) << m.out;
  EXPECT_EQ(prom->value("lotus_p2p_peers", {{"state", "connected"}}), 1) << m.out;
  EXPECT_EQ(prom->value("lotus_p2p_control_requests_total", {{"method", "connect"}}), 1) << m.out;
  EXPECT_EQ(prom->value("lotus_p2p_control_requests_total", {{"method", "ping"}}), 1) << m.out;
  EXPECT_GT(prom->value("lotus_p2p_bytes_received_total"), 0) << m.out;
  EXPECT_GT(prom->value("lotus_p2p_bytes_sent_total"), 0) << m.out;
  EXPECT_EQ(prom->value("lotus_p2p_info", {{"version", "0.1.0"}, {"peer_id", a.peer_id}}), 1) << m.out;
  // b saw one inbound connection.
  auto mb = b.client().get("/metrics");
  ASSERT_TRUE(mb);
  auto promb = node::parse_prometheus(*mb.value);
  ASSERT_TRUE(promb);
  EXPECT_EQ(promb->value("lotus_p2p_connections_opened_total", {{"direction", "inbound"}}), 1) << *mb.value;

  // A handshake failure is counted by reason: dial b expecting another peer id.
  auto wrong = cli({"connect", b.listen + "/p2p/" + a.peer_id}, &a);
  EXPECT_EQ(wrong.exit_code, 1) << wrong.describe;
  auto wrong2 = cli({"connect", b.listen + "/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA"}, &a);
  EXPECT_EQ(wrong2.exit_code, 1) << wrong2.describe;
  m = cli({"metrics"}, &a);
  prom = node::parse_prometheus(m.out);
  ASSERT_TRUE(prom) << m.out;
  EXPECT_EQ(prom->value("lotus_p2p_handshake_failures_total", {{"reason", "peer_id_mismatch"}}), 1) << m.out;

  auto d = cli({"disconnect", b.peer_id}, &a);
  EXPECT_EQ(d.exit_code, 0) << d.describe;
  EXPECT_TRUE(eventually([&] { return !connected_to(a, b.peer_id); }));

  // Errors from the daemon reach the CLI with exit code 1.
  auto self = cli({"ping", a.peer_id, "--count", "1"}, &a);
  EXPECT_EQ(self.exit_code, 1) << self.describe;
  // No daemon at the given endpoint: a clear message.
  auto none = cli({"id", "--api", "unix:" + (root / "nope.sock").string()});
  EXPECT_EQ(none.exit_code, 1) << none.describe;
  EXPECT_NE(none.err.find("is lotus-p2pd running?"), std::string::npos) << none.describe;
}

// A WebSocket listen address serves: another daemon dials it, pings, and b counts the
// connection under transport "ws".
TEST_F(DaemonTest, WebSocketListenAddressServes) {
  Daemon a, b;
  ASSERT_NO_FATAL_FAILURE(start(a, dir("a")));
  ASSERT_NO_FATAL_FAILURE(start(b, dir("b"), {"--listen", "/ip4/127.0.0.1/tcp/0/ws"}));
  ASSERT_NE(b.addr.find("/ws/p2p/"), std::string::npos) << b.addr;

  auto c = cli({"connect", b.addr, "--json"}, &a);
  ASSERT_EQ(c.exit_code, 0) << c.describe;
  auto p = cli({"ping", b.peer_id, "--count", "2"}, &a);
  ASSERT_EQ(p.exit_code, 0) << p.describe;
  EXPECT_NE(p.out.find("pong "), std::string::npos) << p.out;

  auto mb = b.client().get("/metrics");
  ASSERT_TRUE(mb);
  auto prom = node::parse_prometheus(*mb.value);
  ASSERT_TRUE(prom) << *mb.value;
  EXPECT_EQ(prom->value("lotus_p2p_connections_opened_by_transport_total", {{"transport", "ws"}}), 1) << *mb.value;
}

// A /tls/ws listen address serves with the certificate and key of tls.cert_file/tls.key_file
// (relative to the data directory); a missing file stops the start naming the key, and one
// key without the other is a configuration error.
TEST_F(DaemonTest, SecureWebSocketListenerUsesTheConfiguredCertificate) {
  const std::string data = dir("b");
  auto gen = run({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                  "-nodes", "-days", "1", "-subj", "/CN=localhost", "-addext",
                  "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", data + "/tls.key", "-out",
                  data + "/tls.crt"});
  ASSERT_EQ(gen.exit_code, 0) << gen.describe;

  Daemon b;
  ASSERT_NO_FATAL_FAILURE(start(b, data, {"--listen", "/ip4/127.0.0.1/tcp/0/tls/ws", "--tls-cert-file", "tls.crt",
                                          "--tls-key-file", "tls.key"}));
  ASSERT_NE(b.addr.find("/tls/ws/p2p/"), std::string::npos) << b.addr;
  {
    PeerSwarm peers(1, false);
    auto r = peers.dial(0, 1, b.addr, 1);
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE((*r)[0]) << (*r)[0].message();
    EXPECT_TRUE(eventually([&] { return connected_to(b, peers.peer_id(0).to_string()); }));
  }
  auto mb = b.client().get("/metrics");
  ASSERT_TRUE(mb);
  auto prom = node::parse_prometheus(*mb.value);
  ASSERT_TRUE(prom) << *mb.value;
  EXPECT_EQ(prom->value("lotus_p2p_connections_opened_by_transport_total", {{"transport", "wss"}}), 1) << *mb.value;

  // Daemons dialing it: the self-signed certificate is refused against the system store,
  // accepted with it as tls.dial_ca_file, and with tls.dial_verify = false.
  {
    Daemon strict, pinned, lax;
    ASSERT_NO_FATAL_FAILURE(start(strict, dir("strict")));
    ASSERT_NO_FATAL_FAILURE(start(pinned, dir("pinned"), {"--tls-dial-ca-file", data + "/tls.crt"}));
    ASSERT_NO_FATAL_FAILURE(start(lax, dir("lax"), {"--tls-dial-verify=false"}));
    auto refused = cli({"connect", b.addr}, &strict);
    EXPECT_NE(refused.exit_code, 0) << refused.describe;
    EXPECT_NE(refused.err.find("certificate was rejected"), std::string::npos) << refused.describe;
    EXPECT_FALSE(connected_to(b, strict.peer_id));
    for (Daemon* d : {&pinned, &lax}) {
      auto c = cli({"connect", b.addr}, d);
      EXPECT_EQ(c.exit_code, 0) << c.describe;
      EXPECT_TRUE(eventually([&] { return connected_to(b, d->peer_id); }));
    }
  }

  // Renewal: new files + SIGHUP; dialers pinned to the new certificate get in, those pinned to
  // the old one are refused. A reload that fails (a key that is not PEM) keeps serving.
  {
    const std::string old_crt = dir("old") + "/old.crt";
    std::filesystem::copy_file(data + "/tls.crt", old_crt);
    auto gen2 = run({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                     "-nodes", "-days", "1", "-subj", "/CN=localhost", "-addext",
                     "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", data + "/new.key", "-out",
                     data + "/new.crt"});
    ASSERT_EQ(gen2.exit_code, 0) << gen2.describe;
    std::filesystem::copy_file(data + "/new.crt", data + "/tls.crt", std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(data + "/new.key", data + "/tls.key", std::filesystem::copy_options::overwrite_existing);
    b.proc->signal(SIGHUP);
    EXPECT_TRUE(eventually([&] {
      return b.proc->stderr_text().find("reloaded the TLS certificate for 1 /tls/ws listener") != std::string::npos;
    })) << b.proc->describe();
    Daemon renewed, stale;
    ASSERT_NO_FATAL_FAILURE(start(renewed, dir("renewed"), {"--tls-dial-ca-file", data + "/new.crt"}));
    ASSERT_NO_FATAL_FAILURE(start(stale, dir("stale"), {"--tls-dial-ca-file", old_crt}));
    auto in = cli({"connect", b.addr}, &renewed);
    EXPECT_EQ(in.exit_code, 0) << in.describe;
    auto out = cli({"connect", b.addr}, &stale);
    EXPECT_NE(out.exit_code, 0) << out.describe;
    EXPECT_NE(out.err.find("certificate was rejected"), std::string::npos) << out.describe;

    {
      std::ofstream(data + "/tls.key", std::ios::trunc) << "not a key\n";
    }
    b.proc->signal(SIGHUP);
    EXPECT_TRUE(eventually([&] {
      return b.proc->stderr_text().find("still serving the previous certificate") != std::string::npos;
    })) << b.proc->describe();
    Daemon after;
    ASSERT_NO_FATAL_FAILURE(start(after, dir("after"), {"--tls-dial-ca-file", data + "/new.crt"}));
    auto still = cli({"connect", b.addr}, &after);
    EXPECT_EQ(still.exit_code, 0) << still.describe;
  }

  auto missing = run({LOTUS_P2PD_PATH, "--data-dir", dir("c"), "--listen", "/ip4/127.0.0.1/tcp/0/tls/ws",
                      "--tls-cert-file", "missing.crt", "--tls-key-file", "missing.key"});
  EXPECT_EQ(missing.exit_code, 1) << missing.describe;
  EXPECT_NE(missing.err.find("tls.cert_file"), std::string::npos) << missing.describe;

  auto half = run({LOTUS_P2PD_PATH, "--data-dir", dir("d"), "--tls-cert-file", "only.crt"});
  EXPECT_EQ(half.exit_code, 2) << half.describe;
  EXPECT_NE(half.err.find("set together with tls.key_file"), std::string::npos) << half.describe;
}

TEST_F(DaemonTest, RestartKeepsPeerIdAndRedialsKnownPeers) {
  Daemon a, b;
  const auto data_a = dir("a");
  ASSERT_NO_FATAL_FAILURE(start(a, data_a));
  ASSERT_NO_FATAL_FAILURE(start(b, dir("b")));
  auto c = cli({"connect", b.addr}, &a);
  ASSERT_EQ(c.exit_code, 0) << c.describe;
  const std::string first_id = a.peer_id;

  auto st = stop(a);
  ASSERT_TRUE(st.has_value()) << "lotus-p2pd did not stop on SIGTERM";
  EXPECT_EQ(*st, 0) << a.proc->describe();
  // b notices the GoAway/close.
  EXPECT_TRUE(eventually([&] { return !connected_to(b, first_id); }));

  Daemon a2;
  ASSERT_NO_FATAL_FAILURE(start(a2, data_a));
  EXPECT_EQ(a2.peer_id, first_id);
  EXPECT_NE(a2.proc->stderr_text().find("redialling 1 known peer"), std::string::npos) << a2.proc->describe();
  EXPECT_TRUE(eventually([&] { return connected_to(a2, b.peer_id); })) << a2.proc->describe();
  EXPECT_TRUE(eventually([&] { return connected_to(b, first_id); }));
}

TEST_F(DaemonTest, SigtermLeavesNoProcessAndAConsistentStore) {
  Daemon a, b;
  const auto data_a = dir("a");
  ASSERT_NO_FATAL_FAILURE(start(a, data_a));
  ASSERT_NO_FATAL_FAILURE(start(b, dir("b")));
  ASSERT_EQ(cli({"connect", b.addr}, &a).exit_code, 0);
  // `connect` returns once the connection is up; identify (agent, protocols) completes after it.
  ASSERT_TRUE(eventually([&] { return agent_of(a, b.peer_id) == "lotus-p2p/0.1.0"; }));
  ASSERT_TRUE(fs::exists(fs::path(data_a) / "control.sock"));
  ASSERT_TRUE(fs::exists(fs::path(data_a) / "api"));
  const int pid = a.proc->pid();
  auto st = stop(a);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(*st, 0);
  EXPECT_NE(a.proc->stderr_text().find("stopped"), std::string::npos) << a.proc->describe();
  // Reaped: the pid is gone.
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_FALSE(fs::exists(fs::path(data_a) / "control.sock"));
  EXPECT_FALSE(fs::exists(fs::path(data_a) / "api"));
  // The identity key is owner-only.
  EXPECT_EQ(fs::status(fs::path(data_a) / "identity.key").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  // The store is consistent and holds b with its address, agent and protocols.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2((fs::path(data_a) / "peers.sqlite").c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "ok");
  sqlite3_finalize(s);
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT addrs, agent, protocols, last_connected, failures FROM peers WHERE peer_id = ?1",
                               -1, &s, nullptr),
            SQLITE_OK);
  sqlite3_bind_text(s, 1, b.peer_id.c_str(), -1, SQLITE_TRANSIENT);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW) << "b is not in the peer store";
  const std::string addrs = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  EXPECT_NE(addrs.find(b.listen), std::string::npos) << addrs;
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 1)), "lotus-p2p/0.1.0");
  EXPECT_NE(std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, 2))).find("/ipfs/ping/1.0.0"),
            std::string::npos);
  EXPECT_GT(sqlite3_column_int64(s, 3), 0);
  EXPECT_EQ(sqlite3_column_int64(s, 4), 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
}


TEST_F(DaemonTest, BootstrapPeerIsDialledAndRedialledAfterItRestarts) {
  Daemon boot, a;
  const auto data_boot = dir("boot");
  ASSERT_NO_FATAL_FAILURE(start(boot, data_boot, {"--profile", "bootstrap", "--peer-store-enabled=false"}));
  ASSERT_NO_FATAL_FAILURE(start(a, dir("a"), {"--bootstrap-peers", boot.addr, "--peer-store-enabled=false"}));
  EXPECT_NE(a.proc->stderr_text().find("bootstrap: 1 configured address"), std::string::npos) << a.proc->describe();
  // The bootstrapper dials on its own.
  ASSERT_TRUE(eventually([&] { return connected_to(a, boot.peer_id); })) << a.proc->describe();

  // The bootstrap node restarts on the same address with the same identity (no peer store, so
  // it does not redial a itself): a's bootstrapper reconnects.
  auto st = stop(boot);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(*st, 0);
  ASSERT_TRUE(eventually([&] { return !connected_to(a, boot.peer_id); }));
  Daemon boot2;
  ASSERT_NO_FATAL_FAILURE(start(boot2, data_boot, {"--listen", boot.listen, "--profile", "bootstrap", "--peer-store-enabled=false"}));
  EXPECT_EQ(boot2.peer_id, boot.peer_id);
  EXPECT_TRUE(eventually([&] { return connected_to(a, boot.peer_id); }, 60s)) << a.proc->describe();
  auto m = a.client().get("/metrics");
  ASSERT_TRUE(m);
  auto prom = node::parse_prometheus(*m.value);
  ASSERT_TRUE(prom);
  EXPECT_GE(prom->value("lotus_p2p_connections_opened_total", {{"direction", "outbound"}}), 2) << *m.value;
}

TEST_F(DaemonTest, ConnectionLimitsComeFromTheConfiguration) {
  Daemon a;
  const auto file = (root / "limits.toml").string();
  std::ofstream(file) << "[connection_manager]\nmax_pending_dials = 9\nmax_streams_per_connection = 99\n";
  ASSERT_NO_FATAL_FAILURE(start(a, dir("a"),
                                {"--config", file, "--max-connections", "3", "--grace-period-seconds", "7",
                                 "--connection-manager-max-inbound-per-ip", "5", "--limit-loopback"},
                                {"P2P_MIN_CONNECTIONS=2", "LOTUS_P2P_CONNECTION_MANAGER_INBOUND_CONNECTIONS_PER_SECOND=11",
                                 "LOTUS_P2P_CONNECTION_MANAGER_INBOUND_BURST=12",
                                 "LOTUS_P2P_CONNECTION_MANAGER_MAX_INBOUND_STREAMS_PER_PROTOCOL=13"}));
  EXPECT_NE(a.proc->stderr_text().find("connection manager: min 2, max 3 connections, trim grace period 7 s; "
                                       "inbound: 5 per IP, 11/s (burst 12), loopback limited; 9 dials in flight; "
                                       "streams: 99 per connection, 13 inbound per protocol"),
            std::string::npos)
      << a.proc->describe();
  // The host runs with them: `status` reads them back from the host's connection manager.
  auto st = a.client().call("status");
  ASSERT_TRUE(st) << st.error.message;
  const json want = {{"min_connections", 2},
                     {"max_connections", 3},
                     {"grace_period_seconds", 7},
                     {"max_inbound_per_ip", 5},
                     {"inbound_connections_per_second", 11.0},
                     {"inbound_burst", 12},
                     {"limit_loopback", true},
                     {"max_pending_dials", 9},
                     {"max_streams_per_connection", 99},
                     {"max_inbound_streams_per_protocol", 13},
                     {"max_sockets", 4096},
                     {"max_inbound_per_subnet", 32},
                     {"inbound_per_ip_per_second", 5.0},
                     {"inbound_per_subnet_per_second", 10.0},
                     {"max_handshaking", 256}};
  EXPECT_EQ((*st.value)["connection_manager"], want) << st.value->dump();

  // security.disable_rate_limiting still lifts the inbound limits, whatever they say.
  Daemon b;
  ASSERT_NO_FATAL_FAILURE(start(b, dir("b"), {"--max-inbound-per-ip", "1", "--disable-rate-limiting"}));
  EXPECT_NE(b.proc->stderr_text().find("inbound: per-IP and rate limits off (security.disable_rate_limiting)"),
            std::string::npos)
      << b.proc->describe();
  st = b.client().call("status");
  ASSERT_TRUE(st) << st.error.message;
  EXPECT_EQ((*st.value)["connection_manager"].value("max_inbound_per_ip", 0), 4096) << st.value->dump();
  EXPECT_GE((*st.value)["connection_manager"].value("inbound_connections_per_second", 0.0), 1e9);

  // --print-config names the source of each new key.
  auto r = run({"/usr/bin/env", "LOTUS_P2P_CONNECTION_MANAGER_INBOUND_BURST=12", LOTUS_P2PD_PATH, "--data-dir",
                dir("c"), "--config", file, "--profile", "wallet", "--grace-period-seconds", "7", "--print-config"});
  ASSERT_EQ(r.exit_code, 0) << r.describe;
  EXPECT_EQ(config_line(r.out, "grace_period_seconds"), "grace_period_seconds = 7  # flag:--grace-period-seconds");
  EXPECT_EQ(config_line(r.out, "inbound_burst"),
            "inbound_burst = 12  # env:LOTUS_P2P_CONNECTION_MANAGER_INBOUND_BURST");
  EXPECT_EQ(config_line(r.out, "max_pending_dials"), "max_pending_dials = 9  # file:" + file + ":2");
  EXPECT_EQ(config_line(r.out, "max_inbound_per_ip"), "max_inbound_per_ip = 4  # profile:wallet");
  EXPECT_EQ(config_line(r.out, "limit_loopback"), "limit_loopback = false  # default");
  // An invalid value stops the start with the key, value, source and range.
  r = run({LOTUS_P2PD_PATH, "--data-dir", dir("d"), "--max-inbound-per-ip", "0"});
  EXPECT_EQ(r.exit_code, 2) << r.describe;
  EXPECT_NE(r.err.find("config: invalid value for connection_manager.max_inbound_per_ip = \"0\" "
                       "(flag:--max-inbound-per-ip): allowed: an integer 1..100000"),
            std::string::npos)
      << r.describe;
}

// 300 in-process peers connect to a daemon configured for at most 50 connections (grace period
// 0, loopback exempt from the inbound limits): it trims back to 50 and keeps its protected
// bootstrap peer; /metrics counts every trimmed connection.
TEST_F(DaemonTest, ThreeHundredInboundAgainstMaxFiftyAreTrimmedWhileTheBootstrapPeerStays) {
  Daemon a, b;
  ASSERT_NO_FATAL_FAILURE(start(b, dir("b"), {"--peer-store-enabled=false"}));
  ASSERT_NO_FATAL_FAILURE(start(a, dir("a"),
                                {"--max-connections", "50", "--min-connections", "10", "--grace-period-seconds", "0",
                                 "--limit-loopback=false", "--bootstrap-peers", b.addr}));
  EXPECT_NE(a.proc->stderr_text().find("connection manager: min 10, max 50 connections, trim grace period 0 s; "
                                       "inbound: 8 per IP, 20/s (burst 40), loopback exempt"),
            std::string::npos)
      << a.proc->describe();
  ASSERT_TRUE(eventually([&] { return connected_to(a, b.peer_id); })) << a.proc->describe();

  constexpr std::size_t kPeers = 300;
  PeerSwarm swarm(kPeers);
  auto results = swarm.dial(0, kPeers, a.addr, 32);
  ASSERT_TRUE(results.has_value()) << "the dials did not finish";
  std::size_t ok = 0;
  std::map<std::string, std::size_t> errors;
  for (const auto& ec : *results) ec ? ++errors[ec.message()] : ++ok;
  EXPECT_EQ(ok, kPeers) << ::testing::PrintToString(errors);

  // The daemon has seen every connection and trimmed back to its maximum.
  ASSERT_TRUE(eventually(
      [&] {
        auto m = metrics_of(a);
        return m && m->value("lotus_p2p_connections_opened_total", {{"direction", "inbound"}}) >= double(ok) &&
               peer_count(a) <= 50;
      },
      120s))
      << "peers: " << peer_count(a) << "\n" << a.proc->describe();
  const auto peers = peer_count(a);
  EXPECT_LE(peers, 50u);
  EXPECT_GE(peers, 40u);  // well above min_connections: trimming stops at the maximum
  EXPECT_TRUE(connected_to(a, b.peer_id)) << "the protected bootstrap peer was trimmed";
  EXPECT_TRUE(connected_to(b, a.peer_id));

  auto m = metrics_of(a);
  ASSERT_TRUE(m);
  const double opened_in = m->value("lotus_p2p_connections_opened_total", {{"direction", "inbound"}});
  const double opened_out = m->value("lotus_p2p_connections_opened_total", {{"direction", "outbound"}});
  const double open_now = m->value("lotus_p2p_connections", {{"direction", "inbound"}}) +
                          m->value("lotus_p2p_connections", {{"direction", "outbound"}});
  const double trimmed = m->value("lotus_p2p_connections_trimmed_total");
  EXPECT_EQ(opened_in, double(kPeers));
  EXPECT_EQ(opened_out, 1);  // the bootstrap peer
  EXPECT_EQ(open_now, double(peers));
  // Every connection that closed was trimmed: all that opened minus the ones still open.
  EXPECT_EQ(trimmed, opened_in + opened_out - open_now);
  EXPECT_GE(trimmed, double(kPeers + 1 - 50));
  EXPECT_EQ(m->value("lotus_p2p_connections_closed_total"), trimmed);
  EXPECT_EQ(m->value("lotus_p2p_peers", {{"state", "connected"}}), double(peers));
  EXPECT_FALSE(m->has("lotus_p2p_limit_refusals_total", {{"limit", "inbound_per_ip"}})) << "loopback is exempt";
  EXPECT_FALSE(m->has("lotus_p2p_limit_refusals_total", {{"limit", "inbound_rate"}})) << "loopback is exempt";

  // The peers see it too: only the ones the daemon kept are still connected to it.
  const auto a_id = *mf::PeerId::parse(a.peer_id);
  EXPECT_TRUE(eventually([&] { return swarm.connected_to(a_id) == peers - 1; }))
      << swarm.connected_to(a_id) << " peers connected, the daemon has " << peers - 1;
}

// Within the grace period connections beyond max_connections are kept (here an hour of it;
// the test above trims with 0 s). That the host got the configured value is shown by `status`
// in ConnectionLimitsComeFromTheConfiguration: a duration cannot be told from the default
// (20 s) without waiting for it.
TEST_F(DaemonTest, GracePeriodKeepsNewConnectionsBeyondTheMaximum) {
  Daemon a;
  ASSERT_NO_FATAL_FAILURE(start(a, dir("a"), {"--max-connections", "4", "--min-connections", "0",
                                              "--grace-period-seconds", "3600"}));
  PeerSwarm swarm(10);
  auto results = swarm.dial(0, 10, a.addr, 10);
  ASSERT_TRUE(results.has_value()) << "the dials did not finish";
  for (const auto& ec : *results) EXPECT_FALSE(ec) << ec.message();
  ASSERT_TRUE(eventually([&] { return peer_count(a) == 10; })) << peer_count(a);
  auto m = metrics_of(a);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->value("lotus_p2p_connections_trimmed_total"), 0);
  EXPECT_EQ(m->value("lotus_p2p_connections_opened_total", {{"direction", "inbound"}}), 10);
}

// max_inbound_per_ip = 3 with limit_loopback: of 6 peers dialling from 127.0.0.1 the first 3
// connect, the others are closed before the handshake and /metrics counts them by limit.
TEST_F(DaemonTest, PerIpLimitRefusesTheExcess) {
  Daemon a;
  ASSERT_NO_FATAL_FAILURE(start(a, dir("a"), {"--limit-loopback", "--max-inbound-per-ip", "3"}));
  EXPECT_NE(a.proc->stderr_text().find("inbound: 3 per IP, 20/s (burst 40), loopback limited"), std::string::npos)
      << a.proc->describe();

  PeerSwarm swarm(6);
  // One at a time: which ones get in is then deterministic.
  auto results = swarm.dial(0, 6, a.addr, 1);
  ASSERT_TRUE(results.has_value()) << "the dials did not finish";
  for (std::size_t i = 0; i < 3; ++i) EXPECT_FALSE((*results)[i]) << i << ": " << (*results)[i].message();
  for (std::size_t i = 3; i < 6; ++i) {
    // The daemon closes the socket right after accept: the dialer's upgrade fails on the
    // closed connection (host.connection_closed, or ECONNRESET when our first bytes were
    // still unread), never by timing out.
    const auto ec = (*results)[i];
    EXPECT_TRUE(ec) << i << " connected";
    EXPECT_EQ(host::handshake_failure_reason(ec), "io") << i << ": " << ec.message();
  }

  ASSERT_TRUE(eventually([&] { return peer_count(a) == 3; })) << peer_count(a);
  for (std::size_t i = 0; i < 6; ++i)
    EXPECT_EQ(connected_to(a, swarm.peer_id(i).to_string()), i < 3) << i;
  auto m = metrics_of(a);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->value("lotus_p2p_limit_refusals_total", {{"limit", "inbound_per_ip"}}), 3);
  EXPECT_EQ(m->value("lotus_p2p_connections_opened_total", {{"direction", "inbound"}}), 3);
  EXPECT_FALSE(m->has("lotus_p2p_limit_refusals_total", {{"limit", "inbound_rate"}}));
  const auto a_id = *mf::PeerId::parse(a.peer_id);
  EXPECT_EQ(swarm.connected_to(a_id), 3u);

  // The limit counts live connections: once one of the three leaves, another peer gets in.
  swarm.disconnect(0, a_id);
  ASSERT_TRUE(eventually([&] { return peer_count(a) == 2; })) << peer_count(a);
  results = swarm.dial(3, 1, a.addr, 1);
  ASSERT_TRUE(results.has_value());
  EXPECT_FALSE((*results)[0]) << (*results)[0].message();
  EXPECT_TRUE(eventually([&] { return peer_count(a) == 3; })) << peer_count(a);
  m = metrics_of(a);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->value("lotus_p2p_limit_refusals_total", {{"limit", "inbound_per_ip"}}), 3);
}

// A damaged store is a start-up error (exit 1, the file and what to do), not a node that runs
// and saves nothing; --recover-stores moves it aside and starts.
TEST_F(DaemonTest, ADamagedPeerStoreExitsOneAndRecoverStoresMovesItAside) {
  const auto data = dir("damaged");
  {
    Daemon d;
    ASSERT_NO_FATAL_FAILURE(start(d, data));
    ASSERT_EQ(stop(d), 0);
  }
  // Fill the table so that it has interior pages, then overwrite the middle of the file.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((fs::path(data) / "peers.sqlite").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
                         "INSERT INTO peers(peer_id, addrs, agent) SELECT 'p' || i, '[\"/ip4/10.0.0.1/tcp/1\"]', "
                         "printf('%.200c', 'a') FROM n; PRAGMA wal_checkpoint(TRUNCATE);",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  {
    const auto file = fs::path(data) / "peers.sqlite";
    const auto size = fs::file_size(file);
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2));
    const std::string junk(16384, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  auto r = run({LOTUS_P2PD_PATH, "--data-dir", data, "--listen", "/ip4/127.0.0.1/tcp/0"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("peers.sqlite is damaged"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--recover-stores"), std::string::npos) << r.err;
  Daemon d;
  ASSERT_NO_FATAL_FAILURE(start(d, data, {"--recover-stores"}));
  EXPECT_NE(d.proc->stderr_text().find("was damaged: moved to"), std::string::npos) << d.proc->describe();
  EXPECT_EQ(stop(d), 0);
}

// On TCP the control API needs the token of <data dir>/api.token: lotus-p2p finds it through
// the data directory; without it the call is refused and the message says what is missing.
TEST_F(DaemonTest, TheTcpControlApiNeedsTheToken) {
  Daemon d;
  ASSERT_NO_FATAL_FAILURE(start(d, dir("token"), {"--api-listen", "127.0.0.1:0"}));
  struct stat st {};
  ASSERT_EQ(::stat((fs::path(d.data_dir) / "api.token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto ok = cli({"status", "--json"}, &d);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  auto refused = run({LOTUS_P2P_PATH, "status", "--api", d.api, "--data-dir", dir("elsewhere")});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("needs its token"), std::string::npos) << refused.err;
  EXPECT_EQ(stop(d), 0);
}


// ---------------------------------------------------------------------------- chain access

// The Chronik test server (tests/chronik/support) with its chain model, on an io_context thread
// of this process; the model is only touched on that thread (on_io).
class ChronikServer {
 public:
  ChronikServer() : m_guard(asio::make_work_guard(m_io)) {
    m_model.mine_empty(10);
    auto p = m_server.start();
    if (!p) throw std::runtime_error("the Chronik test server cannot listen: " + p.error().message());
    m_url = m_server.url();
    m_thread = std::thread([this] { m_io.run(); });
  }
  ChronikServer(const ChronikServer&) = delete;
  ChronikServer& operator=(const ChronikServer&) = delete;
  ~ChronikServer() {
    std::promise<void> stopped;
    auto f = stopped.get_future();
    asio::post(m_io, [this, &stopped] {
      m_server.request_stop();
      stopped.set_value();
    });
    if (f.wait_for(30s) != std::future_status::ready) ADD_FAILURE() << "the Chronik test server did not stop";
    m_guard.reset();
    m_io.stop();
    m_thread.join();
  }
  const std::string& url() const { return m_url; }

  // Runs fn(model, server) on the io thread; throws when it does not answer in time.
  template <class F>
  std::invoke_result_t<F> on_io(F fn) {
    using R = std::invoke_result_t<F>;
    auto p = std::make_shared<std::promise<R>>();
    auto f = p->get_future();
    asio::post(m_io, [p, fn = std::move(fn)]() mutable { p->set_value(fn()); });
    if (f.wait_for(30s) != std::future_status::ready) throw std::runtime_error("the Chronik test server hangs");
    return f.get();
  }
  template <class F>
  auto with_model(F fn) {
    return on_io([this, fn = std::move(fn)]() mutable { return fn(m_model, m_server); });
  }

  // A transaction paying `value` to `script` (and change to a p2pkh), mined unless `mine` is false.
  std::string pay(const Bytes& script, std::int64_t value, bool mine = true) {
    return with_model([&](chronik::test::ChainModel& m, chronik::test::TestServer&) {
      const Bytes change = chronik::test::p2pkh(Bytes(20, 0x11));
      const auto f = m.fund(change, 200'000'000);
      auto id = m.submit(chronik::test::spend({f}, {{100'000'000, change}, {value, script}}));
      if (!id) return std::string("error: ") + id.error().message();
      if (mine) m.mine({}, 0, std::vector<chronik::Hash>{*id});  // this one only (not other mempool txs)
      return chronik::to_display_hex(*id);
    });
  }
  void mine(int n = 1) {
    with_model([n](chronik::test::ChainModel& m, chronik::test::TestServer&) {
      for (int i = 0; i < n; ++i) m.mine();
      return true;
    });
  }

 private:
  asio::io_context m_io;
  asio::executor_work_guard<asio::io_context::executor_type> m_guard;
  chronik::test::ChainModel m_model;
  chronik::test::TestServer m_server{m_io.get_executor(), m_model};
  std::string m_url;
  std::thread m_thread;
};

// lotus-p2p with a streaming command, its lines read as they come.
std::unique_ptr<Subprocess> cli_stream(std::vector<std::string> args, const Daemon& d) {
  args.insert(args.begin(), LOTUS_P2P_PATH);
  args.insert(args.end(), {"--data-dir", d.data_dir});
  return std::make_unique<Subprocess>(args, "lotus-p2p");
}

// The next line of `p` containing `needle` (earlier lines are skipped), or "" at the deadline.
std::string line_with(Subprocess& p, const std::string& needle, std::chrono::milliseconds deadline = 30s) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    auto line = p.read_line(std::max<std::chrono::milliseconds>(left, 1ms));
    if (!line) return {};
    if (line->find(needle) != std::string::npos) return *line;
  }
  return {};
}

TEST_F(DaemonTest, ChainCommandsSayWhenChainAccessIsOff) {
  Daemon d;
  ASSERT_NO_FATAL_FAILURE(start(d, dir("nochain")));
  for (std::vector<std::string> cmd : {std::vector<std::string>{"chain", "info"},
                                       {"burn", "verify", std::string(64, 'a'), "1"},
                                       {"tx", "wait", std::string(64, 'a')},
                                       {"address", "watch", "lotus_16PSJKPLY6iDEBSmUs5t2D6ay2SBiHDKjTjtFrrrT"}}) {
    auto r = cli(cmd, &d);
    EXPECT_EQ(r.exit_code, 1) << r.describe;
    EXPECT_NE(r.err.find("chain access is off: set chain.chronik_urls"), std::string::npos) << r.describe;
  }
  auto st = d.client().call("status");
  ASSERT_TRUE(st) << st.error.message;
  EXPECT_EQ((*st.value)["chain"], json({{"enabled", false}}));
  auto s = cli({"status"}, &d);
  EXPECT_NE(s.out.find("chain:     off"), std::string::npos) << s.describe;
  auto m = metrics_of(d);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->value("lotus_p2p_chain_enabled"), 0);
  EXPECT_EQ(stop(d), 0);
}

TEST_F(DaemonTest, ChainInfoAndBurnVerifyAgainstTheChronikTestServerWithFailover) {
  ChronikServer chronik;
  const Bytes ltms = chronik::test::ltms_burn_script(0x09);
  const std::string other = chronik.pay(Bytes{0x6a, 0x04, 'A', 'B', 'C', 'D', 0x01, 0x01}, 60'000'000);
  const std::string pending = chronik.pay(ltms, 60'000'000, false);  // stays in the mempool
  const std::string burn = chronik.pay(ltms, 60'000'000);            // mined last: 1 confirmation
  ASSERT_EQ(burn.size(), 64u) << burn;
  ASSERT_EQ(pending.size(), 64u) << pending;
  const auto tip = chronik.with_model([](chronik::test::ChainModel& m, chronik::test::TestServer&) {
    return std::make_pair(m.tip_height(), chronik::to_display_hex(m.blockchain_info().tip_hash));
  });

  // The first URL refuses connections (port 1 on loopback): every call fails over to the second.
  Daemon d;
  ASSERT_NO_FATAL_FAILURE(start(d, dir("chain"), {"--chronik-url", "http://127.0.0.1:1", "--chronik-url", chronik.url()}));
  auto info = cli({"chain", "info", "--json"}, &d);
  ASSERT_EQ(info.exit_code, 0) << info.describe;
  const json j = json::parse(info.out);
  EXPECT_EQ(j.value("tip_height", -1), tip.first);
  EXPECT_EQ(j.value("tip_hash", ""), tip.second);
  EXPECT_EQ(j.value("url", ""), chronik.url());
  info = cli({"chain", "info"}, &d);
  EXPECT_NE(info.out.find("tip height: " + std::to_string(tip.first)), std::string::npos) << info.out;

  // Verified: the LTMS burn, 60 XPI >= 50 XPI, 1 confirmation, no maturation asked.
  auto r = cli({"burn", "verify", burn, "1", "--prefix", "LTMS", "--min-amount", "50000000", "--maturation", "0"}, &d);
  EXPECT_EQ(r.exit_code, 0) << r.describe;
  EXPECT_EQ(r.out.rfind("burn verified\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("amount:        60000000 sats"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("LOKAD prefix:  4c544d53 (LTMS)"), std::string::npos) << r.out;
  r = cli({"burn", "verify", burn, "1", "--maturation", "0", "--json"}, &d);
  EXPECT_EQ(r.exit_code, 0) << r.describe;
  const json v = json::parse(r.out);
  EXPECT_EQ(v["burn"].value("confirmations", 0), 1);
  EXPECT_EQ(v["burn"].value("script", ""), to_hex(ltms));

  // Refused, each with its reason in words (exit 1).
  struct Refusal {
    std::vector<std::string> args;
    std::string line;
  };
  const std::vector<Refusal> refusals = {
      {{std::string(64, 'e'), "1"}, "burn refused (not_found): no such transaction"},
      {{burn, "7"}, "burn refused (no_such_output): the transaction has no output 7"},
      {{burn, "0"}, "burn refused (not_data_output): the output is not a burn"},
      {{other, "1", "--prefix", "LTMS", "--maturation", "0"}, "burn refused (wrong_prefix): LOKAD prefix 41424344 is not the one required (LTMS)"},
      {{burn, "1", "--min-amount", "70000000", "--maturation", "0"},
       "burn refused (below_amount): burns 60000000 sats, below the minimum 70000000 sats"},
      {{pending, "1", "--maturation", "0"}, "burn refused (not_mined): the transaction is in the mempool"},
      {{burn, "1", "--confirmations", "3", "--maturation", "0"}, "burn refused (not_confirmed): 1 confirmation(s), 3 required"},
      {{burn, "1", "--maturation", "5"},
       "burn refused (immature): not matured: 1 confirmation(s) of the 5-block maturation period"},
  };
  for (const auto& f : refusals) {
    std::vector<std::string> args = {"burn", "verify"};
    args.insert(args.end(), f.args.begin(), f.args.end());
    auto x = cli(args, &d);
    EXPECT_EQ(x.exit_code, 1) << x.describe;
    EXPECT_EQ(x.out.rfind(f.line, 0), 0u) << f.line << "\n" << x.describe;
  }
  // Maturing as blocks are mined: immature at 1 of 3, verified at 3 of 3.
  r = cli({"burn", "verify", burn, "1", "--maturation", "3"}, &d);
  EXPECT_EQ(r.exit_code, 1) << r.describe;
  chronik.mine(2);
  r = cli({"burn", "verify", burn, "1", "--maturation", "3"}, &d);
  EXPECT_EQ(r.exit_code, 0) << r.describe;
  EXPECT_NE(r.out.find("confirmations: 3 (matured)"), std::string::npos) << r.out;

  // Reachability and the client's numbers on status and /metrics.
  auto st = d.client().call("status");
  ASSERT_TRUE(st) << st.error.message;
  const json c = (*st.value)["chain"];
  EXPECT_TRUE(c.value("enabled", false)) << c;
  EXPECT_TRUE(c.value("reachable", false)) << c;
  EXPECT_EQ(c.value("current_url", ""), chronik.url()) << c;
  EXPECT_GE(c.value("requests", 0), 10) << c;
  EXPECT_GE(c.value("failovers", 0), 1) << c;  // the first call went to the dead URL first
  EXPECT_GE(c["errors"].value("not_found", 0), 1) << c;  // the unknown txid
  auto s = cli({"status"}, &d);
  EXPECT_NE(s.out.find("chain:     reachable via " + chronik.url()), std::string::npos) << s.out;
  auto m = metrics_of(d);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->value("lotus_p2p_chain_enabled"), 1);
  EXPECT_EQ(m->value("lotus_p2p_chain_reachable"), 1);
  EXPECT_GE(m->value("lotus_p2p_chain_requests_total"), 10);
  EXPECT_GE(m->value("lotus_p2p_chain_failovers_total"), 1);
  EXPECT_GE(m->value("lotus_p2p_chain_errors_total", {{"kind", "not_found"}}), 1);
  EXPECT_EQ(m->value("lotus_p2p_chain_errors_total", {{"kind", "unreachable"}}), 0);  // failover hid it
  EXPECT_GT(m->value("lotus_p2p_chain_request_latency_seconds_count"), 0);
  EXPECT_EQ(stop(d), 0);
}

TEST_F(DaemonTest, TxWaitReportsProgressAndCompletesAsBlocksAreMined) {
  ChronikServer chronik;
  const std::string txid = chronik.pay(Bytes{0x6a}, 0, /*mine=*/false);
  ASSERT_EQ(txid.size(), 64u) << txid;
  Daemon d;
  ASSERT_NO_FATAL_FAILURE(start(d, dir("wait"), {"--chronik-url", chronik.url(), "--chain-poll-interval-ms", "200"}));
  auto w = cli_stream({"tx", "wait", txid, "--confirmations", "3", "--deadline", "60"}, d);
  EXPECT_EQ(line_with(*w, "confirmations"), txid + ": in the mempool, 0/3 confirmations") << w->describe();
  const int height = chronik.with_model([](chronik::test::ChainModel& m, chronik::test::TestServer&) {
    return m.tip_height() + 1;
  });
  for (int n = 1; n <= 3; ++n) {
    chronik.mine();
    const std::string want = txid + ": in block " + std::to_string(height) + ", " + std::to_string(n) + "/3 confirmations" +
                             (n == 3 ? " — confirmed" : "");
    EXPECT_EQ(line_with(*w, "confirmations"), want) << w->describe();
  }
  EXPECT_EQ(w->wait_exit(30s), 0) << w->describe();

  // A deadline: a transaction that is never mined.
  const std::string stuck = chronik.pay(Bytes{0x6a}, 0, false);
  auto r = cli({"tx", "wait", stuck, "--deadline", "1"}, &d);
  EXPECT_EQ(r.exit_code, 1) << r.describe;
  EXPECT_NE(r.out.find(stuck + ": in the mempool, 0/1 confirmations"), std::string::npos) << r.describe;
  EXPECT_NE(r.err.find("deadline passed before enough confirmations"), std::string::npos) << r.describe;

  // Interrupted by a reorg: mined, then its block is disconnected (it returns to the mempool).
  const std::string reorged = chronik.pay(Bytes{0x6a}, 0, false);
  auto x = cli_stream({"tx", "wait", reorged, "--confirmations", "3", "--deadline", "60"}, d);
  EXPECT_EQ(line_with(*x, "confirmations"), reorged + ": in the mempool, 0/3 confirmations") << x->describe();
  chronik.mine();
  EXPECT_NE(line_with(*x, "confirmations").find(", 1/3 confirmations"), std::string::npos) << x->describe();
  chronik.with_model([](chronik::test::ChainModel& m, chronik::test::TestServer&) {
    m.disconnect(1);
    return true;
  });
  EXPECT_EQ(x->wait_exit(30s), 1) << x->describe();
  EXPECT_NE(x->stderr_text().find("the transaction left the chain (reorg)"), std::string::npos) << x->describe();
  EXPECT_EQ(stop(d), 0);
}

TEST_F(DaemonTest, AddressWatchSeesAPushedTransactionAndWithoutTheWebSocketPolls) {
  ChronikServer chronik;
  const Bytes script = chronik::test::p2pkh(Bytes(20, 0x42));
  const auto address = chain::address_from_script(script, chain::Network::mainnet);
  ASSERT_TRUE(address);
  Daemon d;
  ASSERT_NO_FATAL_FAILURE(start(d, dir("watch"), {"--chronik-url", chronik.url(), "--chain-poll-interval-ms", "200"}));

  // Over the WebSocket: the watch is live, then a transaction paying the address is pushed.
  auto w = cli_stream({"address", "watch", *address, "--count", "2"}, d);
  EXPECT_EQ(line_with(*w, "watching"), "watching " + *address + " (script " + to_hex(script) + ")") << w->describe();
  EXPECT_EQ(line_with(*w, "live"), "live: Chronik WebSocket subscription") << w->describe();
  const std::string txid = chronik.pay(script, 5'000'000, /*mine=*/false);
  EXPECT_EQ(line_with(*w, txid), "added-to-mempool " + txid + " (ws)") << w->describe();
  chronik.mine();
  EXPECT_EQ(line_with(*w, txid), "confirmed " + txid + " (ws)") << w->describe();
  EXPECT_EQ(w->wait_exit(30s), 0) << w->describe();

  // With the WebSocket refused: the watch says it polls, and finds the next transaction.
  chronik.with_model([](chronik::test::ChainModel&, chronik::test::TestServer& s) {
    s.set_ws_enabled(false);
    return true;
  });
  auto p = cli_stream({"address", "watch", *address, "--count", "1"}, d);
  EXPECT_EQ(line_with(*p, "polling"), "polling: Chronik WebSocket unavailable") << p->describe();
  const std::string polled = chronik.pay(script, 6'000'000, /*mine=*/false);
  EXPECT_EQ(line_with(*p, polled), "added-to-mempool " + polled + " (poll)") << p->describe();
  EXPECT_EQ(p->wait_exit(30s), 0) << p->describe();

  // A watcher that goes away without a word: the next heartbeat (1 s here) finds it gone and
  // the watch ends (no stream, no watch left in the daemon).
  auto gone = cli_stream({"address", "watch", *address}, d);
  EXPECT_EQ(line_with(*gone, "polling"), "polling: Chronik WebSocket unavailable") << gone->describe();
  auto active = [&d] {
    auto st = d.client().call("status");
    return st ? (*st.value)["chain"].value("streams_active", -1) : -1;
  };
  EXPECT_GE(active(), 1);  // (the watch before it may still be waiting for its heartbeat)
  gone->signal(SIGKILL);
  EXPECT_TRUE(eventually([&] { return active() == 0; })) << active();
  EXPECT_EQ(stop(d), 0);
}

}  // namespace
}  // namespace lotus::daemon_test
