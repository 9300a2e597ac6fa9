// The network-wide broadcast (our extension of lotus-wire.md §2.6, coordinator.hpp) in a
// 60-node simulated network: every node runs a real GossipSub router (sim::GossipPeer: RPCs
// through the frame codec, heartbeats on virtual time) and the coordinator's real receive path
// (coordinator::Intake: parse, validate, security validators, the seen-set of HMAC keys) with
// a real SecurityManager; links have 5–80 ms latency and 1 % loss; three nodes crash after the
// mesh formed. A broadcast is what Coordinator::broadcast does with network_wide: the
// serialised envelope written to every directly connected peer (/lotus/message/1.0.0, here
// Channel::message) and published on the GossipSub topic lotus/broadcast/1.0.0, the sender's
// seen-set marked and its handler self-delivered.
//
// Six nodes are "reference" nodes that do not subscribe to the topic (as TypeScript nodes):
// they get a broadcast only from a directly connected sender.
//
// Asserted, for 12 broadcasts from random live nodes:
//   * every live subscriber handles every broadcast exactly once (100 %);
//   * a reference node handles a broadcast once if it is a direct neighbour of the sender,
//     never otherwise;
//   * de-dup: nodes that received both a direct and a gossip copy exist (the sender's
//     subscribed neighbours: flood publish) and each of them handled the message once — the
//     second copy was a duplicate of the seen-set.
// Printed: messages on the wire per broadcast, delivery latency percentiles (virtual time).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "coordinator/intake.hpp"
#include "coordinator/message.hpp"
#include "coordinator/security.hpp"
#include "crypto/keys.hpp"
#include "sim/gossipsub_peer.hpp"
#include "sim/network.hpp"

namespace {

using namespace lotus;
namespace co = lotus::coordinator;
using sim::NodeId;

constexpr std::int64_t kWallStart = 1767225600000;  // wall clock (ms) at the simulation's start
const std::string kTopic = "lotus/broadcast/1.0.0";   // Coordinator::Config::broadcast_topic

struct Copies {
  int direct = 0;
  int gossip = 0;
  int handled = 0;     // accepted by the Intake and routed to the handler
  int duplicates = 0;  // refused by the seen-set
  TimePoint first{};
};

class World;

struct Node final : sim::Endpoint {
  Node(World& w, sim::Network& net, NodeId id, crypto::PrivateKey key, sim::PeerDirectory& dir, bool is_subscriber)
      : world(w), gossip(net, id, std::move(key), dir), intake(security), subscriber(is_subscriber) {}
  void on_message(sim::Network& net, NodeId from, Bytes message) override;
  void on_timer(sim::Network&, std::uint64_t token) override { (void)gossip.on_timer(token); }
  void receive(const mf::PeerId& peer, BytesView text, bool via_gossip, TimePoint now);

