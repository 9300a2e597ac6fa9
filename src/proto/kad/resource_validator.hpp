// The Lotus resource namespace: key = "resource:<type>:<id>" with non-empty <type> (no ':')
// and non-empty <id>; value = a JSON object (nesting at most kMaxJsonDepth deep).
// select() prefers the newest value by its numeric "createdAt" (or else "timestamp") member;
// values without one lose against values with one; ties keep the earliest index.
// Not checked: signatures or ownership of resources (the coordinator layer's business).
#pragma once

#include <string_view>

#include "proto/kad/validator.hpp"

namespace lotus::proto::kad {

inline constexpr std::string_view kResourcePrefix = "resource:";
inline constexpr std::size_t kMaxJsonDepth = 32;

class ResourceValidator final : public Validator {
 public:
  Status validate(BytesView key, BytesView value) const override;
  std::size_t select(BytesView key, std::span<const BytesView> values) const override;
};

}  // namespace lotus::proto::kad
