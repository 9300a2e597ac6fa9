// Configuration layer (see config.hpp). This is the only translation unit that includes
// toml++ (it is header-heavy); nothing of it leaks into the header.
#include "node/config.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

namespace lotus::node {

const std::error_category& category() noexcept {
  static const TableCategory cat{
      "config",
      {{static_cast<int>(errc::invalid_value), "invalid value"},
       {static_cast<int>(errc::unknown_key), "unknown key"},
       {static_cast<int>(errc::parse_error), "malformed TOML file"},
       {static_cast<int>(errc::file_unreadable), "config file cannot be read"},
       {static_cast<int>(errc::no_data_dir), "no data directory (no --data-dir, LOTUS_P2P_DATA_DIR or HOME)"}}};
  return cat;
}

std::string_view to_string(Profile p) noexcept {
  switch (p) {
    case Profile::none: return "none";
    case Profile::wallet: return "wallet";
    case Profile::full: return "full";
    case Profile::bootstrap: return "bootstrap";
    case Profile::relay: return "relay";
  }
  return "none";
}

namespace {

constexpr std::size_t k_max_file_size = 1 << 20;
constexpr std::size_t k_max_protocol_len = 256;
constexpr std::size_t k_max_path_len = 4096;
constexpr std::uint64_t k_max_conn = 100000;
constexpr std::uint64_t k_max_streams = 65536;

using StringMap = std::map<std::string, std::string>;
using Value = std::variant<bool, std::uint64_t, std::string, std::vector<std::string>, StringMap>;

enum class Kind {
  boolean, integer, protocol_id, choice, listen_addrs, announce_addrs, peer_addrs, string_map, log_levels,
  api_endpoint, file_path
};

struct KeyDef {
  std::string_view key;                    // dotted
  Kind kind;
  Value def;
  std::vector<std::string_view> flags;     // canonical first
  std::vector<std::string_view> seed_env;  // extra (seed) environment names, lower precedence
  std::uint64_t min = 0, max = 0;          // integer range
  std::vector<std::string_view> choices;   // choice
};

const std::vector<KeyDef>& schema() {
  static const std::vector<KeyDef> s = [] {
    using V = std::vector<std::string>;
    std::vector<KeyDef> d;
    d.push_back({"profile", Kind::choice, std::string("none"), {"profile"}, {}, 0, 0,
                 {"none", "wallet", "full", "bootstrap", "relay"}});
    d.push_back({"listen", Kind::listen_addrs, V{"/ip4/0.0.0.0/tcp/0"}, {"listen"}, {}, 0, 0, {}});
    d.push_back({"announce", Kind::announce_addrs, V{}, {"announce"}, {}, 0, 0, {}});
    d.push_back({"bootstrap_peers", Kind::peer_addrs, V{}, {"bootstrap-peers", "bootstrap-peer"}, {}, 0, 0, {}});
    d.push_back({"dht.enabled", Kind::boolean, true, {"dht-enabled", "dht"}, {}, 0, 0, {}});
    d.push_back({"dht.protocol", Kind::protocol_id, std::string("/lotus/kad/1.0.0"), {"dht-protocol"}, {}, 0, 0, {}});
    d.push_back({"dht.server", Kind::boolean, false, {"dht-server"}, {}, 0, 0, {}});
    d.push_back({"gossipsub.enabled", Kind::boolean, true, {"gossipsub-enabled", "gossipsub"}, {}, 0, 0, {}});
    d.push_back({"relay.enabled", Kind::boolean, true, {"relay-enabled", "relay"}, {}, 0, 0, {}});
    d.push_back({"relay.server", Kind::boolean, false, {"relay-server"}, {}, 0, 0, {}});
    d.push_back({"nat.autonat", Kind::boolean, true, {"nat-autonat", "autonat"}, {}, 0, 0, {}});
    d.push_back({"nat.dcutr", Kind::boolean, true, {"nat-dcutr", "dcutr"}, {}, 0, 0, {}});
    d.push_back({"nat.upnp", Kind::boolean, false, {"nat-upnp", "upnp"}, {}, 0, 0, {}});
    d.push_back({"connection_manager.min_connections", Kind::integer, std::uint64_t{10},
                 {"connection-manager-min-connections", "min-connections"}, {"P2P_MIN_CONNECTIONS"}, 0,
                 k_max_conn, {}});
    d.push_back({"connection_manager.max_connections", Kind::integer, std::uint64_t{50},
                 {"connection-manager-max-connections", "max-connections"}, {"P2P_MAX_CONNECTIONS"}, 1,
                 k_max_conn, {}});
    // The host's connection manager limits (host::ConnLimits); the defaults are the library's.
    d.push_back({"connection_manager.grace_period_seconds", Kind::integer, std::uint64_t{20},
                 {"connection-manager-grace-period-seconds", "grace-period-seconds"}, {}, 0, 86400, {}});
    d.push_back({"connection_manager.max_inbound_per_ip", Kind::integer, std::uint64_t{8},
                 {"connection-manager-max-inbound-per-ip", "max-inbound-per-ip"}, {}, 1, k_max_conn, {}});
    d.push_back({"connection_manager.inbound_connections_per_second", Kind::integer, std::uint64_t{20},
                 {"connection-manager-inbound-connections-per-second", "inbound-connections-per-second"}, {}, 1,
                 k_max_conn, {}});
    d.push_back({"connection_manager.inbound_burst", Kind::integer, std::uint64_t{40},
                 {"connection-manager-inbound-burst", "inbound-burst"}, {}, 1, k_max_conn, {}});
    d.push_back({"connection_manager.limit_loopback", Kind::boolean, false,
                 {"connection-manager-limit-loopback", "limit-loopback"}, {}, 0, 0, {}});
    d.push_back({"connection_manager.max_pending_dials", Kind::integer, std::uint64_t{64},
                 {"connection-manager-max-pending-dials", "max-pending-dials"}, {}, 1, 10000, {}});
    // At least 8: the node's own protocols (identify, ping, DHT, gossipsub) share the connection.
    d.push_back({"connection_manager.max_streams_per_connection", Kind::integer, std::uint64_t{1024},
                 {"connection-manager-max-streams-per-connection", "max-streams-per-connection"}, {}, 8,
                 k_max_streams, {}});
    d.push_back({"connection_manager.max_inbound_streams_per_protocol", Kind::integer, std::uint64_t{256},
                 {"connection-manager-max-inbound-streams-per-protocol", "max-inbound-streams-per-protocol"}, {},
                 1, k_max_streams, {}});
    d.push_back({"security.disable_rate_limiting", Kind::boolean, false,
                 {"security-disable-rate-limiting", "disable-rate-limiting"}, {}, 0, 0, {}});
    d.push_back({"security.min_dht_announcement_interval_ms", Kind::integer, std::uint64_t{30000},
                 {"security-min-dht-announcement-interval-ms"}, {}, 0, 86400000, {}});
    d.push_back({"metadata", Kind::string_map, StringMap{}, {"metadata"}, {}, 0, 0, {}});
    d.push_back({"log.level", Kind::log_levels, std::string("info"), {"log-level"}, {}, 0, 0,
                 {"trace", "debug", "info", "warn", "error", "off"}});
    d.push_back({"log.format", Kind::choice, std::string("text"), {"log-format"}, {}, 0, 0, {"text", "json"}});
    d.push_back({"api.listen", Kind::api_endpoint, std::string("unix"), {"api-listen"}, {}, 0, 0, {}});
    d.push_back({"peer_store.enabled", Kind::boolean, true, {"peer-store-enabled", "peer-store"}, {}, 0, 0, {}});
    d.push_back({"peer_store.redial", Kind::integer, std::uint64_t{8}, {"peer-store-redial", "redial"}, {}, 0,
                 1000, {}});
    // Certificate chain and private key (PEM) for /tls/ws listen addresses; relative paths are
    // in the data directory. Both or neither.
    d.push_back({"tls.cert_file", Kind::file_path, std::string(""), {"tls-cert-file"}, {}, 0, 0, {}});
    d.push_back({"tls.key_file", Kind::file_path, std::string(""), {"tls-key-file"}, {}, 0, 0, {}});
    // Dialing /tls/ws peers: verify their certificate chain and host name (true) against the
    // system store, or against tls.dial_ca_file (PEM; relative paths in the data directory);
    // false accepts any certificate (Noise still authenticates the peer id).
    d.push_back({"tls.dial_verify", Kind::boolean, true, {"tls-dial-verify"}, {}, 0, 0, {}});
    d.push_back({"tls.dial_ca_file", Kind::file_path, std::string(""), {"tls-dial-ca-file"}, {}, 0, 0, {}});
    return d;
  }();
  return s;
}

// Sections of the file that hold keys (metadata is a free-form table, handled apart).
constexpr std::string_view k_sections[] = {"dht", "gossipsub", "relay", "nat", "connection_manager",
                                           "security", "log", "api", "peer_store", "tls"};

const KeyDef* find_key(std::string_view key) {
  for (const auto& k : schema())
    if (k.key == key) return &k;
  return nullptr;
}

std::string env_name(std::string_view key) {
  std::string out = "LOTUS_P2P_";
  for (char c : key) out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// " (did you mean 'x'?)" for the closest candidate within a small distance, else "".
std::string suggestion(std::string_view given, const std::vector<std::string>& candidates,
                       std::string_view prefix = "") {
  std::size_t best = SIZE_MAX;
  std::string pick;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(given, c);
    if (d < best) best = d, pick = c;
  }
  if (pick.empty() || best > 3 || best * 3 > std::max<std::size_t>(given.size(), 3)) return "";
  return " (did you mean '" + std::string(prefix) + pick + "'?)";
}

std::vector<std::string> all_keys() {
  std::vector<std::string> out;
  for (const auto& k : schema()) out.emplace_back(k.key);
  return out;
}

std::string toml_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04X", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

ConfigError invalid(std::string_view key, std::string_view value_display, std::string_view raw,
                    const std::string& source, std::string_view allowed) {
  ConfigError e;
  e.code = errc::invalid_value;
  e.key = std::string(key);
  e.value = std::string(raw);
  e.source = source;
  e.message = "config: invalid value for " + e.key + " = " + std::string(value_display) + " (" + source +
              "): allowed: " + std::string(allowed);
  return e;
}

ConfigError unknown(std::string what, std::string name, const std::string& source, std::string hint) {
  ConfigError e;
  e.code = errc::unknown_key;
  e.key = name;
  e.source = source;
  e.message = "config: unknown " + what + " '" + name + "' (" + source + ")" + hint;
  return e;
}

std::string allowed_text(const KeyDef& d, bool from_file) {
  switch (d.kind) {
    case Kind::boolean:
      return from_file ? "true or false (a TOML boolean)" : "true, false, 1, 0, yes or no";
    case Kind::integer:
      return "an integer " + std::to_string(d.min) + ".." + std::to_string(d.max);
    case Kind::protocol_id:
      return "a protocol id starting with '/' (printable ASCII without spaces, at most " +
             std::to_string(k_max_protocol_len) + " characters)";
    case Kind::choice: {
      std::string s = "one of ";
      for (std::size_t i = 0; i < d.choices.size(); ++i) {
        if (i) s += i + 1 == d.choices.size() ? " or " : ", ";
        s += d.choices[i];
      }
      return s;
    }
    case Kind::listen_addrs:
      return from_file ? "an array of multiaddrs with a TCP port, e.g. [\"/ip4/0.0.0.0/tcp/4001\"]"
                       : "comma-separated multiaddrs with a TCP port, e.g. /ip4/0.0.0.0/tcp/4001";
    case Kind::announce_addrs:
      return from_file ? "an array of multiaddrs (TCP port not 0), e.g. [\"/dns4/node.example.com/tcp/4001\"]"
                       : "comma-separated multiaddrs (TCP port not 0), e.g. /dns4/node.example.com/tcp/4001";
    case Kind::peer_addrs:
      return from_file ? "an array of multiaddrs ending in /p2p/<peer-id>"
                       : "comma-separated multiaddrs ending in /p2p/<peer-id>";
    case Kind::string_map:
      return from_file ? "a table of string values" : "comma-separated key=value pairs";
    case Kind::log_levels:
      return "a level (trace, debug, info, warn, error or off), optionally followed by component=level "
             "pairs, e.g. info,host=debug";
    case Kind::api_endpoint:
      return "unix, unix:<absolute path>, 127.0.0.1:<port>, [::1]:<port>, localhost:<port> or off "
             "(never a public interface)";
    case Kind::file_path:
      return "a file path (absolute, or relative to the data directory; empty: none), at most " +
             std::to_string(k_max_path_len) + " characters";
  }
  return "";
}

bool valid_path(std::string_view s) {
  return s.size() <= k_max_path_len && s.find('\0') == std::string_view::npos;
}

bool valid_level(std::string_view s) {
  for (std::string_view l : {"trace", "debug", "info", "warn", "error", "off"})
    if (s == l) return true;
  return false;
}

// "info", "host=debug", "warn,host=debug,dht=trace".
bool valid_log_levels(std::string_view text) {
  if (text.empty() || text.size() > 512) return false;
  std::size_t start = 0;
  bool any = false;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view part = text.substr(start, end - start);
    auto eq = part.find('=');
    if (eq == std::string_view::npos) {
      if (!valid_level(part)) return false;
    } else {
      std::string_view comp = part.substr(0, eq);
      if (comp.empty() || comp.size() > 64 || !std::all_of(comp.begin(), comp.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
          }))
        return false;
      if (!valid_level(part.substr(eq + 1))) return false;
    }
    any = true;
    start = end + 1;
  }
  return any;
}

