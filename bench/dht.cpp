// DHT lookup latency on 50-node loopback networks, C++ vs js, in the same run:
//  * C++: 50 lotus hosts + lotus::dht::Dht (server mode, /lotus/kad/1.0.0) on one io_context
//    thread, wired as node i -> node 0 and node i-1, each bootstrapped; then `lookups`
//    get_closest_peers(random 32-byte key) from deterministic origins, one at a time.
//  * js: bench/js/dht.mjs builds the same network of js-libp2p + @libp2p/kad-dht 16.1.0 nodes
//    in one node process and runs the same number of lookups (skipped if node is missing).
// Prints min / median / p90 latency and answered RPCs per lookup (and hops for C++).
// Hops/messages per lookup at 1000 nodes come from the kad simulation (lotus_test_kad,
// KadSim.*), which prints them. Usage: bench_dht [nodes=50] [lookups=50]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/rng.hpp"
#include "crypto/keys.hpp"
#include "dht/dht.hpp"
#include "host/host.hpp"
#include "runtime/asio.hpp"

using namespace lotus;

namespace {

template <class T>
void report(const char* what, std::vector<T> v, const char* unit) {
  if (v.empty()) {
    std::printf("%-40s no samples\n", what);
    return;
  }
  std::sort(v.begin(), v.end());
  std::printf("%-40s n=%-4zu min %10.1f  median %10.1f  p90 %10.1f %s\n", what, v.size(), double(v.front()),
              double(v[v.size() / 2]), double(v[v.size() * 9 / 10]), unit);
}

struct Net {
  asio::io_context io;
  std::vector<std::unique_ptr<host::Host>> hosts;
  std::vector<std::unique_ptr<dht::Dht>> dhts;
  std::vector<mf::Multiaddr> addrs;
};

asio::awaitable<void> run_cpp(Net& net, std::size_t lookups) {
  const auto t0 = Clock::now();
  const std::size_t n = net.hosts.size();
  for (std::size_t i = 1; i < n; ++i) {
    (void)co_await net.hosts[i]->dial(net.addrs[0]);
    (void)co_await net.hosts[i]->identify(net.hosts[0]->peer_id());
    if (i > 1) {
      (void)co_await net.hosts[i]->dial(net.addrs[i - 1]);
      (void)co_await net.hosts[i]->identify(net.hosts[i - 1]->peer_id());
    }
  }
  for (auto& d : net.dhts) (void)co_await d->bootstrap();
  std::printf("C++ network: %zu nodes set up in %.0f ms\n", n,
              std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  DeterministicRng rng(12345);
  std::vector<double> lat;
  std::vector<std::size_t> hops, answered;
  for (std::size_t i = 0; i < lookups; ++i) {
    const std::size_t from = static_cast<std::size_t>(rng.uniform(n));
    Bytes key(32);
    rng.fill(key);
    const auto s = Clock::now();
    auto r = co_await net.dhts[from]->get_closest_peers(std::move(key));
    const auto e = Clock::now();
    if (!r) {
      std::printf("lookup failed: %s\n", r.error().message().c_str());
      continue;
    }
    lat.push_back(std::chrono::duration<double, std::micro>(e - s).count());
    hops.push_back(r->stats.hops);
    answered.push_back(r->stats.queried);
  }
  report("C++ FIND_NODE lookup latency", lat, "us");
  report("C++ peers answered per lookup", answered, "");
  report("C++ hops per lookup", hops, "");
  for (auto& d : net.dhts) co_await d->stop();
  for (auto& h : net.hosts) co_await h->stop();
}

void run_js(std::size_t nodes, std::size_t lookups) {
  const std::string cmd = std::string("node ") + LOTUS_SOURCE_DIR + "/bench/js/dht.mjs --nodes " +
                          std::to_string(nodes) + " --lookups " + std::to_string(lookups) + " 2>/dev/null";
  std::FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) {
    std::printf("js: could not start node\n");
    return;
  }
  std::string out;
  char buf[4096];
  while (std::size_t k = std::fread(buf, 1, sizeof buf, p)) out.append(buf, k);
  const int rc = ::pclose(p);
  auto j = nlohmann::json::parse(out, nullptr, false);
  if (rc != 0 || j.is_discarded() || !j.contains("samples_us")) {
    std::printf("js: run failed (rc %d): %s\n", rc, out.c_str());
    return;
  }
  std::printf("js network: %zu nodes set up in %lld ms\n", nodes, j.value("setup_ms", 0LL));
  report("js FIND_NODE lookup latency", j["samples_us"].get<std::vector<double>>(), "us");
  report("js peers answered per lookup", j["rpcs"].get<std::vector<std::size_t>>(), "");
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t nodes = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 50;
  const std::size_t lookups = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 50;
  Net net;
  for (std::size_t i = 0; i < nodes; ++i) {
    auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
    if (!key) return 1;
    net.hosts.push_back(std::make_unique<host::Host>(net.io, std::move(*key)));
    auto bound = net.hosts.back()->listen(*mf::Multiaddr::parse("/ip4/127.0.0.1/tcp/0"));
    if (!bound) return 1;
    net.addrs.push_back(bound->with_peer_id(net.hosts.back()->peer_id()));
    dht::Config cfg;
    cfg.protocol_id = "/lotus/kad/1.0.0";
    net.dhts.push_back(std::make_unique<dht::Dht>(*net.hosts.back(), cfg));
    if (!net.dhts.back()->start()) return 1;
  }
  asio::co_spawn(net.io, run_cpp(net, lookups), asio::detached);
  net.io.run();
  net.dhts.clear();
  net.hosts.clear();
  run_js(nodes, lookups);
  return 0;
}
