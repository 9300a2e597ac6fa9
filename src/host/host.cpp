// Host: listeners, dialer (with dedup), connection registry, protocol registry, events, stop.
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

void Host::Impl::on_conn_closed(Conn& c) {
  conn_mgr.on_closed(c.id);  // connection manager (releases the per-IP count)
  upgrading.erase(c.id);
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

// ---------------------------------------------------------------- peer gates

void Host::Impl::record_refusal(AdmissionPoint point, const std::string& reason, bool limit) {
  if (limit) count_refusal(reason);
  ++metrics.gate_refusals[{to_string(point), reason}];
  LOTUS_LOG(debug, "host", std::string("refused at ") + to_string(point) + ": " + reason);
}

Verdict Host::Impl::admit(AdmissionPoint point, FunctionRef<Verdict(PeerGate&)> check, bool limits) {
  // A copy: a gate may add or remove gates.
  auto chain = gates;
  for (auto& [id, g] : chain) {
    if (auto v = check(*g)) {
      record_refusal(point, *v, false);
      return v;
    }
  }
  if (limits) {
    if (auto v = check(conn_mgr)) {
      record_refusal(point, *v, true);
      return v;
    }
  }
  return std::nullopt;
}

void Host::Impl::close_peer(const mf::PeerId& peer, std::error_code reason) {
  std::vector<std::shared_ptr<Conn>> victims;
  for (auto& [id, c] : conns)
    if (*c->remote_peer == peer) victims.push_back(c);
  for (auto& [id, c] : upgrading)
    if (c->remote_peer && *c->remote_peer == peer) victims.push_back(c);
  for (auto& c : victims) c->close(reason, c->open);
}

void Host::Impl::close_all() {
  std::vector<std::shared_ptr<Conn>> all;
  for (auto& [id, c] : conns) all.push_back(c);
  for (auto& [id, c] : upgrading) all.push_back(c);
  for (auto& c : all) c->close(c->open ? std::error_code{} : std::error_code(errc::host_stopped), c->open);
}

// ---------------------------------------------------------------- tasks

namespace detail {

asio::awaitable<void> accept_loop(std::shared_ptr<Host::Impl> h, std::shared_ptr<tcp::acceptor> acc,
                                  runtime::Transport transport,
                                  std::shared_ptr<std::shared_ptr<runtime::TlsContext>> tls);
asio::awaitable<void> handle_inbound(std::shared_ptr<Conn> c);
asio::awaitable<void> push_task(std::shared_ptr<Conn> c);

namespace {
runtime::WsOptions ws_options(const Config& cfg) {
  runtime::WsOptions o;
  o.max_message_size = cfg.ws_max_message_size;
  return o;
}
}  // namespace

asio::awaitable<void> accept_loop(std::shared_ptr<Host::Impl> h, std::shared_ptr<tcp::acceptor> acc,
                                  runtime::Transport transport,
                                  std::shared_ptr<std::shared_ptr<runtime::TlsContext>> tls) {
  while (!h->stopping && acc->is_open()) {
    boost::system::error_code ec;
    tcp::socket s = co_await acc->async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (h->stopping || !acc->is_open()) break;
    if (ec) {
      LOTUS_LOG(warn, "host", "accept failed: " + ec.message());
      continue;
    }
    // ---- admission (peer gates, then the connection manager): refuse before the handshake
    Verdict refused;
    boost::system::error_code rec;
    const auto rep = s.remote_endpoint(rec);
    const auto cid = h->next_conn_id;
    if (h->conns.size() + h->upgrading.size() >= h->cfg.max_connections) {
      refused = "max_connections";
      h->record_refusal(AdmissionPoint::inbound_ip, *refused, true);
    } else if (!rec) {
      auto ip = rep.address();
      if (ip.is_v6() && ip.to_v6().is_v4_mapped()) ip = asio::ip::make_address_v4(asio::ip::v4_mapped, ip.to_v6());
      const InboundSocket sock{cid, ip.to_string(), ip.is_loopback()};
      const auto now = Clock::now();
      refused = h->admit(AdmissionPoint::inbound_ip, [&](PeerGate& g) { return g.check_inbound_socket(sock, now); },
                         true);
    }
    if (refused || rec) {
      boost::system::error_code ignored;
      s.close(ignored);
      continue;
    }
    // ---- end admission
    runtime::set_socket_options(s);
    std::unique_ptr<runtime::ByteStream> io;
    if (transport == runtime::Transport::plain) {
      io = runtime::make_tcp_stream(std::move(s));
    } else {
      io = runtime::make_ws_server_stream(std::move(s), tls ? *tls : nullptr, ws_options(h->cfg));
    }
    auto c = std::make_shared<Conn>(h, h->next_conn_id++, std::move(io), Direction::inbound);
    h->upgrading.emplace(c->id, c);
    if (!h->scope.spawn(handle_inbound(c), "conn.inbound")) c->close(errc::host_stopped, false);
  }
}

// Admission after the handshake proved the remote's peer id (both directions): false when a
// gate refused; the connection is then closed with errc::refused.
bool admit_secured(Host::Impl& h, Conn& c) {
  const SecuredConnection sc{c.id, *c.remote_peer, c.direction, c.remote_addr};
  const auto now = Clock::now();
  if (!h.admit(AdmissionPoint::connection_peer, [&](PeerGate& g) { return g.check_connection(sc, now); }, false))
    return true;
  c.close(errc::refused, false);
  return false;
}

asio::awaitable<void> handle_inbound(std::shared_ptr<Conn> c) {
  auto s = co_await c->upgrade(std::nullopt);
  auto h = c->host;
  h->upgrading.erase(c->id);
  if (!s || h->stopping || c->closed) {
    if (!s) LOTUS_LOG(debug, "host", "inbound upgrade failed: " + s.error().message());
    if (!s) ++h->metrics.handshake_failures[handshake_failure_reason(s.error())];
    c->close(s ? std::error_code(errc::host_stopped) : s.error(), false);
    co_return;
  }
  if (!admit_secured(*h, *c)) co_return;
  h->on_conn_open(c);
}

// /dns*/<name>/tcp/<port> through Config::dns_resolver: every A/AAAA answer as an endpoint.
asio::awaitable<Result<std::vector<tcp::endpoint>>> resolve_with(runtime::DnsResolver* r, mf::Multiaddr addr) {
  auto mas = co_await r->resolve(addr);
  if (!mas) co_return errc::resolve_failed;
  std::vector<tcp::endpoint> out;
  for (const auto& m : *mas)
    if (auto ep = runtime::to_endpoint(m.without_peer_id())) out.push_back(*ep);
  if (out.empty()) co_return errc::resolve_failed;
  co_return out;
}

asio::awaitable<Result<ConnectionInfo>> dial_once(std::shared_ptr<Host::Impl> h, mf::Multiaddr addr,
                                                  std::optional<mf::PeerId> expected) {
  auto ta = runtime::parse_transport_addr(addr);
  if (!ta) co_return errc::unsupported_address;
  std::shared_ptr<runtime::TlsContext> tls;
  if (ta->transport == runtime::Transport::wss) {
    if (!h->wss_client) {
      runtime::TlsClientConfig tc;
      tc.verify_peer = h->cfg.wss_dial.verify_peer;
      tc.ca_pem = h->cfg.wss_dial.ca_pem;
      tc.ca_file = h->cfg.wss_dial.ca_file;
      auto ctx = runtime::make_tls_client_context(tc);
      if (!ctx) co_return ctx.error();
      h->wss_client = std::move(*ctx);
    }
    tls = h->wss_client;
  }
  Result<std::vector<tcp::endpoint>> eps = errc::resolve_failed;
  const auto first = ta->tcp_addr.empty() ? 0u : ta->tcp_addr.components()[0].code;
  if (h->cfg.dns_resolver != nullptr &&
      (first == mf::proto::dns || first == mf::proto::dns4 || first == mf::proto::dns6)) {
    eps = co_await resolve_with(h->cfg.dns_resolver, ta->tcp_addr);  // the pluggable resolver
  } else {
    eps = co_await runtime::resolve(ta->tcp_addr);
  }
  if (!eps) {
    if (eps.error() == runtime::errc::unsupported_address) co_return errc::unsupported_address;
    if (eps.error() == runtime::errc::resolve_failed) co_return errc::resolve_failed;
    co_return eps.error();
  }
  auto canceller = std::make_shared<runtime::ConnectCanceller>();
  const auto cb = h->scope.add_stop_callback([canceller] { canceller->cancel(); });
  auto sock = co_await runtime::connect(std::move(*eps), Clock::now() + h->cfg.dial_timeout, canceller);
  h->scope.remove_stop_callback(cb);
  if (h->stopping) co_return errc::host_stopped;
  if (!sock) {
    if (sock.error() == runtime::errc::connect_timeout) co_return errc::dial_timeout;
    co_return sock.error();
  }
  std::unique_ptr<runtime::ByteStream> io;
  if (ta->transport == runtime::Transport::plain) {
    io = runtime::make_tcp_stream(std::move(*sock));
  } else {
    io = runtime::make_ws_client_stream(std::move(*sock), std::move(tls), ta->host, ta->port, ws_options(h->cfg));
  }
  auto c = std::make_shared<Conn>(h, h->next_conn_id++, std::move(io), Direction::outbound);
  h->upgrading.emplace(c->id, c);
  auto s = co_await c->upgrade(expected);
  h->upgrading.erase(c->id);
  if (!s) {
    ++h->metrics.handshake_failures[handshake_failure_reason(s.error())];
    c->close(s.error(), false);
    co_return s.error();
  }
  if (h->stopping || c->closed) {
    c->close(errc::host_stopped, false);
    co_return errc::host_stopped;
  }
  if (!admit_secured(*h, *c)) co_return errc::refused;
  h->on_conn_open(c);
  if (c->closed) co_return c->close_reason ? c->close_reason : std::error_code(errc::connection_closed);
  co_return c->info();
}

asio::awaitable<Result<ConnectionInfo>> dial(std::shared_ptr<Host::Impl> h, mf::Multiaddr addr) {
  if (h->stopping) co_return errc::host_stopped;
  if (!runtime::parse_transport_addr(addr)) co_return errc::unsupported_address;
  auto expected = addr.peer_id();
  if (expected && *expected == h->self) co_return errc::dial_to_self;
  {
    const OutboundDial od{expected, addr.without_peer_id()};
    const auto now = Clock::now();
    if (h->admit(AdmissionPoint::outbound_dial, [&](PeerGate& g) { return g.check_dial(od, now); }, false))
      co_return errc::refused;
  }
  if (expected) {
    if (auto c = h->find_conn(*expected)) co_return c->info();
  }
  const std::string key = expected ? "p2p:" + expected->to_base58() : "addr:" + addr.to_string();
  if (auto it = h->dials.find(key); it != h->dials.end()) {
    auto pending = it->second;  // the first caller's attempt: wait for its outcome
    while (!pending->result) co_await pending->done.wait();
    co_return *pending->result;
  }
  if (!h->conn_mgr.begin_dial()) {  // connection manager: dials in flight
    h->record_refusal(AdmissionPoint::outbound_dial, "pending_dials", true);
    co_return errc::dial_limit;
  }
  auto pending = std::make_shared<PendingDial>(h->ex);
  h->dials.emplace(key, pending);
  ++h->metrics.dials_started;
  auto r = co_await dial_once(h, addr.without_peer_id(), expected);
  h->conn_mgr.end_dial();
  ++(r ? h->metrics.dials_succeeded : h->metrics.dials_failed);
  h->dials.erase(key);
  pending->result = r;
  pending->done.notify();
  co_return r;
}

asio::awaitable<Result<ConnectionInfo>> connect_peer(std::shared_ptr<Host::Impl> h, mf::PeerId peer) {
  if (h->stopping) co_return errc::host_stopped;
  if (peer == h->self) co_return errc::dial_to_self;
  if (auto c = h->find_conn(peer)) co_return c->info();
  auto info = h->peers.get(peer);
  if (!info || info->addrs.empty()) co_return errc::no_addresses;
  std::error_code last = errc::no_addresses;
  for (const auto& a : info->addrs) {
    auto r = co_await dial(h, a.with_peer_id(peer));
    if (r) co_return r;
    last = r.error();
    if (last == errc::peer_id_mismatch || last == errc::host_stopped) break;
  }
  co_return last;
}

asio::awaitable<Result<std::shared_ptr<Conn>>> conn_for(std::shared_ptr<Host::Impl> h, mf::PeerId peer) {
  if (auto c = h->find_conn(peer)) co_return c;
  auto r = co_await connect_peer(h, peer);
  if (!r) co_return r.error();
  auto it = h->conns.find(r->id);
  if (it == h->conns.end() || !it->second->usable()) co_return errc::connection_closed;
  co_return it->second;
}

}  // namespace detail

// ---------------------------------------------------------------- connection manager
// One maintenance task per host (started by start() or the first connection): trims above
// the high watermark once grace periods allow, and below the low watermark asks the peer
// sources (and, if enabled, the peer store) for more peers.

namespace detail {

asio::awaitable<void> connect_known(std::shared_ptr<Host::Impl> h, mf::PeerId peer) {
  auto r = co_await connect_peer(h, std::move(peer));
  if (!r) LOTUS_LOG(debug, "host", "redial of a known peer failed: " + r.error().message());
}

void dial_known_peers(const std::shared_ptr<Host::Impl>& h, std::size_t wanted, TimePoint now) {
  std::size_t started = 0;
  for (const auto& p : h->peers.peers()) {
    if (started >= wanted) break;
    if (p == h->self || h->find_conn(p) || !h->conn_mgr.may_redial_known(p, now)) continue;
    auto info = h->peers.get(p);
    if (!info || info->addrs.empty()) continue;
    h->conn_mgr.note_known_redial(p, now);
    if (h->scope.spawn(connect_known(h, p), "connmgr.redial")) ++started;
  }
}

asio::awaitable<void> maintenance_task(std::shared_ptr<Host::Impl> h) {
  std::weak_ptr<Host::Impl> w = h;
  const auto cb = h->scope.add_stop_callback([w] {
    if (auto s = w.lock()) s->maint_wake.notify();
  });
  while (!h->stopping) {
    const auto now = Clock::now();
    const auto victims = h->conn_mgr.select_trim(now);
    std::size_t closed = 0;
    for (auto id : victims) {
      auto it = h->conns.find(id);
      if (it == h->conns.end()) continue;
      auto c = it->second;
      LOTUS_LOG(debug, "host", "connection manager trims connection to " + c->remote_peer->to_base58());
      c->close(errc::trimmed, true);
      ++closed;
    }
    h->conn_mgr.note_trimmed(closed);
    h->metrics.connections_trimmed += closed;
    const bool known = h->cfg.conn_manager.dial_known_peers;
    if (auto wanted = h->conn_mgr.discovery_due(now); wanted > 0 && (known || !h->conn_mgr.peer_sources().empty())) {
      h->conn_mgr.mark_discovery(now);
      for (auto& source : h->conn_mgr.peer_sources()) source(wanted);
      if (known && !h->stopping) dial_known_peers(h, wanted, now);
    }
    const auto deadline = std::min(h->conn_mgr.next_trim_deadline(now), now + h->cfg.conn_manager.check_interval);
    (void)co_await h->maint_wake.wait_until(deadline);
  }
  h->scope.remove_stop_callback(cb);
  h->maint_running = false;
}

}  // namespace detail

void Host::Impl::ensure_maintenance() {
  if (maint_running || stopping) return;
  maint_running = scope.spawn(detail::maintenance_task(shared_from_this()), "connmgr.maintenance");
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

Status Host::start() {
  m_impl->ensure_maintenance();
  const auto before = m_impl->listeners.size();
  for (const auto& a : m_impl->cfg.listen_addrs) {
    auto r = listen(a);
    if (!r) {
      while (m_impl->listeners.size() > before) {
        boost::system::error_code ignored;
        m_impl->listeners.back().acceptor->close(ignored);
        m_impl->listeners.pop_back();
      }
      return r.error();
    }
  }
  return Status{};
}

Result<mf::Multiaddr> Host::listen(const mf::Multiaddr& addr) {
  auto& h = *m_impl;
  if (h.stopping) return errc::host_stopped;
  auto ta = runtime::parse_transport_addr(addr);
  if (!ta || addr.peer_id()) return errc::unsupported_address;
  auto ep = runtime::to_endpoint(ta->tcp_addr);
  if (!ep) return errc::unsupported_address;
  std::shared_ptr<std::shared_ptr<runtime::TlsContext>> tls;
  if (ta->transport == runtime::Transport::wss) {
    runtime::TlsServerConfig tc{h.cfg.tls.cert_pem, h.cfg.tls.key_pem, h.cfg.tls.cert_file, h.cfg.tls.key_file};
    auto ctx = runtime::make_tls_server_context(tc);
    if (!ctx) return ctx.error();
    tls = std::make_shared<std::shared_ptr<runtime::TlsContext>>(std::move(*ctx));
  }
  auto acc = runtime::listen(h.ex, *ep);
  if (!acc) return acc.error();
  auto shared = std::make_shared<tcp::acceptor>(std::move(*acc));
  boost::system::error_code ec;
  auto bound = runtime::with_transport(runtime::to_multiaddr(shared->local_endpoint(ec)), ta->transport);
  if (ec) return std::error_code(ec);
  h.listeners.push_back(Impl::Listener{shared, bound, ta->transport, tls});
  h.scope.spawn(detail::accept_loop(m_impl, shared, ta->transport, tls), "host.accept");
  return bound;
}

Result<std::size_t> Host::reload_tls(std::optional<TlsCertificate> replacement) {
  auto& h = *m_impl;
  const TlsCertificate& cert = replacement ? *replacement : h.cfg.tls;
  runtime::TlsServerConfig tc{cert.cert_pem, cert.key_pem, cert.cert_file, cert.key_file};
  auto ctx = runtime::make_tls_server_context(tc);
  if (!ctx) return ctx.error();  // the listeners keep the certificate they have
  std::size_t n = 0;
  for (auto& l : h.listeners) {
    if (!l.tls) continue;
    *l.tls = *ctx;
    ++n;
  }
  if (replacement) h.cfg.tls = std::move(*replacement);
  return n;
}

std::vector<mf::Multiaddr> Host::listen_addrs() const {
  std::vector<mf::Multiaddr> out;
  for (auto& l : m_impl->listeners) out.push_back(l.bound);
  return out;
}

std::vector<mf::Multiaddr> Host::full_addrs() const {
  std::vector<mf::Multiaddr> out;
  for (auto& l : m_impl->listeners) {
    auto ta = runtime::parse_transport_addr(l.bound);
    auto ep = ta ? runtime::to_endpoint(ta->tcp_addr) : Result<tcp::endpoint>(errc::unsupported_address);
    if (ep && ep->address().is_unspecified()) {
      for (const auto& ip : runtime::interface_addresses(ep->address().is_v6()))
        out.push_back(runtime::with_transport(runtime::to_multiaddr(tcp::endpoint(ip, ep->port())), l.transport)
                          .with_peer_id(m_impl->self));
    } else {
      out.push_back(l.bound.with_peer_id(m_impl->self));
    }
  }
  return out;
}

asio::awaitable<Result<ConnectionInfo>> Host::dial(mf::Multiaddr addr) {
  return detail::dial(m_impl, std::move(addr));
}

asio::awaitable<Result<ConnectionInfo>> Host::connect(mf::PeerId peer) {
  return detail::connect_peer(m_impl, std::move(peer));
}

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

std::uint64_t Host::add_gate(std::shared_ptr<PeerGate> gate) {
  const auto id = m_impl->next_gate_id++;
  m_impl->gates.emplace_back(id, std::move(gate));
  return id;
}

void Host::remove_gate(std::uint64_t id) {
  auto& g = m_impl->gates;
  g.erase(std::remove_if(g.begin(), g.end(), [id](const auto& e) { return e.first == id; }), g.end());
}

bool Host::penalize(const mf::PeerId& peer, std::string reason, int weight) {
  auto& h = *m_impl;
  if (peer == h.self) return false;
  if (h.metrics.penalties.size() < 256 || h.metrics.penalties.count(reason)) ++h.metrics.penalties[reason];
  const Penalty p{peer, std::move(reason), weight};
  const auto now = Clock::now();
  bool refuse = false;
  auto chain = h.gates;
  for (auto& [id, g] : chain) refuse = g->on_penalty(p, now).disconnect || refuse;
  if (refuse) {
    LOTUS_LOG(info, "host", "peer " + peer.to_string() + " is refused after a penalty (" + p.reason + "); disconnecting");
    if (is_connected(peer)) ++h.metrics.penalty_disconnects;
    h.close_peer(peer, errc::refused);
  }
  return refuse;
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
