// lotus::coordinator::SecurityManager — the Lotus core security manager (seed "Security and
// Validation", lotus-wire.md §5.1–§5.2), enforced.
//
// The reference (lib/p2p/security.ts) mostly counts: bans are recorded and never checked,
// canAnnounceToDHT and the protocol validators are never called, most customLimits are
// ignored, parse errors are not penalised, warnings never decay (§12 item 18). Here:
//
//   limit (CORE_P2P_SECURITY_LIMITS)   where it is enforced
//   MAX_P2P_MESSAGE_SIZE  100 000 B    the stream reader's cap (coordinator), overridable
//   MIN_DHT_ANNOUNCEMENT_INTERVAL 30 s can_announce_to_dht, per announcing peer
//   MAX_DHT_RESOURCES_PER_PEER   100   can_announce_to_dht (resource tracker)
//   MAX_DHT_RESOURCES_PER_TYPE_PER_PEER 20   can_announce_to_dht
//   DHT_CLEANUP_INTERVAL  300 000 ms   the coordinator's cleanup period (cleanup() here)
//   MAX_INVALID_MESSAGES_PER_PEER 20   invalid messages of one peer within one cleanup
//                                      interval above this ban the peer (ours: the
//                                      reference declares it and never uses it)
// and two limits of our own (not in the reference; documented as ours):
//   max_messages_per_second / message_burst   a per-peer token bucket on inbound messages
//   max_dht_record_size  10 000 B              the serialised size of one announced record
// All overridable through Config::limits (the reference's customLimits); disable_rate_limiting
// turns off the two rate limits (DHT interval and message rate), as the reference's flag
// turns off its DHT checks — never in production.
//
// Warnings (warnPeer): the reference's thresholds — at 5 warnings a temporary ban (1 h,
// refreshed by each further warning), at 10 a ban until unban. Unlike the reference, the
// warning count decays (half-life Config::warning_half_life), so an honest peer's rare
// mistakes are forgotten; reputation() is 100 minus 10 per (decayed) warning, floored at 0.
//
// Bans are enforced: the manager is a host::PeerGate (install it with Host::add_gate), so a
// banned peer is refused on dials, inbound connections and streams (every protocol: the
// message protocol, GossipSub, the DHT), and penalties other services report with
// Host::penalize are scored as host::BanList scores them (threshold, decay, expiring bans).
// The manager takes the role the daemon's BanList had; manual and IP bans work as there.
//
// Validators (registerProtocolValidator / the seed's registerValidator): validate_message is
// called by the coordinator on every inbound message, can_announce_to_dht on every
// announcement; a validator is found by exact protocol name, else the first registered name
// that prefixes the resource type (as the reference), and unnamed validators apply to all.
//
// Sans-IO: no clock reads, `now` is passed in; bounded: at most Config::max_peers peers have
// state (the least recently active is forgotten first). Runs on the host's io_context thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "base/error.hpp"
#include "base/result.hpp"
#include "base/time.hpp"
#include "coordinator/json.hpp"
#include "coordinator/message.hpp"
#include "host/ban_list.hpp"
#include "host/peer_gate.hpp"

