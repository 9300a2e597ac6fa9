// Peer gates and penalties with real hosts over loopback TCP: a gate refusal at each admission
// point (accepted socket, proved peer id in both directions, outbound dial, inbound stream)
// closes the socket, connection or stream and is counted by point and reason; a penalty
// reported through Host::penalize reaches the BanList, which bans the peer: its connection is
// closed, its next inbound connection and our next dial to it are refused.
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "host/ban_list.hpp"
#include "host/host.hpp"
#include "test_util.hpp"

namespace lotus::host {
namespace {

using namespace lotus::host::testing;
using namespace std::chrono_literals;

constexpr const char* kEcho = "/echo/1.0.0";
constexpr const char* kOther = "/other/1.0.0";

asio::awaitable<void> echo_handler(Stream s) {
  std::array<std::uint8_t, 4096> buf{};
  while (true) {
    auto r = co_await s.read_some(MutBytesView(buf));
    if (!r || *r == 0) break;
    if (!co_await s.write(BytesView(buf.data(), *r))) co_return;
  }
  (void)s.close_write();
}

// A gate that refuses one admission point with a fixed reason and counts what it was asked.
class RefuseAt : public PeerGate {
 public:
  RefuseAt(AdmissionPoint p, std::string reason, std::optional<std::string> protocol = std::nullopt)
      : m_point(p), m_reason(std::move(reason)), m_protocol(std::move(protocol)) {}
  Verdict check_inbound_socket(const InboundSocket& s, TimePoint) override {
    ++asked;
    last_ip = s.ip;
    return verdict(AdmissionPoint::inbound_ip);
  }
  Verdict check_connection(const SecuredConnection& c, TimePoint) override {
    ++asked;
    last_peer = c.peer;
    last_direction = c.direction;
    return verdict(AdmissionPoint::connection_peer);
  }
  Verdict check_dial(const OutboundDial& d, TimePoint) override {
    ++asked;
    last_peer = d.peer;
    return verdict(AdmissionPoint::outbound_dial);
  }
  Verdict check_inbound_stream(const InboundStreamRequest& r, TimePoint) override {
    ++asked;
    last_peer = r.peer;
    if (m_protocol && r.protocol != *m_protocol) return std::nullopt;
    return verdict(AdmissionPoint::inbound_stream);
  }
  int asked = 0;
  std::string last_ip;
  std::optional<mf::PeerId> last_peer;
  std::optional<Direction> last_direction;

