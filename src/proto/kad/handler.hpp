// Server side of kad-dht (libp2p/specs kad-dht "RPC messages"): answers one request.
//  * FIND_NODE: closerPeers = the k closest peers in the routing table to SHA-256(key), without
//    the requester; just ourselves if key is our own peer id.
//  * GET_VALUE: the stored record (if any) and closerPeers.
//  * PUT_VALUE: record.key must equal key; validated by the registry; a record that loses
//    against the stored one (select) is refused (outdated_record); stored, request echoed.
//  * ADD_PROVIDER: every providerPeers entry equal to the sender is stored (go-libp2p's rule; js
//    adds the sender unconditionally); none -> provider_not_sender. No response (nullopt).
//  * GET_PROVIDERS: stored providers and closerPeers.
//  * PING: PING.
// Errors mean the driver should reset the stream (and may penalise the peer).
// Not done: routing-table updates from requesters (the driver knows if they are servers),
// timeReceived stamping (engines have no wall clock), CID validation of provider keys.
#pragma once

#include <optional>

#include "base/result.hpp"
#include "base/time.hpp"
#include "proto/kad/message.hpp"
#include "proto/kad/provider_store.hpp"
#include "proto/kad/record_store.hpp"
#include "proto/kad/routing_table.hpp"
#include "proto/kad/validator.hpp"

namespace lotus::proto::kad {

struct HandlerConfig {
  std::size_t k = 20;              // closer peers per response
  std::size_t max_providers = 20;  // provider peers per response
};

class RequestHandler {
 public:
  // All references must outlive the handler. `self` is our id with the addrs we advertise.
  RequestHandler(PeerInfo self, const RoutingTable& table, RecordStore& records,
                 ProviderStore& providers, const ValidatorRegistry& validators,
                 HandlerConfig config = {});

  Result<std::optional<Message>> handle_request(const mf::PeerId& from, const Message& request,
                                                TimePoint now);
  void set_self_addrs(std::vector<mf::Multiaddr> addrs) { m_self.addrs = std::move(addrs); }

 private:
  std::vector<PeerInfo> closer(const Message& request, const mf::PeerId& from) const;

  PeerInfo m_self;
  const RoutingTable& m_table;
  RecordStore& m_records;
  ProviderStore& m_providers;
  const ValidatorRegistry& m_validators;
  HandlerConfig m_cfg;
};

}  // namespace lotus::proto::kad
