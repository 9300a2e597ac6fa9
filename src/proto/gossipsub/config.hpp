// GossipSub router configuration. Defaults follow gossipsub-v1.0/v1.1 and js @libp2p/gossipsub
// (D=6, D_lo=4, D_hi=12, D_lazy=6, D_score=4, D_out=2, heartbeat 1 s, fanout TTL 60 s, mcache 5/3,
// seen TTL 2 min, prune backoff 1 min, unsubscribe backoff 10 s, 16 PX peers, max 10 IHAVE
// messages and 5000 ids per heartbeat per peer, IWANT follow-up 3 s, gossip factor 0.25,
// 3 retransmissions, opportunistic graft every 60 ticks for 2 peers, graft flood threshold 10 s).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "base/time.hpp"
#include "proto/gossipsub/rpc.hpp"
#include "proto/gossipsub/signing.hpp"

namespace lotus::proto::gossipsub {

// Per-topic score parameters (gossipsub-v1.1.md "Topic Parameter Calculation").
struct TopicScoreParams {
  double topic_weight = 1.0;
  // P1: time in mesh
  double time_in_mesh_weight = 0.01;
  Duration time_in_mesh_quantum = std::chrono::seconds(1);
  double time_in_mesh_cap = 3600;
  // P2: first message deliveries
  double first_message_deliveries_weight = 1.0;
  double first_message_deliveries_decay = 0.5;
  double first_message_deliveries_cap = 2000;
  // P3: mesh message delivery deficit (weight <= 0; 0 disables)
  double mesh_message_deliveries_weight = 0;
  double mesh_message_deliveries_decay = 0.5;
  double mesh_message_deliveries_cap = 100;
  double mesh_message_deliveries_threshold = 20;
  Duration mesh_message_deliveries_window = std::chrono::milliseconds(10);
  Duration mesh_message_deliveries_activation = std::chrono::seconds(5);
  // P3b: sticky mesh failure penalty
  double mesh_failure_penalty_weight = 0;
  double mesh_failure_penalty_decay = 0.5;
  // P4: invalid messages (weight <= 0)
  double invalid_message_deliveries_weight = -1.0;
  double invalid_message_deliveries_decay = 0.3;
};

struct ScoreParams {
  std::map<std::string, TopicScoreParams> topics;
  double topic_score_cap = 0;  // 0: no cap
  double app_specific_weight = 1.0;  // P5 (application score set with Router::set_app_score)
  double ip_colocation_factor_weight = 0;  // P6 (<= 0)
  double ip_colocation_factor_threshold = 10;
  double behaviour_penalty_weight = -10.0;  // P7 (<= 0)
  double behaviour_penalty_threshold = 0;
  double behaviour_penalty_decay = 0.2;
  Duration decay_interval = std::chrono::seconds(1);
  double decay_to_zero = 0.1;
  Duration retain_score = std::chrono::hours(1);
};

struct ScoreThresholds {
  double gossip_threshold = -10;       // below: no gossip to/from the peer
  double publish_threshold = -50;      // below: no flood-publish to the peer
  double graylist_threshold = -80;     // below: all RPCs from the peer are ignored
  double accept_px_threshold = 10;     // PX from peers at least this good is surfaced
  double opportunistic_graft_threshold = 20;
};

struct Config {
  // mesh
  std::size_t d = 6, d_lo = 4, d_hi = 12, d_lazy = 6, d_score = 4, d_out = 2;
  Duration heartbeat_interval = std::chrono::seconds(1);
  Duration heartbeat_initial_delay = std::chrono::milliseconds(100);
  Duration fanout_ttl = std::chrono::seconds(60);
  std::size_t mcache_len = 5, mcache_gossip = 3;
  std::size_t mcache_max_bytes = 32 * 1024 * 1024;  // message data in the cache (oldest leave first)
  Duration seen_ttl = std::chrono::minutes(2);
  std::size_t max_seen = 1'000'000;  // seen-cache bound (oldest entries are dropped first)
  Duration prune_backoff = std::chrono::minutes(1);
  Duration unsubscribe_backoff = std::chrono::seconds(10);
  Duration graft_flood_threshold = std::chrono::seconds(10);
  std::size_t prune_peers = 16;  // PX peers sent with a PRUNE
  bool do_px = true;
  bool flood_publish = true;
  bool allow_publish_to_zero_peers = false;
  bool emit_self = false;
  double gossip_factor = 0.25;
  std::size_t gossip_retransmission = 3;
  std::size_t max_ihave_length = 5000;      // ids advertised per IHAVE / asked per heartbeat per peer
  std::size_t max_ihave_messages = 10;      // IHAVE messages accepted per heartbeat per peer
  std::size_t max_iwant_replies = 5000;     // messages sent per heartbeat per peer on IWANT
  Duration iwant_followup_time = std::chrono::seconds(3);
  std::size_t opportunistic_graft_ticks = 60;
  std::size_t opportunistic_graft_peers = 2;
  // v1.2
  std::size_t idontwant_min_data_size = 512;  // IDONTWANT sent for messages at least this big
  std::size_t max_idontwant_messages = 512;   // ids accepted per heartbeat per peer
  Duration idontwant_ttl = std::chrono::seconds(3);
  // messages
  SignaturePolicy signature_policy = SignaturePolicy::strict_sign;
  MessageIdFn message_id;  // empty: default_message_id (from ‖ seqno)
  std::size_t max_pending_validations = 1024;
  std::size_t max_topics_per_peer = 1024;
  Limits limits;
  // scoring (off by default)
  bool scoring_enabled = false;
  ScoreParams score;
  ScoreThresholds thresholds;
};

}  // namespace lotus::proto::gossipsub
