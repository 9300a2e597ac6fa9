// bench_latency: lotus-p2p vs js-libp2p latency on 127.0.0.1, the figures the core-stack
// issue's closing note asks for. A benchmark program, not a test: it reports what it measured
// and the ratios against the targets; it never fails because of a number.
//
// One run measures four client -> server pairings, C++->C++, C++->js, js->C++, js->js:
//  * setup: from starting a dial (no connection to the peer exists; a fresh one each sample)
//    to the completion of the first round trip on a new /echo/1.0.0 stream:
//    TCP connect, multistream "/noise", Noise XX, muxer (yamux), multistream "/echo/1.0.0",
//    1 byte written and read back. Both sides run identify on every new connection, as they
//    do by default; that traffic shares the connection with the first stream.
//  * ping: round-trip time of one 32-byte /ipfs/ping/1.0.0 exchange (send, read all 32 bytes
//    back, compare) on one ping stream of an established connection.
//  * ping_api (secondary): one call of the stack's ping API (Host::ping / js-libp2p's ping
//    service), which opens a new stream per ping; timed around the call.
//
// Every endpoint is its own process, so no pairing shares an event loop or a thread:
//   C++ server  = bench_latency --peer             js server  = node bench/js/latency.mjs
//   C++ client  = bench_latency --peer --no-listen js client  = node bench/js/latency.mjs --no-listen
// Both kinds speak the same line protocol (documented in bench/js/latency.mjs): a "ready" JSON
// line, then commands setup/ping/ping_api/stop on stdin, one JSON reply line each, samples in
// microseconds. This process only orchestrates: after a discarded warm-up per pairing it runs
// --rounds rounds, each doing a share of every pairing's samples, with the pairing order
// rotated per round, so slow drifts of a shared machine's load hit every pairing alike.
//
// Output: a table and the ratios C++->C++ / js->js on stdout, progress on stderr, everything
// (raw samples included) as JSON with --json FILE.
//
// Not measured here: throughput (see other benches), connection setup with a non-loopback RTT,
// anything but TCP + Noise + yamux.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <future>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "base/log.hpp"
#include "crypto/keys.hpp"
#include "host/host.hpp"
#include "runtime/asio.hpp"

extern char** environ;

