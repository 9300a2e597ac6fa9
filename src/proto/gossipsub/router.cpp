#include "proto/gossipsub/router.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace lotus::proto::gossipsub {

std::optional<Protocol> protocol_from_id(std::string_view id) {
  if (id == kMeshsubV12) return Protocol::meshsub_v12;
  if (id == kMeshsubV11) return Protocol::meshsub_v11;
  if (id == kMeshsubV10) return Protocol::meshsub_v10;
  if (id == kFloodsubId) return Protocol::floodsub;
  return std::nullopt;
}

Router::Router(mf::PeerId local, const crypto::PrivateKey* signing_key, Config config, Rng& rng, TimePoint now)
    : m_local(std::move(local)),
      m_key(signing_key),
      m_cfg(std::move(config)),
      m_rng(rng),
      m_seqno(rng.next_u64()),
      m_mcache(std::max<std::size_t>(m_cfg.mcache_len, 1), m_cfg.mcache_gossip, m_cfg.mcache_max_bytes),
      m_seen(m_cfg.seen_ttl, m_cfg.max_seen),
      m_score(m_cfg.score),
      m_next_heartbeat(now + m_cfg.heartbeat_initial_delay) {}

template <class T>
void Router::shuffle(std::vector<T>& v) {
  for (std::size_t i = v.size(); i > 1; --i) {
    const auto j = static_cast<std::size_t>(m_rng.uniform(i));
    std::swap(v[i - 1], v[j]);
  }
}

double Router::peer_score(const mf::PeerId& p, TimePoint now) const {
  return m_cfg.scoring_enabled ? m_score.score(p, now) : 0.0;
}
double Router::score(const mf::PeerId& peer, TimePoint now) const { return peer_score(peer, now); }
bool Router::graylisted(const mf::PeerId& peer, TimePoint now) const {
  return m_cfg.scoring_enabled && m_score.score(peer, now) < m_cfg.thresholds.graylist_threshold;
}

MessageId Router::message_id(const Message& m) const {
  return m_cfg.message_id ? m_cfg.message_id(m) : default_message_id(m);
}

std::set<mf::PeerId> Router::mesh(const std::string& topic) const {
  auto it = m_mesh.find(topic);
  return it == m_mesh.end() ? std::set<mf::PeerId>{} : it->second;
}
std::set<mf::PeerId> Router::fanout(const std::string& topic) const {
  auto it = m_fanout.find(topic);
  return it == m_fanout.end() ? std::set<mf::PeerId>{} : it->second;
}

std::set<mf::PeerId> Router::topic_peers(const std::string& topic) const {
  auto it = m_topic_peers.find(topic);
  return it == m_topic_peers.end() ? std::set<mf::PeerId>{} : it->second;
}
std::vector<mf::PeerId> Router::peers() const {
  std::vector<mf::PeerId> out;
  out.reserve(m_peers.size());
  for (const auto& [p, ps] : m_peers) out.push_back(p);
  return out;
}
std::vector<std::string> Router::subscriptions() const { return {m_subscribed.begin(), m_subscribed.end()}; }
std::optional<Protocol> Router::peer_protocol(const mf::PeerId& peer) const {
  auto it = m_peers.find(peer);
  if (it == m_peers.end()) return std::nullopt;
  return it->second.protocol;
}

bool Router::in_backoff(const std::string& topic, const mf::PeerId& peer, TimePoint now) const {
  auto t = m_backoff.find(topic);
  if (t == m_backoff.end()) return false;
  auto p = t->second.find(peer);
  return p != t->second.end() && p->second > now;
}

void Router::add_backoff(const std::string& topic, const mf::PeerId& p, TimePoint until) {
  auto& slot = m_backoff[topic][p];
  slot = std::max(slot, until);
}

void Router::set_app_score(const mf::PeerId& peer, double s) { m_score.set_app_score(peer, s); }

std::optional<Event> Router::poll_event() {
  if (m_events.empty()) return std::nullopt;
  Event e = std::move(m_events.front());
  m_events.pop_front();
  return e;
}

void Router::flush() {
  for (auto& [peer, rpc] : m_out) {
    if (rpc.empty()) continue;
    for (auto& part : split_rpc(std::move(rpc), m_cfg.limits))
      if (!part.empty()) m_events.emplace_back(SendRpc{peer, std::move(part)});
  }
  m_out.clear();
}

// ---------------------------------------------------------------- peers

