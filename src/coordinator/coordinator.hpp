// lotus::coordinator::Coordinator — the Lotus SDK's P2PCoordinator over our host (seed
// "Components" 1–3, lotus-wire.md §1.4–§2.7, §4): the /lotus/message/1.0.0 transport,
// sendTo / broadcast, protocol handlers, GossipSub topic helpers, peer operations, events,
// stats, and the enforced security manager (security.hpp).
//
// Wire behaviour (what a TypeScript node observes) is the reference's:
//   * send_to: a new stream "/lotus/message/1.0.0" (or the protocol given), the serialised
//     message written whole, no length prefix, half-close; nothing is read back.
//   * inbound: read to EOF, at most limits.max_p2p_message_size (100 000) bytes, JSON parse,
//     validateMessage (±300 s), de-dup by the reference's HMAC key, `message` event, then the
//     handler named by message.protocol (unknown/missing protocol: only the event).
//   * broadcast: one stream to every connected peer with a non-relayed connection, minus
//     exclude, within included_only, then self-delivery to the handler named by protocol
//     (no `message` event for it).
//   * topics: subscribe / publish bare JSON (no envelope) / unsubscribe / topic peers.
//
// Where the reference is defective (lotus-wire.md §12) we do it right:
//   * Handlers get the connection's authenticated peer id (`from`), never trusting the
//     self-declared message.from (§12 item 11); the message keeps `from` as sent.
//   * The security manager is on the path of every inbound message: banned peers are refused
//     (and cannot even open the stream when the manager is the host's gate), a per-peer rate
//     limit applies, parse errors and invalid messages are warned (the reference only logs
//     parse errors), validators are called (§12 item 18), and the size cap is the configurable
//     MAX_P2P_MESSAGE_SIZE rather than a hard-coded constant.
//   * The seen-set is bounded and expiring (seen_set.hpp), not just bounded.
//   * One handler per topic subscription; unsubscribing removes it (§12 item 27: the reference
//     adds a listener per subscribe and never removes it).
//   * Protocol handlers registered after start() get their own stream protocol too, and
//     unregister removes it (the reference only registers stream handlers at start).
//   * Peer info is kept for connected peers only (the reference's map grows with every
//     discovery event).
//   * An inbound stream that does not finish within Config::read_timeout is reset (the
//     reference waits forever).
// Our extension (opt-in): BroadcastOptions::network_wide also publishes the same envelope on
// the GossipSub topic Config::broadcast_topic, so it reaches peers beyond direct neighbours;
// receivers de-duplicate by the same HMAC key, so a node that gets a message both ways handles
// it once. Reference nodes do not subscribe to that topic and are reached by the direct
// streams as before.
//
// Handlers run on the io_context thread and must not block (post long work elsewhere).
// Threading: the host's io_context thread, as Host. Lifetime: start(), then `co_await stop()`
// before destroying it and before the host/pubsub/dht it uses are stopped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

#include "base/error.hpp"
#include "base/result.hpp"
#include "base/rng.hpp"
#include "coordinator/json.hpp"
#include "coordinator/message.hpp"
#include "coordinator/security.hpp"
#include "coordinator/seen_set.hpp"
#include "crypto/keys.hpp"
#include "host/host.hpp"
#include "host/stream.hpp"
#include "multiformats/multiaddr.hpp"
#include "multiformats/peer_id.hpp"
#include "runtime/asio_fwd.hpp"

namespace lotus::dht {
class Dht;
}
namespace lotus::pubsub {
class PubSub;
}

