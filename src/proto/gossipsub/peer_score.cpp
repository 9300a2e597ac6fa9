#include "proto/gossipsub/peer_score.hpp"

#include <algorithm>
#include <cmath>

namespace lotus::proto::gossipsub {
namespace {
constexpr Duration kRecordTtl = std::chrono::minutes(2);

double decay(double v, double factor, double to_zero) {
  v *= factor;
  return std::abs(v) < to_zero ? 0 : v;
}
}  // namespace

const TopicScoreParams* PeerScore::topic_params(const std::string& t) const {
  auto it = m_params.topics.find(t);
  return it == m_params.topics.end() ? nullptr : &it->second;
}

PeerScore::TopicStats* PeerScore::stats(const mf::PeerId& p, const std::string& t) {
  if (!topic_params(t)) return nullptr;
  auto it = m_peers.find(p);
  if (it == m_peers.end()) return nullptr;
  return &it->second.topics[t];
}

void PeerScore::add_peer(const mf::PeerId& p, const std::string& ip, TimePoint) {
  auto& ps = m_peers[p];
  ps.connected = true;
  if (!ps.ip.empty()) m_ips[ps.ip].erase(p);
  ps.ip = ip;
  if (!ip.empty()) m_ips[ip].insert(p);
}

void PeerScore::remove_peer(const mf::PeerId& p, TimePoint now) {
  auto it = m_peers.find(p);
  if (it == m_peers.end()) return;
  auto& ps = it->second;
  if (!ps.ip.empty()) {
    auto ipit = m_ips.find(ps.ip);
    if (ipit != m_ips.end()) {
      ipit->second.erase(p);
      if (ipit->second.empty()) m_ips.erase(ipit);
    }
  }
  // A peer with a non-negative score is forgotten at once; a negative one is retained.
  if (score(p, now) >= 0) {
    m_peers.erase(it);
    return;
  }
  for (auto& [topic, ts] : ps.topics) {
    if (ts.in_mesh) prune(p, topic);
    ts.first_deliveries = 0;
  }
  ps.connected = false;
  ps.expire = now + m_params.retain_score;
}

void PeerScore::graft(const mf::PeerId& p, const std::string& t, TimePoint now) {
  auto* ts = stats(p, t);
  if (!ts) return;
  ts->in_mesh = true;
  ts->graft_time = now;
  ts->mesh_active = false;
}

void PeerScore::prune(const mf::PeerId& p, const std::string& t) {
  const auto* tp = topic_params(t);
  auto* ts = stats(p, t);
  if (!ts || !tp) return;
  if (ts->mesh_active && ts->mesh_deliveries < tp->mesh_message_deliveries_threshold) {
    const double deficit = tp->mesh_message_deliveries_threshold - ts->mesh_deliveries;
    ts->mesh_failure_penalty += deficit * deficit;
  }
  ts->in_mesh = false;
  ts->mesh_active = false;
}

PeerScore::Record& PeerScore::record(const MessageId& id, TimePoint now) {
  auto [it, inserted] = m_records.try_emplace(id);
  if (inserted) {
    it->second.first_seen = now;
    m_record_order.emplace_back(now + kRecordTtl, id);
    while (m_record_order.size() > kMaxRecords) {
      m_records.erase(m_record_order.front().second);
      m_record_order.pop_front();
    }
  }
  return m_records.find(id)->second;
}

void PeerScore::mark_first(const mf::PeerId& p, const std::string& t) {
  const auto* tp = topic_params(t);
  auto* ts = stats(p, t);
  if (!ts || !tp) return;
  ts->first_deliveries = std::min(ts->first_deliveries + 1, tp->first_message_deliveries_cap);
  if (ts->in_mesh)
    ts->mesh_deliveries = std::min(ts->mesh_deliveries + 1, tp->mesh_message_deliveries_cap);
}

void PeerScore::mark_mesh(const mf::PeerId& p, const std::string& t, TimePoint first, TimePoint now) {
  const auto* tp = topic_params(t);
  auto* ts = stats(p, t);
  if (!ts || !tp || !ts->in_mesh) return;
  if (now - first > tp->mesh_message_deliveries_window) return;
  ts->mesh_deliveries = std::min(ts->mesh_deliveries + 1, tp->mesh_message_deliveries_cap);
}

void PeerScore::mark_invalid(const mf::PeerId& p, const std::string& t) {
  if (auto* ts = stats(p, t)) ts->invalid_deliveries += 1;
}

void PeerScore::validate_message(const mf::PeerId& from, const MessageId& id, TimePoint now) {
  record(id, now).peers.insert(from);
}

void PeerScore::deliver_message(const mf::PeerId& from, const MessageId& id, const std::string& topic,
                                TimePoint now) {
  auto& r = record(id, now);
  if (r.status != Status::pending) return;
  r.status = Status::valid;
  r.validated = now;
  mark_first(from, topic);
  for (const auto& p : r.peers)
    if (!(p == from)) mark_mesh(p, topic, r.first_seen, now);
}

void PeerScore::reject_message(const mf::PeerId& from, const MessageId& id, const std::string& topic) {
  auto it = m_records.find(id);
  if (it == m_records.end()) {
    mark_invalid(from, topic);
    return;
  }
  auto& r = it->second;
  if (r.status != Status::pending) return;
  r.status = Status::invalid;
  r.peers.insert(from);
  for (const auto& p : r.peers) mark_invalid(p, topic);
  r.peers.clear();
}

void PeerScore::ignore_message(const MessageId& id) {
  auto it = m_records.find(id);
  if (it == m_records.end()) return;
  it->second.status = Status::ignored;
  it->second.peers.clear();
}

void PeerScore::duplicate_message(const mf::PeerId& from, const MessageId& id, const std::string& topic,
                                  TimePoint now) {
  auto it = m_records.find(id);
  if (it == m_records.end()) return;
  auto& r = it->second;
  if (r.peers.count(from)) return;
  switch (r.status) {
    case Status::pending: r.peers.insert(from); break;
    case Status::valid:
      r.peers.insert(from);
      mark_mesh(from, topic, r.validated, now);
      break;
    case Status::invalid: mark_invalid(from, topic); break;
    case Status::ignored: break;
  }
}

void PeerScore::reject_invalid(const mf::PeerId& from, const std::string& topic) { mark_invalid(from, topic); }

void PeerScore::add_penalty(const mf::PeerId& p, double count) {
  auto it = m_peers.find(p);
  if (it != m_peers.end()) it->second.behaviour_penalty += count;
}

void PeerScore::set_app_score(const mf::PeerId& p, double s) {
  auto it = m_peers.find(p);
  if (it != m_peers.end()) it->second.app_score = s;
}

void PeerScore::refresh(TimePoint now) {
  while (!m_record_order.empty() && m_record_order.front().first <= now) {
    m_records.erase(m_record_order.front().second);
    m_record_order.pop_front();
  }
  for (auto it = m_peers.begin(); it != m_peers.end();) {
    if (!it->second.connected && it->second.expire <= now)
      it = m_peers.erase(it);
    else
      ++it;
  }
  if (!m_decayed_once) {
    m_decayed_once = true;
    m_last_decay = now;
    return;
  }
  if (now - m_last_decay < m_params.decay_interval) return;
  m_last_decay = now;
  const double z = m_params.decay_to_zero;
  for (auto& [pid, ps] : m_peers) {
    for (auto& [topic, ts] : ps.topics) {
      const auto* tp = topic_params(topic);
      if (!tp) continue;
      ts.first_deliveries = decay(ts.first_deliveries, tp->first_message_deliveries_decay, z);
      ts.mesh_deliveries = decay(ts.mesh_deliveries, tp->mesh_message_deliveries_decay, z);
      ts.mesh_failure_penalty = decay(ts.mesh_failure_penalty, tp->mesh_failure_penalty_decay, z);
      ts.invalid_deliveries = decay(ts.invalid_deliveries, tp->invalid_message_deliveries_decay, z);
      if (ts.in_mesh && now - ts.graft_time >= tp->mesh_message_deliveries_activation) ts.mesh_active = true;
    }
    ps.behaviour_penalty = decay(ps.behaviour_penalty, m_params.behaviour_penalty_decay, z);
  }
}

double PeerScore::score(const mf::PeerId& p, TimePoint now) const {
  auto it = m_peers.find(p);
  if (it == m_peers.end()) return 0;
  const auto& ps = it->second;
  double topic_sum = 0;
  for (const auto& [topic, ts] : ps.topics) {
    const auto* tp = topic_params(topic);
    if (!tp) continue;
    double s = 0;
    if (ts.in_mesh) {
      const double quanta = std::chrono::duration<double>(now - ts.graft_time).count() /
                            std::chrono::duration<double>(tp->time_in_mesh_quantum).count();
      s += tp->time_in_mesh_weight * std::min(std::max(quanta, 0.0), tp->time_in_mesh_cap);
    }
    s += tp->first_message_deliveries_weight * ts.first_deliveries;
    if (ts.mesh_active && ts.mesh_deliveries < tp->mesh_message_deliveries_threshold) {
      const double deficit = tp->mesh_message_deliveries_threshold - ts.mesh_deliveries;
      s += tp->mesh_message_deliveries_weight * deficit * deficit;
    }
    s += tp->mesh_failure_penalty_weight * ts.mesh_failure_penalty;
    s += tp->invalid_message_deliveries_weight * ts.invalid_deliveries * ts.invalid_deliveries;
    topic_sum += tp->topic_weight * s;
  }
  if (m_params.topic_score_cap > 0) topic_sum = std::min(topic_sum, m_params.topic_score_cap);
  double score = topic_sum + m_params.app_specific_weight * ps.app_score;
  if (!ps.ip.empty()) {
    auto ipit = m_ips.find(ps.ip);
    const double n = ipit == m_ips.end() ? 0 : static_cast<double>(ipit->second.size());
    if (n > m_params.ip_colocation_factor_threshold) {
      const double surplus = n - m_params.ip_colocation_factor_threshold;
      score += m_params.ip_colocation_factor_weight * surplus * surplus;
    }
  }
  if (ps.behaviour_penalty > m_params.behaviour_penalty_threshold) {
    const double excess = ps.behaviour_penalty - m_params.behaviour_penalty_threshold;
    score += m_params.behaviour_penalty_weight * excess * excess;
  }
  return score;
}

double PeerScore::invalid_deliveries(const mf::PeerId& p, const std::string& topic) const {
  auto it = m_peers.find(p);
  if (it == m_peers.end()) return 0;
  auto t = it->second.topics.find(topic);
  return t == it->second.topics.end() ? 0 : t->second.invalid_deliveries;
}
double PeerScore::first_deliveries(const mf::PeerId& p, const std::string& topic) const {
  auto it = m_peers.find(p);
  if (it == m_peers.end()) return 0;
  auto t = it->second.topics.find(topic);
  return t == it->second.topics.end() ? 0 : t->second.first_deliveries;
}
double PeerScore::behaviour_penalty(const mf::PeerId& p) const {
  auto it = m_peers.find(p);
  return it == m_peers.end() ? 0 : it->second.behaviour_penalty;
}

}  // namespace lotus::proto::gossipsub
