#include "dht/dht.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "base/log.hpp"
#include "base/rng.hpp"
#include "host/drive.hpp"
#include "host/protocol_service.hpp"
#include "proto/kad/errc.hpp"
#include "proto/kad/frame_reader.hpp"
#include "proto/kad/handler.hpp"
#include "proto/kad/lookup.hpp"
#include "runtime/asio.hpp"
#include "runtime/signal.hpp"
#include "runtime/watchdog.hpp"

namespace lotus::dht {

const std::error_category& category() noexcept {
  static const TableCategory cat("dht", {
      {static_cast<int>(errc::no_peers), "no DHT server known to start the query from"},
      {static_cast<int>(errc::not_found), "nothing found for the key"},
      {static_cast<int>(errc::query_timeout), "query deadline passed"},
      {static_cast<int>(errc::not_stored), "no peer accepted the record"},
      {static_cast<int>(errc::invalid_record), "record fails validation"},
      {static_cast<int>(errc::record_too_large), "key or value exceeds the message limits"},
      {static_cast<int>(errc::stopped), "service stopped"},
      {static_cast<int>(errc::bad_response), "peer sent a malformed or mismatched response"},
      {static_cast<int>(errc::peer_stream_limit), "too many requests on one stream"},
      {static_cast<int>(errc::no_response), "no peer answered the query"},
      {static_cast<int>(errc::store_io), "record store database error"},
  });
  return cat;
}

const char* to_string(Mode m) noexcept {
  switch (m) {
    case Mode::client: return "client";
    case Mode::server: return "server";
    case Mode::automatic: return "auto";
  }
  return "?";
}

namespace {

constexpr std::size_t kReadBuf = 16 * 1024;
constexpr std::size_t kMaxRefreshCpl = 15;

// RFC 3339 with nanoseconds, as go-libp2p (RFC3339Nano) and js (@libp2p/record) write it.
std::string rfc3339_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count() % 1'000'000'000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[48];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char frac[16];
  const int m = std::snprintf(frac, sizeof frac, ".%09lldZ", static_cast<long long>(ns < 0 ? 0 : ns));
  return std::string(buf, n) + std::string(frac, static_cast<std::size_t>(m));
}

bool lists(const std::vector<std::string>& protocols, const std::string& p) {
  return std::find(protocols.begin(), protocols.end(), p) != protocols.end();
}

void merge_stats(QueryStats& into, const kad::LookupStats& s) {
  into.hops = std::max(into.hops, s.hops);
  into.queried += s.responses;
  into.rpcs += s.rpcs;
  into.failures += s.failures + s.timeouts;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

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
  std::map<Bytes, Bytes> published;  // values we put (republished)
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

namespace {

using ImplPtr = std::shared_ptr<Dht::Impl>;

// One request on a fresh outbound stream; the response if `expect_reply`.
asio::awaitable<Result<std::optional<kad::Message>>> rpc(ImplPtr d, kad::PeerInfo peer, kad::Message req,
                                                         bool expect_reply) {
  using Reply = std::optional<kad::Message>;
  ++d->metrics.outbound_rpcs;
  if (d->stopping()) co_return errc::stopped;
  if (!peer.addrs.empty() && !d->host.is_connected(peer.id)) d->host.peer_store().add_addrs(peer.id, peer.addrs);
  auto s = co_await d->host.new_stream(peer.id, host::make_protocols(d->cfg.protocol_id));
  if (!s) {
    ++d->metrics.outbound_failures;
    co_return s.error();
  }
  auto tracked = d->svc.track(*s);  // reset by stop()
  host::Stream* sp = &*s;
  runtime::Watchdog dog(d->ex, d->cfg.rpc_timeout, [sp] { sp->reset(); });
  Bytes frame;
  kad::encode_frame(req, frame);
  if (auto w = co_await s->write(frame); !w) {
    ++d->metrics.outbound_failures;
    co_return dog.expired() ? std::error_code(errc::query_timeout) : w.error();
  }
  if (!expect_reply) {
    (void)s->close_write();
    co_return Reply{};
  }
  host::FramedReader in(*s, kad::FrameReader(d->cfg.engine.limits), kReadBuf);
  auto reply = co_await in.next();
  if (!dog.expired() && reply && *reply) {
    (void)s->close_write();
    co_return Reply(std::move(**reply));
  }
  ++d->metrics.outbound_failures;
  if (dog.expired()) co_return errc::query_timeout;
  s->reset();
  if (!reply) co_return reply.error();
  co_return in.end_error() ? in.end_error() : std::error_code(errc::bad_response);
}

kad::PeerInfo with_known_addrs(Dht::Impl& d, kad::PeerInfo p) {
  if (p.addrs.empty())
    if (auto known = d.host.peer_store().get(p.id)) p.addrs = known->addrs;
  return p;
}

asio::awaitable<void> ping_task(ImplPtr d, kad::PeerInfo peer) {
  kad::Message m;
  m.type = kad::MessageType::ping;
  auto r = co_await rpc(d, peer, std::move(m), true);
  if (d->stopping()) co_return;
  d->table.on_ping_result(peer.id, r && *r && (*r)->type == kad::MessageType::ping, Clock::now());
  d->drain_routing_events();
}

// Serves one inbound stream: several requests, answered in order. Runs as the host's handler
// task (the host counts the stream against its per-protocol limit); the service's scaffold
// owns `s` (and resets it on stop) for the whole call.
asio::awaitable<void> serve_stream(ImplPtr d, host::Stream& s) {
  if (!d) co_return;
  const mf::PeerId from = s.remote_peer();
  d->learn_server(from);
  host::FramedReader in(s, kad::FrameReader(d->cfg.engine.limits), kReadBuf, d->cfg.inbound_idle_timeout);
  std::size_t handled = 0;
  while (!d->stopping()) {
    auto req = co_await in.next();
    if (!req) {
      ++d->metrics.inbound_errors;
      LOTUS_LOG(debug, "dht", "inbound from " + from.to_string() + ": " + req.error().message());
      s.reset();
      co_return;
    }
    if (!*req) break;  // closed by the remote, reset, or idle too long
    if (++handled > d->cfg.max_requests_per_stream) {
      ++d->metrics.inbound_errors;
      s.reset();
      co_return;
    }
    ++d->metrics.inbound_requests;
    if ((*req)->type == kad::MessageType::put_value && (*req)->record) (*req)->record->time_received = rfc3339_now();
    auto reply = d->handler.handle_request(from, **req, Clock::now());
    if (!reply) {
      ++d->metrics.inbound_errors;
      LOTUS_LOG(debug, "dht", "request from " + from.to_string() + " refused: " + reply.error().message());
      s.reset();
      co_return;
    }
    if (*reply) {
      Bytes out;
      kad::encode_frame(**reply, out);
      if (!co_await s.write(out)) co_return;
    }
  }
  (void)s.close_write();
}

asio::awaitable<void> lookup_rpc(ImplPtr d, std::shared_ptr<QueryState> q, std::size_t index, kad::Request req) {
  auto r = co_await rpc(d, req.peer, std::move(req.message), true);
  const auto now = Clock::now();
  if (d->stopping()) co_return;
  if (r && *r) {
    kad::PeerInfo responder = with_known_addrs(*d, req.peer);
    (void)d->table.update(responder, true, now);
    if (q->wanted && !q->found) {
      if (responder.id == *q->wanted) {
        q->found = responder;
      } else {
        for (const auto& p : (*r)->closer_peers)
          if (p.id == *q->wanted && !p.addrs.empty()) q->found = p;
      }
    }
    if (!q->done) q->lookups[index].on_response(req.peer.id, std::move(**r), now);
  } else {
    (void)d->table.remove(req.peer.id, now);
    if (!q->done) q->lookups[index].on_failure(req.peer.id, now);
  }
  d->drain_routing_events();
  q->sig.notify();
}

// Runs the query's lookups until all finished, the wanted peer is found, the deadline passes
// or the service stops.
asio::awaitable<void> drive(ImplPtr d, std::shared_ptr<QueryState> q) {
  const auto deadline = Clock::now() + d->cfg.query_timeout;
  d->queries.push_back(q);
  ++d->metrics.queries;
  for (auto& l : q->lookups) l.start(Clock::now());
  while (true) {
    bool all_done = true;
    TimePoint next = deadline;
    for (std::size_t i = 0; i < q->lookups.size(); ++i) {
      auto& l = q->lookups[i];
      while (auto req = l.poll_request()) {
        const mf::PeerId id = req->peer.id;
        if (!d->svc.spawn(lookup_rpc(d, q, i, std::move(*req)), "dht lookup rpc")) l.on_failure(id, Clock::now());
      }
      all_done = all_done && l.finished();
      next = std::min(next, l.deadline());
    }
    if (all_done || q->found || d->stopping() || Clock::now() >= deadline) break;
    (void)co_await q->sig.wait_until(next);
    for (auto& l : q->lookups) l.on_timeout(Clock::now());
  }
  q->done = true;
  std::erase_if(d->queries, [](const auto& w) { return w.expired(); });
}

asio::awaitable<void> fan_rpc(ImplPtr d, std::shared_ptr<FanOut> f, kad::PeerInfo peer, kad::Message m,
                              bool expect_reply) {
  auto r = co_await rpc(d, peer, m, expect_reply);
  bool ok = r.has_value();
  if (ok && expect_reply)
    ok = *r && (*r)->type == m.type && (*r)->record.has_value() == m.record.has_value() &&
         (!m.record || ((*r)->record->key == m.record->key && (*r)->record->value == m.record->value));
  ++(ok ? f->ok : f->failed);
  --f->pending;
  f->sig.notify();
}

// Sends `m` to every peer concurrently; waits for all (or the query deadline).
asio::awaitable<std::pair<std::size_t, std::size_t>> fan_out(ImplPtr d, std::vector<kad::PeerInfo> peers,
                                                             kad::Message m, bool expect_reply) {
  auto f = std::make_shared<FanOut>(d->ex);
  d->fanouts.push_back(f);
  for (auto& p : peers) {
    ++f->pending;
    if (!d->svc.spawn(fan_rpc(d, f, std::move(p), m, expect_reply), "dht fan-out rpc")) {
      --f->pending;
      ++f->failed;
    }
  }
  const auto deadline = Clock::now() + d->cfg.query_timeout;
  while (f->pending > 0 && !d->stopping()) {
    if (!co_await f->sig.wait_until(deadline)) break;
  }
  std::erase_if(d->fanouts, [](const auto& w) { return w.expired(); });
  co_return std::pair{f->ok, f->failed + f->pending};
}

std::shared_ptr<QueryState> make_query(Dht::Impl& d, kad::LookupKind kind, const Bytes& key,
                                       std::vector<kad::PeerInfo> seeds, kad::LookupConfig lc) {
  auto q = std::make_shared<QueryState>(d.ex);
  const std::size_t paths = std::max<std::size_t>(1, std::min(d.cfg.disjoint_paths, seeds.size()));
  std::vector<std::vector<kad::PeerInfo>> split(paths);
  for (std::size_t i = 0; i < seeds.size(); ++i) split[i % paths].push_back(std::move(seeds[i]));
  for (auto& s : split) q->lookups.emplace_back(kind, key, d.host.peer_id(), std::move(s), lc, &d.validators);
  return q;
}

// Closest responders over all paths, nearest first, at most k.
std::vector<kad::PeerInfo> merged_closest(const QueryState& q, const kad::Key& target, std::size_t k) {
  std::vector<kad::PeerInfo> all;
  for (const auto& l : q.lookups)
    for (const auto& p : l.result().closest)
      if (std::none_of(all.begin(), all.end(), [&](const auto& x) { return x.id == p.id; })) all.push_back(p);
  std::sort(all.begin(), all.end(), [&](const auto& a, const auto& b) {
    return target.distance(kad::Key::from_peer(a.id)) < target.distance(kad::Key::from_peer(b.id));
  });
  if (all.size() > k) all.erase(all.begin() + static_cast<std::ptrdiff_t>(k), all.end());
  return all;
}

QueryStats stats_of(const QueryState& q, TimePoint started) {
  QueryStats s;
  for (const auto& l : q.lookups) merge_stats(s, l.stats());
  s.elapsed = Clock::now() - started;
  return s;
}

asio::awaitable<Result<PeersResult>> closest_peers(ImplPtr d, Bytes key) {
  const auto t0 = Clock::now();
  const kad::Key target = kad::Key::from_bytes(key);
  auto seeds = d->seeds(target, d->cfg.k);
  if (seeds.empty()) co_return errc::no_peers;
  auto q = make_query(*d, kad::LookupKind::find_node, key, std::move(seeds), d->lookup_config());
  co_await drive(d, q);
  if (d->stopping()) co_return errc::stopped;
  PeersResult out{merged_closest(*q, target, d->cfg.k), stats_of(*q, t0)};
  if (out.peers.empty()) co_return errc::no_response;
  co_return out;
}

asio::awaitable<Result<PutResult>> do_put(ImplPtr d, Bytes key, Bytes value) {
  const auto t0 = Clock::now();
  const auto& lim = d->cfg.engine.limits;
  if (key.empty() || key.size() > lim.max_key_size || value.size() > lim.max_value_size)
    co_return errc::record_too_large;
  if (auto v = d->validators.validate(key, value); !v) co_return v.error();
  kad::Record rec{key, value, rfc3339_now()};
  (void)d->records->put(rec, Clock::now());
  d->published[key] = value;
  auto peers = co_await closest_peers(d, key);
  if (!peers) co_return peers.error();
  kad::Message m;
  m.type = kad::MessageType::put_value;
  m.key = key;
  m.record = kad::Record{key, value, {}};
  PutResult out;
  out.attempted = peers->peers.size();
  auto [ok, failed] = co_await fan_out(d, std::move(peers->peers), std::move(m), true);
  out.stored = ok;
  out.stats = peers->stats;
  out.stats.rpcs += out.attempted;
  out.stats.failures += failed;
  out.stats.elapsed = Clock::now() - t0;
  if (out.stored == 0) co_return errc::not_stored;
  co_return out;
}

asio::awaitable<Result<PutResult>> do_provide(ImplPtr d, Bytes key) {
  const auto t0 = Clock::now();
  if (key.empty() || key.size() > d->cfg.engine.limits.max_key_size) co_return errc::record_too_large;
  const kad::PeerInfo me = d->self_info();
  (void)d->providers.add(key, me, Clock::now());
  d->provided.insert(key);
  auto peers = co_await closest_peers(d, key);
  if (!peers) co_return peers.error();
  kad::Message m;
  m.type = kad::MessageType::add_provider;
  m.key = key;
  m.provider_peers.push_back(me);
  PutResult out;
  out.attempted = peers->peers.size();
  auto [ok, failed] = co_await fan_out(d, std::move(peers->peers), std::move(m), false);
  out.stored = ok;
  out.stats = peers->stats;
  out.stats.rpcs += out.attempted;
  out.stats.failures += failed;
  out.stats.elapsed = Clock::now() - t0;
  if (out.stored == 0) co_return errc::not_stored;
  co_return out;
}

asio::awaitable<void> refresh_task(ImplPtr d) {
  ++d->metrics.refreshes;
  d->handler.set_self_addrs(d->self_info().addrs);
  (void)co_await closest_peers(d, d->host.peer_id().bytes());
  // One random-key lookup per bucket up to the deepest non-empty one.
  std::size_t deepest = 0;
  for (std::size_t i = 0; i <= kMaxRefreshCpl; ++i)
    if (!d->table.bucket_peers(i).empty()) deepest = i;
  SystemRng rng;
  for (std::size_t cpl = 0; cpl <= deepest && !d->stopping(); ++cpl) {
    Bytes key(32);
    do rng.fill(key);
    while (kad::common_prefix_length(kad::Key::from_bytes(key), d->table.local_key()) != cpl);
    (void)co_await closest_peers(d, std::move(key));
  }
  d->refreshing = false;
}

asio::awaitable<void> republish_task(ImplPtr d, bool records, bool providers) {
  if (records) {
    auto copy = d->published;
    for (auto& [k, v] : copy) {
      if (d->stopping()) break;
      (void)co_await do_put(d, k, v);
      ++d->metrics.republished;
    }
  }
  if (providers) {
    auto copy = d->provided;
    for (const auto& k : copy) {
      if (d->stopping()) break;
      (void)co_await do_provide(d, k);
      ++d->metrics.republished;
    }
  }
  d->republishing = false;
}

asio::awaitable<void> maintenance_task(ImplPtr d) {
  while (!d->stopping()) {
    const auto now = Clock::now();
    if (now >= d->next_sweep) {
      d->records->expire(now);
      d->providers.expire(now);
      d->next_sweep = now + d->cfg.sweep_interval;
    }
    if (now >= d->next_refresh) {
      d->next_refresh = now + d->cfg.refresh_interval;
      if (!d->refreshing && d->table.size() > 0) {
        d->refreshing = true;
        if (!d->svc.spawn(refresh_task(d), "dht refresh")) d->refreshing = false;
      }
    }
    const bool rec = now >= d->next_records, prov = now >= d->next_providers;
    if (rec) d->next_records = now + d->cfg.record_republish_interval;
    if (prov) d->next_providers = now + d->cfg.provider_republish_interval;
    if ((rec || prov) && !d->republishing) {
      d->republishing = true;
      if (!d->svc.spawn(republish_task(d, rec, prov), "dht republish")) d->republishing = false;
    }
    d->table.on_timeout(now);
    d->drain_routing_events();
    const TimePoint next = std::min({d->next_sweep, d->next_refresh, d->next_records, d->next_providers,
                                     d->table.deadline()});
    (void)co_await d->maintenance.wait_until(next);
  }
}

}  // namespace

void Dht::Impl::drain_routing_events() {
  while (auto ev = table.poll_event()) {
    if (auto* ping = std::get_if<kad::PingRequest>(&*ev)) {
      if (!svc.spawn(ping_task(shared_from_this(), ping->peer), "dht ping"))
        table.on_ping_result(ping->peer.id, false, Clock::now());
    }
  }
}

void Dht::Impl::learn_server(const mf::PeerId& peer) {
  auto info = host.peer_store().get(peer);
  if (!info || !lists(info->protocols, cfg.protocol_id)) return;
  (void)table.update(kad::PeerInfo{peer, info->addrs, kad::ConnectionType::connected}, true, Clock::now());
  drain_routing_events();
}

void Dht::Impl::on_host_event(const host::Event& ev) {
  if (stopping()) return;
  if (const auto* id = std::get_if<host::PeerIdentified>(&ev)) {
    const bool server = lists(id->info.protocols, cfg.protocol_id);
    const bool was_empty = table.size() == 0;
    if (server || table.contains(id->peer))
      (void)table.update(kad::PeerInfo{id->peer, id->info.addrs, kad::ConnectionType::connected}, server,
                         Clock::now());
    drain_routing_events();
    if (cfg.refresh_on_first_peer && was_empty && table.size() > 0 && !refreshing) {
      next_refresh = Clock::now();
      maintenance.notify();
    }
  }
}

std::vector<kad::PeerInfo> Dht::Impl::seeds(const kad::Key& target, std::size_t count) {
  auto out = table.closest(target, count);
  if (!out.empty()) return out;
  // Nothing in the table yet: connected peers that speak our protocol.
  for (const auto& c : host.connections()) {
    auto info = host.peer_store().get(c.remote_peer);
    if (!info || !lists(info->protocols, cfg.protocol_id)) continue;
    if (std::any_of(out.begin(), out.end(), [&](const auto& p) { return p.id == c.remote_peer; })) continue;
    out.push_back(kad::PeerInfo{c.remote_peer, info->addrs, kad::ConnectionType::connected});
  }
  return out;
}

void Dht::Impl::apply_mode() {
  const bool want = should_serve() && started && !stopping();
  if (want == serving()) return;
  if (want) {
    std::weak_ptr<Impl> weak = shared_from_this();
    // Not a coroutine itself: hands the stream to serve_stream, which owns what it uses.
    svc.handle(cfg.protocol_id, [weak](host::Stream& s) { return serve_stream(weak.lock(), s); },
               host::ProtocolService::Run::in_host_task);
  } else {
    svc.unhandle(cfg.protocol_id);
  }
}

// ---------------------------------------------------------------------------------------------

Dht::Dht(host::Host& h, Config config, std::unique_ptr<kad::RecordStore> records,
         std::optional<kad::ValidatorRegistry> validators) {
  config.engine.protocol_id = config.protocol_id;
  config.engine.routing.k = config.k;
  config.engine.handler.k = config.k;
  config.engine.lookup.k = config.k;
  config.engine.lookup.alpha = config.alpha;
  config.engine.lookup.rpc_timeout = config.rpc_timeout;
  config.engine.lookup.value_quorum = config.value_quorum;
  config.engine.routing.ping_timeout = config.rpc_timeout;
  config.engine.records.ttl = config.record_ttl;
  config.engine.providers.ttl = config.provider_ttl;
  if (!records) records = std::make_unique<kad::MemoryRecordStore>(config.engine.records);
  m_impl = std::make_shared<Impl>(h, std::move(config), std::move(records),
                                  validators ? std::move(*validators) : kad::ValidatorRegistry::with_defaults());
  m_impl->mode = m_impl->cfg.mode;
}

Dht::~Dht() {
  // Not stopped: detach from the host and ask every task to end (they hold the Impl).
  if (m_impl && m_impl->started) m_impl->svc.request_stop();
}

Status Dht::start() {
  auto& d = *m_impl;
  if (d.started) return {};
  if (d.stopping() || d.host.stopped()) return errc::stopped;
  d.started = true;
  std::weak_ptr<Impl> weak = m_impl;
  d.svc.listen([weak](const host::Event& ev) {
    if (auto p = weak.lock()) p->on_host_event(ev);
  });
  d.svc.on_stop([weak] {  // after the scaffold reset our live streams
    auto p = weak.lock();
    if (!p) return;
    for (auto& w : p->queries)
      if (auto q = w.lock()) q->sig.notify();
    for (auto& w : p->fanouts)
      if (auto f = w.lock()) f->sig.notify();
    p->maintenance.notify();
  });
  d.handler.set_self_addrs(d.self_info().addrs);
  const auto now = Clock::now();
  d.next_sweep = now + d.cfg.sweep_interval;
  d.next_refresh = d.cfg.refresh_on_start ? now : now + d.cfg.refresh_interval;
  d.next_records = now + d.cfg.record_republish_interval;
  d.next_providers = now + d.cfg.provider_republish_interval;
  d.apply_mode();
  // Servers we are already connected to.
  for (const auto& c : d.host.connections()) d.learn_server(c.remote_peer);
  if (!d.svc.spawn(maintenance_task(m_impl), "dht maintenance")) return errc::stopped;
  return {};
}

asio::awaitable<void> Dht::stop() {
  auto d = m_impl;
  co_await d->svc.stop();
}

Mode Dht::mode() const noexcept { return m_impl->mode; }
bool Dht::is_server() const noexcept { return m_impl->serving(); }
void Dht::set_mode(Mode mode) {
  m_impl->mode = mode;
  m_impl->apply_mode();
}
void Dht::set_reachability(bool publicly_reachable) {
  m_impl->reachable = publicly_reachable;
  m_impl->apply_mode();
}

asio::awaitable<Result<std::size_t>> Dht::bootstrap() {
  auto d = m_impl;
  if (d->stopping()) co_return errc::stopped;
  for (const auto& c : d->host.connections()) d->learn_server(c.remote_peer);
  if (d->table.size() == 0) co_return errc::no_peers;
  d->handler.set_self_addrs(d->self_info().addrs);
  auto r = co_await closest_peers(d, d->host.peer_id().bytes());
  if (!r) co_return r.error();
  co_return d->table.size();
}

asio::awaitable<Result<PeersResult>> Dht::get_closest_peers(Bytes key) {
  co_return co_await closest_peers(m_impl, std::move(key));
}

asio::awaitable<Result<PeerResult>> Dht::find_peer(mf::PeerId peer) {
  auto d = m_impl;
  const auto t0 = Clock::now();
  if (d->stopping()) co_return errc::stopped;
  if (peer == d->host.peer_id()) co_return PeerResult{d->self_info(), {}};
  const Bytes key = peer.bytes();
  const kad::Key target = kad::Key::from_bytes(key);
  auto seeds = d->seeds(target, d->cfg.k);
  if (seeds.empty()) co_return errc::no_peers;
  auto q = make_query(*d, kad::LookupKind::find_node, key, std::move(seeds), d->lookup_config());
  q->wanted = peer;
  co_await drive(d, q);
  if (d->stopping()) co_return errc::stopped;
  if (q->found) co_return PeerResult{*q->found, stats_of(*q, t0)};
  // Not announced by any server (e.g. a client-mode peer), but we may know it directly.
  if (auto known = d->host.peer_store().get(peer); known && !known->addrs.empty() && d->host.is_connected(peer))
    co_return PeerResult{kad::PeerInfo{peer, known->addrs, kad::ConnectionType::connected}, stats_of(*q, t0)};
  co_return errc::not_found;
}

asio::awaitable<Result<PutResult>> Dht::put_value(Bytes key, Bytes value) {
  co_return co_await do_put(m_impl, std::move(key), std::move(value));
}

asio::awaitable<Result<ValueResult>> Dht::get_value(Bytes key) {
  auto d = m_impl;
  const auto t0 = Clock::now();
  if (d->stopping()) co_return errc::stopped;
  if (key.empty() || key.size() > d->cfg.engine.limits.max_key_size) co_return errc::record_too_large;
  if (!d->validators.find(key)) co_return proto::kad::errc::no_validator;
  const kad::Key target = kad::Key::from_bytes(key);
  std::vector<kad::Record> found;
  std::vector<mf::PeerId> holders;  // parallel to found; our id for the local record
  if (auto local = d->records->get(key, Clock::now()); local && d->validators.validate(key, local->value)) {
    found.push_back(*local);
    holders.push_back(d->host.peer_id());
  }
  auto seeds = d->seeds(target, d->cfg.k);
  const bool no_seeds = seeds.empty();
  std::shared_ptr<QueryState> q;
  if (!no_seeds) {
    auto lc = d->lookup_config();
    lc.value_quorum = d->cfg.value_quorum;
    q = make_query(*d, kad::LookupKind::get_value, key, std::move(seeds), lc);
    co_await drive(d, q);
    if (d->stopping()) co_return errc::stopped;
    for (const auto& l : q->lookups)
      for (const auto& fr : l.result().records) {
        found.push_back(fr.record);
        holders.push_back(fr.from);
      }
  }
  if (found.empty()) co_return no_seeds ? errc::no_peers : errc::not_found;
  std::vector<BytesView> values;
  for (const auto& r : found) values.push_back(r.value);
  auto best = d->validators.select(key, values);
  if (!best) co_return best.error();
  ValueResult out;
  out.record = found[*best];
  out.records_seen = found.size();
  if (q) {
    out.stats = stats_of(*q, t0);
    // Correct stale holders: peers that returned another value, and the closest that had none.
    std::vector<kad::PeerInfo> stale;
    for (std::size_t i = 0; i < found.size(); ++i)
      if (found[i].value != out.record.value && holders[i] != d->host.peer_id())
        stale.push_back(with_known_addrs(*d, kad::PeerInfo{holders[i], {}, kad::ConnectionType::not_connected}));
    for (const auto& l : q->lookups)
      for (const auto& p : l.result().peers_without_record)
        if (std::none_of(stale.begin(), stale.end(), [&](const auto& x) { return x.id == p.id; }))
          stale.push_back(p);
    if (!stale.empty()) {
      kad::Message m;
      m.type = kad::MessageType::put_value;
      m.key = key;
      m.record = kad::Record{key, out.record.value, {}};
      out.corrected = stale.size();
      out.stats.rpcs += stale.size();
      auto f = std::make_shared<FanOut>(d->ex);  // fire and forget: nobody waits on it
      for (auto& p : stale) (void)d->svc.spawn(fan_rpc(d, f, std::move(p), m, true), "dht correction");
    }
  }
  out.stats.elapsed = Clock::now() - t0;
  co_return out;
}

asio::awaitable<Result<PutResult>> Dht::provide(Bytes key) { co_return co_await do_provide(m_impl, std::move(key)); }

asio::awaitable<Result<ProvidersResult>> Dht::find_providers(Bytes key, std::size_t limit) {
  auto d = m_impl;
  const auto t0 = Clock::now();
  if (d->stopping()) co_return errc::stopped;
  if (key.empty() || key.size() > d->cfg.engine.limits.max_key_size) co_return errc::record_too_large;
  limit = std::max<std::size_t>(1, limit);
  ProvidersResult out;
  auto add = [&](const kad::PeerInfo& p) {
    if (out.providers.size() >= limit) return;
    if (std::none_of(out.providers.begin(), out.providers.end(), [&](const auto& x) { return x.id == p.id; }))
      out.providers.push_back(p);
  };
  for (const auto& p : d->providers.get(key, Clock::now(), limit)) add(p);
  if (out.providers.size() < limit) {
    auto seeds = d->seeds(kad::Key::from_bytes(key), d->cfg.k);
    if (seeds.empty() && out.providers.empty()) co_return errc::no_peers;
    if (!seeds.empty()) {
      auto lc = d->lookup_config();
      lc.provider_quorum = limit - out.providers.size();
      lc.max_providers = std::max(lc.max_providers, limit);
      auto q = make_query(*d, kad::LookupKind::get_providers, key, std::move(seeds), lc);
      co_await drive(d, q);
      if (d->stopping()) co_return errc::stopped;
      for (const auto& l : q->lookups)
        for (const auto& p : l.result().providers) add(p);
      out.stats = stats_of(*q, t0);
    }
  }
  out.stats.elapsed = Clock::now() - t0;
  co_return out;
}

void Dht::add_server(const mf::PeerId& peer, std::vector<mf::Multiaddr> addrs) {
  if (!addrs.empty()) m_impl->host.peer_store().add_addrs(peer, addrs);
  (void)m_impl->table.update(kad::PeerInfo{peer, std::move(addrs), kad::ConnectionType::not_connected}, true,
                             Clock::now());
  m_impl->drain_routing_events();
}

const kad::RoutingTable& Dht::routing_table() const { return m_impl->table; }
const kad::RecordStore& Dht::record_store() const { return *m_impl->records; }
kad::RecordStore& Dht::record_store() { return *m_impl->records; }
const kad::ProviderStore& Dht::provider_store() const { return m_impl->providers; }
const kad::ValidatorRegistry& Dht::validators() const { return m_impl->validators; }
const Config& Dht::config() const { return m_impl->cfg; }
const Metrics& Dht::metrics() const { return m_impl->metrics; }
host::Host& Dht::host() const { return m_impl->host; }

}  // namespace lotus::dht
