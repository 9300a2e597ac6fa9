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
// Not here (yet): the js reference-style node side by side (a js-libp2p node implementing
// lotus-wire.md §2's framing); see the coord notes.
//
// Usage: bench_coordinator [--n-latency 2000] [--n-throughput 20000] [--window 64]
//                          [--peers 8] [--n-broadcast 500] [--json FILE]
// Benchmark, not a test: prints numbers, never judges them. Exit code 1 only when a part could
// not run (a message never arrived).
#include <algorithm>
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
  int n_latency = 2000, n_throughput = 20000, window = 64, peers = 8, n_broadcast = 500;
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
  }
  for (auto& n : b->nodes) co_await n->coord->stop();
  for (auto& n : b->nodes) co_await n->host->stop();
}

}  // namespace

int main(int argc, char** argv) {
  Bench b;
  std::string json_file;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--n-latency") b.n_latency = std::atoi(next().c_str());
    else if (a == "--n-throughput") b.n_throughput = std::atoi(next().c_str());
    else if (a == "--window") b.window = std::atoi(next().c_str());
    else if (a == "--peers") b.peers = std::atoi(next().c_str());
    else if (a == "--n-broadcast") b.n_broadcast = std::atoi(next().c_str());
    else if (a == "--json") json_file = next();
    else {
      std::fprintf(stderr, "usage: bench_coordinator [--n-latency N] [--n-throughput N] [--window N] [--peers N] "
                           "[--n-broadcast N] [--json FILE]\n");
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
  if (!json_file.empty()) std::ofstream(json_file) << b.out.dump(2) << "\n";
  if (!done || b.failed) {
    std::fprintf(stderr, "bench_coordinator: a part did not complete\n");
    return 1;
  }
  return 0;
}
