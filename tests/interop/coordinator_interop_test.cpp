// Coordination-layer interop (issue #18): our coordinator::Coordinator + ResourceDirectory
// (with pubsub::PubSub and dht::Dht on /lotus/kad/1.0.0) against a js-libp2p node running the
// reference-style coordinator of js/lotus.mjs (peer.mjs --lotus --pubsub --dht), which is
// written from lotus-wire.md §2–§4 and shares no code with ours. Each test asserts on what the
// OTHER side observed:
//   * C++ sendTo -> js: the exact bytes js read from the stream are our serialisation, js's
//     validation / de-dup accepted it, its handler (by `protocol`) got it, with our peer id as
//     the connection's peer;
//   * js sendTo -> C++: the handler gets a message whose re-serialisation is byte-identical to
//     the text js wrote, with js's authenticated peer id; no `protocol` -> only the message event;
//   * broadcast both ways (direct streams, then self-delivery on the sender);
//   * a GossipSub topic publish both ways, the payload bare JSON (no envelope);
//   * abuse from js on /lotus/message/1.0.0 (malformed JSON, oversized, a replayed message,
//     a stale timestamp) refused by us with its reason, and the node still serves js after it;
//   * a resource C++ announced read by js from the DHT (resource:<type>:<id>, value byte for
//     byte), and one js announced read by C++ (get_resource local-only first, as the reference,
//     then discover_resource over the DHT, then get_resource from the cache).
#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "coordinator/coordinator.hpp"
#include "coordinator/resource_validator.hpp"
#include "coordinator/resources.hpp"
#include "coordinator/resources_directory.hpp"
#include "dht/dht.hpp"
#include "interop_fixture.hpp"
#include "pubsub/pubsub.hpp"

namespace lotus::interop {
namespace {

namespace co = lotus::coordinator;
constexpr const char* kLotusKad = "/lotus/kad/1.0.0";
constexpr std::uint64_t kCppSeed = 0xC00D1A7E;

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What the C++ side observed; written on the io thread, read by the test thread.
struct Observed {
  struct Handled {
    co::P2PMessage message;
    std::string from;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Handled> handled;              // the "musig2" handler
  std::vector<co::MessageEvent> messages;    // `message` events
  std::vector<co::MessageRefusedEvent> refused;
  std::vector<co::TopicMessage> topic;

