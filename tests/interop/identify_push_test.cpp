// Identify push (/ipfs/id/push/1.0.0) against js-libp2p, both directions: a protocol one side
// starts (or stops) serving after the connection is up reaches the other side's peer store
// through a push, not through a new identify — each side observes it.
#include "interop_fixture.hpp"

namespace lotus::interop {
namespace {

constexpr const char* kLate = "/lotus-interop/late/1.0.0";

class IdentifyPush : public InteropTest {
 protected:
  // Dials js and waits until both sides have identified each other (so that what follows can
  // only arrive by push).
  void connect_and_identify() {
    auto c = node->run([this]() { return node->host().dial(ma(js->addr())); });
    ASSERT_TRUE(c) << c.error().message();
    ASSERT_TRUE(node->wait_event([&](const host::Event& e) {
      auto* p = std::get_if<host::PeerIdentified>(&e);
      return p != nullptr && p->peer == js_pid() && !p->push;
    }));
    js->wait_event({{"type", "identify"}, {"peerId", node->peer_id_str()}});
  }
  mf::PeerId js_pid() const { return *mf::PeerId::parse(js->peer_id()); }
  static bool lists(const host::Event& e, const mf::PeerId& peer, bool want) {
    auto* p = std::get_if<host::PeerIdentified>(&e);
    return p != nullptr && p->push && p->peer == peer && contains(p->info.protocols, kLate) == want;
  }
};

TEST_F(IdentifyPush, JsPushesANewProtocolAndItsRemovalToUs) {
  connect_and_identify();
  ASSERT_FALSE(HasFatalFailure());
  js->call("handle", {{"protocol", kLate}});
  const auto added = node->wait_event([&](const host::Event& e) { return lists(e, js_pid(), true); });
  ASSERT_TRUE(added) << "no identify push from js listing " << kLate;
  // The peer store has it.
  auto info = node->run([this]() -> asio::awaitable<std::optional<host::PeerInfo>> {
    co_return node->host().peer_store().get(js_pid());
  });
  ASSERT_TRUE(info.has_value());
  EXPECT_TRUE(contains(info->protocols, kLate)) << join(info->protocols);

  js->call("unhandle", {{"protocol", kLate}});
  const auto removed = node->wait_event([&](const host::Event& e) { return lists(e, js_pid(), false); });
  ASSERT_TRUE(removed) << "no identify push from js without " << kLate;
}

TEST_F(IdentifyPush, WePushANewProtocolAndItsRemovalToJs) {
  connect_and_identify();
  ASSERT_FALSE(HasFatalFailure());
  const json before = js->call("wait_protocol", {{"peerId", node->peer_id_str()}, {"protocol", kLate}, {"present", false}});
  EXPECT_FALSE(contains(before["protocols"], kLate));
  node->run([this]() -> asio::awaitable<void> {
    node->host().set_stream_handler(kLate, [](host::Stream s) -> asio::awaitable<void> {
      (void)s.close_write();
      co_return;
    });
    co_return;
  });
  const json added = js->call("wait_protocol", {{"peerId", node->peer_id_str()}, {"protocol", kLate}});
  EXPECT_TRUE(contains(added["protocols"], kLate)) << added.dump();
  EXPECT_TRUE(contains(added["protocols"], kEcho)) << "the push carries the full list: " << added.dump();

  node->run([this]() -> asio::awaitable<void> {
    node->host().remove_stream_handler(kLate);
    co_return;
  });
  const json removed =
      js->call("wait_protocol", {{"peerId", node->peer_id_str()}, {"protocol", kLate}, {"present", false}});
  EXPECT_FALSE(contains(removed["protocols"], kLate)) << removed.dump();
  EXPECT_TRUE(contains(removed["protocols"], kEcho)) << removed.dump();
}

}  // namespace
}  // namespace lotus::interop
