// Two (or three) real hosts in one process over loopback TCP: the whole upgrade pipeline
// (multistream → noise → yamux), identify, ping, echo, stream semantics, dial failures, stop.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/rng.hpp"
#include "host/host.hpp"
#include "runtime/dns_resolver.hpp"
#include "runtime/signal.hpp"
#include "test_util.hpp"

namespace lotus::host {
namespace {

using namespace lotus::host::testing;
using namespace std::chrono_literals;

constexpr const char* kEcho = "/echo/1.0.0";

asio::awaitable<void> echo_handler(Stream s) {
  std::array<std::uint8_t, 32 * 1024> buf{};
  while (true) {
    auto r = co_await s.read_some(MutBytesView(buf));
    if (!r || *r == 0) break;
    if (!co_await s.write(BytesView(buf.data(), *r))) co_return;
  }
  (void)s.close_write();
}

Bytes pattern(std::size_t n, std::uint64_t seed) {
  Bytes b(n);
  DeterministicRng rng(seed);
  rng.fill(b);
  return b;
}

mf::Multiaddr ma(const std::string& s) {
  auto r = mf::Multiaddr::parse(s);
  EXPECT_TRUE(r.has_value()) << s;
  return r ? *r : mf::Multiaddr{};
}

class HostTest : public ::testing::Test {
 public:
  Host& make_host(Config cfg = {}) {
    auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
    EXPECT_TRUE(key.has_value());
    m_hosts.push_back(std::make_unique<Host>(io, std::move(*key), std::move(cfg)));
    auto& h = *m_hosts.back();
    h.set_stream_handler(kEcho, &echo_handler);
    m_logs.push_back(std::make_unique<EventLog>(io, h));
    return h;
  }
  EventLog& log(std::size_t i) { return *m_logs.at(i); }

