// lotus::node::Service — one feature of the daemon (DHT, GossipSub, bootstrap, connection
// manager, peer store, security, …) as a plug-in of node::Node, and the ordered registry of
// the built-in ones.
//
// Life of a service (all on the node's io_context thread):
//
//   factory(config, options) ──▶ nullptr: the configuration does not enable it
//        │ a Service
//        ▼
//   configure_host(host::Config&)   every service, in registry order, before the host exists
//        ▼
//   start(ServiceContext&)          in registry order, after the host listens; a failure stops
//        │                          the node's start (the services started so far are stopped)
//        ▼
//   add_methods / status / metrics  while running: control API methods, a section of
//        │                          GET /status (under name()), families of GET /metrics
//        ▼
//   stop()                          in reverse order, before the host stops
//   after_host_stopped()            in reverse order, after the host stopped (its dials have
//                                   failed by then: join tasks, final flushes)
//
// Adding a feature: its library in its own folder (below node), one file here in
// src/node/services/ that adapts it (a Service and a factory), and one line in
// src/node/services/registry.cpp. Its configuration keys are declared in the config schema
// (node/config*.cpp), its section in NodeConfig.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "base/result.hpp"
#include "node/config.hpp"
#include "node/control.hpp"
#include "runtime/asio_fwd.hpp"

namespace lotus::crypto {
class PrivateKey;
}
namespace lotus::host {
class Host;
struct Config;
}  // namespace lotus::host
namespace lotus::runtime {
class DnsResolver;
}

namespace lotus::node {

class PromWriter;
class Service;

// Options of the embedding program that are not configuration keys (see node.hpp).
struct NodeOptions;

// The services of a node, for services that use another one (started before them).
class ServiceDirectory {
 public:
  explicit ServiceDirectory(const std::vector<std::unique_ptr<Service>>& services) : m_services(services) {}
  // The first service of type T, or nullptr.
  template <class T>
  T* find() const {
    for (const auto& s : m_services)
      if (auto* t = dynamic_cast<T*>(s.get())) return t;
    return nullptr;
  }
  Service* find(std::string_view name) const;

 private:
  const std::vector<std::unique_ptr<Service>>& m_services;
};

// What a service may use while it starts. References stay valid for the node's lifetime.
struct ServiceContext {
  asio::io_context& io;
  host::Host& host;
  const LoadedConfig& loaded;
  const NodeOptions& options;
  // The node's identity key. A service that needs its own copy makes one explicitly
  // (crypto::PrivateKey has no implicit copy) and is responsible for it.
  const crypto::PrivateKey& identity;
  runtime::DnsResolver* dns;          // the node's resolver (outlives the services)
  std::vector<std::string>& report;   // lines for the operator, printed after start
  const ServiceDirectory& services;

  // Sets the start failure message (names the file/address/key) and returns `ec`.
  Status fail(std::error_code ec, std::string message) {
    error = std::move(message);
    return ec;
  }
  std::string error;
};

class Service {
 public:
  virtual ~Service() = default;
  Service() = default;
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Stable, snake_case: the key of its GET /status section and the prefix of its log lines.
  virtual std::string_view name() const = 0;
  virtual void configure_host(host::Config&) {}
  // On failure: return ctx.fail(ec, "what failed, naming the file/address").
  virtual Status start(ServiceContext& ctx) = 0;
  virtual asio::awaitable<void> stop();
  virtual asio::awaitable<void> after_host_stopped();
  virtual void add_methods(ControlRouter&) {}
  // This service's section of GET /status (and the `status` method); nullopt: none.
  virtual std::optional<Json> status() const { return std::nullopt; }
  // Families for GET /metrics (names unique across the node, lotus_p2p_ prefix added).
  virtual void metrics(PromWriter&) const {}
};

// A registry entry: builds the service when the configuration enables it.
struct ServiceFactory {
  std::string name;
  // The feature names (node/config.hpp unimplemented_features) this service implements, so
  // the start-up report does not call them "not built yet".
  std::vector<std::string_view> features;
  std::function<std::unique_ptr<Service>(const LoadedConfig&, const NodeOptions&)> make;
};

// The built-in services in start order (src/node/services/registry.cpp).
const std::vector<ServiceFactory>& builtin_services();

}  // namespace lotus::node
