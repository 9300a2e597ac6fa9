// What the configuration tells the operator (see config.hpp): the effective configuration as
// TOML (--print-config), the per-key help, and the enabled features the build lacks.
#include <algorithm>
#include <cctype>

#include "node/config.hpp"
#include "node/config_schema.hpp"
#include "node/config_values.hpp"

namespace lotus::node {
namespace {

using config_detail::toml_quote;

std::string bare_or_quoted_key(const std::string& k) {
  bool bare = !k.empty() && std::all_of(k.begin(), k.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-';
  });
  return bare ? k : toml_quote(k);
}

std::string render_value(const config_detail::Value& v) {
  struct V {
    std::string operator()(bool x) const { return x ? "true" : "false"; }
    std::string operator()(std::uint64_t x) const { return std::to_string(x); }
    std::string operator()(const std::string& x) const { return toml_quote(x); }
    std::string operator()(const std::vector<std::string>& x) const {
      std::string out = "[";
      for (std::size_t i = 0; i < x.size(); ++i) out += (i ? ", " : "") + toml_quote(x[i]);
      return out + "]";
    }
    std::string operator()(const config_detail::StringMap&) const { return ""; }
  };
  return std::visit(V{}, v);
}

}  // namespace

std::string render_config(const LoadedConfig& loaded) {
  std::string out;
  out += "# lotus-p2pd effective configuration; each value is followed by its source\n";
  out += "# data directory: " + loaded.data_dir.string() + "  (" + loaded.data_dir_source + ")\n";
  if (loaded.config_file)
    out += "# config file: " + loaded.config_file->string() + "  (" + loaded.config_file_source + ")\n";
  else
    out += "# config file: none\n";
  std::string section;
  for (const auto& d : config_detail::schema()) {
    std::string key(d.key);
    auto dot = key.find('.');
    std::string sec = dot == std::string::npos ? "" : key.substr(0, dot);
    std::string name = dot == std::string::npos ? key : key.substr(dot + 1);
    auto src = loaded.provenance.count(key) ? loaded.provenance.at(key) : "default";
    config_detail::Value v = d.bind.get(loaded.config);
    // A table key is a section of its own: [metadata] with one line per entry.
    if (d.kind == config_detail::Kind::string_map) {
      out += "\n[" + key + "]  # " + src + "\n";
      for (const auto& [mk, mv] : std::get<config_detail::StringMap>(v))
        out += bare_or_quoted_key(mk) + " = " + toml_quote(mv) + "\n";
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

std::vector<KeyHelp> config_help() {
  std::vector<KeyHelp> out;
  for (const auto& d : config_detail::schema()) {
    KeyHelp h;
    h.key = std::string(d.key);
    for (auto f : d.flags) h.flags.emplace_back(f);
    h.env.push_back(config_detail::env_name(d.key));
    for (auto e : d.seed_env) h.env.emplace_back(e);
    h.allowed = config_detail::allowed_text(d, false);
    h.help = std::string(d.help);
    out.push_back(std::move(h));
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