// "unix", "off", "unix:/abs/path", "127.0.0.1:<port>", "[::1]:<port>", "localhost:<port>".
// Returns why the value is refused, or nullopt.
std::optional<std::string> check_api_endpoint(std::string_view text) {
  if (text == "unix" || text == "off") return std::nullopt;
  if (text.rfind("unix:", 0) == 0) {
    auto path = text.substr(5);
    if (path.empty() || path.front() != '/') return std::string("the socket path must be absolute");
    if (path.size() > 100) return std::string("the socket path is longer than 100 bytes");
    return std::nullopt;
  }
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::string("no port");
  std::string_view host = text.substr(0, colon);
  std::string_view port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoul(std::string(port)) > 65535)
    return std::string("invalid port");
  if (host != "127.0.0.1" && host != "[::1]" && host != "localhost")
    return std::string("the control API listens on loopback only");
  return std::nullopt;
}

// Validates one multiaddr element of an address list; returns the reason it is refused.
std::optional<std::string> check_addr(Kind kind, std::string_view text) {
  auto ma = mf::Multiaddr::parse(text);
  if (!ma) return ma.error().message();
  auto tcp = ma->value_of(mf::proto::tcp);
  switch (kind) {
    case Kind::listen_addrs:
      if (!tcp) return std::string("no /tcp/ port (only TCP-based transports are built)");
      break;
    case Kind::announce_addrs:
      if (tcp && *tcp == "0") return std::string("TCP port 0 cannot be announced");
      break;
    case Kind::peer_addrs:
      if (!ma->peer_id()) return std::string("no /p2p/<peer-id> at the end");
      break;
    default: break;
  }
  return std::nullopt;
}

