// Network simulation: N real gossipsub routers over an in-memory network with a virtual clock and
// seeded per-link latency. Every RPC goes through encode_frame()/FrameDecoder, so the codec is on
// the path. Identities are secp256k1 (libsecp256k1 verifies several times faster than OpenSSL's
// per-call EVP Ed25519 setup, which keeps the run at a few seconds). Node count: LOTUS_GOSSIPSUB_SIM_NODES (default 200).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <queue>
#include <unordered_map>

#include "base/rng.hpp"
#include "crypto/keys.hpp"
#include "proto/gossipsub/frame_decoder.hpp"
#include "proto/gossipsub/router.hpp"

using namespace lotus;
using namespace lotus::proto::gossipsub;

namespace {

const std::string kTopic = "lotus/sim";

std::size_t node_count() {
  if (const char* v = std::getenv("LOTUS_GOSSIPSUB_SIM_NODES")) {
    const long n = std::strtol(v, nullptr, 10);
    if (n >= 20 && n <= 100000) return static_cast<std::size_t>(n);
  }
  return 200;
}

bool is_spam(const Message& m) { return m.data.size() >= 4 && as_string_view(m.data).substr(0, 4) == "spam"; }

struct Node {
  crypto::PrivateKey key;
  mf::PeerId id;
  std::unique_ptr<Router> router;
  bool spammer = false;
  std::map<MessageId, int> delivered;  // application deliveries per message id
  std::set<std::size_t> links;
};

class Sim {
 public:
  Sim(std::size_t n, std::uint64_t seed, Config cfg, double spammer_fraction = 0)
      : m_rng(seed), m_now(TimePoint{} + std::chrono::hours(1)) {
    for (std::size_t i = 0; i < n; ++i) {
      auto key = crypto::PrivateKey::generate(crypto::KeyType::secp256k1, m_rng);
      EXPECT_TRUE(key.has_value());
      auto id = key->peer_id();
      m_nodes.push_back(Node{std::move(key).value(), id, nullptr, false, {}, {}});
      m_index.emplace(id, i);
    }
    const auto spammers = static_cast<std::size_t>(static_cast<double>(n) * spammer_fraction);
    for (std::size_t i = 0; i < spammers; ++i) m_nodes[n - 1 - i].spammer = true;
    for (std::size_t i = 0; i < n; ++i) {
      auto& nd = m_nodes[i];
      nd.router = std::make_unique<Router>(nd.id, &nd.key, cfg, m_rng, m_now);
      if (!nd.spammer)
        nd.router->set_validator([](const mf::PeerId&, const Message& m, const MessageId&) {
          return is_spam(m) ? ValidationResult::reject : ValidationResult::accept;
        });
      schedule_heartbeat(i);
    }
    // Random topology: every node dials D random others (outbound on the dialer's side).
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t dialed = 0;
      while (dialed < cfg.d) {
        const auto j = static_cast<std::size_t>(m_rng.uniform(n));
        if (j == i || m_nodes[i].links.count(j)) continue;
        connect(i, j);
        ++dialed;
      }
    }
  }

  void connect(std::size_t a, std::size_t b) {
    m_nodes[a].links.insert(b);
    m_nodes[b].links.insert(a);
    m_latency[{a, b}] = m_latency[{b, a}] = std::chrono::milliseconds(5 + m_rng.uniform(45));
    ASSERT_TRUE(m_nodes[a].router->add_peer(m_nodes[b].id, Protocol::meshsub_v12, true, ip(b), m_now));
    drain(a);
    ASSERT_TRUE(m_nodes[b].router->add_peer(m_nodes[a].id, Protocol::meshsub_v12, false, ip(a), m_now));
    drain(b);
  }