  template <class F>
  void add(F f) {
    {
      std::lock_guard lock(mu);
      f();
    }
    cv.notify_all();
  }
  // Waits until pred() (under the lock) holds; false on timeout.
  bool wait(const std::function<bool()>& pred, Millis timeout = 20s) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, timeout, pred);
  }
};

struct Handler final : co::ProtocolHandler {
  explicit Handler(std::shared_ptr<Observed> o) : obs(std::move(o)) {}
  std::string protocol_name() const override { return "musig2"; }
  void handle_message(const co::P2PMessage& m, const co::PeerInfo& from) override {
    obs->add([&] { obs->handled.push_back({m, from.peer_id.to_string()}); });
  }
  std::shared_ptr<Observed> obs;
};

class CoordinatorInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    node = std::make_unique<CppNode>(CppNode::Options{.listen = "/ip4/127.0.0.1/tcp/0",
                                                      .agent_version = kCppAgent,
                                                      .serve_test_protocols = false,
                                                      .key_seed = kCppSeed});
    js = std::make_unique<JsPeer>(
        JsPeer::Options{{"--agent", kJsAgent, "--lotus", "--pubsub", "--dht", kLotusKad}, 20s, "js"});
    const bool ok = node->run([this]() -> asio::awaitable<bool> {
      DeterministicRng r(kCppSeed);
      auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519, r);
      if (!key || key->peer_id() != node->peer_id()) co_return false;
      ps = std::make_unique<pubsub::PubSub>(node->host(), std::move(*key), pubsub::reference_config());
      if (!ps->start()) co_return false;
      dht::Config dc;
      dc.protocol_id = kLotusKad;
      dc.mode = dht::Mode::server;
      dc.rpc_timeout = 5s;
      dc.query_timeout = 15s;
      kad = std::make_unique<dht::Dht>(node->host(), dc, nullptr, co::dht_validators());
      if (!kad->start()) co_return false;
      coord = std::make_unique<co::Coordinator>(node->host(), co::Config{}, ps.get(), kad.get());
      auto o = obs;
      coord->add_listener([o](const co::Event& e) {
        if (auto* m = std::get_if<co::MessageEvent>(&e)) o->add([&] { o->messages.push_back(*m); });
        if (auto* rf = std::get_if<co::MessageRefusedEvent>(&e)) o->add([&] { o->refused.push_back(*rf); });
      });
      if (!coord->start()) co_return false;
      if (!coord->register_protocol(std::make_shared<Handler>(obs))) co_return false;
      resources = std::make_unique<co::ResourceDirectory>(*kad);
      co_return resources->start().has_value();
    });
    ASSERT_TRUE(ok);
    js->call("lotus_register", {{"protocolName", "musig2"}});
    // Connected, identified, and in each other's routing table.
    const std::string addr = js->addr();
    auto st = node->run([this, addr]() { return coord->connect_to_peer(ma(addr)); });
    ASSERT_TRUE(st.has_value()) << st.error().message();
    const auto id = pid(js->peer_id());
    const bool in_table = node->run([this, id]() -> asio::awaitable<bool> {
      (void)co_await node->host().identify(id);
      co_return kad->routing_table().contains(id);
    });
    ASSERT_TRUE(in_table);
    js->call("dht_wait_peer", {{"peerId", node->peer_id_str()}});
  }

  void TearDown() override {
    if (HasFailure() && js) std::cerr << "---- js stderr ----\n" << js->stderr_text() << "\n";
    if (node) {
      node->run([this]() -> asio::awaitable<void> {
        if (resources) co_await resources->stop();
        if (coord) co_await coord->stop();
        if (kad) co_await kad->stop();
        if (ps) co_await ps->stop();
        resources.reset();
        coord.reset();
        kad.reset();
        ps.reset();
      }, 20s);
    }
    js.reset();
    node.reset();
  }

  co::P2PMessage make(std::string type, co::json::Value payload, std::optional<std::string> protocol,
                      std::optional<std::string> to = {}) {
    return node->run([this, type, payload, protocol, to]() -> asio::awaitable<co::P2PMessage> {
      co::MessageOptions o;
      o.protocol = protocol;
      o.to = to;
      co_return coord->create_message(type, payload, o);
    });
  }

  // The musig2-ish payload used both ways: strings that need escaping, non-ASCII, numbers.
  static co::json::Value payload() {
    co::json::Object p;
    p.set("sessionId", "8d231f3e153b0e26")
        .set("signerIndex", 1)
        .set("note", "caf\xc3\xa9 \"quoted\" \\ tab\t/ \xe2\x82\xac")
        .set("amount", 1234567890123.0)
        .set("ratio", 0.1);
    co::json::Array a;
    a.push_back(co::json::Value(true));
    a.push_back(co::json::Value(nullptr));
    a.push_back(co::json::Value(-0.5));
    p.set("flags", co::json::Value(std::move(a)));
    return co::json::Value(std::move(p));
  }

  std::unique_ptr<CppNode> node;
  std::unique_ptr<JsPeer> js;
  std::unique_ptr<pubsub::PubSub> ps;
  std::unique_ptr<dht::Dht> kad;
  std::unique_ptr<co::Coordinator> coord;
  std::unique_ptr<co::ResourceDirectory> resources;
  std::shared_ptr<Observed> obs = std::make_shared<Observed>();
};

TEST_F(CoordinatorInterop, CppSendToReachesJsByteExact) {
  const auto since = js->next_event_seq();
  const auto m = make("musig2:nonce-share", payload(), "musig2", js->peer_id());
  const std::string text = co::serialize(m);
  const auto to = pid(js->peer_id());
  auto st = node->run([this, to, m]() { return coord->send_to(to, m); });
  ASSERT_TRUE(st.has_value()) << st.error().message();
  // js read exactly our text (no prefix), accepted it, and saw our authenticated peer id.
  const json got = js->wait_event({{"type", "lotus_message"}}, since);
  EXPECT_EQ(got.at("raw").get<std::string>(), text);
  EXPECT_EQ(got.at("from").get<std::string>(), node->peer_id_str());
  EXPECT_EQ(got.at("protocol").get<std::string>(), "musig2");
  EXPECT_TRUE(got.at("handled").get<bool>());
  // JSON.stringify of what js parsed == our text: the envelope's member order and number/string
  // forms are the reference's.
  EXPECT_EQ(got.at("message").at("to").get<std::string>(), js->peer_id());
  const json h = js->wait_event({{"type", "lotus_handler"}}, since);
  EXPECT_EQ(h.at("message").at("messageId").get<std::string>(), m.message_id);
  EXPECT_EQ(h.at("from").get<std::string>(), node->peer_id_str());
  // Sending it again (same messageId): js's HMAC de-dup refuses it as a duplicate.
  auto st2 = node->run([this, to, m]() { return coord->send_to(to, m); });
  ASSERT_TRUE(st2.has_value());
  const json dup = js->wait_event({{"type", "lotus_refused"}, {"reason", "duplicate"}}, since);
  EXPECT_EQ(dup.at("from").get<std::string>(), node->peer_id_str());
}

