// lotus::host::BanList — the default ban policy: a PeerGate that bans peers by hand or when the
// penalties services report about them add up, and refuses banned peers at every admission
// point (and banned IP addresses at accept).
//
// Scoring: each peer has a score, the sum of the weights of its penalties, decaying
// exponentially with Policy::half_life. When a penalty brings the score to Policy::threshold
// or more, the peer is banned for Policy::ban_duration (on_penalty answers disconnect, and the
// host closes the peer's connections). A ban expires by itself; unban() lifts it early. A
// banned peer's score restarts at 0 when the ban ends.
//
// Bounded: at most Policy::max_scored peers keep a score (the lowest score is forgotten first)
// and at most Policy::max_bans bans are held (a new ban beyond it replaces the one ending
// first). Policy only: no clock reads (`now` is passed in), no I/O; tests drive it with virtual
// time. Runs on the host's io_context thread like every gate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "host/peer_gate.hpp"

namespace lotus::host {

class BanList : public PeerGate {
 public:
  struct Policy {
    int threshold = 100;                                  // score that bans
    Duration half_life = std::chrono::minutes(10);        // penalty decay
    Duration ban_duration = std::chrono::hours(1);        // automatic bans
    std::size_t max_scored = 10000;
    std::size_t max_bans = 10000;
  };
  struct Ban {
    std::string target;  // peer id (base58) or IP address
    std::string reason;  // "manual", or the penalty reason that crossed the threshold
    TimePoint until{};   // kNever: until unbanned
  };
  struct Stats {
    std::uint64_t penalties = 0;
    std::uint64_t bans = 0;           // bans imposed (manual + automatic)
    std::uint64_t automatic_bans = 0;
    std::map<std::string, std::uint64_t> penalties_by_reason;
  };

  BanList();
  explicit BanList(Policy policy);

  const Policy& policy() const noexcept { return m_policy; }

  // until == kNever: indefinitely. Replaces an existing ban of the same target.
  void ban_peer(const mf::PeerId& peer, TimePoint until, std::string reason = "manual");
  void ban_ip(const std::string& ip, TimePoint until, std::string reason = "manual");
  bool unban_peer(const mf::PeerId& peer);  // false: was not banned
  bool unban_ip(const std::string& ip);
  bool is_banned(const mf::PeerId& peer, TimePoint now) const;
  bool is_ip_banned(const std::string& ip, TimePoint now) const;
  std::vector<Ban> bans(TimePoint now) const;  // current bans, peers then IPs
  double score(const mf::PeerId& peer, TimePoint now) const;
  const Stats& stats() const noexcept { return m_stats; }

  // PeerGate
  Verdict check_inbound_socket(const InboundSocket& s, TimePoint now) override;
  Verdict check_connection(const SecuredConnection& c, TimePoint now) override;
  Verdict check_dial(const OutboundDial& d, TimePoint now) override;
  Verdict check_inbound_stream(const InboundStreamRequest& r, TimePoint now) override;
  PenaltyOutcome on_penalty(const Penalty& p, TimePoint now) override;

 private:
  struct Score {
    double value = 0;
    TimePoint at{};
  };
  double decayed(const Score& s, TimePoint now) const;
  void insert_ban(std::map<std::string, Ban>& into, Ban ban);
  void forget_lowest_score(TimePoint now);

  Policy m_policy;
  std::map<std::string, Ban> m_peer_bans;  // key: peer id base58
  std::map<std::string, Ban> m_ip_bans;
  std::map<mf::PeerId, Score> m_scores;
  Stats m_stats;
};

}  // namespace lotus::host
