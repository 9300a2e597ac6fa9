// Control API methods of pubsub (node/control_pubsub): called through the ControlRouter directly,
// on two real hosts on 127.0.0.1. Exact replies, error codes for malformed requests, and the
// streaming pubsub.sub (one item per message; ends when emit fails).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "base/hex.hpp"
#include "node/control_pubsub.hpp"
#include "pubsub/pubsub.hpp"
#include "unit/host/test_util.hpp"

namespace lotus::node {
namespace {

using namespace lotus::host::testing;
using namespace std::chrono_literals;

struct Side {
  std::unique_ptr<host::Host> host;
  std::unique_ptr<pubsub::PubSub> ps;
  mf::Multiaddr addr;
  ControlRouter router;
};

class ControlPubSubTest : public ::testing::Test {
 public:
  void SetUp() override {
    for (auto* s : {&a, &b}) {
      auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
      ASSERT_TRUE(key.has_value());
      auto key2 = crypto::PrivateKey::from_protobuf(key->to_protobuf());
      ASSERT_TRUE(key2.has_value());
      s->host = std::make_unique<host::Host>(io, std::move(*key));
      auto bound = s->host->listen(*mf::Multiaddr::parse("/ip4/127.0.0.1/tcp/0"));
      ASSERT_TRUE(bound.has_value());
      s->addr = bound->with_peer_id(s->host->peer_id());
      s->ps = std::make_unique<pubsub::PubSub>(*s->host, std::move(*key2), pubsub::Config{}, rng);
      ASSERT_TRUE(s->ps->start().has_value());
      register_pubsub_methods(s->router, *s->ps);
    }
  }
  void TearDown() override {
    run(io, stop_all());
    io.restart();
    io.poll();
  }
  asio::awaitable<void> stop_all() {
    for (auto* s : {&a, &b})
      if (s->ps) co_await s->ps->stop();
    for (auto* s : {&a, &b})
      if (s->host) co_await s->host->stop();
  }