 private:
  Verdict verdict(AdmissionPoint p) const { return p == m_point ? Verdict(m_reason) : std::nullopt; }
  AdmissionPoint m_point;
  std::string m_reason;
  std::optional<std::string> m_protocol;
};

std::uint64_t refusals(const Host& h, AdmissionPoint p, const std::string& reason) {
  const auto& m = h.metrics().gate_refusals;
  auto it = m.find({to_string(p), reason});
  return it == m.end() ? 0 : it->second;
}

class GateTest : public ::testing::Test {
 public:
  Host& make_host() {
    auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
    EXPECT_TRUE(key.has_value());
    Config cfg;
    cfg.run_identify = false;
    m_hosts.push_back(std::make_unique<Host>(io, std::move(*key), std::move(cfg)));
    auto& h = *m_hosts.back();
    h.set_stream_handler(kEcho, &echo_handler);
    h.set_stream_handler(kOther, &echo_handler);
    m_logs.push_back(std::make_unique<EventLog>(io, h));
    return h;
  }
  EventLog& log(std::size_t i) { return *m_logs.at(i); }
  mf::Multiaddr listen(Host& h) {
    auto bound = h.listen(*mf::Multiaddr::parse("/ip4/127.0.0.1/tcp/0"));
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

// Echo one message on a fresh stream; true when the bytes came back.
asio::awaitable<bool> echo_once(Host& h, mf::PeerId peer, const char* protocol) {
  auto s = co_await h.new_stream(peer, make_protocols(protocol));
  if (!s) co_return false;
  const std::array<std::uint8_t, 5> msg{'h', 'e', 'l', 'l', 'o'};
  if (!co_await s->write(BytesView(msg.data(), msg.size()))) co_return false;
  (void)s->close_write();
  std::array<std::uint8_t, 5> back{};
  auto r = co_await s->read_exactly(MutBytesView(back));
  co_return r.has_value() && back == msg;
}

TEST_F(GateTest, InboundSocketRefusalClosesBeforeTheHandshake) {
  auto& srv = make_host();
  auto& cli = make_host();
  auto g0 = std::make_shared<RefuseAt>(AdmissionPoint::inbound_ip, "test_ip");
  srv.add_gate(g0);
  const auto a0 = listen(srv);
  run(io, [](GateTest* t, Host* server, Host* client, mf::Multiaddr addr, RefuseAt* gate) -> asio::awaitable<void> {
    auto r = co_await client->dial(addr);
    EXPECT_FALSE(r.has_value());
    EXPECT_EQ(gate->last_ip, "127.0.0.1");
    EXPECT_EQ(refusals(*server, AdmissionPoint::inbound_ip, "test_ip"), 1u);
    // Refused before any handshake byte: the server counts no failed handshake, no connection.
    EXPECT_TRUE(server->metrics().handshake_failures.empty());
    EXPECT_TRUE(server->connections().empty());
    EXPECT_EQ(t->log(0).count<PeerConnected>(), 0u);
  }(this, &srv, &cli, a0, g0.get()));
}

TEST_F(GateTest, ConnectionRefusalAfterTheHandshakeBothDirections) {
  auto& srv = make_host();
  auto& cli = make_host();
  auto g0 = std::make_shared<RefuseAt>(AdmissionPoint::connection_peer, "test_peer");
  srv.add_gate(g0);
  const auto a0 = listen(srv);
  run(io, [](GateTest* t, Host* server, Host* client, mf::Multiaddr addr, RefuseAt* gate) -> asio::awaitable<void> {
    // Inbound: the client may finish its side of the handshake first; the server closes the
    // connection as soon as it knows the client's peer id, and never reports it connected.
    auto r = co_await client->dial(addr);
    if (r) {
      auto gone = co_await t->log(1).wait_for<PeerDisconnected>();
      EXPECT_TRUE(gone.has_value());
    }
    EXPECT_EQ(refusals(*server, AdmissionPoint::connection_peer, "test_peer"), 1u);
    EXPECT_EQ(gate->last_peer, client->peer_id());
    EXPECT_EQ(gate->last_direction, Direction::inbound);
    EXPECT_TRUE(server->connections().empty());
    EXPECT_EQ(t->log(0).count<PeerConnected>(), 0u);
  }(this, &srv, &cli, a0, g0.get()));

  // Outbound: the dialer's own g0 refuses the peer it reached by address (no /p2p/).
  auto& oth = make_host();
  const auto a1 = listen(oth);
  auto g1 = std::make_shared<RefuseAt>(AdmissionPoint::connection_peer, "test_outbound");
  cli.add_gate(g1);
  run(io, [](Host* client, Host* other, mf::Multiaddr addr, RefuseAt* gate) -> asio::awaitable<void> {
    auto r = co_await client->dial(addr.without_peer_id());
    CO_ASSERT_TRUE(!r.has_value());
    EXPECT_EQ(r.error(), errc::refused);
    EXPECT_EQ(gate->last_peer, other->peer_id());
    EXPECT_EQ(gate->last_direction, Direction::outbound);
    EXPECT_EQ(refusals(*client, AdmissionPoint::connection_peer, "test_outbound"), 1u);
    EXPECT_FALSE(client->is_connected(other->peer_id()));
  }(&cli, &oth, a1, g1.get()));
}

TEST_F(GateTest, DialRefusalFailsWithoutDialing) {
  auto& srv = make_host();
  auto& cli = make_host();
  auto g0 = std::make_shared<RefuseAt>(AdmissionPoint::outbound_dial, "test_dial");
  cli.add_gate(g0);
  const auto a0 = listen(srv);
  run(io, [](Host* server, Host* client, mf::Multiaddr addr, RefuseAt* gate) -> asio::awaitable<void> {
    auto r = co_await client->dial(addr);
    CO_ASSERT_TRUE(!r.has_value());
    EXPECT_EQ(r.error(), errc::refused);
    EXPECT_EQ(gate->last_peer, server->peer_id());
    EXPECT_EQ(refusals(*client, AdmissionPoint::outbound_dial, "test_dial"), 1u);
    EXPECT_EQ(client->metrics().dials_started, 0u);  // refused before a dial attempt began
  }(&srv, &cli, a0, g0.get()));
}

TEST_F(GateTest, InboundStreamRefusalResetsOnlyThatProtocol) {
  auto& srv = make_host();
  auto& cli = make_host();
  auto g0 = std::make_shared<RefuseAt>(AdmissionPoint::inbound_stream, "test_stream", std::string(kEcho));
  srv.add_gate(g0);
  const auto a0 = listen(srv);
  run(io, [](Host* server, Host* client, mf::Multiaddr addr, RefuseAt* gate) -> asio::awaitable<void> {
    auto c = co_await client->dial(addr);
    CO_ASSERT_OK(c);
    EXPECT_FALSE(co_await echo_once(*client, server->peer_id(), kEcho));
    EXPECT_TRUE(co_await echo_once(*client, server->peer_id(), kOther));  // other protocols run
    EXPECT_EQ(refusals(*server, AdmissionPoint::inbound_stream, "test_stream"), 1u);
    EXPECT_EQ(gate->last_peer, client->peer_id());
    EXPECT_TRUE(client->is_connected(server->peer_id()));  // the connection stays
  }(&srv, &cli, a0, g0.get()));
}

TEST_F(GateTest, ConnectionManagerLimitsAreCountedAsGateRefusals) {
  auto& cli = make_host();
  // streams_per_protocol = 1 via a running hold: the second concurrent inbound stream of one
  // protocol is refused by the connection manager, the last g0.
  auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
  Config cfg;
  cfg.run_identify = false;
  cfg.conn_manager.max_inbound_streams_per_protocol = 1;
  m_hosts.push_back(std::make_unique<Host>(io, std::move(*key), std::move(cfg)));
  auto& lim = *m_hosts.back();
  m_logs.push_back(std::make_unique<EventLog>(io, lim));
  lim.set_stream_handler(kEcho, &echo_handler);
  const auto a0 = listen(lim);
  run(io, [](Host* limited, Host* client, mf::Multiaddr addr) -> asio::awaitable<void> {
    auto c = co_await client->dial(addr);
    CO_ASSERT_OK(c);
    auto first = co_await client->new_stream(limited->peer_id(), make_protocols(kEcho));
    CO_ASSERT_OK(first);
    const std::array<std::uint8_t, 1> b{1};
    CO_ASSERT_TRUE(co_await first->write(BytesView(b.data(), 1)));
    std::array<std::uint8_t, 1> back{};
    CO_ASSERT_TRUE((co_await first->read_exactly(MutBytesView(back))).has_value());  // handler is running
    EXPECT_FALSE(co_await echo_once(*client, limited->peer_id(), kEcho));
    EXPECT_EQ(refusals(*limited, AdmissionPoint::inbound_stream, "streams_per_protocol"), 1u);
    EXPECT_EQ(limited->metrics().limit_refusals.at("streams_per_protocol"), 1u);
  }(&lim, &cli, a0));
}

TEST_F(GateTest, PenaltyBansThePeerEverywhere) {
  auto& srv = make_host();
  auto& cli = make_host();
  auto bl = std::make_shared<BanList>();  // threshold 100
  srv.add_gate(bl);
  const auto a0 = listen(srv);
  const auto ca = listen(cli);
  run(io, [](GateTest* t, Host* server, Host* client, mf::Multiaddr addr, mf::Multiaddr client_addr,
             BanList* bans) -> asio::awaitable<void> {
    auto c = co_await client->dial(addr);
    CO_ASSERT_OK(c);
    CO_ASSERT_TRUE((co_await t->log(0).wait_for<PeerConnected>()).has_value());
    // Below the threshold: counted, nothing happens.
    EXPECT_FALSE(server->penalize(client->peer_id(), "test_minor", 40));
    EXPECT_TRUE(server->is_connected(client->peer_id()));
    EXPECT_NEAR(bans->score(client->peer_id(), Clock::now()), 40.0, 1.0);
    // Crossing it bans the peer and closes its connection.
    EXPECT_TRUE(server->penalize(client->peer_id(), "test_major", 70));
    EXPECT_TRUE(bans->is_banned(client->peer_id(), Clock::now()));
    auto gone = co_await t->log(1).wait_for<PeerDisconnected>();
    CO_ASSERT_TRUE(gone.has_value());
    EXPECT_FALSE(server->is_connected(client->peer_id()));
    EXPECT_EQ(server->metrics().penalties.at("test_major"), 1u);
    EXPECT_EQ(server->metrics().penalty_disconnects, 1u);
    CO_ASSERT_TRUE(bans->bans(Clock::now()).size() == 1u);
    EXPECT_EQ(bans->bans(Clock::now())[0].reason, "test_major");

    // Its next inbound connection is refused once it proves its id…
    auto again = co_await client->dial(addr);
    if (again) {
      auto closed = co_await t->log(1).wait_for<PeerDisconnected>();
      EXPECT_TRUE(closed.has_value());
    }
    EXPECT_EQ(refusals(*server, AdmissionPoint::connection_peer, "banned"), 1u);
    EXPECT_FALSE(server->is_connected(client->peer_id()));
    // …and our own dial to it is refused before it starts.
    auto out = co_await server->dial(client_addr);
    CO_ASSERT_TRUE(!out.has_value());
    EXPECT_EQ(out.error(), errc::refused);
    EXPECT_EQ(refusals(*server, AdmissionPoint::outbound_dial, "banned"), 1u);

    // Unbanned, it connects again.
    EXPECT_TRUE(bans->unban_peer(client->peer_id()));
    auto back = co_await client->dial(addr);
    CO_ASSERT_OK(back);
    EXPECT_TRUE(co_await echo_once(*client, server->peer_id(), kEcho));
  }(this, &srv, &cli, a0, ca, bl.get()));
}

TEST(BanListPolicy, ScoresDecayBansExpireAndStayBounded) {
  BanList::Policy p;
  p.threshold = 100;
  p.half_life = std::chrono::minutes(1);
  p.ban_duration = std::chrono::minutes(5);
  p.max_scored = 3;
  p.max_bans = 2;
  BanList b(p);
  const TimePoint t0{};
  std::vector<mf::PeerId> peers;
  for (int i = 0; i < 5; ++i) peers.push_back(crypto::PrivateKey::generate(crypto::KeyType::ed25519)->peer_id());

  EXPECT_FALSE(b.on_penalty({peers[0], "x", 80}, t0).disconnect);
  // One half-life later 80 has decayed to 40: +50 stays below 100.
  EXPECT_FALSE(b.on_penalty({peers[0], "x", 50}, t0 + std::chrono::minutes(1)).disconnect);
  EXPECT_NEAR(b.score(peers[0], t0 + std::chrono::minutes(1)), 90.0, 1e-6);
  EXPECT_TRUE(b.on_penalty({peers[0], "y", 20}, t0 + std::chrono::minutes(1)).disconnect);
  EXPECT_TRUE(b.is_banned(peers[0], t0 + std::chrono::minutes(5)));
  EXPECT_FALSE(b.is_banned(peers[0], t0 + std::chrono::minutes(6)));  // expired
  EXPECT_EQ(b.stats().automatic_bans, 1u);
  EXPECT_EQ(b.stats().penalties_by_reason.at("x"), 2u);

  // Scores: at most max_scored peers, the lowest forgotten first.
  for (int i = 1; i < 5; ++i) (void)b.on_penalty({peers[static_cast<std::size_t>(i)], "z", 10 * i}, t0);
  EXPECT_EQ(b.score(peers[1], t0), 0.0);  // 10: forgotten
  EXPECT_EQ(b.score(peers[4], t0), 40.0);

  // Bans: at most max_bans, the one ending first makes room.
  b.ban_peer(peers[1], t0 + std::chrono::minutes(1));
  b.ban_peer(peers[2], t0 + std::chrono::minutes(9));
  b.ban_peer(peers[3], t0 + std::chrono::minutes(3));
  EXPECT_EQ(b.bans(t0).size(), 2u);
  EXPECT_FALSE(b.is_banned(peers[1], t0));
  EXPECT_TRUE(b.is_banned(peers[2], t0));
  EXPECT_TRUE(b.is_banned(peers[3], t0));

  // IP bl refuse accepted sockets.
  b.ban_ip("10.0.0.1", kNever);
  EXPECT_EQ(b.check_inbound_socket(InboundSocket{1, "10.0.0.1", false}, t0), Verdict("banned_ip"));
  EXPECT_EQ(b.check_inbound_socket(InboundSocket{2, "10.0.0.2", false}, t0), std::nullopt);
}

}  // namespace
}  // namespace lotus::host
