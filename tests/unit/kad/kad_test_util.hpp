// Shared helpers for the kad tests: deterministic peer ids and addresses, and a stand-in
// validator for an application namespace.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <system_error>

#include "base/rng.hpp"
#include "multiformats/multiaddr.hpp"
#include "multiformats/peer_id.hpp"
#include "proto/kad/key.hpp"
#include "proto/kad/message.hpp"
#include "proto/kad/validator.hpp"

namespace kadtest {

using namespace lotus;
using namespace lotus::proto::kad;

// An identity peer id over a (random, structurally valid) Ed25519 PublicKey protobuf.
inline mf::PeerId make_peer(std::uint64_t seed) {
  DeterministicRng rng(seed);
  Bytes pk = {0x08, 0x01, 0x12, 0x20};
  pk.resize(36);
  rng.fill(MutBytesView(pk).subspan(4));
  return mf::PeerId::from_public_key(pk);
}

inline mf::Multiaddr ip4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d,
                         std::uint16_t port = 4001) {
  mf::Multiaddr m;
  m.push({mf::proto::ip4, {a, b, c, d}});
  m.push({mf::proto::tcp, {static_cast<std::uint8_t>(port >> 8), static_cast<std::uint8_t>(port & 0xff)}});
  return m;
}

inline PeerInfo info(const mf::PeerId& id, std::vector<mf::Multiaddr> addrs = {}) {
  return PeerInfo{id, std::move(addrs), ConnectionType::not_connected};
}

// An application namespace for the engine tests (Lotus's "resource:" validator lives in the
// coordinator layer and is tested there): any non-empty value is valid; the bytewise greatest
// value is the best ("3" beats "2"), ties keep the earliest.
class TestValidator final : public Validator {
 public:
  Status validate(BytesView, BytesView value) const override {
    if (value.empty()) return std::make_error_code(std::errc::invalid_argument);
    return {};
  }
  std::size_t select(BytesView, std::span<const BytesView> values) const override {
    std::size_t best = 0;
    for (std::size_t i = 1; i < values.size(); ++i)
      if (std::lexicographical_compare(values[best].begin(), values[best].end(), values[i].begin(), values[i].end()))
        best = i;
    return best;
  }
};

// kad's defaults ("/pk/") plus TestValidator for keys starting with `prefix`.
inline ValidatorRegistry test_validators(std::string prefix = "test:") {
  auto r = ValidatorRegistry::with_defaults();
  r.add(std::move(prefix), std::make_shared<TestValidator>());
  return r;
}

}  // namespace kadtest