  asio::io_context io;
  DeterministicRng rng{11};
  Side a, b;
};

// Requests are parsed from text: g++ 12 miscompiles braced initializer lists inside coroutines.
Json J(const std::string& text) { return Json::parse(text); }

std::vector<std::pair<std::string, Json>> malformed_cases() {
  return {
      {"pubsub.pub", Json::object()},
      {"pubsub.pub", Json{{"topic", "t"}}},
      {"pubsub.pub", Json{{"topic", 5}, {"data", "x"}}},
      {"pubsub.pub", Json{{"topic", ""}, {"data", "x"}}},
      {"pubsub.pub", Json{{"topic", "t"}, {"data", 1}}},
      {"pubsub.pub", Json{{"topic", "t"}, {"data_hex", "zz"}}},
      {"pubsub.peers", Json{{"topic", true}}},
      {"pubsub.pub", Json::array()},
  };
}

// Not a coroutine (g++ 12 double-destroys by-value coroutine parameters built from temporaries).
asio::awaitable<Result<Json>> call(Side& s, const std::string& method, const Json& req) {
  const ControlMethod* m = s.router.find(method);
  if (!m || !m->unary) throw std::runtime_error("no unary method " + method);
  return m->unary(req);
}

TEST_F(ControlPubSubTest, RegistersTheFourMethods) {
  const std::vector<std::string> want{"pubsub.peers", "pubsub.pub", "pubsub.sub", "pubsub.topics"};
  EXPECT_EQ(a.router.names(), want);
  EXPECT_TRUE(a.router.find("pubsub.sub")->streaming);
  EXPECT_FALSE(a.router.find("pubsub.sub")->unary);
  EXPECT_TRUE(a.router.find("pubsub.pub")->unary);
}

asio::awaitable<void> flow(Side* a, Side* b) {
  // b subscribes through pubsub.sub (streaming); the emit collects items and ends the stream
  // after the second one by failing (as a disconnected client would).
  std::vector<Json> items;
  auto sig = std::make_shared<runtime::Signal>(a->host->io_context().get_executor());
  bool sub_done = false;
  Status sub_status;
  Emit emit = [&items, sig](Json item) -> asio::awaitable<Status> {
    items.push_back(std::move(item));
    sig->notify();
    if (items.size() >= 2) co_return std::make_error_code(std::errc::broken_pipe);
    co_return Status{};
  };
  const ControlMethod* sub = b->router.find("pubsub.sub");
  const Json sub_req = J(R"({"topic":"chat"})");
  asio::co_spawn(b->host->io_context(), sub->streaming(sub_req, emit),
                 [&sub_done, &sub_status, sig](std::exception_ptr, Status st) {
                   sub_done = true;
                   sub_status = st;
                   sig->notify();
                 });

  // co_spawn runs the handler later: wait until it subscribed
  CO_ASSERT_TRUE(co_await b->ps->wait_until([b] { return !b->ps->topics().empty(); }, Clock::now() + 20s));
  auto t = co_await call(*b, "pubsub.topics", J("{}"));
  CO_ASSERT_OK(t);
  EXPECT_EQ(*t, J(R"({"topics":["chat"]})"));

  CO_ASSERT_OK(co_await a->host->dial(b->addr));
  // a subscribes too (directly) so that both ends have a mesh
  auto sa = a->ps->subscribe("chat");
  CO_ASSERT_OK(sa);
  CO_ASSERT_TRUE(co_await a->ps->wait_until([a] { return a->ps->mesh_peers("chat").size() == 1; }, Clock::now() + 20s));

  auto peers = co_await call(*a, "pubsub.peers", J(R"({"topic":"chat"})"));
  CO_ASSERT_OK(peers);
  const std::string bid = b->host->peer_id().to_string();
  EXPECT_EQ(*peers, J(R"({"peers":[")" + bid + R"("],"mesh":[")" + bid + R"("]})"));
  auto all = co_await call(*a, "pubsub.peers", Json::object());
  CO_ASSERT_OK(all);
  EXPECT_EQ(*all, J(R"({"peers":[")" + bid + R"("]})"));

  auto id1 = co_await call(*a, "pubsub.pub", J(R"({"topic":"chat","data":"hello"})"));
  CO_ASSERT_OK(id1);
  auto id2 = co_await call(*a, "pubsub.pub", J(R"({"topic":"chat","data_hex":"ff00"})"));
  CO_ASSERT_OK(id2);
  CO_ASSERT_TRUE(id1->at("id").is_string() && id1->at("id") != id2->at("id"));

  const auto deadline = Clock::now() + 20s;
  while (!sub_done && Clock::now() < deadline) (void)co_await sig->wait_until(deadline);
  CO_ASSERT_TRUE(sub_done);
  EXPECT_TRUE(sub_status.has_value());  // a client that went away ends the stream cleanly
  CO_ASSERT_TRUE(items.size() == 2);
  const std::string from = a->host->peer_id().to_string();
  EXPECT_EQ(items[0].at("topic"), "chat");
  EXPECT_EQ(items[0].at("data"), "hello");
  EXPECT_EQ(items[0].at("data_hex"), "68656c6c6f");
  EXPECT_EQ(items[0].at("from"), from);
  EXPECT_EQ(items[0].at("received_from"), from);
  EXPECT_EQ(items[0].at("id"), id1->at("id"));
  EXPECT_TRUE(items[0].at("seqno").is_number_unsigned());
  EXPECT_FALSE(items[1].contains("data"));  // 0xff is not UTF-8: hex only
  EXPECT_EQ(items[1].at("data_hex"), "ff00");
  EXPECT_EQ(items[1].at("id"), id2->at("id"));
  // the stream's subscription is gone with it
  auto after = co_await call(*b, "pubsub.topics", J("{}"));
  CO_ASSERT_OK(after);
  EXPECT_EQ(*after, J(R"({"topics":[]})"));
}

TEST_F(ControlPubSubTest, PubPeersTopicsAndStreamingSub) { run(io, flow(&a, &b)); }

asio::awaitable<void> malformed(Side* a) {
  const auto bad = make_error_code(pubsub::errc::bad_request);
  const auto cases = malformed_cases();
  for (const auto& [m, req] : cases) {
    auto r = co_await call(*a, m, req);
    CO_ASSERT_TRUE(!r.has_value());
    EXPECT_EQ(r.error(), bad) << m << " " << req.dump();
  }
  // no peers and allow_publish_to_zero_peers off: the router's error passes through
  auto r = co_await call(*a, "pubsub.pub", J(R"({"topic":"t","data":"x"})"));
  CO_ASSERT_TRUE(!r.has_value());
  EXPECT_EQ(r.error(), make_error_code(proto::gossipsub::errc::no_peers));
  // streaming sub without a topic fails before emitting anything
  bool emitted = false;
  Emit emit = [&emitted](Json) -> asio::awaitable<Status> {
    emitted = true;
    co_return Status{};
  };
  const Json empty = Json::object();
  auto st = co_await a->router.find("pubsub.sub")->streaming(empty, emit);
  EXPECT_EQ(st.error(), bad);
  EXPECT_FALSE(emitted);
}

TEST_F(ControlPubSubTest, MalformedRequestsGetBadRequest) { run(io, malformed(&a)); }

TEST(ControlPubSubJson, MessageItem) {
  auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
  ASSERT_TRUE(key.has_value());
  pubsub::Message m{Bytes{1, 2}, "t", Bytes{'o', 'k'}, key->peer_id(), 258, key->peer_id()};
  const Json j = pubsub_message_json(m);
  EXPECT_EQ(j.at("id"), "0102");
  EXPECT_EQ(j.at("data"), "ok");
  EXPECT_EQ(j.at("data_hex"), "6f6b");
  EXPECT_EQ(j.at("seqno"), 258u);
  EXPECT_EQ(j.at("from"), key->peer_id().to_string());
  // overlong / surrogate / truncated UTF-8 is reported as hex only
  for (Bytes bad : {Bytes{0xC0, 0x80}, Bytes{0xED, 0xA0, 0x80}, Bytes{0xE2, 0x82}, Bytes{0xF8}}) {
    m.data = bad;
    EXPECT_FALSE(pubsub_message_json(m).contains("data")) << to_hex(bad);
  }
  m.data = Bytes{0xE2, 0x82, 0xAC};  // €
  EXPECT_EQ(pubsub_message_json(m).at("data"), "\xE2\x82\xAC");
}

}  // namespace
}  // namespace lotus::node