  World& world;
  sim::GossipPeer gossip;
  co::SecurityManager security;
  co::Intake intake;
  bool subscriber;
  std::set<NodeId> neighbours;
  std::map<std::string, Copies> seen;  // by messageId
};

class World {
 public:
  World(std::size_t n, std::size_t reference_nodes, std::uint64_t seed) : net(seed, config()), rng(seed) {
    for (std::size_t i = 0; i < n; ++i) {
      DeterministicRng krng(seed * 1000 + i);
      auto key = crypto::PrivateKey::generate(crypto::KeyType::secp256k1, krng);  // fast verification
      const bool subscriber = i >= reference_nodes;
      nodes.push_back(std::make_unique<Node>(*this, net, i, std::move(*key), dir, subscriber));
      EXPECT_EQ(net.add(*nodes.back()), i);
    }
    // Random topology: every node dials 4 others it is not yet connected to (degree ≈ 8).
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t dialed = 0; dialed < 4;) {
        const auto j = static_cast<std::size_t>(rng.uniform(n));
        if (j == i || nodes[i]->neighbours.count(j)) continue;
        nodes[i]->neighbours.insert(j);
        nodes[j]->neighbours.insert(i);
        sim::GossipPeer::connect(nodes[i]->gossip, nodes[j]->gossip, ip(i), ip(j));
        ++dialed;
      }
    }
    for (auto& nd : nodes) {
      if (nd->subscriber) {
        EXPECT_TRUE(nd->gossip.subscribe(kTopic));
      }
    }
  }
  static sim::NetworkConfig config() {
    sim::NetworkConfig c;
    c.link.min_latency = std::chrono::milliseconds(5);
    c.link.max_latency = std::chrono::milliseconds(80);
    c.link.loss_ppm = 10'000;  // 1 %
    return c;
  }
  static std::string ip(std::size_t i) { return "10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250); }
  std::int64_t now_ms() const {
    return kWallStart + std::chrono::duration_cast<std::chrono::milliseconds>(net.now() - sim::NetworkConfig{}.start).count();
  }

  // Coordinator::broadcast(message, {network_wide = true}) of node `from`; returns the messageId.
  std::string broadcast(NodeId from, int k) {
    Node& s = *nodes[from];
    co::MessageOptions opts;
    opts.protocol = "sim-protocol";
    auto m = co::create_message("announcement", co::json::Value("broadcast " + std::to_string(k)),
                                s.gossip.peer_id().to_base58(), now_ms(), rng, opts);
    const std::string text = co::serialize(m);
    s.intake.mark_own(m, net.now());
    for (NodeId p : s.neighbours) net.send(from, p, sim::tag(sim::Channel::message, to_bytes(text)));
    if (s.subscriber) {
      EXPECT_TRUE(s.gossip.publish(kTopic, to_bytes(text)));
    }
    auto& c = s.seen[m.message_id];  // self-delivery to the handler
    ++c.handled;
    c.first = net.now();
    sent_at[m.message_id] = net.now();
    return m.message_id;
  }

  sim::Network net;
  DeterministicRng rng;
  sim::PeerDirectory dir;
  std::vector<std::unique_ptr<Node>> nodes;
  std::map<std::string, TimePoint> sent_at;
};

void Node::on_message(sim::Network& net, NodeId from, Bytes message) {
  auto [channel, payload] = sim::untag(message);
  if (channel == sim::Channel::gossipsub) {
    gossip.on_frame(from, payload);
  } else if (channel == sim::Channel::message) {
    // The connection's authenticated peer (the simulated stream's remote end).
    receive(world.nodes[from]->gossip.peer_id(), payload, false, net.now());
  }
}

void Node::receive(const mf::PeerId& peer, BytesView text, bool via_gossip, TimePoint now) {
  auto v = intake.accept(peer, as_string_view(text), world.now_ms(), now);
  ASSERT_TRUE(v.message) << v.reason();
  auto& c = seen[v.message->message_id];
  ++(via_gossip ? c.gossip : c.direct);
  if (v.accepted()) {
    if (++c.handled == 1) c.first = now;
  } else {
    ASSERT_EQ(v.outcome, co::IntakeVerdict::Outcome::duplicate) << v.reason();
    ++c.duplicates;
  }
}

