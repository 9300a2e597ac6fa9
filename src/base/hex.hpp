// Lowercase hex encoding (Node's Buffer.toString('hex') form) and strict decoding.
#pragma once

#include <optional>
#include <string>

#include "base/bytes.hpp"

namespace lotus {

std::string to_hex(BytesView data);
// Accepts upper or lower case; nullopt on odd length or a non-hex character.
std::optional<Bytes> from_hex(std::string_view hex);

}  // namespace lotus
