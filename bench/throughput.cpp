// bench_throughput: loopback throughput, setup latency, handshake rate and idle memory of
// lotus-p2p, js-libp2p and the two against each other. A benchmark program, not a test: it
// prints what it measured (table + JSON) and the ratios to the targets of issue #4, and never
// fails on a number (exit code != 0 only when something could not run at all).
//
// Processes: the C++ server is this binary re-executed with --serve (its own process and core,
// so RSS is the server's alone); the js server and js client are bench/js/throughput.mjs. The
// C++ client runs here on one io_context thread.
//
// Rows (server ← client):
//   cpp←cpp  tcp+noise+yamux, tcp+noise+mplex, ws+noise+yamux (Config::muxers / a /ws address)
//   js←cpp   tcp+noise+yamux      cpp←js and js←js: the js client (tcp+noise+yamux)
// Columns: upload and download of --bytes on one stream (perf protocol, timed to the server's
// close), 16 parallel download streams of --bytes/16 on one connection, connection setup
// (dial → Noise → muxer → ping stream round trip) median of --setup, ping RTT median on one open
// /ipfs/ping/1.0.0 stream, handshakes/s with --dialers concurrent dialing hosts (C++ client).
// Memory: VmRSS of the idle server process, then per connection at each --idle count (C++
// server), and at --js-idle (js server). Yardstick: `openssl speed -evp chacha20-poly1305`
// (16 KiB blocks, one core), plain loopback TCP (best of three runs of 1 GiB in 256 KiB writes
// between two processes, no crypto, no libp2p) and the Noise XX crypto bound from bench_noise_handshake (if built next
// to this binary). A single stream's sender seals every byte and pushes it through the kernel
// on one core, so 1 / (1/chacha + 1/tcp) is the practical ceiling it is also compared with.
//
// Usage: bench_throughput [--bytes N] [--streams N] [--setup N] [--pings N] [--dialers N]
//                         [--handshakes N] [--idle N,N] [--js-idle N] [--no-js] [--json FILE]
//                         [--only tcp-yamux,tcp-mplex,ws-yamux]
// Sizes accept k/M/G (1000^n) and Ki/Mi/Gi (1024^n) suffixes. Defaults: 1GiB, 16 streams, 50
// setups, 200 pings, 32 dialers × 16 handshakes, idle 1000,10000, js-idle 1000.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/log.hpp"
#include "crypto/keys.hpp"
#include "host/host.hpp"
#include "host/perf_service.hpp"
#include "runtime/asio.hpp"

extern char** environ;

using namespace lotus;
using json = nlohmann::json;

namespace {

// ------------------------------------------------------------------ options & helpers

struct Options {
  std::uint64_t bytes = std::uint64_t{1} << 30;
  int streams = 16;
  int setup = 50;
  int pings = 200;
  int dialers = 32;
  int handshakes_per_dialer = 16;
  std::vector<int> idle = {1000, 10000};
  int js_idle = 1000;
  bool js = true;
  std::string json_path = "bench_throughput.json";
  std::vector<std::string> only;
};

std::optional<std::uint64_t> parse_size(const std::string& s) {
  std::size_t used = 0;
  unsigned long long n = 0;
  try {
    n = std::stoull(s, &used);
  } catch (...) {
    return std::nullopt;
  }
  std::string suf = s.substr(used);
  if (!suf.empty() && (suf.back() == 'B' || suf.back() == 'b')) suf.pop_back();
  std::uint64_t mult = 1;
  if (!suf.empty()) {
    const bool bin = suf.size() == 2 && suf[1] == 'i';
    if (suf.size() > 2 || (suf.size() == 2 && !bin)) return std::nullopt;
    const std::string units = "kmgt";
    const auto p = units.find(static_cast<char>(std::tolower(static_cast<unsigned char>(suf[0]))));
    if (p == std::string::npos) return std::nullopt;
    for (std::size_t i = 0; i <= p; ++i) mult *= bin ? 1024 : 1000;
  }
  return n * mult;
}

double secs(Duration d) { return std::chrono::duration<double>(d).count(); }
double us(Duration d) { return std::chrono::duration<double, std::micro>(d).count(); }
double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void raise_nofile() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &r);
  }
}

