// lotus::dht::Dht — the Kademlia DHT service (libp2p/specs kad-dht) over a host::Host: runs the
// sans-IO engines of proto/kad (RoutingTable, Lookup, RequestHandler, stores) on host streams.
//
// Wire: one protocol id (Config::protocol_id; "/ipfs/kad/1.0.0" by default, the Lotus network
// uses "/lotus/kad/1.0.0"), unsigned-varint length-prefixed protobuf Messages, several requests
// per inbound stream (answered in order), one request per outbound stream.
//
// Modes: server registers the stream handler (so identify advertises the protocol and other
// servers admit us to their routing tables); client does not (lookups only). auto starts as a
// client and becomes a server when set_reachability(true) is called (the AutoNAT hook).
//
// Routing table: fed by host events (a peer whose identify lists our protocol id is added; one
// that stops listing it is removed), by peers that answer our requests, and by inbound
// requesters that identify as servers. A peer whose RPC fails is removed (its replacement
// cache candidate takes the slot). Diversity limits (IPv4 /24 and /16, IPv6 /48) as in
// proto/kad/routing_table.hpp.
//
// Queries: get_closest_peers / find_peer / get_value / find_providers run one Lookup each
// (alpha concurrent RPCs, per-RPC timeout, per-query timeout). With disjoint_paths = d > 1 the
// seeds are split round-robin into d lookups run concurrently and merged (a light form of
// S/Kademlia's disjoint paths: the paths are seeded disjointly but may meet later).
// put_value / provide store locally, find the k closest peers and send PUT_VALUE /
// ADD_PROVIDER to each. get_value collects records until value_quorum valid ones arrived (or
// the lookup ends), selects the best with the validator registry and sends it to the closest
// peers that returned an outdated record or none ("correcting stale holders").
//
// Periodic tasks (until stop()): bucket refresh (self lookup + one random-key lookup per bucket
// up to the deepest non-empty one, capped at 16), republish of values we put and keys we
// provide, expiry sweep of both stores, routing-table ping timeouts.
//
// Threading: as Host — everything on the host's io_context thread. Lifetime: start() after
// constructing; co_await stop() before destroying the Dht (and before Host::stop()).
// Not done: IPNS validator, connection-type hints in responses, provider records persisted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "base/result.hpp"
#include "base/time.hpp"
#include "host/host.hpp"
#include "proto/kad/config.hpp"
#include "proto/kad/record_store.hpp"
#include "proto/kad/validator.hpp"
#include "runtime/asio_fwd.hpp"