Status Router::add_peer(const mf::PeerId& peer, Protocol protocol, bool outbound, std::string ip, TimePoint now) {
  if (m_peers.count(peer)) return errc::duplicate_peer;
  auto& ps = m_peers[peer];
  ps.protocol = protocol;
  ps.outbound = outbound;
  if (m_cfg.scoring_enabled) m_score.add_peer(peer, ip, now);
  if (!m_subscribed.empty()) {
    auto& rpc = out(peer);
    for (const auto& t : m_subscribed) rpc.subscriptions.push_back(SubOpts{true, t});
  }
  flush();
  return {};
}

Status Router::remove_peer(const mf::PeerId& peer, TimePoint now) {
  auto it = m_peers.find(peer);
  if (it == m_peers.end()) return errc::unknown_peer;
  for (const auto& t : it->second.topics) {
    auto tp = m_topic_peers.find(t);
    if (tp != m_topic_peers.end()) {
      tp->second.erase(peer);
      if (tp->second.empty()) m_topic_peers.erase(tp);
    }
  }
  for (auto& [topic, mesh] : m_mesh)
    if (mesh.erase(peer) && m_cfg.scoring_enabled) m_score.prune(peer, topic);
  for (auto& [topic, f] : m_fanout) f.erase(peer);
  m_peers.erase(it);
  m_out.erase(peer);
  if (m_cfg.scoring_enabled) m_score.remove_peer(peer, now);
  return {};
}

// ---------------------------------------------------------------- subscriptions

Status Router::subscribe(const std::string& topic, TimePoint now) {
  if (topic.size() > m_cfg.limits.max_topic_size) return errc::topic_too_long;
  if (!m_subscribed.insert(topic).second) return {};
  for (const auto& [peer, ps] : m_peers) out(peer).subscriptions.push_back(SubOpts{true, topic});
  // Join: fanout peers first, then other topic peers, up to D.
  auto& mesh = m_mesh[topic];
  auto f = m_fanout.find(topic);
  if (f != m_fanout.end()) {
    for (const auto& p : f->second) {
      if (mesh.size() >= m_cfg.d) break;
      if (!in_backoff(topic, p, now) && peer_score(p, now) >= 0) mesh.insert(p);
    }
    m_fanout.erase(f);
    m_fanout_last_pub.erase(topic);
  }
  if (mesh.size() < m_cfg.d) {
    auto c = candidates(topic, mesh, 0.0, now, true);
    for (std::size_t i = 0; i < c.size() && mesh.size() < m_cfg.d; ++i) mesh.insert(c[i]);
  }
  for (const auto& p : mesh) {
    if (m_cfg.scoring_enabled) m_score.graft(p, topic, now);
    out(p).control.graft.push_back(ControlGraft{topic});
  }
  flush();
  return {};
}

Status Router::unsubscribe(const std::string& topic, TimePoint now) {
  if (!m_subscribed.erase(topic)) return errc::not_subscribed;
  for (const auto& [peer, ps] : m_peers) out(peer).subscriptions.push_back(SubOpts{false, topic});
  auto m = m_mesh.find(topic);
  if (m != m_mesh.end()) {
    for (const auto& p : m->second) {
      if (m_cfg.scoring_enabled) m_score.prune(p, topic);
      send_prune(topic, p, true, m_cfg.unsubscribe_backoff, now);
    }
    m_mesh.erase(m);
  }
  flush();
  return {};
}

// ---------------------------------------------------------------- publish

