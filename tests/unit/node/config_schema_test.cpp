// Tests for the key declarations (node/config_schema.hpp): every key has help, unique flag and
// environment names, a binding that reaches its own NodeConfig field both ways, defaults that
// agree with NodeConfig's initializers, and profile values that fit the key.
#include "node/config_schema.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <set>
#include <sstream>
#include <string>

#include "node/config.hpp"

namespace lotus::node::config_detail {
namespace {

const std::string kPeer = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";

ConfigSources base() {
  ConfigSources s;
  s.env["HOME"] = "/home/u";
  return s;
}

LoadedConfig load_ok(const ConfigSources& s, const std::optional<std::string>& text = std::nullopt) {
  auto r = load_config_from_text(s, text, "/cfg/lotus.toml");
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? *r : LoadedConfig{};
}

// A valid value other than the default, as flag text and as the value it parses to.
struct Sample {
  std::string text;
  Value value;
};

Sample non_default(const KeyDef& d) {
  using L = std::vector<std::string>;
  switch (d.kind) {
    case Kind::boolean: {
      bool v = !std::get<bool>(d.def);
      return {v ? "true" : "false", v};
    }
    case Kind::integer: {
      // The top of the range also shows that the field holds it (no narrowing).
      std::uint64_t v = std::get<std::uint64_t>(d.def) == d.max ? d.min : d.max;
      return {std::to_string(v), v};
    }
    case Kind::choice:
      for (auto c : d.choices)
        if (c != std::get<std::string>(d.def)) return {std::string(c), std::string(c)};
      break;
    case Kind::protocol_id: return {"/test/kad/9.9.9", std::string("/test/kad/9.9.9")};
    case Kind::log_levels: return {"warn,host=trace", std::string("warn,host=trace")};
    case Kind::api_endpoint: return {"127.0.0.1:5999", std::string("127.0.0.1:5999")};
    case Kind::file_path: {
      std::string path = "files/" + std::string(d.key) + ".pem";
      return {path, path};
    }
    case Kind::listen_addrs: return {"/ip4/127.0.0.1/tcp/4001", L{"/ip4/127.0.0.1/tcp/4001"}};
    case Kind::announce_addrs:
      return {"/dns4/node.example.com/tcp/4001", L{"/dns4/node.example.com/tcp/4001"}};
    case Kind::peer_addrs: {
      std::string a = "/ip4/1.2.3.4/tcp/4001/p2p/" + kPeer;
      return {a, L{a}};
    }
    case Kind::url_list: return {"https://chronik.example.com", L{"https://chronik.example.com"}};
    case Kind::string_map: return {"k=v", StringMap{{"k", "v"}}};
  }
  ADD_FAILURE() << "no non-default value for " << d.key;
  return {};
}

// Every key set at once, each through its canonical flag.
ConfigSources all_flags() {
  auto s = base();
  for (const auto& d : schema()) s.flags.emplace_back(std::string(d.flags.at(0)), non_default(d).text);
  return s;
}

std::string strip_comments(const std::string& text) {
  std::string out, line;
  std::istringstream in(text);
  while (std::getline(in, line)) {
    if (line.rfind("#", 0) == 0) continue;
    if (auto c = line.find("  # "); c != std::string::npos) line.resize(c);
    out += line + "\n";
  }
  return out;
}

TEST(NodeConfigSchema, EveryKeyHasAOneLineHelp) {
  const auto help = config_help();
  const auto keys = config_keys();
  ASSERT_EQ(help.size(), keys.size());
  for (std::size_t i = 0; i < help.size(); ++i) {
    const auto& h = help[i];
    EXPECT_EQ(h.key, keys[i]);
    EXPECT_FALSE(h.help.empty()) << h.key;
    EXPECT_EQ(h.help.find('\n'), std::string::npos) << h.key;
    EXPECT_LE(h.help.size(), 100u) << h.key;  // one line of --help beside the flag column
    EXPECT_FALSE(h.allowed.empty()) << h.key;
    EXPECT_FALSE(h.flags.empty()) << h.key;
    EXPECT_FALSE(h.env.empty()) << h.key;
  }
}

TEST(NodeConfigSchema, FlagAndEnvironmentNamesAreUnique) {
  std::set<std::string> flags, env;
  for (const auto& h : config_help()) {
    for (const auto& f : h.flags) {
      EXPECT_TRUE(flags.insert(f).second) << "--" << f << " of " << h.key;
      EXPECT_TRUE(config_flag_is_boolean(f).has_value()) << f;
    }
    for (const auto& e : h.env) EXPECT_TRUE(env.insert(e).second) << e << " of " << h.key;
  }
}

TEST(NodeConfigSchema, DeclarationsAreConsistent) {
  const KeyDef* profile = find_key("profile");
  ASSERT_NE(profile, nullptr);
  for (const auto& d : schema()) {
    ASSERT_NE(d.bind.set, nullptr) << d.key;
    ASSERT_NE(d.bind.get, nullptr) << d.key;
    // The kind, the default and the bound field agree on the value's type.
    std::size_t want = 0;
    switch (d.kind) {
      case Kind::boolean: want = 0; break;
      case Kind::integer: want = 1; break;
      case Kind::listen_addrs:
      case Kind::announce_addrs:
      case Kind::peer_addrs:
      case Kind::url_list: want = 3; break;
      case Kind::string_map: want = 4; break;
      default: want = 2; break;
    }
    EXPECT_EQ(d.def.index(), want) << d.key;
    EXPECT_EQ(d.bind.get(NodeConfig{}).index(), want) << d.key;
    if (d.kind == Kind::integer) {
      EXPECT_LE(d.min, d.max) << d.key;
      EXPECT_TRUE(std::get<std::uint64_t>(d.def) >= d.min && std::get<std::uint64_t>(d.def) <= d.max) << d.key;
    }
    if (d.kind == Kind::choice) {
      EXPECT_NE(std::find(d.choices.begin(), d.choices.end(), std::get<std::string>(d.def)), d.choices.end())
          << d.key;
    }
    // Each profile named is a choice of "profile", and its value fits the key.
    for (const auto& p : d.profiles) {
      EXPECT_NE(std::find(profile->choices.begin(), profile->choices.end(), p.profile), profile->choices.end())
          << d.key << " " << p.profile;
      EXPECT_NE(p.profile, "none") << d.key;
      EXPECT_EQ(p.value.index(), d.def.index()) << d.key << " " << p.profile;
      if (d.kind == Kind::integer) {
        auto v = std::get<std::uint64_t>(p.value);
        EXPECT_TRUE(v >= d.min && v <= d.max) << d.key << " " << p.profile << " " << v;
      }
    }
    // Sections are what the dotted keys say.
    auto dot = d.key.find('.');
    if (dot != std::string_view::npos) {
      EXPECT_TRUE(is_section(d.key.substr(0, dot))) << d.key;
    }
    EXPECT_FALSE(is_section(d.key)) << d.key;
    EXPECT_EQ(find_env(env_name(d.key)), &d);
    for (auto f : d.flags) {
      EXPECT_EQ(find_flag(f), &d) << f;
    }
  }
}

// NodeConfig's member initializers and the declared defaults say the same, so a NodeConfig
// built in code (tests, embedders) behaves as an empty configuration does. The one exception:
// NodeConfig::listen is empty, the key's default listens on /ip4/0.0.0.0/tcp/0.
TEST(NodeConfigSchema, DefaultsAgreeWithNodeConfigInitializers) {
  const NodeConfig initial;
  for (const auto& d : schema()) {
    if (d.key == "listen") {
      EXPECT_EQ(d.bind.get(initial), Value(std::vector<std::string>{}));
      continue;
    }
    EXPECT_EQ(d.bind.get(initial), d.def) << d.key;
  }
}

TEST(NodeConfigSchema, EveryKeyBindsBothWays) {
  auto l = load_ok(all_flags());
  for (const auto& d : schema()) {
    const Sample s = non_default(d);
    EXPECT_NE(s.value, d.def) << d.key;
    EXPECT_EQ(d.bind.get(l.config), s.value) << d.key;
    EXPECT_EQ(l.provenance.at(std::string(d.key)), "flag:--" + std::string(d.flags.at(0))) << d.key;
  }
  // --print-config shows every value, and it loads back to the same configuration.
  const std::string text = render_config(l);
  auto back = load_ok(base(), text);
  EXPECT_EQ(strip_comments(render_config(back)), strip_comments(text));
  for (const auto& d : schema()) {
    EXPECT_EQ(d.bind.get(back.config), d.bind.get(l.config)) << d.key;
    EXPECT_EQ(back.provenance.at(std::string(d.key)).rfind("file:/cfg/lotus.toml:", 0), 0u) << d.key;
  }
}

TEST(NodeConfigSchema, EachKeyReachesOnlyItsOwnField) {
  for (const auto& d : schema()) {
    if (d.key == "profile") continue;  // a profile sets other keys too (the next test)
    // Keys under a cross-key rule are set with their partner: tls.cert_file and tls.key_file
    // come in pairs, min_connections (set to the top of its range) must not exceed max.
    std::set<std::string_view> keys = {d.key};
    if (d.key == "tls.cert_file" || d.key == "tls.key_file") keys = {"tls.cert_file", "tls.key_file"};
    if (d.key == "connection_manager.min_connections") keys.insert("connection_manager.max_connections");
    auto s = base();
    for (auto k : keys) s.flags.emplace_back(std::string(find_key(k)->flags.at(0)), non_default(*find_key(k)).text);
    auto l = load_ok(s);
    for (const auto& o : schema()) {
      if (keys.count(o.key)) {
        EXPECT_EQ(o.bind.get(l.config), non_default(o).value) << d.key << " -> " << o.key;
      } else {
        EXPECT_EQ(o.bind.get(l.config), o.def) << d.key << " -> " << o.key;
        EXPECT_EQ(l.provenance.at(std::string(o.key)), "default") << d.key << " -> " << o.key;
      }
    }
  }
}

TEST(NodeConfigSchema, ProfilesSetTheirDeclaredKeysWithProfileProvenance) {
  const KeyDef* profile = find_key("profile");
  ASSERT_NE(profile, nullptr);
  for (auto name : profile->choices) {
    auto s = base();
    s.env["LOTUS_P2P_PROFILE"] = std::string(name);
    auto l = load_ok(s);
    EXPECT_EQ(to_string(l.config.profile), name);
    EXPECT_EQ(l.provenance.at("profile"), "env:LOTUS_P2P_PROFILE");
    std::size_t set = 0;
    for (const auto& d : schema()) {
      if (d.key == "profile") continue;
      auto p = std::find_if(d.profiles.begin(), d.profiles.end(), [&](const auto& pv) { return pv.profile == name; });
      if (p == d.profiles.end()) {
        EXPECT_EQ(l.provenance.at(std::string(d.key)), "default") << name << " " << d.key;
        EXPECT_EQ(d.bind.get(l.config), d.def) << name << " " << d.key;
      } else {
        ++set;
        EXPECT_EQ(l.provenance.at(std::string(d.key)), "profile:" + std::string(name)) << d.key;
        EXPECT_EQ(d.bind.get(l.config), p->value) << name << " " << d.key;
      }
    }
    // The documented tables (docs/configuration.md, "Profiles"): ten keys per profile.
    EXPECT_EQ(set, name == "none" ? 0u : 10u) << name;
  }
}

// The fields in NodeConfig terms: a binding to the wrong (but otherwise consistent) field
// would pass the tests above.
TEST(NodeConfigSchema, EveryKeyReachesTheFieldItNames) {
  auto l = load_ok(all_flags());
  const NodeConfig& c = l.config;
  const std::string peer = "/ip4/1.2.3.4/tcp/4001/p2p/" + kPeer;
  EXPECT_EQ(c.profile, Profile::wallet);
  ASSERT_EQ(c.listen.size(), 1u);
  EXPECT_EQ(c.listen[0].to_string(), "/ip4/127.0.0.1/tcp/4001");
  ASSERT_EQ(c.announce.size(), 1u);
  EXPECT_EQ(c.announce[0].to_string(), "/dns4/node.example.com/tcp/4001");
  ASSERT_EQ(c.bootstrap_peers.size(), 1u);
  EXPECT_EQ(c.bootstrap_peers[0].to_string(), peer);
  EXPECT_FALSE(c.dht.enabled);
  EXPECT_EQ(c.dht.protocol, "/test/kad/9.9.9");
  EXPECT_TRUE(c.dht.server);
  EXPECT_FALSE(c.gossipsub.enabled);
  EXPECT_FALSE(c.relay.enabled);
  EXPECT_TRUE(c.relay.server);
  EXPECT_FALSE(c.nat.autonat);
  EXPECT_FALSE(c.nat.dcutr);
  EXPECT_TRUE(c.nat.upnp);
  const auto& cm = c.connection_manager;
  EXPECT_EQ(cm.min_connections, 100000u);
  EXPECT_EQ(cm.max_connections, 100000u);
  EXPECT_EQ(cm.grace_period_seconds, 86400u);
  EXPECT_EQ(cm.max_inbound_per_ip, 100000u);
  EXPECT_EQ(cm.inbound_connections_per_second, 100000u);
  EXPECT_EQ(cm.inbound_burst, 100000u);
  EXPECT_TRUE(cm.limit_loopback);
  EXPECT_EQ(cm.max_pending_dials, 10000u);
  EXPECT_EQ(cm.max_streams_per_connection, 65536u);
  EXPECT_EQ(cm.max_inbound_streams_per_protocol, 65536u);
  EXPECT_TRUE(c.security.disable_rate_limiting);
  EXPECT_EQ(c.security.min_dht_announcement_interval_ms, 86400000u);
  EXPECT_EQ(c.metadata, (StringMap{{"k", "v"}}));
  EXPECT_EQ(c.log.level, "warn,host=trace");
  EXPECT_EQ(c.log.format, "json");
  EXPECT_EQ(c.api.listen, "127.0.0.1:5999");
  EXPECT_FALSE(c.peer_store.enabled);
  EXPECT_EQ(c.peer_store.redial, 1000u);
  EXPECT_EQ(c.tls.cert_file, "files/tls.cert_file.pem");
  EXPECT_EQ(c.tls.key_file, "files/tls.key_file.pem");
  EXPECT_FALSE(c.tls.dial_verify);
  EXPECT_EQ(c.tls.dial_ca_file, "files/tls.dial_ca_file.pem");
}

}  // namespace
}  // namespace lotus::node::config_detail
