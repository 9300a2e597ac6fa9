// Bootstrapper: keeps a node connected to its configured bootstrap peers.
//
// For each configured address (/ip4|ip6|dns|dns4|dns6/…/tcp/<port>/p2p/<id>, or
// /dnsaddr/<name>[/p2p/<id>]) one task:
//
//   resolve ──▶ dial every peer not connected ──all connected──▶ wait for a disconnect ─┐
//     ▲                 │ some failed                                                   │
//     │                 ▼                                                               │
//     └──────── wait backoff(failures) ◀───────── (a disconnect: failures = 0) ◀────────┘
//
//  * resolution: /dnsaddr/ and /dns*/ through the DnsResolver when one is given (TXT
//    "dnsaddr=" records, recursively); without one, /dns*/ is left to the host's resolver and
//    /dnsaddr/ entries fail (logged, retried with backoff).
//  * every resolved bootstrap peer is protected in the host's connection manager (tag
//    BootstrapConfig::protect_tag) and its addresses go to the peer store; a PeerDiscovered
//    callback runs once per peer and whenever its resolved address set changes.
//  * backoff: initial × multiplier^failures, capped at max_backoff, times a random factor in
//    [1 - jitter, 1 + jitter] (Backoff, a pure helper tested with virtual time).
//  * below the connection manager's min_connections the host asks the bootstrapper for peers
//    (a peer source): waiting entries then retry at once (their failure count is kept).
//
// Lifetime: start() spawns the tasks on the host's io_context; stop() ends them (waits are
// interrupted at once; a dial in flight finishes first, bounded by the host's dial and
// handshake timeouts); co_await join() waits until they ended. The Host must outlive the
// tasks: stop() + join() before Host::stop(), or Host::stop() first (dials then fail fast).
// Destroying a Bootstrapper calls stop(); its tasks keep only shared state alive.
// Single-threaded: call everything on the host's io_context thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/rng.hpp"
#include "base/time.hpp"
#include "multiformats/multiaddr.hpp"
#include "multiformats/peer_id.hpp"
#include "runtime/asio_fwd.hpp"

namespace lotus::host {
class Host;
}
namespace lotus::runtime {
class DnsResolver;
}

namespace lotus::node {

struct BackoffConfig {
  Duration initial = std::chrono::seconds(1);
  Duration max = std::chrono::minutes(5);
  double multiplier = 2.0;
  double jitter = 0.2;  // ± fraction of the delay
};

// Exponential backoff with jitter. delay(n) for the n-th consecutive failure (0-based).
class Backoff {
 public:
  explicit Backoff(BackoffConfig cfg = {}) : m_cfg(cfg) {}
  Duration delay(unsigned failures, Rng& rng) const;
  const BackoffConfig& config() const noexcept { return m_cfg; }

 private:
  BackoffConfig m_cfg;
};

struct BootstrapConfig {
  std::vector<mf::Multiaddr> peers;
  BackoffConfig backoff{};
  bool protect = true;                      // protect bootstrap peers in the connection manager
  std::string protect_tag = "bootstrap";
  std::size_t max_peers_per_entry = 16;     // resolved peers used per configured address
  std::size_t max_addrs_per_peer = 8;
};

struct PeerDiscovered {
  mf::PeerId peer;
  std::vector<mf::Multiaddr> addrs;  // dialable, without /p2p/
  std::string source;                // the configured address that produced it
};
using DiscoveryCallback = std::function<void(const PeerDiscovered&)>;

class Bootstrapper {
 public:
  // `resolver` may be null (see the header comment); not owned, must outlive the tasks.
  Bootstrapper(host::Host& host, BootstrapConfig config, runtime::DnsResolver* resolver = nullptr);
  ~Bootstrapper();
  Bootstrapper(const Bootstrapper&) = delete;
  Bootstrapper& operator=(const Bootstrapper&) = delete;

  // Called on the io_context thread for each discovered bootstrap peer. Set before start().
  void set_discovery_callback(DiscoveryCallback cb);
  void start();
  void stop();
  asio::awaitable<void> join();

  // Bootstrap peers resolved so far.
  std::vector<mf::PeerId> peers() const;
  // Dial attempts made (all entries), for observability and tests.
  std::uint64_t attempts() const;

  struct State;

 private:
  std::shared_ptr<State> m_state;
};

}  // namespace lotus::node