ConfigResult<Value> check_list(const KeyDef& d, std::vector<std::string> items, const std::string& source,
                               bool from_file) {
  for (const auto& item : items) {
    if (auto why = check_addr(d.kind, item))
      return invalid(d.key, toml_quote(item), item, source, allowed_text(d, from_file) + " (" + *why + ")");
  }
  return Value(std::move(items));
}

std::vector<std::string> split_commas(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view part = text.substr(start, end - start);
    while (!part.empty() && std::isspace(static_cast<unsigned char>(part.front()))) part.remove_prefix(1);
    while (!part.empty() && std::isspace(static_cast<unsigned char>(part.back()))) part.remove_suffix(1);
    if (!part.empty()) out.emplace_back(part);
    start = end + 1;
  }
  return out;
}

bool valid_protocol_id(std::string_view s) {
  if (s.size() < 2 || s.front() != '/' || s.size() > k_max_protocol_len) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : 9;
    if (n == 9 || i + n >= s.size()) return false;
    std::uint32_t cp = n == 0 ? c : n == 1 ? (c & 0x1fu) : n == 2 ? (c & 0x0fu) : (c & 0x07u);
    for (std::size_t k = 1; k <= n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3fu);
    }
    static constexpr std::uint32_t min_cp[] = {0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

// A value given as text (environment variable or flag). `bare_flag` = flag given without value.
ConfigResult<Value> parse_text(const KeyDef& d, std::string_view text, const std::string& source,
                               bool bare_flag) {
  auto bad = [&](std::string extra = {}) {
    return invalid(d.key, toml_quote(text), text, source, allowed_text(d, false) + extra);
  };
  if (!valid_utf8(text)) return bad(" (in UTF-8)");
  switch (d.kind) {
    case Kind::boolean: {
      if (bare_flag) return Value(true);
      if (text == "true" || text == "1" || text == "yes") return Value(true);
      if (text == "false" || text == "0" || text == "no") return Value(false);
      return bad();
    }
    case Kind::integer: {
      if (text.empty() || text.size() > 19) return bad();
      std::uint64_t v = 0;
      for (char c : text) {
        if (c < '0' || c > '9') return bad();
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
      }
      if (v < d.min || v > d.max) return bad();
      return Value(v);
    }
    case Kind::protocol_id:
      if (!valid_protocol_id(text)) return bad();
      return Value(std::string(text));
    case Kind::choice:
      if (std::find(d.choices.begin(), d.choices.end(), text) == d.choices.end()) return bad();
      return Value(std::string(text));
    case Kind::listen_addrs:
    case Kind::announce_addrs:
    case Kind::peer_addrs: {
      auto items = split_commas(text);
      return check_list(d, std::move(items), source, false);
    }
    case Kind::log_levels:
      if (!valid_log_levels(text)) return bad();
      return Value(std::string(text));
    case Kind::api_endpoint:
      if (auto why = check_api_endpoint(text)) return bad(" (" + *why + ")");
      return Value(std::string(text));
    case Kind::file_path:
      if (!valid_path(text)) return bad();
      return Value(std::string(text));
    case Kind::string_map: {
      StringMap m;
      for (const auto& pair : split_commas(text)) {
        auto eq = pair.find('=');
        if (eq == 0 || eq == std::string::npos) return bad();
        m[pair.substr(0, eq)] = pair.substr(eq + 1);
      }
      return Value(std::move(m));
    }
  }
  return bad();
}

std::string file_source(const std::string& file, const toml::source_region& region) {
  return "file:" + file + ":" + std::to_string(region.begin.line);
}

std::string display_node(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return toml_quote(n.as_string()->get());
    case toml::node_type::integer: return std::to_string(n.as_integer()->get());
    case toml::node_type::floating_point: {
      std::ostringstream os;
      os << n.as_floating_point()->get();
      return os.str();
    }
    case toml::node_type::boolean: return n.as_boolean()->get() ? "true" : "false";
    case toml::node_type::array: return "[...]";
    case toml::node_type::table: return "{...}";
    default: return "<date/time>";
  }
}

