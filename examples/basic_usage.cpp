// The seed's "Basic Usage", in C++: start two nodes, print the peer id and addresses, connect,
// exchange a message, announce a resource on one and discover it from the other, stop.
//
//   TypeScript (lotus-lib/p2p)                          here
//   new P2PCoordinator({listen, enableDHT}); start()    LotusNode::start (example_node.hpp)
//   coordinator.peerId / getStats().multiaddrs          coordinator->peer_id() / stats().multiaddrs
//   connectToPeer(addr)                                 co_await coordinator->connect_to_peer(addr)
//   sendTo(peer, message)                               co_await coordinator->send_to(peer, message)
//   on('message', …)                                    coordinator->add_listener(…MessageEvent…)
//   announceResource(type, id, data, {ttl})             co_await resources->announce_resource(…)
//   discoverResources(type)                             co_await resources->discover_resources(type)
//   stop()                                              co_await node->stop()
//
// Prints what happened; exits 1 if any step did not (tests/examples checks the printout).
#include "example_node.hpp"

using namespace lotus;
using namespace lotus::examples;

namespace {

asio::awaitable<int> basic_usage(asio::io_context& io) {
  auto alice = LotusNode::start(io, "alice");
  auto bob = LotusNode::start(io, "bob");
  if (!alice || !bob) co_return 1;
  for (auto* n : {alice.get(), bob.get()}) {
    const auto stats = n->coordinator->stats();
    std::cout << n->name << " peer id: " << stats.peer_id << "\n";
    for (const auto& a : stats.multiaddrs) std::cout << n->name << " listening on: " << a << "\n";
  }

  // Bob listens for messages (the 'message' event).
  runtime::Signal got_message(io.get_executor());
  std::optional<coordinator::MessageEvent> received;
  bob->coordinator->add_listener([&](const coordinator::Event& e) {
    if (auto* m = std::get_if<coordinator::MessageEvent>(&e)) {
      received = *m;
      got_message.notify();
    }
  });

  // Connect to another peer.
  if (auto c = co_await bob->coordinator->connect_to_peer(alice->address); !c) {
    std::cout << "connect failed: " << c.error().message() << "\n";
    co_return 1;
  }
  (void)co_await bob->host->identify(alice->host->peer_id());  // both DHTs learn each other
  std::cout << "bob connected to alice: " << bob->coordinator->is_connected(alice->host->peer_id()) << "\n";

  // Send a message (createMessage + sendTo).
  auto hello = alice->coordinator->create_message("greeting", *coordinator::json::parse(R"({"text":"hello bob"})"));
  if (auto s = co_await alice->coordinator->send_to(bob->host->peer_id(), hello); !s) co_return 1;
  if (!co_await wait_for(got_message, [&] { return received.has_value(); })) {
    std::cout << "bob received nothing\n";
    co_return 1;
  }
  std::cout << "bob received '" << received->message.type << "' "
            << coordinator::json::stringify(*received->message.payload) << " from "
            << (received->from.peer_id == alice->host->peer_id() ? "alice" : "someone else") << "\n";

  // Announce resource.
  coordinator::AnnounceOptions ttl;
  ttl.ttl_ms = 3600 * 1000;
  auto announced = co_await alice->resources->announce_resource("session", "session-123",
                                                                R"({"participants":["alice","bob"]})", ttl);
  if (!announced) {
    std::cout << "announce failed: " << announced.error().message() << "\n";
    co_return 1;
  }
  std::cout << "alice announced " << announced->announcement.key() << " (stored on " << announced->stored
            << " DHT peer)\n";

  // Discover resources.
  auto found = co_await bob->resources->discover_resources("session");
  if (!found) {
    std::cout << "discover failed: " << found.error().message() << "\n";
    co_return 1;
  }
  for (const auto& r : found->resources)
    std::cout << "bob discovered " << r.resource_type << " " << r.resource_id << " by "
              << (r.creator_peer_id == alice->host->peer_id().to_base58() ? "alice" : r.creator_peer_id)
              << " data " << r.data.value_or("null") << "\n";
  std::cout << "discovery cost: " << found->stats.lookups << " lookups, " << found->stats.rpcs << " rpcs\n";

  // Shutdown.
  co_await bob->stop();
  co_await alice->stop();
  std::cout << "stopped\n";
  co_return found->resources.size() == 1 ? 0 : 1;
}

}  // namespace

int main() { return run_example(basic_usage); }
