// GossipSub router (one per node), sans-IO. Specs: libp2p/specs pubsub/README.md,
// pubsub/gossipsub/gossipsub-v1.0.md, -v1.1.md (PX, backoff, scoring, flood publish, adaptive
// gossip, outbound mesh quota, opportunistic grafting), -v1.2.md (IDONTWANT); floodsub peers are
// served by flooding.
//
// Inputs:  add_peer/remove_peer (the driver opened/closed the pubsub streams and knows the
//          negotiated protocol), on_rpc (a decoded RPC from a peer), publish, subscribe,
//          unsubscribe, report_validation (asynchronous validators), on_heartbeat at deadline().
// Outputs: poll_event(): SendRpc{peer, rpc} (encode_frame() it onto the peer's stream; the RPCs
//          produced by one input call are batched per peer), Delivered{message} for the
//          application, PeerExchange{topic, peers} (PX candidates the driver may dial).
// Per-peer state machine (per topic we are subscribed to):
//
//   not in mesh ──GRAFT rcvd (accepted) / we graft at heartbeat──> in mesh
//   in mesh ──PRUNE rcvd / we prune (score<0, > D_hi, unsubscribe)──> not in mesh + backoff
//   backoff ──GRAFT rcvd──> penalty (P7) + PRUNE        backoff expires ──> not in mesh
//
// Message pipeline (per received message): topic subscribed? → seen? (duplicate: scored, dropped;
// checked before the signature so duplicates cost no verification) → signature policy (failure:
// P4, not marked seen, so a forged copy cannot shadow the genuine one) → mark seen → IDONTWANT
// to v1.2 mesh peers if data ≥ idontwant_min_data_size → validator → deliver + forward to mesh
// (minus source, author, IDONTWANT senders) and floodsub peers. Outgoing RPCs are split to
// Config::limits (split_rpc) so that a peer with the same limits accepts every part.
// Deliberately not done: relaying for topics we are not subscribed to (such messages are
// ignored), direct peers, the peer connection/dialing itself (PX only yields candidates),
// signed peer records in PX (we send none; received ones are passed through untouched).
// Memory: bounded by Config (seen cache, mcache windows, pending validations, per-peer topic
// count, per-heartbeat IHAVE/IWANT/IDONTWANT budgets); the driver drains poll_event() after
// every call.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "base/result.hpp"
#include "base/rng.hpp"
#include "base/time.hpp"
#include "crypto/keys.hpp"
#include "multiformats/peer_id.hpp"
#include "proto/gossipsub/config.hpp"
#include "proto/gossipsub/message_cache.hpp"
#include "proto/gossipsub/peer_score.hpp"
#include "proto/gossipsub/rpc.hpp"

namespace lotus::proto::gossipsub {

inline constexpr std::string_view kFloodsubId = "/floodsub/1.0.0";
inline constexpr std::string_view kMeshsubV10 = "/meshsub/1.0.0";
inline constexpr std::string_view kMeshsubV11 = "/meshsub/1.1.0";
inline constexpr std::string_view kMeshsubV12 = "/meshsub/1.2.0";

enum class Protocol { floodsub, meshsub_v10, meshsub_v11, meshsub_v12 };
std::optional<Protocol> protocol_from_id(std::string_view id);

enum class ValidationResult { accept, reject, ignore, pending };
// Called once per new message that passed the signature policy. `pending` defers the verdict to
// report_validation(id, ...); at most Config::max_pending_validations are pending at once.
using Validator =
    std::function<ValidationResult(const mf::PeerId& source, const Message& msg, const MessageId& id)>;

struct SendRpc {
  mf::PeerId peer;
  Rpc rpc;
};
struct Delivered {
  MessageId id;
  Message message;
  mf::PeerId source;  // the peer it arrived from (ourselves for emit_self)
};
struct PeerExchange {
  mf::PeerId from;
  std::string topic;
  std::vector<PeerInfo> peers;
};
using Event = std::variant<SendRpc, Delivered, PeerExchange>;

struct RouterStats {
  std::uint64_t rpcs_graylisted = 0;      // RPCs ignored because the sender is graylisted
  std::uint64_t messages_delivered = 0;
  std::uint64_t messages_duplicate = 0;
  std::uint64_t messages_rejected = 0;    // validator reject
  std::uint64_t messages_ignored = 0;     // validator ignore / queue full
  std::uint64_t messages_invalid_signature = 0;
  std::uint64_t messages_unsubscribed = 0;  // topic we are not subscribed to
  std::uint64_t grafts_refused_backoff = 0;
  std::uint64_t iwant_sent = 0;
  std::uint64_t iwant_answered = 0;
  std::uint64_t broken_promises = 0;
};

class Router {
 public:
  // `signing_key` must outlive the router; required for StrictSign publishing (may be null
  // otherwise). `rng` must outlive the router (DeterministicRng in tests).
  Router(mf::PeerId local, const crypto::PrivateKey* signing_key, Config config, Rng& rng, TimePoint now);

  Status add_peer(const mf::PeerId& peer, Protocol protocol, bool outbound, std::string ip, TimePoint now);
  Status remove_peer(const mf::PeerId& peer, TimePoint now);
  // Processes one RPC. Returns unknown_peer for a peer never added; everything else about the
  // RPC's content is handled (and penalised) internally and returns success.
  Status on_rpc(const mf::PeerId& peer, const Rpc& rpc, TimePoint now);

