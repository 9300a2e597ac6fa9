// Kademlia DHT module configuration: the protocol id and the per-component settings.
#pragma once

#include <string>
#include <string_view>

#include "proto/kad/handler.hpp"
#include "proto/kad/lookup.hpp"
#include "proto/kad/message.hpp"
#include "proto/kad/provider_store.hpp"
#include "proto/kad/record_store.hpp"
#include "proto/kad/routing_table.hpp"

namespace lotus::proto::kad {

inline constexpr std::string_view kPublicProtocolId = "/ipfs/kad/1.0.0";  // public Amino DHT
inline constexpr std::string_view kLotusProtocolId = "/lotus/kad/1.0.0";  // Lotus network

struct Config {
  std::string protocol_id = std::string(kPublicProtocolId);
  Limits limits;
  RoutingConfig routing;
  LookupConfig lookup;
  HandlerConfig handler;
  RecordStoreConfig records;
  ProviderStoreConfig providers;
};

}  // namespace lotus::proto::kad