  static std::string ip(std::size_t i) { return "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250); }

  void subscribe_all() {
    for (std::size_t i = 0; i < m_nodes.size(); ++i) {
      ASSERT_TRUE(m_nodes[i].router->subscribe(kTopic, m_now));
      drain(i);
    }
  }

  Result<MessageId> publish(std::size_t i, std::string data) {
    auto r = m_nodes[i].router->publish(kTopic, to_bytes(data), m_now);
    drain(i);
    return r;
  }

  void run_for(Duration d) {
    const TimePoint end = m_now + d;
    while (!m_queue.empty() && m_queue.top().t <= end) {
      Ev ev = m_queue.top();
      m_queue.pop();
      m_now = ev.t;
      auto& node = m_nodes[ev.to];
      if (ev.heartbeat) {
        node.router->on_heartbeat(m_now);
        drain(ev.to);
        schedule_heartbeat(ev.to);
        continue;
      }
      FrameDecoder dec;
      BytesView in(ev.frame);
      while (true) {
        auto rpc = dec.next(in);
        EXPECT_TRUE(rpc);
        if (!rpc || !*rpc) break;
        ++m_rpcs;
        EXPECT_TRUE(node.router->on_rpc(m_nodes[ev.from].id, **rpc, m_now));
      }
      drain(ev.to);
    }
    m_now = end;
  }

  std::vector<Node>& nodes() { return m_nodes; }
  TimePoint now() const { return m_now; }
  std::uint64_t rpcs() const { return m_rpcs; }
  std::uint64_t bytes() const { return m_bytes; }

 private:
  struct Ev {
    TimePoint t;
    std::uint64_t seq;
    std::size_t to;
    std::size_t from;
    bool heartbeat;
    Bytes frame;
    bool operator>(const Ev& o) const { return t != o.t ? t > o.t : seq > o.seq; }
  };

  void schedule_heartbeat(std::size_t i) {
    m_queue.push(Ev{m_nodes[i].router->deadline() + std::chrono::milliseconds(m_rng.uniform(3)), m_seq++, i, i,
                    true, {}});
  }

  void drain(std::size_t i) {
    auto& node = m_nodes[i];
    while (auto ev = node.router->poll_event()) {
      if (auto* s = std::get_if<SendRpc>(&*ev)) {
        const std::size_t to = m_index.at(s->peer);
        Bytes frame = encode_frame(s->rpc);
        m_bytes += frame.size();
        m_queue.push(Ev{m_now + m_latency.at({i, to}), m_seq++, to, i, false, std::move(frame)});
      } else if (auto* d = std::get_if<Delivered>(&*ev)) {
        ++node.delivered[d->id];
      }
    }
  }

  DeterministicRng m_rng;
  TimePoint m_now;
  std::vector<Node> m_nodes;
  std::unordered_map<mf::PeerId, std::size_t> m_index;
  std::map<std::pair<std::size_t, std::size_t>, Duration> m_latency;
  std::priority_queue<Ev, std::vector<Ev>, std::greater<>> m_queue;
  std::uint64_t m_seq = 0;
  std::uint64_t m_rpcs = 0;
  std::uint64_t m_bytes = 0;
};

TEST(GossipsubSim, DeliversEveryMessageExactlyOnceAndKeepsMeshDegree) {
  const std::size_t n = node_count();
  Config cfg;
  Sim sim(n, 42, cfg);
  sim.subscribe_all();
  sim.run_for(std::chrono::seconds(3));  // warm-up

  std::size_t min_deg = SIZE_MAX, max_deg = 0, sum_deg = 0;
  for (auto& nd : sim.nodes()) {
    const auto m = nd.router->mesh(kTopic).size();
    min_deg = std::min(min_deg, m);
    max_deg = std::max(max_deg, m);
    sum_deg += m;
    EXPECT_GE(m, cfg.d_lo);
    EXPECT_LE(m, cfg.d_hi);
  }

  DeterministicRng pick(7);
  std::vector<std::pair<std::size_t, MessageId>> published;
  for (int k = 0; k < 20; ++k) {
    const auto src = static_cast<std::size_t>(pick.uniform(n));
    auto id = sim.publish(src, "msg-" + std::to_string(k) + std::string(k % 4 == 1 ? 600 : 10, 'x'));
    ASSERT_TRUE(id.has_value());
    published.emplace_back(src, *id);
    sim.run_for(std::chrono::milliseconds(100));
  }
  sim.run_for(std::chrono::seconds(1));

  std::size_t deliveries = 0;
  for (const auto& [src, id] : published)
    for (std::size_t i = 0; i < n; ++i) {
      auto& d = sim.nodes()[i].delivered;
      auto it = d.find(id);
      if (i == src) {
        EXPECT_TRUE(it == d.end());  // emit_self is off
        continue;
      }
      ASSERT_TRUE(it != d.end()) << "node " << i << " missed a message";
      EXPECT_EQ(it->second, 1);
      deliveries += static_cast<std::size_t>(it->second);
    }
  std::uint64_t dups = 0;
  for (auto& nd : sim.nodes()) dups += nd.router->stats().messages_duplicate;
  for (std::size_t i = 0; i < n; ++i) {
    const auto m = sim.nodes()[i].router->mesh(kTopic).size();
    EXPECT_GE(m, cfg.d_lo);
    EXPECT_LE(m, cfg.d_hi);
  }
  std::printf("[sim] nodes=%zu mesh degree min=%zu max=%zu avg=%.2f deliveries=%zu/%zu duplicates=%llu rpcs=%llu bytes=%llu\n",
              n, min_deg, max_deg, static_cast<double>(sum_deg) / static_cast<double>(n), deliveries,
              published.size() * (n - 1), static_cast<unsigned long long>(dups),
              static_cast<unsigned long long>(sim.rpcs()), static_cast<unsigned long long>(sim.bytes()));
}

TEST(GossipsubSim, SpammersAreGraylistedAndHonestDeliveryStaysComplete) {
  const std::size_t n = node_count();
  Config cfg;
  cfg.scoring_enabled = true;
  TopicScoreParams tp;
  tp.invalid_message_deliveries_weight = -100;
  tp.invalid_message_deliveries_decay = 0.99;
  tp.mesh_message_deliveries_weight = 0;
  cfg.score.topics[kTopic] = tp;
  Sim sim(n, 4242, cfg, 0.2);
  sim.subscribe_all();
  sim.run_for(std::chrono::seconds(1));

  DeterministicRng pick(9);
  std::vector<std::size_t> honest, spammers;
  for (std::size_t i = 0; i < n; ++i) (sim.nodes()[i].spammer ? spammers : honest).push_back(i);
  std::vector<std::pair<std::size_t, MessageId>> published;
  for (int round = 0; round < 6; ++round) {
    for (auto s : spammers) {
      auto r = sim.publish(s, "spam-" + std::to_string(s) + "-" + std::to_string(round));
      EXPECT_TRUE(r.has_value());
    }
    for (int k = 0; k < 3; ++k) {
      const auto src = honest[static_cast<std::size_t>(pick.uniform(honest.size()))];
      auto id = sim.publish(src, "honest-" + std::to_string(round) + "-" + std::to_string(k));
      ASSERT_TRUE(id.has_value());
      published.emplace_back(src, *id);
    }
    sim.run_for(std::chrono::milliseconds(300));
  }
  sim.run_for(std::chrono::seconds(1));
  std::size_t links = 0, graylisted = 0;
  for (auto h : honest) {
    auto& nd = sim.nodes()[h];
    for (auto s : nd.links) {
      if (!sim.nodes()[s].spammer) continue;
      ++links;
      graylisted += nd.router->graylisted(sim.nodes()[s].id, sim.now()) ? 1 : 0;
      EXPECT_TRUE(nd.router->graylisted(sim.nodes()[s].id, sim.now()));
      EXPECT_FALSE(nd.router->mesh(kTopic).count(sim.nodes()[s].id));
    }
  }
  sim.run_for(std::chrono::seconds(1));

  std::size_t delivered = 0, expected = 0;
  for (const auto& [src, id] : published)
    for (auto i : honest) {
      if (i == src) continue;
      ++expected;
      auto& d = sim.nodes()[i].delivered;
      auto it = d.find(id);
      ASSERT_TRUE(it != d.end()) << "honest node " << i << " missed a message";
      EXPECT_EQ(it->second, 1);
      ++delivered;
    }
  std::uint64_t ignored_rpcs = 0, rejected = 0;
  for (auto h : honest) {
    auto& nd = sim.nodes()[h];
    ignored_rpcs += nd.router->stats().rpcs_graylisted;
    rejected += nd.router->stats().messages_rejected;
    // Every application delivery at an honest node is an honest message, delivered once.
    EXPECT_EQ(nd.delivered.size(), published.size() - (std::find_if(published.begin(), published.end(),
                                                                     [&](auto& p) { return p.first == h; }) !=
                                                        published.end()
                                                            ? static_cast<std::size_t>(std::count_if(
                                                                  published.begin(), published.end(),
                                                                  [&](auto& p) { return p.first == h; }))
                                                            : 0));
    for (const auto& [id, count] : nd.delivered) EXPECT_EQ(count, 1);
  }
  std::printf("[sim-spam] nodes=%zu spammers=%zu honest delivery=%zu/%zu graylisted links=%zu/%zu rejected=%llu ignored_rpcs=%llu\n",
              n, spammers.size(), delivered, expected, graylisted, links, static_cast<unsigned long long>(rejected),
              static_cast<unsigned long long>(ignored_rpcs));
}

}  // namespace
