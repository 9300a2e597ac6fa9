// GossipSub interop: a mixed mesh of 3 js-libp2p nodes (@libp2p/gossipsub 15.0.23, started with
// js/peer.mjs --pubsub: the reference options allowPublishToZeroTopicPeers/emitSelf/doPX,
// StrictSign) and 3 lotus::pubsub::PubSub nodes (reference_config()), all on one topic.
//   * every message published by each node reaches every subscriber on the other side (and on
//     its own side) exactly once, signed by its author (js verifies ours: StrictSign; we verify
//     theirs: the router's invalid-signature counter stays 0);
//   * a message a js node forges with a bad signature (data byte flipped after signing, or a
//     signature byte flipped), written raw on a /meshsub/1.1.0 stream, is rejected by us: counted
//     as invalid, never delivered, never forwarded; the same raw path with an intact signature
//     is accepted (so the rejection is about the signature, not the framing).
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "interop_fixture.hpp"
#include "pubsub/pubsub.hpp"

namespace lotus::interop {
namespace {

constexpr const char* kTopic = "lotus/interop/gossip";

std::string str_of(const Bytes& b) { return std::string(b.begin(), b.end()); }
Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }

// One C++ node with a PubSub service and one subscription; everything runs on its io thread.
struct CppPubSub {
  explicit CppPubSub(std::uint64_t seed)
      : node(std::make_unique<CppNode>(CppNode::Options{.listen = "/ip4/127.0.0.1/tcp/0", .agent_version = kCppAgent, .serve_test_protocols = true, .key_seed = seed})) {
    node->run([this, seed]() -> asio::awaitable<void> {
      DeterministicRng r(seed);
      auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519, r);
      if (!key || key->peer_id() != node->peer_id()) throw std::runtime_error("pubsub key != host identity");
      ps = std::make_unique<pubsub::PubSub>(node->host(), std::move(*key), pubsub::reference_config());
      if (!ps->start()) throw std::runtime_error("pubsub start failed");
      auto s = ps->subscribe(kTopic);
      if (!s) throw std::runtime_error("subscribe failed");
      sub = std::move(*s);
      co_return;
    });
  }
  ~CppPubSub() {
    try {
      node->run([this]() -> asio::awaitable<void> {
        sub = pubsub::Subscription();
        co_await ps->stop();
        ps.reset();
      }, 10s);
    } catch (const std::exception& e) {
      std::cerr << "pubsub stop: " << e.what() << "\n";
    }
    node.reset();
  }

  // Messages received so far plus those arriving until `want` are queued or the deadline.
  std::vector<pubsub::Message> receive(std::size_t want, Millis timeout = 20s) {
    return node->run([this, want, timeout]() -> asio::awaitable<std::vector<pubsub::Message>> {
      std::vector<pubsub::Message> out;
      const auto deadline = Clock::now() + timeout;
      while (out.size() < want) {
        auto m = co_await sub.next_until(deadline);
        if (!m || !m->has_value()) break;
        out.push_back(std::move(**m));
      }
      co_return out;
    }, timeout + 5s);
  }
  std::vector<pubsub::Message> drain_queued() {
    return node->run([this]() -> asio::awaitable<std::vector<pubsub::Message>> {
      std::vector<pubsub::Message> out;
      while (auto m = sub.try_next()) out.push_back(std::move(*m));
      co_return out;
    });
  }
  bool wait_topic_peers(std::size_t n, Millis timeout = 30s) {
    return node->run([this, n, timeout]() {
      return ps->wait_until([this, n] { return ps->topic_peers(kTopic).size() >= n; }, Clock::now() + timeout);
    }, timeout + 5s);
  }
  bool wait_mesh(std::size_t n, Millis timeout = 30s) {
    return node->run([this, n, timeout]() {
      return ps->wait_until([this, n] { return ps->mesh_peers(kTopic).size() >= n; }, Clock::now() + timeout);
    }, timeout + 5s);
  }
  bool wait_invalid_signatures(std::uint64_t n, Millis timeout = 20s) {
    return node->run([this, n, timeout]() {
      return ps->wait_until([this, n] { return ps->router().stats().messages_invalid_signature >= n; },
                            Clock::now() + timeout);
    }, timeout + 5s);
  }
  std::uint64_t invalid_signatures() {
    return node->run([this]() -> asio::awaitable<std::uint64_t> {
      co_return ps->router().stats().messages_invalid_signature;
    });
  }
  Result<pubsub::MessageId> publish(const std::string& text) {
    return node->run([this, text]() -> asio::awaitable<Result<pubsub::MessageId>> {
      co_return ps->publish(kTopic, bytes_of(text));
    });
  }
  Result<host::ConnectionInfo> dial(const std::string& addr) {
    return node->run([this, addr]() { return node->host().dial(ma(addr)); });
  }

  std::unique_ptr<CppNode> node;
  std::unique_ptr<pubsub::PubSub> ps;
  pubsub::Subscription sub;
};

class PubSubInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 3; ++i) {
      js.push_back(std::make_unique<JsPeer>(
          JsPeer::Options{{"--agent", kJsAgent, "--pubsub"}, 20s, "js" + std::to_string(i)}));
      cpp.push_back(std::make_unique<CppPubSub>(0x5eed0000u + static_cast<std::uint64_t>(i) + 1));
    }
  }
  void TearDown() override {
    if (HasFailure()) {
      for (auto& j : js) {
        std::cerr << "---- " << j->peer_id() << " stderr ----\n" << j->stderr_text() << "\n";
        try {
          std::cerr << "---- pubsub_peers ----\n" << j->call("pubsub_peers", {{"topic", kTopic}}, 5s).dump() << "\n";
        } catch (const std::exception& e) {
          std::cerr << "(unavailable: " << e.what() << ")\n";
        }
      }
    }
    cpp.clear();
    js.clear();
  }

  // Everyone subscribes, then the full mesh of 6 nodes is connected (C++ dials everybody,
  // js dials the later js nodes) and every node sees the 5 others subscribed.
  void connect_all() {
    for (auto& j : js) j->call("pubsub_sub", {{"topic", kTopic}});
    for (std::size_t i = 0; i < cpp.size(); ++i) {
      for (auto& j : js) ASSERT_TRUE(cpp[i]->dial(j->addr())) << "cpp" << i << " -> " << j->addr();
      for (std::size_t k = i + 1; k < cpp.size(); ++k) ASSERT_TRUE(cpp[i]->dial(cpp[k]->node->addr()));
    }
    for (std::size_t i = 0; i < js.size(); ++i)
      for (std::size_t k = i + 1; k < js.size(); ++k) js[i]->call("dial", {{"addr", js[k]->addr()}});
    for (std::size_t i = 0; i < cpp.size(); ++i) ASSERT_TRUE(cpp[i]->wait_topic_peers(5)) << "cpp" << i;
    for (auto& j : js) j->call("pubsub_peers", {{"topic", kTopic}, {"minSubscribers", 5}}, 30s);
    // meshes formed (at least D_lo = 4 of the 5 for everyone; the C++ side grafts all 5 in one heartbeat)
    for (std::size_t i = 0; i < cpp.size(); ++i) ASSERT_TRUE(cpp[i]->wait_mesh(4)) << "cpp" << i;
    for (auto& j : js) j->call("pubsub_peers", {{"topic", kTopic}, {"minMesh", 4}}, 30s);
  }

  // js pubsub_message events from others (not emitSelf), data -> count, author per data.
  std::map<std::string, int> js_received(JsPeer& j, std::map<std::string, std::string>* from = nullptr) {
    std::map<std::string, int> out;
    const json evs = j.call("events", {{"since", 0}}).at("events");
    for (const auto& e : evs) {
      if (e.value("type", "") != "pubsub_message" || e.value("self", false)) continue;
      const std::string d = e.value("data", "");
      ++out[d];
      if (from) (*from)[d] = e.value("from", "");
    }
    return out;
  }

  std::vector<std::unique_ptr<JsPeer>> js;
  std::vector<std::unique_ptr<CppPubSub>> cpp;
};