Result<MessageId> Router::publish(const std::string& topic, Bytes data, TimePoint now) {
  if (topic.size() > m_cfg.limits.max_topic_size) return errc::topic_too_long;
  Message msg;
  msg.topic = topic;
  msg.data = std::move(data);
  if (m_cfg.signature_policy == SignaturePolicy::strict_sign) {
    if (!m_key) return errc::signing_failed;
    Bytes seq(kSeqnoSize);
    const std::uint64_t s = m_seqno++;
    for (std::size_t i = 0; i < kSeqnoSize; ++i) seq[i] = static_cast<std::uint8_t>(s >> (8 * (7 - i)));
    msg.seqno = std::move(seq);
    LOTUS_CHECK(sign_message(msg, *m_key));
  }
  {
    Bytes enc;
    encode(msg, enc);
    if (enc.size() + 16 > m_cfg.limits.max_rpc_size) return errc::rpc_too_large;
  }
  MessageId id = message_id(msg);
  if (m_seen.contains(id)) return errc::duplicate_message;

  std::set<mf::PeerId> targets;
  auto tp = m_topic_peers.find(topic);
  if (tp != m_topic_peers.end()) {
    for (const auto& p : tp->second) {
      const auto& ps = m_peers.at(p);
      if (!is_gossipsub(ps)) {
        targets.insert(p);
      } else if (m_cfg.flood_publish && peer_score(p, now) >= m_cfg.thresholds.publish_threshold) {
        targets.insert(p);
      }
    }
  }
  if (!m_cfg.flood_publish) {
    if (m_subscribed.count(topic)) {
      for (const auto& p : m_mesh[topic]) targets.insert(p);
    } else {
      auto& f = m_fanout[topic];
      if (f.empty()) {
        auto c = candidates(topic, {}, m_cfg.thresholds.publish_threshold, now, false);
        for (std::size_t i = 0; i < c.size() && f.size() < m_cfg.d; ++i) f.insert(c[i]);
      }
      for (const auto& p : f) targets.insert(p);
      m_fanout_last_pub[topic] = now;
    }
  }
  if (targets.empty() && !m_cfg.allow_publish_to_zero_peers) return errc::no_peers;

  m_seen.insert(id, now);
  m_mcache.put(id, msg);
  for (const auto& p : targets) out(p).publish.push_back(msg);
  if (m_cfg.emit_self && m_subscribed.count(topic)) {
    ++m_stats.messages_delivered;
    m_events.emplace_back(Delivered{id, msg, m_local});
  }
  flush();
  return id;
}

// ---------------------------------------------------------------- inbound

Status Router::on_rpc(const mf::PeerId& peer, const Rpc& rpc, TimePoint now) {
  auto it = m_peers.find(peer);
  if (it == m_peers.end()) return errc::unknown_peer;
  if (graylisted(peer, now)) {
    ++m_stats.rpcs_graylisted;
    return {};
  }
  auto& ps = it->second;
  for (const auto& s : rpc.subscriptions) {
    if (s.subscribe) {
      if (ps.topics.size() >= m_cfg.max_topics_per_peer && !ps.topics.count(s.topic)) continue;
      ps.topics.insert(s.topic);
      m_topic_peers[s.topic].insert(peer);
    } else {
      ps.topics.erase(s.topic);
      auto tp = m_topic_peers.find(s.topic);
      if (tp != m_topic_peers.end()) {
        tp->second.erase(peer);
        if (tp->second.empty()) m_topic_peers.erase(tp);
      }
      auto m = m_mesh.find(s.topic);
      if (m != m_mesh.end() && m->second.erase(peer) && m_cfg.scoring_enabled) m_score.prune(peer, s.topic);
      auto f = m_fanout.find(s.topic);
      if (f != m_fanout.end()) f->second.erase(peer);
    }
  }
  for (const auto& m : rpc.publish) handle_message(peer, m, now);
  if (is_gossipsub(ps) && !rpc.control.empty()) {
    const auto& c = rpc.control;
    handle_ihave(peer, ps, c.ihave, now);
    handle_iwant(peer, ps, c.iwant, now);
    handle_graft(peer, ps, c.graft, now);
    handle_prune(peer, ps, c.prune, now);
    handle_idontwant(ps, c.idontwant, now);
  }
  flush();
  return {};
}

