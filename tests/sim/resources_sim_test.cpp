// Resource discovery (coordinator/resources.hpp, our extension of lotus-wire.md §3) in a
// 64-node simulated network: real Kademlia engines (RoutingTable, RequestHandler with the
// coordinator's resource: validator and the reference's 30 s per-key announcement interval,
// Lookup, stores), real record and index formats (ResourceBook, build_index, parse_index),
// every message through the kad wire codec, over sim::Network with 5–80 ms latency and 1 %
// loss under virtual time. The flows are ResourceDirectory's (resources_directory.hpp): an
// announcement PUTs its record to the k closest, the announcer's index is PUT once its
// announcements are in (the directory spaces index PUTs by 30 s) and the type key is
// PROVIDEd; a discovery is GET_PROVIDERS on the type key, then GET_VALUE of each provider's
// index. Asserted: every live announcement of every announcer that is up is found from every
// sampled node (100 %), expired ones are not, after 10 % of the other nodes crashed. The
// message cost per discovery is printed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "coordinator/resource_validator.hpp"
#include "coordinator/resources.hpp"
#include "proto/kad/frame_reader.hpp"
#include "proto/kad/handler.hpp"
#include "proto/kad/lookup.hpp"
#include "proto/kad/provider_store.hpp"
#include "proto/kad/record_store.hpp"
#include "proto/kad/routing_table.hpp"
#include "sim/network.hpp"
#include "unit/kad/kad_test_util.hpp"

namespace {

using namespace lotus;
namespace kad = lotus::proto::kad;
namespace co = lotus::coordinator;
using sim::NodeId;

constexpr std::int64_t kWallStart = 1767225600000;  // wall clock (ms) at the sim's start

class World;

struct KadNode final : sim::Endpoint {
  KadNode(World& w, kad::PeerInfo self, const kad::ValidatorRegistry& v)
      : world(w), info(self), table(self.id), handler(self, table, records, providers, v), book(self.id.to_base58()) {}
  void on_message(sim::Network& net, NodeId from, Bytes message) override;

  World& world;
  kad::PeerInfo info;
  kad::RoutingTable table;
  kad::MemoryRecordStore records;
  kad::ProviderStore providers;
  kad::RequestHandler handler;
  co::ResourceBook book;
};

// Envelope on the simulated wire: 'Q' or 'R', an 8-byte RPC id, then one kad frame.
Bytes envelope(char kind, std::uint64_t rpc, const kad::Message& m) {
  Bytes out{static_cast<std::uint8_t>(kind)};
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(rpc >> (8 * i)));
  kad::encode_frame(m, out);
  return out;
}

class World {
 public:
  World(std::size_t n, std::uint64_t seed) : net(seed, config()), m_validators(co::dht_validators()) {
    for (std::size_t i = 0; i < n; ++i) {
      kad::PeerInfo self = kadtest::info(kadtest::make_peer(7'000'000 + seed * 10'000 + i),
                                         {kadtest::ip4(10, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i), 1)});
      m_nodes.push_back(std::make_unique<KadNode>(*this, self, m_validators));
      index.emplace(self.id, net.add(*m_nodes.back()));
    }
  }
  static sim::NetworkConfig config() {
    sim::NetworkConfig c;
    c.link.loss_ppm = 10'000;  // 1 %
    return c;
  }

  KadNode& node(NodeId i) { return *m_nodes[i]; }
  std::size_t size() const { return m_nodes.size(); }
  std::int64_t wall_ms() const {
    return kWallStart + std::chrono::duration_cast<std::chrono::milliseconds>(net.now() - sim::NetworkConfig{}.start).count();
  }

  // `who` learned that `peer` is a live DHT server (pings are answered by the simulation's
  // knowledge of who is up, as the kad sim does).
  void learn(NodeId who, const kad::PeerInfo& peer) {
    KadNode& n = node(who);
    (void)n.table.update(peer, true, net.now());
    while (auto ev = n.table.poll_event())
      if (auto* ping = std::get_if<kad::PingRequest>(&*ev))
        n.table.on_ping_result(ping->peer.id, !net.is_down(index.at(ping->peer.id)), net.now());
  }

