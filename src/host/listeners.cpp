// Host: listeners — accepting sockets on every transport, admission before the handshake, the
// inbound upgrade; listen(), TLS reload, listen and full addresses.
#include "host/host.hpp"

#include "base/log.hpp"
#include "host/detail.hpp"

namespace lotus::host {

using detail::Conn;

namespace detail {

asio::awaitable<void> handle_inbound(std::shared_ptr<Conn> c);

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
    } else if (h->inbound_upgrading >= h->cfg.conn_manager.max_handshaking) {
      refused = "max_handshaking";  // a slow-handshake flood holds these, not the connection cap
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
    h->begin_upgrade(c);
    if (!h->scope.spawn(handle_inbound(c), "conn.inbound")) c->close(errc::host_stopped, false);
  }
}

asio::awaitable<void> handle_inbound(std::shared_ptr<Conn> c) {
  auto s = co_await c->upgrade(std::nullopt);
  auto h = c->host;
  h->end_upgrade(*c);
  if (!s || h->stopping || c->closed) {
    if (!s) LOTUS_LOG(debug, "host", "inbound upgrade failed: " + s.error().message());
    if (!s) ++h->metrics.handshake_failures[handshake_failure_reason(s.error())];
    c->close(s ? std::error_code(errc::host_stopped) : s.error(), false);
    co_return;
  }
  if (!admit_secured(*h, *c)) co_return;
  h->on_conn_open(c);
}

}  // namespace detail

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

}  // namespace lotus::host
