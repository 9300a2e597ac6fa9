// The built-in services of lotus-p2pd, in start order (stopped in reverse). A new feature
// adds one line here (node/service.hpp says what a service is).
#include "node/services/builtin.hpp"

namespace lotus::node {

const std::vector<ServiceFactory>& builtin_services() {
  static const std::vector<ServiceFactory> services = {
      security_service(),      // bans and penalties: the first peer gate
      conn_manager_service(),  // watermarks and limits (applied to the host's configuration)
      peer_store_service(),    // <data dir>/peers.sqlite: sees every connection from the start
      dht_service(),           // dht.enabled
      resources_service(),     // with the DHT: resource records and their discovery
      gossipsub_service(),     // gossipsub.enabled
      coordinator_service(),   // P2PCoordinator: /lotus/message/1.0.0, broadcast, topics
      chain_service(),         // chain.chronik_urls: Chronik client, burns, confirmations, watches
      perf_service(),          // NodeOptions::perf_server
      bootstrap_service(),     // bootstrap_peers; last: dials once everything serves
  };
  return services;
}

}  // namespace lotus::node
