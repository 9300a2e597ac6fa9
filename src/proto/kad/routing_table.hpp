// Kademlia routing table (Maymounkov & Mazières §2.4, libp2p/specs kad-dht "Routing table"):
// 256 k-buckets indexed by the common prefix length of a peer's key with ours, each an LRU list
// (front = least recently seen) of at most k peers plus a bounded replacement cache.
//
// Rules:
//  * only peers the driver reports as DHT servers (they speak the kad protocol id, per identify)
//    are admitted; a known peer reported as a client is removed;
//  * a known peer is refreshed (moved to the back, addrs replaced if non-empty);
//  * a new peer goes into a non-full bucket directly; into a full bucket's replacement cache
//    otherwise, and the bucket's least recently seen peer is to be pinged (Event PingRequest,
//    one outstanding per bucket): on_ping_result(alive) keeps it, a failure or a ping timeout
//    (deadline()/on_timeout) evicts it and promotes the newest admissible cached candidate;
//  * IP diversity: at most max_per_group_per_bucket peers per bucket and max_per_group_table per
//    table share an IP group (IPv4 /24, IPv6 /48; IPv4-mapped IPv6 counts as IPv4), and at most
//    max_per_wide_group_per_bucket / max_per_wide_group_table share an IPv4 /16. A peer in
//    several groups must fit in all. Loopback/private/link-local addresses are exempt when
//    diversity_exempt_private is set. Peers without IP addresses are not limited.
// Not done here: bucket refresh scheduling, dialing, peer store persistence; a refresh that
// changes a known peer's addrs is not re-checked against the diversity limits.
//
// Ping cycle of a full bucket:
//   Full --new peer--> Pinging(lru) --alive----------------> Full (lru moved to back)
//                                   '--dead / ping timeout--> evict lru, promote from cache
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <variant>
#include <vector>

#include "base/time.hpp"
#include "proto/kad/key.hpp"
#include "proto/kad/message.hpp"

namespace lotus::proto::kad {

struct RoutingConfig {
  std::size_t k = 20;                       // bucket size
  std::size_t replacement_cache_size = 20;  // per bucket
  std::size_t max_per_group_per_bucket = 2;
  std::size_t max_per_group_table = 10;
  // IPv4 /16 ("ASN-free equivalent" of go-libp2p's per-ASN limit): wider, so looser limits.
  std::size_t max_per_wide_group_per_bucket = 3;
  std::size_t max_per_wide_group_table = 20;
  bool diversity_exempt_private = true;
  Duration ping_timeout = std::chrono::seconds(10);
  std::size_t max_addrs_per_peer = 16;
  std::size_t max_events = 1024;  // older events are dropped (counted) beyond this
};

enum class UpdateResult {
  added,               // inserted into its bucket
  updated,             // already present; refreshed
  pending,             // bucket full: cached as a replacement, LRU peer to be pinged
  removed,             // known peer now reported as a client: removed
  rejected_self,       // our own id
  rejected_not_server, // unknown client-mode peer
  rejected_diversity,  // IP group limit reached
};

struct PingRequest {
  PeerInfo peer;
};
struct PeerAdded {
  mf::PeerId peer;
};
struct PeerRemoved {
  mf::PeerId peer;
};
using RoutingEvent = std::variant<PingRequest, PeerAdded, PeerRemoved>;

class RoutingTable {
 public:
  struct Entry {
    PeerInfo info;
    Key key;
    TimePoint last_seen{};
    std::vector<std::uint64_t> groups;  // IP diversity groups
  };

  RoutingTable(const mf::PeerId& self, RoutingConfig config = {});

  UpdateResult update(const PeerInfo& peer, bool server, TimePoint now);
  // Result of a PingRequest. Ignored unless `peer` is the one being pinged for its bucket.
  void on_ping_result(const mf::PeerId& peer, bool alive, TimePoint now);
  // Removes a peer (e.g. it failed an RPC); a cached candidate takes its place.
  bool remove(const mf::PeerId& peer, TimePoint now);
  void on_timeout(TimePoint now);  // expires overdue pings as failures
  TimePoint deadline() const;      // earliest ping deadline, kNever if none

  std::optional<RoutingEvent> poll_event();

  // Up to `count` peers closest to `target`, nearest first, skipping `exclude`.
  std::vector<PeerInfo> closest(const Key& target, std::size_t count,
                                const mf::PeerId* exclude = nullptr) const;
  bool contains(const mf::PeerId& peer) const;
  std::size_t size() const noexcept { return m_size; }
  const Key& local_key() const noexcept { return m_local; }
  // Bucket of a key (its common prefix length with ours); key != local key.
  std::size_t bucket_index(const Key& key) const;
  // Inspection (tests, metrics): peers of bucket i in LRU order, and its replacement cache.
  std::vector<mf::PeerId> bucket_peers(std::size_t i) const;
  std::vector<mf::PeerId> cached_peers(std::size_t i) const;
  std::size_t dropped_events() const noexcept { return m_dropped_events; }

 private:
  struct Bucket {
    std::vector<Entry> entries;  // front = least recently seen
    std::vector<Entry> cache;    // back = most recently seen
    std::optional<mf::PeerId> pinging;
    TimePoint ping_deadline = kNever;
  };
  std::vector<std::uint64_t> groups_of(const std::vector<mf::Multiaddr>& addrs) const;
  bool diversity_ok(const Bucket& b, const std::vector<std::uint64_t>& groups) const;
  void count_groups(const std::vector<std::uint64_t>& groups, bool add);
  void evict(std::size_t bucket, std::size_t index, TimePoint now);
  void push_event(RoutingEvent ev);

  mf::PeerId m_self;
  Key m_local;
  RoutingConfig m_cfg;
  std::vector<Bucket> m_buckets;
  std::unordered_map<std::uint64_t, std::size_t> m_group_count;
  std::size_t m_size = 0;
  std::deque<RoutingEvent> m_events;
  std::size_t m_dropped_events = 0;
};

}  // namespace lotus::proto::kad
