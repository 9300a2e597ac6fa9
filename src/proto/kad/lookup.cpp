#include "proto/kad/lookup.hpp"

#include <algorithm>
#include <cassert>

namespace lotus::proto::kad {

namespace {
MessageType request_type(LookupKind kind) {
  switch (kind) {
    case LookupKind::find_node: return MessageType::find_node;
    case LookupKind::get_value: return MessageType::get_value;
    case LookupKind::get_providers: return MessageType::get_providers;
  }
  return MessageType::find_node;
}
}  // namespace

Lookup::Lookup(LookupKind kind, Bytes key, const mf::PeerId& self, std::vector<PeerInfo> seeds,
               LookupConfig config, const ValidatorRegistry* validators)
    : m_kind(kind),
      m_key(std::move(key)),
      m_target(Key::from_bytes(m_key)),
      m_self(self),
      m_self_key(Key::from_peer(self)),
      m_cfg(config),
      m_validators(validators) {
  assert(m_cfg.k > 0 && m_cfg.alpha > 0 && m_cfg.max_candidates >= m_cfg.k + m_cfg.alpha);
  for (auto& s : seeds) {
    const Key k = Key::from_peer(s.id);
    if (k == m_self_key) {
      ++m_stats.ignored_peers;
      continue;
    }
    add_candidate(std::move(s), k, 1);
  }
}

Message Lookup::request_message() const {
  Message m;
  m.type = request_type(m_kind);
  m.key = m_key;
  return m;
}

void Lookup::add_candidate(PeerInfo peer, const Key& key, std::size_t hop) {
  const Distance d = m_target.distance(key);
  if (m_cutoff && d >= *m_cutoff) return;
  auto it = std::lower_bound(m_candidates.begin(), m_candidates.end(), d,
                             [](const Candidate& c, const Distance& x) { return c.distance < x; });
  if (it != m_candidates.end() && it->distance == d) {  // already known
    if (it->info.addrs.empty() && !peer.addrs.empty()) it->info.addrs = std::move(peer.addrs);
    return;
  }
  if (m_candidates.size() >= m_cfg.max_candidates) {
    // Drop the farthest candidate not in flight, or the newcomer if it is farther still.
    auto victim = std::find_if(m_candidates.rbegin(), m_candidates.rend(),
                               [](const Candidate& c) { return c.state != PeerState::waiting; });
    assert(victim != m_candidates.rend());
    if (victim->distance < d) {
      m_cutoff = m_cutoff ? std::min(*m_cutoff, d) : d;
      return;
    }
    m_cutoff = m_cutoff ? std::min(*m_cutoff, victim->distance) : victim->distance;
    m_candidates.erase(std::next(victim).base());
    it = std::lower_bound(m_candidates.begin(), m_candidates.end(), d,
                          [](const Candidate& c, const Distance& x) { return c.distance < x; });
  }
  Candidate c{std::move(peer), d, PeerState::fresh, kNever, hop, false, false};
  m_candidates.insert(it, std::move(c));
}

Lookup::Candidate* Lookup::find(const mf::PeerId& peer) {
  const Distance d = m_target.distance(Key::from_peer(peer));
  auto it = std::lower_bound(m_candidates.begin(), m_candidates.end(), d,
                             [](const Candidate& c, const Distance& x) { return c.distance < x; });
  if (it == m_candidates.end() || it->distance != d) return nullptr;
  return &*it;
}

void Lookup::start(TimePoint now) {
  if (m_state != State::idle) return;
  m_state = State::running;
  step(now);
}

void Lookup::step(TimePoint now) {
  if (m_state != State::running) return;
  if (m_kind == LookupKind::get_value && m_cfg.value_quorum > 0 &&
      m_result.records.size() >= m_cfg.value_quorum)
    return finish();
  if (m_kind == LookupKind::get_providers && m_cfg.provider_quorum > 0 &&
      m_result.providers.size() >= m_cfg.provider_quorum)
    return finish();
  std::size_t succeeded = 0;
  bool pending = false;
  for (auto& c : m_candidates) {
    if (succeeded >= m_cfg.k) break;
    switch (c.state) {
      case PeerState::succeeded:
        ++succeeded;
        break;
      case PeerState::failed:
        break;
      case PeerState::waiting:
        pending = true;
        break;
      case PeerState::fresh:
        if (m_stats.rpcs >= m_cfg.max_rpcs) break;
        pending = true;
        if (m_in_flight >= m_cfg.alpha) break;
        c.state = PeerState::waiting;
        c.deadline = now + m_cfg.rpc_timeout;
        ++m_in_flight;
        ++m_stats.rpcs;
        m_requests.push_back(Request{c.info, request_message()});
        break;
    }
  }
  if (!pending) finish();
}

bool Lookup::take_record(const Candidate& from, const Record& rec) {
  if (rec.key != m_key || (m_validators && !m_validators->validate(rec.key, rec.value))) {
    ++m_stats.invalid_records;
    return false;
  }
  if (!m_first_found_hop) m_first_found_hop = from.hop;
  if (m_result.records.size() < m_cfg.max_records) m_result.records.push_back(FoundRecord{from.info.id, rec});
  return true;
}

void Lookup::on_response(const mf::PeerId& peer, Message response, TimePoint now) {
  if (m_state != State::running) return;
  Candidate* c = find(peer);
  if (!c || !(c->state == PeerState::waiting || (c->state == PeerState::failed && c->timed_out))) {
    ++m_stats.unexpected;
    return;
  }
  if (c->state == PeerState::waiting) --m_in_flight;
  if (response.type != request_type(m_kind)) {
    c->state = PeerState::failed;
    c->timed_out = false;
    ++m_stats.failures;
    return step(now);
  }
  c->state = PeerState::succeeded;
  ++m_stats.responses;
  const std::size_t hop = c->hop;
  if (m_kind == LookupKind::get_value && response.record) {
    c->had_record = take_record(*c, *response.record);
  }
  if (m_kind == LookupKind::get_providers && !response.provider_peers.empty()) {
    bool any = false;
    for (const auto& p : response.provider_peers) {
      if (m_result.providers.size() >= m_cfg.max_providers) break;
      if (std::any_of(m_result.providers.begin(), m_result.providers.end(),
                      [&](const PeerInfo& q) { return q.id == p.id; }))
        continue;
      m_result.providers.push_back(p);
      any = true;
    }
    if (any && !m_first_found_hop) m_first_found_hop = hop;
  }
  // `c` is invalidated by add_candidate below.
  std::size_t taken = 0;
  for (auto& p : response.closer_peers) {
    if (taken >= m_cfg.max_peers_per_response || p.id == peer) {
      ++m_stats.ignored_peers;
      continue;
    }
    ++taken;
    const Key k = Key::from_peer(p.id);
    if (k == m_self_key) {
      ++m_stats.ignored_peers;
      continue;
    }
    add_candidate(std::move(p), k, hop + 1);
  }
  step(now);
}

void Lookup::on_failure(const mf::PeerId& peer, TimePoint now) {
  if (m_state != State::running) return;
  Candidate* c = find(peer);
  if (!c || c->state != PeerState::waiting) return;
  c->state = PeerState::failed;
  --m_in_flight;
  ++m_stats.failures;
  step(now);
}

void Lookup::on_timeout(TimePoint now) {
  if (m_state != State::running) return;
  for (auto& c : m_candidates) {
    if (c.state == PeerState::waiting && c.deadline <= now) {
      c.state = PeerState::failed;
      c.timed_out = true;
      --m_in_flight;
      ++m_stats.timeouts;
    }
  }
  step(now);
}

TimePoint Lookup::deadline() const {
  if (m_state != State::running) return kNever;
  TimePoint d = kNever;
  for (const auto& c : m_candidates)
    if (c.state == PeerState::waiting) d = std::min(d, c.deadline);
  return d;
}

std::optional<Request> Lookup::poll_request() {
  if (m_requests.empty()) return std::nullopt;
  Request r = std::move(m_requests.front());
  m_requests.pop_front();
  return r;
}

void Lookup::finish() {
  m_state = State::done;
  m_requests.clear();
  std::size_t max_hop = 0;
  for (const auto& c : m_candidates) {
    if (m_result.closest.size() >= m_cfg.k) break;
    if (c.state != PeerState::succeeded) continue;
    m_result.closest.push_back(c.info);
    max_hop = std::max(max_hop, c.hop);
    if (m_kind == LookupKind::get_value && !c.had_record) m_result.peers_without_record.push_back(c.info);
  }
  m_stats.hops = m_kind == LookupKind::find_node ? max_hop : m_first_found_hop.value_or(max_hop);
  if (m_kind == LookupKind::get_value && !m_result.records.empty()) {
    if (m_validators) {
      std::vector<BytesView> values;
      values.reserve(m_result.records.size());
      for (const auto& r : m_result.records) values.push_back(r.record.value);
      auto best = m_validators->select(m_key, values);
      m_result.best = best ? *best : 0;
    } else {
      m_result.best = 0;
    }
  }
}

}  // namespace lotus::proto::kad
