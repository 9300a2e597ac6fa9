#include "coordinator/errc.hpp"

namespace lotus::coordinator {

const std::error_category& category() noexcept {
  static const TableCategory cat("coordinator", {
      {static_cast<int>(errc::invalid_resource_key), "resource key is not resource:<type>:<id>"},
      {static_cast<int>(errc::invalid_resource_value), "resource value is not a JSON object"},
  });
  return cat;
}

}  // namespace lotus::coordinator
