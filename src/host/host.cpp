// Host: construction, the connection registry, protocol handlers, events, streams, stop.
// Listeners, dialer, admission and the connection manager's maintenance have their own files.
#include "host/host.hpp"

#include <algorithm>
#include <set>

#include "base/log.hpp"
#include "host/detail.hpp"
#include "runtime/dns_resolver.hpp"
#include "runtime/watchdog.hpp"

namespace lotus::host {

using detail::Conn;

const std::error_category& category() noexcept {
  static const TableCategory cat(
      "host",
      {{static_cast<int>(errc::unsupported_address), "unsupported address (want /ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>[/ws|/tls/ws|/wss][/p2p/<id>])"},
       {static_cast<int>(errc::resolve_failed), "DNS name did not resolve"},
       {static_cast<int>(errc::dial_timeout), "dial timed out (TCP connect)"},
       {static_cast<int>(errc::handshake_timeout), "connection upgrade (noise/yamux handshake) timed out"},
       {static_cast<int>(errc::negotiation_timeout), "protocol negotiation timed out"},
       {static_cast<int>(errc::peer_id_mismatch), "remote peer proved a different peer id than the one dialed"},
       {static_cast<int>(errc::dial_to_self), "refusing to dial our own peer id"},
       {static_cast<int>(errc::no_addresses), "no known addresses for the peer"},
       {static_cast<int>(errc::security_negotiation_failed), "remote does not support /noise"},
       {static_cast<int>(errc::muxer_negotiation_failed), "remote supports none of our stream muxers (Config::muxers)"},
       {static_cast<int>(errc::protocol_not_supported), "remote does not support the requested protocol"},
       {static_cast<int>(errc::connection_closed), "connection closed"},
       {static_cast<int>(errc::stream_reset), "stream reset"},
       {static_cast<int>(errc::stream_closed), "stream closed for writing"},
       {static_cast<int>(errc::end_of_stream), "stream ended before the expected bytes"},
       {static_cast<int>(errc::message_too_large), "message larger than the limit"},
       {static_cast<int>(errc::host_stopped), "host is stopped"},
       {static_cast<int>(errc::too_many_streams), "too many streams on the connection"},
       {static_cast<int>(errc::bad_ping_response), "ping response did not match"},
       {static_cast<int>(errc::identify_failed), "identify failed"},
       {static_cast<int>(errc::dial_limit), "too many dials in progress (connection manager limit)"},
       {static_cast<int>(errc::trimmed), "closed by the connection manager (over the connection limit)"},
       {static_cast<int>(errc::refused), "refused by the host's peer gate (banned or not admitted)"}});
  return cat;
}

std::string to_string(Direction d) { return d == Direction::inbound ? "inbound" : "outbound"; }

// ---------------------------------------------------------------- Impl

Host::Impl::Impl(asio::io_context& ctx, crypto::PrivateKey key, Config config)
    : io(ctx),
      ex(ctx.get_executor()),
      identity(std::move(key)),
      self(identity.peer_id()),
      cfg(std::move(config)),
      scope(ex),
      peers(cfg.peer_store_limits),
      conn_mgr(cfg.conn_manager),
      maint_wake(ex) {}

void Host::Impl::emit(const Event& e) {
  std::vector<EventListener> ls;
  ls.reserve(event_listeners.size());
  for (auto& [id, l] : event_listeners) ls.push_back(l);
  for (auto& l : ls) l(e);
}

std::vector<std::string> Host::Impl::protocol_list() const {
  std::vector<std::string> out;
  out.reserve(handlers.size());
  for (auto& [p, h] : handlers) out.push_back(p);
  return out;
}

std::shared_ptr<Conn> Host::Impl::find_conn(const mf::PeerId& peer) const {
  std::shared_ptr<Conn> best;
  for (auto& [id, c] : conns) {
    if (c->usable() && *c->remote_peer == peer) best = c;  // newest wins
  }
  return best;
}

void Host::Impl::on_conn_open(const std::shared_ptr<Conn>& c) {
  c->open = true;
  ++metrics.connections_opened_by_direction[to_string(c->direction)];
  conns.emplace(c->id, c);
  auto& info = peers.upsert(*c->remote_peer);
  if (c->remote_key) info.public_key = *c->remote_key;
  if (c->direction == Direction::outbound && !c->remote_addr.empty()) peers.add_addrs(*c->remote_peer, {c->remote_addr});
  peers.set_connected(*c->remote_peer, true);
  ++metrics.connections_opened_by_transport[std::string(c->io->transport())];
  conn_mgr.on_open(c->id, *c->remote_peer, c->direction, Clock::now());  // connection manager
  ensure_maintenance();
  maint_wake.notify();
  c->start_tasks();
  if (c->closed) return;
  emit(PeerConnected{c->info()});
  if (cfg.run_identify && !c->closed) scope.spawn(detail::identify_task(c), "identify.request");
}

void Host::Impl::begin_upgrade(const std::shared_ptr<Conn>& c) {
  if (upgrading.emplace(c->id, c).second && c->direction == Direction::inbound) ++inbound_upgrading;
}

void Host::Impl::end_upgrade(Conn& c) {
  if (upgrading.erase(c.id) != 0 && c.direction == Direction::inbound) --inbound_upgrading;
}

void Host::Impl::on_conn_closed(Conn& c) {
  conn_mgr.on_closed(c.id);  // connection manager (releases the per-IP count)
  end_upgrade(c);
  auto it = conns.find(c.id);
  if (it == conns.end()) return;
  auto keep = it->second;
  conns.erase(it);
  ++metrics.connections_closed;
  const auto& peer = *c.remote_peer;
  bool other = false;
  for (auto& [id, o] : conns) other = other || (*o->remote_peer == peer);
  if (!other) peers.set_connected(peer, false);
  emit(PeerDisconnected{c.info(), c.close_reason});
}

void Host::Impl::close_all() {
  std::vector<std::shared_ptr<Conn>> all;
  for (auto& [id, c] : conns) all.push_back(c);
  for (auto& [id, c] : upgrading) all.push_back(c);
  for (auto& c : all) c->close(c->open ? std::error_code{} : std::error_code(errc::host_stopped), c->open);
}

void Host::Impl::push_identify_to_all() {
  if (stopping) return;
  for (auto& [id, c] : conns) {
    if (c->usable()) scope.spawn(detail::push_task(c), "identify.push");
  }
}

// ---------------------------------------------------------------- Host

namespace {
StreamHandler builtin(std::weak_ptr<Host::Impl> w, asio::awaitable<void> (*fn)(std::shared_ptr<Host::Impl>, Stream)) {
  // Not a coroutine: calls the coroutine function with by-value parameters.
  return [w, fn](Stream s) { return fn(w.lock(), std::move(s)); };
}
asio::awaitable<void> ping_entry(std::shared_ptr<Host::Impl>, Stream s) { return detail::serve_ping(std::move(s)); }
}  // namespace

Host::Host(asio::io_context& io, crypto::PrivateKey identity, Config config)
    : m_impl(std::make_shared<Impl>(io, std::move(identity), std::move(config))) {
  std::weak_ptr<Impl> w = m_impl;
  m_impl->handlers.emplace(kIdentifyProtocol, std::make_shared<const StreamHandler>(builtin(w, &detail::serve_identify)));
  m_impl->handlers.emplace(kIdentifyPushProtocol,
                           std::make_shared<const StreamHandler>(builtin(w, &detail::serve_identify_push)));
  m_impl->handlers.emplace(kPingProtocol, std::make_shared<const StreamHandler>(builtin(w, &ping_entry)));
}

Host::~Host() {
  auto& h = *m_impl;
  if (h.stopped) return;
  // Abrupt: close everything; tasks finish as the io_context keeps running. Nobody is
  // notified any more (listeners may reference objects being destroyed with us).
  h.event_listeners.clear();
  h.stopping = true;
  for (auto& l : h.listeners) {
    boost::system::error_code ignored;
    l.acceptor->close(ignored);
  }
  std::vector<std::shared_ptr<Conn>> all;
  for (auto& [id, c] : h.conns) all.push_back(c);
  for (auto& [id, c] : h.upgrading) all.push_back(c);
  for (auto& c : all) c->close(errc::host_stopped, false);
  h.scope.request_stop();
  h.handlers.clear();
}

const mf::PeerId& Host::peer_id() const { return m_impl->self; }
const crypto::PublicKey& Host::public_key() const { return m_impl->identity.public_key(); }
const Config& Host::config() const { return m_impl->cfg; }
asio::io_context& Host::io_context() const { return m_impl->io; }

namespace detail {
asio::awaitable<Result<Stream>> new_stream_peer(std::shared_ptr<Host::Impl> h, mf::PeerId peer,
                                                std::vector<std::string> protocols) {
  if (protocols.empty()) co_return errc::protocol_not_supported;
  auto c = co_await conn_for(h, std::move(peer));
  if (!c) co_return c.error();
  co_return co_await negotiate_stream(*c, std::move(protocols));
}
asio::awaitable<Result<Stream>> new_stream_addr(std::shared_ptr<Host::Impl> h, mf::Multiaddr addr,
                                                std::vector<std::string> protocols) {
  if (protocols.empty()) co_return errc::protocol_not_supported;
  auto r = co_await dial(h, std::move(addr));
  if (!r) co_return r.error();
  auto it = h->conns.find(r->id);
  std::shared_ptr<Conn> c = (it != h->conns.end() && it->second->usable()) ? it->second : h->find_conn(r->remote_peer);
  if (!c) co_return errc::connection_closed;
  co_return co_await negotiate_stream(c, std::move(protocols));
}
}  // namespace detail

asio::awaitable<Result<Stream>> Host::new_stream(mf::PeerId peer, std::vector<std::string> protocols) {
  return detail::new_stream_peer(m_impl, std::move(peer), std::move(protocols));
}

asio::awaitable<Result<Stream>> Host::new_stream(mf::Multiaddr addr, std::vector<std::string> protocols) {
  return detail::new_stream_addr(m_impl, std::move(addr), std::move(protocols));
}

namespace detail {
asio::awaitable<Result<Duration>> ping_peer(std::shared_ptr<Host::Impl> h, mf::PeerId peer);
asio::awaitable<Result<PeerInfo>> identify_peer(std::shared_ptr<Host::Impl> h, mf::PeerId peer) {
  auto c = co_await conn_for(h, std::move(peer));
  if (!c) co_return c.error();
  co_return co_await run_identify(*c);
}
}  // namespace detail

asio::awaitable<Result<Duration>> Host::ping(mf::PeerId peer) { return detail::ping_peer(m_impl, std::move(peer)); }

asio::awaitable<Result<PeerInfo>> Host::identify(mf::PeerId peer) {
  return detail::identify_peer(m_impl, std::move(peer));
}

void Host::disconnect(const mf::PeerId& peer) {
  std::vector<std::shared_ptr<Conn>> victims;
  for (auto& [id, c] : m_impl->conns)
    if (*c->remote_peer == peer) victims.push_back(c);
  for (auto& c : victims) c->close({}, true);
}

bool Host::is_connected(const mf::PeerId& peer) const { return m_impl->find_conn(peer) != nullptr; }

std::vector<ConnectionInfo> Host::connections() const {
  std::vector<ConnectionInfo> out;
  for (auto& [id, c] : m_impl->conns)
    if (!c->closed) out.push_back(c->info());
  return out;
}

void Host::set_stream_handler(std::string protocol, StreamHandler handler) {
  m_impl->handlers[std::move(protocol)] = std::make_shared<const StreamHandler>(std::move(handler));
  m_impl->push_identify_to_all();
}

void Host::remove_stream_handler(const std::string& protocol) {
  if (m_impl->handlers.erase(protocol) != 0) m_impl->push_identify_to_all();
}

std::vector<std::string> Host::protocols() const { return m_impl->protocol_list(); }

PeerStore& Host::peer_store() { return m_impl->peers; }
const PeerStore& Host::peer_store() const { return m_impl->peers; }
const Metrics& Host::metrics() const { return m_impl->metrics; }
ConnManager& Host::conn_manager() { return m_impl->conn_mgr; }
const ConnManager& Host::conn_manager() const { return m_impl->conn_mgr; }

std::uint64_t Host::add_event_listener(EventListener listener) {
  const auto id = m_impl->next_listener_id++;
  m_impl->event_listeners.emplace(id, std::move(listener));
  return id;
}

void Host::remove_event_listener(std::uint64_t id) { m_impl->event_listeners.erase(id); }

namespace detail {
asio::awaitable<void> stop_host(std::shared_ptr<Host::Impl> h) {
  if (h->stopped) co_return;
  if (!h->stopping) {
    h->stopping = true;
    for (auto& l : h->listeners) {
      boost::system::error_code ignored;
      l.acceptor->close(ignored);
    }
    h->close_all();            // GoAway + drain + close (lingers are spawned here)
    h->scope.request_stop();   // aborts connects in progress; no new tasks
  }
  co_await h->scope.join();
  h->stopped = true;
}
}  // namespace detail

asio::awaitable<void> Host::stop() { return detail::stop_host(m_impl); }

bool Host::stopped() const { return m_impl->stopped; }

}  // namespace lotus::host
