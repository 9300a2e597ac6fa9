// lotus::node::Node — one lotus-p2pd daemon's objects on its io_context: the identity key in the
// data directory, the host built from the NodeConfig, the services (node/service.hpp) and the
// control API server with the core methods (control_methods.hpp), /metrics and /status.
//
//   constructed ──start()──▶ running ──stop()──▶ stopped
//        └──start() fails──▶ (error_message(); destroy it)
//
// start(): data dir (created 0700) → identity (<data dir>/identity.key, created 0600 on first
// start) → services built from the registry (services/registry.cpp, then
// NodeOptions::extra_services) → each adjusts the host configuration → host listeners → each
// service starts, in order → core and service control methods → control API (endpoint written
// to <data dir>/api).
// stop(): closes the control API, stops the services in reverse order, stops the host (yamux
// GoAway on every connection, tasks joined), lets the services finish (peer store flush),
// removes <data dir>/api and the control socket.
//
// Features the configuration enables but no service implements are listed in report() (one
// line each). Threading: everything on the io_context thread (run one thread on it).
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
#include "node/node_options.hpp"
#include "node/peer_db.hpp"
#include "node/service.hpp"
#include "pubsub/pubsub.hpp"
#include "runtime/asio_fwd.hpp"

namespace lotus::dht {
class Dht;
}

namespace lotus::node {

class Node {
 public:
  using Options = NodeOptions;

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
  // The running services in start order, and lookup by type or name.
  const ServiceDirectory& services() const;
  template <class T>
  T* service() const {
    return services().find<T>();
  }

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