TEST_F(CoordinatorInterop, JsSendToReachesCppHandlerWithAuthenticatedPeer) {
  const json sent = js->call("lotus_send", {{"peerId", node->peer_id_str()},
                                            {"type", "musig2:partial-sig-share"},
                                            {"payload", {{"sessionId", "8d231f3e153b0e26"}, {"signerIndex", 2},
                                                         {"note", "caf\u00e9 \"q\" \\ \t \u20ac"}, {"n", 1e21}}},
                                            {"protocol", "musig2"}});
  const std::string text = sent.at("text").get<std::string>();
  ASSERT_TRUE(obs->wait([this] { return !obs->handled.empty(); })) << text;
  std::lock_guard lock(obs->mu);
  const auto& h = obs->handled.at(0);
  EXPECT_EQ(h.from, js->peer_id());  // the connection's peer id
  EXPECT_EQ(h.message.from, js->peer_id());
  EXPECT_EQ(h.message.type, "musig2:partial-sig-share");
  EXPECT_EQ(h.message.protocol, std::optional<std::string>("musig2"));
  // Our re-serialisation is byte-identical to what js wrote (1e21, escapes, raw UTF-8).
  EXPECT_EQ(co::serialize(h.message), text);
  ASSERT_EQ(obs->messages.size(), 1u);
  EXPECT_EQ(obs->messages[0].from.peer_id.to_string(), js->peer_id());
  EXPECT_EQ(obs->messages[0].via, co::Via::direct);
}

TEST_F(CoordinatorInterop, JsMessageWithoutProtocolOnlyRaisesTheEvent) {
  const json sent = js->call("lotus_send", {{"peerId", node->peer_id_str()},
                                            {"type", "peer-heartbeat"},
                                            {"payload", {{"timestamp", 1}}}});
  ASSERT_TRUE(obs->wait([this] { return !obs->messages.empty(); }));
  std::lock_guard lock(obs->mu);
  EXPECT_EQ(co::serialize(obs->messages[0].message), sent.at("text").get<std::string>());
  EXPECT_FALSE(obs->messages[0].message.protocol.has_value());
  EXPECT_TRUE(obs->handled.empty());
}

TEST_F(CoordinatorInterop, BroadcastBothWays) {
  // C++ -> js: one direct stream, then self-delivery to our own handler.
  const auto since = js->next_event_seq();
  const auto m = make("swapsig:pool-announce", payload(), "musig2");
  auto r = node->run([this, m]() { return coord->broadcast(m); });
  EXPECT_EQ(r.targets, 1u);
  EXPECT_EQ(r.sent, 1u);
  EXPECT_EQ(r.failed, 0u);
  const json got = js->wait_event({{"type", "lotus_message"}}, since);
  EXPECT_EQ(got.at("raw").get<std::string>(), co::serialize(m));
  EXPECT_EQ(got.at("from").get<std::string>(), node->peer_id_str());
  ASSERT_TRUE(obs->wait([this] { return !obs->handled.empty(); }));
  {
    std::lock_guard lock(obs->mu);
    EXPECT_EQ(obs->handled[0].from, node->peer_id_str());  // self-delivery
    EXPECT_EQ(obs->handled[0].message, m);
    EXPECT_TRUE(obs->messages.empty());  // no `message` event for self-delivery
  }
  // js -> C++: js's broadcast targets us (our connection is direct) and self-delivers.
  const json b = js->call("lotus_broadcast", {{"type", "swapsig:pool-join"}, {"payload", {{"k", "v"}}}, {"protocol", "musig2"}});
  ASSERT_EQ(b.at("targets").size(), 1u) << b.dump();
  EXPECT_EQ(b.at("targets")[0].get<std::string>(), node->peer_id_str());
  EXPECT_EQ(b.at("failed").get<int>(), 0);
  ASSERT_TRUE(obs->wait([this] { return obs->handled.size() >= 2; }));
  {
    std::lock_guard lock(obs->mu);
    EXPECT_EQ(obs->handled[1].from, js->peer_id());
    EXPECT_EQ(co::serialize(obs->handled[1].message), b.at("text").get<std::string>());
  }
  js->wait_event({{"type", "lotus_self_delivery"}, {"protocol", "musig2"}}, since);
}