// The KiB value of the first "<field>:" line of /proc/<pid>/<file>; -1 if absent.
long proc_kib(int pid, const char* file, std::string_view field) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/" + file);
  std::string line;
  while (std::getline(f, line)) {
    if (line.size() > field.size() && line.compare(0, field.size(), field) == 0 && line[field.size()] == ':')
      return std::atol(line.c_str() + field.size() + 1);
  }
  return -1;
}

long rss_kib(int pid) { return proc_kib(pid, "status", "VmRSS"); }

// Anonymous (private, non-file) memory of a process: its own heap and stacks, without the
// library pages VmRSS also counts (OpenSSL, libstdc++, libc are ~7 MiB of a C++ node's RSS and
// shared with every other process using them).
long anon_kib(int pid) { return proc_kib(pid, "smaps_rollup", "Anonymous"); }

std::string run_capture(const std::string& cmd) {
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    std::array<char, 4096> buf{};
    while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
    pclose(p);
  }
  return out;
}

// A child process with stdin/stdout pipes; closing stdin asks it to exit.
class Child {
 public:
  explicit Child(std::vector<std::string> argv) {
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) return;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    if (posix_spawnp(&m_pid, args[0], &fa, nullptr, args.data(), environ) != 0) m_pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    m_in = in[1];
    m_out = fdopen(out[0], "r");
  }
  ~Child() {
    if (m_in >= 0) close(m_in);
    if (m_pid > 0) {
      for (int i = 0; i < 100; ++i) {
        int st = 0;
        if (waitpid(m_pid, &st, WNOHANG) == m_pid) {
          m_pid = -1;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (m_pid > 0) {
        kill(m_pid, SIGKILL);
        waitpid(m_pid, nullptr, 0);
      }
    }
    if (m_out) std::fclose(m_out);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  int pid() const { return m_pid; }
  std::optional<std::string> read_line() {
    if (!m_out) return std::nullopt;
    std::string line;
    int c;
    while ((c = std::fgetc(m_out)) != EOF && c != '\n') line.push_back(static_cast<char>(c));
    if (c == EOF && line.empty()) return std::nullopt;
    return line;
  }

 private:
  int m_pid = -1;
  int m_in = -1;
  FILE* m_out = nullptr;
};

std::string self_exe() {
  std::array<char, 4096> buf{};
  const auto n = readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  return n > 0 ? std::string(buf.data(), static_cast<std::size_t>(n)) : std::string("bench_throughput");
}

crypto::PrivateKey new_key() { return std::move(*crypto::PrivateKey::generate(crypto::KeyType::ed25519)); }

// ------------------------------------------------------------------ server mode

int serve() {
  raise_nofile();
  asio::io_context io;
  host::Config cfg;
  cfg.max_connections = 30000;
  cfg.conn_manager.max_connections = 30000;  // no trimming of the idle-connection rows
  cfg.run_identify = false;  // measure the transport/handshake pipeline, not identify
  host::Host h(io, new_key(), cfg);
  host::PerfServerConfig pc;
  pc.max_download_bytes = std::uint64_t{1} << 40;
  host::enable_perf_server(h, pc);
  auto tcp = h.listen(*mf::Multiaddr::parse("/ip4/127.0.0.1/tcp/0"));
  auto ws = h.listen(*mf::Multiaddr::parse("/ip4/127.0.0.1/tcp/0/ws"));
  if (!tcp) {
    std::fprintf(stderr, "serve: listen failed: %s\n", tcp.error().message().c_str());
    return 1;
  }
  json ready{{"tcp", tcp->with_peer_id(h.peer_id()).to_string()},
             {"ws", ws ? ws->with_peer_id(h.peer_id()).to_string() : std::string()},
             {"pid", getpid()}};
  std::cout << ready.dump() << std::endl;
  // stdin EOF → stop (the parent closes our stdin when it is done).
  std::thread watcher([&io, &h] {
    std::array<char, 256> b{};
    while (read(0, b.data(), b.size()) > 0) {
    }
    asio::co_spawn(io, h.stop(), [](std::exception_ptr) {});
  });
  io.run();
  watcher.join();
  return 0;
}

// ------------------------------------------------------------------ client measurements

struct Row {
  std::string name;       // "cpp<-cpp tcp+yamux"
  std::string transport;  // for JSON
  double upload_bps = 0, download_bps = 0, streams_bps = 0;
  double setup_us = 0, ping_us = 0, handshakes_per_s = 0;
  std::string error;
};

template <class T>
T run_sync(asio::io_context& io, asio::awaitable<T> a) {
  std::optional<T> out;
  bool done = false;
  asio::co_spawn(io, std::move(a), [&out, &done, &io](std::exception_ptr e, T v) {
    if (!e) out = std::move(v);
    done = true;
    io.stop();  // hosts keep timers running: run() would never run out of work
  });
  io.restart();
  while (!done) {
    io.run();
    io.restart();
  }
  return std::move(*out);
}

asio::awaitable<void> sleep_for(Duration d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  co_await t.async_wait(asio::use_awaitable);
}

asio::awaitable<void> perf_job(host::Host* h, mf::PeerId peer, std::uint64_t down, int* left, std::string* err) {
  auto r = co_await host::run_perf(*h, peer, 0, down);
  if (!r && err->empty()) *err = r.error().message();
  --*left;
}

asio::awaitable<std::string> measure_row(host::Host* h, mf::Multiaddr addr, const Options* o, Row* row) {
  auto c = co_await h->dial(addr);
  if (!c) co_return "dial: " + c.error().message();
  const auto peer = c->remote_peer;
  // single stream upload / download
  auto up = co_await host::run_perf(*h, peer, o->bytes, 0);
  if (!up) co_return "upload: " + up.error().message();
  row->upload_bps = static_cast<double>(o->bytes) * 8 / secs(up->total);
  auto down = co_await host::run_perf(*h, peer, 0, o->bytes);
  if (!down) co_return "download: " + down.error().message();
  row->download_bps = static_cast<double>(o->bytes) * 8 / secs(down->total);
  // parallel streams
  {
    const std::uint64_t per = o->bytes / static_cast<std::uint64_t>(o->streams);
    int left = o->streams;
    std::string err;
    const auto t0 = Clock::now();
    for (int i = 0; i < o->streams; ++i) {
      asio::co_spawn(h->io_context(), perf_job(h, peer, per, &left, &err), asio::detached);
    }
    while (left > 0) co_await sleep_for(std::chrono::milliseconds(1));
    if (!err.empty()) co_return "parallel streams: " + err;
    row->streams_bps = static_cast<double>(per * static_cast<std::uint64_t>(o->streams)) * 8 / secs(Clock::now() - t0);
  }
  // ping on one open stream
  {
    auto s = co_await h->new_stream(peer, host::make_protocols(host::kPingProtocol));
    if (!s) co_return "ping stream: " + s.error().message();
    std::array<std::uint8_t, 32> b{};
    std::vector<double> samples;
    for (int i = 0; i < o->pings + 5; ++i) {
      const auto t0 = Clock::now();
      if (!co_await s->write(BytesView(b))) co_return "ping write failed";
      if (!co_await s->read_exactly(MutBytesView(b))) co_return "ping read failed";
      if (i >= 5) samples.push_back(us(Clock::now() - t0));
    }
    (void)s->close_write();
    row->ping_us = median(samples);
  }
  h->disconnect(peer);
  // connection setup: fresh dial + ping stream round trip
  {
    std::vector<double> samples;
    for (int i = 0; i < o->setup; ++i) {
      while (h->is_connected(peer)) co_await sleep_for(std::chrono::milliseconds(1));
      const auto t0 = Clock::now();
      auto d = co_await h->dial(addr);
      if (!d) co_return "setup dial: " + d.error().message();
      auto p = co_await h->ping(peer);
      if (!p) co_return "setup ping: " + p.error().message();
      samples.push_back(us(Clock::now() - t0));
      h->disconnect(peer);
    }
    row->setup_us = median(samples);
  }
  co_return std::string();
}

asio::awaitable<void> dialer(host::Host* h, mf::Multiaddr addr, int n, int* done, std::string* err) {
  for (int i = 0; i < n; ++i) {
    auto c = co_await h->dial(addr);
    if (!c) {
      if (err->empty()) *err = c.error().message();
      break;
    }
    h->disconnect(c->remote_peer);
    while (h->is_connected(c->remote_peer)) co_await sleep_for(std::chrono::milliseconds(1));
  }
  ++*done;
}

asio::awaitable<double> measure_handshakes(asio::io_context* io, mf::Multiaddr addr, const Options* o,
                                           std::vector<std::unique_ptr<host::Host>>* hosts, std::string* err) {
  int done = 0;
  const auto t0 = Clock::now();
  for (auto& h : *hosts) asio::co_spawn(*io, dialer(h.get(), addr, o->handshakes_per_dialer, &done, err), asio::detached);
  while (done < static_cast<int>(hosts->size())) co_await sleep_for(std::chrono::milliseconds(1));
  co_return static_cast<double>(o->dialers * o->handshakes_per_dialer) / secs(Clock::now() - t0);
}

asio::awaitable<void> dial_one(host::Host* h, mf::Multiaddr addr, int* failed, int* inflight) {
  auto c = co_await h->dial(addr);
  if (!c) ++*failed;
  --*inflight;
}

asio::awaitable<int> open_idle(asio::io_context* io, mf::Multiaddr addr, std::vector<std::unique_ptr<host::Host>>* hosts,
                               std::size_t from) {
  int failed = 0;
  int inflight = 0;
  std::size_t next = from;
  while (next < hosts->size() || inflight > 0) {
    while (inflight < 64 && next < hosts->size()) {
      ++inflight;
      asio::co_spawn(*io, dial_one((*hosts)[next++].get(), addr, &failed, &inflight), asio::detached);
    }
    co_await sleep_for(std::chrono::milliseconds(2));
  }
  co_return failed;
}

asio::awaitable<int> stop_hosts(std::vector<std::unique_ptr<host::Host>>* hosts) {
  for (auto& h : *hosts) co_await h->stop();
  co_return 0;
}

// The JSON ready line a --serve child prints first (empty object if it printed none).
json ready_json(Child& child) {
  try {
    return json::parse(child.read_line().value_or(""));
  } catch (...) {
    return json::object();
  }
}

struct Memory {
  std::string server;
  long idle_kib = 0;
  long idle_anon_kib = 0;
  std::vector<std::pair<int, double>> per_conn_kib;  // (connections, KiB per connection)
  std::vector<std::pair<int, long>> total_kib;
  std::vector<int> failed;
};

Memory measure_memory(asio::io_context& io, const std::string& server, int pid, mf::Multiaddr addr,
                      const std::vector<int>& counts) {
  Memory m;
  m.server = server;
  m.idle_kib = rss_kib(pid);
  m.idle_anon_kib = anon_kib(pid);
  std::vector<std::unique_ptr<host::Host>> hosts;
  host::Config cfg;
  cfg.run_identify = false;
  cfg.max_stream_window = cfg.max_stream_buffer;  // idle clients: no autotune budget needed
  for (int n : counts) {
    const std::size_t from = hosts.size();
    while (hosts.size() < static_cast<std::size_t>(n)) hosts.push_back(std::make_unique<host::Host>(io, new_key(), cfg));
    const int failed = run_sync(io, open_idle(&io, addr, &hosts, from));
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const long rss = rss_kib(pid);
    m.total_kib.emplace_back(n, rss);
    m.per_conn_kib.emplace_back(n, static_cast<double>(rss - m.idle_kib) / n);
    m.failed.push_back(failed);
    std::fprintf(stderr, "  %s: %d idle connections (%d failed): RSS %ld KiB\n", server.c_str(), n, failed, rss);
  }
  (void)run_sync(io, stop_hosts(&hosts));
  hosts.clear();
  io.restart();
  io.poll();
  return m;
}

// js client against `addr`: fills upload/download/streams/setup/ping.
void js_client_row(const std::string& addr, const Options& o, Row* row) {
  std::ostringstream cmd;
  cmd << "node " << LOTUS_SOURCE_DIR << "/bench/js/throughput.mjs --client " << addr << " --bytes " << o.bytes
      << " --streams " << o.streams << " --setup " << o.setup << " --pings " << o.pings << " 2>/dev/null";
  const std::string out = run_capture(cmd.str());
  try {
    const json j = json::parse(out.substr(0, out.find('\n')));
    row->upload_bps = j.at("upload_bps");
    row->download_bps = j.at("download_bps");
    row->streams_bps = j.at("streams_bps");
    row->setup_us = median(j.at("setup_us").get<std::vector<double>>());
    row->ping_us = median(j.at("ping_us").get<std::vector<double>>());
  } catch (const std::exception& e) {
    row->error = std::string("js client failed: ") + e.what();
  }
}

double openssl_chacha_bps() {
  const std::string out = run_capture("openssl speed -evp chacha20-poly1305 -bytes 16384 -seconds 1 2>/dev/null");
  const auto p = out.rfind("ChaCha20-Poly1305");
  if (p == std::string::npos) return 0;
  std::istringstream in(out.substr(p + 17));
  std::string v;
  in >> v;  // "4116070.40k"
  return std::atof(v.c_str()) * 1000 * 8;
}

// Plain TCP over loopback between two processes: 1 GiB written in 256 KiB writes, timed by the
// reader from the first byte to EOF. 0 if it could not run.
double loopback_tcp_bps() {
  constexpr std::size_t kChunk = 256 * 1024;
  constexpr std::size_t kTotal = std::size_t{1} << 30;
  const int ls = ::socket(AF_INET, SOCK_STREAM, 0);
  if (ls < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(ls, 1) != 0 ||
      ::getsockname(ls, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(ls);
    return 0;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(ls);
    return 0;
  }
  if (pid == 0) {
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0 || ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) ::_exit(1);
    std::vector<char> buf(kChunk, 1);
    for (std::size_t sent = 0; sent < kTotal;) {
      const ssize_t n = ::write(s, buf.data(), buf.size());
      if (n <= 0) ::_exit(1);
      sent += static_cast<std::size_t>(n);
    }
    ::_exit(0);
  }
  double bps = 0;
  const int c = ::accept(ls, nullptr, nullptr);
  if (c >= 0) {
    std::vector<char> buf(kChunk);
    std::size_t got = 0;
    ssize_t n = ::read(c, buf.data(), buf.size());
    const auto t0 = std::chrono::steady_clock::now();
    while (n > 0) {
      got += static_cast<std::size_t>(n);
      n = ::read(c, buf.data(), buf.size());
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (got == kTotal && secs > 0) bps = static_cast<double>(got) * 8 / secs;
    ::close(c);
  }
  ::close(ls);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return bps;
}

double noise_bound_hs() {
  const std::string dir = self_exe().substr(0, self_exe().rfind('/'));
  const std::string out = run_capture(dir + "/bench_noise_handshake static 300 2>/dev/null");
  const auto p = out.find("handshakes/s");
  if (p == std::string::npos) return 0;
  auto q = out.rfind("handshakes ", p - 2);
  if (q == std::string::npos) return 0;
  return std::atof(out.c_str() + q + 11);
}

std::string mbit(double bps) {
  std::ostringstream o;
  o.setf(std::ios::fixed);
  o.precision(0);
  o << bps / 1e6;
  return o.str();
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    auto num = [&]() {
      auto v = parse_size(val());
      if (!v || *v == 0) {
        std::fprintf(stderr, "%s: bad number\n", a.c_str());
        std::exit(2);
      }
      return *v;
    };
    if (a == "--serve") return serve();
    if (a == "--bytes") o.bytes = num();
    else if (a == "--streams") o.streams = static_cast<int>(num());
    else if (a == "--setup") o.setup = static_cast<int>(num());
    else if (a == "--pings") o.pings = static_cast<int>(num());
    else if (a == "--dialers") o.dialers = static_cast<int>(num());
    else if (a == "--handshakes") o.handshakes_per_dialer = static_cast<int>(num());
    else if (a == "--js-idle") o.js_idle = static_cast<int>(num());
    else if (a == "--no-js") o.js = false;
    else if (a == "--json") o.json_path = val();
    else if (a == "--idle" || a == "--only") {
      std::stringstream ss(val());
      std::string item;
      if (a == "--idle") o.idle.clear();
      while (std::getline(ss, item, ',')) {
        if (a == "--only") o.only.push_back(item);
        else if (auto v = parse_size(item)) o.idle.push_back(static_cast<int>(*v));
      }
    } else {
      std::fprintf(stderr, "usage: bench_throughput [--bytes N] [--streams N] [--setup N] [--pings N] [--dialers N] "
                           "[--handshakes N] [--idle N,N] [--js-idle N] [--no-js] [--json FILE] [--only LIST]\n");
      return 2;
    }
  }
  raise_nofile();
  log::set_level(log::Level::error);
  std::signal(SIGPIPE, SIG_IGN);

  std::fprintf(stderr, "bench_throughput: %llu bytes per transfer, %d streams\n", static_cast<unsigned long long>(o.bytes),
               o.streams);
  const double chacha = openssl_chacha_bps();
  double tcp_bps = 0;  // best of three: the VM's loopback rate varies run to run
  for (int i = 0; i < 3; ++i) tcp_bps = std::max(tcp_bps, loopback_tcp_bps());
  const double noise_hs = noise_bound_hs();

  Child server({self_exe(), "--serve"});
  const auto ready_line = server.read_line();
  if (!ready_line) {
    std::fprintf(stderr, "C++ server did not start\n");
    return 1;
  }
  const json ready = json::parse(*ready_line);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  asio::io_context io;
  std::vector<Row> rows;
  auto want = [&](const std::string& t) { return o.only.empty() || std::find(o.only.begin(), o.only.end(), t) != o.only.end(); };
  struct Transport {
    std::string id, addr, muxer;
  };
  const std::vector<Transport> transports = {
      {"tcp-yamux", ready.at("tcp"), host::kYamuxProtocol},
      {"tcp-mplex", ready.at("tcp"), host::kMplexProtocol},
      {"ws-yamux", ready.at("ws"), host::kYamuxProtocol},
  };
  for (const auto& t : transports) {
    if (!want(t.id) || t.addr.empty()) continue;
    std::fprintf(stderr, "  cpp<-cpp %s ...\n", t.id.c_str());
    Row row;
    row.name = "cpp<-cpp " + t.id;
    row.transport = t.id;
    host::Config cfg;
    cfg.muxers = {t.muxer};
    auto h = std::make_unique<host::Host>(io, new_key(), cfg);
    row.error = run_sync(io, measure_row(h.get(), *mf::Multiaddr::parse(t.addr), &o, &row));
    // handshakes/s: concurrent dialers, each its own host (own peer id)
    std::vector<std::unique_ptr<host::Host>> dialers;
    host::Config dcfg = cfg;
    dcfg.run_identify = false;
    for (int i = 0; i < o.dialers; ++i) dialers.push_back(std::make_unique<host::Host>(io, new_key(), dcfg));
    std::string err;
    row.handshakes_per_s = run_sync(io, measure_handshakes(&io, *mf::Multiaddr::parse(t.addr), &o, &dialers, &err));
    if (!err.empty() && row.error.empty()) row.error = "handshakes: " + err;
    dialers.push_back(std::move(h));
    (void)run_sync(io, stop_hosts(&dialers));
    rows.push_back(row);
  }

  std::vector<Memory> memory;
  if (!o.idle.empty()) {
    // A fresh server: the one above has run the bulk rows, and memory its allocator kept from
    // them would hide what idle connections cost.
    Child fresh({self_exe(), "--serve"});
    const json fr = ready_json(fresh);
    if (!fr.contains("pid")) {
      std::fprintf(stderr, "second C++ server did not start\n");
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      std::fprintf(stderr, "  idle connections to a fresh C++ server ...\n");
      memory.push_back(measure_memory(io, "cpp", fr.at("pid").get<int>(), *mf::Multiaddr::parse(fr.at("tcp").get<std::string>()), o.idle));
    }
  }

  if (o.js) {
    Child js({"node", std::string(LOTUS_SOURCE_DIR) + "/bench/js/throughput.mjs", "--serve"});
    json jr = ready_json(js);
    if (!jr.contains("addrs")) {
      std::fprintf(stderr, "js server did not start (node / tests/interop/node_modules?)\n");
    } else {
      const std::string jaddr = jr["addrs"][0];
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      {
        std::fprintf(stderr, "  js<-cpp tcp-yamux ...\n");
        Row row;
        row.name = "js<-cpp tcp-yamux";
        row.transport = "tcp-yamux";
        auto h = std::make_unique<host::Host>(io, new_key(), host::Config{});
        row.error = run_sync(io, measure_row(h.get(), *mf::Multiaddr::parse(jaddr), &o, &row));
        std::vector<std::unique_ptr<host::Host>> one;
        one.push_back(std::move(h));
        (void)run_sync(io, stop_hosts(&one));
        rows.push_back(row);
      }
      std::fprintf(stderr, "  cpp<-js tcp-yamux ...\n");
      Row cj;
      cj.name = "cpp<-js tcp-yamux";
      cj.transport = "tcp-yamux";
      js_client_row(ready.at("tcp"), o, &cj);
      rows.push_back(cj);
      std::fprintf(stderr, "  js<-js tcp-yamux ...\n");
      Row jj;
      jj.name = "js<-js tcp-yamux";
      jj.transport = "tcp-yamux";
      js_client_row(jaddr, o, &jj);
      rows.push_back(jj);
      if (o.js_idle > 0) {
        Child jfresh({"node", std::string(LOTUS_SOURCE_DIR) + "/bench/js/throughput.mjs", "--serve"});
        json jf = ready_json(jfresh);
        if (!jf.contains("addrs")) {
          std::fprintf(stderr, "second js server did not start\n");
        } else {
          std::this_thread::sleep_for(std::chrono::milliseconds(300));
          std::fprintf(stderr, "  idle connections to a fresh js server ...\n");
          memory.push_back(measure_memory(io, "js", jf["pid"].get<int>(), *mf::Multiaddr::parse(jf["addrs"][0].get<std::string>()), {o.js_idle}));
        }
      }
    }
  }

  // ------------------------------------------------------------------ report
  json out;
  out["bytes"] = o.bytes;
  out["streams"] = o.streams;
  out["openssl_chacha20_poly1305_16k_bps"] = chacha;
  out["noise_xx_bound_handshakes_per_s"] = noise_hs;
  out["loopback_tcp_bps"] = tcp_bps;
  std::printf("\n%-22s %12s %12s %12s %10s %10s %10s  %s\n", "server<-client", "upload Mb/s", "download", "16 streams",
              "setup us", "ping us", "hs/s", "");
  for (const auto& r : rows) {
    std::printf("%-22s %12s %12s %12s %10.0f %10.0f %10.0f  %s\n", r.name.c_str(), mbit(r.upload_bps).c_str(),
                mbit(r.download_bps).c_str(), mbit(r.streams_bps).c_str(), r.setup_us, r.ping_us, r.handshakes_per_s,
                r.error.c_str());
    out["rows"].push_back({{"name", r.name}, {"transport", r.transport}, {"upload_bps", r.upload_bps},
                           {"download_bps", r.download_bps}, {"streams_bps", r.streams_bps},
                           {"setup_median_us", r.setup_us}, {"ping_median_us", r.ping_us},
                           {"handshakes_per_s", r.handshakes_per_s}, {"error", r.error}});
  }
  std::printf("\nmemory (VmRSS of the server process):\n");
  for (const auto& m : memory) {
    std::printf("  %-4s idle %ld KiB (anonymous %ld KiB)", m.server.c_str(), m.idle_kib, m.idle_anon_kib);
    json jm{{"server", m.server}, {"idle_kib", m.idle_kib}, {"idle_anon_kib", m.idle_anon_kib}};
    for (std::size_t i = 0; i < m.per_conn_kib.size(); ++i) {
      std::printf(";  %d conns: %ld KiB total, %.1f KiB/conn (%d failed)", m.per_conn_kib[i].first, m.total_kib[i].second,
                  m.per_conn_kib[i].second, m.failed[i]);
      jm["connections"].push_back({{"n", m.per_conn_kib[i].first}, {"total_kib", m.total_kib[i].second},
                                   {"per_conn_kib", m.per_conn_kib[i].second}, {"failed", m.failed[i]}});
    }
    std::printf("\n");
    out["memory"].push_back(jm);
  }

  // ratios against the targets
  auto row_of = [&](const std::string& n) -> const Row* {
    for (const auto& r : rows)
      if (r.name == n) return &r;
    return nullptr;
  };
  auto mem_of = [&](const std::string& n) -> const Memory* {
    for (const auto& m : memory)
      if (m.server == n) return &m;
    return nullptr;
  };
  std::printf("\nyardsticks: openssl chacha20-poly1305 16 KiB: %s Mbit/s; loopback TCP (no crypto): %s Mbit/s; "
              "Noise XX crypto bound: %.0f handshakes/s\n",
              mbit(chacha).c_str(), mbit(tcp_bps).c_str(), noise_hs);
  std::printf("targets:\n");
  json targets;
  if (const Row* r = row_of("cpp<-cpp tcp-yamux")) {
    const double best = std::max(r->upload_bps, r->download_bps);
    if (chacha > 0) {
      std::printf("  single-stream / chacha rate   = %.2f  (target >= 0.60)\n", best / chacha);
      targets["single_stream_vs_chacha"] = best / chacha;
      if (tcp_bps > 0) {
        const double ceiling = 1 / (1 / chacha + 1 / tcp_bps);
        std::printf("  single-stream / (seal + send) = %.2f  (1/(1/chacha + 1/tcp) = %s Mbit/s: one core seals and sends)\n",
                    best / ceiling, mbit(ceiling).c_str());
        targets["single_stream_vs_seal_send_ceiling"] = best / ceiling;
      }
    }
    if (const Row* j = row_of("js<-js tcp-yamux"); j && j->download_bps > 0) {
      std::printf("  single-stream cpp / js        = %.2f  (target ~5)\n", best / std::max(j->upload_bps, j->download_bps));
      targets["single_stream_cpp_vs_js"] = best / std::max(j->upload_bps, j->download_bps);
    }
    if (noise_hs > 0) {
      std::printf("  handshakes/s / noise bound    = %.2f  (target >= 0.50)\n", r->handshakes_per_s / noise_hs);
      targets["handshakes_vs_noise_bound"] = r->handshakes_per_s / noise_hs;
    }
  }
  const Memory* mc = mem_of("cpp");
  const Memory* mj = mem_of("js");
  if (mc && mj && mc->idle_kib > 0) {
    std::printf("  idle RSS js / cpp             = %.1f  (target >= 20)\n", static_cast<double>(mj->idle_kib) / mc->idle_kib);
    targets["idle_rss_js_over_cpp"] = static_cast<double>(mj->idle_kib) / mc->idle_kib;
    if (mc->idle_anon_kib > 0 && mj->idle_anon_kib > 0) {
      std::printf("  idle anonymous js / cpp       = %.1f  (RSS without shared library pages)\n",
                  static_cast<double>(mj->idle_anon_kib) / mc->idle_anon_kib);
      targets["idle_anon_js_over_cpp"] = static_cast<double>(mj->idle_anon_kib) / mc->idle_anon_kib;
    }
    if (!mc->per_conn_kib.empty() && !mj->per_conn_kib.empty() && mc->per_conn_kib.front().second > 0) {
      const double ratio = mj->per_conn_kib.front().second / mc->per_conn_kib.front().second;
      std::printf("  per-conn RSS js / cpp         = %.1f  (target >= 10)\n", ratio);
      targets["per_conn_js_over_cpp"] = ratio;
    }
  }
  if (mc) {
    for (std::size_t i = 0; i < mc->total_kib.size(); ++i) {
      if (mc->total_kib[i].first == 10000) {
        std::printf("  10,000 idle connections: %.0f MiB  (target < 1024)\n", static_cast<double>(mc->total_kib[i].second) / 1024);
        targets["rss_10000_conns_mib"] = static_cast<double>(mc->total_kib[i].second) / 1024;
      }
    }
  }
  out["targets"] = targets;
  std::ofstream(o.json_path) << out.dump(2) << "\n";
  std::printf("\nJSON written to %s\n", o.json_path.c_str());
  // A row that could not run is a failure of the program (numbers never are).
  for (const auto& r : rows)
    if (!r.error.empty()) return 1;
  return 0;
}
