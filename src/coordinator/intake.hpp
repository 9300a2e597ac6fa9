// lotus::coordinator::Intake — the receive path of one P2P message once its bytes are in
// (lotus-wire.md §2.5 steps 3–9), sans-IO: parse → validate (required fields, ±300 s clock
// window) → the security manager's protocol validators → de-duplication in the seen-set by
// the reference's HMAC key (compute_message_hash). The Coordinator runs both its direct
// /lotus/message/1.0.0 streams and its network-wide broadcast topic (GossipSub) through one
// Intake, so a message that arrives both ways is handled once; the network simulations
// (tests/sim) run the same object per simulated node.
//
// What to do with a refusal (warn the sender, close its connection, count it) is the caller's
// decision: a direct sender is proved by the connection, a gossip author only by GossipSub.
// Time passed in; single-threaded.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>

#include "base/time.hpp"
#include "coordinator/message.hpp"
#include "coordinator/security.hpp"
#include "coordinator/seen_set.hpp"

namespace lotus::coordinator {

struct IntakeVerdict {
  enum class Outcome { accepted, invalid_json, invalid_message, clock_skew, validator, duplicate };
  Outcome outcome = Outcome::invalid_message;
  std::error_code error;              // why it was refused (not set for accepted / duplicate)
  std::optional<P2PMessage> message;  // parsed: accepted, validator, duplicate
  bool accepted() const noexcept { return outcome == Outcome::accepted; }
  // The refusal label of Coordinator Stats::refused and /metrics ("accepted" when accepted).
  const char* reason() const noexcept;
};

class Intake {
 public:
  explicit Intake(SecurityManager& security, SeenSet::Config seen = {}) : m_security(security), m_seen(seen) {}

  // One message's text from `peer` (the authenticated sender, or the GossipSub author).
  IntakeVerdict accept(const mf::PeerId& peer, std::string_view text, std::int64_t now_ms, TimePoint now);
  // A message we send ourselves (broadcast): never handled if it comes back to us.
  void mark_own(const P2PMessage& message, TimePoint now) { m_seen.insert(compute_message_hash(message), now); }

  SeenSet& seen() noexcept { return m_seen; }

 private:
  SecurityManager& m_security;
  SeenSet m_seen;
};

}  // namespace lotus::coordinator
