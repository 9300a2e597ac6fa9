// Transports and muxers of the host, C++ ↔ C++ over loopback: WebSocket (/ws), WebSocket over
// TLS (/tls/ws, /wss) with a certificate generated here, TCP and WebSocket listeners side by
// side, mplex, muxer preference (Noise extension and multistream fallback), bad WebSocket
// upgrade input, oversized WebSocket messages, the mplex per-stream buffer bound.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <memory>
#include <string>
#include <vector>

#include "base/rng.hpp"
#include "crypto/hash.hpp"
#include "host/host.hpp"
#include "proto/mplex/engine.hpp"
#include "runtime/tcp.hpp"
#include "runtime/ws.hpp"
#include "test_util.hpp"

namespace lotus::host {
namespace {

using namespace lotus::host::testing;
using namespace std::chrono_literals;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

constexpr const char* kEcho = "/echo/1.0.0";
constexpr const char* kSink = "/sink/1.0.0";  // never reads

asio::awaitable<void> echo_handler(Stream s) {
  std::array<std::uint8_t, 32 * 1024> buf{};
  while (true) {
    auto r = co_await s.read_some(MutBytesView(buf));
    if (!r || *r == 0) break;
    if (!co_await s.write(BytesView(buf.data(), *r))) co_return;
  }
  (void)s.close_write();
}

// Keeps the stream open without ever reading it (the fixture parks it).
asio::awaitable<void> park(std::vector<Stream>* parked, Stream s) {
  parked->push_back(std::move(s));
  co_return;
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

// A self-signed P-256 certificate for "localhost" and 127.0.0.1 (PEM), made with OpenSSL.
struct TestCert {
  std::string cert_pem;
  std::string key_pem;
};

// A host config serving /tls/ws with `cert`.
Config tls_server(const TestCert& cert) {
  Config c;
  c.tls.cert_pem = cert.cert_pem;
  c.tls.key_pem = cert.key_pem;
  return c;
}

TestCert make_cert() {
  TestCert out;
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  X509_add_ext(x, san, -1);
  X509_EXTENSION_free(san);
  X509_EXTENSION* bc = X509V3_EXT_conf_nid(nullptr, &ctx, NID_basic_constraints, "critical,CA:TRUE");
  X509_add_ext(x, bc, -1);
  X509_EXTENSION_free(bc);
  X509_sign(x, key, EVP_sha256());
  auto to_string = [](BIO* bio) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string s(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    return s;
  };
  BIO* c = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(c, x);
  out.cert_pem = to_string(c);
  BIO* k = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr);
  out.key_pem = to_string(k);
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

class TransportTest : public ::testing::Test {
 public:
  Host& make_host(Config cfg = {}) {
    auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
    EXPECT_TRUE(key.has_value());
    m_hosts.push_back(std::make_unique<Host>(io, std::move(*key), std::move(cfg)));
    auto& h = *m_hosts.back();
    h.set_stream_handler(kEcho, &echo_handler);
    h.set_stream_handler(kSink, [this](Stream s) { return park(&parked, std::move(s)); });
    m_logs.push_back(std::make_unique<EventLog>(io, h));
    return h;
  }
  EventLog& log(std::size_t i) { return *m_logs.at(i); }

  mf::Multiaddr listen(Host& h, const std::string& addr) {
    auto bound = h.listen(ma(addr));
    EXPECT_TRUE(bound.has_value()) << addr << ": " << (bound ? "" : bound.error().message());
    return bound ? bound->with_peer_id(h.peer_id()) : mf::Multiaddr{};
  }

  void TearDown() override {
    parked.clear();
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
  std::vector<Stream> parked;
  std::vector<std::unique_ptr<Host>> m_hosts;
  std::vector<std::unique_ptr<EventLog>> m_logs;
};

asio::awaitable<void> write_all_and_close(Stream* s, Bytes data) {
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
  EXPECT_TRUE(s->close_write().has_value());
}

asio::awaitable<void> echo_roundtrip(asio::io_context* io, Host* a, mf::Multiaddr addr, std::size_t size,
                                     std::uint64_t seed) {
  auto s = co_await a->new_stream(addr, make_protocols(kEcho));
  CO_ASSERT_OK(s);
  const Bytes data = pattern(size, seed);
  Joiner j(*io);
  j.spawn(write_all_and_close(&*s, data));
  auto back = co_await s->read_to_end(size + 1);
  co_await j.join();
  CO_ASSERT_OK(back);
  EXPECT_EQ(back->size(), data.size());
  EXPECT_TRUE(*back == data);
}

// dial, check the connection, identify (the remote's listen address as announced), ping, echo.
asio::awaitable<void> full_exchange(TransportTest* t, Host* a, Host* b, mf::Multiaddr addr, std::string transport,
                                    std::string muxer, std::size_t echo_bytes, bool literal_addr = true) {
  auto conn = co_await a->dial(addr);
  CO_ASSERT_OK(conn);
  EXPECT_EQ(conn->remote_peer, b->peer_id());
  EXPECT_EQ(conn->transport, transport);
  EXPECT_EQ(conn->muxer, muxer);
  if (literal_addr) {
    EXPECT_EQ(conn->remote_addr, addr.without_peer_id());
  }
  auto cb = co_await t->log(1).wait_for<PeerConnected>();
  CO_ASSERT_TRUE(cb.has_value());
  EXPECT_EQ(cb->connection.transport, transport);
  EXPECT_EQ(cb->connection.muxer, muxer);
  auto ia = co_await t->log(0).wait_for<PeerIdentified>();
  CO_ASSERT_TRUE(ia.has_value());
  const auto& addrs = ia->info.addrs;
  if (literal_addr) {
    EXPECT_NE(std::find(addrs.begin(), addrs.end(), addr.without_peer_id()), addrs.end());
  }
  EXPECT_EQ(addrs, b->listen_addrs());
  auto rtt = co_await a->ping(b->peer_id());
  CO_ASSERT_OK(rtt);
  auto back = co_await b->ping(a->peer_id());
  CO_ASSERT_OK(back);
  co_await echo_roundtrip(&t->io, a, addr, echo_bytes, 7);
  EXPECT_EQ(a->metrics().connections_opened_by_transport.at(transport), 1u);
  EXPECT_EQ(b->metrics().connections_opened_by_transport.at(transport), 1u);
}

TEST_F(TransportTest, WebSocketPair) {
  auto& a = make_host();
  auto& b = make_host();
  auto addr = listen(b, "/ip4/127.0.0.1/tcp/0/ws");
  ASSERT_EQ(b.listen_addrs().size(), 1u);
  EXPECT_EQ(b.listen_addrs()[0].components().back().code, mf::proto::ws);
  EXPECT_NE(b.listen_addrs()[0].value_of(mf::proto::tcp), "0");
  run(io, full_exchange(this, &a, &b, addr, "ws", kYamuxProtocol, 10 << 20));
}

TEST_F(TransportTest, WebSocketDnsDial) {
  auto& a = make_host();
  auto& b = make_host();
  auto addr = listen(b, "/ip4/127.0.0.1/tcp/0/ws");
  auto port = *addr.value_of(mf::proto::tcp);
  run(io, full_exchange(this, &a, &b, ma("/dns4/localhost/tcp/" + port + "/ws").with_peer_id(b.peer_id()), "ws",
                        kYamuxProtocol, 1000, false));
}

asio::awaitable<void> wss_checks(TransportTest* t, Host* b, mf::Multiaddr good_ip, mf::Multiaddr good_name,
                                 std::string ca) {
  // a: trusts the test CA; verifies chain and name (IP SAN and DNS SAN)
  Config trusting;
  trusting.wss_dial.ca_pem = ca;
  auto& a = t->make_host(trusting);
  auto c1 = co_await a.dial(good_ip);
  CO_ASSERT_OK(c1);
  EXPECT_EQ(c1->transport, "wss");
  co_await echo_roundtrip(&t->io, &a, good_ip, 3 << 20, 11);
  auto& a2 = t->make_host(trusting);
  auto c2 = co_await a2.dial(good_name);
  CO_ASSERT_OK(c2);
  EXPECT_EQ(c2->transport, "wss");
  // the system store does not know the self-signed certificate
  auto& strict = t->make_host();
  auto refused = co_await strict.dial(good_ip);
  CO_ASSERT_TRUE(!refused);
  EXPECT_EQ(refused.error(), std::error_code(runtime::errc::tls_certificate_rejected)) << refused.error().message();
  EXPECT_TRUE(strict.connections().empty());
  // verification off: Noise still authenticates the peer id
  Config lax;
  lax.wss_dial.verify_peer = false;
  auto& l = t->make_host(lax);
  auto c3 = co_await l.dial(good_ip);
  CO_ASSERT_OK(c3);
  EXPECT_EQ(c3->remote_peer, b->peer_id());
  for (int i = 0; i < 3; ++i) CO_ASSERT_TRUE((co_await t->log(0).wait_for<PeerConnected>()).has_value());
  EXPECT_EQ(b->metrics().connections_opened_by_transport.at("wss"), 3u);
}

TEST_F(TransportTest, SecureWebSocketWithGeneratedCertificate) {
  const auto cert = make_cert();
  auto& b = make_host(tls_server(cert));
  auto addr = listen(b, "/ip4/127.0.0.1/tcp/0/tls/ws");
  auto port = *addr.value_of(mf::proto::tcp);
  EXPECT_EQ(b.listen_addrs().at(0).to_string(), "/ip4/127.0.0.1/tcp/" + port + "/tls/ws");
  // /wss is accepted as a synonym when dialing
  auto wss = ma("/ip4/127.0.0.1/tcp/" + port + "/wss").with_peer_id(b.peer_id());
  auto by_name = ma("/dns4/localhost/tcp/" + port + "/tls/ws").with_peer_id(b.peer_id());
  run(io, wss_checks(this, &b, wss, by_name, cert.cert_pem));
}

TEST_F(TransportTest, SecureWebSocketListenerNeedsACertificate) {
  auto& b = make_host();
  auto r = b.listen(ma("/ip4/127.0.0.1/tcp/0/tls/ws"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), std::error_code(runtime::errc::tls_config));
  Config bad;
  bad.tls.cert_pem = "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n";
  bad.tls.key_pem = make_cert().key_pem;
  auto& c = make_host(bad);
  auto r2 = c.listen(ma("/ip4/127.0.0.1/tcp/0/wss"));
  ASSERT_FALSE(r2.has_value());
  EXPECT_EQ(r2.error(), std::error_code(runtime::errc::tls_config));
  EXPECT_TRUE(c.listen_addrs().empty());
}

// Certificate renewal: reload_tls() makes the /tls/ws listener serve the new certificate to new
// connections; a failed reload (key of another certificate) changes nothing.
asio::awaitable<void> renewal(TransportTest* t, Host* b, mf::Multiaddr addr, std::string old_ca, TestCert fresh) {
  Config trusts_old;
  trusts_old.wss_dial.ca_pem = old_ca;
  Config trusts_new;
  trusts_new.wss_dial.ca_pem = fresh.cert_pem;
  CO_ASSERT_OK(co_await t->make_host(trusts_old).dial(addr));
  auto early = co_await t->make_host(trusts_new).dial(addr);
  CO_ASSERT_TRUE(!early);
  EXPECT_EQ(early.error(), std::error_code(runtime::errc::tls_certificate_rejected));

  TlsCertificate mismatched{fresh.cert_pem, make_cert().key_pem, "", ""};
  auto bad = b->reload_tls(mismatched);
  CO_ASSERT_TRUE(!bad);
  EXPECT_EQ(bad.error(), std::error_code(runtime::errc::tls_config));
  CO_ASSERT_OK(co_await t->make_host(trusts_old).dial(addr));  // still the old one

  auto n = b->reload_tls(TlsCertificate{fresh.cert_pem, fresh.key_pem, "", ""});
  CO_ASSERT_OK(n);
  EXPECT_EQ(*n, 1u);
  auto stale = co_await t->make_host(trusts_old).dial(addr);
  CO_ASSERT_TRUE(!stale);
  EXPECT_EQ(stale.error(), std::error_code(runtime::errc::tls_certificate_rejected));
  auto renewed = co_await t->make_host(trusts_new).dial(addr);
  CO_ASSERT_OK(renewed);
  co_await echo_roundtrip(&t->io, &t->make_host(trusts_new), addr, 100000, 4);
}

TEST_F(TransportTest, SecureWebSocketCertificateReload) {
  const auto first = make_cert();
  auto& b = make_host(tls_server(first));
  auto addr = listen(b, "/ip4/127.0.0.1/tcp/0/tls/ws").with_peer_id(b.peer_id());
  run(io, renewal(this, &b, addr, first.cert_pem, make_cert()));
  auto& plain = make_host();
  EXPECT_EQ(plain.reload_tls(TlsCertificate{first.cert_pem, first.key_pem, "", ""}).value(), 0u);  // no listener
}

asio::awaitable<void> two_transports(TransportTest* t, Host* a, Host* c, mf::Multiaddr tcp_addr, mf::Multiaddr ws_addr) {
  auto ca = co_await a->dial(tcp_addr);
  CO_ASSERT_OK(ca);
  EXPECT_EQ(ca->transport, "tcp");
  auto cc = co_await c->dial(ws_addr);
  CO_ASSERT_OK(cc);
  EXPECT_EQ(cc->transport, "ws");
  co_await echo_roundtrip(&t->io, a, tcp_addr, 100000, 1);
  co_await echo_roundtrip(&t->io, c, ws_addr, 100000, 2);
}

TEST_F(TransportTest, TcpAndWebSocketListenersAtOnce) {
  auto& a = make_host();
  Config cfg;
  cfg.listen_addrs = {ma("/ip4/127.0.0.1/tcp/0"), ma("/ip4/127.0.0.1/tcp/0/ws")};
  auto& b = make_host(cfg);
  auto& c = make_host();
  ASSERT_TRUE(b.start().has_value());
  auto la = b.listen_addrs();
  ASSERT_EQ(la.size(), 2u);
  EXPECT_EQ(la[0].components().size(), 2u);
  EXPECT_EQ(la[1].components().back().code, mf::proto::ws);
  EXPECT_NE(la[0].value_of(mf::proto::tcp), la[1].value_of(mf::proto::tcp));
  auto full = b.full_addrs();
  ASSERT_EQ(full.size(), 2u);
  EXPECT_EQ(full[1], la[1].with_peer_id(b.peer_id()));
  run(io, two_transports(this, &a, &c, la[0].with_peer_id(b.peer_id()), la[1].with_peer_id(b.peer_id())));
  EXPECT_EQ(b.metrics().connections_opened_by_transport.at("tcp"), 1u);
  EXPECT_EQ(b.metrics().connections_opened_by_transport.at("ws"), 1u);
}

// ------------------------------------------------------------------ mplex

asio::awaitable<void> many_streams(asio::io_context* io, Host* a, mf::Multiaddr addr, int n) {
  CO_ASSERT_OK(co_await a->dial(addr));
  Joiner j(*io);
  for (int i = 0; i < n; ++i) j.spawn(echo_roundtrip(io, a, addr, 10000 + static_cast<std::size_t>(i) * 37, 100 + i));
  co_await j.join();
  EXPECT_EQ(a->connections().size(), 1u);
}

Config mplex_only() {
  Config cfg;
  cfg.muxers = {kMplexProtocol};
  return cfg;
}

// A TCP connection reads through the thread's shared buffer while traffic is light and through
// its own growing buffer in bulk, and back after 64 quiet reads; partial Noise frames cross
// every switch. Light, bulk, light, bulk on one connection: every byte arrives (echo_roundtrip
// compares them), the connection stays the same one, and the switches really happened — both
// hosts count every move to an own buffer (each bulk transfer) and back (the light traffic
// after it).
asio::awaitable<void> light_bulk_light_bulk(asio::io_context* io, Host* a, Host* b, mf::Multiaddr addr) {
  std::uint64_t conn_id = 0;
  for (int round = 0; round < 2; ++round) {
    const auto a_own = a->metrics().read_buffer_to_own, a_shared = a->metrics().read_buffer_to_shared;
    const auto b_own = b->metrics().read_buffer_to_own, b_shared = b->metrics().read_buffer_to_shared;
    for (int i = 0; i < 40; ++i) co_await echo_roundtrip(io, a, addr, 100 + static_cast<std::size_t>(i) * 37, i);
    if (round == 1) {
      // the light traffic after round 0's bulk took both readers back to the shared buffer
      EXPECT_GT(a->metrics().read_buffer_to_shared, a_shared);
      EXPECT_GT(b->metrics().read_buffer_to_shared, b_shared);
    }
    co_await echo_roundtrip(io, a, addr, (6 << 20) + 12345, 100 + round);
    // the bulk echo moved both readers (b receives it, a receives it back) to their own buffer
    EXPECT_GT(a->metrics().read_buffer_to_own, a_own);
    EXPECT_GT(b->metrics().read_buffer_to_own, b_own);
    CO_ASSERT_TRUE(a->connections().size() == 1u);
    if (round == 0) conn_id = a->connections()[0].id;
    EXPECT_EQ(a->connections()[0].id, conn_id);
  }
}

TEST_F(TransportTest, TcpReadBufferSwitchesKeepTheStreamIntact) {
  for (const char* muxer : {kYamuxProtocol, kMplexProtocol}) {
    Config cfg;
    cfg.muxers = {muxer};
    auto& a = make_host(cfg);
    auto& b = make_host(cfg);
    run(io, light_bulk_light_bulk(&io, &a, &b, listen(b, "/ip4/127.0.0.1/tcp/0")), std::chrono::seconds(60));
  }
}

TEST_F(TransportTest, MplexPairTcp) {
  auto& a = make_host(mplex_only());
  auto& b = make_host(mplex_only());
  run(io, full_exchange(this, &a, &b, listen(b, "/ip4/127.0.0.1/tcp/0"), "tcp", kMplexProtocol, 10 << 20));
}

TEST_F(TransportTest, MplexPairWebSocket) {
  auto& a = make_host(mplex_only());
  auto& b = make_host(mplex_only());
  run(io, full_exchange(this, &a, &b, listen(b, "/ip4/127.0.0.1/tcp/0/ws"), "ws", kMplexProtocol, 3 << 20));
}

TEST_F(TransportTest, MplexHundredConcurrentStreams) {
  auto& a = make_host(mplex_only());
  auto& b = make_host(mplex_only());
  run(io, many_streams(&io, &a, listen(b, "/ip4/127.0.0.1/tcp/0"), 100));
}

// mplex has no flow control: a stream whose reader does not read is reset once its unread data
// passes Config::mplex_stream_buffer; the connection and other streams live on.
asio::awaitable<void> overflow(TransportTest* t, Host* a, mf::Multiaddr addr) {
  auto s = co_await a->new_stream(addr, make_protocols(kSink));
  CO_ASSERT_OK(s);
  CO_ASSERT_TRUE(a->connections().size() == 1u);
  const std::uint64_t conn_id = a->connections()[0].id;
  const Bytes chunk = pattern(256 * 1024, 5);
  std::error_code failed;
  for (int i = 0; i < 64 && !failed; ++i) {  // 16 MiB at most
    auto w = co_await s->write(chunk);
    if (!w) failed = w.error();
    if (s->is_reset()) break;
  }
  std::array<std::uint8_t, 16> buf{};
  auto r = co_await s->read_some(MutBytesView(buf));
  CO_ASSERT_TRUE(!r);
  EXPECT_EQ(r.error(), std::error_code(errc::stream_reset)) << r.error().message();
  EXPECT_TRUE(s->is_reset());
  // the connection still works: the same one (the data a sent after b's Reset, megabytes,
  // must not count as a flood of messages for unknown streams)
  co_await echo_roundtrip(&t->io, a, addr, 100000, 3);
  CO_ASSERT_TRUE(a->connections().size() == 1u);
  EXPECT_EQ(a->connections()[0].id, conn_id);
}

TEST_F(TransportTest, MplexStreamBufferOverflowResetsTheStream) {
  Config cfg = mplex_only();
  cfg.mplex_stream_buffer = 1 << 20;
  cfg.mplex_read_pause_limit = 300ms;  // backpressure first, then the reset
  auto& a = make_host(mplex_only());
  auto& b = make_host(cfg);
  run(io, overflow(this, &a, listen(b, "/ip4/127.0.0.1/tcp/0")));
}

// mplex backpressure: a reader that falls behind makes our side stop reading the socket (TCP
// throttles the writer) instead of buffering past the bound; once it reads, all data arrives
// intact and the stream is not reset. b serves kSlow: wait until b's reader has paused, then
// read everything and answer with the byte count.
asio::awaitable<void> slow_reader(Host* b, Stream s) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  asio::steady_timer t(co_await asio::this_coro::executor);
  while (b->metrics().mplex_read_pauses == 0 && std::chrono::steady_clock::now() < deadline) {
    t.expires_after(5ms);
    co_await t.async_wait(asio::use_awaitable);
  }
  EXPECT_GT(b->metrics().mplex_read_pauses, 0u);
  auto all = co_await s.read_to_end(64 << 20);
  CO_ASSERT_OK(all);
  const auto h = crypto::sha256(*all);
  Bytes answer(h.begin(), h.end());
  EXPECT_TRUE((co_await s.write(answer)).has_value());
  (void)s.close_write();
}

asio::awaitable<void> throttled(asio::io_context* io, Host* a, mf::Multiaddr addr) {
  auto s = co_await a->new_stream(addr, make_protocols("/slow/1.0.0"));
  CO_ASSERT_OK(s);
  const Bytes data = pattern(12 << 20, 9);  // 12 × b's 1 MiB stream bound
  Joiner j(*io);
  j.spawn(write_all_and_close(&*s, data));
  auto back = co_await s->read_to_end(64);
  co_await j.join();
  CO_ASSERT_OK(back);
  const auto h = crypto::sha256(data);
  EXPECT_EQ(*back, Bytes(h.begin(), h.end()));
  EXPECT_FALSE(s->is_reset());
}

TEST_F(TransportTest, MplexSlowReaderThrottlesTheWriterInsteadOfResetting) {
  Config cfg = mplex_only();
  cfg.mplex_stream_buffer = 1 << 20;
  auto& a = make_host(mplex_only());
  auto& b = make_host(cfg);
  b.set_stream_handler("/slow/1.0.0", [&b](Stream s) { return slow_reader(&b, std::move(s)); });
  run(io, throttled(&io, &a, listen(b, "/ip4/127.0.0.1/tcp/0")));
}

// ------------------------------------------------------------------ muxer negotiation

asio::awaitable<void> expect_muxer(Host* a, mf::Multiaddr addr, std::string muxer, bool from_noise) {
  auto c = co_await a->dial(addr);
  CO_ASSERT_OK(c);
  EXPECT_EQ(c->muxer, muxer);
  EXPECT_EQ(c->muxer_from_noise_extension, from_noise);
  auto rtt = co_await a->ping(c->remote_peer);
  CO_ASSERT_OK(rtt);
}

asio::awaitable<void> expect_no_muxer(Host* a, mf::Multiaddr addr) {
  auto c = co_await a->dial(addr);
  CO_ASSERT_TRUE(!c);
  EXPECT_EQ(c.error(), std::error_code(errc::muxer_negotiation_failed)) << c.error().message();
  EXPECT_TRUE(a->connections().empty());
}

Config muxers(std::vector<std::string> m, bool early = true) {
  Config cfg;
  cfg.muxers = std::move(m);
  cfg.early_muxer_negotiation = early;
  return cfg;
}

TEST_F(TransportTest, DefaultPrefersYamux) {
  auto& a = make_host();
  auto& b = make_host();
  EXPECT_EQ(a.config().muxers, (std::vector<std::string>{kYamuxProtocol, kMplexProtocol}));
  run(io, expect_muxer(&a, listen(b, "/ip4/127.0.0.1/tcp/0"), kYamuxProtocol, true));
}

TEST_F(TransportTest, NoiseExtensionFallsBackToMplex) {
  auto& a = make_host();  // yamux, mplex
  auto& b = make_host(muxers({kMplexProtocol}));
  run(io, expect_muxer(&a, listen(b, "/ip4/127.0.0.1/tcp/0"), kMplexProtocol, true));
}

TEST_F(TransportTest, NoiseExtensionTakesTheInitiatorsPreference) {
  auto& a = make_host(muxers({kMplexProtocol, kYamuxProtocol}));
  auto& b = make_host(muxers({kYamuxProtocol, kMplexProtocol}));
  auto& c = make_host(muxers({kYamuxProtocol, kMplexProtocol}));
  auto& d = make_host(muxers({kMplexProtocol, kYamuxProtocol}));
  run(io, expect_muxer(&a, listen(b, "/ip4/127.0.0.1/tcp/0"), kMplexProtocol, true));
  run(io, expect_muxer(&c, listen(d, "/ip4/127.0.0.1/tcp/0"), kYamuxProtocol, true));
}

TEST_F(TransportTest, MultistreamFallbackToMplex) {
  // a does not use the Noise extension: multistream-select proposes yamux (na), then mplex
  auto& a = make_host(muxers({kYamuxProtocol, kMplexProtocol}, false));
  auto& b = make_host(muxers({kMplexProtocol}));
  run(io, expect_muxer(&a, listen(b, "/ip4/127.0.0.1/tcp/0"), kMplexProtocol, false));
  // the listener side without the extension
  auto& c = make_host(muxers({kYamuxProtocol, kMplexProtocol}));
  auto& d = make_host(muxers({kYamuxProtocol}, false));
  run(io, expect_muxer(&c, listen(d, "/ip4/127.0.0.1/tcp/0"), kYamuxProtocol, false));
}

TEST_F(TransportTest, NoCommonMuxerFails) {
  auto& a = make_host(muxers({kYamuxProtocol}));
  auto& b = make_host(muxers({kMplexProtocol}));
  run(io, expect_no_muxer(&a, listen(b, "/ip4/127.0.0.1/tcp/0")));
  auto& c = make_host(muxers({kYamuxProtocol}, false));
  auto& d = make_host(muxers({kMplexProtocol}, false));
  run(io, expect_no_muxer(&c, listen(d, "/ip4/127.0.0.1/tcp/0")));
  auto& e = make_host(muxers({"/unknown/1.0.0"}));
  run(io, expect_no_muxer(&e, listen(d, "/ip4/127.0.0.1/tcp/0")));
}

// ------------------------------------------------------------------ bad input

// Writes `bytes` on a raw TCP connection and reads until the host closes it; returns what the
// host answered.
asio::awaitable<std::string> raw_exchange(std::uint16_t port, std::string bytes) {
  tcp::socket s(co_await asio::this_coro::executor);
  boost::system::error_code ec;
  co_await s.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                           asio::redirect_error(asio::use_awaitable, ec));
  EXPECT_FALSE(ec) << ec.message();
  co_await asio::async_write(s, asio::buffer(bytes), asio::redirect_error(asio::use_awaitable, ec));
  std::string answer;
  std::array<char, 4096> buf{};
  while (true) {
    const auto n = co_await s.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    answer.append(buf.data(), n);
    if (ec) break;  // eof / reset: the host closed the connection
  }
  co_return answer;
}

asio::awaitable<void> bad_upgrades(TransportTest* t, Host* b, std::uint16_t port) {
  // not HTTP at all
  auto a1 = co_await raw_exchange(port, "\x13/multistream/1.0.0\n");
  EXPECT_EQ(a1.find("101"), std::string::npos);
  // HTTP, but not a WebSocket upgrade: Beast answers 400
  auto a2 = co_await raw_exchange(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(a2.find("HTTP/1.1 400"), std::string::npos) << a2;
  // a header that never ends is cut off by the upgrade deadline
  auto a3 = co_await raw_exchange(port, "GET / HTTP/1.1\r\nX: " + std::string(3000, 'a'));
  EXPECT_EQ(a3.find("101"), std::string::npos);
  EXPECT_TRUE(b->connections().empty());
  (void)t;
}

TEST_F(TransportTest, WebSocketUpgradeGarbageClosesTheConnection) {
  Config cfg;
  cfg.handshake_timeout = 500ms;
  auto& b = make_host(cfg);
  auto addr = listen(b, "/ip4/127.0.0.1/tcp/0/ws");
  const auto port = static_cast<std::uint16_t>(std::stoi(*addr.value_of(mf::proto::tcp)));
  run(io, bad_upgrades(this, &b, port));
}

asio::awaitable<void> ws_dial_to_tcp(Host* a, mf::Multiaddr tcp_listener, mf::Multiaddr silent) {
  // our HTTP upgrade request reaches a libp2p TCP listener: it fails multistream and closes
  auto r = co_await a->dial(tcp_listener);
  CO_ASSERT_TRUE(!r);
  EXPECT_EQ(r.error(), std::error_code(runtime::errc::ws_upgrade_failed)) << r.error().message();
  // a server that accepts TCP and never answers the upgrade: the handshake deadline
  auto r2 = co_await a->dial(silent);
  CO_ASSERT_TRUE(!r2);
  EXPECT_EQ(r2.error(), std::error_code(errc::handshake_timeout)) << r2.error().message();
  EXPECT_TRUE(a->connections().empty());
}

TEST_F(TransportTest, WebSocketDialFailures) {
  Config cfg;
  cfg.handshake_timeout = 500ms;
  auto& a = make_host(cfg);
  auto& b = make_host();
  auto tcp_addr = listen(b, "/ip4/127.0.0.1/tcp/0");
  tcp::acceptor silent(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto sport = std::to_string(silent.local_endpoint().port());
  run(io, ws_dial_to_tcp(&a, ma(tcp_addr.without_peer_id().to_string() + "/ws").with_peer_id(b.peer_id()),
                         ma("/ip4/127.0.0.1/tcp/" + sport + "/ws")));
  // addresses the WebSocket transport does not take
  run(io, [](Host* h) -> asio::awaitable<void> {
    for (const char* bad : {"/ip4/127.0.0.1/tcp/1/ws/ws", "/ip4/127.0.0.1/tcp/1/tls", "/ip4/127.0.0.1/udp/1/ws",
                            "/ip4/127.0.0.1/tcp/1/http"}) {
      auto r = co_await h->dial(ma(bad));
      EXPECT_FALSE(r.has_value()) << bad;
      if (!r) {
        EXPECT_EQ(r.error(), std::error_code(errc::unsupported_address)) << bad;
      }
    }
  }(&a));
}

// A WebSocket message above Config::ws_max_message_size ends the connection.
asio::awaitable<void> oversized_message(std::uint16_t port) {
  beast::websocket::stream<tcp::socket> ws(co_await asio::this_coro::executor);
  boost::system::error_code ec;
  co_await ws.next_layer().async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                                         asio::redirect_error(asio::use_awaitable, ec));
  CO_ASSERT_TRUE(!ec);
  co_await ws.async_handshake("127.0.0.1", "/", asio::redirect_error(asio::use_awaitable, ec));
  CO_ASSERT_TRUE(!ec);
  ws.binary(true);
  const std::string big(200 * 1024, 'x');
  co_await ws.async_write(asio::buffer(big), asio::redirect_error(asio::use_awaitable, ec));
  beast::flat_buffer in;
  while (!ec) co_await ws.async_read(in, asio::redirect_error(asio::use_awaitable, ec));
  // Beast on the host's side sends a close frame (1009 "message too big") and closes
  EXPECT_TRUE(ec == beast::websocket::error::closed || ec == asio::error::eof ||
              ec == asio::error::connection_reset)
      << ec.message();
  if (ec == beast::websocket::error::closed) {
    EXPECT_EQ(ws.reason().code, beast::websocket::close_code::too_big);
  }
}

TEST_F(TransportTest, OversizedWebSocketMessageClosesTheConnection) {
  Config cfg;
  cfg.ws_max_message_size = 64 * 1024;
  auto& b = make_host(cfg);
  auto addr = listen(b, "/ip4/127.0.0.1/tcp/0/ws");
  const auto port = static_cast<std::uint16_t>(std::stoi(*addr.value_of(mf::proto::tcp)));
  run(io, oversized_message(port));
  EXPECT_TRUE(b.connections().empty());
}

// ------------------------------------------------------------------ address parsing

TEST(TransportAddr, Parse) {
  using runtime::Transport;
  struct Case {
    const char* text;
    Transport transport;
    const char* host;
    std::uint16_t port;
  };
  for (const auto& c : {Case{"/ip4/1.2.3.4/tcp/80", Transport::plain, "1.2.3.4", 80},
                        Case{"/ip4/1.2.3.4/tcp/80/ws", Transport::ws, "1.2.3.4", 80},
                        Case{"/ip6/::1/tcp/443/wss", Transport::wss, "::1", 443},
                        Case{"/dns4/example.com/tcp/443/tls/ws", Transport::wss, "example.com", 443},
                        Case{"/dns/example.com/tcp/1/ws/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA",
                             Transport::ws, "example.com", 1}}) {
    auto r = runtime::parse_transport_addr(ma(c.text));
    ASSERT_TRUE(r.has_value()) << c.text;
    EXPECT_EQ(r->transport, c.transport) << c.text;
    EXPECT_EQ(r->host, c.host) << c.text;
    EXPECT_EQ(r->port, c.port) << c.text;
    EXPECT_EQ(r->tcp_addr.components().size(), 2u);
  }
  for (const char* bad : {"/ip4/1.2.3.4/udp/80/ws", "/ip4/1.2.3.4/tcp/80/ws/ws", "/ip4/1.2.3.4/tcp/80/tls",
                          "/ip4/1.2.3.4/tcp/80/tls/wss", "/p2p-circuit", "/ip4/1.2.3.4"}) {
    auto m = mf::Multiaddr::parse(bad);
    if (!m) continue;
    auto r = runtime::parse_transport_addr(*m);
    EXPECT_FALSE(r.has_value()) << bad;
  }
  EXPECT_EQ(runtime::with_transport(ma("/ip4/1.2.3.4/tcp/80"), runtime::Transport::wss).to_string(),
            "/ip4/1.2.3.4/tcp/80/tls/ws");
}

}  // namespace
}  // namespace lotus::host
