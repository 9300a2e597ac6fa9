// The Lotus resource namespace of the DHT (Lotus application policy, so it lives here and not
// in proto/kad, which knows only the generic Validator interface and /pk/):
// key = "resource:<type>:<id>" with non-empty <type> (no ':') and non-empty <id>;
// value = a JSON object (nesting at most kMaxJsonDepth deep).
// select() prefers the newest value by its numeric "createdAt" (or else "timestamp") member;
// values without one lose against values with one; ties keep the earliest index.
// Errors: errc::invalid_resource_key, errc::invalid_resource_value.
// Not checked (yet): signatures or ownership of resources.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "coordinator/errc.hpp"
#include "proto/kad/validator.hpp"

namespace lotus::coordinator {

inline constexpr std::string_view kResourcePrefix = "resource:";
inline constexpr std::size_t kMaxJsonDepth = 32;

class ResourceValidator final : public proto::kad::Validator {
 public:
  Status validate(BytesView key, BytesView value) const override;
  std::size_t select(BytesView key, std::span<const BytesView> values) const override;
};

// Maximum nesting depth of a JSON text, counted outside strings, without parsing it: keeps a
// parser, a recursive writer and a value's destructor away from deep recursion on hostile input.
std::size_t json_depth(std::string_view s);

// The validators of the Lotus DHT: kad's defaults ("/pk/") and "resource:".
proto::kad::ValidatorRegistry dht_validators();

}  // namespace lotus::coordinator
