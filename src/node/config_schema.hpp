// The configuration keys of lotus-p2pd (internal to the configuration layer, see config.hpp):
// one KeyDef per key, declared once in config_schema.cpp with everything about it — dotted
// name, kind, default, range or choices, flags, seed environment names, help text, the value
// each profile gives it, and the NodeConfig field it binds to. Parsing, layering, rendering and
// help (config_values.cpp, config_file.cpp, config_sources.cpp, config_render.cpp) read these
// declarations; none of them names a key, except the cross-key rules below.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "node/config.hpp"

namespace lotus::node::config_detail {

using StringMap = std::map<std::string, std::string>;

// A key's value before it is bound to NodeConfig: what every source parses into and what
// rendering prints. Address lists stay text here (they were validated when parsed).
using Value = std::variant<bool, std::uint64_t, std::string, std::vector<std::string>, StringMap>;

// What a key accepts; decides parsing, validation and the "allowed:" text (config_values.cpp).
enum class Kind {
  boolean,         // bool
  integer,         // std::uint64_t in [min, max]
  protocol_id,     // std::string
  choice,          // std::string, one of `choices`
  listen_addrs,    // std::vector<std::string> of multiaddrs with a TCP port
  announce_addrs,  // ... with a TCP port other than 0
  peer_addrs,      // ... ending in /p2p/<peer-id>
  string_map,      // StringMap
  log_levels,      // std::string, node/logging.hpp syntax
  api_endpoint,    // std::string
  file_path,       // std::string
  url_list,        // std::vector<std::string> of http(s):// URLs (chronik::parse_url)
};

// How a key reaches its NodeConfig field, both ways. Made by field() in config_schema.cpp,
// which also converts (integer -> uint32_t, text -> Multiaddr, text -> Profile, ...).
struct Binding {
  void (*set)(NodeConfig&, const Value&) = nullptr;  // the value has the key's kind
  Value (*get)(const NodeConfig&) = nullptr;
};

struct ProfileValue {
  std::string_view profile;  // a choice of the "profile" key, e.g. "wallet"
  Value value;
};

struct KeyDef {
  std::string_view key;  // dotted: "<section>.<name>", or "<name>" at the top level
  Kind kind = Kind::boolean;
  Value def;                                // default
  std::uint64_t min = 0, max = 0;           // integer range
  std::vector<std::string_view> choices;    // choice
  std::vector<std::string_view> flags;      // without "--", canonical first
  std::vector<std::string_view> seed_env;   // extra (seed) environment names, below LOTUS_P2P_*
  std::string_view help;                    // one line: what the key does
  std::vector<ProfileValue> profiles;       // what each profile sets (profiles not listed: nothing)
  Binding bind;
};

// Every key in documentation order (the order of --print-config and --help).
const std::vector<KeyDef>& schema();

const KeyDef* find_key(std::string_view key);
const KeyDef* find_flag(std::string_view flag);  // flag without "--"
const KeyDef* find_env(std::string_view name);   // LOTUS_P2P_* name (not the seed names)
std::vector<std::string> all_keys();
// Whether `name` is a table of keys in the file ("dht" for dht.enabled, ...).
bool is_section(std::string_view name);

// LOTUS_P2P_<KEY> with dots as underscores, upper case: "dht.server" -> LOTUS_P2P_DHT_SERVER.
std::string env_name(std::string_view key);

// One key's value and where it came from ("default", "profile:wallet", "file:<path>:<line>",
// "env:<NAME>", "flag:--<name>").
struct Entry {
  Value value;
  std::string source;
};
using Layer = std::vector<std::pair<const KeyDef*, Entry>>;  // one source, in the order given
using Values = std::map<std::string_view, Entry>;             // the merged result, every key

// The rules that involve more than one key, checked after every key is bound to `config`;
// the first broken one is returned. `values` names the sources in the message.
std::optional<ConfigError> check_rules(const NodeConfig& config, const Values& values);

}  // namespace lotus::node::config_detail
