// Values of configuration keys (see config_values.hpp): per-Kind parsing and validation from
// text, what each Kind allows, and the messages.
#include "node/config_values.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>

#include "chronik/client.hpp"

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

namespace config_detail {
namespace {

constexpr std::size_t k_max_protocol_len = 256;
constexpr std::size_t k_max_path_len = 4096;

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

bool valid_path(std::string_view s) {
  return s.size() <= k_max_path_len && s.find('\0') == std::string_view::npos;
}

bool valid_level(std::string_view s) {
  for (std::string_view l : {"trace", "debug", "info", "warn", "error", "off"})
    if (s == l) return true;
  return false;
}

// "info", "host=debug", "warn,host=debug,dht=trace" (the syntax of node/logging.hpp).
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
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoul(std::string(port)) > 65535)
    return std::string("invalid port");
  if (host != "127.0.0.1" && host != "[::1]" && host != "localhost")
    return std::string("the control API listens on loopback only");
  return std::nullopt;
}

bool valid_protocol_id(std::string_view s) {
  if (s.size() < 2 || s.front() != '/' || s.size() > k_max_protocol_len) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// Why one multiaddr of an address list (or one URL of a URL list) is refused, or nullopt.
std::optional<std::string> check_addr(Kind kind, std::string_view text) {
  if (kind == Kind::url_list) {
    if (auto u = chronik::parse_url(text); !u) return u.error().message();
    return std::nullopt;
  }
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

}  // namespace

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

ConfigError unknown(const std::string& what, const std::string& name, const std::string& source,
                    const std::string& hint) {
  ConfigError e;
  e.code = errc::unknown_key;
  e.key = name;
  e.source = source;
  e.message = "config: unknown " + what + " '" + name + "' (" + source + ")" + hint;
  return e;
}

std::string suggestion(std::string_view given, const std::vector<std::string>& candidates,
                       std::string_view prefix) {
  std::size_t best = SIZE_MAX;
  std::string pick;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(given, c);
    if (d < best) best = d, pick = c;
  }
  if (pick.empty() || best > 3 || best * 3 > std::max<std::size_t>(given.size(), 3)) return "";
  return " (did you mean '" + std::string(prefix) + pick + "'?)";
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
    case Kind::url_list:
      return from_file ? "an array of http:// or https:// URLs without a trailing '/', e.g. "
                         "[\"https://chronik.lotusia.org\"]"
                       : "comma-separated http:// or https:// URLs, e.g. https://chronik.lotusia.org";
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

std::optional<std::string> string_refusal(const KeyDef& d, std::string_view text) {
  switch (d.kind) {
    case Kind::protocol_id:
      if (!valid_protocol_id(text)) return std::string();
      break;
    case Kind::choice:
      if (std::find(d.choices.begin(), d.choices.end(), text) == d.choices.end()) return std::string();
      break;
    case Kind::log_levels:
      if (!valid_log_levels(text)) return std::string();
      break;
    case Kind::api_endpoint:
      if (auto why = check_api_endpoint(text)) return " (" + *why + ")";
      break;
    case Kind::file_path:
      if (!valid_path(text)) return std::string();
      break;
    default: return std::string();  // not a one-string kind
  }
  return std::nullopt;
}

bool integer_in_range(const KeyDef& d, std::uint64_t v) { return v >= d.min && v <= d.max; }

std::optional<ConfigError> address_refusal(const KeyDef& d, const std::string& item,
                                           const std::string& source, bool from_file) {
  auto why = check_addr(d.kind, item);
  if (!why) return std::nullopt;
  return invalid(d.key, toml_quote(item), item, source, allowed_text(d, from_file) + " (" + *why + ")");
}

ConfigResult<Value> parse_text(const KeyDef& d, std::string_view text, const std::string& source,
                               bool bare_flag) {
  auto bad = [&](const std::string& extra = {}) {
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
      if (!integer_in_range(d, v)) return bad();
      return Value(v);
    }
    case Kind::protocol_id:
    case Kind::choice:
    case Kind::log_levels:
    case Kind::api_endpoint:
    case Kind::file_path:
      if (auto extra = string_refusal(d, text)) return bad(*extra);
      return Value(std::string(text));
    case Kind::listen_addrs:
    case Kind::announce_addrs:
    case Kind::peer_addrs:
    case Kind::url_list: {
      auto items = split_commas(text);
      for (const auto& item : items)
        if (auto e = address_refusal(d, item, source, false)) return *e;
      return Value(std::move(items));
    }
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

}  // namespace config_detail
}  // namespace lotus::node
