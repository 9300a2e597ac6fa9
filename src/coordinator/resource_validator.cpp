#include "coordinator/resource_validator.hpp"

#include <nlohmann/json.hpp>
#include <algorithm>
#include <memory>
#include <optional>
#include <string>

namespace lotus::coordinator {

std::size_t json_depth(std::string_view s) {
  std::size_t depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : s) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      max_depth = std::max(max_depth, ++depth);
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return max_depth;
}

namespace {

std::optional<nlohmann::json> parse_object(BytesView value) {
  const std::string_view text = as_string_view(value);
  if (json_depth(text) > kMaxJsonDepth) return std::nullopt;
  auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

std::optional<double> timestamp_of(const nlohmann::json& j) {
  for (const char* name : {"createdAt", "timestamp"}) {
    auto it = j.find(name);
    if (it != j.end() && it->is_number()) return it->get<double>();
  }
  return std::nullopt;
}

}  // namespace

Status ResourceValidator::validate(BytesView key, BytesView value) const {
  const std::string_view k = as_string_view(key);
  if (k.substr(0, kResourcePrefix.size()) != kResourcePrefix) return errc::invalid_resource_key;
  const std::string_view rest = k.substr(kResourcePrefix.size());
  const std::size_t colon = rest.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == rest.size())
    return errc::invalid_resource_key;
  if (!parse_object(value)) return errc::invalid_resource_value;
  return {};
}

std::size_t ResourceValidator::select(BytesView, std::span<const BytesView> values) const {
  std::size_t best = 0;
  std::optional<double> best_ts;
  for (std::size_t i = 0; i < values.size(); ++i) {
    auto j = parse_object(values[i]);
    if (!j) continue;
    auto ts = timestamp_of(*j);
    if (ts && (!best_ts || *ts > *best_ts)) {
      best = i;
      best_ts = ts;
    }
  }
  return best;
}

proto::kad::ValidatorRegistry dht_validators() {
  auto r = proto::kad::ValidatorRegistry::with_defaults();
  r.add(std::string(kResourcePrefix), std::make_shared<ResourceValidator>());
  return r;
}

}  // namespace lotus::coordinator
