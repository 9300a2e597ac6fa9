// Where values come from (see config.hpp): the data directory, the config file's location, the
// environment and flag layers, and the precedence that merges them with the defaults and the
// profile into a NodeConfig.
#include <algorithm>
#include <fstream>

#include "node/config.hpp"
#include "node/config_file.hpp"
#include "node/config_schema.hpp"
#include "node/config_values.hpp"

namespace lotus::node {

namespace config_detail {
namespace {

constexpr std::size_t k_max_file_size = 1 << 20;

std::string home_expand(const std::string& p, const std::map<std::string, std::string>& env) {
  if (p == "~" || p.rfind("~/", 0) == 0) {
    auto it = env.find("HOME");
    if (it != env.end() && !it->second.empty()) return it->second + p.substr(1);
  }
  return p;
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
    const KeyDef* def = find_env(name);
    std::string source = "env:" + name;
    if (!def) return unknown("environment variable", name, source, suggestion(name, known));
    auto v = parse_text(*def, text, source, false);
    if (!v) return v.error();
    layer.push_back({def, Entry{std::move(v).value(), source}});
  }
  return layer;
}

bool is_list(Kind k) {
  return k == Kind::listen_addrs || k == Kind::announce_addrs || k == Kind::peer_addrs || k == Kind::url_list;
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
    const KeyDef* def = find_flag(name);
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

// Defaults, then the profile, then the file, the environment and the flags, key by key.
Values merge(const Layer& file, const Layer& env, const Layer& flags) {
  Values vals;
  for (const auto& d : schema()) vals[d.key] = Entry{d.def, "default"};
  // The profile is chosen by the highest layer that names one, then applied under the file.
  std::string profile = "none";
  for (const Layer* l : {&file, &env, &flags})
    for (const auto& [d, e] : *l)
      if (d->key == "profile") profile = std::get<std::string>(e.value);
  for (const auto& d : schema())
    for (const auto& p : d.profiles)
      if (p.profile == profile) vals[d.key] = Entry{p.value, "profile:" + profile};
  for (const Layer* l : {&file, &env, &flags})
    for (const auto& [d, e] : *l) vals[d->key] = e;
  return vals;
}

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

  const Values vals = merge(file, env, flags);
  for (const auto& d : schema()) d.bind.set(out.config, vals.at(d.key).value);
  if (auto e = check_rules(out.config, vals)) return *e;
  for (const auto& [k, e] : vals) out.provenance[std::string(k)] = e.source;
  return out;
}

}  // namespace
}  // namespace config_detail

ConfigResult<std::pair<std::filesystem::path, std::string>> resolve_data_dir(const ConfigSources& sources) {
  using config_detail::home_expand;
  using config_detail::invalid;
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

ConfigResult<LoadedConfig> load_config_from_text(const ConfigSources& sources,
                                                 const std::optional<std::string>& file_text,
                                                 const std::string& file_name) {
  auto r = config_detail::load_impl(sources, file_text, file_name);
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
    path = config_detail::home_expand(sources.config_file->string(), sources.env);
    how = "flag:--config";
  } else if (auto it = sources.env.find("LOTUS_P2P_CONFIG"); it != sources.env.end()) {
    path = config_detail::home_expand(it->second, sources.env);
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
      if (buf.size() > config_detail::k_max_file_size) return unreadable("larger than 1 MiB");
    }
    if (in.bad()) return unreadable("read error");
    text = std::move(buf);
  }
  auto r = config_detail::load_impl(sources, text, path.string());
  if (r && text) {
    r->config_file = path;
    r->config_file_source = how;
  }
  return r;
}

}  // namespace lotus::node
