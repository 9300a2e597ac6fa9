// Internals of dht::Dht, shared by its implementation files (not part of the API):
//
//   dht.cpp              construction, start/stop, modes, routing-table feeding, accessors
//   dht_wire.cpp         one request on an outbound stream; serving an inbound stream
//   dht_query.cpp        lookups and the queries built on them (closest peers, find_peer,
//                        get/put value, provide/find providers), fan-outs
//   dht_maintenance.cpp  bucket refresh, republish, store expiry, routing-table pings
//
// Everything runs on the host's io_context thread. Coroutines here take the Impl by value
// (ImplPtr) and are spawned into Impl::svc, whose stop() resets live streams and joins them.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dht/dht.hpp"
#include "host/protocol_service.hpp"
#include "proto/kad/handler.hpp"
#include "proto/kad/lookup.hpp"
#include "runtime/asio.hpp"
#include "runtime/signal.hpp"

namespace lotus::dht {

struct QueryState {
  explicit QueryState(const asio::any_io_executor& ex) : sig(ex) {}
  std::vector<kad::Lookup> lookups;
  runtime::Signal sig;
  std::optional<mf::PeerId> wanted;  // find_peer: stop when this peer's addrs are known
  std::optional<kad::PeerInfo> found;
  bool done = false;
};

struct FanOut {
  explicit FanOut(const asio::any_io_executor& ex) : sig(ex) {}
  runtime::Signal sig;
  std::size_t pending = 0, ok = 0, failed = 0;
};

struct Dht::Impl : std::enable_shared_from_this<Impl> {
  Impl(host::Host& h, Config c, std::unique_ptr<kad::RecordStore> rs, kad::ValidatorRegistry v)
      : host(h),
        ex(h.io_context().get_executor()),
        cfg(std::move(c)),
        table(h.peer_id(), cfg.engine.routing),
        records(std::move(rs)),
        providers(cfg.engine.providers),
        validators(std::move(v)),
        handler(kad::PeerInfo{h.peer_id(), {}, kad::ConnectionType::connected}, table, *records, providers,
                validators, cfg.engine.handler),
        svc(h),
        maintenance(ex) {}

  host::Host& host;
  asio::any_io_executor ex;
  Config cfg;
  kad::RoutingTable table;
  std::unique_ptr<kad::RecordStore> records;
  kad::ProviderStore providers;
  kad::ValidatorRegistry validators;
  kad::RequestHandler handler;
  host::ProtocolService svc;  // handler, listener, live streams, tasks
  runtime::Signal maintenance;
  Metrics metrics;

  Mode mode = Mode::server;
  bool reachable = false;
  bool started = false;
  bool refreshing = false;
  bool republishing = false;
  std::set<Bytes> published;         // keys we put (republished from the record store)
  std::set<Bytes> provided;          // keys we provide (republished)
  std::vector<std::weak_ptr<QueryState>> queries;
  std::vector<std::weak_ptr<FanOut>> fanouts;
  TimePoint next_refresh = kNever, next_records = kNever, next_providers = kNever, next_sweep = kNever;

  kad::PeerInfo self_info() const {
    kad::PeerInfo me{host.peer_id(), {}, kad::ConnectionType::connected};
    for (const auto& a : host.full_addrs()) me.addrs.push_back(a.without_peer_id());
    if (me.addrs.size() > cfg.engine.limits.max_addrs_per_peer) me.addrs.resize(cfg.engine.limits.max_addrs_per_peer);
    return me;
  }

  bool stopping() const noexcept { return svc.stopping(); }
  bool serving() const { return svc.handles(cfg.protocol_id); }
  bool should_serve() const {
    return mode == Mode::server || (mode == Mode::automatic && reachable);
  }

  void apply_mode();
  void drain_routing_events();
  void on_host_event(const host::Event& ev);
  void learn_server(const mf::PeerId& peer);
  std::vector<kad::PeerInfo> seeds(const kad::Key& target, std::size_t count);
  kad::LookupConfig lookup_config() const {
    kad::LookupConfig lc = cfg.engine.lookup;
    lc.k = cfg.k;
    lc.alpha = cfg.alpha;
    lc.rpc_timeout = cfg.rpc_timeout;
    return lc;
  }
};

namespace detail {

using ImplPtr = std::shared_ptr<Dht::Impl>;

inline constexpr std::size_t kReadBuf = 16 * 1024;  // per stream read (longer frames are assembled)
inline constexpr std::size_t kMaxRefreshCpl = 15;

// RFC 3339 with nanoseconds, as go-libp2p (RFC3339Nano) and js (@libp2p/record) write it.
std::string rfc3339_now();

// dht_wire.cpp
// One request on a fresh outbound stream (tracked: reset by stop()); the response if
// `expect_reply`. Errors: stopped, the stream's, query_timeout (rpc_timeout over write and
// read), bad_response (closed without an answer), kad framing/decode errors.
asio::awaitable<Result<std::optional<kad::Message>>> rpc(ImplPtr d, kad::PeerInfo peer, kad::Message req,
                                                         bool expect_reply);
asio::awaitable<void> serve_stream(ImplPtr d, host::Stream& s);

// dht_query.cpp
asio::awaitable<Result<PeersResult>> closest_peers(ImplPtr d, Bytes key);
asio::awaitable<Result<PutResult>> do_put(ImplPtr d, Bytes key, Bytes value);
asio::awaitable<Result<PutResult>> do_provide(ImplPtr d, Bytes key);

// dht_maintenance.cpp
asio::awaitable<void> ping_task(ImplPtr d, kad::PeerInfo peer);
asio::awaitable<void> maintenance_task(ImplPtr d);

}  // namespace detail
}  // namespace lotus::dht