  // Runs `l` from `origin` to completion; responses arriving later are ignored.
  void run(NodeId origin, kad::Lookup& l) {
    l.start(net.now());
    for (;;) {
      while (auto req = l.poll_request()) {
        const std::uint64_t id = m_next_rpc++;
        m_pending.emplace(id, Pending{&l, req->peer.id});
        net.send(origin, index.at(req->peer.id), envelope('Q', id, req->message));
      }
      if (l.finished()) break;
      const TimePoint deadline = l.deadline();
      if (deadline != kNever && deadline < net.next_event()) {
        net.advance_to(deadline);
        l.on_timeout(net.now());
      } else if (!net.step()) {
        ADD_FAILURE() << "lookup stalled";
        break;
      }
    }
    std::erase_if(m_pending, [&](const auto& kv) { return kv.second.lookup == &l; });
  }
  void on_response(NodeId to, NodeId from, std::uint64_t rpc, kad::Message m) {
    auto it = m_pending.find(rpc);
    if (it == m_pending.end()) return;  // a late answer of a finished lookup, or a PUT's echo
    kad::Lookup* l = it->second.lookup;
    m_pending.erase(it);
    learn(to, node(from).info);
    l->on_response(node(from).info.id, std::move(m), net.now());
  }
  // Sends a request nobody waits for (PUT_VALUE, ADD_PROVIDER).
  void tell(NodeId from, const mf::PeerId& to, const kad::Message& m) {
    net.send(from, index.at(to), envelope('Q', 0, m));
  }
  void drain() {
    while (net.step()) {
    }
  }

  std::vector<kad::PeerInfo> closest_to(NodeId origin, BytesView key) {
    KadNode& o = node(origin);
    kad::Lookup l(kad::LookupKind::find_node, Bytes(key.begin(), key.end()), o.info.id,
                  o.table.closest(kad::Key::from_bytes(key), 20));
    run(origin, l);
    return l.result().closest;
  }
  void put(NodeId origin, const std::string& key, const std::string& value) {
    const kad::Record rec{to_bytes(key), to_bytes(value), {}};
    ASSERT_TRUE(node(origin).records.put(rec, net.now()).has_value());
    kad::Message m;
    m.type = kad::MessageType::put_value;
    m.key = rec.key;
    m.record = rec;
    for (const auto& p : closest_to(origin, rec.key)) tell(origin, p.id, m);
  }
  void provide(NodeId origin, const Bytes& key) {
    ASSERT_TRUE(node(origin).providers.add(key, node(origin).info, net.now()).has_value());
    kad::Message m;
    m.type = kad::MessageType::add_provider;
    m.key = key;
    m.provider_peers.push_back(node(origin).info);
    for (const auto& p : closest_to(origin, key)) tell(origin, p.id, m);
  }
  std::optional<kad::Record> get(NodeId origin, const std::string& key) {
    KadNode& o = node(origin);
    kad::LookupConfig lc;
    lc.value_quorum = 4;  // ResourceConfig::value_quorum
    const Bytes k = to_bytes(key);
    kad::Lookup l(kad::LookupKind::get_value, k, o.info.id, o.table.closest(kad::Key::from_bytes(k), 20), lc,
                  &m_validators);
    run(origin, l);
    if (!l.result().best) return std::nullopt;
    return l.result().records[*l.result().best].record;
  }

  // ResourceDirectory::announce_resource, records only (the index is flushed separately).
  co::ResourceAnnouncement announce(NodeId i, const std::string& type, const std::string& id, std::string data,
                                    co::AnnounceOptions opts = {}) {
    auto a = node(i).book.announce(type, id, std::move(data), opts, wall_ms());
    EXPECT_TRUE(a.has_value());
    put(i, a->key(), co::encode_announcement(*a));
    m_types[i].insert(type);
    return *a;
  }
  // The directory's index PUT and PROVIDE of each type `i` announced.
  void flush(NodeId i) {
    for (const auto& type : m_types[i]) {
      const auto idx = co::build_index(type, node(i).book.self(), node(i).book.own_of(type, wall_ms()), wall_ms(),
                                       48 * 1024);
      put(i, idx.key(), co::encode_announcement(idx));
      provide(i, co::type_provider_key(type));
    }
  }

