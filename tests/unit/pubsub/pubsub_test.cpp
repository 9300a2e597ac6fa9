// PubSub over real hosts on 127.0.0.1 in one process: delivery (2 nodes, 10-node line and
// chorded ring, exactly once), unsubscribe, validator reject (not forwarded), streams reopened
// after a reconnect, bounded queues under a flooding peer, malformed RPCs. Waits are on router
// state changes with deadlines (PubSub::wait_until), never sleeps.
#include <gtest/gtest.h>

#include <array>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/secure.hpp"
#include "base/varint.hpp"
#include "proto/gossipsub/rpc.hpp"
#include "proto/gossipsub/signing.hpp"
#include "pubsub/pubsub.hpp"
#include "unit/host/test_util.hpp"

namespace lotus::pubsub {
namespace {

using namespace lotus::host::testing;
using namespace std::chrono_literals;

constexpr const char* kTopic = "musig2:signing-request";

Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }
std::string str_of(const Bytes& b) { return std::string(b.begin(), b.end()); }

crypto::PrivateKey clone(const crypto::PrivateKey& k) {
  Bytes pb = k.to_protobuf();
  auto r = crypto::PrivateKey::from_protobuf(pb);
  secure_wipe(pb);
  return std::move(*r);
}

struct Node {
  std::unique_ptr<host::Host> host;
  std::unique_ptr<PubSub> ps;
  std::optional<crypto::PrivateKey> key;
  mf::Multiaddr addr;  // with /p2p/
};

class PubSubTest : public ::testing::Test {
 public:
  // A host listening on loopback; with a PubSub (started) unless raw.
  Node& make_node(Config cfg = {}, bool raw = false) {
    auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
    EXPECT_TRUE(key.has_value());
    auto n = std::make_unique<Node>();
    n->host = std::make_unique<host::Host>(io, clone(*key));
    auto bound = n->host->listen(*mf::Multiaddr::parse("/ip4/127.0.0.1/tcp/0"));
    EXPECT_TRUE(bound.has_value());
    n->addr = bound->with_peer_id(n->host->peer_id());
    if (!raw) {
      n->ps = std::make_unique<PubSub>(*n->host, clone(*key), std::move(cfg), rng);
      EXPECT_TRUE(n->ps->start().has_value());
    }
    n->key.emplace(std::move(*key));
    nodes.push_back(std::move(n));
    return *nodes.back();
  }

  void TearDown() override {
    run(io, stop_all());
    nodes.clear();
    io.restart();
    io.poll();
  }
  asio::awaitable<void> stop_all() {
    for (auto& n : nodes)
      if (n->ps) co_await n->ps->stop();
    for (auto& n : nodes) co_await n->host->stop();
  }

