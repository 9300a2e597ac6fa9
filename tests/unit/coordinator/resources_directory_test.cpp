// coordinator::ResourceDirectory on real hosts and DHTs over loopback TCP in one process:
// announce/get as the reference, and discovery by type across a network of 29 nodes where the
// discovering node never connects to the announcers (4 of them are DHT clients nobody can
// reach through the DHT), expired records not returned, filters, withdrawal, deferred index
// PUTs, and the security gate. The message cost of a discovery is measured and printed.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "coordinator/resource_validator.hpp"
#include "coordinator/resources_directory.hpp"
#include "dht/dht.hpp"
#include "host/drive.hpp"
#include "host/host.hpp"
#include "runtime/asio.hpp"
#include "unit/host/test_util.hpp"

namespace lotus::coordinator {
namespace {

using namespace lotus::host::testing;
using namespace std::chrono_literals;
namespace kad = proto::kad;

mf::Multiaddr ma(const std::string& s) {
  auto r = mf::Multiaddr::parse(s);
  EXPECT_TRUE(r.has_value()) << s;
  return r ? *r : mf::Multiaddr{};
}

class DirectoryTest : public ::testing::Test {
 public:
  // The wall clock of every directory (ms); each reading advances it by 1 ms so that records
  // written one after the other have increasing createdAt, as on a real clock.
  std::int64_t wall = 1767225600000;

  std::size_t make_node(dht::Mode mode, ResourceConfig rc = {}) {
    auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
    EXPECT_TRUE(key.has_value());
    hosts.push_back(std::make_unique<host::Host>(io, std::move(*key)));
    auto& h = *hosts.back();
    auto bound = h.listen(ma("/ip4/127.0.0.1/tcp/0"));
    EXPECT_TRUE(bound.has_value());
    addrs.push_back(bound ? bound->with_peer_id(h.peer_id()) : mf::Multiaddr{});
    dht::Config dc;
    dc.protocol_id = std::string(kad::kLotusProtocolId);
    dc.mode = mode;
    dc.rpc_timeout = 5s;
    dc.query_timeout = 20s;
    dc.engine.handler.min_announce_interval = std::chrono::milliseconds(min_announce_ms);
    dhts.push_back(std::make_unique<dht::Dht>(h, std::move(dc), nullptr, dht_validators()));
    EXPECT_TRUE(dhts.back()->start().has_value());
    rc.wall_ms = [this] { return wall++; };
    dirs.push_back(std::make_unique<ResourceDirectory>(*dhts.back(), std::move(rc)));
    EXPECT_TRUE(dirs.back()->start().has_value());
    return dirs.size() - 1;
  }
  asio::awaitable<void> connect(std::size_t a, std::size_t to) {
    auto c = co_await hosts[a]->dial(addrs[to]);
    CO_ASSERT_OK(c);
    auto id = co_await hosts[a]->identify(hosts[to]->peer_id());
    CO_ASSERT_OK(id);
    auto back = co_await hosts[to]->identify(hosts[a]->peer_id());
    CO_ASSERT_OK(back);
  }
  std::string peer(std::size_t i) const { return hosts[i]->peer_id().to_base58(); }

  void TearDown() override {
    run(io, stop_all());
    dirs.clear();
    dhts.clear();
    hosts.clear();
    io.restart();
    io.poll();
  }
  asio::awaitable<void> stop_all() {
    for (auto& d : dirs) co_await d->stop();
    for (auto& d : dhts) co_await d->stop();
    for (auto& h : hosts) co_await h->stop();
  }

  int min_announce_ms = 0;  // the kad handlers' per (peer, key) interval in these tests
  asio::io_context io;
  std::vector<std::unique_ptr<host::Host>> hosts;
  std::vector<mf::Multiaddr> addrs;
  std::vector<std::unique_ptr<dht::Dht>> dhts;
  std::vector<std::unique_ptr<ResourceDirectory>> dirs;
};

std::set<std::string> ids_of(const std::vector<ResourceAnnouncement>& rs) {
  std::set<std::string> out;
  for (const auto& r : rs) out.insert(r.resource_id);
  return out;
}

TEST_F(DirectoryTest, AloneStaysLocalAsTheReference) {
  ResourceConfig rc;
  rc.gate = [](const AnnounceRequest& r) -> Status {
    if (r.type == "spam") return resource_errc::refused;
    return {};
  };
  const auto a = make_node(dht::Mode::server, rc);
  run(io, [&]() -> asio::awaitable<void> {
    auto r = co_await dirs[a]->announce_resource("note", "n1", R"({"x": 1})", {});
    CO_ASSERT_OK(r);
    EXPECT_FALSE(r->published);  // no DHT peer: local only, as the reference
    EXPECT_FALSE(r->index_published);
    EXPECT_EQ(encode_announcement(r->announcement),
              R"({"resourceId":"n1","resourceType":"note","creatorPeerId":")" + peer(a) +
                  R"(","data":{"x":1},"createdAt":)" + std::to_string(r->announcement.created_at) + "}");
    auto got = dirs[a]->get_resource("note", "n1");
    CO_ASSERT_TRUE(got.has_value());
    EXPECT_EQ(*got, r->announcement);
    auto d = co_await dirs[a]->discover_resources("note");
    CO_ASSERT_OK(d);
    EXPECT_EQ(ids_of(d->resources), std::set<std::string>{"n1"});
    auto spam = co_await dirs[a]->announce_resource("spam", "1", std::nullopt, {});
    CO_ASSERT_TRUE(!spam);
    EXPECT_EQ(spam.error(), make_error_code(resource_errc::refused));
    auto missing = co_await dirs[a]->discover_resource("note", "n2");
    CO_ASSERT_TRUE(!missing);
    auto bad = co_await dirs[a]->discover_resources("a:b");
    CO_ASSERT_TRUE(!bad);
    EXPECT_EQ(bad.error(), make_error_code(resource_errc::invalid_type));
  }());
  EXPECT_EQ(dirs[a]->metrics().announced, 1u);
  EXPECT_EQ(dirs[a]->metrics().announce_refused, 1u);
}