  struct Discovery {
    std::set<std::string> keys;
    std::size_t messages = 0, providers = 0, refused = 0;
  };
  // ResourceDirectory::discover_resources.
  Discovery discover(NodeId c, const std::string& type) {
    Discovery out;
    const auto sent0 = net.stats().sent;
    KadNode& o = node(c);
    const Bytes tk = co::type_provider_key(type);
    kad::Lookup pl(kad::LookupKind::get_providers, tk, o.info.id, o.table.closest(kad::Key::from_bytes(tk), 20));
    run(c, pl);
    out.providers = pl.result().providers.size();
    for (const auto& p : pl.result().providers) {
      const std::string creator = p.id.to_base58();
      if (creator == o.book.self()) continue;
      auto rec = get(c, co::resource_key(co::kIndexType, co::index_id(type, creator)));
      if (!rec) {
        ++out.refused;
        continue;
      }
      auto idx = co::parse_announcement(as_string_view(rec->value));
      auto parsed = idx ? co::parse_index(*idx, type, creator) : lotus::Result<co::ParsedIndex>(idx.error());
      if (!parsed) {
        ++out.refused;
        continue;
      }
      for (const auto& e : parsed->inline_entries) {
        if (e.live(wall_ms()))
          out.keys.insert(e.key());
        else
          ++out.refused;
      }
      EXPECT_TRUE(parsed->ids.empty());  // everything fits inline here
    }
    for (const auto& a : o.book.own_of(type, wall_ms())) out.keys.insert(a.key());
    out.messages = static_cast<std::size_t>(net.stats().sent - sent0);
    return out;
  }

  sim::Network net;
  std::unordered_map<mf::PeerId, NodeId> index;

 private:
  struct Pending {
    kad::Lookup* lookup;
    mf::PeerId peer;
  };
  kad::ValidatorRegistry m_validators;
  std::vector<std::unique_ptr<KadNode>> m_nodes;
  std::map<std::uint64_t, Pending> m_pending;
  std::uint64_t m_next_rpc = 1;
  std::map<NodeId, std::set<std::string>> m_types;
};

void KadNode::on_message(sim::Network& net, NodeId from, Bytes message) {
  if (message.size() < 9) return;
  std::uint64_t rpc = 0;
  for (int i = 0; i < 8; ++i) rpc |= std::uint64_t{message[1 + static_cast<std::size_t>(i)]} << (8 * i);
  kad::FrameReader reader;
  BytesView in = BytesView(message).subspan(9);
  auto m = reader.next(in);
  ASSERT_TRUE(m.has_value() && m->has_value());
  const NodeId self = world.index.at(info.id);
  if (message[0] == 'R') {
    world.on_response(self, from, rpc, std::move(**m));
    return;
  }
  world.learn(self, world.node(from).info);
  auto reply = handler.handle_request(world.node(from).info.id, **m, net.now());
  if (reply && *reply) net.send(self, from, envelope('R', rpc, **reply));
}

