// Coordinator benchmarks (loopback, one process, one io_context thread for every node):
//  1. one-hop latency: A.send_to(B, message) until B's protocol handler has it, sequential
//     (a new /lotus/message/1.0.0 stream per message, as the reference does; the connection
//     exists);
//  2. sendTo throughput: A keeps `--window` send_to calls in flight to B; messages/s delivered to
//     B's handler (parse, validate, HMAC de-dup, routing included);
//  3. broadcast: A directly connected to `--peers` coordinators; broadcasts/s until every peer's
//     handler has every message, and messages/s delivered in total.
// Security limits are lifted (disable_rate_limiting) so the figures measure the message path,
// not the per-peer rate limit. Every wait is on a handler signal with a deadline; no sleeps.
// Then the same three measurements on js-libp2p 3.x nodes running the Lotus reference-style
// coordinator (tests/interop/js/lotus.mjs, written from lotus-wire.md §2), by bench/js/coordinator.mjs
// in the same run (one node process; packages from tests/interop/node_modules, installed by
// scripts/setup.sh, or --node-modules DIR), printed side by side with C++/js ratios. The window
// default is 32 because that is js-libp2p's default inbound stream limit per protocol and
// connection, which the reference keeps (more in flight and js resets the excess streams).
//
// Usage: bench_coordinator [--n-latency 2000] [--n-throughput 20000] [--window 32]
//                          [--peers 8] [--n-broadcast 500] [--no-js] [--node BIN]
//                          [--node-modules DIR] [--json FILE]
// Benchmark, not a test: prints numbers, never judges them. Exit code 1 only when a part could
// not run (a message never arrived, the js helper failed).
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/log.hpp"
#include "coordinator/coordinator.hpp"
#include "crypto/keys.hpp"
#include "host/host.hpp"
#include "runtime/asio.hpp"
#include "runtime/signal.hpp"

using namespace lotus;
using namespace std::chrono_literals;
namespace co = lotus::coordinator;
using json = nlohmann::json;

