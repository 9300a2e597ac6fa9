// WebSocket transport: TLS contexts, address parsing, WsStream factories (see ws.hpp).
#include "runtime/ws.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <charconv>

#include "runtime/ws_stream.hpp"

namespace lotus::runtime {

namespace ssl = asio::ssl;

class TlsContext {
 public:
  explicit TlsContext(ssl::context::method m) : ctx(m) {}
  ssl::context ctx;
  bool verify = false;
};

const char* to_string(Transport t) noexcept {
  switch (t) {
    case Transport::plain:
      return "tcp";
    case Transport::ws:
      return "ws";
    case Transport::wss:
      return "wss";
  }
  return "tcp";
}

Result<TransportAddr> parse_transport_addr(const mf::Multiaddr& addr) {
  const auto& c = addr.components();
  std::size_t n = c.size();
  if (n > 0 && c[n - 1].code == mf::proto::p2p) --n;
  if (n < 2 || c[1].code != mf::proto::tcp) return errc::unsupported_address;
  TransportAddr out;
  if (n == 2) {
    out.transport = Transport::plain;
  } else if (n == 3 && c[2].code == mf::proto::ws) {
    out.transport = Transport::ws;
  } else if (n == 3 && c[2].code == mf::proto::wss) {
    out.transport = Transport::wss;
  } else if (n == 4 && c[2].code == mf::proto::tls && c[3].code == mf::proto::ws) {
    out.transport = Transport::wss;
  } else {
    return errc::unsupported_address;
  }
  mf::Multiaddr tcp_part;
  tcp_part.push(c[0]);
  tcp_part.push(c[1]);
  if (!is_tcp_multiaddr(tcp_part)) return errc::unsupported_address;
  auto host = tcp_part.value_of(c[0].code);
  auto port = tcp_part.value_of(mf::proto::tcp);
  if (!host || !port) return errc::unsupported_address;
  unsigned v = 0;
  auto [ptr, ec] = std::from_chars(port->data(), port->data() + port->size(), v);
  if (ec != std::errc() || ptr != port->data() + port->size() || v > 65535) return errc::unsupported_address;
  out.tcp_addr = std::move(tcp_part);
  out.host = std::move(*host);
  out.port = static_cast<std::uint16_t>(v);
  return out;
}

mf::Multiaddr with_transport(const mf::Multiaddr& tcp_addr, Transport t) {
  if (t == Transport::plain || tcp_addr.empty()) return tcp_addr;
  mf::Multiaddr out = tcp_addr;
  if (t == Transport::wss) out.push(mf::Component{mf::proto::tls, {}});
  out.push(mf::Component{mf::proto::ws, {}});
  return out;
}

namespace {

template <class F>
Status tls_try(F&& f) {
  boost::system::error_code ec;
  f(ec);
  if (ec) return errc::tls_config;
  return Status{};
}

mf::Multiaddr endpoint_addr(const tcp::socket& s, bool remote, Transport t) {
  boost::system::error_code ec;
  auto ep = remote ? s.remote_endpoint(ec) : s.local_endpoint(ec);
  if (ec) return {};
  return with_transport(to_multiaddr(ep), t);
}

using PlainWs = WsStream<tcp::socket>;
using TlsWs = WsStream<ssl::stream<tcp::socket>>;

asio::awaitable<Status> tls_handshake(TlsWs& s) {
  auto& tls = s.ws().next_layer();
  boost::system::error_code ec;
  co_await tls.async_handshake(s.role() == WsRole::server ? ssl::stream_base::server : ssl::stream_base::client,
                               asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    if (s.role() == WsRole::client && SSL_get_verify_result(tls.native_handle()) != X509_V_OK)
      co_return errc::tls_certificate_rejected;
    co_return errc::tls_handshake_failed;
  }
  co_return Status{};
}

}  // namespace

Result<std::shared_ptr<TlsContext>> make_tls_server_context(const TlsServerConfig& cfg) {
  auto t = std::make_shared<TlsContext>(ssl::context::tls_server);
  auto& ctx = t->ctx;
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  Status s;
  if (!cfg.cert_pem.empty()) {
    s = tls_try([&](auto& ec) { ctx.use_certificate_chain(asio::buffer(cfg.cert_pem), ec); });
  } else if (!cfg.cert_file.empty()) {
    s = tls_try([&](auto& ec) { ctx.use_certificate_chain_file(cfg.cert_file, ec); });
  } else {
    return errc::tls_config;
  }
  if (!s) return s.error();
  if (!cfg.key_pem.empty()) {
    s = tls_try([&](auto& ec) { ctx.use_private_key(asio::buffer(cfg.key_pem), ssl::context::pem, ec); });
  } else if (!cfg.key_file.empty()) {
    s = tls_try([&](auto& ec) { ctx.use_private_key_file(cfg.key_file, ssl::context::pem, ec); });
  } else {
    return errc::tls_config;
  }
  if (!s) return s.error();
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) return errc::tls_config;
  return t;
}