void Router::handle_message(const mf::PeerId& src, const Message& msg, TimePoint now) {
  if (!m_subscribed.count(msg.topic)) {
    ++m_stats.messages_unsubscribed;
    return;
  }
  // Seen check first (duplicates are the common case and need no signature check); a copy with a
  // bad signature is not marked seen, so it cannot shadow the genuine message.
  MessageId id = message_id(msg);
  if (m_seen.contains(id)) {
    ++m_stats.messages_duplicate;
    if (m_cfg.scoring_enabled) m_score.duplicate_message(src, id, msg.topic, now);
    return;
  }
  if (!check_signature_policy(msg, m_cfg.signature_policy)) {
    ++m_stats.messages_invalid_signature;
    if (m_cfg.scoring_enabled) m_score.reject_invalid(src, msg.topic);
    return;
  }
  m_seen.insert(id, now);
  m_promises.erase(id);
  if (m_cfg.scoring_enabled) m_score.validate_message(src, id, now);
  if (msg.data.size() >= m_cfg.idontwant_min_data_size) {
    auto m = m_mesh.find(msg.topic);
    if (m != m_mesh.end())
      for (const auto& p : m->second) {
        if (p == src || m_peers.at(p).protocol != Protocol::meshsub_v12) continue;
        auto& c = out(p).control.idontwant;
        if (c.empty()) c.emplace_back();
        c.back().ids.push_back(id);
      }
  }
  const ValidationResult r = m_validator ? m_validator(src, msg, id) : ValidationResult::accept;
  switch (r) {
    case ValidationResult::accept: accept_message(src, id, msg, now); break;
    case ValidationResult::reject:
      ++m_stats.messages_rejected;
      if (m_cfg.scoring_enabled) m_score.reject_message(src, id, msg.topic);
      break;
    case ValidationResult::ignore:
      ++m_stats.messages_ignored;
      if (m_cfg.scoring_enabled) m_score.ignore_message(id);
      break;
    case ValidationResult::pending:
      if (m_pending.size() >= m_cfg.max_pending_validations) {
        ++m_stats.messages_ignored;
        if (m_cfg.scoring_enabled) m_score.ignore_message(id);
      } else {
        m_pending.emplace(std::move(id), Pending{src, msg});
      }
      break;
  }
}

Status Router::report_validation(const MessageId& id, ValidationResult result, TimePoint now) {
  auto it = m_pending.find(id);
  if (it == m_pending.end() || result == ValidationResult::pending) return errc::unknown_validation;
  Pending p = std::move(it->second);
  m_pending.erase(it);
  // A message whose source has left meanwhile is still delivered and forwarded.
  switch (result) {
    case ValidationResult::accept: accept_message(p.source, id, p.msg, now); break;
    case ValidationResult::reject:
      ++m_stats.messages_rejected;
      if (m_cfg.scoring_enabled) m_score.reject_message(p.source, id, p.msg.topic);
      break;
    default:
      ++m_stats.messages_ignored;
      if (m_cfg.scoring_enabled) m_score.ignore_message(id);
      break;
  }
  flush();
  return {};
}

void Router::accept_message(const mf::PeerId& src, const MessageId& id, const Message& msg, TimePoint now) {
  if (m_cfg.scoring_enabled) m_score.deliver_message(src, id, msg.topic, now);
  m_mcache.put(id, msg);
  ++m_stats.messages_delivered;
  forward(src, id, msg);
  m_events.emplace_back(Delivered{id, msg, src});
}

void Router::forward(const mf::PeerId& src, const MessageId& id, const Message& msg) {
  auto send = [&](const mf::PeerId& p, const PeerState& ps) {
    if (p == src) return;
    if (msg.from && p.bytes() == *msg.from) return;
    if (ps.dont_send.count(id)) return;
    out(p).publish.push_back(msg);
  };
  // Floodsub peers are never in a mesh, so the two sets below are disjoint.
  auto tp = m_topic_peers.find(msg.topic);
  if (tp != m_topic_peers.end())
    for (const auto& p : tp->second) {
      const auto& ps = m_peers.at(p);
      if (!is_gossipsub(ps)) send(p, ps);
    }
  auto m = m_mesh.find(msg.topic);
  if (m != m_mesh.end())
    for (const auto& p : m->second) send(p, m_peers.at(p));
}

void Router::handle_ihave(const mf::PeerId& p, PeerState& ps, const std::vector<ControlIHave>& v, TimePoint now) {
  if (v.empty()) return;
  if (peer_score(p, now) < m_cfg.thresholds.gossip_threshold) return;
  if (++ps.ihave_received > m_cfg.max_ihave_messages) return;
  if (ps.ids_asked >= m_cfg.max_ihave_length) return;
  std::vector<MessageId> want;
  std::set<MessageId> dedup;
  for (const auto& ih : v) {
    if (!m_mesh.count(ih.topic)) continue;
    for (const auto& id : ih.ids)
      if (!m_seen.contains(id) && !m_pending.count(id) && dedup.insert(id).second) want.push_back(id);
  }
  if (want.empty()) return;
  shuffle(want);
  const std::size_t budget = m_cfg.max_ihave_length - ps.ids_asked;
  if (want.size() > budget) want.resize(budget);
  ps.ids_asked += want.size();
  m_stats.iwant_sent += want.size();
  // One promise per IWANT (as go/js do): the peer must deliver a random one of them in time.
  const auto& pick = want[static_cast<std::size_t>(m_rng.uniform(want.size()))];
  m_promises[pick].emplace(p, now + m_cfg.iwant_followup_time);
  out(p).control.iwant.push_back(ControlIWant{std::move(want)});
}

