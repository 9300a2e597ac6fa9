// Connection manager policy (see conn_manager.hpp).
#include "host/conn_manager.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <tuple>

#include "host/host.hpp"

namespace lotus::host {

namespace {
constexpr std::size_t kMaxKnownRedials = 4096;
}

ConnManager::ConnManager(ConnLimits limits)
    : m_limits(std::move(limits)), m_tokens(static_cast<double>(m_limits.inbound_burst)) {}

// ---------------------------------------------------------------- public API

void ConnManager::protect(const mf::PeerId& peer, const std::string& tag) { m_protected[peer].insert(tag); }

bool ConnManager::unprotect(const mf::PeerId& peer, const std::string& tag) {
  auto it = m_protected.find(peer);
  if (it == m_protected.end()) return false;
  it->second.erase(tag);
  if (it->second.empty()) {
    m_protected.erase(it);
    return false;
  }
  return true;
}

bool ConnManager::is_protected(const mf::PeerId& peer) const { return m_protected.count(peer) != 0; }

void ConnManager::tag_peer(const mf::PeerId& peer, const std::string& tag, int value) { m_tags[peer][tag] = value; }

void ConnManager::untag_peer(const mf::PeerId& peer, const std::string& tag) {
  auto it = m_tags.find(peer);
  if (it == m_tags.end()) return;
  it->second.erase(tag);
  if (it->second.empty()) m_tags.erase(it);
}

int ConnManager::peer_value(const mf::PeerId& peer) const {
  auto it = m_tags.find(peer);
  if (it == m_tags.end()) return 0;
  long long sum = 0;
  for (auto& [tag, v] : it->second) sum += v;
  return static_cast<int>(std::clamp<long long>(sum, -1'000'000'000, 1'000'000'000));
}

std::uint64_t ConnManager::add_peer_source(PeerSource source) {
  const auto id = m_next_source++;
  m_sources.emplace(id, std::move(source));
  return id;
}

void ConnManager::remove_peer_source(std::uint64_t id) { m_sources.erase(id); }

ConnManager::Stats ConnManager::stats() const { return Stats{m_trimmed, m_open, m_pending_dials}; }

std::vector<PeerSource> ConnManager::peer_sources() const {
  std::vector<PeerSource> out;
  out.reserve(m_sources.size());
  for (auto& [id, s] : m_sources) out.push_back(s);
  return out;
}

// ---------------------------------------------------------------- host hooks

std::string subnet_of(const std::string& ip) {
  unsigned char b[16];
  char out[INET6_ADDRSTRLEN];
  if (::inet_pton(AF_INET, ip.c_str(), b) == 1) {
    b[3] = 0;
    if (!::inet_ntop(AF_INET, b, out, sizeof out)) return {};
    return std::string(out) + "/24";
  }
  if (::inet_pton(AF_INET6, ip.c_str(), b) == 1) {
    std::fill(b + 6, b + 16, 0);
    if (!::inet_ntop(AF_INET6, b, out, sizeof out)) return {};
    return std::string(out) + "/48";
  }
  return {};
}

double ConnManager::refill(std::map<std::string, Bucket>& m, const std::string& key, double rate, double cap,
                           TimePoint now) {
  auto it = m.find(key);
  if (it == m.end()) {
    if (m.size() >= m_limits.max_source_buckets) {
      // Full buckets carry no state (a new one starts full): forget them first, then the oldest.
      std::erase_if(m, [&](const auto& e) {
        return e.second.tokens + std::chrono::duration<double>(now - e.second.last).count() * rate >= cap;
      });
      if (m.size() >= m_limits.max_source_buckets) {
        auto oldest = m.begin();
        for (auto e = m.begin(); e != m.end(); ++e)
          if (e->second.last < oldest->second.last) oldest = e;
        m.erase(oldest);
      }
    }
    it = m.emplace(key, Bucket{cap, now}).first;
  } else if (now > it->second.last) {
    it->second.tokens =
        std::min(cap, it->second.tokens + std::chrono::duration<double>(now - it->second.last).count() * rate);
    it->second.last = now;
  }
  return it->second.tokens;
}

std::optional<std::string> ConnManager::admit_inbound(std::uint64_t conn_id, const std::string& ip, bool loopback,
                                                      TimePoint now) {
  const bool limited = !loopback || m_limits.limit_loopback;
  const std::string subnet = limited ? subnet_of(ip) : std::string();
  if (limited) {
    auto it = m_per_ip.find(ip);
    if (it != m_per_ip.end() && it->second >= m_limits.max_inbound_per_ip) return std::string("inbound_per_ip");
    if (!subnet.empty()) {
      auto sn = m_per_subnet.find(subnet);
      if (sn != m_per_subnet.end() && sn->second >= m_limits.max_inbound_per_subnet)
        return std::string("inbound_per_subnet");
    }
    // The source's own buckets first: what they refuse takes nothing from the shared one.
    const double ip_rate = m_limits.inbound_per_ip_per_second;
    const double ip_cap = m_limits.inbound_per_ip_burst > 0 ? m_limits.inbound_per_ip_burst : 2 * ip_rate;
    if (refill(m_ip_buckets, ip, ip_rate, ip_cap, now) < 1.0) return std::string("inbound_ip_rate");
    const double sn_rate = m_limits.inbound_per_subnet_per_second;
    const double sn_cap = m_limits.inbound_per_subnet_burst > 0 ? m_limits.inbound_per_subnet_burst : 2 * sn_rate;
    if (!subnet.empty() && refill(m_subnet_buckets, subnet, sn_rate, sn_cap, now) < 1.0)
      return std::string("inbound_subnet_rate");
    // The shared token bucket: refill by elapsed time, capped at the burst size.
    const double cap = static_cast<double>(m_limits.inbound_burst);
    if (m_last_refill && now > *m_last_refill) {
      const double secs = std::chrono::duration<double>(now - *m_last_refill).count();
      m_tokens = std::min(cap, m_tokens + secs * m_limits.inbound_per_second);
    }
    if (!m_last_refill || now > *m_last_refill) m_last_refill = now;
    if (m_tokens < 1.0) return std::string("inbound_rate");
    m_tokens -= 1.0;
    m_ip_buckets[ip].tokens -= 1.0;
    if (!subnet.empty()) m_subnet_buckets[subnet].tokens -= 1.0;
  }
  auto& c = m_conns[conn_id];
  if (limited) {
    c.ip = ip;
    ++m_per_ip[ip];
    if (!subnet.empty()) {
      c.subnet = subnet;
      ++m_per_subnet[subnet];
    }
  }
  return std::nullopt;
}

bool ConnManager::begin_dial() {
  if (m_pending_dials >= m_limits.max_pending_dials) return false;
  ++m_pending_dials;
  return true;
}

void ConnManager::end_dial() {
  if (m_pending_dials > 0) --m_pending_dials;
}

void ConnManager::on_open(std::uint64_t conn_id, const mf::PeerId& peer, Direction dir, TimePoint now) {
  auto& c = m_conns[conn_id];
  if (c.open) return;
  c.open = true;
  c.peer = peer;
  c.outbound = dir == Direction::outbound;
  c.opened = now;
  ++m_open;
}

void ConnManager::on_closed(std::uint64_t conn_id) {
  auto it = m_conns.find(conn_id);
  if (it == m_conns.end()) return;
  auto& c = it->second;
  if (!c.ip.empty()) {
    auto ip = m_per_ip.find(c.ip);
    if (ip != m_per_ip.end() && --ip->second == 0) m_per_ip.erase(ip);
  }
  if (!c.subnet.empty()) {
    auto sn = m_per_subnet.find(c.subnet);
    if (sn != m_per_subnet.end() && --sn->second == 0) m_per_subnet.erase(sn);
  }
  if (c.open) --m_open;
  m_conns.erase(it);
}

std::size_t ConnManager::stream_limit(const std::string& protocol) const {
  auto it = m_limits.inbound_streams_per_protocol.find(protocol);
  return it != m_limits.inbound_streams_per_protocol.end() ? it->second : m_limits.max_inbound_streams_per_protocol;
}

bool ConnManager::begin_inbound_stream(std::uint64_t conn_id, const std::string& protocol, TimePoint now) {
  auto it = m_conns.find(conn_id);
  if (it == m_conns.end()) return true;  // not tracked (closing): the stream dies with it
  auto& c = it->second;
  c.used = true;
  c.last_used = now;
  auto& n = c.inbound_streams[protocol];
  if (n >= stream_limit(protocol)) {
    if (n == 0) c.inbound_streams.erase(protocol);
    return false;
  }
  ++n;
  return true;
}

void ConnManager::end_inbound_stream(std::uint64_t conn_id, const std::string& protocol) {
  auto it = m_conns.find(conn_id);
  if (it == m_conns.end()) return;
  auto p = it->second.inbound_streams.find(protocol);
  if (p == it->second.inbound_streams.end()) return;
  if (--p->second == 0) it->second.inbound_streams.erase(p);
}

void ConnManager::on_outbound_stream(std::uint64_t conn_id, TimePoint now) {
  auto it = m_conns.find(conn_id);
  if (it == m_conns.end()) return;
  it->second.used = true;
  it->second.last_used = now;
}

// ---------------------------------------------------------------- maintenance

int ConnManager::connection_value(const ConnState& c, TimePoint now) const {
  int v = peer_value(*c.peer);
  if (c.used && now - c.last_used <= m_limits.recent_use_window) v += m_limits.recent_use_value;
  return v;
}

std::vector<std::uint64_t> ConnManager::select_trim(TimePoint now) const {
  if (m_open <= m_limits.max_connections) return {};
  const std::size_t excess = m_open - m_limits.max_connections;
  struct Candidate {
    int value;
    TimePoint opened;
    std::uint64_t id;
  };
  std::vector<Candidate> cands;
  for (auto& [id, c] : m_conns) {
    if (!c.open || is_protected(*c.peer)) continue;
    if (now - c.opened < m_limits.grace_period) continue;
    cands.push_back(Candidate{connection_value(c, now), c.opened, id});
  }
  // Lowest value first; then the youngest; then the highest id.
  std::sort(cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) {
    return std::tie(a.value, b.opened, b.id) < std::tie(b.value, a.opened, a.id);
  });
  std::vector<std::uint64_t> out;
  for (std::size_t i = 0; i < cands.size() && out.size() < excess; ++i) out.push_back(cands[i].id);
  return out;
}