namespace {

using namespace lotus;
using json = nlohmann::json;

constexpr const char* kEchoProtocol = "/echo/1.0.0";
constexpr std::size_t kPingSize = 32;

constexpr const char* kUsage = R"(usage: bench_latency [options]

Connection setup + first stream and ping RTT on 127.0.0.1 for the pairings
C++->C++, C++->js, js->C++, js->js, measured in one run (see bench/latency.cpp).

options:
  --setup N         setup samples per pairing (default 60)
  --ping N          ping RTT samples per pairing (default 240)
  --ping-api N      ping API call samples per pairing (default 60; 0 skips)
  --rounds R        rounds the samples are spread over (default 6)
  --gap-ms MS       pause after each setup sample's hang-up (default 10)
  --warmup-setup N  discarded setup samples per pairing before measuring (default 20)
  --warmup-ping N   discarded ping round trips per pairing before measuring (default 500;
                    V8 needs a few hundred iterations to optimise the js side)
  --json FILE       write configuration, environment, statistics and raw samples
  --node BIN        node executable (default: node, from PATH)
  --js-script FILE  js helper (default: <source>/bench/js/latency.mjs)
  --node-modules D  node_modules holding the pinned js-libp2p
                    (default: the js helper's, <source>/tests/interop/node_modules)
  --timeout-s S     limit for any one command of a child (default 300)
  --peer            (internal) run one C++ endpoint speaking the helper protocol
  --no-listen       (with --peer) do not listen
  -h, --help        this text
)";

double to_us(Duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

// ====================================================================== C++ endpoint (--peer)

asio::awaitable<void> echo_handler(host::Stream s) {
  std::array<std::uint8_t, 16 * 1024> buf{};
  while (true) {
    auto r = co_await s.read_some(MutBytesView(buf));
    if (!r) co_return;
    if (*r == 0) break;
    if (!co_await s.write(BytesView(buf.data(), *r))) co_return;
  }
  (void)s.close_write();
}

asio::awaitable<void> sleep_for(asio::io_context& io, Duration d) {
  asio::steady_timer t(io, d);
  boost::system::error_code ec;
  co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

using Samples = std::vector<double>;

asio::awaitable<Result<Samples>> cmd_setup(host::Host* h, mf::Multiaddr addr, int n, int gap_ms) {
  Samples out;
  out.reserve(static_cast<std::size_t>(n));
  const auto protocols = host::make_protocols(kEchoProtocol);
  const auto expected = addr.peer_id();
  for (int i = 0; i < n; ++i) {
    if (expected && h->is_connected(*expected)) h->disconnect(*expected);
    std::array<std::uint8_t, 1> one{0x2a};
    std::array<std::uint8_t, 1> back{0};
    const auto t0 = Clock::now();
    auto s = co_await h->new_stream(addr, protocols);
    if (!s) co_return s.error();
    if (auto w = co_await s->write(BytesView(one)); !w) co_return w.error();
    if (auto r = co_await s->read_exactly(MutBytesView(back)); !r) co_return r.error();
    const auto t1 = Clock::now();
    if (back[0] != one[0]) co_return host::errc::bad_ping_response;
    out.push_back(to_us(t1 - t0));
    (void)s->close_write();
    h->disconnect(s->remote_peer());
    if (gap_ms > 0) co_await sleep_for(h->io_context(), std::chrono::milliseconds(gap_ms));
  }
  co_return out;
}

asio::awaitable<Result<Samples>> cmd_ping(host::Host* h, mf::Multiaddr addr, int n, int warmup) {
  auto c = co_await h->dial(addr);
  if (!c) co_return c.error();
  const mf::PeerId peer = c->remote_peer;
  auto s = co_await h->new_stream(peer, host::make_protocols(host::kPingProtocol));
  if (!s) co_return s.error();
  std::mt19937_64 rng(std::random_device{}());
  Samples out;
  out.reserve(static_cast<std::size_t>(n));
  std::array<std::uint8_t, kPingSize> data{};
  std::array<std::uint8_t, kPingSize> back{};
  for (int i = 0; i < warmup + n; ++i) {
    for (auto& b : data) b = static_cast<std::uint8_t>(rng());
    const auto t0 = Clock::now();
    if (auto w = co_await s->write(BytesView(data)); !w) co_return w.error();
    if (auto r = co_await s->read_exactly(MutBytesView(back)); !r) co_return r.error();
    const auto t1 = Clock::now();
    if (back != data) co_return host::errc::bad_ping_response;
    if (i >= warmup) out.push_back(to_us(t1 - t0));
  }
  (void)s->close_write();
  h->disconnect(peer);
  co_return out;
}

asio::awaitable<Result<Samples>> cmd_ping_api(host::Host* h, mf::Multiaddr addr, int n, int warmup) {
  auto c = co_await h->dial(addr);
  if (!c) co_return c.error();
  const mf::PeerId peer = c->remote_peer;
  Samples out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < warmup + n; ++i) {
    const auto t0 = Clock::now();
    auto r = co_await h->ping(peer);
    const auto t1 = Clock::now();
    if (!r) co_return r.error();
    if (i >= warmup) out.push_back(to_us(t1 - t0));
  }
  h->disconnect(peer);
  co_return out;
}

asio::awaitable<void> stop_host(host::Host* h) { co_await h->stop(); }

// asio::use_future needs a default-constructible result; Result<T> is not.
struct CmdOut {
  Samples samples;
  std::error_code error;
};

asio::awaitable<CmdOut> to_cmd_out(asio::awaitable<Result<Samples>> a) {
  auto r = co_await std::move(a);
  CmdOut out;
  if (r) {
    out.samples = std::move(*r);
  } else {
    out.error = r.error();
  }
  co_return out;
}

void emit_line(const json& j) {
  std::cout << j.dump() << '\n';
  std::cout.flush();
}

int run_peer(bool listen) {
  log::set_level(log::Level::error);
  auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
  if (!key) {
    std::cerr << "bench_latency --peer: key generation failed: " << key.error().message() << "\n";
    return 1;
  }
  asio::io_context io;
  host::Host node(io, std::move(*key));
  node.set_stream_handler(kEchoProtocol, &echo_handler);
  if (listen) {
    auto bound = node.listen(*mf::Multiaddr::parse("/ip4/127.0.0.1/tcp/0"));
    if (!bound) {
      std::cerr << "bench_latency --peer: listen failed: " << bound.error().message() << "\n";
      return 1;
    }
  }
  json ready = {{"event", "ready"}, {"peerId", node.peer_id().to_base58()}, {"addrs", json::array()}};
  for (const auto& a : node.full_addrs()) ready["addrs"].push_back(a.to_string());

  // From here on the host is touched only from the io thread (co_spawn + future).
  auto work = asio::make_work_guard(io);
  std::thread io_thread([&io] { io.run(); });
  emit_line(ready);

  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    json cmd = json::parse(line, nullptr, false);
    if (cmd.is_discarded() || !cmd.is_object()) {
      emit_line({{"id", nullptr}, {"error", "bad JSON"}});
      continue;
    }
    const json id = cmd.value("id", json());
    const std::string name = cmd.value("cmd", "");
    if (name == "stop") {
      emit_line({{"id", id}, {"result", json::object()}});
      break;
    }
    std::optional<mf::Multiaddr> addr;
    if (auto a = mf::Multiaddr::parse(cmd.value("addr", "")); a) addr = std::move(*a);
    const int n = cmd.value("n", 1);
    CmdOut r;
    if (!addr || n < 0) {
      emit_line({{"id", id}, {"error", "bad addr or n"}});
      continue;
    }
    if (name == "setup") {
      r = asio::co_spawn(io, to_cmd_out(cmd_setup(&node, *addr, n, cmd.value("gap_ms", 10))), asio::use_future).get();
    } else if (name == "ping") {
      r = asio::co_spawn(io, to_cmd_out(cmd_ping(&node, *addr, n, cmd.value("warmup", 10))), asio::use_future).get();
    } else if (name == "ping_api") {
      r = asio::co_spawn(io, to_cmd_out(cmd_ping_api(&node, *addr, n, cmd.value("warmup", 5))), asio::use_future).get();
    } else {
      emit_line({{"id", id}, {"error", "unknown command " + name}});
      continue;
    }
    if (!r.error) {
      emit_line({{"id", id}, {"result", {{"samples_us", r.samples}}}});
    } else {
      emit_line({{"id", id}, {"error", r.error.message()}});
    }
  }
  asio::co_spawn(io, stop_host(&node), asio::use_future).get();
  work.reset();
  io_thread.join();
  return 0;
}

// ====================================================================== orchestrator

// A child process with pipes to its stdin and from its stdout; stderr is inherited.
class Child {
 public:
  Child(const std::vector<std::string>& argv, std::string name) : m_name(std::move(name)) {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe: " + std::string(std::strerror(errno)));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int rc = ::posix_spawnp(&m_pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(in[0]);
    ::close(out[1]);
    m_in = in[1];
    m_out = out[0];
    if (rc != 0) {
      ::close(m_in);
      ::close(m_out);
      throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() { finish(std::chrono::seconds(10)); }

  const std::string& name() const { return m_name; }

  void write_line(const std::string& s) {
    std::string buf = s + "\n";
    std::size_t off = 0;
    while (off < buf.size()) {
      const auto k = ::write(m_in, buf.data() + off, buf.size() - off);
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) throw std::runtime_error(m_name + ": write to child failed (did it exit?)");
      off += static_cast<std::size_t>(k);
    }
  }

  // The next line of the child's stdout; nullopt on EOF or when `timeout` passes.
  std::optional<std::string> read_line(Duration timeout) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
      if (auto nl = m_buf.find('\n'); nl != std::string::npos) {
        std::string line = m_buf.substr(0, nl);
        m_buf.erase(0, nl + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return std::nullopt;
      pollfd p{m_out, POLLIN, 0};
      const int pr = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
      if (pr < 0 && errno != EINTR) return std::nullopt;
      if (pr <= 0) continue;
      char tmp[4096];
      const auto k = ::read(m_out, tmp, sizeof tmp);
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) return std::nullopt;
      m_buf.append(tmp, static_cast<std::size_t>(k));
    }
  }

