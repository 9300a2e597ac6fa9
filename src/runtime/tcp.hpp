// TCP transport helpers: multiaddr <-> endpoint, DNS resolution, listening and dialing with a
// deadline. TCP_NODELAY is set on every socket (libp2p traffic is small framed messages).
// Accepts /ip4/<a>/tcp/<p>, /ip6/<a>/tcp/<p>, /dns4|dns6|dns/<name>/tcp/<p>, optionally
// followed by /p2p/<id> (ignored here; the host checks it after the handshake).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/time.hpp"
#include "multiformats/multiaddr.hpp"
#include "runtime/asio.hpp"
#include "runtime/byte_stream.hpp"

namespace lotus::runtime {

using tcp = asio::ip::tcp;

enum class errc {
  unsupported_address = 1,  // not an ip4/ip6/dns*/tcp multiaddr
  resolve_failed,           // name did not resolve (to an address of the requested family)
  connect_timeout,          // TCP connect exceeded its deadline
  closed,                   // the remote closed the connection (EOF / WebSocket close)
  ws_upgrade_failed,        // WebSocket HTTP upgrade refused or malformed
  ws_message_too_large,     // WebSocket message above the configured limit
  tls_handshake_failed,     // TLS handshake (wss) failed
  tls_config,               // certificate / key / CA could not be loaded
  tls_certificate_rejected,  // we dialed: the server's certificate failed verification
};
const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

// ip4/ip6 only (no resolution). errc::unsupported_address otherwise.
Result<tcp::endpoint> to_endpoint(const mf::Multiaddr& addr);
// /ip4/<a>/tcp/<p> or /ip6/<a>/tcp/<p>.
mf::Multiaddr to_multiaddr(const tcp::endpoint& ep);
// True for /ip4|ip6|dns|dns4|dns6/<x>/tcp/<port>[/p2p/<id>].
bool is_tcp_multiaddr(const mf::Multiaddr& addr);

// Resolves dns names (keeping only the requested family for dns4/dns6); ip4/ip6 pass through.
asio::awaitable<Result<std::vector<tcp::endpoint>>> resolve(mf::Multiaddr addr);

// Lets another task abort a connect in progress (e.g. at shutdown): cancel() closes the socket
// being connected; the connect then fails with operation_aborted.
struct ConnectCanceller {
  std::function<void()> fn;
  bool cancelled = false;
  void cancel() {
    cancelled = true;
    if (fn) fn();
  }
};

// Connects to the first endpoint that answers within the overall deadline.
asio::awaitable<Result<tcp::socket>> connect(std::vector<tcp::endpoint> endpoints, TimePoint deadline,
                                             std::shared_ptr<ConnectCanceller> canceller = nullptr);

// Opens, binds (SO_REUSEADDR; IPV6_V6ONLY for ip6 so 0.0.0.0 and :: can coexist) and listens.
Result<tcp::acceptor> listen(const asio::any_io_executor& ex, const tcp::endpoint& ep);

void set_socket_options(tcp::socket& s);

// A plain TCP ByteStream ("tcp"). Reads wait for readability and then read without blocking
// (no read syscall finds an empty socket: one syscall per burst instead of two).
std::unique_ptr<ByteStream> make_tcp_stream(tcp::socket s);

// Addresses of this machine's interfaces of the given family (for expanding wildcard binds).
std::vector<asio::ip::address> interface_addresses(bool v6);

std::error_code to_std(const boost::system::error_code& ec);

}  // namespace lotus::runtime

LOTUS_ERRC_ENUM(lotus::runtime::errc)