namespace lotus::dht {

namespace kad = lotus::proto::kad;

enum class errc {
  no_peers = 1,       // routing table empty and no connected DHT server to start from
  not_found,          // get_value / find_peer: nothing found
  query_timeout,      // the query's overall deadline passed before any result
  not_stored,         // put_value / provide: no peer accepted the record
  invalid_record,     // put_value: the record fails local validation
  record_too_large,   // put_value: key or value above the message limits
  stopped,            // the service (or its host) is stopping
  bad_response,       // a peer answered with a malformed or mismatched message
  peer_stream_limit,  // too many requests on one inbound stream
  no_response,        // no peer answered the query
  store_io,           // the record store's database failed
  store_corrupt,      // the record store's database fails its integrity check or lost its table
  local_quota,        // put_value / provide: more keys of our own than Config::max_local_keys
  empty_key,          // a query, put or provide with an empty key
};
const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

enum class Mode { client, server, automatic };
const char* to_string(Mode m) noexcept;

struct Config {
  std::string protocol_id = std::string(kad::kPublicProtocolId);
  Mode mode = Mode::server;
  std::size_t k = 20;
  std::size_t alpha = 3;
  std::size_t disjoint_paths = 1;                         // d; 1 = plain Kademlia lookup
  Duration rpc_timeout = std::chrono::seconds(10);        // per request/response
  Duration query_timeout = std::chrono::seconds(60);      // per lookup/put/provide
  Duration record_ttl = std::chrono::hours(48);           // stored records expire after this
  Duration provider_ttl = std::chrono::hours(24);
  Duration record_republish_interval = std::chrono::hours(1);     // values we put
  Duration provider_republish_interval = std::chrono::hours(22);  // keys we provide
  Duration refresh_interval = std::chrono::minutes(10);           // bucket refresh
  Duration sweep_interval = std::chrono::minutes(5);              // store expiry sweep
  std::size_t value_quorum = 16;      // get_value: stop after this many valid records
  std::size_t max_requests_per_stream = 256;  // inbound stream is reset beyond this
  Duration inbound_idle_timeout = std::chrono::seconds(60);
  std::size_t max_concurrent_rpcs = 256;  // outbound RPCs in flight across all queries
  bool refresh_on_start = false;  // run a refresh at start (bootstrap() does it anyway)
  bool refresh_on_first_peer = false;  // run a refresh when the routing table gets its first peer
  // Penalties reported to the host's gates (Host::penalize; BanList bans at 100): a malformed
  // request or one request too many on a stream, and a request the handler refused as invalid
  // (an invalid record, a bad key). Requests over a limit (quota, announcement interval, full
  // store) are refused without a penalty.
  int penalty_malformed = 25;
  // Keys of our own (put_value + provide, republished) at most; beyond: errc::local_quota.
  std::size_t max_local_keys = 1024;
  int penalty_refused = 10;
  // Engine settings (limits, routing table, stores). k/alpha/timeouts/TTLs above override the
  // corresponding fields here when the Dht is constructed.
  kad::Config engine;
};

struct QueryStats {
  std::size_t hops = 0;     // see proto::kad::LookupStats::hops
  std::size_t queried = 0;  // peers that answered
  std::size_t rpcs = 0;     // requests sent (lookup + put/provide/corrections)
  std::size_t failures = 0; // failed or timed-out requests
  Duration elapsed{};
};

struct PeersResult {
  std::vector<kad::PeerInfo> peers;  // nearest first
  QueryStats stats;
};
struct PeerResult {
  kad::PeerInfo peer;
  QueryStats stats;
};
struct PutResult {
  std::size_t stored = 0;     // remote peers that accepted
  std::size_t attempted = 0;  // remote peers asked
  QueryStats stats;
};
struct ValueResult {
  kad::Record record;
  std::size_t records_seen = 0;  // valid records received (local one included)
  std::size_t corrected = 0;     // stale holders sent the best record
  QueryStats stats;
};
struct ProvidersResult {
  std::vector<kad::PeerInfo> providers;
  QueryStats stats;
};

struct Metrics {
  std::uint64_t inbound_requests = 0;
  std::uint64_t inbound_errors = 0;   // malformed requests / handler errors (stream reset)
  std::uint64_t outbound_rpcs = 0;
  std::uint64_t outbound_failures = 0;
  std::uint64_t queries = 0;
  std::uint64_t republished = 0;
  std::uint64_t refreshes = 0;
};

class Dht {
 public:
  // `records`: the record store to use (e.g. SqliteRecordStore); null = a MemoryRecordStore.
  // `validators`: defaults to ValidatorRegistry::with_defaults() ("/pk/"); the Lotus DHT passes
  // coordinator::dht_validators() (adds "resource:").
  Dht(host::Host& host, Config config = {}, std::unique_ptr<kad::RecordStore> records = nullptr,
      std::optional<kad::ValidatorRegistry> validators = std::nullopt);
  ~Dht();
  Dht(const Dht&) = delete;
  Dht& operator=(const Dht&) = delete;

  // Subscribes to host events, registers the handler (server mode), starts periodic tasks.
  Status start();
  // Stops periodic tasks and queries, removes the handler, joins every task. Idempotent.
  asio::awaitable<void> stop();

  Mode mode() const noexcept;
  bool is_server() const noexcept;
  void set_mode(Mode mode);
  // AutoNAT hook: in Mode::automatic, true makes us a server, false a client.
  void set_reachability(bool publicly_reachable);

  // Adds connected peers that speak our protocol to the routing table, then looks up our own
  // id and refreshes the buckets. Returns the routing table size.
  asio::awaitable<Result<std::size_t>> bootstrap();
  asio::awaitable<Result<PeersResult>> get_closest_peers(Bytes key);
  asio::awaitable<Result<PeerResult>> find_peer(mf::PeerId peer);
  asio::awaitable<Result<PutResult>> put_value(Bytes key, Bytes value);
  // `quorum`: stop after this many valid records (0 = Config::value_quorum); a key with a
  // single writer needs fewer than a contended one.
  asio::awaitable<Result<ValueResult>> get_value(Bytes key, std::size_t quorum = 0);
  asio::awaitable<Result<PutResult>> provide(Bytes key);
  asio::awaitable<Result<ProvidersResult>> find_providers(Bytes key, std::size_t limit = 20);

  // Adds a known DHT server (e.g. a bootstrap peer from config) to the peer store and table.
  void add_server(const mf::PeerId& peer, std::vector<mf::Multiaddr> addrs);

  const kad::RoutingTable& routing_table() const;
  const kad::RecordStore& record_store() const;
  kad::RecordStore& record_store();  // e.g. to preload records (not validated here)
  const kad::ProviderStore& provider_store() const;
  // What the request handler stored and refused (quotas, rate, store bounds).
  const kad::HandlerStats& handler_stats() const;
  const kad::ValidatorRegistry& validators() const;
  const Config& config() const;
  const Metrics& metrics() const;
  host::Host& host() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> m_impl;
};

}  // namespace lotus::dht

LOTUS_ERRC_ENUM(lotus::dht::errc)
