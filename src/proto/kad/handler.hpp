// Server side of kad-dht (libp2p/specs kad-dht "RPC messages"): answers one request.
//  * FIND_NODE: closerPeers = the k closest peers in the routing table to SHA-256(key), without
//    the requester; just ourselves if key is our own peer id.
//  * GET_VALUE: the stored record (if any) and closerPeers.
//  * PUT_VALUE: record.key must equal key; validated by the registry; a record that loses
//    against the stored one (select) is refused (outdated_record); stored, request echoed.
//  * ADD_PROVIDER: every providerPeers entry equal to the sender is stored (go-libp2p's rule; js
//    adds the sender unconditionally); none -> provider_not_sender. No response (nullopt).
// Quotas (ours, not the spec's): each remote peer may have at most max_records_per_peer
// records of at most max_bytes_per_peer bytes (key + value) in our store (peer_quota_exceeded),
// at most max_provider_keys_per_peer keys provided, and may PUT_VALUE or ADD_PROVIDER the same
// key at most once per min_announce_interval (rate_limited; the reference's
// MIN_DHT_ANNOUNCEMENT_INTERVAL, applied per peer and key). Refusals are counted in stats().
//  * GET_PROVIDERS: stored providers and closerPeers.
//  * PING: PING.
// Errors mean the driver should reset the stream (and may penalise the peer).
// Not done: routing-table updates from requesters (the driver knows if they are servers),
// timeReceived stamping (engines have no wall clock), CID validation of provider keys.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

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
  std::size_t max_records_per_peer = 64;
  std::size_t max_bytes_per_peer = 2 * 1024 * 1024;
  std::size_t max_provider_keys_per_peer = 256;
  Duration min_announce_interval = std::chrono::seconds(30);  // 0: no limit
  std::size_t max_rate_entries = 16384;  // (peer, key) pairs remembered for the interval
};

struct HandlerStats {
  std::uint64_t records_stored = 0;
  std::uint64_t providers_stored = 0;
  std::uint64_t refused_peer_quota = 0;    // PUT_VALUE / ADD_PROVIDER over a peer's quota
  std::uint64_t refused_rate = 0;          // the same key again within min_announce_interval
  std::uint64_t refused_store_full = 0;    // the store's own bounds (count, bytes)
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
  const HandlerStats& stats() const noexcept { return m_stats; }
  const HandlerConfig& config() const noexcept { return m_cfg; }

 private:
  std::vector<PeerInfo> closer(const Message& request, const mf::PeerId& from) const;
  // Records an announcement of `key` by `from` at `now`; false when the same pair announced
  // within min_announce_interval (kind distinguishes PUT_VALUE from ADD_PROVIDER).
  bool admit_rate(char kind, const mf::PeerId& from, BytesView key, TimePoint now);

  PeerInfo m_self;
  const RoutingTable& m_table;
  RecordStore& m_records;
  ProviderStore& m_providers;
  const ValidatorRegistry& m_validators;
  HandlerConfig m_cfg;
  HandlerStats m_stats;
  std::map<std::string, TimePoint, std::less<>> m_last_announce;  // kind ‖ peer ‖ key → when
};

}  // namespace lotus::proto::kad
