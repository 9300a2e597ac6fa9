#include "dht/dht.hpp"

#include <algorithm>
#include <utility>

#include "dht/dht_impl.hpp"

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
      {static_cast<int>(errc::store_corrupt), "record store database is damaged (integrity check failed or table missing)"},
      {static_cast<int>(errc::local_quota), "too many keys of our own published or provided (dht max_local_keys)"},
      {static_cast<int>(errc::empty_key), "the key is empty"},
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

bool lists(const std::vector<std::string>& protocols, const std::string& p) {
  return std::find(protocols.begin(), protocols.end(), p) != protocols.end();
}

}  // namespace

using detail::maintenance_task;
using detail::serve_stream;

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
const kad::HandlerStats& Dht::handler_stats() const { return m_impl->handler.stats(); }
const kad::ValidatorRegistry& Dht::validators() const { return m_impl->validators; }
const Config& Dht::config() const { return m_impl->cfg; }
const Metrics& Dht::metrics() const { return m_impl->metrics; }
host::Host& Dht::host() const { return m_impl->host; }

}  // namespace lotus::dht
