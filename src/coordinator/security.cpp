// The enforced core security manager (see security.hpp).
#include "coordinator/security.hpp"

#include <algorithm>
#include <cmath>

namespace lotus::coordinator {

const std::error_category& security_category() noexcept {
  static const TableCategory cat("p2p-security", {
      {static_cast<int>(security_errc::banned), "security: peer is banned"},
      {static_cast<int>(security_errc::rate_limited), "security: peer exceeds the message rate limit"},
      {static_cast<int>(security_errc::dht_rate_limited), "security: DHT announcement within the minimum interval"},
      {static_cast<int>(security_errc::dht_resource_limit), "security: peer reached its DHT resource limit"},
      {static_cast<int>(security_errc::dht_type_limit), "security: peer reached its DHT resource limit for the type"},
      {static_cast<int>(security_errc::dht_record_too_large), "security: DHT record larger than the limit"},
      {static_cast<int>(security_errc::not_permitted), "security: validator does not permit the announcement"},
      {static_cast<int>(security_errc::invalid_announcement), "security: validator rejected the announcement"},
      {static_cast<int>(security_errc::invalid_message), "security: validator rejected the message"},
  });
  return cat;
}

SecurityManager::SecurityManager() : SecurityManager(Config{}) {}
SecurityManager::SecurityManager(Config config) : m_config(std::move(config)), m_bans(m_config.penalties) {}

SecurityManager::PeerState& SecurityManager::state(const mf::PeerId& peer, TimePoint now) {
  auto it = m_peers.find(peer);
  if (it == m_peers.end()) {
    if (m_peers.size() >= m_config.max_peers && !m_peers.empty()) {
      // Bounded: forget the least recently active peer (its bans live on in the ban list).
      auto oldest = std::min_element(m_peers.begin(), m_peers.end(), [](const auto& a, const auto& b) {
        return a.second.last_active < b.second.last_active;
      });
      m_peers.erase(oldest);
    }
    it = m_peers.emplace(peer, PeerState{}).first;
  }
  it->second.last_active = now;
  return it->second;
}

double SecurityManager::decayed_warnings(const PeerState& s, TimePoint now) const {
  if (s.warnings <= 0) return 0;
  if (now <= s.warnings_at || m_config.warning_half_life <= Duration::zero()) return s.warnings;
  const double halves = std::chrono::duration<double>(now - s.warnings_at) /
                        std::chrono::duration<double>(m_config.warning_half_life);
  return s.warnings * std::exp2(-halves);
}

// ---- messages -------------------------------------------------------------------------------

Status SecurityManager::admit_message(const mf::PeerId& from, TimePoint now) {
  if (!is_allowed(from, now)) {
    ++m_metrics.messages_rejected;
    refuse("banned");
    return security_errc::banned;
  }
  if (m_config.disable_rate_limiting) return {};
  const auto& lim = m_config.limits;
  auto& s = state(from, now);
  if (!s.bucket_started) {
    s.bucket_started = true;
    s.tokens = lim.message_burst;
    s.tokens_at = now;
  } else if (now > s.tokens_at) {
    s.tokens = std::min(lim.message_burst,
                        s.tokens + std::chrono::duration<double>(now - s.tokens_at).count() * lim.max_messages_per_second);
    s.tokens_at = now;
  }
  if (s.tokens >= 1) {
    s.tokens -= 1;
    return {};
  }
  ++m_metrics.messages_rejected;
  ++m_metrics.messages_rate_limited;
  refuse("rate_limited");
  if (!s.rate_warned || now - s.last_rate_warning >= std::chrono::seconds(1)) {
    s.rate_warned = true;
    s.last_rate_warning = now;
    warn_peer(from, "message-rate-limit", now);
  }
  return security_errc::rate_limited;
}

SecurityManager::WarnOutcome SecurityManager::record_invalid_message(const mf::PeerId& from, std::error_code why,
                                                                     TimePoint now, bool oversized) {
  ++m_metrics.messages_total;
  ++m_metrics.messages_rejected;
  if (oversized) ++m_metrics.messages_oversized;
  refuse(oversized ? "oversized" : "invalid");
  auto& s = state(from, now);
  ++s.invalid;
  // The reference's reasons: 'oversized-message', 'invalid-message-format'.
  std::string reason = oversized ? "oversized-message" : "invalid-message-format";
  if (why && !oversized) reason += ": " + why.message();
  auto out = warn_peer(from, std::move(reason), now);
  if (s.invalid > m_config.limits.max_invalid_messages_per_peer && !out.banned) {
    ban_peer(from, "too-many-invalid-messages", now);
    out.banned = true;
  }
  return out;
}

Status SecurityManager::validate_message(const P2PMessage& message, const mf::PeerId& from) {
  std::vector<ProtocolValidator*> vs;
  for (const auto& v : m_unnamed) vs.push_back(v.get());
  if (message.protocol)
    for (const auto& [name, v] : m_named)
      if (name == *message.protocol) vs.push_back(v.get());
  for (auto* v : vs) {
    if (!v->validate_message(message, from)) {
      refuse("validator");
      return security_errc::invalid_message;
    }
  }
  return {};
}

// ---- DHT announcements ----------------------------------------------------------------------

std::vector<ProtocolValidator*> SecurityManager::validators_for_type(std::string_view type) const {
  // Exact protocol name first, else the first registered name that prefixes the type.
  std::vector<ProtocolValidator*> out;
  for (const auto& v : m_unnamed) out.push_back(v.get());
  const ProtocolValidator* found = nullptr;
  for (const auto& [name, v] : m_named)
    if (name == type) {
      found = v.get();
      break;
    }
  if (!found)
    for (const auto& [name, v] : m_named)
      if (type.substr(0, name.size()) == name) {
        found = v.get();
        break;
      }
  if (found) out.push_back(const_cast<ProtocolValidator*>(found));
  return out;
}

Status SecurityManager::can_announce_to_dht(const mf::PeerId& peer, std::string_view type, std::string_view id,
                                            const json::Value& data, std::size_t record_size, TimePoint now) {
  ++m_metrics.dht_announcements_total;
  const auto& lim = m_config.limits;
  auto reject = [&](security_errc e, const char* reason) -> Status {
    ++m_metrics.dht_announcements_rejected;
    refuse(reason);
    return e;
  };
  if (!is_allowed(peer, now)) return reject(security_errc::banned, "banned");
  if (record_size > lim.max_dht_record_size) {
    warn_peer(peer, "dht-record-too-large", now);
    return reject(security_errc::dht_record_too_large, "dht_record_too_large");
  }
  auto& s = state(peer, now);
  if (!m_config.disable_rate_limiting && s.last_announcement && now - *s.last_announcement < lim.min_dht_announcement_interval) {
    ++m_metrics.dht_announcements_rate_limited;
    refuse("dht_rate_limited");
    warn_peer(peer, "dht-rate-limit-violation", now);
    return security_errc::dht_rate_limited;
  }
  const std::string key = std::string(type) + ":" + std::string(id);
  const bool known = std::find(s.resources.begin(), s.resources.end(), key) != s.resources.end();
  if (!known) {
    if (s.resources.size() >= lim.max_dht_resources_per_peer) {
      warn_peer(peer, "dht-resource-limit-exceeded", now);
      return reject(security_errc::dht_resource_limit, "dht_resource_limit");
    }
    auto t = s.per_type.find(std::string(type));
    if (t != s.per_type.end() && t->second >= lim.max_dht_resources_per_type_per_peer) {
      warn_peer(peer, "dht-resource-limit-exceeded", now);
      return reject(security_errc::dht_type_limit, "dht_type_limit");
    }
  }
  for (auto* v : validators_for_type(type)) {
    if (!v->can_announce_resource(type, peer)) return reject(security_errc::not_permitted, "not_permitted");
    if (!v->validate_resource_announcement(type, id, data, peer)) {
      warn_peer(peer, "invalid-dht-announcement", now);
      return reject(security_errc::invalid_announcement, "invalid_announcement");
    }
  }
  // Accepted: the interval restarts, the resource is tracked.
  auto& s2 = state(peer, now);  // warn_peer above cannot have run on this path; re-fetch anyway
  s2.last_announcement = now;
  if (!known) {
    s2.resources.push_back(key);
    ++s2.per_type[std::string(type)];
  }
  return {};
}

Status SecurityManager::can_announce_own(const mf::PeerId& self, std::string_view type, std::string_view id,
                                         const json::Value& data, std::size_t record_size, TimePoint now) {
  ++m_metrics.dht_announcements_total;
  const auto& lim = m_config.limits;
  auto reject = [&](security_errc e, const char* reason) -> Status {
    ++m_metrics.dht_announcements_rejected;
    if (e == security_errc::dht_rate_limited) ++m_metrics.dht_announcements_rate_limited;
    refuse(reason);
    return e;
  };
  if (record_size > lim.max_dht_record_size) return reject(security_errc::dht_record_too_large, "dht_record_too_large");
  auto& s = state(self, now);
  const std::string key = std::string(type) + ":" + std::string(id);
  // Stamps older than the interval are of no use; the rest are bounded below.
  std::erase_if(s.own_stamps, [&](const auto& e) { return now - e.second >= lim.min_dht_announcement_interval; });
  if (!m_config.disable_rate_limiting) {
    if (s.own_stamps.count(key)) return reject(security_errc::dht_rate_limited, "dht_rate_limited");
    // Announce/withdraw churn of distinct ids inside one interval: at most four times the
    // resource limit of stamps.
    if (s.own_stamps.size() >= 4 * lim.max_dht_resources_per_peer)
      return reject(security_errc::dht_rate_limited, "dht_rate_limited");
  }
  const bool known = std::find(s.resources.begin(), s.resources.end(), key) != s.resources.end();
  if (!known) {
    if (s.resources.size() >= lim.max_dht_resources_per_peer)
      return reject(security_errc::dht_resource_limit, "dht_resource_limit");
    auto t = s.per_type.find(std::string(type));
    if (t != s.per_type.end() && t->second >= lim.max_dht_resources_per_type_per_peer)
      return reject(security_errc::dht_type_limit, "dht_type_limit");
  }
  for (auto* v : validators_for_type(type)) {
    if (!v->can_announce_resource(type, self)) return reject(security_errc::not_permitted, "not_permitted");
    if (!v->validate_resource_announcement(type, id, data, self))
      return reject(security_errc::invalid_announcement, "invalid_announcement");
  }
  if (!m_config.disable_rate_limiting) s.own_stamps[key] = now;
  if (!known) {
    s.resources.push_back(key);
    ++s.per_type[std::string(type)];
  }
  return {};
}

bool SecurityManager::can_announce_resource(const mf::PeerId& peer, std::string_view type) {
  for (auto* v : validators_for_type(type))
    if (!v->can_announce_resource(type, peer)) return false;
  return true;
}

Status SecurityManager::validate_record(const mf::PeerId& creator, std::string_view type, std::string_view id,
                                        const json::Value& data, TimePoint now) {
  if (!is_allowed(creator, now)) {
    refuse("record_banned");
    return security_errc::banned;
  }
  for (auto* v : validators_for_type(type)) {
    if (!v->can_announce_resource(type, creator)) {
      refuse("record_not_permitted");
      return security_errc::not_permitted;
    }
    if (!v->validate_resource_announcement(type, id, data, creator)) {
      refuse("record_invalid");
      return security_errc::invalid_announcement;
    }
  }
  return {};
}

void SecurityManager::remove_resource(const mf::PeerId& peer, std::string_view type, std::string_view id) {
  auto it = m_peers.find(peer);
  if (it == m_peers.end()) return;
  auto& s = it->second;
  const std::string key = std::string(type) + ":" + std::string(id);
  auto r = std::find(s.resources.begin(), s.resources.end(), key);
  if (r == s.resources.end()) return;
  s.resources.erase(r);
  auto t = s.per_type.find(std::string(type));
  if (t != s.per_type.end() && --t->second == 0) s.per_type.erase(t);
}

// ---- validators ------------------------------------------------------------------------------

void SecurityManager::register_validator(std::string protocol_name, std::shared_ptr<ProtocolValidator> v) {
  for (auto& [name, existing] : m_named)
    if (name == protocol_name) {
      existing = std::move(v);
      return;
    }
  m_named.emplace_back(std::move(protocol_name), std::move(v));
}

void SecurityManager::register_validator(std::shared_ptr<ProtocolValidator> v) { m_unnamed.push_back(std::move(v)); }

void SecurityManager::unregister_validator(const std::string& protocol_name) {
  std::erase_if(m_named, [&](const auto& e) { return e.first == protocol_name; });
}

// ---- warnings and bans -----------------------------------------------------------------------

SecurityManager::WarnOutcome SecurityManager::warn_peer(const mf::PeerId& peer, std::string reason, TimePoint now) {
  auto& s = state(peer, now);
  s.warnings = decayed_warnings(s, now) + 1;
  s.warnings_at = now;
  ++m_metrics.warnings;
  WarnOutcome out;
  // Thresholds on the decayed count, rounded (a fresh warning on top of 3.99 decayed ones is
  // the fifth; on top of 3.4 it is the fourth).
  out.count = static_cast<int>(std::floor(s.warnings + 0.5));
  emit(PeerWarned{peer, out.count, reason});
  if (out.count >= m_config.ban_warnings) {
    if (m_bans.is_banned(peer, now)) {
      // Already banned (temporarily or for good): a permanent ban replaces a temporary one.
      const auto current = m_bans.bans(now);
      const bool permanent = std::any_of(current.begin(), current.end(), [&](const auto& b) {
        return b.target == peer.to_base58() && b.until == kNever;
      });
      if (!permanent) ban_peer(peer, reason, now);
    } else {
      ban_peer(peer, reason, now);
    }
    out.banned = true;
  } else if (out.count >= m_config.temp_ban_warnings) {
    const TimePoint until = now + m_config.temp_ban_duration;
    m_bans.ban_peer(peer, until, reason);
    ++m_metrics.temp_bans;
    emit(PeerTempBanned{peer, reason, until});
    out.banned = true;
  }
  return out;
}

void SecurityManager::ban_peer(const mf::PeerId& peer, std::string reason, TimePoint now,
                               std::optional<Duration> duration) {
  if (duration) {
    const TimePoint until = now + *duration;
    m_bans.ban_peer(peer, until, reason);
    ++m_metrics.temp_bans;
    emit(PeerTempBanned{peer, std::move(reason), until});
    return;
  }
  m_bans.ban_peer(peer, kNever, reason);
  ++m_metrics.bans;
  emit(PeerBanned{peer, std::move(reason)});
}

bool SecurityManager::unban_peer(const mf::PeerId& peer) {
  const bool was = m_bans.unban_peer(peer);
  if (auto it = m_peers.find(peer); it != m_peers.end()) {
    it->second.warnings = 0;
    it->second.invalid = 0;
  }
  emit(PeerUnbanned{peer});
  return was;
}

void SecurityManager::ban_ip(const std::string& ip, TimePoint now, std::optional<Duration> duration) {
  m_bans.ban_ip(ip, duration ? now + *duration : kNever, "manual");
}

bool SecurityManager::unban_ip(const std::string& ip) { return m_bans.unban_ip(ip); }

bool SecurityManager::is_allowed(const mf::PeerId& peer, TimePoint now) const { return !m_bans.is_banned(peer, now); }

double SecurityManager::warnings(const mf::PeerId& peer, TimePoint now) const {
  auto it = m_peers.find(peer);
  return it == m_peers.end() ? 0.0 : decayed_warnings(it->second, now);
}

double SecurityManager::reputation(const mf::PeerId& peer, TimePoint now) const {
  return std::max(0.0, 100.0 - 10.0 * warnings(peer, now));
}

std::optional<SecurityManager::PeerSecurity> SecurityManager::peer_security(const mf::PeerId& peer,
                                                                            TimePoint now) const {
  auto it = m_peers.find(peer);
  const bool banned = m_bans.is_banned(peer, now);
  if (it == m_peers.end() && !banned) return std::nullopt;
  PeerSecurity out{.peer = peer};
  out.banned = banned;
  if (it != m_peers.end()) {
    out.warnings = decayed_warnings(it->second, now);
    out.reputation = reputation(peer, now);
    out.invalid_messages = it->second.invalid;
    out.resources = it->second.resources.size();
  }
  return out;
}

void SecurityManager::cleanup(TimePoint now) {
  const auto day = std::chrono::hours(24);
  for (auto it = m_peers.begin(); it != m_peers.end();) {
    auto& s = it->second;
    if (s.last_announcement && now - *s.last_announcement > day) s.last_announcement.reset();
    std::erase_if(s.own_stamps,
                  [&](const auto& e) { return now - e.second >= m_config.limits.min_dht_announcement_interval; });
    s.invalid = 0;  // a new interval for MAX_INVALID_MESSAGES_PER_PEER
    if (decayed_warnings(s, now) < 0.01) s.warnings = 0;
    const bool idle = now - s.last_active > m_config.limits.dht_cleanup_interval;
    if (idle && s.warnings == 0 && s.resources.empty() && !s.last_announcement && s.own_stamps.empty())
      it = m_peers.erase(it);
    else
      ++it;
  }
}

// ---- gate ------------------------------------------------------------------------------------

host::Verdict SecurityManager::check_inbound_socket(const host::InboundSocket& s, TimePoint now) {
  return m_bans.check_inbound_socket(s, now);
}
host::Verdict SecurityManager::check_connection(const host::SecuredConnection& c, TimePoint now) {
  return m_bans.check_connection(c, now);
}
host::Verdict SecurityManager::check_dial(const host::OutboundDial& d, TimePoint now) {
  return m_bans.check_dial(d, now);
}
host::Verdict SecurityManager::check_inbound_stream(const host::InboundStreamRequest& r, TimePoint now) {
  return m_bans.check_inbound_stream(r, now);
}
host::PenaltyOutcome SecurityManager::on_penalty(const host::Penalty& p, TimePoint now) {
  const bool before = m_bans.is_banned(p.peer, now);
  auto out = m_bans.on_penalty(p, now);
  if (!before && m_bans.is_banned(p.peer, now)) {
    ++m_metrics.temp_bans;
    emit(PeerTempBanned{p.peer, p.reason, now + m_bans.policy().ban_duration});
  }
  return out;
}

}  // namespace lotus::coordinator
