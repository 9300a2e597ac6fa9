// Loopback latency of two lotus-p2p hosts in one process (one io_context thread):
//  * connection setup: TCP connect + multistream /noise + Noise XX + muxer + first stream ready
//    (dial returns), measured N times with fresh connections;
//  * ping RTT over /ipfs/ping/1.0.0 (new stream per ping, as Host::ping does);
//  * stream open + 1-byte echo round trip on an existing connection.
// Prints min / median / p90 in microseconds. Usage: bench_host_latency [iterations]
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "crypto/keys.hpp"
#include "host/host.hpp"
#include "runtime/asio.hpp"

using namespace lotus;

namespace {

double us(Duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

void report(const char* what, std::vector<double> v) {
  if (v.empty()) {
    std::printf("%-34s no samples\n", what);
    return;
  }
  std::sort(v.begin(), v.end());
  std::printf("%-34s n=%-5zu min %8.1f us  median %8.1f us  p90 %8.1f us\n", what, v.size(), v.front(),
              v[v.size() / 2], v[v.size() * 9 / 10]);
}

asio::awaitable<void> echo(host::Stream s) {
  std::array<std::uint8_t, 4096> buf{};
  while (true) {
    auto r = co_await s.read_some(MutBytesView(buf));
    if (!r || *r == 0) break;
    if (!co_await s.write(BytesView(buf.data(), *r))) co_return;
  }
  (void)s.close_write();
}

asio::awaitable<void> bench(host::Host* a, host::Host* b, mf::Multiaddr addr, int n) {
  std::vector<double> setup, ping, stream_rt;
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    auto c = co_await a->dial(addr);
    const auto t1 = Clock::now();
    if (!c) {
      std::printf("dial failed: %s\n", c.error().message().c_str());
      co_return;
    }
    setup.push_back(us(t1 - t0));
    a->disconnect(b->peer_id());
  }
  auto c = co_await a->dial(addr);
  if (!c) co_return;
  for (int i = 0; i < n; ++i) {
    auto r = co_await a->ping(b->peer_id());
    if (r) ping.push_back(us(*r));
  }
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    auto s = co_await a->new_stream(b->peer_id(), host::make_protocols("/echo/1.0.0"));
    if (!s) continue;
    std::array<std::uint8_t, 1> one{42};
    if (!co_await s->write(one)) continue;
    if (!co_await s->read_exactly(MutBytesView(one))) continue;
    stream_rt.push_back(us(Clock::now() - t0));
    (void)s->close_write();
  }
  report("connection setup (dial)", setup);
  report("ping rtt (/ipfs/ping/1.0.0)", ping);
  report("new stream + 1-byte echo", stream_rt);
  co_await a->stop();
  co_await b->stop();
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 200;
  asio::io_context io;
  host::Config cfg;
  cfg.run_identify = false;  // measure the pipeline itself
  auto ka = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
  auto kb = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
  if (!ka || !kb) return 1;
  host::Host a(io, std::move(*ka), cfg);
  host::Host b(io, std::move(*kb), cfg);
  b.set_stream_handler("/echo/1.0.0", &echo);
  auto bound = b.listen(*mf::Multiaddr::parse("/ip4/127.0.0.1/tcp/0"));
  if (!bound) return 1;
  asio::co_spawn(io, bench(&a, &b, bound->with_peer_id(b.peer_id()), n), [](std::exception_ptr) {});
  io.run();
  return 0;
}
