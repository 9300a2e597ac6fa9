// sim::GossipPeer: real GossipSub routers on simulated nodes — a chain a–b–c delivers a
// message published at a to c (two hops, mesh formed by heartbeats on virtual time), the
// channel byte separates engines, and messages of other channels are left to the node.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "crypto/keys.hpp"
#include "sim/gossipsub_peer.hpp"

namespace lotus::sim {
namespace {

using namespace std::chrono_literals;

struct Peer final : Endpoint {
  Peer(Network& net, NodeId id, PeerDirectory& dir, std::uint64_t seed)
      : gossip(net, id, [seed] {
          DeterministicRng r(seed);
          return std::move(*crypto::PrivateKey::generate(crypto::KeyType::secp256k1, r));
        }(), dir) {
    gossip.on_delivered = [this](const proto::gossipsub::Delivered& d) {
      delivered.emplace_back(d.message.data.begin(), d.message.data.end());
    };
  }
  void on_message(Network&, NodeId from, Bytes m) override {
    auto [channel, payload] = untag(m);
    if (channel == Channel::gossipsub)
      gossip.on_frame(from, payload);
    else
      other.emplace_back(payload.begin(), payload.end());
  }
  void on_timer(Network&, std::uint64_t token) override { EXPECT_TRUE(gossip.on_timer(token)); }
  GossipPeer gossip;
  std::vector<std::string> delivered, other;
};

TEST(GossipPeer, PublishesAcrossTwoHopsAndKeepsChannelsApart) {
  Network net(11);
  PeerDirectory dir;
  std::vector<std::unique_ptr<Peer>> p;
  for (std::size_t i = 0; i < 3; ++i) p.push_back(std::make_unique<Peer>(net, i, dir, 40 + i));
  for (auto& x : p) net.add(*x);
  GossipPeer::connect(p[0]->gossip, p[1]->gossip);
  GossipPeer::connect(p[1]->gossip, p[2]->gossip);
  for (auto& x : p) ASSERT_TRUE(x->gossip.subscribe("t"));
  ASSERT_TRUE(net.run_until([&] { return p[0]->gossip.router().mesh("t").size() == 1 && p[2]->gossip.router().mesh("t").size() == 1; }, 10s));
  ASSERT_TRUE(p[0]->gossip.publish("t", Bytes{'h', 'i'}));
  ASSERT_TRUE(net.run_until([&] { return !p[2]->delivered.empty(); }, 5s));
  EXPECT_EQ(p[2]->delivered, std::vector<std::string>{"hi"});
  EXPECT_EQ(p[1]->delivered, std::vector<std::string>{"hi"});
  EXPECT_TRUE(p[0]->delivered.empty());  // no emit_self
  // Another channel goes to the node, not to the router.
  net.send(0, 2, tag(Channel::message, Bytes{'m'}));
  ASSERT_TRUE(net.run_until([&] { return !p[2]->other.empty(); }, 1s));
  EXPECT_EQ(p[2]->other, std::vector<std::string>{"m"});
  EXPECT_FALSE(untag(Bytes{}).first.has_value());
}

}  // namespace
}  // namespace lotus::sim