  Result<MessageId> publish(const std::string& topic, Bytes data, TimePoint now);
  Status subscribe(const std::string& topic, TimePoint now);
  Status unsubscribe(const std::string& topic, TimePoint now);
  void set_validator(Validator v) { m_validator = std::move(v); }
  Status report_validation(const MessageId& id, ValidationResult result, TimePoint now);
  void set_app_score(const mf::PeerId& peer, double score);

  void on_heartbeat(TimePoint now);
  TimePoint deadline() const noexcept { return m_next_heartbeat; }
  std::optional<Event> poll_event();

  // Inspection.
  const mf::PeerId& local_peer() const noexcept { return m_local; }
  std::set<mf::PeerId> mesh(const std::string& topic) const;
  std::set<mf::PeerId> fanout(const std::string& topic) const;
  // Peers that announced a subscription to `topic`.
  std::set<mf::PeerId> topic_peers(const std::string& topic) const;
  std::vector<mf::PeerId> peers() const;          // every added peer
  std::vector<std::string> subscriptions() const;  // topics we are subscribed to
  std::optional<Protocol> peer_protocol(const mf::PeerId& peer) const;
  bool subscribed(const std::string& topic) const { return m_subscribed.count(topic) != 0; }
  double score(const mf::PeerId& peer, TimePoint now) const;
  bool graylisted(const mf::PeerId& peer, TimePoint now) const;
  bool in_backoff(const std::string& topic, const mf::PeerId& peer, TimePoint now) const;
  const RouterStats& stats() const noexcept { return m_stats; }
  const PeerScore& peer_score() const noexcept { return m_score; }
  std::size_t pending_validations() const noexcept { return m_pending.size(); }

 private:
  struct PeerState {
    Protocol protocol = Protocol::meshsub_v11;
    bool outbound = false;
    std::set<std::string> topics;
    std::unordered_map<MessageId, TimePoint, BytesHash> dont_send;
    std::size_t ihave_received = 0;   // IHAVE messages this heartbeat
    std::size_t ids_asked = 0;        // ids requested by IWANT this heartbeat
    std::size_t iwant_replies = 0;    // messages sent in answer to IWANT this heartbeat
    std::size_t idontwant_received = 0;
  };
  struct Pending {
    mf::PeerId source;
    Message msg;
  };

  bool is_gossipsub(const PeerState& p) const { return p.protocol != Protocol::floodsub; }
  bool supports_px(const PeerState& p) const {
    return p.protocol == Protocol::meshsub_v11 || p.protocol == Protocol::meshsub_v12;
  }
  double peer_score(const mf::PeerId& p, TimePoint now) const;
  MessageId message_id(const Message& m) const;
  Rpc& out(const mf::PeerId& p) { return m_out[p]; }
  void flush();
  template <class T>
  void shuffle(std::vector<T>& v);

  void handle_message(const mf::PeerId& src, const Message& msg, TimePoint now);
  void accept_message(const mf::PeerId& src, const MessageId& id, const Message& msg, TimePoint now);
  void forward(const mf::PeerId& src, const MessageId& id, const Message& msg);
  void handle_ihave(const mf::PeerId& p, PeerState& ps, const std::vector<ControlIHave>& v, TimePoint now);
  void handle_iwant(const mf::PeerId& p, PeerState& ps, const std::vector<ControlIWant>& v, TimePoint now);
  void handle_graft(const mf::PeerId& p, PeerState& ps, const std::vector<ControlGraft>& v, TimePoint now);
  void handle_prune(const mf::PeerId& p, PeerState& ps, const std::vector<ControlPrune>& v, TimePoint now);
  void handle_idontwant(PeerState& ps, const std::vector<ControlIDontWant>& v, TimePoint now);

  void graft_peer(const std::string& topic, const mf::PeerId& p, TimePoint now);
  void send_prune(const std::string& topic, const mf::PeerId& p, bool px, Duration backoff, TimePoint now);
  void add_backoff(const std::string& topic, const mf::PeerId& p, TimePoint until);
  std::vector<mf::PeerId> candidates(const std::string& topic, const std::set<mf::PeerId>& exclude,
                                     double min_score, TimePoint now, bool check_backoff) const;
  void emit_gossip(const std::string& topic, const std::set<mf::PeerId>& exclude, TimePoint now);
  void maintain_mesh(const std::string& topic, std::set<mf::PeerId>& mesh, TimePoint now);

  mf::PeerId m_local;
  const crypto::PrivateKey* m_key;
  Config m_cfg;
  Rng& m_rng;
  Validator m_validator;
  std::uint64_t m_seqno;
  std::map<mf::PeerId, PeerState> m_peers;
  std::map<std::string, std::set<mf::PeerId>> m_topic_peers;
  std::set<std::string> m_subscribed;
  std::map<std::string, std::set<mf::PeerId>> m_mesh;
  std::map<std::string, std::set<mf::PeerId>> m_fanout;
  std::map<std::string, TimePoint> m_fanout_last_pub;
  std::map<std::string, std::map<mf::PeerId, TimePoint>> m_backoff;
  std::unordered_map<MessageId, std::map<mf::PeerId, TimePoint>, BytesHash> m_promises;
  std::unordered_map<MessageId, Pending, BytesHash> m_pending;
  MessageCache m_mcache;
  SeenCache m_seen;
  PeerScore m_score;
  std::map<mf::PeerId, Rpc> m_out;
  std::deque<Event> m_events;
  TimePoint m_next_heartbeat;
  std::uint64_t m_ticks = 0;
  RouterStats m_stats;
};

}  // namespace lotus::proto::gossipsub
