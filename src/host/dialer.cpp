// Host: dialer — one dial per peer at a time (concurrent dials share it), resolution through
// the pluggable resolver or getaddrinfo, admission (gates, pending-dial limit), the outbound
// upgrade; connect by peer id from the peer store.
#include "host/host.hpp"

#include "host/detail.hpp"
#include "runtime/dns_resolver.hpp"

namespace lotus::host {

using detail::Conn;

namespace detail {

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
  h->begin_upgrade(c);
  auto s = co_await c->upgrade(expected);
  h->end_upgrade(*c);
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

asio::awaitable<Result<ConnectionInfo>> Host::dial(mf::Multiaddr addr) {
  return detail::dial(m_impl, std::move(addr));
}

asio::awaitable<Result<ConnectionInfo>> Host::connect(mf::PeerId peer) {
  return detail::connect_peer(m_impl, std::move(peer));
}

}  // namespace lotus::host