TEST_F(DirectoryTest, DiscoveryAcrossTwentyNineNodes) {
  constexpr std::size_t kServers = 24, kClients = 4;
  ResourceConfig rc;
  rc.index_interval = 0s;  // the handlers here have no per-key interval either
  for (std::size_t i = 0; i < kServers; ++i) make_node(dht::Mode::server, rc);
  for (std::size_t i = 0; i < kClients; ++i) make_node(dht::Mode::client, rc);
  const std::size_t c = make_node(dht::Mode::client, rc);  // the discovering node
  std::set<std::size_t> connected_to_c;
  hosts[c]->add_event_listener([&](const host::Event& e) {
    if (auto* pc = std::get_if<host::PeerConnected>(&e))
      for (std::size_t i = 0; i < hosts.size(); ++i)
        if (hosts[i]->peer_id() == pc->connection.remote_peer) connected_to_c.insert(i);
  });
  std::set<std::string> live;  // ids of live "swap" announcements
  // (built out here: g++ 12 cannot put an initializer_list of mixed-length literals in a
  // coroutine frame)
  const std::set<std::string> kind_b = {"s3", "s6", "s9", "s12"};
  const ResourceFilters filter_b = {{"kind", "\"b\""}}, filter_a = {{"kind", "\"a\""}};
  const std::set<std::string> kind_a = {"s4", "s5", "s7", "s8", "s10", "s11", "c24", "c25", "c26", "c27"};
  std::set<std::size_t> announcers;
  run(io, [&]() -> asio::awaitable<void> {
    // Servers: each knows server 0 and its predecessor. Client announcers know servers 1 and
    // 2; the discovering client knows only the last server.
    for (std::size_t i = 1; i < kServers; ++i) {
      co_await connect(i, 0);
      if (i > 1) co_await connect(i, i - 1);
    }
    for (std::size_t i = 0; i < kClients; ++i) {
      co_await connect(kServers + i, 1);
      co_await connect(kServers + i, 2);
    }
    co_await connect(c, kServers - 1);
    for (std::size_t i = 0; i < hosts.size(); ++i) {
      auto r = co_await dhts[i]->bootstrap();
      CO_ASSERT_OK(r);
    }
    // Servers 3..12 announce one "swap" each (the even ones a second), the client nodes one
    // each, server 13 one that will have expired, server 14 another type.
    for (std::size_t i = 3; i <= 12; ++i) {
      const std::string kind = i % 3 == 0 ? "\"b\"" : "\"a\"";
      auto r = co_await dirs[i]->announce_resource("swap", "s" + std::to_string(i),
                                                   R"({"node":)" + std::to_string(i) + R"(,"kind":)" + kind + "}", {});
      CO_ASSERT_OK(r);
      EXPECT_TRUE(r->published && r->index_published) << i;
      live.insert("s" + std::to_string(i));
      if (i % 2 == 0) {
        auto r2 = co_await dirs[i]->announce_resource("swap", "s" + std::to_string(i) + "x", "null", AnnounceOptions{.ttl_ms = 3600000, .expires_at = std::nullopt});
        CO_ASSERT_OK(r2);
        EXPECT_TRUE(r2->published && r2->index_published) << i;
        live.insert("s" + std::to_string(i) + "x");
      }
      announcers.insert(i);
    }
    for (std::size_t i = kServers; i < kServers + kClients; ++i) {
      auto r = co_await dirs[i]->announce_resource("swap", "c" + std::to_string(i), R"({"kind":"a"})", {});
      CO_ASSERT_OK(r);
      EXPECT_TRUE(r->published && r->index_published) << i;
      live.insert("c" + std::to_string(i));
      announcers.insert(i);
    }
    auto old = co_await dirs[13]->announce_resource("swap", "old", "{}", AnnounceOptions{.ttl_ms = std::nullopt, .expires_at = wall + 60000});
    CO_ASSERT_OK(old);
    EXPECT_TRUE(old->published);
    auto other = co_await dirs[14]->announce_resource("pool", "p14", "{}", {});
    CO_ASSERT_OK(other);

    // Two minutes later, c discovers.
    wall += 120000;
    auto d = co_await dirs[c]->discover_resources("swap");
    CO_ASSERT_OK(d);
    const auto got = ids_of(d->resources);
    EXPECT_EQ(got, live);
    std::size_t hit = 0;
    for (const auto& id : live) hit += got.count(id);
    const auto& s = d->stats;
    std::printf("[ discovery ] %zu nodes, %zu live announcements by %zu nodes: found %zu (%.0f %%), "
                "expired returned: %zu; cost: %zu lookups, %zu RPCs (%zu messages), %zu failed; "
                "providers %zu, indexes %zu, fetched %zu, refused %zu\n",
                hosts.size(), live.size(), announcers.size(), hit, 100.0 * static_cast<double>(hit) / static_cast<double>(live.size()),
                got.count("old"), s.lookups, s.rpcs, 2 * s.rpcs, s.failures, s.providers, s.indexes, s.fetched, s.refused);
    EXPECT_EQ(s.providers, announcers.size() + 1);  // server 13 still provides "swap"
    EXPECT_EQ(s.indexes, announcers.size() + 1);
    EXPECT_EQ(s.lookups, 1 + announcers.size() + 1);
    for (const auto& r : d->resources) {
      EXPECT_EQ(r.resource_type, "swap");
      EXPECT_NE(r.creator_peer_id, peer(c));
    }
    // Records are the announcers' own, byte for byte.
    for (const auto& r : d->resources) {
      if (r.resource_id == "s9") {
        EXPECT_EQ(*r.data, R"({"node":9,"kind":"b"})");
      }
    }

    // Filters are applied to what was discovered (and cached now).
    auto fb = co_await dirs[c]->discover_resources("swap", filter_b);
    CO_ASSERT_OK(fb);
    EXPECT_EQ(ids_of(fb->resources), kind_b);
    EXPECT_EQ(ids_of(dirs[c]->get_local_resources("swap", filter_a)),
              kind_a);

    // Exact-key lookup through the DHT from a node that has nothing cached.
    auto one = co_await dirs[20]->discover_resource("swap", "c25");
    CO_ASSERT_OK(one);
    EXPECT_EQ(one->creator_peer_id, peer(25));
    auto expired = co_await dirs[20]->discover_resource("swap", "old");
    CO_ASSERT_TRUE(!expired);
    EXPECT_EQ(expired.error(), make_error_code(resource_errc::not_found));

    // The announcer of the expired record drops it at its cleanup and re-PUTs its index; a
    // withdrawn resource leaves its creator's index at once.
    co_await dirs[13]->maintain();
    EXPECT_FALSE(dirs[13]->get_resource("swap", "old").has_value());
    const bool withdrawn = co_await dirs[26]->withdraw_resource("swap", "c26");
    EXPECT_TRUE(withdrawn);
    live.erase("c26");
    auto fresh = co_await dirs[21]->discover_resources("swap");
    CO_ASSERT_OK(fresh);
    EXPECT_EQ(ids_of(fresh->resources), live);
  }(), 600s);  // hang guard only (sanitizer builds are several times slower)
  // c never connected to the client announcers (they are no DHT servers, nobody routes to them).
  for (std::size_t i = kServers; i < kServers + kClients; ++i) {
    EXPECT_EQ(connected_to_c.count(i), 0u) << i;
    EXPECT_FALSE(hosts[c]->is_connected(hosts[i]->peer_id())) << i;
  }
}