Result<std::shared_ptr<TlsContext>> make_tls_client_context(const TlsClientConfig& cfg) {
  auto t = std::make_shared<TlsContext>(ssl::context::tls_client);
  auto& ctx = t->ctx;
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  t->verify = cfg.verify_peer;
  if (!cfg.verify_peer) {
    ctx.set_verify_mode(ssl::verify_none);
    return t;
  }
  ctx.set_verify_mode(ssl::verify_peer);
  Status s;
  if (!cfg.ca_pem.empty()) {
    s = tls_try([&](auto& ec) { ctx.add_certificate_authority(asio::buffer(cfg.ca_pem), ec); });
  } else if (!cfg.ca_file.empty()) {
    s = tls_try([&](auto& ec) { ctx.load_verify_file(cfg.ca_file, ec); });
  } else {
    s = tls_try([&](auto& ec) { ctx.set_default_verify_paths(ec); });
  }
  if (!s) return s.error();
  return t;
}

std::unique_ptr<ByteStream> make_ws_server_stream(tcp::socket s, std::shared_ptr<TlsContext> tls, WsOptions opts) {
  const auto t = tls ? Transport::wss : Transport::ws;
  auto remote = endpoint_addr(s, true, t);
  auto local = endpoint_addr(s, false, t);
  if (!tls) {
    return std::make_unique<PlainWs>(std::move(s), WsRole::server, opts, std::string(), to_string(t), std::move(remote),
                                     std::move(local));
  }
  // The TlsContext outlives the stream: ssl::stream keeps a reference to its SSL_CTX via SSL_new
  // (OpenSSL reference-counts the SSL_CTX), so the shared_ptr may go.
  return std::make_unique<TlsWs>(ssl::stream<tcp::socket>(std::move(s), tls->ctx), WsRole::server, opts,
                                 std::string(), to_string(t), std::move(remote), std::move(local), &tls_handshake);
}

std::unique_ptr<ByteStream> make_ws_client_stream(tcp::socket s, std::shared_ptr<TlsContext> tls, std::string host,
                                                  std::uint16_t port, WsOptions opts) {
  const auto t = tls ? Transport::wss : Transport::ws;
  auto remote = endpoint_addr(s, true, t);
  auto local = endpoint_addr(s, false, t);
  // Host header: name:port (IPv6 literals in brackets).
  std::string host_header = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  host_header += ":" + std::to_string(port);
  if (!tls) {
    return std::make_unique<PlainWs>(std::move(s), WsRole::client, opts, std::move(host_header), to_string(t),
                                     std::move(remote), std::move(local));
  }
  ssl::stream<tcp::socket> stream(std::move(s), tls->ctx);
  boost::system::error_code ignored;
  boost::system::error_code not_ip;
  (void)asio::ip::make_address(host, not_ip);
  if (not_ip) SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());  // SNI: names only (RFC 6066)
  if (tls->verify) stream.set_verify_callback(ssl::host_name_verification(host), ignored);
  return std::make_unique<TlsWs>(std::move(stream), WsRole::client, opts, std::move(host_header), to_string(t),
                                 std::move(remote), std::move(local), &tls_handshake);
}

}  // namespace lotus::runtime