TEST_F(CoordinatorInterop, TopicPublishBothWaysBareJson) {
  const std::string topic = "musig2:signers:spend";
  js->call("lotus_subscribe", {{"topic", topic}});
  auto o = obs;
  auto sub = node->run([this, topic, o]() -> asio::awaitable<Result<std::uint64_t>> {
    co_return coord->subscribe_to_topic(topic, [o](const co::TopicMessage& m) { o->add([&] { o->topic.push_back(m); }); });
  });
  ASSERT_TRUE(sub.has_value());
  // Each side knows the other subscribes.
  js->call("pubsub_peers", {{"topic", topic}, {"minSubscribers", 1}}, 30s);
  const auto js_id = pid(js->peer_id());
  const bool known = node->run([this, topic, js_id]() {
    return ps->wait_until([this, topic, js_id] {
      auto peers = coord->topic_peers(topic);
      return peers && std::find(peers->begin(), peers->end(), js_id) != peers->end();
    }, Clock::now() + 30s);
  }, 35s);
  ASSERT_TRUE(known);

  // C++ -> js.
  const auto since = js->next_event_seq();
  co::json::Object adv;
  adv.set("peerId", node->peer_id_str()).set("publicKey", "02aa").set("timestamp", 1796600000000.0);
  const co::json::Value advv(std::move(adv));
  const auto pub = node->run([this, topic, advv]() -> asio::awaitable<Status> { co_return coord->publish_to_topic(topic, advv); });
  ASSERT_TRUE(pub.has_value()) << pub.error().message();
  const json got = js->wait_event({{"type", "lotus_topic"}, {"topic", topic}, {"from", node->peer_id_str()}}, since);
  EXPECT_EQ(got.at("data").get<std::string>(), co::json::stringify(advv));  // bare JSON, no envelope
  EXPECT_EQ(got.at("json").at("publicKey").get<std::string>(), "02aa");

  // js -> C++.
  const json p = js->call("lotus_publish", {{"topic", topic}, {"json", {{"peerId", js->peer_id()}, {"n", 7}, {"s", "\u00e9"}}}});
  const std::string text = p.at("text").get<std::string>();
  ASSERT_TRUE(obs->wait([this, text] {
    for (const auto& m : obs->topic)
      if (std::string(m.data.begin(), m.data.end()) == text) return true;
    return false;
  })) << text;
  std::lock_guard lock(obs->mu);
  for (const auto& m : obs->topic) {
    if (std::string(m.data.begin(), m.data.end()) != text) continue;
    EXPECT_EQ(m.topic, topic);
    ASSERT_TRUE(m.json.has_value());
    EXPECT_EQ(co::json::stringify(*m.json), text);
    ASSERT_TRUE(m.author.has_value());
    EXPECT_EQ(m.author->to_string(), js->peer_id());
  }
}

