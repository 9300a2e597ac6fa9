// Connection manager, limits and bootstrap with real in-process hosts over loopback TCP:
// 300 inbound connections trimmed to max 50 while the protected (bootstrap) and tagged peers
// stay; per-IP and rate limits (127.0.0.x as different IPs); pending dials; streams per
// connection and per protocol; peer sources and known-peer redial below min; dialing /dns4
// through our resolver; bootstrap over /dnsaddr and redial after the bootstrap host restarts.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/secure.hpp"
#include "host/host.hpp"
#include "node/bootstrap.hpp"
#include "runtime/dns_resolver.hpp"
#include "runtime/tcp.hpp"
#include "runtime/watchdog.hpp"
#include "unit/dns/fake_dns_server.hpp"
#include "unit/host/test_util.hpp"

namespace lotus::host {
namespace {

using namespace lotus::host::testing;
using namespace std::chrono_literals;
using runtime::tcp;

constexpr const char* kHold = "/hold/1.0.0";
constexpr const char* kEcho = "/echo/1.0.0";

// Echoes until the remote closes, then closes.
asio::awaitable<void> echo_handler(Stream s) {
  std::array<std::uint8_t, 4096> buf{};
  while (true) {
    auto r = co_await s.read_some(MutBytesView(buf));
    if (!r || *r == 0) break;
    if (!co_await s.write(BytesView(buf.data(), *r))) co_return;
  }
  (void)s.close_write();
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

class LimitsTest : public ::testing::Test {
 public:
  Host& make_host(Config cfg = {}, std::optional<crypto::PrivateKey> key = std::nullopt) {
    if (!key) {
      auto k = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
      key.emplace(std::move(*k));
    }
    m_hosts.push_back(std::make_unique<Host>(io, std::move(*key), std::move(cfg)));
    auto& h = *m_hosts.back();
    h.set_stream_handler(kEcho, &echo_handler);
    h.set_stream_handler(kHold, &echo_handler);
    m_logs.push_back(std::make_unique<EventLog>(io, h));
    return h;
  }
  EventLog& log_of(const Host& h) {
    for (std::size_t i = 0; i < m_hosts.size(); ++i)
      if (m_hosts[i].get() == &h) return *m_logs[i];
    throw std::logic_error("unknown host");
  }
  mf::Multiaddr listen_loopback(Host& h, const std::string& at = "/ip4/127.0.0.1/tcp/0") {
    auto bound = h.listen(ma(at));
    EXPECT_TRUE(bound.has_value());
    return bound ? bound->with_peer_id(h.peer_id()) : mf::Multiaddr{};
  }

  void TearDown() override {
    run(io, stop_all());
    m_logs.clear();
    m_hosts.clear();
    io.restart();
    io.poll();
  }
  asio::awaitable<void> stop_all() {
    for (auto& h : m_hosts) co_await h->stop();
  }

  asio::io_context io;
  std::vector<std::unique_ptr<Host>> m_hosts;
  std::vector<std::unique_ptr<EventLog>> m_logs;
};

Config quiet() {
  Config c;
  c.run_identify = false;
  return c;
}

// ------------------------------------------------------------------ trimming

asio::awaitable<void> trim_300(LimitsTest* t, Host* target, Host* boot, std::vector<Host*> dialers,
                               std::vector<mf::PeerId> valued) {
  const auto target_addr = target->listen_addrs().front().with_peer_id(target->peer_id());
  // The node dials its bootstrap peer and protects it.
  target->conn_manager().protect(boot->peer_id(), "bootstrap");
  CO_ASSERT_OK(co_await target->dial(boot->listen_addrs().front().with_peer_id(boot->peer_id())));
  for (const auto& v : valued) target->conn_manager().tag_peer(v, "app", 100);

  Joiner j(t->io);
  for (auto* d : dialers) {
    j.spawn([](Host* h, mf::Multiaddr a) -> asio::awaitable<void> { (void)co_await h->dial(a); }(d, target_addr));
  }
  co_await j.join();
  const auto deadline = Clock::now() + 60s;
  auto& log = t->log_of(*target);
  while (target->connections().size() > 50 && Clock::now() < deadline) {
    (void)co_await log.wait_for<PeerDisconnected>(nullptr, deadline - Clock::now());
  }
  EXPECT_EQ(target->connections().size(), 50u);
  EXPECT_TRUE(target->is_connected(boot->peer_id()));
  for (const auto& v : valued) EXPECT_TRUE(target->is_connected(v));
  EXPECT_EQ(target->conn_manager().stats().trimmed, 301u - 50u);
  EXPECT_EQ(target->metrics().connections_trimmed, 301u - 50u);
  EXPECT_EQ(target->conn_manager().stats().open, 50u);
  EXPECT_TRUE(target->metrics().limit_refusals.empty());
}

TEST_F(LimitsTest, ThreeHundredInboundTrimmedToFiftyProtectedAndTaggedStay) {
  Config tc = quiet();
  tc.conn_manager.max_connections = 50;
  tc.conn_manager.min_connections = 0;
  tc.conn_manager.grace_period = 0s;
  tc.conn_manager.check_interval = 20ms;
  auto& target = make_host(tc);
  listen_loopback(target);
  auto& boot = make_host(quiet());
  listen_loopback(boot);
  std::vector<Host*> dialers;
  std::vector<mf::PeerId> valued;
  for (int i = 0; i < 300; ++i) {
    dialers.push_back(&make_host(quiet()));
    if (i % 60 == 7) valued.push_back(dialers.back()->peer_id());
  }
  ASSERT_EQ(valued.size(), 5u);
  run(io, trim_300(this, &target, &boot, dialers, valued), 180s);
}

// ------------------------------------------------------------------ inbound per IP / rate

asio::awaitable<Result<tcp::socket>> raw_connect(std::string local_ip, tcp::endpoint to) {
  tcp::socket s(co_await asio::this_coro::executor);
  boost::system::error_code ec;
  s.open(tcp::v4(), ec);
  if (!ec) s.bind(tcp::endpoint(asio::ip::make_address(local_ip), 0), ec);
  if (!ec) co_await s.async_connect(to, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return std::error_code(ec);
  co_return std::move(s);
}

// True if the remote closed the socket (EOF / reset) within `timeout`.
asio::awaitable<bool> closed_by_remote(tcp::socket* s, Duration timeout) {
  runtime::Watchdog dog(co_await asio::this_coro::executor, timeout, [s] {
    boost::system::error_code ignored;
    s->cancel(ignored);
  });
  std::array<std::uint8_t, 64> buf{};
  boost::system::error_code ec;
  co_await s->async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
  co_return !dog.expired() && (ec == asio::error::eof || ec == asio::error::connection_reset);
}

asio::awaitable<void> per_ip(LimitsTest* t, Host* target, Host* other) {
  auto ep = runtime::to_endpoint(target->listen_addrs().front());
  CO_ASSERT_OK(ep);
  std::vector<tcp::socket> held;
  for (int i = 0; i < 3; ++i) {
    auto s = co_await raw_connect("127.0.0.2", *ep);
    CO_ASSERT_OK(s);
    held.push_back(std::move(*s));
  }
  // The 4th from the same IP is closed before any handshake byte.
  auto fourth = co_await raw_connect("127.0.0.2", *ep);
  CO_ASSERT_OK(fourth);
  EXPECT_TRUE(co_await closed_by_remote(&*fourth, 20s));
  EXPECT_EQ(target->metrics().limit_refusals.at("inbound_per_ip"), 1u);
  // Another IP is admitted: it goes into the upgrade, which fails when we half-close.
  auto other_ip = co_await raw_connect("127.0.0.3", *ep);
  CO_ASSERT_OK(other_ip);
  boost::system::error_code ec;
  other_ip->shutdown(tcp::socket::shutdown_send, ec);
  EXPECT_TRUE(co_await closed_by_remote(&*other_ip, 20s));
  EXPECT_EQ(target->metrics().limit_refusals.at("inbound_per_ip"), 1u);
  // A real host from 127.0.0.1 (a third IP) connects fine.
  CO_ASSERT_OK(co_await other->dial(target->listen_addrs().front().with_peer_id(target->peer_id())));
  EXPECT_EQ(target->metrics().limit_refusals.at("inbound_per_ip"), 1u);
  (void)t;
}

TEST_F(LimitsTest, InboundPerIpLimitRefusesTheExcess) {
  Config tc = quiet();
  tc.conn_manager.limit_loopback = true;
  tc.conn_manager.max_inbound_per_ip = 3;
  tc.handshake_timeout = 60s;
  auto& target = make_host(tc);
  listen_loopback(target);
  auto& other = make_host(quiet());
  run(io, per_ip(this, &target, &other));
}

// One IP opening connection after connection cannot use up the shared inbound rate: its own
// bucket refuses it, and another IP (a real host from 127.0.0.1) still connects.
asio::awaitable<void> flood_then_other(Host* target, Host* other) {
  auto ep = runtime::to_endpoint(target->listen_addrs().front());
  CO_ASSERT_OK(ep);
  std::vector<tcp::socket> held;
  for (int i = 0; i < 50; ++i) {
    auto s = co_await raw_connect("127.0.0.2", *ep);
    if (s) held.push_back(std::move(*s));
  }
  const auto& lr = target->metrics().limit_refusals;
  EXPECT_EQ(lr.count("inbound_ip_rate") ? lr.at("inbound_ip_rate") : 0, 40u);  // its own burst is 10
  EXPECT_EQ(lr.count("inbound_rate"), 0u);
  CO_ASSERT_OK(co_await other->dial(target->listen_addrs().front().with_peer_id(target->peer_id())));
  EXPECT_EQ(target->metrics().gate_refusals.at({"inbound_ip", "inbound_ip_rate"}), 40u);
}

TEST_F(LimitsTest, AFloodingIpDoesNotShutOutAnother) {
  Config tc = quiet();
  tc.conn_manager.limit_loopback = true;
  tc.conn_manager.inbound_per_second = 0.001;  // the shared bucket: 20 and (almost) no refill
  tc.conn_manager.inbound_burst = 20;
  tc.conn_manager.inbound_per_ip_per_second = 0.001;  // one IP: a burst of 10, (almost) no refill
  tc.conn_manager.inbound_per_ip_burst = 10;
  tc.conn_manager.max_inbound_per_ip = 1000;
  tc.conn_manager.max_inbound_per_subnet = 1000;
  tc.conn_manager.inbound_per_subnet_per_second = 1000;
  tc.handshake_timeout = 60s;
  auto& target = make_host(tc);
  listen_loopback(target);
  auto& other = make_host(quiet());
  run(io, flood_then_other(&target, &other));
}

asio::awaitable<void> rate(Host* target, std::vector<Host*> dialers) {
  const auto addr = target->listen_addrs().front().with_peer_id(target->peer_id());
  int ok = 0, refused = 0;
  for (auto* d : dialers) {
    auto r = co_await d->dial(addr);
    (r ? ok : refused)++;
  }
  EXPECT_EQ(ok, 3);
  EXPECT_EQ(refused, 2);
  EXPECT_EQ(target->metrics().limit_refusals.at("inbound_rate"), 2u);
  EXPECT_EQ(target->connections().size(), 3u);
}

TEST_F(LimitsTest, InboundRateLimitRefusesBeyondTheBurst) {
  Config tc = quiet();
  tc.conn_manager.limit_loopback = true;
  tc.conn_manager.inbound_per_second = 0.001;  // no meaningful refill during the test
  tc.conn_manager.inbound_burst = 3;
  auto& target = make_host(tc);
  listen_loopback(target);
  std::vector<Host*> dialers;
  for (int i = 0; i < 5; ++i) dialers.push_back(&make_host(quiet()));
  run(io, rate(&target, dialers));
}

// ------------------------------------------------------------------ pending dials

asio::awaitable<void> pending(LimitsTest* t, Host* dialer, std::vector<mf::Multiaddr> targets) {
  auto results = std::make_shared<std::vector<std::error_code>>();
  Joiner j(t->io);
  for (const auto& a : targets) {
    j.spawn([](Host* h, mf::Multiaddr addr, std::shared_ptr<std::vector<std::error_code>> out) -> asio::awaitable<void> {
      auto r = co_await h->dial(addr);
      out->push_back(r ? std::error_code{} : r.error());
    }(dialer, a, results));
  }
  co_await j.join();
  CO_ASSERT_TRUE(results->size() == 4);
  EXPECT_EQ(std::count(results->begin(), results->end(), std::error_code{}), 2);
  EXPECT_EQ(std::count(results->begin(), results->end(), make_error_code(errc::dial_limit)), 2);
  EXPECT_EQ(dialer->metrics().limit_refusals.at("pending_dials"), 2u);
  EXPECT_EQ(dialer->conn_manager().stats().pending_dials, 0u);
  // Slots are free again.
  CO_ASSERT_OK(co_await dialer->dial(targets[2]));
  CO_ASSERT_OK(co_await dialer->dial(targets[3]));
}

TEST_F(LimitsTest, PendingDialLimit) {
  Config dc = quiet();
  dc.conn_manager.max_pending_dials = 2;
  auto& dialer = make_host(dc);
  std::vector<mf::Multiaddr> targets;
  for (int i = 0; i < 4; ++i) targets.push_back(listen_loopback(make_host(quiet())));
  run(io, pending(this, &dialer, targets));
}

// ------------------------------------------------------------------ streams

asio::awaitable<Result<Stream>> round_trip(Host* c, mf::PeerId peer, std::vector<std::string> protocols) {
  auto s = co_await c->new_stream(peer, std::move(protocols));
  if (!s) co_return s.error();
  const Bytes ping{'x'};
  if (auto w = co_await s->write(ping); !w) co_return w.error();
  std::array<std::uint8_t, 1> one{};
  if (auto r = co_await s->read_exactly(MutBytesView(one)); !r) co_return r.error();
  co_return std::move(*s);
}

asio::awaitable<void> streams_per_conn(Host* client, Host* server, Host* small) {
  const auto addr = server->listen_addrs().front().with_peer_id(server->peer_id());
  CO_ASSERT_OK(co_await client->dial(addr));
  std::vector<Stream> held;
  for (int i = 0; i < 3; ++i) {
    auto s = co_await round_trip(client, server->peer_id(), make_protocols(kHold));
    CO_ASSERT_OK(s);
    held.push_back(std::move(*s));
  }
  // The server refuses the 4th stream (yamux RST): full negotiation fails.
  auto fourth = co_await client->new_stream(server->peer_id(), make_protocols(kHold, kEcho));
  EXPECT_FALSE(fourth.has_value());
  EXPECT_EQ(server->metrics().limit_refusals.at("streams_per_connection"), 1u);
  // Closing one makes room.
  (void)held.front().close_write();
  auto rest = co_await held.front().read_to_end(1024);
  EXPECT_TRUE(rest.has_value());
  held.erase(held.begin());
  // (The server frees the stream once both sides closed; wait for that with a round trip.)
  Result<Stream> again = errc::stream_reset;
  for (int i = 0; i < 50 && !again; ++i) again = co_await round_trip(client, server->peer_id(), make_protocols(kHold));
  EXPECT_TRUE(again.has_value());

  // Outbound: a host with a limit of 1 refuses locally.
  CO_ASSERT_OK(co_await small->dial(addr));
  auto first = co_await round_trip(small, server->peer_id(), make_protocols(kHold));
  CO_ASSERT_OK(first);
  auto second = co_await small->new_stream(server->peer_id(), make_protocols(kHold));
  EXPECT_EQ(second.error(), make_error_code(errc::too_many_streams));
  EXPECT_EQ(small->metrics().limit_refusals.at("streams_per_connection"), 1u);
}

TEST_F(LimitsTest, StreamsPerConnection) {
  Config sc = quiet();
  sc.max_streams_per_connection = 3;
  auto& server = make_host(sc);
  listen_loopback(server);
  auto& client = make_host(quiet());
  Config small = quiet();
  small.max_streams_per_connection = 1;
  auto& s = make_host(small);
  run(io, streams_per_conn(&client, &server, &s));
}

asio::awaitable<void> streams_per_protocol(Host* client, Host* server) {
  CO_ASSERT_OK(co_await client->dial(server->listen_addrs().front().with_peer_id(server->peer_id())));
  std::vector<Stream> held;
  for (int i = 0; i < 2; ++i) {
    auto s = co_await round_trip(client, server->peer_id(), make_protocols(kHold));
    CO_ASSERT_OK(s);
    held.push_back(std::move(*s));
  }
  // Third /hold stream: negotiated, then reset by the server before its handler runs.
  auto third = co_await round_trip(client, server->peer_id(), make_protocols(kHold));
  EXPECT_FALSE(third.has_value());
  EXPECT_EQ(server->metrics().limit_refusals.at("streams_per_protocol"), 1u);
  // Another protocol on the same connection is not affected.
  auto echo = co_await round_trip(client, server->peer_id(), make_protocols(kEcho));
  EXPECT_TRUE(echo.has_value());
  // When a /hold handler returns, a new /hold stream is accepted.
  (void)held.front().close_write();
  auto rest = co_await held.front().read_to_end(1024);
  EXPECT_TRUE(rest.has_value());
  auto again = co_await round_trip(client, server->peer_id(), make_protocols(kHold));
  EXPECT_TRUE(again.has_value());
  EXPECT_EQ(server->metrics().limit_refusals.at("streams_per_protocol"), 1u);
}

TEST_F(LimitsTest, InboundStreamsPerProtocol) {
  Config sc = quiet();
  sc.conn_manager.inbound_streams_per_protocol[kHold] = 2;
  auto& server = make_host(sc);
  listen_loopback(server);
  auto& client = make_host(quiet());
  run(io, streams_per_protocol(&client, &server));
}

// ------------------------------------------------------------------ below min

asio::awaitable<void> below_min(LimitsTest* t, Host* node, Host* known, std::shared_ptr<std::size_t> asked) {
  const auto* kid = &known->peer_id();
  auto c = co_await t->log_of(*node).wait_for<PeerConnected>(
      [kid](const PeerConnected& e) { return e.connection.remote_peer == *kid; });
  CO_ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->connection.direction, Direction::outbound);
  EXPECT_GE(*asked, 2u);  // asked for min_connections (2) - 0
}

TEST_F(LimitsTest, BelowMinAsksPeerSourcesAndRedialsKnownPeers) {
  Config nc = quiet();
  nc.conn_manager.min_connections = 2;
  nc.conn_manager.dial_known_peers = true;
  nc.conn_manager.check_interval = 20ms;
  nc.conn_manager.discovery_interval = 50ms;
  auto& node = make_host(nc);
  auto& known = make_host(quiet());
  const auto addr = listen_loopback(known);
  node.peer_store().add_addrs(known.peer_id(), {addr.without_peer_id()});
  auto asked = std::make_shared<std::size_t>(0);
  node.conn_manager().add_peer_source([asked](std::size_t n) { *asked += n; });
  ASSERT_TRUE(node.start().has_value());
  run(io, below_min(this, &node, &known, asked));
}

// ------------------------------------------------------------------ dns

asio::awaitable<void> dial_dns4(Host* a, Host* b, std::uint16_t port) {
  auto r = co_await a->dial(ma("/dns4/node.test/tcp/" + std::to_string(port) + "/p2p/" + b->peer_id().to_base58()));
  CO_ASSERT_OK(r);
  EXPECT_EQ(r->remote_peer, b->peer_id());
  auto bad = co_await a->dial(ma("/dns4/missing.test/tcp/1"));
  EXPECT_EQ(bad.error(), make_error_code(errc::resolve_failed));
}

TEST_F(LimitsTest, DialsDns4ThroughThePluggedResolver) {
  lotus::testing::FakeDnsServer dns(io);
  dns.add_a("node.test", {127, 0, 0, 1});
  runtime::DnsResolverConfig rc;
  rc.servers.push_back(dns.endpoint());
  rc.timeout = 1s;
  runtime::DnsResolver resolver(io.get_executor(), rc);
  Config ac = quiet();
  ac.dns_resolver = &resolver;
  auto& a = make_host(ac);
  auto& b = make_host(quiet());
  auto addr = listen_loopback(b);
  const auto port = static_cast<std::uint16_t>(std::stoi(*addr.value_of(mf::proto::tcp)));
  run(io, dial_dns4(&a, &b, port));
  EXPECT_EQ(dns.udp_queries(), 2);
}

// ------------------------------------------------------------------ bootstrap

asio::awaitable<void> bootstrap_restart(LimitsTest* t, Host* node, Host* boot1, std::shared_ptr<Bytes> key_pb,
                                        mf::Multiaddr boot_addr) {
  auto& log = t->log_of(*node);
  node::BootstrapConfig bc;
  bc.peers.push_back(boot_addr);
  bc.backoff.initial = 50ms;
  bc.backoff.max = 400ms;
  node::Bootstrapper b(*node, bc);
  auto discovered = std::make_shared<std::vector<node::PeerDiscovered>>();
  b.set_discovery_callback([discovered](const node::PeerDiscovered& d) { discovered->push_back(d); });
  b.start();
  const auto boot_id = boot1->peer_id();
  // Predicates capture by pointer: g++ 12 double-destroys non-trivial captures of temporaries
  // created in a co_await expression.
  const auto* bid = &boot_id;
  auto is_boot = [bid](const PeerConnected& e) { return e.connection.remote_peer == *bid; };
  auto first = co_await log.wait_for<PeerConnected>(is_boot);
  CO_ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(node->conn_manager().is_protected(boot_id));
  CO_ASSERT_TRUE(discovered->size() == 1);
  EXPECT_EQ((*discovered)[0].peer, boot_id);
  EXPECT_EQ((*discovered)[0].addrs, vec<mf::Multiaddr>(boot_addr.without_peer_id()));

  // The bootstrap node goes away …
  co_await boot1->stop();
  auto gone = co_await log.wait_for<PeerDisconnected>(
      [bid](const PeerDisconnected& e) { return e.connection.remote_peer == *bid; });
  CO_ASSERT_TRUE(gone.has_value());
  const auto attempts_before = b.attempts();
  // … and comes back with the same key on the same port.
  auto key = crypto::PrivateKey::from_protobuf(*key_pb);
  CO_ASSERT_OK(key);
  auto& boot2 = t->make_host(quiet(), std::move(*key));
  auto relisten = boot2.listen(boot_addr.without_peer_id());
  CO_ASSERT_OK(relisten);
  auto again = co_await log.wait_for<PeerConnected>(is_boot, 30s);
  CO_ASSERT_TRUE(again.has_value());
  EXPECT_GT(b.attempts(), attempts_before);
  EXPECT_TRUE(node->is_connected(boot_id));
  EXPECT_EQ(discovered->size(), 1u);  // same peer, same address: reported once
  b.stop();
  co_await b.join();
}

TEST_F(LimitsTest, BootstrapRedialsAfterTheBootstrapHostRestarts) {
  auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
  ASSERT_TRUE(key.has_value());
  auto pb = std::make_shared<Bytes>(key->to_protobuf());
  auto& boot = make_host(quiet(), std::move(*key));
  const auto addr = listen_loopback(boot);
  auto& node = make_host(quiet());
  run(io, bootstrap_restart(this, &node, &boot, pb, addr));
  secure_wipe(*pb);
}

asio::awaitable<void> bootstrap_dnsaddr(LimitsTest* t, Host* node, Host* boot, runtime::DnsResolver* resolver,
                                        mf::Multiaddr boot_addr) {
  node::BootstrapConfig bc;
  bc.peers.push_back(ma("/dnsaddr/boot.test"));
  bc.backoff.initial = 50ms;
  node::Bootstrapper b(*node, bc, resolver);
  auto discovered = std::make_shared<std::vector<node::PeerDiscovered>>();
  b.set_discovery_callback([discovered](const node::PeerDiscovered& d) { discovered->push_back(d); });
  b.start();
  const auto id = boot->peer_id();
  const auto* pid = &id;  // (by pointer: see bootstrap_restart)
  auto c = co_await t->log_of(*node).wait_for<PeerConnected>(
      [pid](const PeerConnected& e) { return e.connection.remote_peer == *pid; });
  CO_ASSERT_TRUE(c.has_value());
  CO_ASSERT_TRUE(discovered->size() == 1);
  EXPECT_EQ((*discovered)[0].source, "/dnsaddr/boot.test");
  EXPECT_EQ((*discovered)[0].addrs, vec<mf::Multiaddr>(boot_addr.without_peer_id()));
  EXPECT_TRUE(node->conn_manager().is_protected(id));
  EXPECT_EQ(b.peers(), vec<mf::PeerId>(id));
  auto stored = node->peer_store().get(id);
  CO_ASSERT_TRUE(stored.has_value());
  b.stop();
  co_await b.join();
}

TEST_F(LimitsTest, BootstrapOverDnsaddr) {
  lotus::testing::FakeDnsServer dns(io);
  auto& boot = make_host(quiet());
  const auto addr = listen_loopback(boot);
  dns.add_txt("_dnsaddr.boot.test", {"dnsaddr=/dnsaddr/ams.boot.test/p2p/" + boot.peer_id().to_base58()});
  dns.add_txt("_dnsaddr.ams.boot.test", {"dnsaddr=" + addr.to_string()});
  runtime::DnsResolverConfig rc;
  rc.servers.push_back(dns.endpoint());
  runtime::DnsResolver resolver(io.get_executor(), rc);
  auto& node = make_host(quiet());
  run(io, bootstrap_dnsaddr(this, &node, &boot, &resolver, addr));
}

}  // namespace
}  // namespace lotus::host