std::string raw_node(const toml::node& n) {
  if (n.is_string()) return std::string(n.as_string()->get());
  return display_node(n);
}

// A value from the TOML file.
ConfigResult<Value> parse_node(const KeyDef& d, const toml::node& n, const std::string& file) {
  const std::string source = file_source(file, n.source());
  auto bad = [&](const toml::node& at) {
    return invalid(d.key, display_node(at), raw_node(at), file_source(file, at.source()), allowed_text(d, true));
  };
  switch (d.kind) {
    case Kind::boolean:
      if (!n.is_boolean()) return bad(n);
      return Value(n.as_boolean()->get());
    case Kind::integer: {
      if (!n.is_integer()) return bad(n);
      std::int64_t v = n.as_integer()->get();
      if (v < 0 || static_cast<std::uint64_t>(v) < d.min || static_cast<std::uint64_t>(v) > d.max) return bad(n);
      return Value(static_cast<std::uint64_t>(v));
    }
    case Kind::protocol_id:
      if (!n.is_string() || !valid_protocol_id(n.as_string()->get())) return bad(n);
      return Value(std::string(n.as_string()->get()));
    case Kind::choice: {
      if (!n.is_string()) return bad(n);
      std::string_view s = n.as_string()->get();
      if (std::find(d.choices.begin(), d.choices.end(), s) == d.choices.end()) return bad(n);
      return Value(std::string(s));
    }
    case Kind::listen_addrs:
    case Kind::announce_addrs:
    case Kind::peer_addrs: {
      const toml::array* arr = n.as_array();
      if (!arr) return bad(n);
      std::vector<std::string> items;
      for (const auto& el : *arr) {
        if (!el.is_string()) return bad(el);
        std::string item(el.as_string()->get());
        if (auto why = check_addr(d.kind, item))
          return invalid(d.key, toml_quote(item), item, file_source(file, el.source()),
                         allowed_text(d, true) + " (" + *why + ")");
        items.push_back(std::move(item));
      }
      return Value(std::move(items));
    }
    case Kind::log_levels:
      if (!n.is_string() || !valid_log_levels(n.as_string()->get())) return bad(n);
      return Value(std::string(n.as_string()->get()));
    case Kind::file_path:
      if (!n.is_string() || !valid_path(n.as_string()->get())) return bad(n);
      return Value(std::string(n.as_string()->get()));
    case Kind::api_endpoint: {
      if (!n.is_string()) return bad(n);
      std::string_view text = n.as_string()->get();
      if (auto why = check_api_endpoint(text))
        return invalid(d.key, display_node(n), raw_node(n), file_source(file, n.source()),
                       allowed_text(d, true) + " (" + *why + ")");
      return Value(std::string(text));
    }
    case Kind::string_map: {
      const toml::table* t = n.as_table();
      if (!t) return bad(n);
      StringMap m;
      for (const auto& [k, v] : *t) {
        if (!v.is_string())
          return invalid("metadata." + std::string(k.str()), display_node(v), raw_node(v),
                         file_source(file, v.source()), "a string");
        m[std::string(k.str())] = std::string(v.as_string()->get());
      }
      return Value(std::move(m));
    }
  }
  return bad(n);
}

struct Entry {
  Value value;
  std::string source;
};
using Layer = std::vector<std::pair<const KeyDef*, Entry>>;
using Values = std::map<std::string_view, Entry>;

