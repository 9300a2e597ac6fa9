// Values of configuration keys (internal, see config_schema.hpp): parsing and validating a
// value of each Kind, what each Kind allows (the "allowed:" text of messages and --help), and
// the error messages. The TOML side is config_file.cpp; this part knows no TOML types.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node/config_schema.hpp"

namespace lotus::node::config_detail {

// `s` as a TOML basic string, quotes included (also how values are shown in messages).
std::string toml_quote(std::string_view s);
bool valid_utf8(std::string_view s);

// "config: invalid value for <key> = <value_display> (<source>): allowed: <allowed>"; `raw` is
// the value as written (ConfigError::value).
ConfigError invalid(std::string_view key, std::string_view value_display, std::string_view raw,
                    const std::string& source, std::string_view allowed);
// "config: unknown <what> '<name>' (<source>)<hint>".
ConfigError unknown(const std::string& what, const std::string& name, const std::string& source,
                    const std::string& hint);
// " (did you mean '<prefix><candidate>'?)" for the closest candidate within a small edit
// distance, else "".
std::string suggestion(std::string_view given, const std::vector<std::string>& candidates,
                       std::string_view prefix = "");

// What the key accepts, worded for the file (TOML types) or for text (environment, flags).
std::string allowed_text(const KeyDef& d, bool from_file);

// For the kinds whose value is one string (protocol_id, choice, log_levels, api_endpoint,
// file_path): nullopt if `text` is accepted, else what to append to the allowed text ("" or
// " (<why>)").
std::optional<std::string> string_refusal(const KeyDef& d, std::string_view text);
bool integer_in_range(const KeyDef& d, std::uint64_t v);
// One element of an address list (listen_addrs, announce_addrs, peer_addrs) or URL list: the invalid-value
// error naming the element, or nullopt.
std::optional<ConfigError> address_refusal(const KeyDef& d, const std::string& item,
                                           const std::string& source, bool from_file);

// A value given as text (environment variable or flag). `bare_flag`: a flag without a value.
ConfigResult<Value> parse_text(const KeyDef& d, std::string_view text, const std::string& source,
                               bool bare_flag);

}  // namespace lotus::node::config_detail