TEST_F(DirectoryTest, IndexPutsAreSpacedByTheInterval) {
  min_announce_ms = 30000;  // the reference's MIN_DHT_ANNOUNCEMENT_INTERVAL on every handler
  ResourceConfig rc;
  rc.index_interval = 30s;
  const auto a = make_node(dht::Mode::server, rc);
  const auto b = make_node(dht::Mode::server, rc);
  run(io, [&]() -> asio::awaitable<void> {
    co_await connect(a, b);
    auto r1 = co_await dirs[a]->announce_resource("t", "1", "{}", {});
    CO_ASSERT_OK(r1);
    EXPECT_TRUE(r1->published && r1->index_published);
    // Within the interval: the record goes out at once, the index waits (a PUT of the same key
    // now would be refused by the remote handler's rate limit).
    auto r2 = co_await dirs[a]->announce_resource("t", "2", "{}", {});
    CO_ASSERT_OK(r2);
    EXPECT_TRUE(r2->published);
    EXPECT_FALSE(r2->index_published);
    EXPECT_EQ(dirs[a]->metrics().index_puts, 1u);
    EXPECT_EQ(dhts[b]->handler_stats().refused_rate, 0u);
    // b sees the first one through the index, the second by its key.
    auto d = co_await dirs[b]->discover_resources("t");
    CO_ASSERT_OK(d);
    EXPECT_EQ(ids_of(d->resources), std::set<std::string>{"1"});
    auto two = co_await dirs[b]->discover_resource("t", "2");
    CO_ASSERT_OK(two);
  }());
}

}  // namespace
}  // namespace lotus::coordinator