  asio::io_context io;
  DeterministicRng rng{7};
  std::vector<std::unique_ptr<Node>> nodes;
};

TimePoint in(Duration d) { return Clock::now() + d; }

bool has(const std::vector<mf::PeerId>& v, const mf::PeerId& p) { return std::find(v.begin(), v.end(), p) != v.end(); }

// Waits until `a` sees `b` subscribed to `topic`.
// (not a coroutine: g++ 12 double-destroys by-value coroutine parameters built from temporaries)
asio::awaitable<bool> sees(Node* a, Node* b, const std::string& topic) {
  return a->ps->wait_until([a, b, topic] { return has(a->ps->topic_peers(topic), b->host->peer_id()); }, in(20s));
}

// ------------------------------------------------------------------ two nodes

asio::awaitable<void> two_nodes(Node* a, Node* b) {
  auto sa = a->ps->subscribe(kTopic);
  auto sb = b->ps->subscribe(kTopic);
  CO_ASSERT_OK(sa);
  CO_ASSERT_OK(sb);
  CO_ASSERT_OK(co_await b->host->dial(a->addr));
  CO_ASSERT_TRUE(co_await sees(a, b, kTopic));
  CO_ASSERT_TRUE(co_await sees(b, a, kTopic));

  auto id = a->ps->publish(kTopic, bytes_of("{\"hello\":1}"));
  CO_ASSERT_OK(id);
  auto m = co_await sb->next_until(in(20s));
  CO_ASSERT_TRUE(m && m->has_value());
  const Message& msg = **m;
  EXPECT_EQ(str_of(msg.data), "{\"hello\":1}");
  EXPECT_EQ(msg.topic, kTopic);
  EXPECT_EQ(msg.id, *id);
  CO_ASSERT_TRUE(msg.from.has_value());
  EXPECT_EQ(*msg.from, a->host->peer_id());
  EXPECT_EQ(msg.received_from, a->host->peer_id());
  EXPECT_TRUE(msg.seqno.has_value());
  // default message id: from ‖ seqno
  Bytes expect_id = a->host->peer_id().bytes();
  for (int i = 7; i >= 0; --i) expect_id.push_back(static_cast<std::uint8_t>(*msg.seqno >> (8 * i)));
  EXPECT_EQ(msg.id, expect_id);

  CO_ASSERT_OK(b->ps->publish(kTopic, bytes_of("back")));
  auto r = co_await sa->next_until(in(20s));
  CO_ASSERT_TRUE(r && r->has_value());
  EXPECT_EQ(str_of((*r)->data), "back");
  EXPECT_EQ((*r)->from, b->host->peer_id());
  // emit_self is off by default: nothing else queued
  EXPECT_FALSE(sa->try_next().has_value());
  EXPECT_FALSE(sb->try_next().has_value());
  EXPECT_EQ(a->ps->stats().streams_outbound, 1u);
  EXPECT_EQ(a->ps->stats().streams_inbound, 1u);
  EXPECT_EQ(a->ps->router().stats().messages_invalid_signature, 0u);
  std::vector<std::string> topics{kTopic};
  EXPECT_EQ(a->ps->topics(), topics);
}

TEST_F(PubSubTest, TwoNodesBothWays) {
  auto& a = make_node();
  auto& b = make_node();
  run(io, two_nodes(&a, &b));
}

// ------------------------------------------------------------------ 10 nodes, exactly once

asio::awaitable<void> many(std::vector<Node*> ns, std::vector<std::pair<int, int>> edges, bool emit_self) {
  std::vector<Subscription> subs;
  for (auto* n : ns) {
    auto s = n->ps->subscribe("t");
    CO_ASSERT_OK(s);
    subs.push_back(std::move(*s));
  }
  for (auto [i, j] : edges) CO_ASSERT_OK(co_await ns[i]->host->dial(ns[j]->addr));
  // every edge is a mesh link once the heartbeat settled (degrees stay below D_lo in these graphs)
  std::map<int, std::size_t> degree;
  for (auto [i, j] : edges) ++degree[i], ++degree[j];
  for (std::size_t i = 0; i < ns.size(); ++i) {
    auto* n = ns[i];
    const std::size_t want = degree[static_cast<int>(i)];
    CO_ASSERT_TRUE(co_await n->ps->wait_until([n, want] { return n->ps->mesh_peers("t").size() == want; }, in(30s)));
  }
  std::set<std::string> published;
  for (std::size_t i = 0; i < ns.size(); ++i) {
    const std::string text = "msg-" + std::to_string(i);
    CO_ASSERT_OK(ns[i]->ps->publish("t", bytes_of(text)));
    published.insert(text);
  }
  const std::size_t expect = emit_self ? ns.size() : ns.size() - 1;
  for (std::size_t i = 0; i < ns.size(); ++i) {
    std::map<std::string, int> got;
    for (std::size_t k = 0; k < expect; ++k) {
      auto m = co_await subs[i].next_until(in(30s));
      CO_ASSERT_TRUE(m && m->has_value());
      ++got[str_of((*m)->data)];
    }
    for (const auto& t : published) {
      const bool own = t == "msg-" + std::to_string(i);
      EXPECT_EQ(got[t], own && !emit_self ? 0 : 1) << "node " << i << " message " << t;
    }
  }
  // Exactly once: one more full round trip across the graph, then nothing else is queued.
  CO_ASSERT_OK(ns[0]->ps->publish("t", bytes_of("fence")));
  for (std::size_t i = emit_self ? 0 : 1; i < ns.size(); ++i) {
    auto m = co_await subs[i].next_until(in(30s));
    CO_ASSERT_TRUE(m && m->has_value());
    EXPECT_EQ(str_of((*m)->data), "fence") << "node " << i;
  }
  for (auto* n : ns) {
    EXPECT_EQ(n->ps->router().stats().messages_invalid_signature, 0u);
    EXPECT_EQ(n->ps->stats().frames_dropped, 0u);
  }
}

TEST_F(PubSubTest, TenNodeLineExactlyOnce) {
  std::vector<Node*> ns;
  for (int i = 0; i < 10; ++i) ns.push_back(&make_node());
  std::vector<std::pair<int, int>> edges;
  for (int i = 0; i + 1 < 10; ++i) edges.emplace_back(i, i + 1);
  run(io, many(ns, edges, false));
}

TEST_F(PubSubTest, TenNodeChordedRingExactlyOnceWithEmitSelf) {
  std::vector<Node*> ns;
  for (int i = 0; i < 10; ++i) ns.push_back(&make_node(reference_config()));
  std::vector<std::pair<int, int>> edges;
  for (int i = 0; i < 10; ++i) edges.emplace_back(i, (i + 1) % 10);
  for (int i = 0; i < 10; i += 2) edges.emplace_back(i, (i + 5) % 10);
  // degrees: 2 (ring) + 1 chord for every node ≤ D_lo: every link ends up in the mesh
  run(io, many(ns, edges, true));
}

// ------------------------------------------------------------------ unsubscribe

asio::awaitable<void> unsubscribe_flow(Node* a, Node* b) {
  auto sa = a->ps->subscribe("u");
  auto sb = b->ps->subscribe("u");
  CO_ASSERT_OK(sa);
  CO_ASSERT_OK(sb);
  CO_ASSERT_OK(co_await a->host->dial(b->addr));
  CO_ASSERT_TRUE(co_await sees(a, b, "u"));
  CO_ASSERT_OK(b->ps->unsubscribe("u"));
  EXPECT_EQ(b->ps->unsubscribe("u").error(), make_error_code(errc::not_subscribed));
  auto closed = co_await sb->next();
  CO_ASSERT_TRUE(!closed.has_value());
  EXPECT_EQ(closed.error(), make_error_code(errc::subscription_closed));
  EXPECT_TRUE(b->ps->topics().empty());
  CO_ASSERT_TRUE(co_await a->ps->wait_until([a] { return a->ps->topic_peers("u").empty(); }, in(20s)));
  EXPECT_TRUE(a->ps->mesh_peers("u").empty());
  // nobody else subscribed and allow_publish_to_zero_peers is off
  auto p = a->ps->publish("u", bytes_of("x"));
  CO_ASSERT_TRUE(!p.has_value());
  EXPECT_EQ(p.error(), make_error_code(proto::gossipsub::errc::no_peers));
  // dropping the handle of the last subscription also leaves the topic
  {
    auto again = b->ps->subscribe("u");
    CO_ASSERT_OK(again);
    CO_ASSERT_TRUE(co_await sees(a, b, "u"));
  }
  CO_ASSERT_TRUE(co_await a->ps->wait_until([a] { return a->ps->topic_peers("u").empty(); }, in(20s)));
}

TEST_F(PubSubTest, Unsubscribe) {
  auto& a = make_node();
  auto& b = make_node();
  run(io, unsubscribe_flow(&a, &b));
}

// ------------------------------------------------------------------ validator reject

asio::awaitable<ValidationResult> reject_bad(mf::PeerId, Message m) {
  co_return str_of(m.data) == "bad" ? ValidationResult::reject : ValidationResult::accept;
}

asio::awaitable<void> validator_flow(Node* a, Node* b, Node* c) {
  auto sb = b->ps->subscribe("v");
  auto sc = c->ps->subscribe("v");
  auto sa = a->ps->subscribe("v");
  CO_ASSERT_OK(sa);
  CO_ASSERT_OK(sb);
  CO_ASSERT_OK(sc);
  b->ps->add_validator("v", &reject_bad);
  CO_ASSERT_OK(co_await a->host->dial(b->addr));
  CO_ASSERT_OK(co_await b->host->dial(c->addr));
  CO_ASSERT_TRUE(co_await c->ps->wait_until([c] { return c->ps->mesh_peers("v").size() == 1; }, in(30s)));
  CO_ASSERT_TRUE(co_await a->ps->wait_until([a] { return a->ps->mesh_peers("v").size() == 1; }, in(30s)));
  CO_ASSERT_OK(a->ps->publish("v", bytes_of("bad")));
  CO_ASSERT_OK(a->ps->publish("v", bytes_of("good")));
  auto mb = co_await sb->next_until(in(20s));
  auto mc = co_await sc->next_until(in(20s));
  CO_ASSERT_TRUE(mb && mb->has_value() && mc && mc->has_value());
  EXPECT_EQ(str_of((*mb)->data), "good");
  EXPECT_EQ(str_of((*mc)->data), "good");
  EXPECT_EQ(b->ps->router().stats().messages_rejected, 1u);
  EXPECT_EQ(b->ps->stats().validations_started, 2u);
  EXPECT_EQ(c->ps->router().stats().messages_delivered, 1u);
  EXPECT_FALSE(sc->try_next().has_value());
}

TEST_F(PubSubTest, ValidatorRejectIsNotForwarded) {
  auto& a = make_node();
  auto& b = make_node();
  auto& c = make_node();
  run(io, validator_flow(&a, &b, &c));
}

// ------------------------------------------------------------------ reconnect

asio::awaitable<void> reconnect_flow(Node* a, Node* b) {
  auto sa = a->ps->subscribe("r");
  auto sb = b->ps->subscribe("r");
  CO_ASSERT_OK(sa);
  CO_ASSERT_OK(sb);
  CO_ASSERT_OK(co_await a->host->dial(b->addr));
  CO_ASSERT_TRUE(co_await sees(a, b, "r"));
  CO_ASSERT_TRUE(co_await sees(b, a, "r"));
  a->host->disconnect(b->host->peer_id());
  CO_ASSERT_TRUE(co_await a->ps->wait_until([a] { return a->ps->peers().empty(); }, in(20s)));
  CO_ASSERT_TRUE(co_await b->ps->wait_until([b] { return b->ps->peers().empty(); }, in(20s)));
  EXPECT_TRUE(a->ps->topic_peers("r").empty());
  CO_ASSERT_OK(co_await b->host->dial(a->addr));
  CO_ASSERT_TRUE(co_await sees(a, b, "r"));
  CO_ASSERT_TRUE(co_await sees(b, a, "r"));
  EXPECT_EQ(a->ps->stats().streams_outbound, 2u);
  EXPECT_EQ(b->ps->stats().streams_outbound, 2u);
  CO_ASSERT_OK(a->ps->publish("r", bytes_of("after")));
  auto m = co_await sb->next_until(in(20s));
  CO_ASSERT_TRUE(m && m->has_value());
  EXPECT_EQ(str_of((*m)->data), "after");
}

TEST_F(PubSubTest, StreamsReopenedAfterReconnect) {
  auto& a = make_node();
  auto& b = make_node();
  run(io, reconnect_flow(&a, &b));
}

// ------------------------------------------------------------------ flooding peer

Bytes signed_rpc_frame(const crypto::PrivateKey& key, const std::string& topic, std::uint64_t seq,
                       bool subscribe) {
  proto::gossipsub::Rpc rpc;
  if (subscribe) rpc.subscriptions.push_back({true, topic});
  proto::gossipsub::Message m;
  m.topic = topic;
  m.data = bytes_of("flood-" + std::to_string(seq));
  Bytes s(8);
  for (int i = 0; i < 8; ++i) s[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(seq >> (8 * (7 - i)));
  m.seqno = s;
  EXPECT_TRUE(proto::gossipsub::sign_message(m, key).has_value());
  rpc.publish.push_back(std::move(m));
  return proto::gossipsub::encode_frame(rpc);
}

asio::awaitable<void> flood_flow(Node* a, Node* raw) {
  auto sa = a->ps->subscribe("f");
  CO_ASSERT_OK(sa);
  auto stream = co_await raw->host->new_stream(a->addr, host::make_protocols(proto::gossipsub::kMeshsubV11));
  CO_ASSERT_OK(stream);
  Bytes all;
  for (std::uint64_t i = 0; i < 200; ++i) {
    Bytes f = signed_rpc_frame(*raw->key, "f", i + 1, i == 0);
    all.insert(all.end(), f.begin(), f.end());
  }
  CO_ASSERT_OK(co_await stream->write(all));
  CO_ASSERT_TRUE(co_await a->ps->wait_until([a] { return a->ps->router().stats().messages_delivered == 200; }, in(20s)));
  // the subscription queue holds its bound; the rest was dropped and counted
  EXPECT_EQ(sa->queued(), 16u);
  EXPECT_EQ(sa->dropped(), 184u);
  EXPECT_EQ(a->ps->stats().deliveries_dropped, 184u);
  EXPECT_EQ(str_of(sa->try_next()->data), "flood-1");

  // an oversized frame: the stream is reset and counted, the peer leaves the router
  Bytes big;
  varint::append(big, std::uint64_t{2} << 20);
  big.resize(big.size() + 1024, 0);
  (void)co_await stream->write(big);
  CO_ASSERT_TRUE(co_await a->ps->wait_until([a] { return a->ps->stats().rpcs_malformed == 1; }, in(20s)));
  std::array<std::uint8_t, 16> buf{};
  auto r = co_await stream->read_some(MutBytesView(buf));
  EXPECT_FALSE(r.has_value());  // reset by A
}

TEST_F(PubSubTest, FloodingPeerHitsBoundedQueues) {
  Config cfg;
  cfg.subscription_queue = 16;
  auto& a = make_node(cfg);
  auto& raw = make_node({}, true);
  run(io, flood_flow(&a, &raw));
}

// A burst of publications larger than a peer's frame queue: the queue keeps its bound and the
// excess is dropped and counted (the router never waits for a writer).
asio::awaitable<void> discard(host::Stream s) {
  std::array<std::uint8_t, 4096> b{};
  while (true) {
    auto r = co_await s.read_some(MutBytesView(b));
    if (!r || *r == 0) co_return;
  }
}

asio::awaitable<void> slow_reader_flow(Node* a, Node* raw) {
  auto sa = a->ps->subscribe("s");
  CO_ASSERT_OK(sa);
  // raw opens a stream to A announcing its subscription; A answers on its own outbound stream
  auto stream = co_await raw->host->new_stream(a->addr, host::make_protocols(proto::gossipsub::kMeshsubV11));
  CO_ASSERT_OK(stream);
  proto::gossipsub::Rpc sub;
  sub.subscriptions.push_back({true, "s"});
  CO_ASSERT_OK(co_await stream->write(proto::gossipsub::encode_frame(sub)));
  CO_ASSERT_TRUE(co_await a->ps->wait_until([a, raw] { return has(a->ps->topic_peers("s"), raw->host->peer_id()); }, in(20s)));
  Bytes payload(16 * 1024, 0x5a);
  const auto sent_before = a->ps->stats().frames_sent;
  const auto dropped_before = a->ps->stats().frames_dropped;
  const auto queued_before = a->ps->queued_frames(raw->host->peer_id());  // e.g. a GRAFT not yet written
  CO_ASSERT_TRUE(queued_before <= 8);
  for (int i = 0; i < 200; ++i) {
    payload[0] = static_cast<std::uint8_t>(i);
    CO_ASSERT_OK(a->ps->publish("s", payload));
  }
  // no writer ran during the synchronous burst: the queue fills up to 8 frames, the rest is dropped
  EXPECT_EQ(a->ps->stats().frames_dropped - dropped_before, 200u - (8u - queued_before));
  EXPECT_EQ(a->ps->queued_frames(raw->host->peer_id()), 8u);
  EXPECT_EQ(a->ps->stats().frames_sent, sent_before);
}

TEST_F(PubSubTest, FullPeerQueueDropsInsteadOfBlocking) {
  Config cfg;
  cfg.max_queued_rpcs = 8;
  auto& a = make_node(cfg);
  auto& raw = make_node({}, true);
  raw.host->set_stream_handler(std::string(proto::gossipsub::kMeshsubV11), &discard);
  run(io, slow_reader_flow(&a, &raw));
}

TEST_F(PubSubTest, StoppedServiceRefuses) {
  auto& a = make_node();
  auto s = a.ps->subscribe("x");
  ASSERT_TRUE(s.has_value());
  run(io, a.ps->stop());
  EXPECT_EQ(a.ps->publish("x", {}).error(), make_error_code(errc::stopped));
  EXPECT_EQ(a.ps->subscribe("x").error(), make_error_code(errc::stopped));
  EXPECT_TRUE(s->closed());
}

}  // namespace
}  // namespace lotus::pubsub