ConfigResult<Layer> file_layer(const std::string& text, const std::string& file) {
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    ConfigError err;
    err.code = errc::parse_error;
    err.source = "file:" + file + ":" + std::to_string(e.source().begin.line);
    err.message = "config: cannot parse " + file + ":" + std::to_string(e.source().begin.line) + ":" +
                  std::to_string(e.source().begin.column) + ": " + std::string(e.description());
    return err;
  }
  Layer layer;
  auto take = [&](const KeyDef& d, const toml::node& n) -> std::optional<ConfigError> {
    auto v = parse_node(d, n, file);
    if (!v) return v.error();
    layer.push_back({&d, Entry{std::move(v).value(), file_source(file, n.source())}});
    return std::nullopt;
  };
  for (const auto& [k, n] : root) {
    std::string name(k.str());
    bool is_section = std::find(std::begin(k_sections), std::end(k_sections), name) != std::end(k_sections);
    if (is_section) {
      const toml::table* t = n.as_table();
      if (!t)
        return invalid(name, display_node(n), raw_node(n), file_source(file, n.source()),
                       "a table ([" + name + "])");
      for (const auto& [sk, sn] : *t) {
        std::string dotted = name + "." + std::string(sk.str());
        const KeyDef* d = find_key(dotted);
        if (!d) return unknown("key", dotted, file_source(file, sk.source()), suggestion(dotted, all_keys()));
        if (auto e = take(*d, sn)) return *e;
      }
      continue;
    }
    const KeyDef* d = find_key(name);
    if (!d) return unknown("key", name, file_source(file, k.source()), suggestion(name, all_keys()));
    if (auto e = take(*d, n)) return *e;
  }
  return layer;
}

ConfigResult<Layer> env_layer(const std::map<std::string, std::string>& env) {
  Layer layer;
  // Seed names first so that the LOTUS_P2P_* name of the same key wins.
  for (const auto& d : schema()) {
    for (auto name : d.seed_env) {
      auto it = env.find(std::string(name));
      if (it == env.end()) continue;
      std::string source = "env:" + std::string(name);
      auto v = parse_text(d, it->second, source, false);
      if (!v) return v.error();
      layer.push_back({&d, Entry{std::move(v).value(), source}});
    }
  }
  // LOTUS_P2P_API is the CLI's (lotus-p2p) endpoint variable: an environment shared by both
  // programs is normal, so the daemon ignores it rather than refusing to start.
  std::vector<std::string> known = {"LOTUS_P2P_DATA_DIR", "LOTUS_P2P_CONFIG", "LOTUS_P2P_API"};
  for (const auto& d : schema()) known.push_back(env_name(d.key));
  for (const auto& [name, text] : env) {
    if (name.rfind("LOTUS_P2P_", 0) != 0) continue;
    if (name == "LOTUS_P2P_DATA_DIR" || name == "LOTUS_P2P_CONFIG" || name == "LOTUS_P2P_API") continue;
    const KeyDef* def = nullptr;
    for (const auto& d : schema())
      if (env_name(d.key) == name) def = &d;
    std::string source = "env:" + name;
    if (!def) return unknown("environment variable", name, source, suggestion(name, known));
    auto v = parse_text(*def, text, source, false);
    if (!v) return v.error();
    layer.push_back({def, Entry{std::move(v).value(), source}});
  }
  return layer;
}

bool is_list(Kind k) {
  return k == Kind::listen_addrs || k == Kind::announce_addrs || k == Kind::peer_addrs;
}

ConfigResult<Layer> flag_layer(const std::vector<std::pair<std::string, std::string>>& flags) {
  Layer layer;
  std::vector<std::string> known;
  for (const auto& d : schema())
    for (auto f : d.flags) known.emplace_back(f);
  for (const auto& flag : flags) {
    const std::string& text = flag.second;  // a named reference: clang 14 cannot capture bindings
    std::string_view name = flag.first;
    while (!name.empty() && name.front() == '-') name.remove_prefix(1);
    const KeyDef* def = nullptr;
    for (const auto& d : schema())
      if (std::find(d.flags.begin(), d.flags.end(), name) != d.flags.end()) def = &d;
    std::string source = "flag:--" + std::string(name);
    if (!def) return unknown("flag", "--" + std::string(name), source, suggestion(name, known, "--"));
    // A metadata flag is one key=value (values may contain commas).
    ConfigResult<Value> v = [&]() -> ConfigResult<Value> {
      if (def->kind != Kind::string_map) return parse_text(*def, text, source, text.empty());
      auto eq = text.find('=');
      if (eq == 0 || eq == std::string::npos || !valid_utf8(text))
        return invalid(def->key, toml_quote(text), text, source, "key=value (in UTF-8)");
      return Value(StringMap{{text.substr(0, eq), text.substr(eq + 1)}});
    }();
    if (!v) return v.error();
    // Repeated list and metadata flags accumulate; the combined value replaces lower layers.
    auto prev = std::find_if(layer.begin(), layer.end(), [&](const auto& e) { return e.first == def; });
    if (prev != layer.end() && (is_list(def->kind) || def->kind == Kind::string_map)) {
      if (is_list(def->kind)) {
        auto& acc = std::get<std::vector<std::string>>(prev->second.value);
        for (auto& s : std::get<std::vector<std::string>>(v.value())) acc.push_back(std::move(s));
      } else {
        auto& acc = std::get<StringMap>(prev->second.value);
        for (auto& [mk, mv] : std::get<StringMap>(v.value())) acc[mk] = std::move(mv);
      }
      if (prev->second.source != source) prev->second.source += "," + source;
      continue;
    }
    layer.push_back({def, Entry{std::move(v).value(), source}});
  }
  return layer;
}

