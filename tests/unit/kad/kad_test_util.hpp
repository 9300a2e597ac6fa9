// Shared helpers for the kad tests: deterministic peer ids and addresses.
#pragma once

#include <cstdint>

#include "base/rng.hpp"
#include "multiformats/multiaddr.hpp"
#include "multiformats/peer_id.hpp"
#include "proto/kad/key.hpp"
#include "proto/kad/message.hpp"

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

}  // namespace kadtest