TEST(ResourcesSim, DiscoveryIsCompleteForLiveAnnouncers) {
  constexpr std::size_t kNodes = 64;
  World w(kNodes, 3);
  // Bootstrap: node i knows 3 earlier nodes and looks up its own id.
  for (NodeId i = 1; i < kNodes; ++i) {
    for (int s = 0; s < 3; ++s) w.learn(i, w.node(static_cast<NodeId>(w.net.rng().uniform(i))).info);
    (void)w.closest_to(i, w.node(i).info.id.bytes());
  }
  w.drain();

  // Three types; 15, 10 and 12 announcers (a server keeps at most 20 providers per key), one to
  // three resources each; every fifth "swap" resource expires after 10 minutes.
  const std::vector<std::pair<std::string, std::size_t>> types = {{"swap", 15}, {"pool", 10}, {"musig2-session", 12}};
  std::map<std::string, std::set<std::string>> live, expiring;  // type -> keys
  std::map<std::string, std::map<std::string, NodeId>> creator;  // type -> key -> node
  std::size_t n_announcements = 0;
  for (std::size_t t = 0; t < types.size(); ++t) {
    const auto& [type, count] = types[t];
    for (std::size_t k = 0; k < count; ++k) {
      const NodeId i = (k * 5 + t * 17 + 1) % kNodes;
      const std::size_t per = 1 + (i % 3);
      for (std::size_t r = 0; r < per; ++r) {
        const std::string id = type + "-" + std::to_string(i) + "-" + std::to_string(r);
        co::AnnounceOptions opts;
        const bool expires = type == "swap" && n_announcements % 5 == 0;
        if (expires) opts.expires_at = w.wall_ms() + 600'000;
        const auto a = w.announce(i, type, id, R"({"n":)" + std::to_string(r) + "}", opts);
        (expires ? expiring : live)[type].insert(a.key());
        creator[type][a.key()] = i;
        ++n_announcements;
      }
    }
  }
  for (NodeId i = 0; i < kNodes; ++i) w.flush(i);
  w.drain();

  // 20 minutes later; 10 % of the nodes that announced nothing have crashed.
  w.net.advance_to(w.net.now() + std::chrono::minutes(20));
  std::set<NodeId> announcers;
  for (const auto& [type, m] : creator)
    for (const auto& [key, i] : m) announcers.insert(i);
  std::size_t crashed = 0;
  for (NodeId i = kNodes - 1; i > 0 && crashed < kNodes / 10; --i)
    if (!announcers.count(i)) {
      w.net.set_down(i, true);
      ++crashed;
    }

  // Every type discovered from 8 nodes that announced nothing.
  std::size_t discoveries = 0, found = 0, expected = 0, expired_returned = 0, messages = 0;
  std::vector<std::size_t> per_discovery;
  for (NodeId c = 2, sampled = 0; c < kNodes && sampled < 8; ++c) {
    if (announcers.count(c) || w.net.is_down(c)) continue;
    ++sampled;
    for (const auto& [type, count] : types) {
      auto d = w.discover(c, type);
      ++discoveries;
      messages += d.messages;
      per_discovery.push_back(d.messages);
      for (const auto& key : live[type]) {
        ++expected;
        found += d.keys.count(key);
        EXPECT_TRUE(d.keys.count(key)) << "node " << c << " missed " << key;
      }
      for (const auto& key : expiring[type]) expired_returned += d.keys.count(key);
      EXPECT_EQ(d.keys.size(), live[type].size());
    }
  }
  EXPECT_EQ(found, expected);
  EXPECT_EQ(expired_returned, 0u);
  std::sort(per_discovery.begin(), per_discovery.end());
  std::printf("[resources sim] %zu nodes (%zu crashed), 1%% loss, 5-80 ms links: %zu announcements by %zu nodes "
              "(%zu expired); %zu discoveries found %zu/%zu live = %.1f %%, expired returned %zu; messages per "
              "discovery: mean %.0f, median %zu, max %zu (requests and responses); network: %llu sent, %llu lost\n",
              kNodes, crashed, n_announcements, announcers.size(), expiring["swap"].size(), discoveries, found, expected,
              expected ? 100.0 * static_cast<double>(found) / static_cast<double>(expected) : 0.0, expired_returned,
              static_cast<double>(messages) / static_cast<double>(discoveries), per_discovery[per_discovery.size() / 2],
              per_discovery.back(), static_cast<unsigned long long>(w.net.stats().sent),
              static_cast<unsigned long long>(w.net.stats().lost));
}

}  // namespace
