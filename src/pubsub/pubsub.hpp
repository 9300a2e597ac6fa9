// lotus::pubsub::PubSub — GossipSub (v1.0/v1.1/v1.2, floodsub fallback) on real host streams:
// the driver of the sans-IO proto::gossipsub::Router.
//
// Spec: libp2p/specs pubsub/README.md ("one long-lived stream per direction per peer"; RPCs are
// varint-length-prefixed protobufs), gossipsub-v1.0/-v1.1/-v1.2.md (through the router).
//
// Per peer:
//   identify says the peer speaks one of Config::protocols, or the peer opened an inbound
//   pubsub stream  ──> ONE outbound stream (Host::new_stream with every protocol, best first)
//   first of {inbound stream, outbound stream} ──> Router::add_peer(negotiated protocol)
//   router SendRpc ──> per-peer bounded frame queue ──> writer task (frames batched per write;
//                      a full queue drops the frame and counts it: the router never waits)
//   inbound stream ──> FrameDecoder ──> Router::on_rpc (malformed/oversized RPC: stream reset)
//   last connection closed / outbound stream failed ──> Router::remove_peer
//
//   absent ──identify/inbound──> opening ──negotiated──> open ──write error/disconnect──> absent
//
// Heartbeat: one task sleeping until Router::deadline(). PX: PRUNE peer-exchange candidates are
// dialed (their signed peer records, when sent, seed the peer store), at most
// Config::max_px_dials at once. Validators are asynchronous (awaitables), at most
// Config::router.max_pending_validations in flight (then messages are ignored, as the spec says).
//
// Threading: every member runs on the host's io_context thread (Subscription too).
// Lifetime: start() after construction; `co_await stop()` before destroying the PubSub (and
// before the Host is stopped/destroyed). Subscriptions may outlive the service: next() then fails
// with errc::subscription_closed.
// Not done: direct peers, relaying topics we are not subscribed to (router), validation timeouts
// (a validator must complete), signed peer records in the PX we send.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/rng.hpp"
#include "crypto/keys.hpp"
#include "host/host.hpp"
#include "multiformats/peer_id.hpp"
#include "proto/gossipsub/config.hpp"
#include "proto/gossipsub/router.hpp"
#include "pubsub/errc.hpp"
#include "runtime/asio_fwd.hpp"

namespace lotus::pubsub {

namespace gs = proto::gossipsub;
using gs::MessageId;
using gs::ValidationResult;

struct Config {
  // Router: D, heartbeat, caches, signature policy (StrictSign default), message id function
  // (default from ‖ seqno), emit_self, allow_publish_to_zero_peers, do_px, scoring, limits.
  gs::Config router;
  // Offered and requested, in preference order.
  std::vector<std::string> protocols{std::string(gs::kMeshsubV12), std::string(gs::kMeshsubV11),
                                     std::string(gs::kMeshsubV10), std::string(gs::kFloodsubId)};
  std::size_t max_queued_rpcs = 1024;                // outbound frames queued per peer
  std::size_t max_queued_bytes = 8 * 1024 * 1024;    // outbound bytes queued per peer
  std::size_t max_batch_bytes = 256 * 1024;          // frames coalesced into one stream write
  std::size_t subscription_queue = 4096;             // messages buffered per Subscription
  std::size_t subscription_queue_bytes = 16 * 1024 * 1024;  // and their data bytes
  std::size_t max_inbound_streams_per_peer = 2;      // concurrent; more are reset
  std::size_t max_px_dials = 8;                      // concurrent PX dials
  std::size_t read_buffer = 64 * 1024;
  // Reported to the host's gates (Host::penalize; BanList bans at 100) for an RPC that does
  // not decode or is over the limits (the stream is reset too).
  int penalty_malformed_rpc = 25;
};

// The options the reference node (lotus-lib's P2PCoordinator) sets on js gossipsub:
// allowPublishToZeroTopicPeers, emitSelf, doPX — everything else at its default.
Config reference_config();

// A message as the application sees it.
struct Message {
  MessageId id;
  std::string topic;
  Bytes data;
  std::optional<mf::PeerId> from;      // author (signed messages)
  std::optional<std::uint64_t> seqno;  // big-endian 8-byte seqno (signed messages)
  mf::PeerId received_from;            // the peer that forwarded it (ourselves for emit_self)
};

// Asynchronous validator: runs once per new message on the topic that passed the signature
// policy. accept: deliver + forward; reject: drop + penalise the forwarder (P4); ignore: drop.
using Validator = std::function<asio::awaitable<ValidationResult>(mf::PeerId source, Message message)>;

struct Stats {
  std::uint64_t streams_outbound = 0;      // outbound pubsub streams negotiated
  std::uint64_t streams_inbound = 0;       // inbound pubsub streams accepted
  std::uint64_t streams_refused = 0;       // inbound streams over max_inbound_streams_per_peer
  std::uint64_t outbound_open_failures = 0;
  std::uint64_t rpcs_received = 0;
  std::uint64_t rpcs_malformed = 0;        // decode failures (the stream is reset)
  std::uint64_t frames_sent = 0;
  std::uint64_t frames_dropped = 0;        // a peer's queue was full
  std::uint64_t deliveries_dropped = 0;    // a subscription's queue was full
  std::uint64_t validations_started = 0;
  std::uint64_t px_dials = 0;
};

class PubSub;

// One subscription to a topic (several may exist per topic; the router is subscribed while at
// least one is open). Dropping the handle unsubscribes it (on the io thread).
class Subscription {
 public:
  struct State;
  Subscription() = default;
  Subscription(Subscription&&) noexcept;
  Subscription& operator=(Subscription&&) noexcept;
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription();

