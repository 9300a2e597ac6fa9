// coordinator::ResourceDirectory — DHT resources (lotus-wire.md §3) over dht::Dht: announce,
// exact-key get, expiry and cache maintenance as the reference, and discovery by type that
// works (the reference has none, §3.3).
//
// announce_resource(type, id, data, {ttl, expires_at}):
//   1. ResourceBook::announce: checks, limits, the security gate (Config::gate) — refused
//      announcements never reach the DHT.
//   2. PUT_VALUE resource:<type>:<id> (the reference's record, byte for byte) to the k closest
//      peers — in client mode too (the reference puts only in server mode, §12.22).
//   3. Discovery index (ours): marks <type> dirty; the index record
//      resource:lotus-resource-index:<type>:<our peer id> (resources.hpp) is PUT now if the
//      last PUT of it is at least Config::index_interval old, otherwise by the maintenance
//      task when it is (remote kad handlers refuse the same key from the same peer within
//      MIN_DHT_ANNOUNCEMENT_INTERVAL = 30 s, so faster PUTs would be lost). The first time a
//      type is announced we also PROVIDE its type key (multihash of "lotus-resource-type:<type>");
//      the Dht republishes provider records and values every 22 h / 1 h by itself.
//   No DHT peers: the announcement stays local (as the reference) and published = false.
//
// get_resource(type, id): local only (ours or cached), as the reference's getResource.
// discover_resource(type, id): local, else GET_VALUE of the key; the record must parse, carry
//   the key's type and id and be live; it is then cached.
// discover_resources(type, filters): live announcements of `type` by any node:
//   1. FIND_PROVIDERS(type key) → up to Config::max_providers providers (a kad lookup).
//   2. For each provider P ≠ us: GET_VALUE of P's index record (a kad lookup each); entries
//      must be of `type` and created by P (the provider the DHT named, authenticated by the
//      server that stored the provider record), live; ids listed without a body are fetched
//      with GET_VALUE one by one.
//   3. Plus our own live announcements; filters applied (data[key] === value); at most
//      Config::max_results; results cached (bounded).
//   Cost: 1 + P lookups (+ 1 per id-only entry), each lookup α-parallel iterative, so
//   roughly (1 + P) · (hops · α) RPCs; DiscoverStats reports the exact count. A type has at
//   most ProviderStoreConfig::max_providers_per_key (20) providers per DHT server, so a type
//   with more announcers than that is only partially discoverable (see docs/design-notes.md).
// Maintenance (a task between start() and stop(), every Config::cleanup_interval — the
// reference's 5 min — and whenever an index is due): drops expired records from the book
// (our own and cached), re-PUTs the index of each type that lost an entry, and PUTs indexes
// that were deferred by the interval.
//
// Trust: records are unauthenticated, as in the reference (§12.17): any node can PUT a newer
// record under any key, including someone's index. What we check is consistency (type, id,
// creator = provider) and expiry. Signed records are a follow-up.
//
// Threading: the host's io_context thread. Lifetime: start() after construction, co_await
// stop() before destroying it (and before Dht::stop()); callers must not destroy it while one
// of its coroutines runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/time.hpp"
#include "coordinator/resources.hpp"
#include "dht/dht.hpp"
#include "runtime/asio_fwd.hpp"

namespace lotus::coordinator {

// Where a discovered record may be refused by policy (e.g. the security manager's protocol
// validators): type, id, data, creator. An error drops the record.
using RecordGate = std::function<Status(const ResourceAnnouncement&)>;

// Told when one of our announcements leaves the book (withdrawn or expired): the security
// manager frees its slot (resource_gates.hpp, resource_remover).
using RemovedHook = std::function<void(const ResourceAnnouncement&)>;

struct ResourceConfig {
  ResourceLimits limits;
  Duration index_interval = std::chrono::seconds(30);   // MIN_DHT_ANNOUNCEMENT_INTERVAL
  Duration cleanup_interval = std::chrono::minutes(5);  // DHT_CLEANUP_INTERVAL
  std::size_t max_providers = 20;  // discover_resources: providers asked for their index
  std::size_t max_results = 100;   // discover_resources: results returned at most
  std::size_t max_fetches = 64;    // discover_resources: id-only entries fetched at most
  std::size_t value_quorum = 4;    // GET_VALUE stops after this many records (one writer each)
  AnnounceGate gate;               // our own announcements (security manager)
  RecordGate accept;               // records read from the DHT
  RemovedHook on_removed;          // our announcement withdrawn or expired
  // Wall clock in ms since the Unix epoch (createdAt, expiry); default std::chrono::system_clock.
  std::function<std::int64_t()> wall_ms;
};

struct AnnounceResult {
  ResourceAnnouncement announcement;
  bool published = false;       // the record reached at least one DHT peer
  std::size_t stored = 0;       // DHT peers that accepted the record
  bool index_published = false; // the type's index was PUT now (else deferred or no peers)
};

struct DiscoverStats {
  std::size_t lookups = 0;    // DHT queries run (find_providers + get_value)
  std::size_t rpcs = 0;       // kad requests sent by them (each one request + one response)
  std::size_t failures = 0;   // requests that failed or timed out
  std::size_t providers = 0;  // providers the DHT named (us included)
  std::size_t indexes = 0;    // index records read
  std::size_t fetched = 0;    // records fetched one by one
  std::size_t refused = 0;    // records dropped: malformed, mismatched, expired, gate
};

struct DiscoverResult {
  std::vector<ResourceAnnouncement> resources;
  DiscoverStats stats;
};

struct DirectoryMetrics {
  std::uint64_t announced = 0;
  std::uint64_t announce_refused = 0;
  std::uint64_t index_puts = 0;
  std::uint64_t discoveries = 0;
  std::uint64_t records_refused = 0;
  std::uint64_t expired = 0;
};

class ResourceDirectory {
 public:
  explicit ResourceDirectory(dht::Dht& dht, ResourceConfig config = {});
  ~ResourceDirectory();
  ResourceDirectory(const ResourceDirectory&) = delete;
  ResourceDirectory& operator=(const ResourceDirectory&) = delete;

  Status start();                 // starts the maintenance task
  asio::awaitable<void> stop();   // stops and joins it; idempotent

  asio::awaitable<Result<AnnounceResult>> announce_resource(std::string type, std::string id,
                                                            std::optional<std::string> data_json,
                                                            AnnounceOptions options = {});
  // Withdraws ours locally and from our index (DHT copies of the record live until they
  // expire: Kademlia has no delete).
  asio::awaitable<bool> withdraw_resource(std::string type, std::string id);
  std::optional<ResourceAnnouncement> get_resource(std::string_view type, std::string_view id) const;
  std::vector<ResourceAnnouncement> get_local_resources(std::string_view type,
                                                        const ResourceFilters& filters = {}) const;
  asio::awaitable<Result<ResourceAnnouncement>> discover_resource(std::string type, std::string id);
  asio::awaitable<Result<DiscoverResult>> discover_resources(std::string type, ResourceFilters filters = {});

  // One maintenance pass now (expiry, due indexes); the task runs it by itself.
  asio::awaitable<void> maintain();

  const ResourceBook& book() const;
  const DirectoryMetrics& metrics() const;
  const ResourceConfig& config() const;

  struct State;

 private:
  std::shared_ptr<State> m_state;
};

}  // namespace lotus::coordinator
