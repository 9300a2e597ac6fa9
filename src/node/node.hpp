// lotus::node::Node — one lotus-p2pd daemon's objects on its io_context: the host built from the
// NodeConfig, the identity key in the data directory, the SQLite peer store, the control API
// server with the core methods (control_methods.hpp), /metrics and /status.
//
//   constructed ──start()──▶ running ──stop()──▶ stopped
//        └──start() fails──▶ (error_message(); destroy it)
//
// start(): data dir (created 0700) → identity (<data dir>/identity.key, created 0600 on first
// start) → peer store (<data dir>/peers.sqlite) → host listeners → control API (endpoint written
// to <data dir>/api) → redial known good peers in the background.
// stop(): closes the control API, stops the host (yamux GoAway on every connection, tasks
// joined), flushes the peer store, removes <data dir>/api and the control socket.
//
// GossipSub (gossipsub.enabled) is built here: pubsub::PubSub with the reference options, its
// control methods (control_pubsub.hpp), stopped before the host.
// Other services (DHT, connection manager, bootstrap) register their control methods on
// router() and their own tasks; this class does not know them. Features the configuration
// enables but this build does not implement are listed in report() (one line each).
//
// Threading: everything on the io_context thread (run one thread on it).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "host/host.hpp"
#include "node/api_endpoint.hpp"
#include "node/config.hpp"
#include "node/control.hpp"
#include "node/control_server.hpp"
#include "node/metrics_text.hpp"
#include "node/peer_db.hpp"
#include "pubsub/pubsub.hpp"
#include "runtime/asio_fwd.hpp"

namespace lotus::dht {
class Dht;
}

namespace lotus::node {

inline constexpr const char* kVersion = "0.1.0";

class Node {
 public:
  struct Options {
    std::string agent_version = std::string("lotus-p2p/") + kVersion;
    std::chrono::milliseconds peer_db_flush_interval = std::chrono::seconds(2);
    host::Config host;  // base host settings; listen addresses and limits come from the config
    ControlServerConfig control;
  };

  Node(asio::io_context& io, LoadedConfig loaded, Options options);
  Node(asio::io_context& io, LoadedConfig loaded) : Node(io, std::move(loaded), Options{}) {}
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Starts everything (see above). On failure the node is left stopped and error_message() says
  // what failed, naming the file/address.
  Status start();
  const std::string& error_message() const;
  // Lines for the operator (new identity, skipped listen addresses, unbuilt features, API).
  const std::vector<std::string>& report() const;
  bool identity_created() const;

  // Graceful stop (see above). Idempotent.
  asio::awaitable<void> stop();

  host::Host& host();
  const host::Host& host() const;
  ControlRouter& router();
  dht::Dht* dht();  // nullptr unless dht.enabled (then started by start())
  const LoadedConfig& config() const;
  std::optional<ApiEndpoint> api_endpoint() const;
  PeerDb* peer_db();  // nullptr when peer_store.enabled = false
  pubsub::PubSub* pubsub();  // nullptr when gossipsub.enabled = false (its methods: control_pubsub.hpp)

  // What GET /status and GET /metrics serve.
  Json status_json() const;
  MetricsSnapshot metrics_snapshot() const;
  std::string metrics_text() const;

  // Called by the control methods when a dial the user asked for failed (peer store bookkeeping).
  void note_dial_failure(const mf::PeerId& peer);

  struct Impl;

 private:
  std::shared_ptr<Impl> m_impl;
};

}  // namespace lotus::node