// The preset each profile applies on top of the defaults. Watermarks follow the seed's
// "Recommended Configurations" (min = lower end of the recommended minimum, max = upper end of
// the recommended maximum); the inbound limits are our choice per role: a wallet expects few
// inbound connections, a bootstrap node many short-lived ones (shorter grace period), a relay
// many clients behind shared (carrier-grade NAT) addresses.
std::vector<std::pair<std::string_view, Value>> preset(std::string_view profile) {
  struct P {
    std::uint64_t min, max;
    bool dht_server, relay_server;
    std::uint64_t grace, per_ip, rate, burst, dials;
  };
  auto cm = [](const P& p) {
    std::vector<std::pair<std::string_view, Value>> v{
        {"dht.server", p.dht_server},
        {"relay.server", p.relay_server},
        {"connection_manager.min_connections", p.min},
        {"connection_manager.max_connections", p.max},
        {"connection_manager.grace_period_seconds", p.grace},
        {"connection_manager.max_inbound_per_ip", p.per_ip},
        {"connection_manager.inbound_connections_per_second", p.rate},
        {"connection_manager.inbound_burst", p.burst},
        {"connection_manager.max_pending_dials", p.dials}};
    return v;
  };
  if (profile == "wallet") return cm({5, 50, false, false, 20, 4, 5, 10, 16});
  if (profile == "full") return cm({10, 100, true, false, 20, 8, 20, 40, 64});
  if (profile == "bootstrap") return cm({20, 500, true, true, 10, 16, 50, 100, 128});
  if (profile == "relay") return cm({50, 1000, true, true, 20, 32, 100, 200, 128});
  return {};
}

std::string home_expand(const std::string& p, const std::map<std::string, std::string>& env) {
  if (p == "~" || p.rfind("~/", 0) == 0) {
    auto it = env.find("HOME");
    if (it != env.end() && !it->second.empty()) return it->second + p.substr(1);
  }
  return p;
}

ConfigResult<NodeConfig> build(const Values& vals) {
  auto get = [&](std::string_view k) -> const Value& { return vals.at(k).value; };
  auto b = [&](std::string_view k) { return std::get<bool>(get(k)); };
  auto u = [&](std::string_view k) { return std::get<std::uint64_t>(get(k)); };
  auto s = [&](std::string_view k) { return std::get<std::string>(get(k)); };
  auto addrs = [&](std::string_view k) {
    std::vector<mf::Multiaddr> out;
    for (const auto& t : std::get<std::vector<std::string>>(get(k))) out.push_back(mf::Multiaddr::parse(t).value());
    return out;
  };
  NodeConfig c;
  std::string p = s("profile");
  c.profile = p == "wallet" ? Profile::wallet
            : p == "full" ? Profile::full
            : p == "bootstrap" ? Profile::bootstrap
            : p == "relay" ? Profile::relay
                           : Profile::none;
  c.listen = addrs("listen");
  c.announce = addrs("announce");
  c.bootstrap_peers = addrs("bootstrap_peers");
  c.dht.enabled = b("dht.enabled");
  c.dht.protocol = s("dht.protocol");
  c.dht.server = b("dht.server");
  c.gossipsub.enabled = b("gossipsub.enabled");
  c.relay.enabled = b("relay.enabled");
  c.relay.server = b("relay.server");
  c.nat.autonat = b("nat.autonat");
  c.nat.dcutr = b("nat.dcutr");
  c.nat.upnp = b("nat.upnp");
  c.connection_manager.min_connections = static_cast<std::uint32_t>(u("connection_manager.min_connections"));
  c.connection_manager.max_connections = static_cast<std::uint32_t>(u("connection_manager.max_connections"));
  {
    auto& cm = c.connection_manager;
    auto u32 = [&](std::string_view k) { return static_cast<std::uint32_t>(u(k)); };
    cm.grace_period_seconds = u32("connection_manager.grace_period_seconds");
    cm.max_inbound_per_ip = u32("connection_manager.max_inbound_per_ip");
    cm.inbound_connections_per_second = u32("connection_manager.inbound_connections_per_second");
    cm.inbound_burst = u32("connection_manager.inbound_burst");
    cm.limit_loopback = b("connection_manager.limit_loopback");
    cm.max_pending_dials = u32("connection_manager.max_pending_dials");
    cm.max_streams_per_connection = u32("connection_manager.max_streams_per_connection");
    cm.max_inbound_streams_per_protocol = u32("connection_manager.max_inbound_streams_per_protocol");
  }
  c.security.disable_rate_limiting = b("security.disable_rate_limiting");
  c.security.min_dht_announcement_interval_ms = u("security.min_dht_announcement_interval_ms");
  c.metadata = std::get<StringMap>(get("metadata"));
  c.log.level = s("log.level");
  c.log.format = s("log.format");
  c.api.listen = s("api.listen");
  c.peer_store.enabled = b("peer_store.enabled");
  c.peer_store.redial = static_cast<std::uint32_t>(u("peer_store.redial"));
  c.tls.cert_file = s("tls.cert_file");
  c.tls.key_file = s("tls.key_file");
  c.tls.dial_verify = b("tls.dial_verify");
  c.tls.dial_ca_file = s("tls.dial_ca_file");
  if (c.tls.cert_file.empty() != c.tls.key_file.empty()) {
    const char* set = c.tls.cert_file.empty() ? "tls.key_file" : "tls.cert_file";
    const char* unset = c.tls.cert_file.empty() ? "tls.cert_file" : "tls.key_file";
    const auto& src = vals.at(set);
    const std::string v = s(set);
    return invalid(set, toml_quote(v), v, src.source, std::string("set together with ") + unset);
  }

  if (c.connection_manager.min_connections > c.connection_manager.max_connections) {
    const auto& mn = vals.at("connection_manager.min_connections");
    const auto& mx = vals.at("connection_manager.max_connections");
    std::string v = std::to_string(c.connection_manager.min_connections);
    ConfigError e = invalid("connection_manager.min_connections", v, v, mn.source,
                            "at most connection_manager.max_connections = " +
                                std::to_string(c.connection_manager.max_connections) + " (" + mx.source + ")");
    return e;
  }
  return c;
}

std::string bare_or_quoted_key(const std::string& k) {
  bool bare = !k.empty() && std::all_of(k.begin(), k.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-';
  });
  return bare ? k : toml_quote(k);
}

