// DnsResolver: a small stub resolver over Asio UDP (with TCP fallback for truncated answers)
// using the sans-IO proto/dns encoder/parser, plus multiaddr resolution:
//   /dns4/<name>/…, /dns6/<name>/…, /dns/<name>/…  → /ip4|ip6/<address>/… (A / AAAA / both)
//   /dnsaddr/<name>[/…]  → the multiaddr dnsaddr spec (multiformats/multiaddr, protocols/DNSADDR):
//       TXT records of _dnsaddr.<name> of the form "dnsaddr=<multiaddr>"; results that are
//       /dnsaddr/ again are resolved recursively (depth-limited, each name queried once, so
//       loops end); when the address carries components after the name (typically
//       /p2p/<id>), only results ending with those components are kept; results capped.
//
// Servers: DnsResolverConfig::servers, or the nameservers of /etc/resolv.conf when empty
// (tests point it at an in-process fake server). Each server is tried in order, `attempts`
// times each, every attempt bounded by `timeout`. Responses from another address or with
// another id are ignored (anti-spoofing, as stub resolvers do); a malformed response fails
// the attempt with its dns::errc.
//
// Threading: use from the io_context thread that runs `ex`. The resolver must outlive every
// call (the coroutines refer to it). A call in progress ends within servers × attempts ×
// timeout; there is no separate cancellation.
//
// Not done: search domains/ndots of resolv.conf, caching, EDNS(0), DNSSEC, /etc/hosts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/rng.hpp"
#include "base/time.hpp"
#include "multiformats/multiaddr.hpp"
#include "proto/dns/message.hpp"
#include "runtime/asio.hpp"

namespace lotus::runtime {

enum class DnsErrc {
  no_servers = 1,   // no server configured and none found in resolv.conf
  timeout,          // no usable answer from any server in time
  no_records,       // the name exists but has no record of the requested type
  bad_name,         // not a valid DNS name
  depth_exceeded,   // /dnsaddr recursion deeper than max_dnsaddr_depth (and nothing resolved)
  not_dns_address,  // resolve(): the multiaddr does not start with dns/dns4/dns6/dnsaddr/ip4/ip6
};
const std::error_category& dns_category() noexcept;
inline std::error_code make_error_code(DnsErrc e) noexcept { return {static_cast<int>(e), dns_category()}; }

struct DnsResolverConfig {
  std::vector<asio::ip::udp::endpoint> servers;  // empty: nameservers from resolv_conf
  std::string resolv_conf = "/etc/resolv.conf";
  Duration timeout = std::chrono::seconds(2);  // per attempt
  int attempts = 2;                            // per server
  bool tcp_fallback = true;                    // retry over TCP when the UDP answer is truncated
  proto::dns::Limits limits{};                 // response size and record count bounds
  int max_dnsaddr_depth = 8;                   // nested /dnsaddr levels followed
  std::size_t max_dnsaddr_results = 64;        // addresses returned at most
  std::size_t max_dnsaddr_queries = 32;        // TXT lookups per resolve_dnsaddr call
};

class DnsResolver {
 public:
  // `rng` picks query ids (default: SystemRng); not owned.
  explicit DnsResolver(const asio::any_io_executor& ex, DnsResolverConfig config = {}, Rng* rng = nullptr);

  const DnsResolverConfig& config() const noexcept { return m_cfg; }
  // "nameserver <ip>" lines of a resolv.conf file (port 53); empty if unreadable.
  static std::vector<asio::ip::udp::endpoint> read_resolv_conf(const std::string& path);

  // One query; the response is checked against it (dns::check_response).
  asio::awaitable<Result<proto::dns::Message>> query(std::string name, std::uint16_t qtype);
  // A (v6 = false) or AAAA records of the name (CNAME chains as answered by the server).
  asio::awaitable<Result<std::vector<asio::ip::address>>> resolve_ip(std::string name, bool v6);
  // Every TXT record of the name, its character-strings concatenated.
  asio::awaitable<Result<std::vector<std::string>>> resolve_txt(std::string name);
  // /dnsaddr/<name>[/suffix…] → multiaddrs (see the header comment).
  asio::awaitable<Result<std::vector<mf::Multiaddr>>> resolve_dnsaddr(mf::Multiaddr addr);
  // dns/dns4/dns6/dnsaddr → ip4/ip6 multiaddrs; ip4/ip6 addresses are returned as they are.
  asio::awaitable<Result<std::vector<mf::Multiaddr>>> resolve(mf::Multiaddr addr);

 private:
  asio::awaitable<Result<proto::dns::Message>> exchange_udp(asio::ip::udp::endpoint server, Bytes query);
  asio::awaitable<Result<proto::dns::Message>> exchange_tcp(asio::ip::udp::endpoint server, Bytes query);

  asio::any_io_executor m_ex;
  DnsResolverConfig m_cfg;
  Rng* m_rng;
};

}  // namespace lotus::runtime

LOTUS_ERRC_ENUM(lotus::runtime::DnsErrc)
