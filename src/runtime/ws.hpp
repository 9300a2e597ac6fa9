// WebSocket transport (RFC 6455 via Boost.Beast; libp2p's /ws and /tls/ws = /wss addresses)
// and the transport-address parsing shared by the host's dialer and listeners.
//
// What it does: the HTTP/1.1 upgrade (server: any path; client: GET / with the dialed host
// name), binary messages (one write() = one message, no fragmentation or compression), text
// messages accepted as bytes (js accepts both), ping/pong/close answered by Beast, incoming
// messages bounded by WsOptions::max_message_size. wss: TLS (OpenSSL via asio::ssl) with a
// certificate + key for listeners; dialers verify the server certificate against the system
// store or a given CA and the host name (both optional: Noise authenticates the peer anyway).
// Deliberately not done: permessage-deflate, HTTP proxies, a WebSocket close handshake on
// close() (close() is abrupt; the host closes after the muxer said goodbye), /sni/ dialing.
//
// Beast stays out of this header (and out of every public header): WsStream<> lives in
// runtime/ws_stream.hpp, included by ws.cpp and the fuzz target only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/result.hpp"
#include "multiformats/multiaddr.hpp"
#include "runtime/byte_stream.hpp"
#include "runtime/tcp.hpp"

namespace lotus::runtime {

enum class Transport : std::uint8_t { plain, ws, wss };  // plain = TCP without WebSocket
const char* to_string(Transport t) noexcept;  // "tcp" | "ws" | "wss"

// /ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>[/ws | /wss | /tls/ws][/p2p/<id>]
struct TransportAddr {
  Transport transport = Transport::plain;
  mf::Multiaddr tcp_addr;  // /<host part>/<h>/tcp/<p> (what runtime::resolve takes)
  std::string host;        // host name or IP literal (HTTP Host header, TLS SNI/verification)
  std::uint16_t port = 0;
};
// errc::unsupported_address for anything else.
Result<TransportAddr> parse_transport_addr(const mf::Multiaddr& addr);
// tcp_addr + "/ws" or "/tls/ws" (nothing for tcp).
mf::Multiaddr with_transport(const mf::Multiaddr& tcp_addr, Transport t);

struct TlsServerConfig {  // PEM text, or file paths (PEM); text wins when both are set
  std::string cert_pem;
  std::string key_pem;
  std::string cert_file;
  std::string key_file;
};
struct TlsClientConfig {
  bool verify_peer = true;  // check the certificate chain and the host name
  std::string ca_pem;       // trusted CA (PEM); empty: the system's default store
  std::string ca_file;
};

// An asio::ssl::context (opaque here).
class TlsContext;
Result<std::shared_ptr<TlsContext>> make_tls_server_context(const TlsServerConfig& cfg);
Result<std::shared_ptr<TlsContext>> make_tls_client_context(const TlsClientConfig& cfg);

struct WsOptions {
  std::size_t max_message_size = 1024 * 1024;  // incoming; js sends one Noise frame (≤ 64 KiB) per message
  std::size_t write_buffer = 64 * 1024;        // Beast's client masking buffer
  // write() splits larger buffers into messages of at most this size, so that peers with a
  // receive limit (ours: max_message_size; browsers, other stacks) accept them.
  std::size_t max_write_message = 256 * 1024;
};

// Server side of an accepted TCP connection (tls == nullptr: plain ws). handshake() runs the
// TLS handshake (wss) and the HTTP upgrade; garbage → errc::ws_upgrade_failed (Beast answers
// 400 Bad Request), a TLS failure → errc::tls_handshake_failed.
std::unique_ptr<ByteStream> make_ws_server_stream(tcp::socket s, std::shared_ptr<TlsContext> tls, WsOptions opts);
// Client side of a connected TCP socket: `host` goes into the Host header (with the port) and
// the TLS SNI / certificate check; a certificate that fails verification →
// errc::tls_certificate_rejected, any other TLS failure → errc::tls_handshake_failed.
std::unique_ptr<ByteStream> make_ws_client_stream(tcp::socket s, std::shared_ptr<TlsContext> tls, std::string host,
                                                  std::uint16_t port, WsOptions opts);

}  // namespace lotus::runtime