void Router::handle_iwant(const mf::PeerId& p, PeerState& ps, const std::vector<ControlIWant>& v, TimePoint now) {
  if (v.empty()) return;
  if (peer_score(p, now) < m_cfg.thresholds.gossip_threshold) return;
  for (const auto& iw : v)
    for (const auto& id : iw.ids) {
      if (ps.iwant_replies >= m_cfg.max_iwant_replies) return;
      const Message* m = m_mcache.get_for_peer(id, p, m_cfg.gossip_retransmission);
      if (!m) continue;
      ++ps.iwant_replies;
      ++m_stats.iwant_answered;
      out(p).publish.push_back(*m);
    }
}

void Router::handle_graft(const mf::PeerId& p, PeerState& ps, const std::vector<ControlGraft>& v, TimePoint now) {
  for (const auto& g : v) {
    auto m = m_mesh.find(g.topic);
    if (m == m_mesh.end()) continue;  // unknown topic: no PRUNE, no PX (do not leak peers)
    if (m->second.count(p)) continue;
    auto bt = m_backoff.find(g.topic);
    if (bt != m_backoff.end()) {
      auto b = bt->second.find(p);
      if (b != bt->second.end() && b->second > now) {
        ++m_stats.grafts_refused_backoff;
        if (m_cfg.scoring_enabled) {
          m_score.add_penalty(p, 1);
          // Grafting within graft_flood_threshold of the prune: one more penalty (v1.1).
          if (b->second - m_cfg.prune_backoff + m_cfg.graft_flood_threshold > now) m_score.add_penalty(p, 1);
        }
        send_prune(g.topic, p, false, m_cfg.prune_backoff, now);
        continue;
      }
    }
    if (peer_score(p, now) < 0) {
      send_prune(g.topic, p, false, m_cfg.prune_backoff, now);
      continue;
    }
    if (m->second.size() >= m_cfg.d_hi && !ps.outbound) {
      send_prune(g.topic, p, true, m_cfg.prune_backoff, now);
      continue;
    }
    m->second.insert(p);
    if (m_cfg.scoring_enabled) m_score.graft(p, g.topic, now);
  }
}

void Router::handle_prune(const mf::PeerId& p, PeerState& ps, const std::vector<ControlPrune>& v, TimePoint now) {
  for (const auto& pr : v) {
    auto m = m_mesh.find(pr.topic);
    if (m != m_mesh.end() && m->second.erase(p) && m_cfg.scoring_enabled) m_score.prune(p, pr.topic);
    Duration backoff = m_cfg.prune_backoff;
    if (pr.backoff) {
      // Clamp absurd values to a day so the time arithmetic cannot overflow.
      const std::uint64_t s = std::min<std::uint64_t>(*pr.backoff, 86400);
      backoff = std::max<Duration>(backoff, std::chrono::seconds(s));
    }
    add_backoff(pr.topic, p, now + backoff);
    if (!pr.peers.empty() && supports_px(ps) && m_cfg.do_px &&
        (!m_cfg.scoring_enabled || peer_score(p, now) >= m_cfg.thresholds.accept_px_threshold)) {
      std::vector<PeerInfo> px = pr.peers;
      if (px.size() > m_cfg.prune_peers) px.resize(m_cfg.prune_peers);
      m_events.emplace_back(PeerExchange{p, pr.topic, std::move(px)});
    }
  }
}

void Router::handle_idontwant(PeerState& ps, const std::vector<ControlIDontWant>& v, TimePoint now) {
  if (ps.protocol != Protocol::meshsub_v12) return;
  for (const auto& d : v)
    for (const auto& id : d.ids) {
      if (ps.idontwant_received >= m_cfg.max_idontwant_messages) return;
      ++ps.idontwant_received;
      ps.dont_send[id] = now + m_cfg.idontwant_ttl;
    }
}

// ---------------------------------------------------------------- mesh maintenance

