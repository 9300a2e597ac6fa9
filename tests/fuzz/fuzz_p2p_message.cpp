// Fuzz target: the P2PMessage parser (coordinator::parse_message over coordinator::json) on
// arbitrary bytes must return a message or a specific errc — never crash, hang or over-allocate.
// Properties: what parses as JSON re-stringifies to text that parses to the same value and
// stringifies to the same text again (JS JSON is a fixed point after one round); what parses as
// a message re-serialises to text that parses to an equal message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "coordinator/json.hpp"
#include "coordinator/message.hpp"

using namespace lotus;
namespace co = lotus::coordinator;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto v = co::json::parse(text)) {
    const std::string once = co::json::stringify(*v);
    auto again = co::json::parse(once);
    if (!again) std::abort();
    if (co::json::stringify(*again) != once) std::abort();
  }
  auto m = co::parse_message(text);
  if (!m) return 0;
  const std::string wire = co::serialize(*m);
  auto back = co::parse_message(wire);
  if (!back || co::serialize(*back) != wire) std::abort();
  (void)co::compute_message_hash(*m);
  (void)co::validate_message(*m, 1767225601012);
  return 0;
}
