// Fuzz target: the inbound /lotus/message/1.0.0 stream handler's decisions, sans-IO — what
// Coordinator's serve_message_stream + accept_text do once a stream's bytes are in, in their
// order: SecurityManager::admit_message (ban / rate limit) → the size cap
// (max_p2p_message_size, oversized → record_invalid_message) → empty stream ignored →
// Intake::accept (parse, validate ±300 s, validators, HMAC seen-set) → refusals warned with
// record_invalid_message. The input is a sequence of stream contents from up to four peers with
// time advancing, so bans, rate limits, the seen-set and its eviction build up across messages.
//
// Input: repeated [flags u8][len u16 LE][len bytes]. flags: bits 0-1 peer, bits 2-4 time step
// (0..7 × 250 ms), bit 5: replay the previous text instead of reading one (len still consumed).
// Properties (abort otherwise): a banned peer is never admitted; an accepted message
// re-serialises to text that parses to an equal message and is a duplicate when offered again;
// a refusal has a label and an error; the seen-set stays within its capacity.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "base/rng.hpp"
#include "coordinator/intake.hpp"
#include "coordinator/message.hpp"
#include "coordinator/security.hpp"
#include "crypto/keys.hpp"

using namespace lotus;
namespace co = lotus::coordinator;

namespace {

const std::vector<mf::PeerId>& peers() {
  static const std::vector<mf::PeerId> ps = [] {
    std::vector<mf::PeerId> v;
    for (std::uint64_t i = 0; i < 4; ++i) {
      DeterministicRng rng(0xF00D + i);
      v.push_back(crypto::PrivateKey::generate(crypto::KeyType::ed25519, rng)->peer_id());
    }
    return v;
  }();
  return ps;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  co::SecurityManager::Config sc;
  sc.limits.max_p2p_message_size = 2048;  // small, so -max_len inputs reach the cap
  sc.limits.max_messages_per_second = 20;
  sc.limits.message_burst = 8;
  co::SecurityManager sm(sc);
  co::SeenSet::Config seen;
  seen.capacity = 16;  // small, so eviction is exercised
  seen.evict_batch = 4;
  co::Intake intake(sm, seen);

  std::int64_t now_ms = 1767225600000;
  TimePoint now = TimePoint{} + std::chrono::hours(1);
  std::string previous;
  std::size_t pos = 0;
  while (pos + 3 <= size) {
    const std::uint8_t flags = data[pos];
    const std::size_t len = static_cast<std::size_t>(data[pos + 1]) | (static_cast<std::size_t>(data[pos + 2]) << 8);
    pos += 3;
    const std::size_t take = len < size - pos ? len : size - pos;
    std::string text = (flags & 0x20) ? previous : std::string(reinterpret_cast<const char*>(data + pos), take);
    pos += take;
    const auto step = std::chrono::milliseconds(250 * ((flags >> 2) & 7));
    now += step;
    now_ms += step.count();
    const mf::PeerId& peer = peers()[flags & 3];

    const bool allowed = sm.is_allowed(peer, now);
    if (!sm.admit_message(peer, now)) continue;  // banned or rate limited: stream reset
    if (!allowed) std::abort();                   // a banned peer got through
    if (text.size() > sm.limits().max_p2p_message_size) {
      (void)sm.record_invalid_message(peer, make_error_code(co::message_errc::too_large), now, true);
      continue;
    }
    if (text.empty()) continue;  // ignored, as the reference
    previous = text;
    auto v = intake.accept(peer, text, now_ms, now);
    if (intake.seen().size() > seen.capacity) std::abort();
    if (v.accepted()) {
      if (!v.message) std::abort();
      sm.record_valid_message();
      const std::string wire = co::serialize(*v.message);
      auto back = co::parse_message(wire);
      if (!back || !(*back == *v.message)) std::abort();
      if (intake.accept(peer, text, now_ms, now).outcome != co::IntakeVerdict::Outcome::duplicate) std::abort();
      continue;
    }
    if (v.outcome == co::IntakeVerdict::Outcome::duplicate) continue;
    if (!v.error || std::strlen(v.reason()) == 0) std::abort();
    (void)sm.record_invalid_message(peer, v.error, now);
  }
  return 0;
}