void Router::send_prune(const std::string& topic, const mf::PeerId& p, bool px, Duration backoff, TimePoint now) {
  add_backoff(topic, p, now + backoff);
  const auto& ps = m_peers.at(p);
  ControlPrune pr;
  pr.topic = topic;
  if (supports_px(ps)) {
    pr.backoff = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(backoff).count());
    if (px && m_cfg.do_px) {
      std::set<mf::PeerId> exclude{p};
      auto c = candidates(topic, exclude, 0.0, now, false);
      for (std::size_t i = 0; i < c.size() && pr.peers.size() < m_cfg.prune_peers; ++i)
        pr.peers.push_back(PeerInfo{c[i].bytes(), std::nullopt});
    }
  }
  out(p).control.prune.push_back(std::move(pr));
}

void Router::graft_peer(const std::string& topic, const mf::PeerId& p, TimePoint now) {
  m_mesh[topic].insert(p);
  if (m_cfg.scoring_enabled) m_score.graft(p, topic, now);
  out(p).control.graft.push_back(ControlGraft{topic});
}

std::vector<mf::PeerId> Router::candidates(const std::string& topic, const std::set<mf::PeerId>& exclude,
                                           double min_score, TimePoint now, bool check_backoff) const {
  std::vector<mf::PeerId> out_peers;
  auto tp = m_topic_peers.find(topic);
  if (tp == m_topic_peers.end()) return out_peers;
  for (const auto& p : tp->second) {
    if (exclude.count(p)) continue;
    if (!is_gossipsub(m_peers.at(p))) continue;
    if (check_backoff && in_backoff(topic, p, now)) continue;
    if (peer_score(p, now) < min_score) continue;
    out_peers.push_back(p);
  }
  const_cast<Router*>(this)->shuffle(out_peers);
  return out_peers;
}

void Router::maintain_mesh(const std::string& topic, std::set<mf::PeerId>& mesh, TimePoint now) {
  // 1. Drop peers with a negative score.
  if (m_cfg.scoring_enabled) {
    for (auto it = mesh.begin(); it != mesh.end();) {
      if (peer_score(*it, now) < 0) {
        m_score.prune(*it, topic);
        send_prune(topic, *it, false, m_cfg.prune_backoff, now);
        it = mesh.erase(it);
      } else {
        ++it;
      }
    }
  }
  // 2. Too few: graft up to D.
  if (mesh.size() < m_cfg.d_lo) {
    auto c = candidates(topic, mesh, 0.0, now, true);
    const std::size_t need = m_cfg.d - mesh.size();
    for (std::size_t i = 0; i < c.size() && i < need; ++i) graft_peer(topic, c[i], now);
  }
  // 3. Too many: keep the D_score best, fill to D at random, keep D_out outbound peers.
  if (mesh.size() > m_cfg.d_hi) {
    std::vector<mf::PeerId> all(mesh.begin(), mesh.end());
    shuffle(all);
    std::stable_sort(all.begin(), all.end(), [&](const mf::PeerId& a, const mf::PeerId& b) {
      return peer_score(a, now) > peer_score(b, now);
    });
    std::vector<mf::PeerId> keep(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(m_cfg.d_score));
    std::vector<mf::PeerId> rest(all.begin() + static_cast<std::ptrdiff_t>(m_cfg.d_score), all.end());
    shuffle(rest);
    // Outbound quota first: take outbound peers from the rest until D_out, then fill to D.
    std::size_t outbound = 0;
    for (const auto& p : keep) outbound += m_peers.at(p).outbound ? 1 : 0;
    std::vector<mf::PeerId> second;
    for (auto& p : rest) {
      if (outbound < m_cfg.d_out && keep.size() < m_cfg.d && m_peers.at(p).outbound) {
        ++outbound;
        keep.push_back(p);
      } else {
        second.push_back(p);
      }
    }
    std::vector<mf::PeerId> leftover;
    for (auto& p : second) {
      if (keep.size() < m_cfg.d)
        keep.push_back(p);
      else
        leftover.push_back(p);
    }
    for (const auto& p : leftover) {
      mesh.erase(p);
      if (m_cfg.scoring_enabled) m_score.prune(p, topic);
      send_prune(topic, p, true, m_cfg.prune_backoff, now);
    }
  }
  // 4. Outbound quota when the mesh is otherwise fine.
  if (mesh.size() >= m_cfg.d_lo) {
    std::size_t outbound = 0;
    for (const auto& p : mesh) outbound += m_peers.at(p).outbound ? 1 : 0;
    if (outbound < m_cfg.d_out) {
      auto c = candidates(topic, mesh, 0.0, now, true);
      for (const auto& p : c) {
        if (outbound >= m_cfg.d_out) break;
        if (!m_peers.at(p).outbound) continue;
        graft_peer(topic, p, now);
        ++outbound;
      }
    }
  }
  // 5. Opportunistic grafting when the median mesh score is low.
  if (m_cfg.scoring_enabled && m_cfg.opportunistic_graft_ticks && m_ticks % m_cfg.opportunistic_graft_ticks == 0 &&
      mesh.size() > 1) {
    std::vector<double> scores;
    for (const auto& p : mesh) scores.push_back(peer_score(p, now));
    std::sort(scores.begin(), scores.end());
    const double median = scores[scores.size() / 2];
    if (median < m_cfg.thresholds.opportunistic_graft_threshold) {
      auto c = candidates(topic, mesh, median, now, true);
      std::size_t n = 0;
      for (const auto& p : c) {
        if (n >= m_cfg.opportunistic_graft_peers) break;
        if (peer_score(p, now) <= median) continue;
        graft_peer(topic, p, now);
        ++n;
      }
    }
  }
}

