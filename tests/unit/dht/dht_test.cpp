// lotus::dht::Dht on real hosts over loopback TCP in one process: routing table fed by identify,
// put/get/provide/findprovs/findpeer between a few nodes and across a 50-node network, modes,
// and hostile servers (floods, oversized or invalid answers, huge closer-peer lists).
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "coordinator/resource_validator.hpp"
#include "dht/dht.hpp"
#include "host/ban_list.hpp"
#include "host/drive.hpp"
#include "host/host.hpp"
#include "proto/kad/errc.hpp"
#include "proto/kad/frame_reader.hpp"
#include "runtime/asio.hpp"
#include "unit/host/test_util.hpp"

namespace lotus::dht {
namespace {

using namespace lotus::host::testing;
using namespace std::chrono_literals;

Bytes b(std::string_view s) { return Bytes(s.begin(), s.end()); }

mf::Multiaddr ma(const std::string& s) {
  auto r = mf::Multiaddr::parse(s);
  EXPECT_TRUE(r.has_value()) << s;
  return r ? *r : mf::Multiaddr{};
}

Config test_config(Mode mode = Mode::server) {
  Config c;
  c.mode = mode;
  c.rpc_timeout = 5s;
  c.query_timeout = 20s;
  return c;
}

class DhtTest : public ::testing::Test {
 public:
  host::Host& make_host() {
    auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
    EXPECT_TRUE(key.has_value());
    hosts.push_back(std::make_unique<host::Host>(io, std::move(*key)));
    auto& h = *hosts.back();
    auto bound = h.listen(ma("/ip4/127.0.0.1/tcp/0"));
    EXPECT_TRUE(bound.has_value());
    addrs.push_back(bound ? bound->with_peer_id(h.peer_id()) : mf::Multiaddr{});
    return h;
  }
  Dht& make_node(Config cfg = test_config()) {
    auto& h = make_host();
    // The Lotus DHT's validators (kad's /pk/ plus the coordinator's resource: namespace).
    dhts.push_back(std::make_unique<Dht>(h, std::move(cfg), nullptr, coordinator::dht_validators()));
    EXPECT_TRUE(dhts.back()->start().has_value());
    return *dhts.back();
  }
  // Dials b from a and waits until both sides identified each other.
  asio::awaitable<void> connect(std::size_t a, std::size_t to) {
    auto c = co_await hosts[a]->dial(addrs[to]);
    CO_ASSERT_OK(c);
    auto id = co_await hosts[a]->identify(hosts[to]->peer_id());
    CO_ASSERT_OK(id);
    auto back = co_await hosts[to]->identify(hosts[a]->peer_id());
    CO_ASSERT_OK(back);
  }

  void TearDown() override {
    run(io, stop_all());
    dhts.clear();
    hosts.clear();
    io.restart();
    io.poll();
  }
  asio::awaitable<void> stop_all() {
    for (auto& d : dhts) co_await d->stop();
    for (auto& h : hosts) co_await h->stop();
  }

