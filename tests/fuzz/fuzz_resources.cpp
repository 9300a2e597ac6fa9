// DHT resource records read from other nodes (coordinator/resources.hpp): parse_announcement,
// parse_index, normalize_json and the filters. Invariants: a parsed record re-encodes to text
// that parses back to the same record; normalized JSON is a fixed point; nothing throws.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "coordinator/resources.hpp"

namespace co = lotus::coordinator;

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto a = co::parse_announcement(in)) {
    const std::string text = co::encode_announcement(*a);
    auto back = co::parse_announcement(text);
    check(back.has_value() && *back == *a);
    check(co::encode_announcement(*back) == text);
    (void)co::matches(*a, {{"x", "1"}, {"y", "\"s\""}});
    (void)co::parse_index(*a, a->resource_type, a->creator_peer_id);
    if (auto pos = a->resource_id.find(':'); pos != std::string::npos)
      (void)co::parse_index(*a, a->resource_id.substr(0, pos), a->resource_id.substr(pos + 1));
  }
  if (auto n = co::normalize_json(in)) {
    auto again = co::normalize_json(*n);
    check(again.has_value() && *again == *n);
  }
  return 0;
}
