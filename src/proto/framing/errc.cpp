#include "proto/framing/errc.hpp"

namespace lotus::proto::framing {

const std::error_category& category() noexcept {
  static const TableCategory cat("framing", {
      {static_cast<int>(errc::frame_too_large), "frame length exceeds the limit"},
  });
  return cat;
}

}  // namespace lotus::proto::framing
