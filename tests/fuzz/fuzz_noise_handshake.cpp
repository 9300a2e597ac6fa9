// Two modes, chosen by the first input byte:
//  * raw (even): arbitrary bytes into a Noise responder, and into an initiator after start(); the
//    first byte also chooses how the rest is split into on_bytes calls;
//  * pair (odd): two real engines back to back; the input scripts which direction delivers how
//    many bytes next, and may flip bits in flight. Property: without a flip both sides complete
//    and the channels round-trip data (decrypt() and decrypt_in_place()), and the input itself
//    is then fed to decrypt_in_place() as hostile transport frames; with a flip, nobody
//    completes with a wrong peer.
// Must never crash, hang or grow memory.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

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

const crypto::PrivateKey& identity2() {
  static const crypto::PrivateKey k = [] {
    DeterministicRng rng(2);
    return std::move(*crypto::PrivateKey::generate(crypto::KeyType::secp256k1, rng));
  }();
  return k;
}

void pair_mode(const std::uint8_t* data, std::size_t size) {
  using proto::noise::Handshake;
  using proto::noise::Role;
  proto::noise::Config ci, cr;
  ci.identity = &identity();
  ci.expected_remote = identity2().peer_id();
  ci.muxers = {"/yamux/1.0.0"};
  cr.identity = &identity2();
  DeterministicRng ri(5), rr(6);
  Handshake init(Role::initiator, ci, ri), resp(Role::responder, cr, rr);
  if (!init.start()) std::abort();
  Bytes to_resp, to_init;
  bool tampered = false, failed = false;
  std::size_t i = 0;
  for (int guard = 0; guard < 10000; ++guard) {
    append(to_resp, init.output());
    init.output().clear();
    append(to_init, resp.output());
    resp.output().clear();
    if ((to_resp.empty() && to_init.empty()) || failed) break;
    const std::uint8_t b = i < size ? data[i++] : 0x7e;
    if (b == 0xff && i + 1 < size) {  // flip a bit in flight
      Bytes& w = data[i] & 1 ? to_init : to_resp;
      if (!w.empty()) {
        w[data[i + 1] % w.size()] ^= static_cast<std::uint8_t>(1u << (data[i] >> 5));
        tampered = true;
      }
      i += 2;
      continue;
    }
    const bool to_r = (b & 1) ? !to_resp.empty() : to_init.empty();
    Bytes& w = to_r ? to_resp : to_init;
    Handshake& h = to_r ? resp : init;
    const std::size_t n = std::min<std::size_t>(w.size(), 1 + (b >> 1) * 3);
    if (h.complete()) {
      break;
    }
    if (!h.on_bytes(BytesView(w).first(n))) failed = true;
    w.erase(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(n));
  }
  if (tampered) {
    // Any completed side must still have authenticated the right peer.
    if (init.complete() && init.finish()->remote_peer != identity2().peer_id()) std::abort();
    return;
  }
  if (failed || !init.complete()) std::abort();
  if (!resp.complete()) {
    if (!resp.on_bytes(to_resp)) std::abort();
    to_resp.clear();
  }
  if (!resp.complete()) std::abort();
  auto a = init.finish();
  auto b = resp.finish();
  if (!a || !b || b->remote_peer != identity().peer_id()) std::abort();
  Bytes wire, out;
  const Bytes msg(data, data + size);
  if (!a->channel.encrypt(msg, wire) || !b->channel.decrypt(wire, out) || out != msg) std::abort();
  // The in-place data path gives the same plaintext...
  ByteBuffer w2;
  Bytes out2;
  if (!a->channel.encrypt(msg, w2)) std::abort();
  auto used = b->channel.decrypt_in_place(w2.mut_view(), [&](BytesView p) -> Status {
    append(out2, p);
    return {};
  });
  if (!used || *used != w2.size() || out2 != msg) std::abort();
  // ...and takes the input itself as transport frames without crashing (almost always a bad
  // length or tag: a clean error).
  Bytes hostile(data, data + size);
  (void)b->channel.decrypt_in_place(hostile, [](BytesView) -> Status { return {}; });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  if (data[0] & 1) {
    pair_mode(data + 1, size - 1);
    return 0;
  }
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