std::string render_value(const Value& v) {
  struct V {
    std::string operator()(bool x) const { return x ? "true" : "false"; }
    std::string operator()(std::uint64_t x) const { return std::to_string(x); }
    std::string operator()(const std::string& x) const { return toml_quote(x); }
    std::string operator()(const std::vector<std::string>& x) const {
      std::string out = "[";
      for (std::size_t i = 0; i < x.size(); ++i) out += (i ? ", " : "") + toml_quote(x[i]);
      return out + "]";
    }
    std::string operator()(const StringMap&) const { return ""; }
  };
  return std::visit(V{}, v);
}

// The typed configuration back as the generic value of a key (for rendering).
Value value_of(const NodeConfig& c, std::string_view key) {
  auto addrs = [](const std::vector<mf::Multiaddr>& v) {
    std::vector<std::string> out;
    for (const auto& a : v) out.push_back(a.to_string());
    return out;
  };
  if (key == "profile") return std::string(to_string(c.profile));
  if (key == "listen") return addrs(c.listen);
  if (key == "announce") return addrs(c.announce);
  if (key == "bootstrap_peers") return addrs(c.bootstrap_peers);
  if (key == "dht.enabled") return c.dht.enabled;
  if (key == "dht.protocol") return c.dht.protocol;
  if (key == "dht.server") return c.dht.server;
  if (key == "gossipsub.enabled") return c.gossipsub.enabled;
  if (key == "relay.enabled") return c.relay.enabled;
  if (key == "relay.server") return c.relay.server;
  if (key == "nat.autonat") return c.nat.autonat;
  if (key == "nat.dcutr") return c.nat.dcutr;
  if (key == "nat.upnp") return c.nat.upnp;
  if (key == "connection_manager.min_connections") return std::uint64_t{c.connection_manager.min_connections};
  if (key == "connection_manager.max_connections") return std::uint64_t{c.connection_manager.max_connections};
  if (key == "connection_manager.grace_period_seconds") return std::uint64_t{c.connection_manager.grace_period_seconds};
  if (key == "connection_manager.max_inbound_per_ip") return std::uint64_t{c.connection_manager.max_inbound_per_ip};
  if (key == "connection_manager.inbound_connections_per_second")
    return std::uint64_t{c.connection_manager.inbound_connections_per_second};
  if (key == "connection_manager.inbound_burst") return std::uint64_t{c.connection_manager.inbound_burst};
  if (key == "connection_manager.limit_loopback") return c.connection_manager.limit_loopback;
  if (key == "connection_manager.max_pending_dials") return std::uint64_t{c.connection_manager.max_pending_dials};
  if (key == "connection_manager.max_streams_per_connection")
    return std::uint64_t{c.connection_manager.max_streams_per_connection};
  if (key == "connection_manager.max_inbound_streams_per_protocol")
    return std::uint64_t{c.connection_manager.max_inbound_streams_per_protocol};
  if (key == "security.disable_rate_limiting") return c.security.disable_rate_limiting;
  if (key == "security.min_dht_announcement_interval_ms") return c.security.min_dht_announcement_interval_ms;
  if (key == "metadata") return c.metadata;
  if (key == "log.level") return c.log.level;
  if (key == "log.format") return c.log.format;
  if (key == "api.listen") return c.api.listen;
  if (key == "peer_store.enabled") return c.peer_store.enabled;
  if (key == "peer_store.redial") return std::uint64_t{c.peer_store.redial};
  if (key == "tls.cert_file") return c.tls.cert_file;
  if (key == "tls.key_file") return c.tls.key_file;
  if (key == "tls.dial_verify") return c.tls.dial_verify;
  if (key == "tls.dial_ca_file") return c.tls.dial_ca_file;
  return false;
}

}  // namespace

std::vector<std::string> config_keys() { return all_keys(); }

std::optional<bool> config_flag_is_boolean(std::string_view name) {
  for (const auto& d : schema())
    if (std::find(d.flags.begin(), d.flags.end(), name) != d.flags.end()) return d.kind == Kind::boolean;
  return std::nullopt;
}

std::vector<KeyHelp> config_help() {
  std::vector<KeyHelp> out;
  for (const auto& d : schema()) {
    KeyHelp h;
    h.key = std::string(d.key);
    for (auto f : d.flags) h.flags.emplace_back(f);
    h.env.push_back(env_name(d.key));
    for (auto e : d.seed_env) h.env.emplace_back(e);
    h.allowed = allowed_text(d, false);
    out.push_back(std::move(h));
  }
  return out;
}

ConfigResult<std::pair<std::filesystem::path, std::string>> resolve_data_dir(const ConfigSources& sources) {
  using R = std::pair<std::filesystem::path, std::string>;
  if (sources.data_dir) {
    if (sources.data_dir->empty())
      return invalid("data_dir", "\"\"", "", "flag:--data-dir", "a directory path");
    return R{home_expand(sources.data_dir->string(), sources.env), "flag:--data-dir"};
  }
  if (auto it = sources.env.find("LOTUS_P2P_DATA_DIR"); it != sources.env.end()) {
    if (it->second.empty())
      return invalid("data_dir", "\"\"", "", "env:LOTUS_P2P_DATA_DIR", "a directory path");
    return R{home_expand(it->second, sources.env), "env:LOTUS_P2P_DATA_DIR"};
  }
  auto home = sources.env.find("HOME");
  if (home == sources.env.end() || home->second.empty()) {
    ConfigError e;
    e.code = errc::no_data_dir;
    e.key = "data_dir";
    e.message = "config: no data directory: pass --data-dir or set LOTUS_P2P_DATA_DIR or HOME";
    return e;
  }
  return R{std::filesystem::path(home->second) / ".lotus-p2p", "default: $HOME/.lotus-p2p"};
}

