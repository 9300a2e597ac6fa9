#include "runtime/tcp.hpp"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cassert>
#include <charconv>
#include <cstring>

#include "runtime/watchdog.hpp"

namespace lotus::runtime {

const std::error_category& category() noexcept {
  static const TableCategory cat("transport",
                                 {{1, "unsupported address (want /ip4|ip6|dns4|dns6/…/tcp/<port>)"},
                                  {2, "name did not resolve"},
                                  {3, "TCP connect timed out"},
                                  {4, "connection closed by the remote"},
                                  {5, "WebSocket upgrade failed (not a valid HTTP upgrade)"},
                                  {6, "WebSocket message larger than the limit"},
                                  {7, "TLS handshake failed"},
                                  {8, "TLS certificate, key or CA could not be loaded"},
                                  {9, "TLS: the server's certificate was rejected (not trusted, or not for this "
                                      "host)"}});
  return cat;
}

std::error_code to_std(const boost::system::error_code& ec) { return ec; }

namespace {

std::optional<std::uint16_t> port_of(const mf::Multiaddr& addr) {
  auto p = addr.value_of(mf::proto::tcp);
  if (!p) return std::nullopt;
  unsigned v = 0;
  auto [ptr, ec] = std::from_chars(p->data(), p->data() + p->size(), v);
  if (ec != std::errc() || ptr != p->data() + p->size() || v > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(v);
}

// The first component is the host part, the second /tcp/, then optionally /p2p/.
bool shape_ok(const mf::Multiaddr& addr) {
  const auto& c = addr.components();
  if (c.size() < 2 || c.size() > 3) return false;
  if (c[1].code != mf::proto::tcp) return false;
  if (c.size() == 3 && c[2].code != mf::proto::p2p) return false;
  switch (c[0].code) {
    case mf::proto::ip4:
    case mf::proto::ip6:
    case mf::proto::dns:
    case mf::proto::dns4:
    case mf::proto::dns6:
      return true;
    default:
      return false;
  }
}

}  // namespace

bool is_tcp_multiaddr(const mf::Multiaddr& addr) { return shape_ok(addr); }

Result<tcp::endpoint> to_endpoint(const mf::Multiaddr& addr) {
  if (!shape_ok(addr)) return errc::unsupported_address;
  const auto code = addr.components()[0].code;
  if (code != mf::proto::ip4 && code != mf::proto::ip6) return errc::unsupported_address;
  auto host = addr.value_of(code);
  auto port = port_of(addr);
  if (!host || !port) return errc::unsupported_address;
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(*host, ec);
  if (ec) return errc::unsupported_address;
  return tcp::endpoint(ip, *port);
}

mf::Multiaddr to_multiaddr(const tcp::endpoint& ep) {
  auto ip = ep.address();
  if (ip.is_v6() && ip.to_v6().is_v4_mapped()) ip = asio::ip::make_address_v4(asio::ip::v4_mapped, ip.to_v6());
  std::string text = ip.is_v4() ? "/ip4/" : "/ip6/";
  if (ip.is_v6()) {
    auto v6 = ip.to_v6();
    v6.scope_id(0);  // /ip6/ cannot carry a zone; /ip6zone/ is not supported here
    text += v6.to_string();
  } else {
    text += ip.to_string();
  }
  text += "/tcp/" + std::to_string(ep.port());
  auto ma = mf::Multiaddr::parse(text);
  assert(ma.has_value());
  return std::move(ma).value();
}

asio::awaitable<Result<std::vector<tcp::endpoint>>> resolve(mf::Multiaddr addr) {
  if (!shape_ok(addr)) co_return errc::unsupported_address;
  const auto code = addr.components()[0].code;
  if (code == mf::proto::ip4 || code == mf::proto::ip6) {
    auto ep = to_endpoint(addr);
    if (!ep) co_return ep.error();
    co_return std::vector<tcp::endpoint>{*ep};
  }
  auto name = addr.value_of(code);
  auto port = port_of(addr);
  if (!name || !port) co_return errc::unsupported_address;
  tcp::resolver resolver(co_await asio::this_coro::executor);
  boost::system::error_code ec;
  auto results = co_await resolver.async_resolve(*name, std::to_string(*port),
                                                 asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return errc::resolve_failed;
  std::vector<tcp::endpoint> out;
  for (const auto& r : results) {
    const auto& ep = r.endpoint();
    if (code == mf::proto::dns4 && !ep.address().is_v4()) continue;
    if (code == mf::proto::dns6 && !ep.address().is_v6()) continue;
    out.push_back(ep);
  }
  if (out.empty()) co_return errc::resolve_failed;
  co_return out;
}

void set_socket_options(tcp::socket& s) {
  boost::system::error_code ec;
  s.set_option(tcp::no_delay(true), ec);  // best effort
}

asio::awaitable<Result<tcp::socket>> connect(std::vector<tcp::endpoint> endpoints, TimePoint deadline,
                                             std::shared_ptr<ConnectCanceller> canceller) {
  auto ex = co_await asio::this_coro::executor;
  std::error_code last = errc::resolve_failed;
  for (const auto& ep : endpoints) {
    if (Clock::now() >= deadline) co_return errc::connect_timeout;
    if (canceller && canceller->cancelled) co_return std::error_code(boost::system::error_code(asio::error::operation_aborted));
    tcp::socket sock(ex);
    if (canceller) {
      canceller->fn = [&sock] {
        boost::system::error_code ignored;
        sock.close(ignored);
      };
    }
    Watchdog dog(ex, deadline, [&sock] {
      boost::system::error_code ignored;
      sock.close(ignored);
    });
    boost::system::error_code ec;
    co_await sock.async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
    const bool timed_out = dog.expired();
    dog.disarm();
    if (canceller) {
      canceller->fn = nullptr;
      if (canceller->cancelled) co_return std::error_code(boost::system::error_code(asio::error::operation_aborted));
    }
    if (timed_out) co_return errc::connect_timeout;
    if (!ec) {
      set_socket_options(sock);
      co_return std::move(sock);
    }
    last = ec;
  }
  co_return last;
}

Result<tcp::acceptor> listen(const asio::any_io_executor& ex, const tcp::endpoint& ep) {
  tcp::acceptor acc(ex);
  boost::system::error_code ec;
  acc.open(ep.protocol(), ec);
  if (ec) return std::error_code(ec);
  acc.set_option(tcp::acceptor::reuse_address(true), ec);
  if (ep.address().is_v6()) acc.set_option(asio::ip::v6_only(true), ec);
  acc.bind(ep, ec);
  if (ec) return std::error_code(ec);
  acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return std::error_code(ec);
  return acc;
}

std::vector<asio::ip::address> interface_addresses(bool v6) {
  std::vector<asio::ip::address> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (auto* it = list; it != nullptr; it = it->ifa_next) {
    if (it->ifa_addr == nullptr || (it->ifa_flags & IFF_UP) == 0) continue;
    if (!v6 && it->ifa_addr->sa_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(static_cast<const void*>(it->ifa_addr));
      asio::ip::address_v4::bytes_type b;
      std::memcpy(b.data(), &sin->sin_addr, 4);
      out.emplace_back(asio::ip::address_v4(b));
    } else if (v6 && it->ifa_addr->sa_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(static_cast<const void*>(it->ifa_addr));
      asio::ip::address_v6::bytes_type b;
      std::memcpy(b.data(), &sin6->sin6_addr, 16);
      asio::ip::address_v6 a(b);
      if (a.is_link_local()) continue;  // needs a zone; not expressible as /ip6/
      out.emplace_back(a);
    }
  }
  freeifaddrs(list);
  return out;
}

}  // namespace lotus::runtime