  asio::io_context io;
  std::vector<std::unique_ptr<host::Host>> hosts;  // index i: host of dhts[i] (evil hosts after)
  std::vector<mf::Multiaddr> addrs;
  std::vector<std::unique_ptr<Dht>> dhts;
};

const Bytes kKey = b("resource:test:1");
const Bytes kValue = b(R"({"createdAt":1,"v":"one"})");
const Bytes kNewer = b(R"({"createdAt":2,"v":"two"})");

TEST_F(DhtTest, IdentifyFeedsRoutingTableInServerModeOnly) {
  auto& a = make_node();
  auto& c = make_node(test_config(Mode::client));
  auto& s = make_node();
  EXPECT_TRUE(a.is_server());
  EXPECT_FALSE(c.is_server());
  run(io, [&]() -> asio::awaitable<void> {
    co_await connect(0, 1);
    co_await connect(0, 2);
    co_await connect(1, 2);
  }());
  // a knows the server s, not the client c; c knows both servers.
  EXPECT_TRUE(a.routing_table().contains(hosts[2]->peer_id()));
  EXPECT_FALSE(a.routing_table().contains(hosts[1]->peer_id()));
  EXPECT_TRUE(c.routing_table().contains(hosts[0]->peer_id()));
  EXPECT_TRUE(c.routing_table().contains(hosts[2]->peer_id()));
  EXPECT_FALSE(s.routing_table().contains(hosts[1]->peer_id()));
  const auto protos = hosts[1]->protocols();
  EXPECT_EQ(std::count(protos.begin(), protos.end(), std::string(kad::kPublicProtocolId)), 0);
}

TEST_F(DhtTest, AutoModeBecomesServerOnReachability) {
  auto& a = make_node(test_config(Mode::automatic));
  EXPECT_FALSE(a.is_server());
  a.set_reachability(true);
  EXPECT_TRUE(a.is_server());
  auto protos = hosts[0]->protocols();
  EXPECT_EQ(std::count(protos.begin(), protos.end(), std::string(kad::kPublicProtocolId)), 1);
  a.set_reachability(false);
  EXPECT_FALSE(a.is_server());
  a.set_mode(Mode::server);
  EXPECT_TRUE(a.is_server());
}

TEST_F(DhtTest, PutGetProvideFindBetweenThreeNodes) {
  Config lotus = test_config();
  lotus.protocol_id = std::string(kad::kLotusProtocolId);
  auto& a = make_node(lotus);
  auto& bn = make_node(lotus);
  auto& c = make_node(lotus);
  run(io, [&]() -> asio::awaitable<void> {
    co_await connect(0, 1);
    co_await connect(1, 2);
    auto boot = co_await a.bootstrap();
    CO_ASSERT_OK(boot);
    EXPECT_GE(*boot, 1u);
    (void)co_await c.bootstrap();

    auto put = co_await a.put_value(kKey, kValue);
    CO_ASSERT_OK(put);
    EXPECT_GE(put->stored, 1u);
    auto got = co_await c.get_value(kKey);
    CO_ASSERT_OK(got);
    EXPECT_EQ(got->record.value, kValue);

    // A newer value put from c wins everywhere; a's own stale copy is not returned.
    auto put2 = co_await c.put_value(kKey, kNewer);
    CO_ASSERT_OK(put2);
    auto got2 = co_await a.get_value(kKey);
    CO_ASSERT_OK(got2);
    EXPECT_EQ(got2->record.value, kNewer);

    auto prov = co_await a.provide(b("content-1"));
    CO_ASSERT_OK(prov);
    auto provs = co_await c.find_providers(b("content-1"));
    CO_ASSERT_OK(provs);
    CO_ASSERT_TRUE(provs->providers.size() == 1);
    EXPECT_EQ(provs->providers[0].id, hosts[0]->peer_id());
    EXPECT_FALSE(provs->providers[0].addrs.empty());

    auto fp = co_await c.find_peer(hosts[0]->peer_id());
    CO_ASSERT_OK(fp);
    EXPECT_EQ(fp->peer.id, hosts[0]->peer_id());
    EXPECT_FALSE(fp->peer.addrs.empty());

    auto missing = co_await c.get_value(b("resource:test:missing"));
    CO_ASSERT_TRUE(!missing);
    EXPECT_EQ(missing.error(), make_error_code(errc::not_found));
    auto none = co_await c.find_providers(b("content-none"));
    CO_ASSERT_OK(none);
    EXPECT_TRUE(none->providers.empty());
  }());
  EXPECT_GE(bn.metrics().inbound_requests, 1u);
  EXPECT_TRUE(hosts[1]->peer_store().get(hosts[0]->peer_id()).has_value());
}

TEST_F(DhtTest, LocalValidationAndLimits) {
  auto& a = make_node();
  run(io, [&]() -> asio::awaitable<void> {
    auto big = co_await a.put_value(kKey, Bytes(61 * 1024, 'x'));
    CO_ASSERT_TRUE(!big);
    EXPECT_EQ(big.error(), make_error_code(errc::record_too_large));
    auto empty_key = co_await a.put_value(Bytes{}, kValue);
    CO_ASSERT_TRUE(!empty_key);
    EXPECT_EQ(empty_key.error(), make_error_code(errc::empty_key));
    EXPECT_EQ(empty_key.error().message(), "dht: the key is empty");
    // /pk/<multihash of peer 1> must carry the public key hashing to it.
    Bytes pk_key = b("/pk/");
    const auto& mh = hosts[0]->peer_id().bytes();
    pk_key.insert(pk_key.end(), mh.begin(), mh.end());
    auto bad_pk = co_await a.put_value(pk_key, b("not a key"));
    CO_ASSERT_TRUE(!bad_pk);
    EXPECT_EQ(bad_pk.error(), make_error_code(kad::errc::invalid_pk_record));
    auto no_ns = co_await a.put_value(b("/unknown/x"), kValue);
    CO_ASSERT_TRUE(!no_ns);
    EXPECT_EQ(no_ns.error(), make_error_code(kad::errc::no_validator));
    // Valid but nobody to store it at.
    auto alone = co_await a.put_value(kKey, kValue);
    CO_ASSERT_TRUE(!alone);
    EXPECT_EQ(alone.error(), make_error_code(errc::no_peers));
    auto lookup = co_await a.get_closest_peers(b("x"));
    CO_ASSERT_TRUE(!lookup);
    EXPECT_EQ(lookup.error(), make_error_code(errc::no_peers));
  }());
}

// ---- hostile servers -------------------------------------------------------------------

enum class Evil { many_peers, flood, huge_prefix, invalid_record, self_and_querier };

// Answers every kad request on the stream according to `mode`.
asio::awaitable<void> evil_handler(Evil mode, mf::PeerId self, host::Stream s) {
  host::FramedReader in(s, kad::FrameReader(), 4096);
  while (true) {
    auto next = co_await in.next();
    if (!next || !*next) co_return;
    kad::Message req = std::move(**next);
    kad::Message resp;
    resp.type = req.type;
    resp.key = req.key;
    Bytes out;
    switch (mode) {
      case Evil::many_peers: {
        // 1500 distinct peer ids with one address each (~60 KiB, under the size limit).
        for (std::uint32_t i = 0; i < 1500; ++i) {
          Bytes mh = {0x00, 0x24, 0x08, 0x01, 0x12, 0x20};  // identity multihash of an ed25519 key
          for (int j = 0; j < 32; ++j) mh.push_back(static_cast<std::uint8_t>((i * 7 + static_cast<std::uint32_t>(j)) >> (j % 4)));
          mh[6] = static_cast<std::uint8_t>(i);
          mh[7] = static_cast<std::uint8_t>(i >> 8);
          auto id = mf::PeerId::from_bytes(mh);
          if (!id) continue;
          resp.closer_peers.push_back(kad::PeerInfo{*id, {}, kad::ConnectionType::not_connected});
        }
        kad::encode_frame(resp, out);
        break;
      }
      case Evil::flood:
        // Valid-looking small frames, thousands of them, without being asked.
        for (int i = 0; i < 2000; ++i) kad::encode_frame(resp, out);
        break;
      case Evil::huge_prefix:
        out = {0x80, 0x80, 0x80, 0x80, 0x01};  // 256 MiB announced
        out.resize(out.size() + 1024, 0xAA);
        break;
      case Evil::invalid_record:
        resp.record = kad::Record{req.key, b("this is not json"), {}};
        kad::encode_frame(resp, out);
        break;
      case Evil::self_and_querier:
        resp.closer_peers.push_back(kad::PeerInfo{self, {}, kad::ConnectionType::connected});
        resp.closer_peers.push_back(kad::PeerInfo{s.remote_peer(), {}, kad::ConnectionType::connected});
        kad::encode_frame(resp, out);
        break;
    }
    if (!co_await s.write(out)) co_return;
  }
}

class HostileTest : public DhtTest, public ::testing::WithParamInterface<Evil> {};

TEST_P(HostileTest, BoundedAndRecovers) {
  auto& a = make_node();
  auto& evil = make_host();  // index 1
  const mf::PeerId evil_id = evil.peer_id();
  const Evil mode = GetParam();
  evil.set_stream_handler(std::string(kad::kPublicProtocolId), [mode, evil_id](host::Stream s) {
    return evil_handler(mode, evil_id, std::move(s));
  });
  run(io, [&]() -> asio::awaitable<void> {
    co_await connect(0, 1);
    CO_ASSERT_TRUE(a.routing_table().contains(evil_id));
    switch (mode) {
      case Evil::many_peers: {
        auto r = co_await a.get_closest_peers(b("target"));
        CO_ASSERT_OK(r);
        // Only Limits::max_peers (20) of the 1500 are decoded; none of them is reachable.
        EXPECT_LE(r->stats.rpcs, 1u + 20u);
        EXPECT_LE(r->peers.size(), a.config().k);
        EXPECT_EQ(r->peers.at(0).id, evil_id);
        break;
      }
      case Evil::flood:
      case Evil::self_and_querier: {
        auto r = co_await a.get_closest_peers(b("target"));
        CO_ASSERT_OK(r);
        CO_ASSERT_TRUE(r->peers.size() == 1);
        EXPECT_EQ(r->peers[0].id, evil_id);
        EXPECT_EQ(r->stats.rpcs, 1u);
        break;
      }
      case Evil::huge_prefix: {
        auto r = co_await a.get_closest_peers(b("target"));
        CO_ASSERT_TRUE(!r);
        EXPECT_EQ(r.error(), make_error_code(errc::no_response));
        EXPECT_FALSE(a.routing_table().contains(evil_id));  // failed peers are dropped
        EXPECT_EQ(a.metrics().outbound_failures, 1u);
        break;
      }
      case Evil::invalid_record: {
        auto r = co_await a.get_value(kKey);
        CO_ASSERT_TRUE(!r);
        EXPECT_EQ(r.error(), make_error_code(errc::not_found));
        break;
      }
    }
  }());
}

INSTANTIATE_TEST_SUITE_P(Dht, HostileTest,
                         ::testing::Values(Evil::many_peers, Evil::flood, Evil::huge_prefix, Evil::invalid_record,
                                           Evil::self_and_querier));

TEST_F(DhtTest, InboundGarbageResetsStreamOnly) {
  auto& a = make_node();
  auto& raw = make_host();  // index 1
  run(io, [&]() -> asio::awaitable<void> {
    auto s = co_await raw.new_stream(addrs[0], host::make_protocols(std::string(kad::kPublicProtocolId)));
    CO_ASSERT_OK(s);
    Bytes junk = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};  // bad varint
    (void)co_await s->write(junk);
    std::array<std::uint8_t, 64> buf{};
    auto r = co_await s->read_some(MutBytesView(buf));
    EXPECT_TRUE(!r || *r == 0);
    // The node still answers a well-formed request on a new stream.
    auto s2 = co_await raw.new_stream(addrs[0], host::make_protocols(std::string(kad::kPublicProtocolId)));
    CO_ASSERT_OK(s2);
    kad::Message ping;
    ping.type = kad::MessageType::ping;
    (void)co_await s2->write(kad::encode_frame(ping));
    (void)co_await s2->write(kad::encode_frame(ping));  // several requests per stream
    host::FramedReader replies(*s2, kad::FrameReader(), 64);
    for (int answered = 0; answered < 2; ++answered) {
      auto m = co_await replies.next();
      CO_ASSERT_OK(m);
      CO_ASSERT_TRUE(m->has_value());
      EXPECT_EQ((*m)->type, kad::MessageType::ping);
    }
  }());
  EXPECT_EQ(a.metrics().inbound_errors, 1u);
  EXPECT_EQ(a.metrics().inbound_requests, 2u);
}

// A penalty reported by the service reaches the host's gate: five malformed requests (25 each)
// cross BanList's threshold of 100; the sender is disconnected and refused from then on.
TEST_F(DhtTest, MalformedRequestsArePenalizedUntilBanned) {
  auto& a = make_node();
  auto& raw = make_host();  // index 1
  auto bans = std::make_shared<host::BanList>();
  hosts[0]->add_gate(bans);
  run(io, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 5; ++i) {
      auto s = co_await raw.new_stream(addrs[0], host::make_protocols(std::string(kad::kPublicProtocolId)));
      CO_ASSERT_OK(s);
      Bytes junk = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};  // bad varint
      (void)co_await s->write(junk);
      std::array<std::uint8_t, 64> buf{};
      auto r = co_await s->read_some(MutBytesView(buf));  // the reset (or the connection's end)
      EXPECT_TRUE(!r || *r == 0);
    }
    EXPECT_TRUE(bans->is_banned(raw.peer_id(), Clock::now()));
    auto again = co_await raw.new_stream(addrs[0], host::make_protocols(std::string(kad::kPublicProtocolId)));
    if (again) {  // the handshake may complete on our side before the node refuses us
      std::array<std::uint8_t, 8> buf{};
      auto r = co_await again->read_some(MutBytesView(buf));
      EXPECT_TRUE(!r || *r == 0);
    }
  }());
  EXPECT_EQ(a.metrics().inbound_errors, 5u);
  EXPECT_EQ(hosts[0]->metrics().penalties.at("dht_malformed_request"), 5u);
  EXPECT_EQ(hosts[0]->metrics().penalty_disconnects, 1u);
  EXPECT_GE(hosts[0]->metrics().gate_refusals.at({"connection_peer", "banned"}), 1u);
  EXPECT_FALSE(hosts[0]->is_connected(raw.peer_id()));
}