  // Closes stdin (the helpers stop on EOF), waits up to `grace`, then kills.
  void finish(Duration grace) {
    if (m_pid <= 0) return;
    if (m_in >= 0) ::close(m_in);
    m_in = -1;
    const auto deadline = Clock::now() + grace;
    int status = 0;
    while (::waitpid(m_pid, &status, WNOHANG) == 0) {
      if (Clock::now() >= deadline) {
        ::kill(m_pid, SIGKILL);
        ::waitpid(m_pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    m_pid = -1;
    if (m_out >= 0) ::close(m_out);
    m_out = -1;
  }

 private:
  std::string m_name;
  pid_t m_pid = -1;
  int m_in = -1;
  int m_out = -1;
  std::string m_buf;
};

struct Endpoint {
  std::unique_ptr<Child> proc;
  std::string label;  // "C++" | "js"
  json ready;
  std::string addr;   // first listen address with /p2p/ (servers)
  int next_id = 1;
};

json wait_ready(Child& c, Duration timeout) {
  while (true) {
    auto line = c.read_line(timeout);
    if (!line) throw std::runtime_error(c.name() + ": no ready line (exited or timed out)");
    json j = json::parse(*line, nullptr, false);
    if (!j.is_discarded() && j.is_object() && j.value("event", "") == "ready") return j;
    std::cerr << "[bench] " << c.name() << " stdout: " << *line << "\n";
  }
}

json request(Endpoint& e, json cmd, Duration timeout) {
  const int id = e.next_id++;
  cmd["id"] = id;
  e.proc->write_line(cmd.dump());
  while (true) {
    auto line = e.proc->read_line(timeout);
    if (!line) throw std::runtime_error(e.proc->name() + ": no reply to " + cmd.dump() + " (exited or timed out)");
    json j = json::parse(*line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || j.value("id", json()) != json(id)) {
      std::cerr << "[bench] " << e.proc->name() << " stdout: " << *line << "\n";
      continue;
    }
    if (j.contains("error")) throw std::runtime_error(e.proc->name() + ": " + cmd.dump() + " failed: " + j["error"].dump());
    return j["result"];
  }
}

struct Stats {
  std::size_t n = 0;
  double median = NAN, p90 = NAN, min = NAN, max = NAN, mean = NAN;
};

Stats stats(Samples v) {
  Stats s;
  s.n = v.size();
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  s.p90 = v[static_cast<std::size_t>(std::ceil(0.9 * static_cast<double>(n))) - 1];  // nearest rank
  s.min = v.front();
  s.max = v.back();
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / static_cast<double>(n);
  return s;
}

json to_json(const Stats& s) {
  return {{"n", s.n}, {"median_us", s.median}, {"p90_us", s.p90}, {"min_us", s.min}, {"mean_us", s.mean}, {"max_us", s.max}};
}

struct Pairing {
  Endpoint* client;
  Endpoint* server;
  std::string name;  // "C++->js"
  std::string key;   // "cpp->js"
  Samples setup, ping, ping_api;
};

std::string load_avg() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string capture(const std::string& cmd) {
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[256];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    ::pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

struct Options {
  int setup = 60, ping = 240, ping_api = 60, rounds = 6, gap_ms = 10, timeout_s = 300;
  int warmup_setup = 20, warmup_ping = 500;
  std::string json_file;
  std::string node = "node";
  std::string js_script = std::string(LOTUS_SOURCE_DIR) + "/bench/js/latency.mjs";
  std::string node_modules;
};

int per_round(int total, int rounds) { return (total + rounds - 1) / rounds; }

std::string fmt(double v, int prec = 0) {
  if (std::isnan(v)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v);
  return buf;
}

int run_bench(const Options& o) {
  const Duration timeout = std::chrono::seconds(o.timeout_s);
  const std::string self = "/proc/self/exe";
  char exe[4096];
  const auto len = ::readlink(self.c_str(), exe, sizeof exe - 1);
  if (len <= 0) throw std::runtime_error("cannot resolve /proc/self/exe");
  exe[len] = 0;

  std::vector<std::string> js_base = {o.node, o.js_script};
  if (!o.node_modules.empty()) {
    js_base.push_back("--node-modules");
    js_base.push_back(o.node_modules);
  }
  auto js_client_argv = js_base;
  js_client_argv.push_back("--no-listen");

  const std::string load_before = load_avg();
  std::cerr << "[bench] starting endpoints (load average " << load_before << ")\n";
  Endpoint cpp_srv{std::make_unique<Child>(std::vector<std::string>{exe, "--peer"}, "C++ server"), "C++", {}, {}};
  Endpoint cpp_cli{std::make_unique<Child>(std::vector<std::string>{exe, "--peer", "--no-listen"}, "C++ client"), "C++", {}, {}};
  Endpoint js_srv{std::make_unique<Child>(js_base, "js server"), "js", {}, {}};
  Endpoint js_cli{std::make_unique<Child>(js_client_argv, "js client"), "js", {}, {}};
  for (Endpoint* e : {&cpp_srv, &cpp_cli, &js_srv, &js_cli}) {
    e->ready = wait_ready(*e->proc, std::chrono::seconds(60));
    if (e->ready.contains("addrs") && !e->ready["addrs"].empty()) e->addr = e->ready["addrs"][0].get<std::string>();
  }
  if (cpp_srv.addr.empty() || js_srv.addr.empty()) throw std::runtime_error("a server reported no address");
  std::cerr << "[bench] C++ server " << cpp_srv.addr << "\n[bench] js server  " << js_srv.addr << "\n";

  std::vector<Pairing> pairs;
  pairs.push_back({&cpp_cli, &cpp_srv, "C++ -> C++", "cpp->cpp", {}, {}, {}});
  pairs.push_back({&cpp_cli, &js_srv, "C++ -> js", "cpp->js", {}, {}, {}});
  pairs.push_back({&js_cli, &cpp_srv, "js -> C++", "js->cpp", {}, {}, {}});
  pairs.push_back({&js_cli, &js_srv, "js -> js", "js->js", {}, {}, {}});

  auto samples_of = [](const json& r) { return r.at("samples_us").get<Samples>(); };
  auto run_setup = [&](Pairing& p, int n) {
    return samples_of(request(*p.client, {{"cmd", "setup"}, {"addr", p.server->addr}, {"n", n}, {"gap_ms", o.gap_ms}}, timeout));
  };
  auto run_ping = [&](Pairing& p, int n, int warmup) {
    return samples_of(request(*p.client, {{"cmd", "ping"}, {"addr", p.server->addr}, {"n", n}, {"warmup", warmup}}, timeout));
  };
  auto run_ping_api = [&](Pairing& p, int n, int warmup) {
    return samples_of(request(*p.client, {{"cmd", "ping_api"}, {"addr", p.server->addr}, {"n", n}, {"warmup", warmup}}, timeout));
  };

  // Warm-up (discarded): V8's JIT, caches, lazily initialised state on every side. Every
  // pairing gets the same warm-up, so each process is warm in both of its roles.
  for (auto& p : pairs) {
    std::cerr << "[bench] warm-up " << p.name << ": setup x" << o.warmup_setup << ", ping x" << o.warmup_ping << "\n";
    if (o.warmup_setup > 0) (void)run_setup(p, o.warmup_setup);
    // In batches: js's ping handler aborts a ping stream 10 s after it opened.
    for (int left = o.warmup_ping; left > 0; left -= 100) (void)run_ping(p, std::min(left, 100), 0);
    if (o.ping_api > 0) (void)run_ping_api(p, 10, 0);
  }

  const int rounds = std::max(1, o.rounds);
  const int k_setup = per_round(o.setup, rounds), k_ping = per_round(o.ping, rounds),
            k_api = per_round(o.ping_api, rounds);
  const auto t_start = Clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (std::size_t j = 0; j < pairs.size(); ++j) {
      auto& p = pairs[(j + static_cast<std::size_t>(r)) % pairs.size()];
      std::cerr << "[bench] round " << (r + 1) << "/" << rounds << " " << p.name << ": setup x" << k_setup
                << ", ping x" << k_ping << (o.ping_api > 0 ? ", ping API x" + std::to_string(k_api) : "") << "\n";
      auto s = run_setup(p, k_setup);
      p.setup.insert(p.setup.end(), s.begin(), s.end());
      auto q = run_ping(p, k_ping, 10);
      p.ping.insert(p.ping.end(), q.begin(), q.end());
      if (o.ping_api > 0) {
        auto a = run_ping_api(p, k_api, 2);
        p.ping_api.insert(p.ping_api.end(), a.begin(), a.end());
      }
    }
  }
  const double measure_s = std::chrono::duration<double>(Clock::now() - t_start).count();
  const std::string load_after = load_avg();

  for (Endpoint* e : {&cpp_cli, &js_cli, &cpp_srv, &js_srv}) {
    try {
      (void)request(*e, {{"cmd", "stop"}}, std::chrono::seconds(10));
    } catch (const std::exception& ex) {
      std::cerr << "[bench] " << ex.what() << "\n";
    }
    e->proc->finish(std::chrono::seconds(10));
  }

  // ------------------------------------------------------------------ report
  struct utsname un {};
  ::uname(&un);
  const std::string node_version = js_srv.ready.value("node", "?");
  const std::string libp2p_version = js_srv.ready.value("libp2p", "?");
  std::printf("bench_latency  %s  127.0.0.1  %s %s  %u CPUs  node %s  js-libp2p %s\n", utc_now().c_str(), un.sysname,
              un.release, std::thread::hardware_concurrency(), node_version.c_str(), libp2p_version.c_str());
  std::printf("load average before %s, after %s; measured for %.1f s in %d rounds\n\n", load_before.c_str(),
              load_after.c_str(), measure_s, rounds);
  std::printf("%-11s | %-33s | %-33s | %-25s\n", "client ->", "setup + first echo stream (us)", "ping RTT, one stream (us)",
              "ping API, new stream (us)");
  std::printf("%-11s | %4s %9s %9s %8s | %4s %9s %9s %8s | %4s %9s %9s\n", "server", "n", "median", "p90", "min", "n",
              "median", "p90", "min", "n", "median", "p90");
  std::printf("------------+-----------------------------------+-----------------------------------+--------------------------\n");
  json out_pairs = json::object();
  for (auto& p : pairs) {
    const Stats a = stats(p.setup), b = stats(p.ping), c = stats(p.ping_api);
    std::printf("%-11s | %4zu %9s %9s %8s | %4zu %9s %9s %8s | %4zu %9s %9s\n", p.name.c_str(), a.n, fmt(a.median).c_str(),
                fmt(a.p90).c_str(), fmt(a.min).c_str(), b.n, fmt(b.median, 1).c_str(), fmt(b.p90, 1).c_str(),
                fmt(b.min, 1).c_str(), c.n, fmt(c.median).c_str(), fmt(c.p90).c_str());
    out_pairs[p.key] = {{"client", p.client->label},
                        {"server", p.server->label},
                        {"setup", to_json(a)},
                        {"ping", to_json(b)},
                        {"ping_api", to_json(c)},
                        {"samples_us", {{"setup", p.setup}, {"ping", p.ping}, {"ping_api", p.ping_api}}}};
  }
  const Stats cs = stats(pairs[0].setup), js = stats(pairs[3].setup);
  const Stats cp = stats(pairs[0].ping), jp = stats(pairs[3].ping);
  const Stats ca = stats(pairs[0].ping_api), ja = stats(pairs[3].ping_api);
  constexpr double kTarget = 0.10;
  auto verdict = [](double r) { return std::isnan(r) ? "-" : (r <= kTarget ? "met" : "NOT met"); };
  const double r_setup = cs.median / js.median, r_setup90 = cs.p90 / js.p90;
  const double r_ping = cp.median / jp.median, r_ping90 = cp.p90 / jp.p90;
  const double r_api = ca.median / ja.median;
  std::printf("\nratios C++->C++ / js->js (target <= %.2f, on medians):\n", kTarget);
  std::printf("  setup + first stream : median %.3f (%s), p90 %.3f  [js/C++ = %.1fx]\n", r_setup, verdict(r_setup),
              r_setup90, 1 / r_setup);
  std::printf("  ping RTT             : median %.3f (%s), p90 %.3f  [js/C++ = %.1fx]\n", r_ping, verdict(r_ping), r_ping90,
              1 / r_ping);
  if (o.ping_api > 0) std::printf("  ping API (info)      : median %.3f  [js/C++ = %.1fx]\n", r_api, 1 / r_api);

  if (!o.json_file.empty()) {
    json doc = {
        {"benchmark", "bench_latency"},
        {"time_utc", utc_now()},
        {"environment",
         {{"kernel", std::string(un.sysname) + " " + un.release},
          {"cpus", std::thread::hardware_concurrency()},
          {"load_average_before", load_before},
          {"load_average_after", load_after},
          {"node", node_version},
          {"js_libp2p", libp2p_version},
          {"git", capture(std::string("git -C '") + LOTUS_SOURCE_DIR + "' describe --always --dirty 2>/dev/null")}}},
        {"config",
         {{"setup_per_pairing", k_setup * rounds},
          {"ping_per_pairing", k_ping * rounds},
          {"ping_api_per_pairing", o.ping_api > 0 ? k_api * rounds : 0},
          {"rounds", rounds},
          {"warmup_setup_per_pairing", o.warmup_setup},
          {"warmup_ping_per_pairing", o.warmup_ping},
          {"gap_ms", o.gap_ms},
          {"address", "127.0.0.1"},
          {"stack", "TCP + Noise XX + yamux, identify on every connection (both sides)"},
          {"units", "microseconds"}}},
        {"definitions",
         {{"setup", "dial start (no existing connection) to the 1-byte echo returned on a new /echo/1.0.0 stream"},
          {"ping", "one 32-byte /ipfs/ping/1.0.0 round trip on an established ping stream"},
          {"ping_api", "one Host::ping / js ping service call (new stream per ping), timed around the call"}}},
        {"pairings", out_pairs},
        {"ratios_cpp_over_js",
         {{"target", kTarget},
          {"setup_median", r_setup},
          {"setup_p90", r_setup90},
          {"ping_median", r_ping},
          {"ping_p90", r_ping90},
          {"ping_api_median", r_api},
          {"setup_target_met", r_setup <= kTarget},
          {"ping_target_met", r_ping <= kTarget}}},
        {"measure_seconds", measure_s}};
    std::ofstream f(o.json_file);
    f << doc.dump(2) << '\n';
    if (!f) throw std::runtime_error("cannot write " + o.json_file);
    std::cerr << "[bench] wrote " << o.json_file << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  Options o;
  bool peer = false, listen = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "bench_latency: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    auto next_int = [&](int lo) {
      const std::string v = next();
      char* end = nullptr;
      const long x = std::strtol(v.c_str(), &end, 10);
      if (end == v.c_str() || *end != 0 || x < lo || x > 1000000) {
        std::cerr << "bench_latency: bad value for " << a << ": " << v << "\n";
        std::exit(2);
      }
      return static_cast<int>(x);
    };
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--peer") {
      peer = true;
    } else if (a == "--no-listen") {
      listen = false;
    } else if (a == "--setup") {
      o.setup = next_int(1);
    } else if (a == "--ping") {
      o.ping = next_int(1);
    } else if (a == "--ping-api") {
      o.ping_api = next_int(0);
    } else if (a == "--rounds") {
      o.rounds = next_int(1);
    } else if (a == "--gap-ms") {
      o.gap_ms = next_int(0);
    } else if (a == "--warmup-setup") {
      o.warmup_setup = next_int(0);
    } else if (a == "--warmup-ping") {
      o.warmup_ping = next_int(0);
    } else if (a == "--timeout-s") {
      o.timeout_s = next_int(1);
    } else if (a == "--json") {
      o.json_file = next();
    } else if (a == "--node") {
      o.node = next();
    } else if (a == "--js-script") {
      o.js_script = next();
    } else if (a == "--node-modules") {
      o.node_modules = next();
    } else {
      std::cerr << "bench_latency: unknown argument '" << a << "'\n" << kUsage;
      return 2;
    }
  }
  if (peer) return run_peer(listen);
  try {
    return run_bench(o);
  } catch (const std::exception& e) {
    std::cerr << "bench_latency: " << e.what() << "\n";
    return 1;
  }
}
