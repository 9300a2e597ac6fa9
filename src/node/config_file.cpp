// The TOML file layer (see config_file.hpp). This is the only translation unit that includes
// toml++ (it is header-heavy); nothing of it leaks into a header.
#include "node/config_file.hpp"

#include <sstream>

#include <toml++/toml.h>

#include "node/config_values.hpp"

namespace lotus::node::config_detail {
namespace {

std::string file_source(const std::string& file, const toml::source_region& region) {
  return "file:" + file + ":" + std::to_string(region.begin.line);
}

// How a node is shown in messages.
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

// The node as written (ConfigError::value): a string unquoted.
std::string raw_node(const toml::node& n) {
  if (n.is_string()) return std::string(n.as_string()->get());
  return display_node(n);
}

// A value from the TOML file; TOML types are strict (no "50" for an integer).
ConfigResult<Value> parse_node(const KeyDef& d, const toml::node& n, const std::string& file) {
  auto bad = [&](const toml::node& at, const std::string& extra = {}) {
    return invalid(d.key, display_node(at), raw_node(at), file_source(file, at.source()),
                   allowed_text(d, true) + extra);
  };
  switch (d.kind) {
    case Kind::boolean:
      if (!n.is_boolean()) return bad(n);
      return Value(n.as_boolean()->get());
    case Kind::integer: {
      if (!n.is_integer()) return bad(n);
      std::int64_t v = n.as_integer()->get();
      if (v < 0 || !integer_in_range(d, static_cast<std::uint64_t>(v))) return bad(n);
      return Value(static_cast<std::uint64_t>(v));
    }
    case Kind::protocol_id:
    case Kind::choice:
    case Kind::log_levels:
    case Kind::api_endpoint:
    case Kind::file_path: {
      if (!n.is_string()) return bad(n);
      std::string_view text = n.as_string()->get();
      if (auto extra = string_refusal(d, text)) return bad(n, *extra);
      return Value(std::string(text));
    }
    case Kind::listen_addrs:
    case Kind::announce_addrs:
    case Kind::peer_addrs:
    case Kind::url_list: {
      const toml::array* arr = n.as_array();
      if (!arr) return bad(n);
      std::vector<std::string> items;
      for (const auto& el : *arr) {
        if (!el.is_string()) return bad(el);
        std::string item(el.as_string()->get());
        if (auto e = address_refusal(d, item, file_source(file, el.source()), true)) return *e;
        items.push_back(std::move(item));
      }
      return Value(std::move(items));
    }
    case Kind::string_map: {
      const toml::table* t = n.as_table();
      if (!t) return bad(n);
      StringMap m;
      for (const auto& [k, v] : *t) {
        if (!v.is_string())
          return invalid(std::string(d.key) + "." + std::string(k.str()), display_node(v), raw_node(v),
                         file_source(file, v.source()), "a string");
        m[std::string(k.str())] = std::string(v.as_string()->get());
      }
      return Value(std::move(m));
    }
  }
  return bad(n);
}

}  // namespace

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
    if (is_section(name)) {
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

}  // namespace lotus::node::config_detail