// A peer over its store quota is refused, and counted, but not penalized: honest peers reach
// quotas under load, and a penalty per refusal made a soak's healthy daemons ban each other.
TEST_F(DhtTest, StoreQuotaRefusalsAreNotPenalized) {
  Config quota_cfg = test_config();
  quota_cfg.engine.handler.max_records_per_peer = 2;
  make_node(quota_cfg);
  auto& putter = make_node();
  auto bans = std::make_shared<host::BanList>();
  hosts[0]->add_gate(bans);
  run(io, connect(1, 0));
  int stored = 0;
  run(io, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 15; ++i) {
      auto r = co_await putter.put_value(b("resource:q:" + std::to_string(i)), b("{}"));
      if (r && r->stored > 0) ++stored;
    }
  }());
  EXPECT_EQ(stored, 2);  // the quota
  EXPECT_EQ(dhts[0]->handler_stats().refused_peer_quota, 13u);
  EXPECT_FALSE(bans->is_banned(hosts[1]->peer_id(), Clock::now()));
  EXPECT_EQ(hosts[0]->metrics().penalties.count("dht_refused_request"), 0u);
  EXPECT_TRUE(hosts[0]->is_connected(hosts[1]->peer_id()));
}

// ---- 50 nodes ---------------------------------------------------------------------------

