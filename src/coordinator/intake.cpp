#include "coordinator/intake.hpp"

namespace lotus::coordinator {

const char* IntakeVerdict::reason() const noexcept {
  switch (outcome) {
    case Outcome::accepted: return "accepted";
    case Outcome::invalid_json: return "invalid_json";
    case Outcome::invalid_message: return "invalid_message";
    case Outcome::clock_skew: return "clock_skew";
    case Outcome::validator: return "validator";
    case Outcome::duplicate: return "duplicate";
  }
  return "invalid_message";
}

IntakeVerdict Intake::accept(const mf::PeerId& peer, std::string_view text, std::int64_t now_ms, TimePoint now) {
  using O = IntakeVerdict::Outcome;
  IntakeVerdict v;
  auto m = parse_message(text);
  if (!m) {
    const bool json = m.error() == message_errc::not_json || m.error() == message_errc::too_deep;
    v.outcome = json ? O::invalid_json : O::invalid_message;
    v.error = m.error();
    return v;
  }
  if (auto ok = validate_message(*m, now_ms); !ok) {
    v.outcome = ok.error() == message_errc::clock_skew ? O::clock_skew : O::invalid_message;
    v.error = ok.error();
    return v;
  }
  if (auto ok = m_security.validate_message(*m, peer); !ok) {
    v.outcome = O::validator;
    v.error = ok.error();
    v.message = std::move(*m);
    return v;
  }
  m_security.record_valid_message();
  v.outcome = m_seen.insert(compute_message_hash(*m), now) ? O::accepted : O::duplicate;
  v.message = std::move(*m);
  return v;
}

}  // namespace lotus::coordinator
