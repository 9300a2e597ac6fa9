// DNS stub resolver and multiaddr resolution (see dns_resolver.hpp).
#include "runtime/dns_resolver.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <deque>
#include <fstream>
#include <set>
#include <sstream>

#include "runtime/watchdog.hpp"

namespace lotus::runtime {

namespace dns = proto::dns;
using udp = asio::ip::udp;
using tcp = asio::ip::tcp;

const std::error_category& dns_category() noexcept {
  static const TableCategory cat(
      "dns-resolver",
      {{static_cast<int>(DnsErrc::no_servers), "no DNS server configured (and none in resolv.conf)"},
       {static_cast<int>(DnsErrc::timeout), "no answer from any DNS server in time"},
       {static_cast<int>(DnsErrc::no_records), "no records of the requested type"},
       {static_cast<int>(DnsErrc::bad_name), "not a valid DNS name"},
       {static_cast<int>(DnsErrc::depth_exceeded), "/dnsaddr nesting deeper than the limit"},
       {static_cast<int>(DnsErrc::not_dns_address), "multiaddr does not start with dns, dns4, dns6, dnsaddr, ip4 or ip6"}});
  return cat;
}

namespace {

constexpr std::string_view kDnsaddrPrefix = "dnsaddr=";

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::uint16_t read_id(BytesView b) { return static_cast<std::uint16_t>((b[0] << 8) | b[1]); }

// addr with its first component replaced by /ip4|ip6/<ip>.
Result<mf::Multiaddr> with_ip(const mf::Multiaddr& addr, const asio::ip::address& ip) {
  LOTUS_TRY(head, mf::Multiaddr::parse((ip.is_v4() ? "/ip4/" : "/ip6/") + ip.to_string()));
  const auto& c = addr.components();
  for (std::size_t i = 1; i < c.size(); ++i) head.push(c[i]);
  return head;
}

bool ends_with(const mf::Multiaddr& a, const std::vector<mf::Component>& suffix) {
  const auto& c = a.components();
  if (c.size() < suffix.size()) return false;
  return std::equal(suffix.begin(), suffix.end(), c.end() - static_cast<std::ptrdiff_t>(suffix.size()));
}

}  // namespace

DnsResolver::DnsResolver(const asio::any_io_executor& ex, DnsResolverConfig config, Rng* rng)
    : m_ex(ex), m_cfg(std::move(config)), m_rng(rng != nullptr ? rng : &SystemRng::instance()) {}

std::vector<udp::endpoint> DnsResolver::read_resolv_conf(const std::string& path) {
  std::vector<udp::endpoint> out;
  std::ifstream in(path);
  std::string line;
  while (out.size() < 8 && std::getline(in, line)) {
    std::istringstream ls(line);
    std::string key, value;
    if (!(ls >> key >> value) || key != "nameserver") continue;
    boost::system::error_code ec;
    auto ip = asio::ip::make_address(value.substr(0, value.find('%')), ec);  // no zone ids
    if (!ec) out.emplace_back(ip, 53);
  }
  return out;
}

asio::awaitable<Result<dns::Message>> DnsResolver::exchange_udp(udp::endpoint server, Bytes query) {
  const auto id = read_id(query);
  udp::socket sock(m_ex);
  boost::system::error_code ec;
  sock.open(server.protocol(), ec);
  if (ec) co_return std::error_code(ec);
  Watchdog dog(m_ex, m_cfg.timeout, [&sock] {
    boost::system::error_code ignored;
    sock.close(ignored);
  });
  co_await sock.async_send_to(asio::buffer(query), server, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return dog.expired() ? std::error_code(DnsErrc::timeout) : std::error_code(ec);
  // One byte more than the limit: a longer datagram is detected instead of cut silently.
  Bytes buf(std::min<std::size_t>(m_cfg.limits.max_message, 65535) + 1);
  while (true) {
    udp::endpoint from;
    const auto n = co_await sock.async_receive_from(asio::buffer(buf), from,
                                                    asio::redirect_error(asio::use_awaitable, ec));
    if (dog.expired()) co_return DnsErrc::timeout;
    if (ec) co_return std::error_code(ec);
    if (from != server || n < 2 || read_id(BytesView(buf.data(), n)) != id) continue;  // not ours
    if (n >= buf.size()) co_return dns::errc::message_too_large;
    co_return dns::parse(BytesView(buf.data(), n), m_cfg.limits);
  }
}

asio::awaitable<Result<dns::Message>> DnsResolver::exchange_tcp(udp::endpoint server, Bytes query) {
  tcp::socket sock(m_ex);
  Watchdog dog(m_ex, m_cfg.timeout, [&sock] {
    boost::system::error_code ignored;
    sock.close(ignored);
  });
  auto timed = [&](boost::system::error_code e) -> std::error_code {
    return dog.expired() ? std::error_code(DnsErrc::timeout) : std::error_code(e);
  };
  boost::system::error_code ec;
  co_await sock.async_connect(tcp::endpoint(server.address(), server.port()),
                              asio::redirect_error(asio::use_awaitable, ec));
  if (ec || dog.expired()) co_return timed(ec);
  // Sized up front: g++ 12 -O2 flags push_back + insert here (false -Wstringop-overread).
  Bytes framed(2 + query.size());
  framed[0] = static_cast<std::uint8_t>(query.size() >> 8);
  framed[1] = static_cast<std::uint8_t>(query.size());
  std::copy(query.begin(), query.end(), framed.begin() + 2);
  co_await asio::async_write(sock, asio::buffer(framed), asio::redirect_error(asio::use_awaitable, ec));
  if (ec || dog.expired()) co_return timed(ec);
  std::array<std::uint8_t, 2> len{};
  co_await asio::async_read(sock, asio::buffer(len), asio::redirect_error(asio::use_awaitable, ec));
  if (ec || dog.expired()) co_return timed(ec);
  const std::size_t n = (static_cast<std::size_t>(len[0]) << 8) | len[1];
  if (n > m_cfg.limits.max_message) co_return dns::errc::message_too_large;
  Bytes body(n);
  co_await asio::async_read(sock, asio::buffer(body), asio::redirect_error(asio::use_awaitable, ec));
  if (ec || dog.expired()) co_return timed(ec);
  if (n < 2 || read_id(body) != read_id(query)) co_return dns::errc::id_mismatch;
  co_return dns::parse(body, m_cfg.limits);
}

asio::awaitable<Result<dns::Message>> DnsResolver::query(std::string name, std::uint16_t qtype) {
  auto servers = m_cfg.servers.empty() ? read_resolv_conf(m_cfg.resolv_conf) : m_cfg.servers;
  if (servers.empty()) co_return DnsErrc::no_servers;
  const dns::Question question{name, qtype, dns::kClassIn};
  std::error_code last = DnsErrc::timeout;
  for (const auto& server : servers) {
    for (int attempt = 0; attempt < std::max(1, m_cfg.attempts); ++attempt) {
      const auto id = static_cast<std::uint16_t>(m_rng->uniform(65536));
      auto q = dns::encode_query(id, name, qtype);
      if (!q) co_return DnsErrc::bad_name;
      auto r = co_await exchange_udp(server, *q);
      if (r && r->truncated && m_cfg.tcp_fallback) r = co_await exchange_tcp(server, std::move(*q));
      if (!r) {
        last = r.error();
        continue;
      }
      if (auto s = dns::check_response(*r, id, question); !s) {
        if (s.error() == dns::errc::name_error) co_return s.error();  // a definite answer
        last = s.error();
        continue;
      }
      co_return r;
    }
  }
  co_return last;
}

asio::awaitable<Result<std::vector<asio::ip::address>>> DnsResolver::resolve_ip(std::string name, bool v6) {
  auto r = co_await query(name, v6 ? dns::type::aaaa : dns::type::a);
  if (!r) co_return r.error();
  std::vector<asio::ip::address> out;
  for (const auto& rec : r->answers) {
    if (rec.rclass != dns::kClassIn) continue;
    if (!v6 && rec.type == dns::type::a) {
      asio::ip::address_v4::bytes_type b;
      std::copy_n(rec.address.begin(), 4, b.begin());
      out.emplace_back(asio::ip::address_v4(b));
    } else if (v6 && rec.type == dns::type::aaaa) {
      asio::ip::address_v6::bytes_type b;
      std::copy_n(rec.address.begin(), 16, b.begin());
      out.emplace_back(asio::ip::address_v6(b));
    }
  }
  if (out.empty()) co_return DnsErrc::no_records;
  co_return out;
}

asio::awaitable<Result<std::vector<std::string>>> DnsResolver::resolve_txt(std::string name) {
  auto r = co_await query(name, dns::type::txt);
  if (!r) co_return r.error();
  std::vector<std::string> out;
  for (const auto& rec : r->answers) {
    if (rec.type != dns::type::txt || rec.rclass != dns::kClassIn) continue;
    std::string joined;
    for (const auto& s : rec.txt) joined += s;
    out.push_back(std::move(joined));
  }
  if (out.empty()) co_return DnsErrc::no_records;
  co_return out;
}

asio::awaitable<Result<std::vector<mf::Multiaddr>>> DnsResolver::resolve_dnsaddr(mf::Multiaddr addr) {
  if (addr.empty() || addr.components()[0].code != mf::proto::dnsaddr) co_return DnsErrc::not_dns_address;
  struct Item {
    mf::Multiaddr addr;
    int depth;
  };
  std::deque<Item> todo;
  todo.push_back(Item{addr, 0});
  std::set<std::string> seen{lower(*addr.value_of(mf::proto::dnsaddr))};
  std::vector<mf::Multiaddr> out;
  std::error_code first_error;
  bool depth_hit = false;
  std::size_t queries = 0;
  while (!todo.empty() && out.size() < m_cfg.max_dnsaddr_results && queries < m_cfg.max_dnsaddr_queries) {
    Item item = std::move(todo.front());
    todo.pop_front();
    const auto& comps = item.addr.components();
    const std::vector<mf::Component> suffix(comps.begin() + 1, comps.end());
    ++queries;
    auto txts = co_await resolve_txt("_dnsaddr." + *item.addr.value_of(mf::proto::dnsaddr));
    if (!txts) {
      if (!first_error) first_error = txts.error();
      continue;
    }
    for (const auto& t : *txts) {
      if (t.compare(0, kDnsaddrPrefix.size(), kDnsaddrPrefix) != 0) continue;
      auto ma = mf::Multiaddr::parse(std::string_view(t).substr(kDnsaddrPrefix.size()));
      if (!ma || !ends_with(*ma, suffix)) continue;  // malformed, or another peer's entry
      if (ma->components()[0].code == mf::proto::dnsaddr) {
        if (item.depth + 1 > m_cfg.max_dnsaddr_depth) {
          depth_hit = true;
          continue;
        }
        if (seen.insert(lower(*ma->value_of(mf::proto::dnsaddr))).second) todo.push_back(Item{*ma, item.depth + 1});
        continue;
      }
      if (out.size() >= m_cfg.max_dnsaddr_results) break;
      if (std::find(out.begin(), out.end(), *ma) == out.end()) out.push_back(std::move(*ma));
    }
  }
  if (out.empty()) {
    if (depth_hit) co_return DnsErrc::depth_exceeded;
    if (first_error) co_return first_error;
    co_return DnsErrc::no_records;
  }
  co_return out;
}

asio::awaitable<Result<std::vector<mf::Multiaddr>>> DnsResolver::resolve(mf::Multiaddr addr) {
  if (addr.empty()) co_return DnsErrc::not_dns_address;
  const auto code = addr.components()[0].code;
  if (code == mf::proto::ip4 || code == mf::proto::ip6) {
    std::vector<mf::Multiaddr> as_is;  // (no braced list in a coroutine: g++ 12)
    as_is.push_back(std::move(addr));
    co_return as_is;
  }
  std::vector<mf::Multiaddr> inputs;
  if (code == mf::proto::dnsaddr) {
    auto r = co_await resolve_dnsaddr(addr);
    if (!r) co_return r.error();
    inputs = std::move(*r);
  } else if (code == mf::proto::dns || code == mf::proto::dns4 || code == mf::proto::dns6) {
    inputs.push_back(addr);
  } else {
    co_return DnsErrc::not_dns_address;
  }
  std::vector<mf::Multiaddr> out;
  std::error_code first_error;
  for (const auto& in : inputs) {
    const auto c = in.components()[0].code;
    if (c == mf::proto::ip4 || c == mf::proto::ip6) {
      out.push_back(in);
      continue;
    }
    if (c != mf::proto::dns && c != mf::proto::dns4 && c != mf::proto::dns6) continue;  // e.g. unix
    const auto name = *in.value_of(c);
    std::vector<bool> families;
    if (c != mf::proto::dns6) families.push_back(false);
    if (c != mf::proto::dns4) families.push_back(true);
    for (bool v6 : families) {
      auto ips = co_await resolve_ip(name, v6);
      if (!ips) {
        if (!first_error) first_error = ips.error();
        continue;
      }
      for (const auto& ip : *ips) {
        if (out.size() >= m_cfg.max_dnsaddr_results) break;
        if (auto m = with_ip(in, ip)) out.push_back(std::move(*m));
      }
    }
  }
  if (out.empty()) co_return first_error ? first_error : std::error_code(DnsErrc::no_records);
  co_return out;
}

}  // namespace lotus::runtime
