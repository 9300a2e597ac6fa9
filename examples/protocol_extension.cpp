// The seed's "Protocol Extension" / "Extending for Protocols" (the MuSig2 example), in C++:
// a ProtocolHandler (IProtocolHandler) that announces its sessions as DHT resources,
// broadcasts nonce shares to every connected peer and receives partial signatures back,
// routed to it by the message's `protocol` field. The signing itself is a stand-in (strings,
// no cryptography): the point is the coordination pattern.
//
//   TypeScript                                     here
//   class MuSig2P2PHandler implements IProtocolHandler   class SigningHandler : ProtocolHandler
//   protocolName / protocolId                      protocol_name() / protocol_id()
//   handleMessage(message, from)                   handle_message(message, from) (must not block)
//   onPeerConnected / onPeerDisconnected           on_peer_connected / on_peer_disconnected
//   coordinator.registerProtocol(handler)          coordinator->register_protocol(handler)
//   coordinator.announceResource('musig-session')  resources->announce_resource("musig-session", …)
//   coordinator.broadcast({…, protocol: 'musig2'}) coordinator->broadcast(create_message(…, {protocol}))
//
// Three nodes: alice creates a session, shares her nonce; bob and carol's handlers receive it
// and answer alice with a partial signature each. Prints what each handler received; exits 1
// if anything is missing.
#include <map>
#include <vector>

#include "example_node.hpp"

using namespace lotus;
using namespace lotus::examples;
namespace co = lotus::coordinator;

namespace {

class SigningHandler final : public co::ProtocolHandler {
 public:
  SigningHandler(LotusNode& node, runtime::Signal& progress) : m_node(node), m_progress(progress) {}

  std::string protocol_name() const override { return "example-musig2"; }
  std::string protocol_id() const override { return "/lotus/example-musig2/1.0.0"; }

  void handle_message(const co::P2PMessage& message, const co::PeerInfo& from) override {
    const auto* session = message.payload ? message.payload->find("sessionId") : nullptr;
    if (!session || !session->is_string()) return;  // not ours to judge: ignore
    if (message.type == "nonce-share") {
      nonces[session->as_string()].push_back(from.peer_id);
      std::cout << m_node.name << " handler: nonce-share for " << session->as_string() << "\n";
      if (from.peer_id != m_node.host->peer_id()) to_answer.push_back({from.peer_id, session->as_string()});
    } else if (message.type == "partial-sig-share") {
      partial_sigs[session->as_string()].push_back(from.peer_id);
      std::cout << m_node.name << " handler: partial-sig-share for " << session->as_string() << "\n";
    }
    m_progress.notify();  // handlers must not block: the work (answering) happens elsewhere
  }
  void on_peer_connected(const mf::PeerId&) override { ++peers_connected; }

  // createSession: announce it to the P2P network.
  asio::awaitable<Status> create_session(const std::string& session_id, const std::string& signers_json) {
    auto r = co_await m_node.resources->announce_resource("musig-session", session_id,
                                                          R"({"signers":)" + signers_json + "}");
    if (!r) co_return r.error();
    co_return Status{};
  }
  // shareNonces: broadcast to every connected peer (and deliver to ourselves).
  asio::awaitable<co::BroadcastResult> share_nonce(const std::string& session_id, const std::string& nonce) {
    co::json::Object payload;
    payload.set("sessionId", session_id).set("nonce", nonce);
    co::MessageOptions opts;
    opts.protocol = protocol_name();
    co_return co_await m_node.coordinator->broadcast(m_node.coordinator->create_message("nonce-share", payload, opts));
  }
  asio::awaitable<Status> send_partial_sig(const mf::PeerId& to, const std::string& session_id) {
    co::json::Object payload;
    payload.set("sessionId", session_id).set("partialSig", m_node.name + "-sig");
    co::MessageOptions opts;
    opts.protocol = protocol_name();
    co_return co_await m_node.coordinator->send_to(to, m_node.coordinator->create_message("partial-sig-share", payload, opts));
  }

  std::map<std::string, std::vector<mf::PeerId>> nonces, partial_sigs;
  std::vector<std::pair<mf::PeerId, std::string>> to_answer;
  int peers_connected = 0;

 private:
  LotusNode& m_node;
  runtime::Signal& m_progress;
};

asio::awaitable<int> protocol_extension(asio::io_context& io) {
  runtime::Signal progress(io.get_executor());
  std::vector<std::unique_ptr<LotusNode>> nodes;
  std::vector<std::shared_ptr<SigningHandler>> handlers;
  for (const char* name : {"alice", "bob", "carol"}) {
    nodes.push_back(LotusNode::start(io, name));
    if (!nodes.back()) co_return 1;
    handlers.push_back(std::make_shared<SigningHandler>(*nodes.back(), progress));
    if (!nodes.back()->coordinator->register_protocol(handlers.back())) co_return 1;
  }
  auto& alice = *nodes[0];
  for (std::size_t i = 1; i < nodes.size(); ++i) {
    if (!co_await nodes[i]->coordinator->connect_to_peer(alice.address)) co_return 1;
    (void)co_await nodes[i]->host->identify(alice.host->peer_id());
  }
  if (!co_await wait_for(progress, [&] { return handlers[0]->peers_connected == 2; })) co_return 1;
  std::cout << "alice handler: 2 peers connected\n";

  // Alice creates a session and shares her nonce.
  if (!co_await handlers[0]->create_session("session-1", R"(["alice","bob","carol"])")) co_return 1;
  std::cout << "alice announced musig-session session-1\n";
  const auto sent = co_await handlers[0]->share_nonce("session-1", "alice-nonce");
  std::cout << "alice broadcast nonce-share to " << sent.sent << " of " << sent.targets << " peers\n";

  // Bob and carol answer what their handlers queued (outside the handler: it must not block).
  for (std::size_t i = 1; i < nodes.size(); ++i) {
    auto& h = *handlers[i];
    if (!co_await wait_for(progress, [&] { return !h.to_answer.empty(); })) co_return 1;
    for (const auto& [to, session] : h.to_answer)
      if (!co_await h.send_partial_sig(to, session)) co_return 1;
  }
  const bool complete = co_await wait_for(progress, [&] { return handlers[0]->partial_sigs["session-1"].size() == 2; });
  std::cout << "alice has " << handlers[0]->partial_sigs["session-1"].size() << " partial signatures for session-1\n";

  // Bob finds the session in the DHT, as a signer that was not told would.
  auto found = co_await nodes[1]->resources->discover_resources("musig-session");
  if (found)
    for (const auto& r : found->resources) std::cout << "bob discovered musig-session " << r.resource_id << " " << *r.data << "\n";

  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) co_await (*it)->stop();
  co_return complete && found && found->resources.size() == 1 ? 0 : 1;
}

}  // namespace

int main() { return run_example(protocol_extension); }