namespace lotus::coordinator {

enum class security_errc {
  banned = 1,            // the peer is banned (temporarily or until unbanned)
  rate_limited,          // inbound messages above the per-peer rate (ours)
  dht_rate_limited,      // announcements closer than MIN_DHT_ANNOUNCEMENT_INTERVAL
  dht_resource_limit,    // MAX_DHT_RESOURCES_PER_PEER reached
  dht_type_limit,        // MAX_DHT_RESOURCES_PER_TYPE_PER_PEER reached
  dht_record_too_large,  // the record is larger than max_dht_record_size (ours)
  not_permitted,         // a validator's can_announce_resource refused
  invalid_announcement,  // a validator's validate_resource_announcement refused
  invalid_message,       // a validator's validate_message refused
};
const std::error_category& security_category() noexcept;
inline std::error_code make_error_code(security_errc e) noexcept {
  return {static_cast<int>(e), security_category()};
}

// CORE_P2P_SECURITY_LIMITS, plus ours (marked).
struct SecurityLimits {
  std::size_t max_p2p_message_size = 100'000;
  Duration min_dht_announcement_interval = std::chrono::milliseconds(30'000);
  std::size_t max_dht_resources_per_peer = 100;
  std::size_t max_dht_resources_per_type_per_peer = 20;
  Duration dht_cleanup_interval = std::chrono::milliseconds(300'000);
  std::size_t max_invalid_messages_per_peer = 20;
  // Ours:
  double max_messages_per_second = 200;  // sustained inbound messages per peer
  double message_burst = 400;            // bucket size
  std::size_t max_dht_record_size = 10'000;
};

// IProtocolValidator: every member optional in the reference; here defaults that accept.
class ProtocolValidator {
 public:
  virtual ~ProtocolValidator() = default;
  virtual bool validate_resource_announcement(std::string_view /*type*/, std::string_view /*id*/,
                                              const json::Value& /*data*/, const mf::PeerId& /*peer*/) {
    return true;
  }
  virtual bool validate_message(const P2PMessage& /*message*/, const mf::PeerId& /*from*/) { return true; }
  virtual bool can_announce_resource(std::string_view /*type*/, const mf::PeerId& /*peer*/) { return true; }
};

// Events (the reference's peer:warned / peer:temp-banned / peer:banned / peer:unbanned).
struct PeerWarned {
  mf::PeerId peer;
  int count = 0;  // warnings now (after decay, rounded down)
  std::string reason;
};
struct PeerTempBanned {
  mf::PeerId peer;
  std::string reason;
  TimePoint until{};
};
struct PeerBanned {
  mf::PeerId peer;
  std::string reason;
};
struct PeerUnbanned {
  mf::PeerId peer;
};
using SecurityEvent = std::variant<PeerWarned, PeerTempBanned, PeerBanned, PeerUnbanned>;

class SecurityManager final : public host::PeerGate {
 public:
  struct Config {
    SecurityLimits limits{};
    bool disable_rate_limiting = false;
    int temp_ban_warnings = 5;
    int ban_warnings = 10;
    Duration temp_ban_duration = std::chrono::hours(1);
    Duration warning_half_life = std::chrono::hours(1);
    std::size_t max_peers = 10'000;
    host::BanList::Policy penalties{};  // scoring of Host::penalize reports
  };
  // getMetrics(), plus what we refuse that the reference did not.
  struct Metrics {
    std::uint64_t dht_announcements_total = 0;
    std::uint64_t dht_announcements_rejected = 0;
    std::uint64_t dht_announcements_rate_limited = 0;
    std::uint64_t messages_total = 0;
    std::uint64_t messages_rejected = 0;
    std::uint64_t messages_oversized = 0;
    std::uint64_t messages_rate_limited = 0;
    std::uint64_t warnings = 0;        // warnings issued
    std::uint64_t temp_bans = 0;
    std::uint64_t bans = 0;            // permanent (until unban) bans, warnings or manual
    std::map<std::string, std::uint64_t> refused_by_reason;  // our reason labels
  };
  struct WarnOutcome {
    int count = 0;
    bool banned = false;  // the peer is banned now (the caller closes its connections)
  };
  struct PeerSecurity {
    mf::PeerId peer;
    double warnings = 0;
    double reputation = 100;
    std::size_t invalid_messages = 0;  // in the current cleanup interval
    std::size_t resources = 0;
    bool banned = false;
  };

  SecurityManager();
  explicit SecurityManager(Config config);

  const Config& config() const noexcept { return m_config; }
  const SecurityLimits& limits() const noexcept { return m_config.limits; }

  // ---- inbound messages (called by the coordinator for every message) ----
  // Before reading a stream's data: refused while banned (security_errc::banned) or above
  // the message rate (rate_limited; a warning at most once per second of excess).
  Status admit_message(const mf::PeerId& from, TimePoint now);
  // A message that failed parsing or validation (`why`: a message_errc/json errc), or was
  // larger than max_p2p_message_size (oversized): counted, warned, and above
  // max_invalid_messages_per_peer in one cleanup interval the peer is banned.
  WarnOutcome record_invalid_message(const mf::PeerId& from, std::error_code why, TimePoint now,
                                     bool oversized = false);
  // An accepted message (metrics).
  void record_valid_message() { ++m_metrics.messages_total; }
  // The validators of message.protocol and the unnamed ones; false → security_errc::invalid_message.
  Status validate_message(const P2PMessage& message, const mf::PeerId& from);

  // ---- DHT announcements (canAnnounceToDHT) ----
  // `record_size`: serialised size of the record to store. Records the resource on success.
  Status can_announce_to_dht(const mf::PeerId& peer, std::string_view type, std::string_view id,
                             const json::Value& data, std::size_t record_size, TimePoint now);
  // Our own announcements (the resources service's gate, own_announce_gate): the same checks as
  // can_announce_to_dht — per-peer and per-type resource counts, our record size limit, the
  // validators — with two differences (ours, documented in docs/design-notes.md):
  //   * MIN_DHT_ANNOUNCEMENT_INTERVAL applies per key (type, id), not per peer: re-announcing
  //     one resource within the interval is refused (dht_rate_limited) — remote kad handlers
  //     drop a PUT of the same key by the same peer within it anyway — while distinct resources
  //     are bounded by the counts. The reference's per-peer rule would allow one announcement
  //     of any resource per 30 s, which stalls a node that opens several sessions at once.
  //   * no warnings, no ban check: a node never warns or bans itself.
  // Refusals are counted (metrics, refused_by_reason) under the same reason labels. Records
  // the resource on success; remove_resource(self, …) on withdraw/expiry frees its slot.
  Status can_announce_own(const mf::PeerId& self, std::string_view type, std::string_view id,
                          const json::Value& data, std::size_t record_size, TimePoint now);
  // Validators only (the seed's canAnnounceResource).
  bool can_announce_resource(const mf::PeerId& peer, std::string_view type);
  // A record another node announced, read from the DHT: refused when its creator is banned or
  // a validator refuses it (not_permitted / invalid_announcement); no limits, no warnings (the
  // creator is the record's claim, not a proved sender).
  Status validate_record(const mf::PeerId& creator, std::string_view type, std::string_view id,
                         const json::Value& data, TimePoint now);
  void remove_resource(const mf::PeerId& peer, std::string_view type, std::string_view id);

  // ---- validators ----
  void register_validator(std::string protocol_name, std::shared_ptr<ProtocolValidator> v);
  void register_validator(std::shared_ptr<ProtocolValidator> v);  // applies to everything
  void unregister_validator(const std::string& protocol_name);

  // ---- warnings and bans ----
  WarnOutcome warn_peer(const mf::PeerId& peer, std::string reason, TimePoint now);
  // duration nullopt: until unban.
  void ban_peer(const mf::PeerId& peer, std::string reason, TimePoint now, std::optional<Duration> duration = std::nullopt);
  bool unban_peer(const mf::PeerId& peer);  // clears warnings too; false if it was not banned
  void ban_ip(const std::string& ip, TimePoint now, std::optional<Duration> duration = std::nullopt);
  bool unban_ip(const std::string& ip);
  bool is_allowed(const mf::PeerId& peer, TimePoint now) const;
  double warnings(const mf::PeerId& peer, TimePoint now) const;
  double reputation(const mf::PeerId& peer, TimePoint now) const;
  std::vector<host::BanList::Ban> bans(TimePoint now) const { return m_bans.bans(now); }
  const host::BanList& ban_list() const noexcept { return m_bans; }
  std::optional<PeerSecurity> peer_security(const mf::PeerId& peer, TimePoint now) const;

  // Forgets expired state (DHT interval stamps > 24 h old, invalid counts of the finished
  // interval, decayed warnings). The coordinator calls it every dht_cleanup_interval.
  void cleanup(TimePoint now);

  const Metrics& metrics() const noexcept { return m_metrics; }
  void reset_metrics() { m_metrics = Metrics{}; }

  // One listener (the coordinator re-emits); called synchronously.
  void set_event_listener(std::function<void(const SecurityEvent&)> listener) { m_listener = std::move(listener); }

  // host::PeerGate
  host::Verdict check_inbound_socket(const host::InboundSocket& s, TimePoint now) override;
  host::Verdict check_connection(const host::SecuredConnection& c, TimePoint now) override;
  host::Verdict check_dial(const host::OutboundDial& d, TimePoint now) override;
  host::Verdict check_inbound_stream(const host::InboundStreamRequest& r, TimePoint now) override;
  host::PenaltyOutcome on_penalty(const host::Penalty& p, TimePoint now) override;

 private:
  struct PeerState {
    double warnings = 0;
    TimePoint warnings_at{};
    double tokens = 0;
    TimePoint tokens_at{};
    bool bucket_started = false;
    TimePoint last_rate_warning{};
    bool rate_warned = false;
    std::size_t invalid = 0;
    std::optional<TimePoint> last_announcement;
    std::map<std::string, std::size_t> per_type;  // type -> count
    std::vector<std::string> resources;           // "<type>:<id>"
    std::map<std::string, TimePoint> own_stamps;  // own announcements: "<type>:<id>" -> last accepted
    TimePoint last_active{};
  };
  PeerState& state(const mf::PeerId& peer, TimePoint now);
  double decayed_warnings(const PeerState& s, TimePoint now) const;
  void refuse(const char* reason) { ++m_metrics.refused_by_reason[reason]; }
  void emit(const SecurityEvent& e) {
    if (m_listener) m_listener(e);
  }
  std::vector<ProtocolValidator*> validators_for_type(std::string_view type) const;

  Config m_config;
  host::BanList m_bans;
  std::map<mf::PeerId, PeerState> m_peers;
  std::vector<std::pair<std::string, std::shared_ptr<ProtocolValidator>>> m_named;  // registration order
  std::vector<std::shared_ptr<ProtocolValidator>> m_unnamed;
  Metrics m_metrics;
  std::function<void(const SecurityEvent&)> m_listener;
};

}  // namespace lotus::coordinator

LOTUS_ERRC_ENUM(lotus::coordinator::security_errc)