  // Listens on loopback (v4 or v6) and returns the dialable address with /p2p/.
  mf::Multiaddr listen_loopback(Host& h, bool v6 = false) {
    auto bound = h.listen(ma(v6 ? "/ip6/::1/tcp/0" : "/ip4/127.0.0.1/tcp/0"));
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
  std::unique_ptr<runtime::DnsResolver> m_resolver;  // outlives the hosts that use it
  std::vector<std::unique_ptr<Host>> m_hosts;
  std::vector<std::unique_ptr<EventLog>> m_logs;
};

// ------------------------------------------------------------------ connect + identify

asio::awaitable<void> connect_and_identify(HostTest* t, Host* a, Host* b, mf::Multiaddr addr) {
  auto conn = co_await a->dial(addr);
  CO_ASSERT_OK(conn);
  EXPECT_EQ(conn->remote_peer, b->peer_id());
  EXPECT_EQ(conn->direction, Direction::outbound);
  EXPECT_EQ(conn->muxer, kYamuxProtocol);

  auto ca = co_await t->log(0).wait_for<PeerConnected>();
  auto cb = co_await t->log(1).wait_for<PeerConnected>();
  CO_ASSERT_TRUE(ca && cb);
  EXPECT_EQ(cb->connection.remote_peer, a->peer_id());
  EXPECT_EQ(cb->connection.direction, Direction::inbound);

  // identify both ways
  auto ia = co_await t->log(0).wait_for<PeerIdentified>();
  auto ib = co_await t->log(1).wait_for<PeerIdentified>();
  CO_ASSERT_TRUE(ia && ib);
  EXPECT_EQ(ia->peer, b->peer_id());
  EXPECT_EQ(ib->peer, a->peer_id());
  const std::array<PeerInfo*, 2> infos{&ia->info, &ib->info};
  const std::array<const char*, 4> expected_protocols{kEcho, kPingProtocol, kIdentifyProtocol, kIdentifyPushProtocol};
  for (auto* info : infos) {
    EXPECT_EQ(info->agent_version, "lotus-p2p/0.1.0");
    EXPECT_EQ(info->protocol_version, "ipfs/0.1.0");
    EXPECT_TRUE(info->identified);
    EXPECT_TRUE(info->public_key.has_value());
    for (const char* p : expected_protocols)
      EXPECT_NE(std::find(info->protocols.begin(), info->protocols.end(), p), info->protocols.end()) << p;
    EXPECT_TRUE(info->observed_addr.has_value());
  }
  // A sees B's listen address; B has no listener
  const auto& addrs = ia->info.addrs;
  EXPECT_NE(std::find(addrs.begin(), addrs.end(), addr.without_peer_id()), addrs.end());
  EXPECT_EQ(*ia->info.public_key, b->public_key());
  // observed_addr = our address as that peer saw it: A's side of the connection for A, and B's
  // listen address for B
  EXPECT_EQ(ia->info.observed_addr->to_string(), conn->local_addr.to_string());
  EXPECT_EQ(ib->info.observed_addr->to_string(), addr.without_peer_id().to_string());
  auto stored = a->peer_store().get(b->peer_id());
  CO_ASSERT_TRUE(stored.has_value());
  EXPECT_TRUE(stored->identified);
  EXPECT_TRUE(a->is_connected(b->peer_id()));
  EXPECT_TRUE(b->is_connected(a->peer_id()));
}

TEST_F(HostTest, ConnectAndIdentifyIpv4) {
  auto& a = make_host();
  auto& b = make_host();
  auto addr = listen_loopback(b);
  run(io, connect_and_identify(this, &a, &b, addr));
}

TEST_F(HostTest, ConnectAndIdentifyIpv6) {
  auto& a = make_host();
  auto& b = make_host();
  auto bound = b.listen(ma("/ip6/::1/tcp/0"));
  if (!bound) GTEST_SKIP() << "no IPv6 loopback: " << bound.error().message();
  run(io, connect_and_identify(this, &a, &b, bound->with_peer_id(b.peer_id())));
}

TEST_F(HostTest, ListenReportsRealPort) {
  auto& a = make_host();
  auto bound = a.listen(ma("/ip4/127.0.0.1/tcp/0"));
  ASSERT_TRUE(bound.has_value());
  auto port = bound->value_of(mf::proto::tcp);
  ASSERT_TRUE(port.has_value());
  EXPECT_NE(*port, "0");
  ASSERT_EQ(a.listen_addrs().size(), 1u);
  auto full = a.full_addrs();
  ASSERT_EQ(full.size(), 1u);
  EXPECT_EQ(full[0], bound->with_peer_id(a.peer_id()));
  EXPECT_FALSE(a.listen(ma("/dns4/localhost/tcp/0")).has_value());
}

// ------------------------------------------------------------------ ping

asio::awaitable<void> ping_twice(Host* a, Host* b, mf::Multiaddr addr) {
  CO_ASSERT_OK(co_await a->dial(addr));
  for (int i = 0; i < 2; ++i) {
    auto rtt = co_await a->ping(b->peer_id());
    CO_ASSERT_OK(rtt);
    EXPECT_GT(rtt->count(), 0);
  }
  auto info = a->peer_store().get(b->peer_id());
  CO_ASSERT_TRUE(info && info->latency);
  // and the other way round, over the same connection
  auto back = co_await b->ping(a->peer_id());
  CO_ASSERT_OK(back);
  EXPECT_EQ(b->connections().size(), 1u);
}

TEST_F(HostTest, Ping) {
  auto& a = make_host();
  auto& b = make_host();
  run(io, ping_twice(&a, &b, listen_loopback(b)));
}

// ------------------------------------------------------------------ echo

asio::awaitable<void> write_all_and_close(Stream* s, Bytes data) {
  // odd-sized writes to exercise framing
  std::size_t off = 0, step = 7777;
  while (off < data.size()) {
    const auto n = std::min(step, data.size() - off);
    auto w = co_await s->write(BytesView(data.data() + off, n));
    if (!w) {
      ADD_FAILURE() << "write: " << w.error().message();
      co_return;
    }
    off += n;
    step = step * 3 % 200000 + 1;
  }
  auto c = s->close_write();
  EXPECT_TRUE(c.has_value());
}

asio::awaitable<void> echo_roundtrip(asio::io_context* io, Host* a, mf::Multiaddr addr, std::size_t size,
                                     std::uint64_t seed) {
  auto s = co_await a->new_stream(addr, make_protocols(kEcho));
  CO_ASSERT_OK(s);
  EXPECT_EQ(s->protocol(), kEcho);
  const Bytes data = pattern(size, seed);
  Joiner j(*io);
  j.spawn(write_all_and_close(&*s, data));
  auto back = co_await s->read_to_end(size + 1);
  co_await j.join();
  CO_ASSERT_OK(back);
  EXPECT_EQ(back->size(), data.size());
  EXPECT_TRUE(*back == data);
  EXPECT_TRUE(s->remote_closed());
}

TEST_F(HostTest, Echo1MiB) {
  auto& a = make_host();
  auto& b = make_host();
  run(io, echo_roundtrip(&io, &a, listen_loopback(b), 1 << 20, 1));
}

TEST_F(HostTest, Echo10MiB) {
  auto& a = make_host();
  auto& b = make_host();
  run(io, echo_roundtrip(&io, &a, listen_loopback(b), 10 << 20, 2));
}

TEST_F(HostTest, Echo10MiBLargeWindows) {
  Config cfg;
  cfg.max_stream_buffer = 4 << 20;  // yamux receive window 4 MiB on both sides
  auto& a = make_host(cfg);
  auto& b = make_host(cfg);
  run(io, echo_roundtrip(&io, &a, listen_loopback(b), 10 << 20, 3));
}

asio::awaitable<void> many_streams(asio::io_context* io, Host* a, mf::Multiaddr addr) {
  CO_ASSERT_OK(co_await a->dial(addr));
  Joiner j(*io);
  for (int i = 0; i < 100; ++i) j.spawn(echo_roundtrip(io, a, addr, 10000 + static_cast<std::size_t>(i) * 37, 100 + i));
  co_await j.join();
  EXPECT_EQ(a->connections().size(), 1u);
}

TEST_F(HostTest, HundredConcurrentStreams) {
  auto& a = make_host();
  auto& b = make_host();
  run(io, many_streams(&io, &a, listen_loopback(b)));
}

// ------------------------------------------------------------------ negotiation

asio::awaitable<void> negotiation(Host* a, mf::Multiaddr addr) {
  // lazy mode (one protocol): the refusal surfaces on the first read
  auto lazy = co_await a->new_stream(addr, make_protocols("/does-not-exist/1.0.0"));
  CO_ASSERT_OK(lazy);
  std::array<std::uint8_t, 8> buf{};
  auto r = co_await lazy->read_some(MutBytesView(buf));
  CO_ASSERT_TRUE(!r);
  EXPECT_EQ(r.error(), std::error_code(errc::protocol_not_supported));

  // full mode: the second proposal is taken
  auto full = co_await a->new_stream(addr, make_protocols("/does-not-exist/1.0.0", kEcho));
  CO_ASSERT_OK(full);
  EXPECT_EQ(full->protocol(), kEcho);
  CO_ASSERT_OK(co_await full->write(as_bytes("hi")));
  CO_ASSERT_OK(co_await full->read_exactly(MutBytesView(buf.data(), 2)));
  EXPECT_EQ(as_string_view(BytesView(buf.data(), 2)), "hi");

  // full mode, nothing supported
  auto none = co_await a->new_stream(addr, make_protocols("/a/1", "/b/1"));
  CO_ASSERT_TRUE(!none);
  EXPECT_EQ(none.error(), std::error_code(errc::protocol_not_supported));
}

TEST_F(HostTest, ProtocolNegotiation) {
  auto& a = make_host();
  auto& b = make_host();
  run(io, negotiation(&a, listen_loopback(b)));
}

// ------------------------------------------------------------------ half-close and reset

struct HandlerProbe {
  std::optional<std::error_code> read_error;
  std::size_t received = 0;
  bool finished = false;
};

asio::awaitable<void> half_close(Host* a, mf::Multiaddr addr) {
  // The handler counts bytes until our FIN, then answers with the count and closes.
  auto s = co_await a->new_stream(addr, make_protocols("/count/1.0.0"));
  CO_ASSERT_OK(s);
  const Bytes data = pattern(300000, 9);
  CO_ASSERT_OK(co_await s->write(data));
  CO_ASSERT_OK(s->close_write());
  auto again = co_await s->write(as_bytes("x"));
  CO_ASSERT_TRUE(!again);
  EXPECT_EQ(again.error(), std::error_code(errc::stream_closed));
  auto reply = co_await s->read_to_end(64);
  CO_ASSERT_OK(reply);
  EXPECT_EQ(as_string_view(*reply), "300000");
  EXPECT_TRUE(s->remote_closed());
  // read after the end keeps returning 0
  std::array<std::uint8_t, 4> buf{};
  auto r = co_await s->read_some(MutBytesView(buf));
  CO_ASSERT_OK(r);
  EXPECT_EQ(*r, 0u);
}

asio::awaitable<void> count_handler(Stream s) {
  std::array<std::uint8_t, 8192> buf{};
  std::size_t n = 0;
  while (true) {
    auto r = co_await s.read_some(MutBytesView(buf));
    if (!r) co_return;
    if (*r == 0) break;
    n += *r;
  }
  const auto text = std::to_string(n);
  (void)co_await s.write(as_bytes(text));
  (void)s.close_write();
}

TEST_F(HostTest, HalfClose) {
  auto& a = make_host();
  auto& b = make_host();
  b.set_stream_handler("/count/1.0.0", &count_handler);
  run(io, half_close(&a, listen_loopback(b)));
}

asio::awaitable<void> reset_both_ways(Host* a, mf::Multiaddr addr, HandlerProbe* probe,
                                      std::shared_ptr<runtime::Signal> handler_done) {
  // 1. remote resets: our read fails with stream_reset
  auto s1 = co_await a->new_stream(addr, make_protocols("/reset-me/1.0.0"));
  CO_ASSERT_OK(s1);
  CO_ASSERT_OK(co_await s1->write(as_bytes("ping")));
  std::array<std::uint8_t, 16> buf{};
  auto r = co_await s1->read_some(MutBytesView(buf));
  CO_ASSERT_TRUE(!r);
  EXPECT_EQ(r.error(), std::error_code(errc::stream_reset));
  EXPECT_TRUE(s1->is_reset());
  auto w = co_await s1->write(as_bytes("more"));
  EXPECT_FALSE(w.has_value());

  // 2. we reset: the handler's pending read fails with stream_reset
  auto s2 = co_await a->new_stream(addr, make_protocols("/probe/1.0.0"));
  CO_ASSERT_OK(s2);
  CO_ASSERT_OK(co_await s2->write(as_bytes("abc")));
  // wait until the handler saw the 3 bytes (it echoes one byte back)
  CO_ASSERT_OK(co_await s2->read_exactly(MutBytesView(buf.data(), 1)));
  s2->reset();
  const auto deadline = Clock::now() + 20s;
  while (!probe->finished) CO_ASSERT_TRUE(co_await handler_done->wait_until(deadline));
  EXPECT_EQ(probe->received, 3u);
  CO_ASSERT_TRUE(probe->read_error.has_value());
  EXPECT_EQ(*probe->read_error, std::error_code(errc::stream_reset));
}

asio::awaitable<void> reset_after_four(Stream s) {
  std::array<std::uint8_t, 4> buf{};
  (void)co_await s.read_exactly(MutBytesView(buf));
  s.reset();
}

asio::awaitable<void> probe_handler(HandlerProbe* p, std::shared_ptr<runtime::Signal> done, Stream s) {
  std::array<std::uint8_t, 16> buf{};
  while (true) {
    auto r = co_await s.read_some(MutBytesView(buf));
    if (!r) {
      p->read_error = r.error();
      break;
    }
    if (*r == 0) break;
    p->received += *r;
    if (p->received == 3) (void)co_await s.write(BytesView(buf.data(), 1));
  }
  p->finished = true;
  done->notify();
}

TEST_F(HostTest, ResetSemantics) {
  auto& a = make_host();
  auto& b = make_host();
  HandlerProbe probe;
  auto done = std::make_shared<runtime::Signal>(io.get_executor());
  b.set_stream_handler("/reset-me/1.0.0", &reset_after_four);
  // Not a lambda coroutine: the lambda forwards its captures by value to a coroutine function.
  b.set_stream_handler("/probe/1.0.0", [p = &probe, done](Stream s) { return probe_handler(p, done, std::move(s)); });
  run(io, reset_both_ways(&a, listen_loopback(b), &probe, done));
}

// ------------------------------------------------------------------ dial failures

asio::awaitable<void> wrong_peer_id(HostTest* t, Host* a, Host* b, Host* c, mf::Multiaddr b_addr) {
  // B's address, C's identity
  auto wrong = b_addr.without_peer_id().with_peer_id(c->peer_id());
  auto r = co_await a->dial(wrong);
  CO_ASSERT_TRUE(!r);
  EXPECT_EQ(r.error(), std::error_code(errc::peer_id_mismatch));
  EXPECT_FALSE(a->is_connected(b->peer_id()));
  EXPECT_TRUE(a->connections().empty());
  // B accepted nothing: the next (correct) dial is the first connection B reports
  auto ok = co_await a->dial(b_addr);
  CO_ASSERT_OK(ok);
  auto connected = co_await t->log(1).wait_for<PeerConnected>();
  CO_ASSERT_TRUE(connected.has_value());
  EXPECT_EQ(connected->connection.remote_peer, a->peer_id());
  EXPECT_EQ(t->log(1).count<PeerConnected>(), 0u);
  EXPECT_EQ(t->log(0).count<PeerConnected>(), 1u);  // only the good one
  EXPECT_EQ(b->connections().size(), 1u);
}

TEST_F(HostTest, WrongPeerIdFailsCleanly) {
  auto& a = make_host();
  auto& b = make_host();
  auto& c = make_host();
  run(io, wrong_peer_id(this, &a, &b, &c, listen_loopback(b)));
}

asio::awaitable<void> handshake_timeout(Host* a, mf::Multiaddr addr) {
  auto r = co_await a->dial(addr);
  CO_ASSERT_TRUE(!r);
  EXPECT_EQ(r.error(), std::error_code(errc::handshake_timeout)) << r.error().message();
  EXPECT_TRUE(a->connections().empty());
}

TEST_F(HostTest, SilentListenerTimesOut) {
  // A listening socket that never accepts: the kernel completes the TCP handshake, nothing
  // ever answers multistream-select.
  asio::ip::tcp::acceptor silent(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = silent.local_endpoint().port();
  Config cfg;
  cfg.handshake_timeout = 300ms;
  auto& a = make_host(cfg);
  auto& b = make_host();
  auto addr = ma("/ip4/127.0.0.1/tcp/" + std::to_string(port)).with_peer_id(b.peer_id());
  run(io, handshake_timeout(&a, addr));
}

asio::awaitable<void> refused(Host* a, std::string addr) {
  auto r = co_await a->dial(ma(addr));
  CO_ASSERT_TRUE(!r);
  EXPECT_EQ(r.error(), std::error_code(boost::system::error_code(asio::error::connection_refused)))
      << r.error().message();
  auto bad = co_await a->dial(ma("/ip4/127.0.0.1/udp/1"));
  CO_ASSERT_TRUE(!bad);
  EXPECT_EQ(bad.error(), std::error_code(errc::unsupported_address));
  auto self = co_await a->dial(ma("/ip4/127.0.0.1/tcp/1").with_peer_id(a->peer_id()));
  CO_ASSERT_TRUE(!self);
  EXPECT_EQ(self.error(), std::error_code(errc::dial_to_self));
}

TEST_F(HostTest, DialErrors) {
  // A port held by a bound socket that does not listen: connecting to it is refused, and no
  // other process can take the port meanwhile (a port that was merely freed can be).
  asio::ip::tcp::socket held(io);
  held.open(asio::ip::tcp::v4());
  held.bind(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const std::uint16_t port = held.local_endpoint().port();
  auto& a = make_host();
  run(io, refused(&a, "/ip4/127.0.0.1/tcp/" + std::to_string(port)));
}

asio::awaitable<void> dial_dns(Host* a, Host* b, mf::Multiaddr addr) {
  auto r = co_await a->dial(addr);
  CO_ASSERT_OK(r);
  EXPECT_EQ(r->remote_peer, b->peer_id());
}

asio::awaitable<void> dial_missing_name(Host* c) {
  auto missing = co_await c->dial(ma("/dns4/does-not-exist.invalid/tcp/1"));
  CO_ASSERT_TRUE(!missing);
  EXPECT_EQ(missing.error(), std::error_code(errc::resolve_failed));
}

TEST_F(HostTest, DialByDnsName) {
  auto& a = make_host();
  auto& b = make_host();
  auto bound = listen_loopback(b);
  auto port = bound.value_of(mf::proto::tcp);
  ASSERT_TRUE(port.has_value());
  // localhost resolves from /etc/hosts (getaddrinfo), without a query leaving the machine.
  run(io, dial_dns(&a, &b, ma("/dns4/localhost/tcp/" + *port + "/p2p/" + b.peer_id().to_string())));
}

TEST_F(HostTest, DialOfANameThatDoesNotResolveFails) {
  // The name goes to a DNS server on loopback that never answers (a bound UDP socket), so no
  // query leaves the machine; the resolver gives up and the dial fails with resolve_failed.
  asio::ip::udp::socket silent(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  runtime::DnsResolverConfig rc;
  rc.servers = {silent.local_endpoint()};
  rc.timeout = std::chrono::milliseconds(200);
  rc.attempts = 1;
  rc.tcp_fallback = false;
  m_resolver = std::make_unique<runtime::DnsResolver>(io.get_executor(), rc);
  Config cfg;
  cfg.dns_resolver = m_resolver.get();
  auto& c = make_host(std::move(cfg));
  run(io, dial_missing_name(&c));
}

// Raw garbage on a real listener: the host closes the connection (no handshake can come of
// it) and goes on serving: a proper dial and an echo stream afterwards work.
asio::awaitable<void> garbage_then_dial(asio::io_context* io, Host* a, Host* b, mf::Multiaddr addr) {
  auto ex = co_await asio::this_coro::executor;
  const auto port = static_cast<std::uint16_t>(std::stoul(*addr.value_of(mf::proto::tcp)));
  for (int round = 0; round < 3; ++round) {
    asio::ip::tcp::socket raw(ex);
    co_await raw.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                               asio::use_awaitable);
    const Bytes junk = pattern(64 * 1024, static_cast<std::uint64_t>(round + 1));
    boost::system::error_code ec;
    co_await asio::async_write(raw, asio::buffer(junk), asio::redirect_error(asio::use_awaitable, ec));
    // Read until the host closes (EOF or reset); a deadline guards against a hang.
    asio::steady_timer guard(ex, std::chrono::seconds(30));
    bool timed_out = false;
    guard.async_wait([&](boost::system::error_code e) {
      if (!e) {
        timed_out = true;
        raw.close();
      }
    });
    std::array<std::uint8_t, 4096> buf{};
    for (;;) {
      co_await raw.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
    }
    guard.cancel();
    EXPECT_FALSE(timed_out) << "round " << round << ": the host kept a garbage connection open";
  }
  auto conn = co_await a->dial(addr);
  CO_ASSERT_OK(conn);
  EXPECT_EQ(conn->remote_peer, b->peer_id());
  co_await echo_roundtrip(io, a, addr, 1000, 77);
}

TEST_F(HostTest, RawGarbageOnAListenerIsClosedAndTheHostStillServes) {
  auto& a = make_host();
  auto& b = make_host();
  auto addr = listen_loopback(b);
  run(io, garbage_then_dial(&io, &a, &b, addr));
}

asio::awaitable<void> dial_into(Host* a, mf::Multiaddr addr, std::vector<std::uint64_t>* ids) {
  auto r = co_await a->dial(std::move(addr));
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message());
  if (r) ids->push_back(r->id);
}

asio::awaitable<void> dedup(asio::io_context* io, HostTest* t, Host* a, Host* b, mf::Multiaddr addr) {
  std::vector<std::uint64_t> ids;
  Joiner j(*io);
  for (int i = 0; i < 5; ++i) j.spawn(dial_into(a, addr, &ids));
  co_await j.join();
  CO_ASSERT_TRUE(ids.size() == 5u);
  for (auto id : ids) EXPECT_EQ(id, ids[0]);
  EXPECT_EQ(a->connections().size(), 1u);
  CO_ASSERT_TRUE((co_await t->log(1).wait_for<PeerConnected>()).has_value());
  EXPECT_EQ(b->connections().size(), 1u);
  EXPECT_EQ(t->log(0).count<PeerConnected>(), 1u);
}

TEST_F(HostTest, ConcurrentDialsAreDeduplicated) {
  auto& a = make_host();
  auto& b = make_host();
  run(io, dedup(&io, this, &a, &b, listen_loopback(b)));
}

// ------------------------------------------------------------------ stop

asio::awaitable<void> stop_with_open_streams(HostTest* t, Host* a, Host* b, mf::Multiaddr addr) {
  auto s1 = co_await a->new_stream(addr, make_protocols(kEcho));
  CO_ASSERT_OK(s1);
  auto s2 = co_await a->new_stream(addr, make_protocols(kEcho));
  CO_ASSERT_OK(s2);
  CO_ASSERT_OK(co_await s1->write(as_bytes("x")));
  std::array<std::uint8_t, 1> buf{};
  CO_ASSERT_OK(co_await s1->read_exactly(MutBytesView(buf)));
  co_await a->stop();
  EXPECT_TRUE(a->stopped());
  EXPECT_TRUE(a->connections().empty());
  auto r = co_await s2->read_some(MutBytesView(buf));
  EXPECT_FALSE(r.has_value());
  auto w = co_await s1->write(as_bytes("y"));
  EXPECT_FALSE(w.has_value());
  auto d = co_await t->log(1).wait_for<PeerDisconnected>();
  CO_ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->connection.remote_peer, a->peer_id());
  auto after = co_await a->dial(addr);
  CO_ASSERT_TRUE(!after);
  EXPECT_EQ(after.error(), std::error_code(errc::host_stopped));
  co_await b->stop();
  EXPECT_TRUE(b->connections().empty());
}

TEST_F(HostTest, GracefulStopWithOpenStreams) {
  auto& a = make_host();
  auto& b = make_host();
  run(io, stop_with_open_streams(this, &a, &b, listen_loopback(b)));
}

asio::awaitable<void> disconnect_events(HostTest* t, Host* a, Host* b, mf::Multiaddr addr) {
  CO_ASSERT_OK(co_await a->dial(addr));
  CO_ASSERT_TRUE((co_await t->log(1).wait_for<PeerConnected>()).has_value());
  a->disconnect(b->peer_id());
  auto da = co_await t->log(0).wait_for<PeerDisconnected>();
  auto db = co_await t->log(1).wait_for<PeerDisconnected>();
  CO_ASSERT_TRUE(da && db);
  EXPECT_FALSE(da->reason);  // clean local close
  EXPECT_FALSE(a->is_connected(b->peer_id()));
  // reconnect by peer id from the peer store
  auto again = co_await a->connect(b->peer_id());
  CO_ASSERT_OK(again);
  EXPECT_TRUE(a->is_connected(b->peer_id()));
}

asio::awaitable<void> identify_push(HostTest* t, Host* a, Host* b, mf::Multiaddr addr) {
  CO_ASSERT_OK(co_await a->dial(addr));
  CO_ASSERT_TRUE((co_await t->log(0).wait_for<PeerIdentified>()).has_value());
  b->set_stream_handler("/new/1.0.0", &echo_handler);
  auto up = co_await t->log(0).wait_for<PeerIdentified>(
      [](const PeerIdentified& u) {
        return u.push && std::find(u.info.protocols.begin(), u.info.protocols.end(), "/new/1.0.0") != u.info.protocols.end();
      });
  CO_ASSERT_TRUE(up.has_value());
  EXPECT_EQ(up->peer, b->peer_id());
  b->remove_stream_handler("/new/1.0.0");
  auto down = co_await t->log(0).wait_for<PeerIdentified>(
      [](const PeerIdentified& u) {
        return u.push && std::find(u.info.protocols.begin(), u.info.protocols.end(), "/new/1.0.0") == u.info.protocols.end();
      });
  CO_ASSERT_TRUE(down.has_value());
  auto stored = a->peer_store().get(b->peer_id());
  CO_ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(std::count(stored->protocols.begin(), stored->protocols.end(), "/new/1.0.0"), 0);
  EXPECT_EQ(stored->agent_version, "lotus-p2p/0.1.0");  // push does not erase what it omits
}

TEST_F(HostTest, IdentifyPushOnHandlerChange) {
  auto& a = make_host();
  auto& b = make_host();
  run(io, identify_push(this, &a, &b, listen_loopback(b)));
}

TEST_F(HostTest, DisconnectAndReconnectFromPeerStore) {
  auto& a = make_host();
  auto& b = make_host();
  run(io, disconnect_events(this, &a, &b, listen_loopback(b)));
}

// ------------------------------------------------------------------ lazy negotiation + close_write

// What the listener saw: whether the dialer's FIN had already arrived when the handler started
// (a listener such as js-libp2p 3.x loses data that arrives with a FIN during negotiation), and
// how many bytes arrived before the FIN.
struct FinProbe {
  explicit FinProbe(asio::io_context& io) : done(io.get_executor()) {}
  std::optional<bool> fin_at_entry;
  std::size_t received = 0;
  bool finished = false;
  runtime::Signal done;
};

StreamHandler fin_probe_handler(std::shared_ptr<FinProbe> p) {
  return [p](Stream s) -> asio::awaitable<void> {
    p->fin_at_entry = s.remote_closed();
    std::array<std::uint8_t, 4096> buf{};
    while (true) {
      auto r = co_await s.read_some(MutBytesView(buf));
      if (!r || *r == 0) break;
      p->received += *r;
    }
    const auto text = std::to_string(p->received);
    (void)co_await s.write(as_bytes(text));
    (void)s.close_write();
    p->finished = true;
    p->done.notify();
  };
}

asio::awaitable<void> lazy_close_before_confirmation(Host* a, mf::Multiaddr addr, std::shared_ptr<FinProbe> p) {
  auto s = co_await a->new_stream(addr, make_protocols("/fin-probe/1.0.0"));  // one protocol: lazy
  CO_ASSERT_OK(s);
  const Bytes data = pattern(1000, 77);
  CO_ASSERT_OK(co_await s->write(data));
  CO_ASSERT_OK(s->close_write());  // before the listener's confirmation could have arrived
  auto again = co_await s->write(as_bytes("x"));
  CO_ASSERT_TRUE(!again);
  EXPECT_EQ(again.error(), std::error_code(errc::stream_closed));
  auto reply = co_await s->read_to_end(64);
  CO_ASSERT_OK(reply);
  EXPECT_EQ(as_string_view(*reply), "1000");
  EXPECT_EQ(s->protocol(), "/fin-probe/1.0.0");
  CO_ASSERT_TRUE(p->fin_at_entry.has_value());
  EXPECT_FALSE(*p->fin_at_entry) << "the FIN must wait for the remote's protocol confirmation";
  EXPECT_EQ(p->received, 1000u);
}

TEST_F(HostTest, LazyStreamHoldsFinUntilTheRemoteConfirmed) {
  auto& a = make_host();
  auto& b = make_host();
  auto probe = std::make_shared<FinProbe>(io);
  b.set_stream_handler("/fin-probe/1.0.0", fin_probe_handler(probe));
  run(io, lazy_close_before_confirmation(&a, listen_loopback(b), probe));
}

asio::awaitable<void> lazy_close_and_drop(Host* a, mf::Multiaddr addr, std::shared_ptr<FinProbe> p) {
  {
    auto s = co_await a->new_stream(addr, make_protocols("/fin-probe/1.0.0"));
    CO_ASSERT_OK(s);
    CO_ASSERT_OK(co_await s->write(pattern(3000, 78)));
    CO_ASSERT_OK(s->close_write());
  }  // dropped before the confirmation: the FIN still goes out after it
  while (!p->finished) co_await p->done.wait();
  CO_ASSERT_TRUE(p->fin_at_entry.has_value());
  EXPECT_FALSE(*p->fin_at_entry);
  EXPECT_EQ(p->received, 3000u);
}

TEST_F(HostTest, LazyStreamClosedAndDroppedBeforeConfirmationStillDeliversAndCloses) {
  auto& a = make_host();
  auto& b = make_host();
  auto probe = std::make_shared<FinProbe>(io);
  b.set_stream_handler("/fin-probe/1.0.0", fin_probe_handler(probe));
  run(io, lazy_close_and_drop(&a, listen_loopback(b), probe));
}

}  // namespace
}  // namespace lotus::host