namespace {

double us(Duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

struct Counter final : co::ProtocolHandler {
  explicit Counter(std::shared_ptr<runtime::Signal> s) : sig(std::move(s)) {}
  std::string protocol_name() const override { return "bench"; }
  void handle_message(const co::P2PMessage&, const co::PeerInfo&) override {
    ++received;
    sig->notify();
  }
  std::shared_ptr<runtime::Signal> sig;
  std::uint64_t received = 0;
};

struct Node {
  std::unique_ptr<host::Host> host;
  std::unique_ptr<co::Coordinator> coord;
  std::shared_ptr<Counter> counter;
  mf::Multiaddr addr;
};

struct Bench {
  asio::io_context io;
  std::vector<std::unique_ptr<Node>> nodes;
  std::shared_ptr<runtime::Signal> sig = std::make_shared<runtime::Signal>(io.get_executor());
  int n_latency = 2000, n_throughput = 20000, window = 32, peers = 8, n_broadcast = 500;
  json out;
  bool failed = false;

  Node& make() {
    auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
    auto n = std::make_unique<Node>();
    n->host = std::make_unique<host::Host>(io, std::move(*key));
    n->addr = n->host->listen(*mf::Multiaddr::parse("/ip4/127.0.0.1/tcp/0"))->with_peer_id(n->host->peer_id());
    co::Config c;
    c.security.disable_rate_limiting = true;
    n->coord = std::make_unique<co::Coordinator>(*n->host, std::move(c));
    (void)n->coord->start();
    n->counter = std::make_shared<Counter>(sig);
    (void)n->coord->register_protocol(n->counter);
    nodes.push_back(std::move(n));
    return *nodes.back();
  }

  co::P2PMessage message(Node& from) {
    co::json::Object payload;
    payload.set("sessionId", "837c9fb78c58315d").set("signerIndex", 1).set("sequenceNumber", 2);
    co::MessageOptions o;
    o.protocol = "bench";
    return from.coord->create_message("musig2:nonce-share", co::json::Value(std::move(payload)), o);
  }

  asio::awaitable<bool> wait_count(Node* n, std::uint64_t target) {
    const auto deadline = Clock::now() + 60s;
    while (n->counter->received < target)
      if (!co_await sig->wait_until(deadline)) co_return n->counter->received >= target;
    co_return true;
  }
};

asio::awaitable<void> send_one(Bench* b, Node* a, Node* to, std::uint64_t* in_flight) {
  const auto m = b->message(*a);
  const mf::PeerId peer = to->host->peer_id();
  (void)co_await a->coord->send_to(peer, m);
  --*in_flight;
  b->sig->notify();
}

asio::awaitable<void> run_all(Bench* b) {
  Node& a = b->make();
  Node& c = b->make();
  if (!co_await a.coord->connect_to_peer(c.addr)) {
    b->failed = true;
    co_return;
  }
  const std::size_t bytes = co::serialize(b->message(a)).size();
  std::printf("-- C++ coordinator --\n");
  // 1. latency
  std::vector<double> lat;
  for (int i = 0; i < b->n_latency; ++i) {
    const auto target = c.counter->received + 1;
    const auto m = b->message(a);
    const mf::PeerId peer = c.host->peer_id();
    const auto t0 = Clock::now();
    auto st = co_await a.coord->send_to(peer, m);
    if (!st || !co_await b->wait_count(&c, target)) {
      b->failed = true;
      co_return;
    }
    lat.push_back(us(Clock::now() - t0));
  }
  std::sort(lat.begin(), lat.end());
  const double median = lat[lat.size() / 2], p99 = lat[std::min(lat.size() - 1, lat.size() * 99 / 100)];
  std::printf("one hop send_to -> handler (%zu-byte message)    median %8.1f us  p99 %8.1f us  (n=%zu)\n", bytes,
              median, p99, lat.size());
  b->out["latency"] = json{{"n", lat.size()}, {"median_us", median}, {"p99_us", p99}, {"message_bytes", bytes}};
  b->out["cpp"]["latency"] = b->out["latency"];

  // 2. throughput
  {
    const auto base = c.counter->received;
    std::uint64_t in_flight = 0;
    const auto t0 = Clock::now();
    for (int i = 0; i < b->n_throughput; ++i) {
      while (in_flight >= static_cast<std::uint64_t>(b->window)) co_await b->sig->wait();
      ++in_flight;
      asio::co_spawn(b->io, send_one(b, &a, &c, &in_flight), [](std::exception_ptr e) {
        if (e) LOTUS_LOG(error, "bench", "a send task failed");
      });
    }
    if (!co_await b->wait_count(&c, base + static_cast<std::uint64_t>(b->n_throughput))) {
      b->failed = true;
      co_return;
    }
    while (in_flight > 0) co_await b->sig->wait();
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("send_to throughput (window %d)                    %10.0f messages/s  (n=%d)\n", b->window,
                b->n_throughput / secs, b->n_throughput);
    b->out["send_to"] = json{{"n", b->n_throughput}, {"window", b->window}, {"messages_per_second", b->n_throughput / secs}};
    b->out["cpp"]["send_to"] = b->out["send_to"];
  }

  // 3. broadcast to `peers` direct peers
  {
    std::vector<Node*> targets{&c};
    for (int i = 1; i < b->peers; ++i) {
      Node& p = b->make();
      if (!co_await a.coord->connect_to_peer(p.addr)) {
        b->failed = true;
        co_return;
      }
      targets.push_back(&p);
    }
    std::vector<std::uint64_t> base;
    for (auto* t : targets) base.push_back(t->counter->received);
    const auto t0 = Clock::now();
    for (int i = 0; i < b->n_broadcast; ++i) {
      const auto m = b->message(a);
      (void)co_await a.coord->broadcast(m);
    }
    for (std::size_t k = 0; k < targets.size(); ++k) {
      if (!co_await b->wait_count(targets[k], base[k] + static_cast<std::uint64_t>(b->n_broadcast))) {
        b->failed = true;
        co_return;
      }
    }
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    const double delivered = static_cast<double>(b->n_broadcast) * static_cast<double>(targets.size());
    std::printf("broadcast to %zu peers (sequential broadcasts)     %10.0f broadcasts/s, %.0f messages/s delivered\n",
                targets.size(), b->n_broadcast / secs, delivered / secs);
    b->out["broadcast"] = json{{"peers", targets.size()},
                               {"n", b->n_broadcast},
                               {"broadcasts_per_second", b->n_broadcast / secs},
                               {"messages_per_second", delivered / secs}};
    b->out["cpp"]["broadcast"] = b->out["broadcast"];
  }
  for (auto& n : b->nodes) co_await n->coord->stop();
  for (auto& n : b->nodes) co_await n->host->stop();
}

// Runs bench/js/coordinator.mjs with the same counts; its one JSON line, or {"error": ...}.
json run_js(const Bench& b, const std::string& node_bin, const std::string& node_modules) {
  std::string cmd = "timeout 600 " + node_bin + " " + LOTUS_SOURCE_DIR + "/bench/js/coordinator.mjs" +
                    " --n-latency " + std::to_string(b.n_latency) + " --n-throughput " + std::to_string(b.n_throughput) +
                    " --window " + std::to_string(b.window) + " --peers " + std::to_string(b.peers) +
                    " --n-broadcast " + std::to_string(b.n_broadcast);
  if (!node_modules.empty()) cmd += " --node-modules '" + node_modules + "'";
  cmd += " 2>/dev/null";
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) return json{{"error", "could not start " + node_bin}};
  std::string out;
  std::array<char, 65536> buf{};
  while (std::size_t k = std::fread(buf.data(), 1, buf.size(), f)) out.append(buf.data(), k);
  const int status = ::pclose(f);
  const int code = status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  auto j = json::parse(out.substr(0, out.find('\n')), nullptr, false);
  if (!j.is_object()) {
    return json{{"error", "js helper failed (exit code " + std::to_string(code) +
                              "; node on PATH? tests/interop/node_modules installed by scripts/setup.sh?)"}};
  }
  if (code != 0 && !j.contains("error")) j["error"] = "js helper exit code " + std::to_string(code);
  return j;
}

void ratio(const char* label, double cpp, double js, json& out, const char* key) {
  if (cpp > 0 && js > 0) {
    std::printf("%-52s %10.3f\n", label, cpp / js);
    out[key] = cpp / js;
  }
}

// Prints the js figures next to ours; false when the js side failed.
bool report_js(Bench& b, const json& j) {
  std::printf("-- js reference-style coordinator (libp2p %s, node %s) --\n", j.value("libp2p", "?").c_str(),
              j.value("node", "?").c_str());
  if (j.contains("error")) {
    std::printf("js: %s\n", j["error"].get<std::string>().c_str());
    b.out["js"]["error"] = j["error"];
    return false;
  }
  auto lat = j.value("latency_us", std::vector<double>{});
  json js_out;
  json& r = b.out["ratios_cpp_over_js"];
  if (!lat.empty()) {
    std::sort(lat.begin(), lat.end());
    const double median = lat[lat.size() / 2], p99 = lat[std::min(lat.size() - 1, lat.size() * 99 / 100)];
    std::printf("one hop sendTo -> handler (%d-byte message)       median %8.1f us  p99 %8.1f us  (n=%zu)\n",
                j.value("message_bytes", 0), median, p99, lat.size());
    js_out["latency"] = json{{"n", lat.size()}, {"median_us", median}, {"p99_us", p99}};
    ratio("one-hop median latency C++/js (target <= 0.1)", b.out["cpp"]["latency"].value("median_us", 0.0), median, r,
          "latency_median");
  }
  if (j.contains("send_to")) {
    const auto& t = j["send_to"];
    std::printf("sendTo throughput (window %d)                      %10.0f messages/s  (n=%d, failed %d)\n",
                t.value("window", 0), t.value("messages_per_second", 0.0), t.value("n", 0), t.value("failures", 0));
    js_out["send_to"] = t;
    ratio("sendTo throughput C++/js (target >= 10)", b.out["cpp"]["send_to"].value("messages_per_second", 0.0),
          t.value("messages_per_second", 0.0), r, "send_to_throughput");
  }
  if (j.contains("broadcast")) {
    const auto& t = j["broadcast"];
    std::printf("broadcast to %d peers (sequential broadcasts)       %10.0f broadcasts/s, %.0f messages/s delivered\n",
                t.value("peers", 0), t.value("broadcasts_per_second", 0.0), t.value("messages_per_second", 0.0));
    js_out["broadcast"] = t;
    ratio("broadcast messages/s C++/js (target >= 10)", b.out["cpp"]["broadcast"].value("messages_per_second", 0.0),
          t.value("messages_per_second", 0.0), r, "broadcast_throughput");
  }
  b.out["js"] = js_out;
  b.out["js"]["libp2p"] = j.value("libp2p", "");
  b.out["js"]["node"] = j.value("node", "");
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Bench b;
  std::string json_file, node_bin = "node", node_modules;
  bool js = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--n-latency") b.n_latency = std::atoi(next().c_str());
    else if (a == "--n-throughput") b.n_throughput = std::atoi(next().c_str());
    else if (a == "--window") b.window = std::atoi(next().c_str());
    else if (a == "--peers") b.peers = std::atoi(next().c_str());
    else if (a == "--n-broadcast") b.n_broadcast = std::atoi(next().c_str());
    else if (a == "--json") json_file = next();
    else if (a == "--no-js") js = false;
    else if (a == "--node") node_bin = next();
    else if (a == "--node-modules") node_modules = next();
    else {
      std::fprintf(stderr, "usage: bench_coordinator [--n-latency N] [--n-throughput N] [--window N] [--peers N] "
                           "[--n-broadcast N] [--no-js] [--node BIN] [--node-modules DIR] [--json FILE]\n");
      return 2;
    }
  }
  if (b.n_latency < 1 || b.n_throughput < 1 || b.window < 1 || b.peers < 1 || b.n_broadcast < 1) {
    std::fprintf(stderr, "bench_coordinator: counts must be >= 1\n");
    return 2;
  }
  bool done = false;
  asio::co_spawn(b.io, run_all(&b), [&](std::exception_ptr) { done = true; });
  b.io.run();
  if (done && !b.failed && js && !report_js(b, run_js(b, node_bin, node_modules))) b.failed = true;
  if (!json_file.empty()) std::ofstream(json_file) << b.out.dump(2) << "\n";
  if (!done || b.failed) {
    std::fprintf(stderr, "bench_coordinator: a part did not complete\n");
    return 1;
  }
  return 0;
}
