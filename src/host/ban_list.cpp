// The default ban policy (see ban_list.hpp).
#include "host/ban_list.hpp"

#include <algorithm>
#include <cmath>

namespace lotus::host {

BanList::BanList() : BanList(Policy{}) {}
BanList::BanList(Policy policy) : m_policy(policy) {}

namespace {
bool active(const std::map<std::string, BanList::Ban>& bans, const std::string& key, TimePoint now) {
  auto it = bans.find(key);
  return it != bans.end() && now < it->second.until;
}
}  // namespace

void BanList::insert_ban(std::map<std::string, Ban>& into, Ban ban) {
  if (!into.count(ban.target) && into.size() >= m_policy.max_bans && !into.empty()) {
    // Full: the ban that ends first makes room (an indefinite ban only for another one).
    auto first = std::min_element(into.begin(), into.end(),
                                  [](const auto& a, const auto& b) { return a.second.until < b.second.until; });
    into.erase(first);
  }
  ++m_stats.bans;
  into[ban.target] = std::move(ban);
}

void BanList::ban_peer(const mf::PeerId& peer, TimePoint until, std::string reason) {
  insert_ban(m_peer_bans, Ban{peer.to_base58(), std::move(reason), until});
  m_scores.erase(peer);
}

void BanList::ban_ip(const std::string& ip, TimePoint until, std::string reason) {
  insert_ban(m_ip_bans, Ban{ip, std::move(reason), until});
}

bool BanList::unban_peer(const mf::PeerId& peer) {
  m_scores.erase(peer);
  return m_peer_bans.erase(peer.to_base58()) != 0;
}

bool BanList::unban_ip(const std::string& ip) { return m_ip_bans.erase(ip) != 0; }

bool BanList::is_banned(const mf::PeerId& peer, TimePoint now) const {
  return active(m_peer_bans, peer.to_base58(), now);
}

bool BanList::is_ip_banned(const std::string& ip, TimePoint now) const { return active(m_ip_bans, ip, now); }

std::vector<BanList::Ban> BanList::bans(TimePoint now) const {
  std::vector<Ban> out;
  for (const auto* m : {&m_peer_bans, &m_ip_bans})
    for (const auto& [k, b] : *m)
      if (now < b.until) out.push_back(b);
  return out;
}

double BanList::decayed(const Score& s, TimePoint now) const {
  if (now <= s.at || m_policy.half_life <= Duration::zero()) return s.value;
  const double halves = std::chrono::duration<double>(now - s.at) / std::chrono::duration<double>(m_policy.half_life);
  return s.value * std::exp2(-halves);
}

double BanList::score(const mf::PeerId& peer, TimePoint now) const {
  auto it = m_scores.find(peer);
  return it == m_scores.end() ? 0.0 : decayed(it->second, now);
}

void BanList::forget_lowest_score(TimePoint now) {
  auto lowest = m_scores.end();
  double low = 0;
  for (auto it = m_scores.begin(); it != m_scores.end(); ++it) {
    const double v = decayed(it->second, now);
    if (lowest == m_scores.end() || v < low) lowest = it, low = v;
  }
  if (lowest != m_scores.end()) m_scores.erase(lowest);
}

Verdict BanList::check_inbound_socket(const InboundSocket& s, TimePoint now) {
  if (is_ip_banned(s.ip, now)) return std::string("banned_ip");
  return std::nullopt;
}

Verdict BanList::check_connection(const SecuredConnection& c, TimePoint now) {
  if (is_banned(c.peer, now)) return std::string("banned");
  return std::nullopt;
}

Verdict BanList::check_dial(const OutboundDial& d, TimePoint now) {
  if (d.peer && is_banned(*d.peer, now)) return std::string("banned");
  return std::nullopt;
}

Verdict BanList::check_inbound_stream(const InboundStreamRequest& r, TimePoint now) {
  if (is_banned(r.peer, now)) return std::string("banned");
  return std::nullopt;
}

PenaltyOutcome BanList::on_penalty(const Penalty& p, TimePoint now) {
  ++m_stats.penalties;
  if (m_stats.penalties_by_reason.size() < 256 || m_stats.penalties_by_reason.count(p.reason))
    ++m_stats.penalties_by_reason[p.reason];
  if (is_banned(p.peer, now)) return PenaltyOutcome{true};
  auto it = m_scores.find(p.peer);
  if (it == m_scores.end()) {
    if (m_scores.size() >= m_policy.max_scored) forget_lowest_score(now);
    it = m_scores.emplace(p.peer, Score{}).first;
  }
  it->second.value = decayed(it->second, now) + std::max(0, p.weight);
  it->second.at = now;
  if (it->second.value < m_policy.threshold) return {};
  ++m_stats.automatic_bans;
  const TimePoint until = m_policy.ban_duration >= kNever - now ? kNever : now + m_policy.ban_duration;
  ban_peer(p.peer, until, p.reason);
  return PenaltyOutcome{true};
}

}  // namespace lotus::host