namespace lotus::coordinator {

enum class coordinator_errc {
  stopped = 1,              // not started, or stopped
  gossipsub_disabled,       // a topic operation without GossipSub ("GossipSub not enabled in config")
  protocol_registered,      // registerProtocol with a name already registered
  unknown_protocol,         // unregister of a name not registered
  message_too_large,        // an outbound message above max_p2p_message_size
  invalid_message,          // an outbound message that fails validate_message
  self,                     // send_to our own peer id
  duplicate,                // an inbound message already seen (replay or second path)
  bad_request,              // a control request that is malformed
  slow_consumer,            // a message stream's reader fell too far behind (stream cut)
};
const std::error_category& coordinator_category() noexcept;
inline std::error_code make_error_code(coordinator_errc e) noexcept {
  return {static_cast<int>(e), coordinator_category()};
}

// PeerInfo (lib/p2p/types.ts).
struct PeerInfo {
  mf::PeerId peer_id;
  std::vector<mf::Multiaddr> multiaddrs;
  std::optional<crypto::PublicKey> public_key;
  std::optional<json::Value> metadata;
  TimePoint last_seen{};
};

// IProtocolHandler.
class ProtocolHandler {
 public:
  virtual ~ProtocolHandler() = default;
  virtual std::string protocol_name() const = 0;  // routing key matched against message.protocol
  // Own stream protocol ("/lotus/musig2/1.0.0"); empty: none. Served while registered.
  virtual std::string protocol_id() const { return {}; }
  // A message routed to this handler; `from` is the authenticated sender. Must not block.
  virtual void handle_message(const P2PMessage& message, const PeerInfo& from) = 0;
  // Inbound streams of protocol_id(); the stream is owned by the caller for the call.
  virtual asio::awaitable<void> handle_stream(host::Stream& stream);
  virtual void on_peer_discovered(const PeerInfo&) {}
  virtual void on_peer_connected(const mf::PeerId&) {}
  virtual void on_peer_disconnected(const mf::PeerId&) {}
  virtual void on_peer_updated(const PeerInfo&) {}
};

// Events (peer:connect, peer:disconnect, peer:discovery, peer:update, message, error), plus
// the refusals and security events the reference does not have.
enum class Via { direct, gossip };
struct PeerConnectEvent {
  PeerInfo peer;
};
struct PeerDisconnectEvent {
  PeerInfo peer;
};
struct PeerDiscoveryEvent {
  PeerInfo peer;
};
struct PeerUpdateEvent {
  PeerInfo peer;
};
struct MessageEvent {
  P2PMessage message;
  PeerInfo from;
  Via via = Via::direct;
};
struct MessageRefusedEvent {
  mf::PeerId peer;
  std::string reason;  // a refusal label (see Stats::refused)
  std::error_code error;
};
struct ErrorEvent {
  std::error_code error;
  std::string context;
};
using Event = std::variant<PeerConnectEvent, PeerDisconnectEvent, PeerDiscoveryEvent, PeerUpdateEvent, MessageEvent,
                           MessageRefusedEvent, ErrorEvent, SecurityEvent>;
using EventListener = std::function<void(const Event&)>;

struct Config {
  SecurityManager::Config security{};
  // A security manager owned elsewhere (the daemon's security service, which installs it as
  // the host's gate); null: the coordinator makes its own from `security`.
  std::shared_ptr<SecurityManager> security_manager;
  // Install the security manager as a gate of the host (bans refused at every admission
  // point). Off when the embedder installs it itself (the daemon's security service).
  bool install_gate = true;
  SeenSet::Config seen{};
  // An inbound message stream must reach EOF within this (slow senders are reset).
  Duration read_timeout = std::chrono::seconds(10);
  // Our network-wide broadcast (see above); needs GossipSub.
  bool enable_network_broadcast = false;
  std::string broadcast_topic = "lotus/broadcast/1.0.0";
  // The wall clock for message timestamps (Date.now()); tests replace it.
  std::function<std::int64_t()> wall_clock_ms;
  // The metadata of this node (PeerInfo.metadata of self-delivery).
  std::optional<json::Value> metadata;
};

struct BroadcastOptions {
  std::vector<mf::PeerId> exclude;
  std::optional<std::vector<mf::PeerId>> included_only;
  std::optional<std::string> protocol_id;  // stream protocol (default /lotus/message/1.0.0)
  bool network_wide = false;               // ours: also over GossipSub (Config::enable_network_broadcast)
};
struct BroadcastResult {
  std::size_t targets = 0;
  std::size_t sent = 0;
  std::size_t failed = 0;
  bool published = false;  // network-wide: published on the GossipSub topic
};

// A message of a subscribed topic: the bare payload (parsed when it is JSON).
struct TopicMessage {
  std::string topic;
  Bytes data;
  std::optional<json::Value> json;
  std::optional<mf::PeerId> author;
  mf::PeerId received_from;
};
using TopicHandler = std::function<void(const TopicMessage&)>;

struct Stats {
  std::string peer_id;
  std::size_t peers_total = 0;
  std::size_t peers_connected = 0;
  bool dht_enabled = false;
  std::string dht_mode = "disabled";  // "client" | "server" | "disabled"
  std::size_t dht_routing_table_size = 0;
  std::size_t dht_local_records = 0;
  std::vector<std::string> multiaddrs;
  // Messages (ours).
  std::uint64_t messages_in = 0;        // accepted inbound (direct + gossip)
  std::uint64_t messages_in_gossip = 0;
  std::uint64_t messages_out = 0;       // streams written successfully
  std::uint64_t send_failures = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t self_deliveries = 0;
  std::uint64_t broadcasts = 0;
  std::uint64_t published = 0;          // network-wide broadcasts and topic publishes
  std::map<std::string, std::uint64_t> refused;  // by reason label
};

class Coordinator {
 public:
  // `pubsub` / `dht`: optional services (not owned; must outlive the coordinator's stop()).
  Coordinator(host::Host& host, Config config = {}, pubsub::PubSub* pubsub = nullptr, dht::Dht* dht = nullptr,
              Rng& rng = SystemRng::instance());
  ~Coordinator();
  Coordinator(const Coordinator&) = delete;
  Coordinator& operator=(const Coordinator&) = delete;

