// Peer store: what the host knows about other peers — addresses (dialable, without /p2p/),
// supported protocols, public key, agent and protocol version, the address the peer observed
// for us, and the latest ping RTT. Filled by dialing, identify (and identify push) and ping.
// Bounded: at most Config::max_peers entries and max_addrs_per_peer / max_protocols_per_peer
// per entry (oldest peers without a connection are evicted first). Single-threaded: use it
// from the host's io_context thread only.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/time.hpp"
#include "crypto/keys.hpp"
#include "multiformats/multiaddr.hpp"
#include "multiformats/peer_id.hpp"

namespace lotus::host {

struct PeerInfo {
  explicit PeerInfo(mf::PeerId peer) : id(std::move(peer)) {}
  mf::PeerId id;
  std::vector<mf::Multiaddr> addrs;          // listen/dialable addresses, no /p2p/ suffix
  std::vector<std::string> protocols;        // as reported by identify
  std::optional<crypto::PublicKey> public_key;
  std::string agent_version;
  std::string protocol_version;
  std::optional<mf::Multiaddr> observed_addr;  // our address as this peer saw it
  std::optional<Duration> latency;             // latest ping round-trip time
  bool identified = false;                     // identify completed at least once
};

class PeerStore {
 public:
  struct Limits {
    std::size_t max_peers = 10000;
    std::size_t max_addrs_per_peer = 32;
    std::size_t max_protocols_per_peer = 128;
  };
  PeerStore() = default;
  explicit PeerStore(Limits limits) : m_limits(limits) {}

  std::optional<PeerInfo> get(const mf::PeerId& peer) const;
  bool contains(const mf::PeerId& peer) const { return m_peers.count(peer) != 0; }
  std::vector<mf::PeerId> peers() const;
  std::size_t size() const noexcept { return m_peers.size(); }

  // Mutators (the host calls these; applications may add addresses learnt elsewhere).
  PeerInfo& upsert(const mf::PeerId& peer);
  void add_addrs(const mf::PeerId& peer, const std::vector<mf::Multiaddr>& addrs);
  void set_protocols(const mf::PeerId& peer, std::vector<std::string> protocols);
  void set_latency(const mf::PeerId& peer, Duration rtt);
  void remove(const mf::PeerId& peer);
  // Pins a peer against eviction while it is connected.
  void set_connected(const mf::PeerId& peer, bool connected);

 private:
  struct Entry {
    PeerInfo info;
    bool connected = false;
    std::uint64_t touched = 0;
  };
  void evict_if_needed();
  Limits m_limits;
  std::map<mf::PeerId, Entry> m_peers;
  std::uint64_t m_clock = 0;
};

}  // namespace lotus::host