TEST(BroadcastSim, NetworkWideBroadcastReachesEverySubscriberOnce) {
  constexpr std::size_t kNodes = 60, kReference = 6, kBroadcasts = 12;
  World w(kNodes, kReference, 2026);
  for (auto& nd : w.nodes) {
    Node* self = nd.get();
    self->gossip.on_delivered = [self](const proto::gossipsub::Delivered& d) {
      // Coordinator's broadcast_reader: the GossipSub author is the peer the Intake sees.
      auto author = mf::PeerId::from_bytes(*d.message.from);
      ASSERT_TRUE(author);
      self->receive(*author, d.message.data, true, self->world.net.now());
    };
  }
  // Warm-up: subscriptions spread, meshes form (a few heartbeats).
  w.net.run_until([] { return false; }, std::chrono::seconds(5));
  // Three subscribers crash.
  std::set<NodeId> crashed{kNodes - 1, kNodes - 2, kNodes - 3};
  for (NodeId c : crashed) w.net.set_down(c, true);

  // The wire's idle rate (heartbeat gossip, no broadcasts) over 5 s, to tell the broadcasts' cost.
  const std::uint64_t idle_start = w.net.stats().sent;
  w.net.run_until([] { return false; }, std::chrono::seconds(5));
  const double idle_per_s = static_cast<double>(w.net.stats().sent - idle_start) / 5.0;

  const std::uint64_t wire_start = w.net.stats().sent;
  const TimePoint t_start = w.net.now();
  std::vector<std::pair<NodeId, std::string>> sent;
  for (std::size_t k = 0; k < kBroadcasts; ++k) {
    NodeId from;
    do from = static_cast<NodeId>(w.rng.uniform(kNodes - crashed.size()));
    while (from < kReference);  // senders are subscribers (a reference node only reaches its neighbours)
    sent.emplace_back(from, w.broadcast(from, static_cast<int>(k)));
    w.net.run_until([] { return false; }, std::chrono::milliseconds(500));  // spread over time
  }
  // Let gossip (IHAVE/IWANT, 1 s heartbeats) recover what the 1 % loss dropped.
  auto all_handled = [&] {
    for (const auto& [from, id] : sent)
      for (std::size_t i = kReference; i < kNodes; ++i)
        if (!crashed.count(i) && w.nodes[i]->seen[id].handled == 0) return false;
    return true;
  };
  const bool complete = w.net.run_until(all_handled, std::chrono::seconds(30));
  const double phase_s = std::chrono::duration<double>(w.net.now() - t_start).count();
  const double wire = static_cast<double>(w.net.stats().sent - wire_start);

  std::size_t both = 0, reached = 0, expected = 0;
  std::vector<double> latency_ms;
  for (const auto& [from, id] : sent) {
    for (std::size_t i = 0; i < kNodes; ++i) {
      if (crashed.count(i)) continue;
      const Node& nd = *w.nodes[i];
      auto it = nd.seen.find(id);
      const Copies c = it == nd.seen.end() ? Copies{} : it->second;
      EXPECT_LE(c.handled, 1) << "node " << i << " handled " << id << " twice";
      if (nd.subscriber || i == from) {
        ++expected;
        EXPECT_EQ(c.handled, 1) << "subscriber " << i << " missed " << id;
      } else {
        // A reference node: reached only as a direct neighbour of the sender (1 % loss may
        // drop that stream; then it has nothing — never a gossip copy).
        EXPECT_EQ(c.gossip, 0);
        if (!w.nodes[from]->neighbours.count(i)) {
          EXPECT_EQ(c.handled, 0);
        }
      }
      if (nd.subscriber || i == from) reached += c.handled == 1;
      if (c.direct > 0 && c.gossip > 0) {
        ++both;
        EXPECT_EQ(c.handled, 1);
        EXPECT_EQ(c.duplicates, c.direct + c.gossip - 1);
      }
      if (c.handled == 1 && i != from) latency_ms.push_back(std::chrono::duration<double, std::milli>(c.first - w.sent_at[id]).count());
    }
  }
  EXPECT_TRUE(complete);
  EXPECT_GT(both, kBroadcasts);  // each sender's subscribed neighbours get both copies
  std::sort(latency_ms.begin(), latency_ms.end());
  const auto pct = [&](double p) { return latency_ms.empty() ? 0.0 : latency_ms[static_cast<std::size_t>(p * (latency_ms.size() - 1))]; };
  const auto& st = w.net.stats();
  std::printf("[ broadcast sim ] %zu nodes (%zu reference, %zu crashed), %zu broadcasts: %zu/%zu subscriber "
              "deliveries, %zu deliveries got both a direct and a gossip copy (each handled once); latency p50 %.0f ms "
              "p99 %.0f ms max %.0f ms; wire: %.0f messages per broadcast above the idle rate (%.0f/s), %llu lost, "
              "%llu dropped (crashed ends)\n",
              kNodes, kReference, crashed.size(), kBroadcasts, reached, expected, both, pct(0.5), pct(0.99), pct(1.0),
              (wire - idle_per_s * phase_s) / kBroadcasts, idle_per_s, static_cast<unsigned long long>(st.lost),
              static_cast<unsigned long long>(st.dropped));
}

}  // namespace
