// Factories of the built-in services (one file each in src/node/services/), in the order
// registry.cpp starts them. Services that other code reaches by type have their own header
// (dht_service.hpp, gossipsub_service.hpp, peer_store_service.hpp, security_service.hpp).
#pragma once

#include "node/service.hpp"

namespace lotus::node {

ServiceFactory security_service();
ServiceFactory conn_manager_service();
ServiceFactory peer_store_service();
ServiceFactory dht_service();
ServiceFactory resources_service();
ServiceFactory gossipsub_service();
ServiceFactory coordinator_service();
ServiceFactory chain_service();
ServiceFactory perf_service();
ServiceFactory bootstrap_service();

}  // namespace lotus::node