TimePoint ConnManager::next_trim_deadline(TimePoint now) const {
  if (m_open <= m_limits.max_connections) return kNever;
  TimePoint next = kNever;
  for (auto& [id, c] : m_conns) {
    if (!c.open || is_protected(*c.peer)) continue;
    const auto end = c.opened + m_limits.grace_period;
    if (end > now) next = std::min(next, end);
  }
  return next;
}

std::size_t ConnManager::discovery_due(TimePoint now) const {
  if (m_open >= m_limits.min_connections) return 0;
  if (m_last_discovery && now - *m_last_discovery < m_limits.discovery_interval) return 0;
  return m_limits.min_connections - m_open;
}

bool ConnManager::may_redial_known(const mf::PeerId& peer, TimePoint now) const {
  auto it = m_known_redials.find(peer);
  return it == m_known_redials.end() || now - it->second >= m_limits.known_peer_redial_interval;
}

void ConnManager::note_known_redial(const mf::PeerId& peer, TimePoint now) {
  // Drop entries whose interval passed (they allow a redial anyway), then bound the map.
  for (auto it = m_known_redials.begin(); it != m_known_redials.end();) {
    if (now - it->second >= m_limits.known_peer_redial_interval) {
      it = m_known_redials.erase(it);
    } else {
      ++it;
    }
  }
  if (m_known_redials.size() >= kMaxKnownRedials) m_known_redials.erase(m_known_redials.begin());
  m_known_redials[peer] = now;
}

}  // namespace lotus::host
