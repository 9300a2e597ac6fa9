// lotus::node::NodeOptions — what the embedding program (lotus-p2pd, tests) decides about a
// Node beyond its configuration keys.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "host/host.hpp"
#include "node/control_server.hpp"
#include "node/service.hpp"

namespace lotus::node {

inline constexpr const char* kVersion = "0.1.0";

struct NodeOptions {
  std::string agent_version = std::string("lotus-p2p/") + kVersion;
  std::chrono::milliseconds peer_db_flush_interval = std::chrono::seconds(2);
  host::Config host;  // base host settings; listen addresses and limits come from the config
  ControlServerConfig control;
  // Create identity.key even though the data directory has stores (lotus-p2pd --init-identity):
  // without it a missing key there is a start-up error, so the peer id never changes silently.
  bool init_identity = false;
  // A store (peers.sqlite, dht.sqlite) that fails its integrity check is moved aside
  // (<file>.corrupt-<unix time>) and replaced by an empty one (lotus-p2pd --recover-stores);
  // without it the start fails with the file's name and what to do.
  bool recover_stores = false;
  // Serve /perf/1.0.0 (lotus-p2pd --enable-perf-server; the perf spec says: never by default).
  bool perf_server = false;
  // Services beyond the built-in ones (node/service.hpp), started after them in this order.
  std::vector<ServiceFactory> extra_services;
};

}  // namespace lotus::node