TEST_F(PubSubInterop, MixedMeshDeliversEveryMessageExactlyOnceWithVerifiedSignatures) {
  connect_all();
  if (HasFatalFailure()) return;

  // who published what
  std::map<std::string, std::string> author;
  for (std::size_t i = 0; i < cpp.size(); ++i) {
    const std::string text = "from-cpp-" + std::to_string(i);
    ASSERT_TRUE(cpp[i]->publish(text)) << text;
    author[text] = cpp[i]->node->peer_id_str();
  }
  for (std::size_t i = 0; i < js.size(); ++i) {
    const std::string text = "from-js-" + std::to_string(i);
    const json r = js[i]->call("pubsub_pub", {{"topic", kTopic}, {"data", text}});
    EXPECT_GE(r.at("recipients").size(), 4u) << text;
    author[text] = js[i]->peer_id();
  }

  // C++ side: emit_self (reference config) -> 6 messages each, every author exactly once
  for (std::size_t i = 0; i < cpp.size(); ++i) {
    auto got = cpp[i]->receive(6);
    ASSERT_EQ(got.size(), 6u) << "cpp" << i;
    std::map<std::string, int> count;
    for (const auto& m : got) {
      const std::string d = str_of(m.data);
      ++count[d];
      ASSERT_TRUE(m.from.has_value()) << d;
      EXPECT_EQ(m.from->to_string(), author[d]) << "cpp" << i << " " << d;
      EXPECT_EQ(m.topic, kTopic);
      ASSERT_TRUE(m.seqno.has_value());
    }
    for (const auto& [d, a] : author) EXPECT_EQ(count[d], 1) << "cpp" << i << " " << d;
  }
  // js side: 5 from others each (own via emitSelf is flagged self and not counted)
  for (std::size_t i = 0; i < js.size(); ++i) {
    const auto since = 0;
    std::int64_t from_seq = since;
    for (int k = 0; k < 5; ++k) {
      const json ev = js[i]->wait_event({{"type", "pubsub_message"}, {"self", false}}, from_seq, 20s);
      from_seq = ev.at("seq").get<std::int64_t>() + 1;
    }
  }

  // Exactly once: a fence message from each side travels the whole mesh after everything
  // above; once it arrived, nothing else is queued / recorded.
  ASSERT_TRUE(cpp[0]->publish("fence-cpp"));
  js[0]->call("pubsub_pub", {{"topic", kTopic}, {"data", "fence-js"}});
  author["fence-cpp"] = cpp[0]->node->peer_id_str();
  author["fence-js"] = js[0]->peer_id();
  for (std::size_t i = 0; i < cpp.size(); ++i) {
    auto got = cpp[i]->receive(2);
    ASSERT_EQ(got.size(), 2u) << "cpp" << i;
    std::set<std::string> fences{str_of(got[0].data), str_of(got[1].data)};
    EXPECT_EQ(fences, (std::set<std::string>{"fence-cpp", "fence-js"})) << "cpp" << i;
    EXPECT_TRUE(cpp[i]->drain_queued().empty()) << "cpp" << i;
    EXPECT_EQ(cpp[i]->invalid_signatures(), 0u) << "cpp" << i;
  }
  for (std::size_t i = 0; i < js.size(); ++i) {
    for (const char* f : {"fence-cpp", "fence-js"}) {
      if (i == 0 && std::string(f) == "fence-js") continue;  // its own (emitSelf, self=true)
      js[i]->wait_event({{"type", "pubsub_message"}, {"data", f}}, 0, 20s);
    }
    std::map<std::string, std::string> from;
    const auto count = js_received(*js[i], &from);
    for (const auto& [d, a] : author) {
      const bool own = a == js[i]->peer_id();
      EXPECT_EQ(count.count(d) ? count.at(d) : 0, own ? 0 : 1) << "js" << i << " " << d;
      if (!own && from.count(d)) {
        EXPECT_EQ(from[d], a) << "js" << i << " " << d;
      }
    }
    EXPECT_EQ(count.size(), author.size() - (i == 0 ? 2 : 1)) << "js" << i << " got unexpected messages";
  }
}

TEST_F(PubSubInterop, ForgedSignatureFromJsIsRejectedAndNotForwarded) {
  connect_all();
  if (HasFatalFailure()) return;
  const std::string target = cpp[0]->node->peer_id_str();

  // the raw path with an intact signature is accepted and forwarded
  js[0]->call("pubsub_pub_forged", {{"peerId", target}, {"topic", kTopic}, {"data", "raw-ok"}, {"tamper", "none"}});
  for (std::size_t i = 0; i < cpp.size(); ++i) {
    auto got = cpp[i]->receive(1);
    ASSERT_EQ(got.size(), 1u) << "cpp" << i;
    EXPECT_EQ(str_of(got[0].data), "raw-ok");
    EXPECT_EQ(got[0].from->to_string(), js[0]->peer_id());
  }
  js[1]->wait_event({{"type", "pubsub_message"}, {"data", "raw-ok"}}, 0, 20s);

  // data changed after signing ("xbad-data" -> "ybad-data"), then a flipped signature byte
  js[0]->call("pubsub_pub_forged", {{"peerId", target}, {"topic", kTopic}, {"data", "xbad-data"}, {"tamper", "data"}});
  ASSERT_TRUE(cpp[0]->wait_invalid_signatures(1));
  js[0]->call("pubsub_pub_forged",
              {{"peerId", target}, {"topic", kTopic}, {"data", "bad-signature"}, {"tamper", "signature"}});
  ASSERT_TRUE(cpp[0]->wait_invalid_signatures(2));
  EXPECT_EQ(cpp[0]->invalid_signatures(), 2u);

  // a legitimate message afterwards arrives first everywhere: nothing forged was delivered
  ASSERT_TRUE(cpp[0]->publish("after-forgery"));
  for (std::size_t i = 0; i < cpp.size(); ++i) {
    auto got = cpp[i]->receive(1);
    ASSERT_EQ(got.size(), 1u) << "cpp" << i;
    EXPECT_EQ(str_of(got[0].data), "after-forgery") << "cpp" << i;
    EXPECT_TRUE(cpp[i]->drain_queued().empty());
  }
  for (std::size_t i = 0; i < js.size(); ++i) {
    js[i]->wait_event({{"type", "pubsub_message"}, {"data", "after-forgery"}}, 0, 20s);
    const auto count = js_received(*js[i]);
    EXPECT_EQ(count.count("ybad-data"), 0u) << "js" << i << " received the forged message";
    EXPECT_EQ(count.count("bad-signature"), 0u) << "js" << i << " received the forged message";
  }
  // the other C++ nodes never saw the forged messages (not forwarded)
  EXPECT_EQ(cpp[1]->invalid_signatures(), 0u);
  EXPECT_EQ(cpp[2]->invalid_signatures(), 0u);
}

}  // namespace
}  // namespace lotus::interop
