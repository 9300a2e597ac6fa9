// WsStream<Next>: a ByteStream over a Beast websocket::stream<Next> (Next: tcp::socket,
// asio::ssl::stream<tcp::socket>, or Beast's in-memory test stream in the fuzz target).
// Internal to runtime/ (and the fuzz target): includes Beast. See ws.hpp for the contract.
//
//   created ──handshake(): [TLS handshake] → HTTP upgrade──▶ open ──close frame / error──▶ closed
// lotus-p2p: internal header (not installed)
#pragma once

#include <algorithm>
#include <string>
#include <type_traits>

#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "runtime/asio.hpp"
#include "runtime/ws.hpp"

namespace lotus::runtime {

namespace beast = boost::beast;

enum class WsRole : std::uint8_t { server, client };

// Maps Beast/Asio errors of an upgrading or established WebSocket to our codes. During the
// upgrade every failure is reported as ws_upgrade_failed (the host turns a deadline that closed
// the socket into its own handshake_timeout).
inline std::error_code map_ws_error(const boost::system::error_code& ec, bool upgrading) {
  namespace ws = beast::websocket;
  if (ec == ws::error::message_too_big || ec == ws::error::buffer_overflow) return errc::ws_message_too_large;
  if (upgrading) return errc::ws_upgrade_failed;
  if (ec == ws::error::closed || ec == asio::error::eof) return errc::closed;
  return ec;
}

template <class Next>
class WsStream final : public ByteStream {
 public:
  // Beast's ssl teardown hooks come from <boost/beast/websocket/ssl.hpp> (ws.cpp includes it).
  // `tls_handshake` performs the TLS handshake on next_layer() (empty for plain streams).
  using TlsHandshake = asio::awaitable<Status> (*)(WsStream&);

  WsStream(Next next, WsRole role, WsOptions opts, std::string host, std::string_view transport,
           mf::Multiaddr remote, mf::Multiaddr local, TlsHandshake tls = nullptr)
      : m_ws(std::move(next)),
        m_role(role),
        m_host(std::move(host)),
        m_transport(transport),
        m_remote(std::move(remote)),
        m_local(std::move(local)),
        m_tls(tls),
        m_max_write(std::max<std::size_t>(opts.max_write_message, 1)) {
    m_ws.binary(true);
    m_ws.auto_fragment(false);
    m_ws.read_message_max(opts.max_message_size);
    m_ws.write_buffer_bytes(opts.write_buffer);
  }

  beast::websocket::stream<Next>& ws() { return m_ws; }
  WsRole role() const { return m_role; }
  const std::string& host() const { return m_host; }

  asio::awaitable<Status> handshake() override {
    if (m_tls) {
      if (auto s = co_await m_tls(*this); !s) co_return s.error();
    }
    boost::system::error_code ec;
    if (m_role == WsRole::server) {
      co_await m_ws.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    } else {
      co_await m_ws.async_handshake(m_host, "/", asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) co_return map_ws_error(ec, true);
    m_open = true;
    co_return Status{};
  }

  asio::awaitable<Result<std::size_t>> read_some(MutBytesView buf) override {
    while (true) {
      boost::system::error_code ec;
      const auto n = co_await m_ws.async_read_some(asio::buffer(buf.data(), buf.size()),
                                                   asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return map_ws_error(ec, false);
      if (n > 0) co_return n;  // an empty message (or frame) carries nothing: read on
    }
  }

  asio::awaitable<Status> write(BytesView data) override {
    while (!data.empty()) {
      const auto n = std::min(data.size(), m_max_write);
      boost::system::error_code ec;
      co_await m_ws.async_write(asio::buffer(data.data(), n), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return map_ws_error(ec, false);
      data = data.subspan(n);
    }
    co_return Status{};
  }

  void close() override {
    auto& lowest = beast::get_lowest_layer(m_ws);
    using Lowest = std::remove_reference_t<decltype(lowest)>;
    if constexpr (requires(Lowest& l, boost::system::error_code& e) { l.close(e); }) {
      boost::system::error_code ignored;  // sockets: non-throwing close
      lowest.close(ignored);
    } else {
      lowest.close();  // Beast's in-memory test stream (fuzz target) has only close()
    }
  }

  std::string_view transport() const override { return m_transport; }
  mf::Multiaddr remote_addr() const override { return m_remote; }
  mf::Multiaddr local_addr() const override { return m_local; }

 private:
  beast::websocket::stream<Next> m_ws;
  WsRole m_role;
  std::string m_host;
  std::string_view m_transport;
  mf::Multiaddr m_remote;
  mf::Multiaddr m_local;
  TlsHandshake m_tls;
  std::size_t m_max_write;
  bool m_open = false;
};

}  // namespace lotus::runtime