void Router::emit_gossip(const std::string& topic, const std::set<mf::PeerId>& exclude, TimePoint now) {
  auto ids = m_mcache.gossip_ids(topic);
  if (ids.empty()) return;
  auto c = candidates(topic, exclude, m_cfg.thresholds.gossip_threshold, now, false);
  const std::size_t target = std::max(m_cfg.d_lazy, static_cast<std::size_t>(m_cfg.gossip_factor * static_cast<double>(c.size())));
  if (c.size() > target) c.erase(c.begin() + static_cast<std::ptrdiff_t>(target), c.end());
  for (const auto& p : c) {
    std::vector<MessageId> send = ids;
    if (send.size() > m_cfg.max_ihave_length) {
      shuffle(send);
      send.resize(m_cfg.max_ihave_length);
    }
    out(p).control.ihave.push_back(ControlIHave{topic, std::move(send)});
  }
}

void Router::on_heartbeat(TimePoint now) {
  ++m_ticks;
  if (m_cfg.scoring_enabled) m_score.refresh(now);
  // Broken IWANT promises (P7).
  for (auto it = m_promises.begin(); it != m_promises.end();) {
    for (auto p = it->second.begin(); p != it->second.end();) {
      if (p->second <= now) {
        ++m_stats.broken_promises;
        if (m_cfg.scoring_enabled) m_score.add_penalty(p->first, 1);
        p = it->second.erase(p);
      } else {
        ++p;
      }
    }
    it = it->second.empty() ? m_promises.erase(it) : std::next(it);
  }
  for (auto& [peer, ps] : m_peers) {
    ps.ihave_received = ps.ids_asked = ps.iwant_replies = ps.idontwant_received = 0;
    for (auto d = ps.dont_send.begin(); d != ps.dont_send.end();)
      d = d->second <= now ? ps.dont_send.erase(d) : std::next(d);
  }
  for (auto t = m_backoff.begin(); t != m_backoff.end();) {
    for (auto b = t->second.begin(); b != t->second.end();)
      b = b->second <= now ? t->second.erase(b) : std::next(b);
    t = t->second.empty() ? m_backoff.erase(t) : std::next(t);
  }
  for (auto& [topic, mesh] : m_mesh) {
    maintain_mesh(topic, mesh, now);
    emit_gossip(topic, mesh, now);
  }
  for (auto it = m_fanout.begin(); it != m_fanout.end();) {
    const auto& topic = it->first;
    if (m_fanout_last_pub[topic] + m_cfg.fanout_ttl <= now) {
      m_fanout_last_pub.erase(topic);
      it = m_fanout.erase(it);
      continue;
    }
    auto& f = it->second;
    const auto tp = m_topic_peers.find(topic);
    for (auto p = f.begin(); p != f.end();) {
      const bool gone = tp == m_topic_peers.end() || !tp->second.count(*p);
      p = gone || peer_score(*p, now) < m_cfg.thresholds.publish_threshold ? f.erase(p) : std::next(p);
    }
    if (f.size() < m_cfg.d) {
      auto c = candidates(topic, f, m_cfg.thresholds.publish_threshold, now, false);
      for (std::size_t i = 0; i < c.size() && f.size() < m_cfg.d; ++i) f.insert(c[i]);
    }
    emit_gossip(topic, f, now);
    ++it;
  }
  m_mcache.shift();
  m_seen.expire(now);
  m_next_heartbeat = now + m_cfg.heartbeat_interval;
  flush();
}

}  // namespace lotus::proto::gossipsub
