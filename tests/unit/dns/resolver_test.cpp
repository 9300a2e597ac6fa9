// runtime::DnsResolver against an in-process fake DNS server: A/AAAA/TXT, retry, timeout,
// TCP fallback, spoofed ids, NXDOMAIN, oversized answers, /dnsaddr nesting, depth limit,
// loops, result caps, /p2p/ filtering, /dns4 expansion, resolv.conf.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "crypto/keys.hpp"
#include "runtime/dns_resolver.hpp"
#include "unit/dns/fake_dns_server.hpp"
#include "unit/host/test_util.hpp"

namespace lotus::runtime {
namespace {

using lotus::host::testing::run;
using lotus::testing::FakeDnsServer;
namespace dns = proto::dns;

std::string new_peer() {
  auto k = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
  return k->peer_id().to_base58();
}

// A vector from values (inside coroutines: g++ 12 miscompiles braced lists as call arguments).
template <class T, class... A>
std::vector<T> vec(A&&... a) {
  std::vector<T> v;
  (v.emplace_back(std::forward<A>(a)), ...);
  return v;
}

mf::Multiaddr ma(const std::string& s) {
  auto r = mf::Multiaddr::parse(s);
  EXPECT_TRUE(r.has_value()) << s;
  return r ? *r : mf::Multiaddr{};
}

std::vector<std::string> texts(const std::vector<mf::Multiaddr>& v) {
  std::vector<std::string> out;
  for (auto& m : v) out.push_back(m.to_string());
  std::sort(out.begin(), out.end());
  return out;
}

class ResolverTest : public ::testing::Test {
 public:
  ResolverTest() : server(io), rng(42) {
    cfg.servers.push_back(server.endpoint());
    cfg.timeout = std::chrono::milliseconds(300);
    cfg.attempts = 2;
  }
  DnsResolver make() { return DnsResolver(io.get_executor(), cfg, &rng); }