TEST_F(CoordinatorInterop, AbuseFromJsRefusedWithItsReason) {
  auto refused_count = [this](const std::string& reason) {
    std::size_t n = 0;
    for (const auto& r : obs->refused) n += r.reason == reason ? 1 : 0;
    return n;
  };
  auto wait_refused = [&](const std::string& reason) {
    return obs->wait([&] { return refused_count(reason) >= 1; });
  };
  // Malformed JSON.
  js->call("lotus_send_raw", {{"peerId", node->peer_id_str()}, {"text", "{\"type\":\"x\",\"from\":"}});
  EXPECT_TRUE(wait_refused("invalid_json"));
  // Above the 100 000-byte cap: we reset the stream once the cap is passed.
  js->call("lotus_send_raw", {{"peerId", node->peer_id_str()}, {"bytes", 100'001}});
  EXPECT_TRUE(wait_refused("oversized"));
  // A valid message, then the same text again (a replay with the same messageId).
  const json sent = js->call("lotus_send", {{"peerId", node->peer_id_str()}, {"type", "musig2:nonce-share"},
                                            {"payload", {{"i", 1}}}, {"protocol", "musig2"}});
  ASSERT_TRUE(obs->wait([this] { return obs->handled.size() == 1; }));
  js->call("lotus_send_raw", {{"peerId", node->peer_id_str()}, {"text", sent.at("text").get<std::string>()}});
  EXPECT_TRUE(wait_refused("duplicate"));
  // A message stamped 400 s ago (outside the ±300 s window).
  Rng& rng = SystemRng::instance();
  const auto stale = co::create_message("musig2:nonce-share", co::json::Value(1), js->peer_id(), wall_ms() - 400'000, rng);
  js->call("lotus_send_raw", {{"peerId", node->peer_id_str()}, {"text", co::serialize(stale)}});
  EXPECT_TRUE(wait_refused("clock_skew"));
  // Every refusal came from js's authenticated id, none reached the handler, and js (4 warnings,
  // below the 5 of a temporary ban) is still served.
  {
    std::lock_guard lock(obs->mu);
    for (const auto& r : obs->refused) EXPECT_EQ(r.peer.to_string(), js->peer_id()) << r.reason;
    EXPECT_EQ(obs->handled.size(), 1u);
  }
  js->call("lotus_send", {{"peerId", node->peer_id_str()}, {"type", "musig2:nonce-share"},
                          {"payload", {{"i", 2}}}, {"protocol", "musig2"}});
  EXPECT_TRUE(obs->wait([this] { return obs->handled.size() == 2; }));
}

TEST_F(CoordinatorInterop, ResourceAnnouncedByCppReadByJs) {
  const std::int64_t expires = wall_ms() + 3'600'000;
  co::AnnounceOptions opt;
  opt.expires_at = expires;
  auto r = node->run([this, opt]() {
    return resources->announce_resource("musig2-session", "8d231f3e153b0e26",
                                        std::string(R"({"signers":["02aa","03bb"],"m":"caf\u00e9","n":3})"), opt);
  }, 30s);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_TRUE(r->published);
  const std::string value = co::encode_announcement(r->announcement);
  // js's discoverResource: dht.get("resource:musig2-session:8d231f3e153b0e26"), first VALUE.
  const json got = js->call("lotus_discover", {{"resourceType", "musig2-session"}, {"resourceId", "8d231f3e153b0e26"}}, 20s);
  ASSERT_TRUE(got.at("found").get<bool>()) << got.dump();
  EXPECT_EQ(got.at("source").get<std::string>(), "dht");
  EXPECT_EQ(got.at("value").get<std::string>(), value);
  EXPECT_EQ(got.at("announcement").at("creatorPeerId").get<std::string>(), node->peer_id_str());
  EXPECT_EQ(got.at("announcement").at("expiresAt").get<std::int64_t>(), expires);
}

TEST_F(CoordinatorInterop, ResourceAnnouncedByJsReadByCpp) {
  const json a = js->call("lotus_announce", {{"resourceType", "swapsig-pool"},
                                             {"resourceId", "ab12cd34"},
                                             {"data", {{"denomination", 100000000}, {"note", "\u00e9\""}}}},
                          20s);
  EXPECT_GE(a.at("stored").get<int>(), 1) << a.dump();  // js PUT_VALUE reached us
  const std::string value = a.at("value").get<std::string>();
  // getResource is local-only (as the reference): not known before a discovery.
  const bool before = node->run([this]() -> asio::awaitable<bool> {
    co_return resources->get_resource("swapsig-pool", "ab12cd34").has_value();
  });
  EXPECT_FALSE(before);
  auto d = node->run([this]() { return resources->discover_resource("swapsig-pool", "ab12cd34"); }, 30s);
  ASSERT_TRUE(d.has_value()) << d.error().message();
  EXPECT_EQ(co::encode_announcement(*d), value);  // byte for byte
  EXPECT_EQ(d->creator_peer_id, js->peer_id());
  auto cached = node->run([this]() -> asio::awaitable<std::optional<co::ResourceAnnouncement>> {
    co_return resources->get_resource("swapsig-pool", "ab12cd34");
  });
  ASSERT_TRUE(cached.has_value());
  EXPECT_EQ(co::encode_announcement(*cached), value);
}

}  // namespace
}  // namespace lotus::interop
