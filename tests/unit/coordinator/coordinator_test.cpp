// coordinator::Coordinator over real hosts on 127.0.0.1 in one process: what the other side
// receives on /lotus/message/1.0.0 (bytes, no framing, half-close), the authenticated sender
// handed to handlers, routing by `protocol`, broadcast (exclude / included_only / self-delivery),
// our network-wide broadcast over GossipSub de-duplicated with the direct path, topic helpers,
// run-time protocol registration, peer events; and the abuse cases — oversized, malformed JSON,
// replayed message id, a flood above the rate limit, a banned peer reconnecting — each refused
// with its reason. Waits are on events with deadlines, never sleeps.
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/secure.hpp"
#include "coordinator/coordinator.hpp"
#include "pubsub/pubsub.hpp"
#include "runtime/signal.hpp"
#include "unit/host/test_util.hpp"

namespace lotus::coordinator {
namespace {

using namespace lotus::host::testing;
using namespace std::chrono_literals;

crypto::PrivateKey clone(const crypto::PrivateKey& k) {
  Bytes pb = k.to_protobuf();
  auto r = crypto::PrivateKey::from_protobuf(pb);
  secure_wipe(pb);
  return std::move(*r);
}

TimePoint in(Duration d) { return Clock::now() + d; }

// Records what a handler got.
struct Recorder final : ProtocolHandler {
  explicit Recorder(std::string n, std::string p = {}) : name(std::move(n)), pid(std::move(p)) {}
  std::string protocol_name() const override { return name; }
  std::string protocol_id() const override { return pid; }
  void handle_message(const P2PMessage& m, const PeerInfo& from) override {
    got.push_back({m, from.peer_id.to_base58()});
    if (sig) sig->notify();
  }
  asio::awaitable<void> handle_stream(host::Stream& s) override {
    auto data = co_await s.read_to_end(1000);
    if (data) stream_data.push_back(std::string(data->begin(), data->end()));
    if (sig) sig->notify();
  }
  void on_peer_connected(const mf::PeerId& p) override { connected.push_back(p.to_base58()); }
  void on_peer_disconnected(const mf::PeerId& p) override { disconnected.push_back(p.to_base58()); }
  std::string name, pid;
  std::vector<std::pair<P2PMessage, std::string>> got;
  std::vector<std::string> stream_data, connected, disconnected;
  std::shared_ptr<runtime::Signal> sig;
};

struct Node {
  std::unique_ptr<host::Host> host;
  std::unique_ptr<pubsub::PubSub> ps;
  std::unique_ptr<Coordinator> co;
  mf::Multiaddr addr;  // with /p2p/
  std::deque<Event> events;
  std::shared_ptr<runtime::Signal> sig;
  // Raw-host mode: bytes received on /lotus/message/1.0.0.
  std::vector<std::string> raw_received;

  std::string id() const { return host->peer_id().to_base58(); }

  template <class E>
  std::size_t count() const {
    std::size_t n = 0;
    for (const auto& e : events) n += std::holds_alternative<E>(e) ? 1 : 0;
    return n;
  }
  std::size_t refused(const std::string& reason) const {
    std::size_t n = 0;
    for (const auto& e : events)
      if (auto* r = std::get_if<MessageRefusedEvent>(&e); r && r->reason == reason) ++n;
    return n;
  }
  // Waits until pred() holds or the deadline passes.
  asio::awaitable<bool> until(std::function<bool()> pred, Duration timeout = 20s) {
    const auto deadline = in(timeout);
    auto s = sig;
    while (!pred()) {
      if (!co_await s->wait_until(deadline)) co_return pred();
    }
    co_return true;
  }
};

asio::awaitable<void> raw_reader(Node* n, host::Stream s) {
  auto data = co_await s.read_to_end(1'000'000);
  if (data) n->raw_received.push_back(std::string(data->begin(), data->end()));
  n->sig->notify();
}

class CoordinatorTest : public ::testing::Test {
 public:
  Node& make_node(Config cfg = {}, bool with_pubsub = false, bool raw = false) {
    auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
    EXPECT_TRUE(key.has_value());
    auto n = std::make_unique<Node>();
    n->sig = std::make_shared<runtime::Signal>(io.get_executor());
    n->host = std::make_unique<host::Host>(io, clone(*key));
    auto bound = n->host->listen(*mf::Multiaddr::parse("/ip4/127.0.0.1/tcp/0"));
    EXPECT_TRUE(bound.has_value());
    n->addr = bound->with_peer_id(n->host->peer_id());
    Node* self = n.get();
    n->host->add_event_listener([self](const host::Event&) { self->sig->notify(); });
    if (raw) {
      n->host->set_stream_handler(std::string(kMessageProtocolId),
                                  [self](host::Stream s) { return raw_reader(self, std::move(s)); });
    } else {
      if (with_pubsub) {
        auto pc = pubsub::reference_config();
        pc.router.heartbeat_interval = 100ms;
        n->ps = std::make_unique<pubsub::PubSub>(*n->host, clone(*key), pc, rng);
        EXPECT_TRUE(n->ps->start().has_value());
      }
      if (!cfg.wall_clock_ms) cfg.wall_clock_ms = [this] { return wall_ms; };
      n->co = std::make_unique<Coordinator>(*n->host, std::move(cfg), n->ps.get(), nullptr, rng);
      n->co->add_listener([self](const Event& e) {
        self->events.push_back(e);
        self->sig->notify();
      });
      EXPECT_TRUE(n->co->start().has_value());
    }
    nodes.push_back(std::move(n));
    return *nodes.back();
  }

