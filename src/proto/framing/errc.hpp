// Error codes of the length-prefixed framer (proto/framing). A malformed length prefix is
// reported with the varint module's own codes (varint::errc::not_minimal / overflow): the
// prefix is a multiformats unsigned varint and those messages say exactly what is wrong.
#pragma once

#include <system_error>

#include "base/error.hpp"

namespace lotus::proto::framing {

enum class errc {
  frame_too_large = 1,  // the length prefix announces more than the reader's max_frame_size
};
const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

}  // namespace lotus::proto::framing

LOTUS_ERRC_ENUM(lotus::proto::framing::errc)