  bool valid() const noexcept { return m_state != nullptr; }
  const std::string& topic() const;
  // The next message (waits). After unsubscribe/stop the queued messages are still returned,
  // then errc::subscription_closed.
  asio::awaitable<Result<Message>> next();
  // As next(), but nullopt when `deadline` passed first.
  asio::awaitable<std::optional<Result<Message>>> next_until(TimePoint deadline);
  std::optional<Message> try_next();  // a queued message, without waiting
  std::size_t queued() const;
  std::size_t queued_bytes() const;   // data bytes of the queued messages
  std::uint64_t dropped() const;      // messages lost because the queue was full
  bool closed() const;
  // Closes this subscription now (the same as dropping it, but keeps the queued messages).
  void close();

 private:
  friend class PubSub;
  explicit Subscription(std::shared_ptr<State> s) : m_state(std::move(s)) {}
  std::shared_ptr<State> m_state;
};

class PubSub {
 public:
  // `key` signs published messages (StrictSign); it must be the host's identity key for peers to
  // accept them (they check `from` against nothing, but the reference expects it). `rng` must
  // outlive the service.
  PubSub(host::Host& host, crypto::PrivateKey key, Config config = {}, Rng& rng = SystemRng::instance());
  ~PubSub();
  PubSub(const PubSub&) = delete;
  PubSub& operator=(const PubSub&) = delete;

  // Registers the stream handlers and the host event listener, starts the heartbeat and opens
  // streams to already-connected peers that support pubsub.
  Status start();
  // Closes every stream, ends every task, closes subscriptions. Idempotent.
  asio::awaitable<void> stop();

  Result<Subscription> subscribe(const std::string& topic);
  // With its own queue bounds (a reader that falls behind loses messages, counted in
  // Subscription::dropped(), instead of holding memory without bound).
  struct SubscribeOptions {
    std::size_t max_messages;
    std::size_t max_bytes;  // of the queued messages' data
  };
  Result<Subscription> subscribe(const std::string& topic, SubscribeOptions options);
  // Closes every subscription of `topic` (and leaves the topic).
  Status unsubscribe(const std::string& topic);
  Result<MessageId> publish(const std::string& topic, Bytes data);

  void add_validator(const std::string& topic, Validator validator);
  void remove_validator(const std::string& topic);

  std::vector<mf::PeerId> topic_peers(const std::string& topic) const;  // announced subscribers
  std::vector<mf::PeerId> mesh_peers(const std::string& topic) const;
  std::vector<mf::PeerId> peers() const;   // every peer the router knows
  std::vector<std::string> topics() const;  // topics we are subscribed to
  std::size_t queued_frames(const mf::PeerId& peer) const;  // outbound frames waiting for `peer`

  // Waits until pred() holds, re-checking after every router input (an RPC, a heartbeat, a
  // peer added or removed). Returns pred()'s value at `deadline` (or false once stopping).
  asio::awaitable<bool> wait_until(std::function<bool()> pred, TimePoint deadline);

  const mf::PeerId& local_peer() const;
  const gs::Router& router() const;
  const Stats& stats() const;
  bool running() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> m_impl;
};

}  // namespace lotus::pubsub