  asio::io_context io;
  FakeDnsServer server;
  DeterministicRng rng;
  DnsResolverConfig cfg;
};

TEST_F(ResolverTest, ResolvesAAndAaaaAndTxt) {
  server.add_a("host.test", {10, 1, 2, 3});
  server.add_a("host.test", {10, 1, 2, 4});
  std::array<std::uint8_t, 16> v6{};
  v6[0] = 0xfd;
  v6[15] = 7;
  server.add_aaaa("host.test", v6);
  server.add_txt("host.test", {"hello ", "world"});
  auto r = make();
  run(io, [](DnsResolver* res) -> asio::awaitable<void> {
    auto a = co_await res->resolve_ip("host.test", false);
    EXPECT_TRUE(a.has_value());
    if (a) {
      EXPECT_EQ(a->size(), 2u);
      if (a->size() != 2) co_return;
      EXPECT_EQ((*a)[0].to_string(), "10.1.2.3");
      EXPECT_EQ((*a)[1].to_string(), "10.1.2.4");
    }
    auto aaaa = co_await res->resolve_ip("HOST.test", true);
    EXPECT_TRUE(aaaa.has_value());
    if (aaaa) {
      EXPECT_EQ((*aaaa)[0].to_string(), "fd00::7");
    }
    auto txt = co_await res->resolve_txt("host.test");
    EXPECT_TRUE(txt.has_value());
    if (txt) {
      EXPECT_EQ(*txt, vec<std::string>("hello world"));
    }
    auto nx = co_await res->resolve_ip("missing.test", false);
    EXPECT_EQ(nx.error(), make_error_code(dns::errc::name_error));
    auto none = co_await res->resolve_txt("_dnsaddr.none.test");  // NXDOMAIN too
    EXPECT_FALSE(none.has_value());
  }(&r));
  // NXDOMAIN is a definite answer: no retry.
  EXPECT_EQ(server.udp_queries(), 5);
}

TEST_F(ResolverTest, NoRecordsOfTheType) {
  server.add_txt("only-txt.test", {"x"});
  auto r = make();
  run(io, [](DnsResolver* res) -> asio::awaitable<void> {
    auto a = co_await res->resolve_ip("only-txt.test", false);
    EXPECT_EQ(a.error(), make_error_code(DnsErrc::no_records));
  }(&r));
}

TEST_F(ResolverTest, RetriesAfterALostDatagram) {
  server.add_a("host.test", {1, 2, 3, 4});
  server.knobs().drop_udp = 1;
  auto r = make();
  run(io, [](DnsResolver* res) -> asio::awaitable<void> {
    auto a = co_await res->resolve_ip("host.test", false);
    EXPECT_TRUE(a.has_value());
  }(&r));
  EXPECT_EQ(server.udp_queries(), 2);
}

TEST_F(ResolverTest, TimesOutWhenNobodyAnswers) {
  server.knobs().drop_udp = 1000;
  cfg.timeout = std::chrono::milliseconds(50);
  auto r = make();
  run(io, [](DnsResolver* res) -> asio::awaitable<void> {
    auto a = co_await res->resolve_ip("host.test", false);
    EXPECT_EQ(a.error(), make_error_code(DnsErrc::timeout));
  }(&r));
  EXPECT_EQ(server.udp_queries(), 2);  // attempts
}

TEST_F(ResolverTest, FallsBackToTcpWhenTruncated) {
  server.add_txt("big.test", {"over tcp"});
  server.knobs().truncate_udp = true;
  auto r = make();
  run(io, [](DnsResolver* res) -> asio::awaitable<void> {
    auto t = co_await res->resolve_txt("big.test");
    EXPECT_TRUE(t.has_value());
    if (t) {
      EXPECT_EQ(*t, vec<std::string>("over tcp"));
    }
  }(&r));
  EXPECT_EQ(server.udp_queries(), 1);
  EXPECT_EQ(server.tcp_queries(), 1);
}

TEST_F(ResolverTest, IgnoresAnswersWithAnotherId) {
  server.add_a("host.test", {9, 9, 9, 9});
  server.knobs().wrong_id_first = true;
  auto r = make();
  run(io, [](DnsResolver* res) -> asio::awaitable<void> {
    auto a = co_await res->resolve_ip("host.test", false);
    EXPECT_TRUE(a.has_value());
    if (a) {
      EXPECT_EQ((*a)[0].to_string(), "9.9.9.9");
    }
  }(&r));
  EXPECT_EQ(server.udp_queries(), 1);
}

TEST_F(ResolverTest, RejectsOversizedAndMalformedAnswers) {
  // A valid but large answer beyond the configured message limit.
  dns::Message big;
  big.response = true;
  big.questions.push_back(dns::Question{"big.test", dns::type::txt, dns::kClassIn});
  for (int i = 0; i < 20; ++i) {
    dns::Record t;
    t.name = "big.test";
    t.type = dns::type::txt;
    t.txt = {std::string(200, 'x')};
    big.answers.push_back(t);
  }
  server.set_raw_reply("big.test", *dns::encode(big));
  // Too many records for the limit.
  dns::Message many = big;
  many.questions[0].name = "many.test";
  many.answers.clear();
  for (int i = 0; i < 35; ++i) {
    dns::Record a;
    a.name = "many.test";
    a.type = dns::type::a;
    many.answers.push_back(a);
  }
  server.set_raw_reply("many.test", *dns::encode(many));
  // Garbage after the header.
  Bytes junk{0, 0, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 0xC0, 0x0C};
  server.set_raw_reply("junk.test", junk);
  cfg.limits.max_message = 1024;
  cfg.limits.max_records = 32;
  cfg.attempts = 1;
  auto r = make();
  run(io, [](DnsResolver* res) -> asio::awaitable<void> {
    auto t = co_await res->resolve_txt("big.test");
    EXPECT_EQ(t.error(), make_error_code(dns::errc::message_too_large));
    auto m = co_await res->resolve_ip("many.test", false);
    EXPECT_EQ(m.error(), make_error_code(dns::errc::too_many_records));
    auto j = co_await res->resolve_ip("junk.test", false);
    EXPECT_EQ(j.error(), make_error_code(dns::errc::bad_pointer));
  }(&r));
}

TEST_F(ResolverTest, DnsaddrNestedFilteredAndExpanded) {
  const auto p1 = new_peer(), p2 = new_peer(), p3 = new_peer();
  server.add_txt("_dnsaddr.boot.test", {"dnsaddr=/dnsaddr/ams.boot.test/p2p/" + p1});
  server.add_txt("_dnsaddr.boot.test", {"dnsaddr=/ip4/1.2.3.4/tcp/4001/p2p/" + p2});
  server.add_txt("_dnsaddr.boot.test", {"not-a-dnsaddr-record"});
  server.add_txt("_dnsaddr.boot.test", {"dnsaddr=/garbage"});
  server.add_txt("_dnsaddr.boot.test", {"dnsaddr=/dns4/", "nyc.boot.test/tcp/4001/p2p/" + p3});  // split strings
  server.add_txt("_dnsaddr.ams.boot.test", {"dnsaddr=/ip4/5.6.7.8/tcp/4001/p2p/" + p1});
  server.add_txt("_dnsaddr.ams.boot.test", {"dnsaddr=/ip6/::1/tcp/4001/p2p/" + p1});
  // Another peer's entry under a /p2p/-qualified nested name: filtered out.
  server.add_txt("_dnsaddr.ams.boot.test", {"dnsaddr=/ip4/9.9.9.9/tcp/4001/p2p/" + p2});
  server.add_a("nyc.boot.test", {7, 7, 7, 7});
  auto r = make();
  run(io, [](DnsResolver* res, std::string a, std::string b, std::string c) -> asio::awaitable<void> {
    auto all = co_await res->resolve_dnsaddr(ma("/dnsaddr/boot.test"));
    EXPECT_TRUE(all.has_value());
    if (all) {
      std::vector<std::string> want{"/dns4/nyc.boot.test/tcp/4001/p2p/" + c, "/ip4/1.2.3.4/tcp/4001/p2p/" + b,
                                    "/ip4/5.6.7.8/tcp/4001/p2p/" + a,
                                    "/ip6/::1/tcp/4001/p2p/" + a};
      std::sort(want.begin(), want.end());
      EXPECT_EQ(texts(*all), want);
    }
    auto only1 = co_await res->resolve_dnsaddr(ma("/dnsaddr/boot.test/p2p/" + a));
    EXPECT_TRUE(only1.has_value());
    if (only1) {
      EXPECT_EQ(texts(*only1), vec<std::string>("/ip4/5.6.7.8/tcp/4001/p2p/" + a, "/ip6/::1/tcp/4001/p2p/" + a));
    }
    // resolve(): dnsaddr then /dns4 expanded to /ip4
    auto ips = co_await res->resolve(ma("/dnsaddr/boot.test/p2p/" + c));
    EXPECT_TRUE(ips.has_value());
    if (ips) {
      EXPECT_EQ(texts(*ips), vec<std::string>("/ip4/7.7.7.7/tcp/4001/p2p/" + c));
    }
    auto d4 = co_await res->resolve(ma("/dns4/nyc.boot.test/tcp/1"));
    EXPECT_TRUE(d4.has_value());
    if (d4) {
      EXPECT_EQ(texts(*d4), vec<std::string>("/ip4/7.7.7.7/tcp/1"));
    }
    auto ip = co_await res->resolve(ma("/ip4/1.1.1.1/tcp/2"));
    EXPECT_TRUE(ip.has_value());
    auto bad = co_await res->resolve(ma("/unix/tmp/x"));
    EXPECT_EQ(bad.error(), make_error_code(DnsErrc::not_dns_address));
  }(&r, p1, p2, p3));
}

TEST_F(ResolverTest, DnsaddrDepthLimitLoopsAndCap) {
  const auto p = new_peer();
  // A chain d0 -> d1 -> … -> d9 -> address.
  for (int i = 0; i < 10; ++i)
    server.add_txt("_dnsaddr.d" + std::to_string(i) + ".test",
                   {"dnsaddr=/dnsaddr/d" + std::to_string(i + 1) + ".test"});
  server.add_txt("_dnsaddr.d10.test", {"dnsaddr=/ip4/1.1.1.1/tcp/1/p2p/" + p});
  // A loop a <-> b, with one real address on b.
  server.add_txt("_dnsaddr.a.test", {"dnsaddr=/dnsaddr/b.test"});
  server.add_txt("_dnsaddr.b.test", {"dnsaddr=/dnsaddr/A.test"});
  server.add_txt("_dnsaddr.b.test", {"dnsaddr=/ip4/2.2.2.2/tcp/2"});
  // A wide record set.
  for (int i = 0; i < 100; ++i) server.add_txt("_dnsaddr.wide.test", {"dnsaddr=/ip4/3.3.3." + std::to_string(i) + "/tcp/3"});
  cfg.max_dnsaddr_depth = 3;
  cfg.max_dnsaddr_results = 10;
  auto r = make();
  run(io, [](DnsResolver* res) -> asio::awaitable<void> {
    auto deep = co_await res->resolve_dnsaddr(ma("/dnsaddr/d0.test"));
    EXPECT_EQ(deep.error(), make_error_code(DnsErrc::depth_exceeded));
    auto loop = co_await res->resolve_dnsaddr(ma("/dnsaddr/a.test"));
    EXPECT_TRUE(loop.has_value());
    if (loop) {
      EXPECT_EQ(texts(*loop), vec<std::string>("/ip4/2.2.2.2/tcp/2"));
    }
    auto wide = co_await res->resolve_dnsaddr(ma("/dnsaddr/wide.test"));
    EXPECT_TRUE(wide.has_value());
    if (wide) {
      EXPECT_EQ(wide->size(), 10u);
    }
    auto missing = co_await res->resolve_dnsaddr(ma("/dnsaddr/missing.test"));
    EXPECT_EQ(missing.error(), make_error_code(dns::errc::name_error));
  }(&r));
  // The chain was followed to the depth limit only (d0..d3), the loop asked each name once.
  const auto asked = server.names_asked();
  EXPECT_EQ(std::count(asked.begin(), asked.end(), "_dnsaddr.d3.test"), 1);
  EXPECT_EQ(std::count(asked.begin(), asked.end(), "_dnsaddr.d4.test"), 0);
  EXPECT_EQ(std::count(asked.begin(), asked.end(), "_dnsaddr.a.test"), 1);
  EXPECT_EQ(std::count(asked.begin(), asked.end(), "_dnsaddr.b.test"), 1);
}

TEST(DnsResolverConf, ReadsNameservers) {
  const std::string path = ::testing::TempDir() + "/lotus_resolv.conf";
  {
    std::ofstream f(path);
    f << "# comment\nsearch example.org\nnameserver 192.0.2.1\nnameserver fe80::1%eth0\nnameserver bogus\n"
         "nameserver 2001:db8::53\n";
  }
  auto v = DnsResolver::read_resolv_conf(path);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].address().to_string(), "192.0.2.1");
  EXPECT_EQ(v[0].port(), 53);
  EXPECT_EQ(v[1].address().to_string(), "fe80::1");
  EXPECT_EQ(v[2].address().to_string(), "2001:db8::53");
  std::remove(path.c_str());
  EXPECT_TRUE(DnsResolver::read_resolv_conf("/nonexistent/resolv.conf").empty());

  asio::io_context io;
  DnsResolverConfig cfg;
  cfg.resolv_conf = "/nonexistent/resolv.conf";
  DnsResolver r(io.get_executor(), cfg);
  run(io, [](DnsResolver* res) -> asio::awaitable<void> {
    auto a = co_await res->resolve_ip("x.test", false);
    EXPECT_EQ(a.error(), make_error_code(DnsErrc::no_servers));
  }(&r));
}

}  // namespace
}  // namespace lotus::runtime