  std::shared_ptr<Recorder> recorder(Node& n, std::string name, std::string pid = {}) {
    auto r = std::make_shared<Recorder>(std::move(name), std::move(pid));
    r->sig = n.sig;
    EXPECT_TRUE(n.co->register_protocol(r).has_value());
    return r;
  }

  void TearDown() override {
    run(io, stop_all());
    nodes.clear();
    io.restart();
    io.poll();
  }
  asio::awaitable<void> stop_all() {
    for (auto& n : nodes)
      if (n->co) co_await n->co->stop();
    for (auto& n : nodes)
      if (n->ps) co_await n->ps->stop();
    for (auto& n : nodes) co_await n->host->stop();
  }

  asio::io_context io;
  DeterministicRng rng{11};
  std::int64_t wall_ms = 1767225600000;
  std::vector<std::unique_ptr<Node>> nodes;
};

// Writes `text` on a fresh /lotus/message/1.0.0 stream from `from` to `to`, as a reference node
// does (whole text, half-close). Returns once written.
asio::awaitable<Status> raw_send_impl(Node* from, Node* to, std::shared_ptr<const std::string> text) {
  auto s = co_await from->host->new_stream(to->addr, host::make_protocols(kMessageProtocolId));
  if (!s) co_return s.error();
  if (auto w = co_await s->write(as_bytes(*text)); !w) co_return w.error();
  co_return s->close_write();
}
// Not a coroutine: the text is moved into a shared_ptr here (g++ 12 double-destroys by-value
// coroutine parameters built from temporaries).
asio::awaitable<Status> raw_send(Node* from, Node* to, std::string text) {
  auto p = std::make_shared<const std::string>(std::move(text));
  return raw_send_impl(from, to, p);
}

// ------------------------------------------------------------------ sendTo

asio::awaitable<void> send_to_raw(CoordinatorTest* t, Node* a, Node* raw) {
  (void)t;
  CO_ASSERT_OK(co_await a->co->connect_to_peer(raw->addr));
  json::Object payload;
  payload.set("hello", "world").set("n", 42);
  MessageOptions o;
  o.to = raw->id();
  auto m = a->co->create_message("data-message", json::Value(payload), o);
  CO_ASSERT_OK(co_await a->co->send_to(raw->host->peer_id(), m));
  CO_ASSERT_TRUE(co_await raw->until([raw] { return !raw->raw_received.empty(); }));
  // Exactly the serialised message: no length prefix, no framing, EOF after it.
  EXPECT_EQ(raw->raw_received.at(0), serialize(m));
  EXPECT_EQ(raw->raw_received.at(0).front(), '{');
  EXPECT_EQ(a->co->stats().messages_out, 1u);
}

TEST_F(CoordinatorTest, SendToWritesTheBareJsonDocument) {
  auto& a = make_node();
  auto& raw = make_node({}, false, true);
  run(io, send_to_raw(this, &a, &raw));
}

asio::awaitable<void> receive_from_reference_node(Node* raw, Node* b, std::shared_ptr<Recorder> rec, std::int64_t now) {
  // A reference-style node: `from` claims someone else; the handler must get the connection's peer.
  const std::string text = std::string(R"({"type":"data-message","from":"12D3KooWKZA1ExqyjaZmFNQqXN8nfq9zdTUQKEh8wZzeFPCc1JtA","payload":{"x":1},"timestamp":)") +
                           std::to_string(now) + R"(,"messageId":"mjuohs00-0011223344556677","protocol":"test"})";
  CO_ASSERT_OK(co_await raw_send(raw, b, text));
  CO_ASSERT_TRUE(co_await b->until([&] { return !rec->got.empty(); }));
  EXPECT_EQ(rec->got[0].second, raw->id());  // authenticated peer, not message.from
  EXPECT_EQ(rec->got[0].first.from, "12D3KooWKZA1ExqyjaZmFNQqXN8nfq9zdTUQKEh8wZzeFPCc1JtA");
  EXPECT_EQ(serialize(rec->got[0].first), text);
  EXPECT_EQ(b->count<MessageEvent>(), 1u);
  // Unknown protocol: only the message event.
  const std::string other = std::string(R"({"type":"t","from":"x","timestamp":)") + std::to_string(now) +
                            R"(,"messageId":"m2","protocol":"nobody"})";
  CO_ASSERT_OK(co_await raw_send(raw, b, other));
  CO_ASSERT_TRUE(co_await b->until([&] { return b->count<MessageEvent>() == 2; }));
  EXPECT_EQ(rec->got.size(), 1u);
  EXPECT_EQ(b->co->stats().messages_in, 2u);
}

TEST_F(CoordinatorTest, InboundRoutedByProtocolWithTheAuthenticatedSender) {
  auto& raw = make_node({}, false, true);
  auto& b = make_node();
  auto rec = recorder(b, "test");
  run(io, receive_from_reference_node(&raw, &b, rec, wall_ms));
}

asio::awaitable<void> send_between_coordinators(Node* a, Node* b, std::shared_ptr<Recorder> rec) {
  CO_ASSERT_OK(co_await a->co->connect_to_peer(b->addr));
  MessageOptions o;
  o.protocol = "test";
  auto m = a->co->create_message("data-message", json::Value("hi"), o);
  CO_ASSERT_OK(co_await a->co->send_to(b->host->peer_id(), m));
  CO_ASSERT_TRUE(co_await b->until([&] { return !rec->got.empty(); }));
  EXPECT_EQ(rec->got[0].first, m);
  EXPECT_EQ(rec->got[0].second, a->id());
  auto status = co_await a->co->send_to(a->host->peer_id(), m);
  EXPECT_EQ(status.error(), coordinator_errc::self);
  // Too large for the receivers' cap: refused before sending.
  auto big = a->co->create_message("data-message", json::Value(std::string(100'000, 'x')), o);
  EXPECT_EQ((co_await a->co->send_to(b->host->peer_id(), big)).error(), coordinator_errc::message_too_large);
}

TEST_F(CoordinatorTest, SendToBetweenCoordinators) {
  auto& a = make_node();
  auto& b = make_node();
  auto rec = recorder(b, "test");
  EXPECT_EQ(b.co->register_protocol(std::make_shared<Recorder>("test")).error(), coordinator_errc::protocol_registered);
  run(io, send_between_coordinators(&a, &b, rec));
}

// ------------------------------------------------------------------ broadcast

asio::awaitable<void> broadcast_three(Node* a, Node* b, Node* c, Node* raw, std::shared_ptr<Recorder> ra,
                                      std::shared_ptr<Recorder> rb, std::shared_ptr<Recorder> rc) {
  CO_ASSERT_OK(co_await a->co->connect_to_peer(b->addr));
  CO_ASSERT_OK(co_await a->co->connect_to_peer(c->addr));
  CO_ASSERT_OK(co_await a->co->connect_to_peer(raw->addr));
  MessageOptions o;
  o.protocol = "test";
  auto m = a->co->create_message("data-broadcast", json::Value(1), o);
  auto r = co_await a->co->broadcast(m);
  EXPECT_EQ(r.targets, 3u);
  EXPECT_EQ(r.sent, 3u);
  CO_ASSERT_TRUE(co_await b->until([&] { return !rb->got.empty(); }));
  CO_ASSERT_TRUE(co_await c->until([&] { return !rc->got.empty(); }));
  CO_ASSERT_TRUE(co_await raw->until([&] { return !raw->raw_received.empty(); }));
  EXPECT_EQ(raw->raw_received[0], serialize(m));
  // Self-delivery to our own handler, from = self, and no message event for it.
  CO_ASSERT_TRUE(ra->got.size() == 1);
  EXPECT_EQ(ra->got[0].second, a->id());
  EXPECT_EQ(a->count<MessageEvent>(), 0u);

  // exclude / included_only.
  auto m2 = a->co->create_message("data-broadcast", json::Value(2), o);
  BroadcastOptions bo;
  bo.exclude.push_back(b->host->peer_id());
  bo.included_only = std::vector<mf::PeerId>{b->host->peer_id(), c->host->peer_id()};
  r = co_await a->co->broadcast(m2, bo);
  EXPECT_EQ(r.targets, 1u);  // only c
  CO_ASSERT_TRUE(co_await c->until([&] { return rc->got.size() == 2; }));
  EXPECT_EQ(rb->got.size(), 1u);
  EXPECT_EQ(raw->raw_received.size(), 1u);
}

TEST_F(CoordinatorTest, BroadcastReachesDirectPeersThenSelf) {
  auto& a = make_node();
  auto& b = make_node();
  auto& c = make_node();
  auto& raw = make_node({}, false, true);
  auto ra = recorder(a, "test"), rb = recorder(b, "test"), rc = recorder(c, "test");
  run(io, broadcast_three(&a, &b, &c, &raw, ra, rb, rc));
}

// A — B — C (A and C not connected): network-wide reaches C through GossipSub; B gets it both
// ways and handles it once.
asio::awaitable<void> network_wide(Node* a, Node* b, Node* c, std::shared_ptr<Recorder> rb, std::shared_ptr<Recorder> rc,
                                   const std::string* topic) {
  CO_ASSERT_OK(co_await b->co->connect_to_peer(a->addr));
  CO_ASSERT_OK(co_await b->co->connect_to_peer(c->addr));
  auto has = [](const std::vector<mf::PeerId>& v, const mf::PeerId& p) {
    return std::find(v.begin(), v.end(), p) != v.end();
  };
  CO_ASSERT_TRUE(co_await a->ps->wait_until([&] { return has(a->ps->mesh_peers(*topic), b->host->peer_id()); }, in(20s)));
  CO_ASSERT_TRUE(co_await c->ps->wait_until([&] { return has(c->ps->mesh_peers(*topic), b->host->peer_id()); }, in(20s)));
  CO_ASSERT_TRUE(co_await b->ps->wait_until([&] { return b->ps->mesh_peers(*topic).size() == 2; }, in(20s)));
  MessageOptions o;
  o.protocol = "test";
  auto m = a->co->create_message("data-broadcast", json::Value("far"), o);
  BroadcastOptions bo;
  bo.network_wide = true;
  auto r = co_await a->co->broadcast(m, bo);
  EXPECT_EQ(r.sent, 1u);  // direct: B only
  EXPECT_TRUE(r.published);
  CO_ASSERT_TRUE(co_await c->until([&] { return !rc->got.empty(); }));
  EXPECT_EQ(rc->got[0].first, m);
  CO_ASSERT_TRUE(co_await b->until([&] { return !rb->got.empty(); }));
  // B received it directly and over gossip: handled once, the second copy counted.
  CO_ASSERT_TRUE(co_await b->until([&] { return b->co->stats().duplicates >= 1; }));
  EXPECT_EQ(rb->got.size(), 1u);
  EXPECT_EQ(rc->got.size(), 1u);
  EXPECT_EQ(c->co->stats().messages_in_gossip, 1u);
}

TEST_F(CoordinatorTest, NetworkWideBroadcastOverGossipSubDeduplicated) {
  Config cfg;
  cfg.enable_network_broadcast = true;
  auto& a = make_node(cfg, true);
  auto& b = make_node(cfg, true);
  auto& c = make_node(cfg, true);
  auto rb = recorder(b, "test"), rc = recorder(c, "test");
  const std::string topic = cfg.broadcast_topic;
  run(io, network_wide(&a, &b, &c, rb, rc, &topic));
}

// ------------------------------------------------------------------ topics

asio::awaitable<void> topics(Node* a, Node* b, std::vector<TopicMessage>* got, std::uint64_t sub) {
  CO_ASSERT_OK(co_await a->co->connect_to_peer(b->addr));
  CO_ASSERT_TRUE(co_await a->ps->wait_until(
      [&] {
        auto p = a->ps->topic_peers("musig2:signing-request");
        return !p.empty();
      },
      in(20s)));
  json::Object payload;
  payload.set("sessionId", "837c9fb78c58315d").set("n", 3);
  CO_ASSERT_OK(a->co->publish_to_topic("musig2:signing-request", json::Value(payload)));
  CO_ASSERT_TRUE(co_await b->until([&] { return !got->empty(); }));
  EXPECT_EQ(as_string_view(got->at(0).data), R"({"sessionId":"837c9fb78c58315d","n":3})");  // bare JSON, no envelope
  CO_ASSERT_TRUE(got->at(0).json.has_value());
  EXPECT_EQ(got->at(0).author, a->host->peer_id());
  auto peers = a->co->topic_peers("musig2:signing-request");  // a sees b subscribed
  CO_ASSERT_OK(peers);
  CO_ASSERT_TRUE(peers->size() == 1);
  EXPECT_EQ(peers->at(0), b->host->peer_id());
  EXPECT_TRUE(b->co->unsubscribe(sub));
  EXPECT_EQ(got->size(), 1u);  // exactly one handler call for one message
}

TEST_F(CoordinatorTest, TopicHelpersPublishBareJsonOneHandlerPerSubscription) {
  auto& a = make_node({}, true);
  auto& b = make_node({}, true);
  std::vector<TopicMessage> got;
  Node* bp = &b;
  auto sub = b.co->subscribe_to_topic("musig2:signing-request", [&got, bp](const TopicMessage& m) {
    got.push_back(m);
    bp->sig->notify();
  });
  ASSERT_TRUE(sub);
  auto& plain = make_node();
  EXPECT_EQ(plain.co->subscribe_to_topic("x", [](const TopicMessage&) {}).error(), coordinator_errc::gossipsub_disabled);
  EXPECT_EQ(plain.co->publish_to_topic("x", json::Value(1)).error(), coordinator_errc::gossipsub_disabled);
  run(io, topics(&a, &b, &got, *sub));
}

// ------------------------------------------------------------------ protocols and events

asio::awaitable<void> own_protocol(Node* a, Node* b, std::shared_ptr<Recorder> rec) {
  CO_ASSERT_OK(co_await a->co->connect_to_peer(b->addr));
  CO_ASSERT_TRUE(co_await b->until([&] { return b->count<PeerConnectEvent>() == 1; }));
  EXPECT_EQ(rec->connected.size(), 1u);
  {
    auto s = co_await a->host->new_stream(b->addr, host::make_protocols("/lotus/test/1.0.0"));
    CO_ASSERT_OK(s);
    CO_ASSERT_OK(co_await s->write(as_bytes("stream bytes")));
    CO_ASSERT_OK(s->close_write());
    CO_ASSERT_TRUE(co_await b->until([&] { return !rec->stream_data.empty(); }));
    EXPECT_EQ(rec->stream_data[0], "stream bytes");
  }
  CO_ASSERT_OK(b->co->unregister_protocol("test"));
  {
    auto s = co_await a->host->new_stream(b->addr, host::make_protocols("/lotus/test/1.0.0"));
    CO_ASSERT_OK(s);
    Bytes buf(1);
    auto r = co_await s->read_some(buf);
    EXPECT_FALSE(r.has_value());  // no longer served
  }
  a->co->disconnect_from_peer(b->host->peer_id());
  CO_ASSERT_TRUE(co_await b->until([&] { return b->count<PeerDisconnectEvent>() == 1; }));
  EXPECT_FALSE(b->co->is_connected(a->host->peer_id()));
}

TEST_F(CoordinatorTest, HandlersRegisteredAtRunTimeServeTheirStreamProtocol) {
  auto& a = make_node();
  auto& b = make_node();
  auto rec = recorder(b, "test", "/lotus/test/1.0.0");  // after start()
  run(io, own_protocol(&a, &b, rec));
}

// ------------------------------------------------------------------ abuse

std::string valid_text(std::int64_t now, const std::string& id) {
  return std::string(R"({"type":"t","from":"x","payload":{},"timestamp":)") + std::to_string(now) +
         R"(,"messageId":")" + id + R"(","protocol":"test"})";
}

asio::awaitable<void> abuse(Node* raw, Node* b, std::shared_ptr<Recorder> rec, std::int64_t now) {
  const mf::PeerId rid = raw->host->peer_id();
  // Oversized: one byte above the cap → stream reset, "oversized".
  CO_ASSERT_OK(co_await raw_send(raw, b, std::string(100'001, ' ')));
  CO_ASSERT_TRUE(co_await b->until([&] { return b->refused("oversized") == 1; }));
  // Malformed JSON → "invalid_json" and a warning (the reference only logs it).
  CO_ASSERT_OK(co_await raw_send(raw, b, "{\"type\":"));
  CO_ASSERT_TRUE(co_await b->until([&] { return b->refused("invalid_json") == 1; }));
  // Stale timestamp → "clock_skew".
  CO_ASSERT_OK(co_await raw_send(raw, b, valid_text(now - 300'001, "old")));
  CO_ASSERT_TRUE(co_await b->until([&] { return b->refused("clock_skew") == 1; }));
  EXPECT_NEAR(b->co->security().warnings(rid, Clock::now()), 3.0, 0.01);
  // Replayed message id: handled once.
  CO_ASSERT_OK(co_await raw_send(raw, b, valid_text(now, "same")));
  CO_ASSERT_TRUE(co_await b->until([&] { return rec->got.size() == 1; }));
  CO_ASSERT_OK(co_await raw_send(raw, b, valid_text(now, "same")));
  CO_ASSERT_TRUE(co_await b->until([&] { return b->refused("duplicate") == 1; }));
  EXPECT_EQ(b->co->stats().duplicates, 1u);
  EXPECT_EQ(rec->got.size(), 1u);
  // Two more invalid messages: the fifth warning bans (temporarily) and disconnects.
  CO_ASSERT_OK(co_await raw_send(raw, b, "[]"));
  CO_ASSERT_TRUE(co_await b->until([&] { return b->refused("invalid_message") == 1; }));
  CO_ASSERT_OK(co_await raw_send(raw, b, "nope"));
  CO_ASSERT_TRUE(co_await b->until([&] { return b->refused("invalid_json") == 2; }));
  EXPECT_FALSE(b->co->security().is_allowed(rid, Clock::now()));
  CO_ASSERT_TRUE(co_await b->until([&] { return !b->host->is_connected(rid); }));
  // The banned peer reconnecting is refused by the gate (connection closed at the handshake).
  const mf::PeerId bid = b->host->peer_id();
  CO_ASSERT_TRUE(co_await raw->until([&] { return !raw->host->is_connected(bid); }));
  auto again = co_await raw->host->dial(b->addr);
  // Our side of the handshake may finish first; b's gate then closes the connection at once.
  CO_ASSERT_TRUE(co_await raw->until([&] { return !raw->host->is_connected(bid); }));
  EXPECT_EQ(b->host->metrics().gate_refusals.count({"connection_peer", "banned"}), 1u);
  EXPECT_FALSE(b->host->is_connected(rid));
  (void)again;
  EXPECT_EQ(rec->got.size(), 1u);
  // Unban: the peer is welcome again.
  EXPECT_TRUE(b->co->security().unban_peer(rid));
  CO_ASSERT_OK(co_await raw_send(raw, b, valid_text(now, "after-unban")));
  CO_ASSERT_TRUE(co_await b->until([&] { return rec->got.size() == 2; }));
}

TEST_F(CoordinatorTest, AbuseIsRefusedWithItsReason) {
  auto& raw = make_node({}, false, true);
  auto& b = make_node();
  auto rec = recorder(b, "test");
  run(io, abuse(&raw, &b, rec, wall_ms));
}

asio::awaitable<void> flood(Node* raw, Node* b, std::shared_ptr<Recorder> rec, std::int64_t now) {
  for (int i = 0; i < 30; ++i) CO_ASSERT_OK(co_await raw_send(raw, b, valid_text(now, "f" + std::to_string(i))));
  CO_ASSERT_TRUE(co_await b->until([&] { return rec->got.size() + b->refused("rate_limited") == 30; }));
  EXPECT_EQ(b->refused("rate_limited"), 25u);  // burst 5, then (almost) no refill: the rest is refused
  EXPECT_EQ(rec->got.size(), 5u);
  EXPECT_EQ(b->co->security().metrics().messages_rate_limited, 25u);
  EXPECT_TRUE(b->co->security().is_allowed(raw->host->peer_id(), Clock::now()));  // refused, not banned
}

TEST_F(CoordinatorTest, FloodAboveTheRateLimitIsRefused) {
  auto& raw = make_node({}, false, true);
  Config cfg;
  cfg.security.limits.max_messages_per_second = 0.0001;  // one token per ~3 hours
  cfg.security.limits.message_burst = 5;
  cfg.security.temp_ban_warnings = 1000;  // measure the rate limit alone
  cfg.security.ban_warnings = 1000;
  auto& b = make_node(cfg);
  auto rec = recorder(b, "test");
  run(io, flood(&raw, &b, rec, wall_ms));
}

}  // namespace
}  // namespace lotus::coordinator
