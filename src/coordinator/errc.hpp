// Error codes of the Lotus coordination layer (src/coordinator).
#pragma once

#include <system_error>

#include "base/error.hpp"

namespace lotus::coordinator {

enum class errc {
  invalid_resource_key = 1,  // DHT resource key is not resource:<type>:<id>
  invalid_resource_value,    // DHT resource value is not a JSON object (or nests too deep)
};
const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

}  // namespace lotus::coordinator

LOTUS_ERRC_ENUM(lotus::coordinator::errc)
