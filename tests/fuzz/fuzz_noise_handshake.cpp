// Arbitrary bytes into a Noise responder, and into an initiator after start(). The first input
// byte chooses how the rest is split into on_bytes calls. Must never crash, hang or grow memory.
#include <cstddef>
#include <cstdint>

#include "base/rng.hpp"
#include "crypto/keys.hpp"
#include "proto/noise/handshake.hpp"

using namespace lotus;

namespace {
const crypto::PrivateKey& identity() {
  static const crypto::PrivateKey k = [] {
    DeterministicRng rng(1);
    return std::move(*crypto::PrivateKey::generate(crypto::KeyType::ed25519, rng));
  }();
  return k;
}

void feed(proto::noise::Handshake& h, const std::uint8_t* data, std::size_t size, std::size_t step) {
  for (std::size_t off = 0; off < size; off += step) {
    const std::size_t n = size - off < step ? size - off : step;
    auto st = h.on_bytes(BytesView(data + off, n));
    h.output().clear();
    if (!st) return;
    if (h.complete()) {
      (void)h.finish();
      return;
    }
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t step = 1 + data[0] % 64 * 17;
  ++data;
  --size;
  proto::noise::Config cfg;
  cfg.identity = &identity();
  cfg.muxers = {"/yamux/1.0.0"};
  {
    DeterministicRng rng(2);
    proto::noise::Handshake resp(proto::noise::Role::responder, cfg, rng);
    feed(resp, data, size, step);
  }
  {
    DeterministicRng rng(3);
    proto::noise::Handshake init(proto::noise::Role::initiator, cfg, rng);
    if (init.start()) feed(init, data, size, step);
  }
  return 0;
}