TEST_F(DhtTest, FiftyNodeLoopbackNetwork) {
  constexpr std::size_t kNodes = 50;
  for (std::size_t i = 0; i < kNodes; ++i) make_node();
  run(io, [&]() -> asio::awaitable<void> {
    // Everyone knows node 0 (and its predecessor), then bootstraps.
    for (std::size_t i = 1; i < kNodes; ++i) {
      co_await connect(i, 0);
      if (i > 1) co_await connect(i, i - 1);
    }
    for (std::size_t i = 0; i < kNodes; ++i) {
      auto r = co_await dhts[i]->bootstrap();
      CO_ASSERT_OK(r);
    }
    for (std::size_t i = 0; i < 10; ++i) {
      const std::size_t from = (i * 7 + 3) % kNodes, to = (i * 13 + 29) % kNodes;
      const Bytes key = b("resource:net:" + std::to_string(i));
      const Bytes value = b(R"({"createdAt":)" + std::to_string(i) + "}");
      auto put = co_await dhts[from]->put_value(key, value);
      CO_ASSERT_OK(put);
      EXPECT_GE(put->stored, 10u) << i;
      auto got = co_await dhts[to]->get_value(key);
      CO_ASSERT_OK(got);
      EXPECT_EQ(got->record.value, value) << i;

      const Bytes cid = b("cid-" + std::to_string(i));
      auto prov = co_await dhts[from]->provide(cid);
      CO_ASSERT_OK(prov);
      auto provs = co_await dhts[to]->find_providers(cid, 5);
      CO_ASSERT_OK(provs);
      CO_ASSERT_TRUE(!provs->providers.empty());
      EXPECT_EQ(provs->providers[0].id, hosts[from]->peer_id()) << i;

      auto fp = co_await dhts[to]->find_peer(hosts[from]->peer_id());
      CO_ASSERT_OK(fp);
      EXPECT_FALSE(fp->peer.addrs.empty()) << i;
      EXPECT_LE(fp->stats.hops, 6u) << i;
    }
  }(), 300s);  // hang guard only (sanitizer builds are several times slower)
}

}  // namespace
}  // namespace lotus::dht
