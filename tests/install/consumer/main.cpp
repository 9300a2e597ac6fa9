// Consumer of an installed lotus-p2p (tests/install): derives an Ed25519 identity from a fixed
// seed and prints its peer id (the same in every build, so the driver can compare the programs
// built via find_package and via pkg-config), and, unless CONSUMER_CRYPTO_ONLY, loads a node
// configuration from TOML text (exercises lotus_p2p::node and its toml++ dependency).
#include <cstdio>
#include <string>

#include "base/rng.hpp"
#include "crypto/keys.hpp"
#include "multiformats/peer_id.hpp"
#ifndef CONSUMER_CRYPTO_ONLY
#include "node/config.hpp"
#endif

int main() {
  lotus::DeterministicRng rng(7);  // reproducible; a real identity comes from SystemRng
  auto key = lotus::crypto::PrivateKey::generate(lotus::crypto::KeyType::ed25519, rng);
  if (!key) {
    std::fprintf(stderr, "consumer: key generation failed: %s\n", key.error().message().c_str());
    return 1;
  }
  const lotus::mf::PeerId id = key->peer_id();
  auto parsed = lotus::mf::PeerId::parse(id.to_string());
  if (!parsed || !(*parsed == id)) {
    std::fprintf(stderr, "consumer: peer id does not parse back\n");
    return 1;
  }
  std::printf("peer-id %s\n", id.to_string().c_str());
#ifndef CONSUMER_CRYPTO_ONLY
  lotus::node::ConfigSources sources;
  sources.data_dir = "/nonexistent/lotus-p2p-consumer";
  auto loaded = lotus::node::load_config_from_text(
      sources, std::string("[connection_manager]\nmax_connections = 77\n"), "consumer.toml");
  if (!loaded) {
    std::fprintf(stderr, "consumer: %s\n", loaded.error().message.c_str());
    return 1;
  }
  std::printf("max-connections %u\n",
              static_cast<unsigned>(loaded->config.connection_manager.max_connections));
#endif
  return 0;
}