namespace {

ConfigResult<LoadedConfig> load_impl(const ConfigSources& sources, const std::optional<std::string>& file_text,
                                     const std::string& file_name) {
  LoadedConfig out;
  auto dd = resolve_data_dir(sources);
  if (!dd) return dd.error();
  out.data_dir = dd->first;
  out.data_dir_source = dd->second;

  Layer file, env, flags;
  if (file_text) {
    auto l = file_layer(*file_text, file_name);
    if (!l) return l.error();
    file = std::move(l).value();
  }
  {
    auto l = env_layer(sources.env);
    if (!l) return l.error();
    env = std::move(l).value();
  }
  {
    auto l = flag_layer(sources.flags);
    if (!l) return l.error();
    flags = std::move(l).value();
  }

  Values vals;
  for (const auto& d : schema()) vals[d.key] = Entry{d.def, "default"};
  // The profile is chosen by the highest layer that names one, then applied under the file.
  std::string profile = "none";
  for (const Layer* l : {&file, &env, &flags})
    for (const auto& [d, e] : *l)
      if (d->key == "profile") profile = std::get<std::string>(e.value);
  for (auto& [k, v] : preset(profile)) vals[k] = Entry{v, "profile:" + profile};
  for (const Layer* l : {&file, &env, &flags})
    for (const auto& [d, e] : *l) vals[d->key] = e;

  auto cfg = build(vals);
  if (!cfg) return cfg.error();
  out.config = std::move(cfg).value();
  for (const auto& [k, e] : vals) out.provenance[std::string(k)] = e.source;
  return out;
}

}  // namespace

ConfigResult<LoadedConfig> load_config_from_text(const ConfigSources& sources,
                                                 const std::optional<std::string>& file_text,
                                                 const std::string& file_name) {
  auto r = load_impl(sources, file_text, file_name);
  if (r && file_text) {
    r->config_file = file_name;
    r->config_file_source = sources.config_file ? "flag:--config" : "given";
  }
  return r;
}

ConfigResult<LoadedConfig> load_config(const ConfigSources& sources) {
  auto dd = resolve_data_dir(sources);
  if (!dd) return dd.error();
  std::filesystem::path path;
  std::string how;
  bool required = true;
  if (sources.config_file) {
    path = home_expand(sources.config_file->string(), sources.env);
    how = "flag:--config";
  } else if (auto it = sources.env.find("LOTUS_P2P_CONFIG"); it != sources.env.end()) {
    path = home_expand(it->second, sources.env);
    how = "env:LOTUS_P2P_CONFIG";
  } else {
    path = dd->first / "config.toml";
    how = "default";
    required = false;
  }
  std::error_code ec;
  bool exists = std::filesystem::exists(path, ec);
  std::optional<std::string> text;
  auto unreadable = [&](const std::string& why) {
    ConfigError e;
    e.code = errc::file_unreadable;
    e.key = path.string();
    e.source = how;
    e.message = "config: cannot read config file " + path.string() + " (" + how + "): " + why;
    return e;
  };
  if (exists || required) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return unreadable(exists ? "cannot open" : "no such file");
    std::string buf;
    char chunk[4096];
    while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
      buf.append(chunk, static_cast<std::size_t>(in.gcount()));
      if (buf.size() > k_max_file_size) return unreadable("larger than 1 MiB");
    }
    if (in.bad()) return unreadable("read error");
    text = std::move(buf);
  }
  auto r = load_impl(sources, text, path.string());
  if (r && text) {
    r->config_file = path;
    r->config_file_source = how;
  }
  return r;
}

std::string render_config(const LoadedConfig& loaded) {
  std::string out;
  out += "# lotus-p2pd effective configuration; each value is followed by its source\n";
  out += "# data directory: " + loaded.data_dir.string() + "  (" + loaded.data_dir_source + ")\n";
  if (loaded.config_file)
    out += "# config file: " + loaded.config_file->string() + "  (" + loaded.config_file_source + ")\n";
  else
    out += "# config file: none\n";
  std::string section;
  for (const auto& d : schema()) {
    std::string key(d.key);
    auto dot = key.find('.');
    std::string sec = dot == std::string::npos ? "" : key.substr(0, dot);
    std::string name = dot == std::string::npos ? key : key.substr(dot + 1);
    auto src = loaded.provenance.count(key) ? loaded.provenance.at(key) : "default";
    Value v = value_of(loaded.config, key);
    if (d.kind == Kind::string_map) {
      out += "\n[" + key + "]  # " + src + "\n";
      for (const auto& [mk, mv] : std::get<StringMap>(v)) out += bare_or_quoted_key(mk) + " = " + toml_quote(mv) + "\n";
      section = key;
      continue;
    }
    if (sec != section) {
      out += "\n[" + sec + "]\n";
      section = sec;
    }
    out += name + " = " + render_value(v) + "  # " + src + "\n";
  }
  return out;
}

std::vector<UnbuiltFeature> unimplemented_features(const LoadedConfig& loaded,
                                                   std::span<const std::string_view> implemented) {
  const NodeConfig& c = loaded.config;
  std::vector<UnbuiltFeature> out;
  auto check = [&](bool on, std::string_view feature, const std::string& key) {
    if (!on || std::find(implemented.begin(), implemented.end(), feature) != implemented.end()) return;
    auto it = loaded.provenance.find(key);
    out.push_back({std::string(feature), key, it == loaded.provenance.end() ? "default" : it->second});
  };
  check(!c.bootstrap_peers.empty(), "bootstrap", "bootstrap_peers");
  check(c.dht.enabled, "dht", "dht.enabled");
  check(c.dht.enabled && c.dht.server, "dht-server", "dht.server");
  check(c.gossipsub.enabled, "gossipsub", "gossipsub.enabled");
  check(c.relay.enabled, "relay", "relay.enabled");
  check(c.relay.server, "relay-server", "relay.server");
  check(c.nat.autonat, "autonat", "nat.autonat");
  check(c.nat.dcutr && c.relay.enabled, "dcutr", "nat.dcutr");
  check(c.nat.upnp, "upnp", "nat.upnp");
  return out;
}

}  // namespace lotus::node
