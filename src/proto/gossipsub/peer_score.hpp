// GossipSub v1.1 peer scoring (gossipsub-v1.1.md "Peer Scoring"), sans-IO.
//
//   score(p) = cap(Σ_t w_t · (w1·P1 + w2·P2 + w3·P3 + w3b·P3b + w4·P4)) + w5·P5 + w6·P6 + w7·P7
//   P1 time in mesh (quanta, capped)   P2 first deliveries (capped, decays)
//   P3 (deficit below threshold)² once active in mesh   P3b sticky deficit at prune
//   P4 invalid messages²   P5 application score   P6 (peers on same IP − threshold)²
//   P7 (behaviour penalty − threshold)²
// Counters decay every decay_interval (refresh(now)); values below decay_to_zero become 0.
// A removed peer's counters are retained for retain_score (so reconnecting does not reset a
// negative score). Delivery records (for P3 near-first deliveries and P4 for duplicates of
// invalid messages) are kept for 2 min and at most kMaxRecords entries.
// Not done: per-topic invalid-message "reason" distinctions beyond reject/ignore.
#pragma once

#include <deque>
#include <map>
#include <set>
#include <string>
#include <unordered_map>

#include "base/time.hpp"
#include "multiformats/peer_id.hpp"
#include "proto/gossipsub/config.hpp"

namespace lotus::proto::gossipsub {

struct BytesHash {
  std::size_t operator()(const Bytes& b) const noexcept {
    return std::hash<std::string_view>{}(as_string_view(b));
  }
};

class PeerScore {
 public:
  static constexpr std::size_t kMaxRecords = 200'000;

  explicit PeerScore(const ScoreParams& params) : m_params(params) {}

  void add_peer(const mf::PeerId& p, const std::string& ip, TimePoint now);
  void remove_peer(const mf::PeerId& p, TimePoint now);
  void graft(const mf::PeerId& p, const std::string& topic, TimePoint now);
  void prune(const mf::PeerId& p, const std::string& topic);

  // Message pipeline: first arrival (before validation), then one of accept/reject/ignore.
  void validate_message(const mf::PeerId& from, const MessageId& id, TimePoint now);
  void deliver_message(const mf::PeerId& from, const MessageId& id, const std::string& topic, TimePoint now);
  void reject_message(const mf::PeerId& from, const MessageId& id, const std::string& topic);
  void ignore_message(const MessageId& id);
  void duplicate_message(const mf::PeerId& from, const MessageId& id, const std::string& topic, TimePoint now);
  // Invalid before an id exists (bad signature): P4 for the sender only.
  void reject_invalid(const mf::PeerId& from, const std::string& topic);

  void add_penalty(const mf::PeerId& p, double count);
  void set_app_score(const mf::PeerId& p, double s);

  void refresh(TimePoint now);  // decay (at most once per decay_interval) and expiry
  double score(const mf::PeerId& p, TimePoint now) const;

  // Inspection (tests).
  double invalid_deliveries(const mf::PeerId& p, const std::string& topic) const;
  double first_deliveries(const mf::PeerId& p, const std::string& topic) const;
  double behaviour_penalty(const mf::PeerId& p) const;

 private:
  struct TopicStats {
    bool in_mesh = false;
    TimePoint graft_time{};
    bool mesh_active = false;
    double first_deliveries = 0;
    double mesh_deliveries = 0;
    double mesh_failure_penalty = 0;
    double invalid_deliveries = 0;
  };
  struct PeerStats {
    bool connected = true;
    TimePoint expire{};
    std::string ip;
    std::map<std::string, TopicStats> topics;
    double behaviour_penalty = 0;
    double app_score = 0;
  };
  enum class Status { pending, valid, invalid, ignored };
  struct Record {
    Status status = Status::pending;
    TimePoint first_seen{};
    TimePoint validated{};
    std::set<mf::PeerId> peers;  // peers that delivered it (first sender included)
  };

  const TopicScoreParams* topic_params(const std::string& t) const;
  TopicStats* stats(const mf::PeerId& p, const std::string& t);
  Record& record(const MessageId& id, TimePoint now);
  void mark_first(const mf::PeerId& p, const std::string& t);
  void mark_mesh(const mf::PeerId& p, const std::string& t, TimePoint first, TimePoint now);
  void mark_invalid(const mf::PeerId& p, const std::string& t);

  ScoreParams m_params;
  std::map<mf::PeerId, PeerStats> m_peers;
  std::map<std::string, std::set<mf::PeerId>> m_ips;
  std::unordered_map<MessageId, Record, BytesHash> m_records;
  std::deque<std::pair<TimePoint, MessageId>> m_record_order;
  TimePoint m_last_decay{};
  bool m_decayed_once = false;
};

}  // namespace lotus::proto::gossipsub