  Status start();
  // Ends every task; listeners get ErrorEvent{coordinator_errc::stopped} first (so that a
  // waiting consumer, e.g. a control-API stream, can finish).
  asio::awaitable<void> stop();
  bool running() const;

  const mf::PeerId& peer_id() const;
  host::Host& host() const;
  SecurityManager& security();
  const SecurityManager& security() const;
  std::shared_ptr<SecurityManager> security_ptr() const;  // for Host::add_gate by an embedder

  // ---- protocols ----
  Status register_protocol(std::shared_ptr<ProtocolHandler> handler);
  Status unregister_protocol(const std::string& protocol_name);
  std::vector<std::string> protocols() const;

  // ---- messages ----
  // createMessage with this node's id as `from` and the wall clock.
  P2PMessage create_message(std::string type, json::Value payload, MessageOptions options = {});
  asio::awaitable<Status> send_to(mf::PeerId peer, P2PMessage message, std::optional<std::string> protocol_id = {});
  asio::awaitable<BroadcastResult> broadcast(P2PMessage message, BroadcastOptions options = {});

  // ---- topics (GossipSub) ----
  Result<std::uint64_t> subscribe_to_topic(const std::string& topic, TopicHandler handler);
  Status unsubscribe(std::uint64_t subscription);           // one handler
  Status unsubscribe_from_topic(const std::string& topic);  // every handler of the topic
  Status publish_to_topic(const std::string& topic, const json::Value& payload);
  Result<std::vector<mf::PeerId>> topic_peers(const std::string& topic) const;

  // ---- peers ----
  asio::awaitable<Status> connect_to_peer(mf::Multiaddr addr);
  void disconnect_from_peer(const mf::PeerId& peer);
  std::vector<PeerInfo> connected_peers() const;
  std::optional<PeerInfo> peer(const mf::PeerId& peer) const;
  bool is_connected(const mf::PeerId& peer) const;
  // Reports a discovered peer (bootstrap list, DHT, …): peer:discovery + handler hooks.
  void peer_discovered(PeerInfo info);

  // ---- events, stats ----
  std::uint64_t add_listener(EventListener listener);
  void remove_listener(std::uint64_t id);
  Stats stats() const;
  // Expired seen keys and security state (also run every DHT_CLEANUP_INTERVAL).
  void cleanup();

  struct Impl;

 private:
  std::shared_ptr<Impl> m_impl;
};

}  // namespace lotus::coordinator

LOTUS_ERRC_ENUM(lotus::coordinator::coordinator_errc)
