// bench_noise_handshake: CPU cost of one libp2p Noise XX handshake (both sides, one process, no
// I/O): two Handshake engines with Ed25519 identities pumped back to back until both finish.
// A benchmark program, not a test: it prints what it measured and never fails on a number.
//
// Modes (default: both):
//   fresh   - a new static X25519 key and identity signature per handshake (Config default)
//   static  - each side reuses one pre-generated noise::StaticKey (make_static_key) across
//             handshakes, as js-libp2p does; only the ephemeral keys are new per connection
// Usage: bench_noise_handshake [fresh|static|both] [iterations]   (iterations default 2000)
// Under callgrind, run with a small iteration count and divide by it.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "base/rng.hpp"
#include "crypto/keys.hpp"
#include "proto/noise/handshake.hpp"

using namespace lotus;
using namespace lotus::proto::noise;

namespace {

bool pump(Handshake& a, Handshake& b) {
  for (int i = 0; i < 16 && !(a.complete() && b.complete()); ++i) {
    if (!a.output().empty()) {
      if (!b.on_bytes(a.output())) return false;
      a.output().clear();
    }
    if (!b.output().empty()) {
      if (!a.on_bytes(b.output())) return false;
      b.output().clear();
    }
  }
  return a.complete() && b.complete() && a.finish() && b.finish();
}

struct Side {
  crypto::PrivateKey id;
  std::shared_ptr<const StaticKey> static_key;
};

bool one_handshake(const Side& c, const Side& s, bool use_static, Rng& rng) {
  Config cc, sc;
  cc.identity = &c.id;
  sc.identity = &s.id;
  cc.expected_remote = s.id.peer_id();
  cc.muxers = sc.muxers = {"/yamux/1.0.0"};
  if (use_static) {
    cc.static_key = c.static_key;
    sc.static_key = s.static_key;
  }
  Handshake init(Role::initiator, std::move(cc), rng);
  Handshake resp(Role::responder, std::move(sc), rng);
  if (!init.start()) return false;
  return pump(init, resp);
}

void run(const char* name, bool use_static, const Side& c, const Side& s, int iters) {
  Rng& rng = SystemRng::instance();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < iters; ++i) {
    if (!one_handshake(c, s, use_static, rng)) {
      std::fprintf(stderr, "%s: handshake failed\n", name);
      std::exit(1);
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%-7s %6d handshakes  %8.1f handshakes/s  %7.1f us/handshake (both sides)\n", name,
              iters, iters / secs, secs * 1e6 / iters);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "both";
  const int iters = argc > 2 ? std::atoi(argv[2]) : 2000;
  if ((mode != "fresh" && mode != "static" && mode != "both") || iters <= 0) {
    std::fprintf(stderr, "usage: %s [fresh|static|both] [iterations]\n", argv[0]);
    return 2;
  }
  auto ci = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
  auto si = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
  if (!ci || !si) return 1;
  Side c{std::move(*ci), nullptr}, s{std::move(*si), nullptr};
  auto cs = make_static_key(c.id, SystemRng::instance());
  auto ss = make_static_key(s.id, SystemRng::instance());
  if (!cs || !ss) return 1;
  c.static_key = *cs;
  s.static_key = *ss;
  if (mode != "static") run("fresh", false, c, s, iters);
  if (mode != "fresh") run("static", true, c, s, iters);
  return 0;
}
