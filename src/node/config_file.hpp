// The TOML file layer of the configuration (internal, see config_schema.hpp). Declared apart so
// that only config_file.cpp includes toml++ (it is header-heavy).
#pragma once

#include <string>

#include "node/config_schema.hpp"

namespace lotus::node::config_detail {

// The keys set by the TOML text `text`, in file order; `file` names it in provenance
// ("file:<file>:<line>") and messages. Unknown keys and sections, values of the wrong type
// and malformed TOML are errors.
ConfigResult<Layer> file_layer(const std::string& text, const std::string& file);

}  // namespace lotus::node::config_detail
