// Tests for the daemon configuration layer: precedence, profiles, validation messages,
// unknown keys, malformed TOML, provenance, print-config output, data directory resolution.
#include "node/config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include <stdlib.h>
#include <unistd.h>

namespace lotus::node {
namespace {

const std::string kPeer = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";
const std::string kFile = "/cfg/lotus.toml";

ConfigSources base() {
  ConfigSources s;
  s.env["HOME"] = "/home/u";
  return s;
}

LoadedConfig load_ok(const ConfigSources& s, const std::optional<std::string>& text = std::nullopt) {
  auto r = load_config_from_text(s, text, kFile);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? *r : LoadedConfig{};
}

ConfigError load_err(const ConfigSources& s, const std::optional<std::string>& text = std::nullopt) {
  auto r = load_config_from_text(s, text, kFile);
  EXPECT_FALSE(r);
  return r ? ConfigError{} : r.error();
}

std::string err_file(const std::string& text) { return load_err(base(), text).message; }
std::string err_env(const std::string& name, const std::string& value) {
  auto s = base();
  s.env[name] = value;
  return load_err(s).message;
}
std::string err_flag(const std::string& name, const std::string& value) {
  auto s = base();
  s.flags.emplace_back(name, value);
  return load_err(s).message;
}

// --- defaults ------------------------------------------------------------------------------

TEST(NodeConfig, DefaultsMirrorTheReference) {
  auto l = load_ok(base());
  const NodeConfig& c = l.config;
  EXPECT_EQ(c.profile, Profile::none);
  ASSERT_EQ(c.listen.size(), 1u);
  EXPECT_EQ(c.listen[0].to_string(), "/ip4/0.0.0.0/tcp/0");
  EXPECT_TRUE(c.announce.empty());
  EXPECT_TRUE(c.bootstrap_peers.empty());
  EXPECT_TRUE(c.dht.enabled);
  EXPECT_EQ(c.dht.protocol, "/lotus/kad/1.0.0");
  EXPECT_FALSE(c.dht.server);
  EXPECT_TRUE(c.gossipsub.enabled);
  EXPECT_TRUE(c.relay.enabled);
  EXPECT_FALSE(c.relay.server);
  EXPECT_TRUE(c.nat.autonat);
  EXPECT_TRUE(c.nat.dcutr);
  EXPECT_FALSE(c.nat.upnp);
  EXPECT_EQ(c.connection_manager.min_connections, 10u);
  EXPECT_EQ(c.connection_manager.max_connections, 50u);
  // The host's connection manager limits default to the library's host::ConnLimits.
  EXPECT_EQ(c.connection_manager.grace_period_seconds, 20u);
  EXPECT_EQ(c.connection_manager.max_inbound_per_ip, 8u);
  EXPECT_EQ(c.connection_manager.inbound_connections_per_second, 20u);
  EXPECT_EQ(c.connection_manager.inbound_burst, 40u);
  EXPECT_FALSE(c.connection_manager.limit_loopback);
  EXPECT_EQ(c.connection_manager.max_pending_dials, 64u);
  EXPECT_EQ(c.connection_manager.max_streams_per_connection, 1024u);
  EXPECT_EQ(c.connection_manager.max_inbound_streams_per_protocol, 256u);
  EXPECT_FALSE(c.security.disable_rate_limiting);
  EXPECT_EQ(c.security.min_dht_announcement_interval_ms, 30000u);
  EXPECT_TRUE(c.metadata.empty());
  EXPECT_EQ(c.log.level, "info");
  EXPECT_EQ(c.log.format, "text");
  for (const auto& k : config_keys()) EXPECT_EQ(l.provenance.at(k), "default") << k;
  EXPECT_EQ(l.provenance.size(), config_keys().size());
  EXPECT_FALSE(l.config_file);
}

// --- precedence ----------------------------------------------------------------------------

TEST(NodeConfig, FileOverridesDefaultEnvOverridesFileFlagOverridesEnv) {
  const std::string file =
      "[connection_manager]\n"
      "max_connections = 80\n"
      "min_connections = 7\n"
      "[dht]\n"
      "protocol = \"/file/kad/1.0.0\"\n";
  auto s = base();
  auto l = load_ok(s, file);
  EXPECT_EQ(l.config.connection_manager.max_connections, 80u);
  EXPECT_EQ(l.config.connection_manager.min_connections, 7u);
  EXPECT_EQ(l.config.dht.protocol, "/file/kad/1.0.0");
  EXPECT_EQ(l.provenance.at("connection_manager.max_connections"), "file:/cfg/lotus.toml:2");
  EXPECT_EQ(l.provenance.at("connection_manager.min_connections"), "file:/cfg/lotus.toml:3");
  EXPECT_EQ(l.provenance.at("dht.protocol"), "file:/cfg/lotus.toml:5");

  s.env["P2P_MAX_CONNECTIONS"] = "90";
  s.env["LOTUS_P2P_DHT_PROTOCOL"] = "/env/kad/1.0.0";
  l = load_ok(s, file);
  EXPECT_EQ(l.config.connection_manager.max_connections, 90u);
  EXPECT_EQ(l.config.connection_manager.min_connections, 7u);
  EXPECT_EQ(l.config.dht.protocol, "/env/kad/1.0.0");
  EXPECT_EQ(l.provenance.at("connection_manager.max_connections"), "env:P2P_MAX_CONNECTIONS");
  EXPECT_EQ(l.provenance.at("dht.protocol"), "env:LOTUS_P2P_DHT_PROTOCOL");

  s.flags = {{"max-connections", "120"}, {"dht-protocol", "/flag/kad/1.0.0"}};
  l = load_ok(s, file);
  EXPECT_EQ(l.config.connection_manager.max_connections, 120u);
  EXPECT_EQ(l.config.dht.protocol, "/flag/kad/1.0.0");
  EXPECT_EQ(l.provenance.at("connection_manager.max_connections"), "flag:--max-connections");
  EXPECT_EQ(l.provenance.at("dht.protocol"), "flag:--dht-protocol");
  EXPECT_EQ(l.provenance.at("connection_manager.min_connections"), "file:/cfg/lotus.toml:3");
}

TEST(NodeConfig, LotusEnvNameWinsOverSeedName) {
  auto s = base();
  s.env["P2P_MIN_CONNECTIONS"] = "3";
  s.env["LOTUS_P2P_CONNECTION_MANAGER_MIN_CONNECTIONS"] = "4";
  auto l = load_ok(s);
  EXPECT_EQ(l.config.connection_manager.min_connections, 4u);
  EXPECT_EQ(l.provenance.at("connection_manager.min_connections"),
            "env:LOTUS_P2P_CONNECTION_MANAGER_MIN_CONNECTIONS");
  s.env.erase("LOTUS_P2P_CONNECTION_MANAGER_MIN_CONNECTIONS");
  l = load_ok(s);
  EXPECT_EQ(l.config.connection_manager.min_connections, 3u);
  EXPECT_EQ(l.provenance.at("connection_manager.min_connections"), "env:P2P_MIN_CONNECTIONS");
}

TEST(NodeConfig, ConnectionManagerLimitsFromFileEnvAndFlags) {
  const std::string file =
      "[connection_manager]\n"
      "grace_period_seconds = 0\n"
      "max_inbound_per_ip = 3\n"
      "inbound_connections_per_second = 5\n"
      "inbound_burst = 6\n"
      "limit_loopback = true\n"
      "max_pending_dials = 7\n"
      "max_streams_per_connection = 100\n"
      "max_inbound_streams_per_protocol = 9\n";
  auto s = base();
  auto l = load_ok(s, file);
  const auto* cm = &l.config.connection_manager;
  EXPECT_EQ(cm->grace_period_seconds, 0u);
  EXPECT_EQ(cm->max_inbound_per_ip, 3u);
  EXPECT_EQ(cm->inbound_connections_per_second, 5u);
  EXPECT_EQ(cm->inbound_burst, 6u);
  EXPECT_TRUE(cm->limit_loopback);
  EXPECT_EQ(cm->max_pending_dials, 7u);
  EXPECT_EQ(cm->max_streams_per_connection, 100u);
  EXPECT_EQ(cm->max_inbound_streams_per_protocol, 9u);
  EXPECT_EQ(l.provenance.at("connection_manager.grace_period_seconds"), "file:/cfg/lotus.toml:2");
  EXPECT_EQ(l.provenance.at("connection_manager.max_inbound_streams_per_protocol"), "file:/cfg/lotus.toml:9");

  // The environment (LOTUS_P2P_CONNECTION_MANAGER_<KEY>) overrides the file ...
  s.env["LOTUS_P2P_CONNECTION_MANAGER_GRACE_PERIOD_SECONDS"] = "5";
  s.env["LOTUS_P2P_CONNECTION_MANAGER_MAX_INBOUND_PER_IP"] = "4";
  s.env["LOTUS_P2P_CONNECTION_MANAGER_LIMIT_LOOPBACK"] = "no";
  s.env["LOTUS_P2P_CONNECTION_MANAGER_MAX_STREAMS_PER_CONNECTION"] = "200";
  l = load_ok(s, file);
  cm = &l.config.connection_manager;
  EXPECT_EQ(cm->grace_period_seconds, 5u);
  EXPECT_EQ(cm->max_inbound_per_ip, 4u);
  EXPECT_FALSE(cm->limit_loopback);
  EXPECT_EQ(cm->max_streams_per_connection, 200u);
  EXPECT_EQ(cm->inbound_burst, 6u);
  EXPECT_EQ(l.provenance.at("connection_manager.grace_period_seconds"),
            "env:LOTUS_P2P_CONNECTION_MANAGER_GRACE_PERIOD_SECONDS");
  EXPECT_EQ(l.provenance.at("connection_manager.limit_loopback"), "env:LOTUS_P2P_CONNECTION_MANAGER_LIMIT_LOOPBACK");
  EXPECT_EQ(l.provenance.at("connection_manager.inbound_burst"), "file:/cfg/lotus.toml:5");

  // ... and flags (canonical --connection-manager-<key> or the short name) override both.
  s.flags = {{"connection-manager-grace-period-seconds", "1"}, {"max-inbound-per-ip", "2"}, {"limit-loopback", ""},
             {"inbound-connections-per-second", "100"}, {"connection-manager-inbound-burst", "200"},
             {"max-pending-dials", "10000"}, {"max-inbound-streams-per-protocol", "65536"}};
  l = load_ok(s, file);
  cm = &l.config.connection_manager;
  EXPECT_EQ(cm->grace_period_seconds, 1u);
  EXPECT_EQ(cm->max_inbound_per_ip, 2u);
  EXPECT_TRUE(cm->limit_loopback);  // bare boolean flag
  EXPECT_EQ(cm->inbound_connections_per_second, 100u);
  EXPECT_EQ(cm->inbound_burst, 200u);
  EXPECT_EQ(cm->max_pending_dials, 10000u);
  EXPECT_EQ(cm->max_streams_per_connection, 200u);  // env still
  EXPECT_EQ(cm->max_inbound_streams_per_protocol, 65536u);
  EXPECT_EQ(l.provenance.at("connection_manager.grace_period_seconds"),
            "flag:--connection-manager-grace-period-seconds");
  EXPECT_EQ(l.provenance.at("connection_manager.max_inbound_per_ip"), "flag:--max-inbound-per-ip");
  EXPECT_EQ(l.provenance.at("connection_manager.limit_loopback"), "flag:--limit-loopback");
  EXPECT_EQ(l.provenance.at("connection_manager.max_streams_per_connection"),
            "env:LOTUS_P2P_CONNECTION_MANAGER_MAX_STREAMS_PER_CONNECTION");

  // Every new key has both flag names, and --limit-loopback is a boolean (bare) flag.
  EXPECT_EQ(config_flag_is_boolean("limit-loopback"), std::optional<bool>(true));
  EXPECT_EQ(config_flag_is_boolean("connection-manager-limit-loopback"), std::optional<bool>(true));
  EXPECT_EQ(config_flag_is_boolean("grace-period-seconds"), std::optional<bool>(false));
  EXPECT_EQ(config_flag_is_boolean("connection-manager-max-streams-per-connection"), std::optional<bool>(false));
  for (const auto& h : config_help()) {
    if (h.key.rfind("connection_manager.", 0) != 0) continue;
    EXPECT_EQ(h.flags.size(), 2u) << h.key;
    EXPECT_EQ(h.env.at(0).rfind("LOTUS_P2P_CONNECTION_MANAGER_", 0), 0u) << h.key;
  }
}

TEST(NodeConfig, TlsFilesComeInPairs) {
  auto s = base();
  auto l = load_ok(s);
  EXPECT_EQ(l.config.tls.cert_file, "");
  EXPECT_EQ(l.config.tls.key_file, "");
  s.env["LOTUS_P2P_TLS_CERT_FILE"] = "tls/cert.pem";
  s.flags = {{"tls-key-file", "/etc/lotus/key.pem"}};
  l = load_ok(s, "[tls]\ncert_file = \"file.pem\"\n");
  EXPECT_EQ(l.config.tls.cert_file, "tls/cert.pem");
  EXPECT_EQ(l.config.tls.key_file, "/etc/lotus/key.pem");
  EXPECT_EQ(l.provenance.at("tls.cert_file"), "env:LOTUS_P2P_TLS_CERT_FILE");
  EXPECT_EQ(l.provenance.at("tls.key_file"), "flag:--tls-key-file");

  EXPECT_EQ(err_file("[tls]\ncert_file = \"cert.pem\"\n"),
            "config: invalid value for tls.cert_file = \"cert.pem\" (file:/cfg/lotus.toml:2): allowed: set together "
            "with tls.key_file");
  EXPECT_NE(err_file("[tls]\nkey_file = 3\n").find("a file path"), std::string::npos);
}

TEST(NodeConfig, WssDialVerificationAndCaFile) {
  auto s = base();
  auto l = load_ok(s);
  EXPECT_TRUE(l.config.tls.dial_verify);
  EXPECT_EQ(l.config.tls.dial_ca_file, "");
  EXPECT_EQ(l.provenance.at("tls.dial_verify"), "default");
  l = load_ok(s, "[tls]\ndial_ca_file = \"peers-ca.pem\"\n");
  EXPECT_EQ(l.config.tls.dial_ca_file, "peers-ca.pem");
  EXPECT_EQ(l.provenance.at("tls.dial_ca_file"), "file:/cfg/lotus.toml:2");
  s.env["LOTUS_P2P_TLS_DIAL_VERIFY"] = "false";
  l = load_ok(s);
  EXPECT_FALSE(l.config.tls.dial_verify);
  EXPECT_EQ(l.provenance.at("tls.dial_verify"), "env:LOTUS_P2P_TLS_DIAL_VERIFY");
  s.flags = {{"tls-dial-verify", "true"}};
  l = load_ok(s);
  EXPECT_TRUE(l.config.tls.dial_verify);
  EXPECT_EQ(l.provenance.at("tls.dial_verify"), "flag:--tls-dial-verify");
  EXPECT_NE(err_file("[tls]\ndial_verify = \"maybe\"\n").find("tls.dial_verify"), std::string::npos);
}

TEST(NodeConfig, ListsReplaceLowerLayersAndRepeatedFlagsAppend) {
  auto s = base();
  const std::string file = "listen = [\"/ip4/0.0.0.0/tcp/4001\", \"/ip6/::/tcp/4001\"]\n";
  auto l = load_ok(s, file);
  ASSERT_EQ(l.config.listen.size(), 2u);
  EXPECT_EQ(l.config.listen[1].to_string(), "/ip6/::/tcp/4001");

  s.env["LOTUS_P2P_LISTEN"] = "/ip4/127.0.0.1/tcp/5000, /ip4/127.0.0.1/tcp/5001/ws";
  l = load_ok(s, file);
  ASSERT_EQ(l.config.listen.size(), 2u);
  EXPECT_EQ(l.config.listen[0].to_string(), "/ip4/127.0.0.1/tcp/5000");
  EXPECT_EQ(l.config.listen[1].to_string(), "/ip4/127.0.0.1/tcp/5001/ws");

  s.flags = {{"listen", "/ip4/10.0.0.1/tcp/1"}, {"bootstrap-peer", "/dns4/a.example/tcp/4001/p2p/" + kPeer},
             {"listen", "/ip4/10.0.0.1/tcp/2"}, {"bootstrap-peers", "/ip4/1.2.3.4/tcp/4001/p2p/" + kPeer}};
  l = load_ok(s, file);
  ASSERT_EQ(l.config.listen.size(), 2u);
  EXPECT_EQ(l.config.listen[0].to_string(), "/ip4/10.0.0.1/tcp/1");
  EXPECT_EQ(l.config.listen[1].to_string(), "/ip4/10.0.0.1/tcp/2");
  EXPECT_EQ(l.provenance.at("listen"), "flag:--listen");
  ASSERT_EQ(l.config.bootstrap_peers.size(), 2u);
  EXPECT_EQ(l.provenance.at("bootstrap_peers"), "flag:--bootstrap-peer,flag:--bootstrap-peers");
}

TEST(NodeConfig, BooleansFromEnvAndFlags) {
  auto s = base();
  s.env["LOTUS_P2P_DHT_SERVER"] = "yes";
  s.env["LOTUS_P2P_GOSSIPSUB_ENABLED"] = "0";
  s.env["LOTUS_P2P_NAT_UPNP"] = "1";
  s.env["LOTUS_P2P_RELAY_ENABLED"] = "no";
  auto l = load_ok(s);
  EXPECT_TRUE(l.config.dht.server);
  EXPECT_FALSE(l.config.gossipsub.enabled);
  EXPECT_TRUE(l.config.nat.upnp);
  EXPECT_FALSE(l.config.relay.enabled);

  s.flags = {{"relay-server", ""}, {"gossipsub", "true"}, {"upnp", "false"}, {"--dht", "false"}};
  l = load_ok(s);
  EXPECT_TRUE(l.config.relay.server);  // bare flag = true
  EXPECT_TRUE(l.config.gossipsub.enabled);
  EXPECT_FALSE(l.config.nat.upnp);
  EXPECT_FALSE(l.config.dht.enabled);
  EXPECT_EQ(l.provenance.at("relay.server"), "flag:--relay-server");
  EXPECT_EQ(l.provenance.at("dht.enabled"), "flag:--dht");
}

TEST(NodeConfig, MetadataFromEachLayer) {
  auto s = base();
  auto l = load_ok(s, "[metadata]\nname = \"alice\"\n\"node kind\" = \"test\"\n");
  EXPECT_EQ(l.config.metadata, (std::map<std::string, std::string>{{"name", "alice"}, {"node kind", "test"}}));
  EXPECT_EQ(l.provenance.at("metadata"), "file:/cfg/lotus.toml:1");
  s.env["LOTUS_P2P_METADATA"] = "a=1,b=2";
  l = load_ok(s, "[metadata]\nname = \"alice\"\n");
  EXPECT_EQ(l.config.metadata, (std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}}));
  s.flags = {{"metadata", "x=1,2"}, {"metadata", "y="}, {"metadata", "city=Zürich €𝄞"}};
  l = load_ok(s);
  EXPECT_EQ(l.config.metadata, (std::map<std::string, std::string>{{"city", "Zürich €𝄞"}, {"x", "1,2"}, {"y", ""}}));
}

TEST(NodeConfig, DottedKeysAndAllSectionsInFile) {
  const std::string file =
      "profile = \"none\"\n"
      "listen = [\"/ip4/0.0.0.0/tcp/4001\"]\n"
      "announce = [\"/dns4/node.example.com/tcp/4001\"]\n"
      "bootstrap_peers = [\"/ip4/1.2.3.4/tcp/4001/p2p/" + kPeer + "\"]\n"
      "dht.enabled = false\n"
      "[gossipsub]\nenabled = false\n"
      "[relay]\nenabled = false\nserver = true\n"
      "[nat]\nautonat = false\ndcutr = false\nupnp = true\n"
      "[security]\ndisable_rate_limiting = true\nmin_dht_announcement_interval_ms = 0\n"
      "[log]\nlevel = \"debug\"\nformat = \"json\"\n";
  auto l = load_ok(base(), file);
  const NodeConfig& c = l.config;
  EXPECT_EQ(c.announce.at(0).to_string(), "/dns4/node.example.com/tcp/4001");
  EXPECT_EQ(c.bootstrap_peers.at(0).peer_id()->to_base58(), kPeer);
  EXPECT_FALSE(c.dht.enabled);
  EXPECT_FALSE(c.gossipsub.enabled);
  EXPECT_FALSE(c.relay.enabled);
  EXPECT_TRUE(c.relay.server);
  EXPECT_FALSE(c.nat.autonat);
  EXPECT_FALSE(c.nat.dcutr);
  EXPECT_TRUE(c.nat.upnp);
  EXPECT_TRUE(c.security.disable_rate_limiting);
  EXPECT_EQ(c.security.min_dht_announcement_interval_ms, 0u);
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.log.format, "json");
  EXPECT_EQ(l.provenance.at("dht.enabled"), "file:/cfg/lotus.toml:5");
  EXPECT_EQ(l.provenance.at("log.format"), "file:/cfg/lotus.toml:20");
}

// --- profiles ------------------------------------------------------------------------------

struct ProfileCase {
  const char* name;
  Profile profile;
  std::uint32_t min, max;
  bool dht_server, relay_server;
  std::uint32_t grace, per_ip, rate, burst, dials;
};

TEST(NodeConfig, ProfilesApplyTheSeedRecommendedLimits) {
  const ProfileCase cases[] = {{"wallet", Profile::wallet, 5, 50, false, false, 20, 4, 5, 10, 16},
                               {"full", Profile::full, 10, 100, true, false, 20, 8, 20, 40, 64},
                               {"bootstrap", Profile::bootstrap, 20, 500, true, true, 10, 16, 50, 100, 128},
                               {"relay", Profile::relay, 50, 1000, true, true, 20, 32, 100, 200, 128}};
  for (const auto& pc : cases) {
    auto s = base();
    s.flags = {{"profile", pc.name}};
    auto l = load_ok(s);
    EXPECT_EQ(l.config.profile, pc.profile) << pc.name;
    EXPECT_EQ(to_string(l.config.profile), pc.name);
    EXPECT_EQ(l.config.connection_manager.min_connections, pc.min) << pc.name;
    EXPECT_EQ(l.config.connection_manager.max_connections, pc.max) << pc.name;
    EXPECT_EQ(l.config.dht.server, pc.dht_server) << pc.name;
    EXPECT_EQ(l.config.relay.server, pc.relay_server) << pc.name;
    const auto& cm = l.config.connection_manager;
    EXPECT_EQ(cm.grace_period_seconds, pc.grace) << pc.name;
    EXPECT_EQ(cm.max_inbound_per_ip, pc.per_ip) << pc.name;
    EXPECT_EQ(cm.inbound_connections_per_second, pc.rate) << pc.name;
    EXPECT_EQ(cm.inbound_burst, pc.burst) << pc.name;
    EXPECT_EQ(cm.max_pending_dials, pc.dials) << pc.name;
    // Not set by any profile.
    EXPECT_FALSE(cm.limit_loopback) << pc.name;
    EXPECT_EQ(cm.max_streams_per_connection, 1024u) << pc.name;
    EXPECT_EQ(cm.max_inbound_streams_per_protocol, 256u) << pc.name;
    const std::string src = std::string("profile:") + pc.name;
    EXPECT_EQ(l.provenance.at("connection_manager.max_inbound_per_ip"), src);
    EXPECT_EQ(l.provenance.at("connection_manager.grace_period_seconds"), src);
    EXPECT_EQ(l.provenance.at("connection_manager.limit_loopback"), "default");
    EXPECT_EQ(l.provenance.at("connection_manager.min_connections"), src);
    EXPECT_EQ(l.provenance.at("connection_manager.max_connections"), src);
    EXPECT_EQ(l.provenance.at("dht.server"), src);
    EXPECT_EQ(l.provenance.at("relay.server"), src);
    EXPECT_EQ(l.provenance.at("profile"), "flag:--profile");
    EXPECT_EQ(l.provenance.at("dht.enabled"), "default");
  }
}

TEST(NodeConfig, ProfileSitsBelowTheFileAndIsChosenByTheHighestLayer) {
  auto s = base();
  // The file picks "bootstrap" and overrides one of its values; env picks "relay" instead.
  const std::string file = "profile = \"bootstrap\"\n[connection_manager]\nmax_connections = 300\n";
  auto l = load_ok(s, file);
  EXPECT_EQ(l.config.profile, Profile::bootstrap);
  EXPECT_EQ(l.config.connection_manager.min_connections, 20u);
  EXPECT_EQ(l.config.connection_manager.max_connections, 300u);
  EXPECT_EQ(l.provenance.at("profile"), "file:/cfg/lotus.toml:1");
  s.env["LOTUS_P2P_PROFILE"] = "relay";
  l = load_ok(s, file);
  EXPECT_EQ(l.config.profile, Profile::relay);
  EXPECT_EQ(l.config.connection_manager.min_connections, 50u);
  EXPECT_EQ(l.config.connection_manager.max_connections, 300u);  // the file still wins
  EXPECT_EQ(l.provenance.at("connection_manager.min_connections"), "profile:relay");
}

// --- validation messages -------------------------------------------------------------------

TEST(NodeConfig, InvalidValueFromEnvNamesKeyValueSourceAndAllowed) {
  auto s = base();
  s.env["P2P_MAX_CONNECTIONS"] = "0";
  auto e = load_err(s);
  EXPECT_EQ(e.code, errc::invalid_value);
  EXPECT_EQ(e.key, "connection_manager.max_connections");
  EXPECT_EQ(e.value, "0");
  EXPECT_EQ(e.source, "env:P2P_MAX_CONNECTIONS");
  EXPECT_EQ(e.message,
            "config: invalid value for connection_manager.max_connections = \"0\" (env:P2P_MAX_CONNECTIONS): "
            "allowed: an integer 1..100000");
  auto r = load_config_from_text(s, std::nullopt, kFile);
  EXPECT_EQ(r.error_code(), make_error_code(errc::invalid_value));
  EXPECT_EQ(r.error_code().message(), "config: invalid value");
  EXPECT_STREQ(r.error_code().category().name(), "config");
}

TEST(NodeConfig, EveryKindOfInvalidValueHasItsMessage) {
  EXPECT_EQ(err_env("P2P_MIN_CONNECTIONS", "-1"),
            "config: invalid value for connection_manager.min_connections = \"-1\" (env:P2P_MIN_CONNECTIONS): "
            "allowed: an integer 0..100000");
  EXPECT_EQ(err_flag("max-connections", "100001"),
            "config: invalid value for connection_manager.max_connections = \"100001\" (flag:--max-connections): "
            "allowed: an integer 1..100000");
  EXPECT_EQ(err_flag("max-connections", "99999999999999999999"),
            "config: invalid value for connection_manager.max_connections = \"99999999999999999999\" "
            "(flag:--max-connections): allowed: an integer 1..100000");
  EXPECT_EQ(err_flag("min-connections", ""),
            "config: invalid value for connection_manager.min_connections = \"\" (flag:--min-connections): "
            "allowed: an integer 0..100000");
  EXPECT_EQ(err_env("LOTUS_P2P_DHT_ENABLED", "on"),
            "config: invalid value for dht.enabled = \"on\" (env:LOTUS_P2P_DHT_ENABLED): "
            "allowed: true, false, 1, 0, yes or no");
  EXPECT_EQ(err_flag("upnp", "TRUE"),
            "config: invalid value for nat.upnp = \"TRUE\" (flag:--upnp): allowed: true, false, 1, 0, yes or no");
  EXPECT_EQ(err_flag("dht-protocol", "lotus/kad"),
            "config: invalid value for dht.protocol = \"lotus/kad\" (flag:--dht-protocol): allowed: a protocol id "
            "starting with '/' (printable ASCII without spaces, at most 256 characters)");
  EXPECT_EQ(err_env("LOTUS_P2P_DHT_PROTOCOL", "/a b"),
            "config: invalid value for dht.protocol = \"/a b\" (env:LOTUS_P2P_DHT_PROTOCOL): allowed: a protocol "
            "id starting with '/' (printable ASCII without spaces, at most 256 characters)");
  EXPECT_EQ(err_flag("profile", "miner"),
            "config: invalid value for profile = \"miner\" (flag:--profile): "
            "allowed: one of none, wallet, full, bootstrap or relay");
  EXPECT_EQ(err_flag("log-level", "verbose"),
            "config: invalid value for log.level = \"verbose\" (flag:--log-level): "
            "allowed: a level (trace, debug, info, warn, error or off), optionally followed by component=level pairs, "
            "e.g. info,host=debug");
  EXPECT_EQ(err_env("LOTUS_P2P_LOG_FORMAT", "xml"),
            "config: invalid value for log.format = \"xml\" (env:LOTUS_P2P_LOG_FORMAT): allowed: one of text or json");
  EXPECT_EQ(err_flag("listen", "/ip4/1.2.3.4/tcp/4001,/ip4/1.2.3/tcp/1"),
            "config: invalid value for listen = \"/ip4/1.2.3/tcp/1\" (flag:--listen): allowed: comma-separated "
            "multiaddrs with a TCP port, e.g. /ip4/0.0.0.0/tcp/4001 (multiaddr: invalid value for protocol)");
  EXPECT_EQ(err_flag("listen", "/ip4/1.2.3.4/tcp/70000"),
            "config: invalid value for listen = \"/ip4/1.2.3.4/tcp/70000\" (flag:--listen): allowed: comma-separated "
            "multiaddrs with a TCP port, e.g. /ip4/0.0.0.0/tcp/4001 (multiaddr: invalid value for protocol)");
  EXPECT_EQ(err_env("LOTUS_P2P_LISTEN", "/ip4/1.2.3.4/udp/4001"),
            "config: invalid value for listen = \"/ip4/1.2.3.4/udp/4001\" (env:LOTUS_P2P_LISTEN): allowed: "
            "comma-separated multiaddrs with a TCP port, e.g. /ip4/0.0.0.0/tcp/4001 (no /tcp/ port (only "
            "TCP-based transports are built))");
  EXPECT_EQ(err_flag("announce", "/ip4/1.2.3.4/tcp/0"),
            "config: invalid value for announce = \"/ip4/1.2.3.4/tcp/0\" (flag:--announce): allowed: "
            "comma-separated multiaddrs (TCP port not 0), e.g. /dns4/node.example.com/tcp/4001 (TCP port 0 cannot "
            "be announced)");
  EXPECT_EQ(err_flag("bootstrap-peer", "/ip4/1.2.3.4/tcp/4001"),
            "config: invalid value for bootstrap_peers = \"/ip4/1.2.3.4/tcp/4001\" (flag:--bootstrap-peer): "
            "allowed: comma-separated multiaddrs ending in /p2p/<peer-id> (no /p2p/<peer-id> at the end)");
  EXPECT_EQ(err_flag("metadata", "novalue"),
            "config: invalid value for metadata = \"novalue\" (flag:--metadata): allowed: key=value (in UTF-8)");
  EXPECT_EQ(err_flag("metadata", "k=\xff"),
            "config: invalid value for metadata = \"k=\xff\" (flag:--metadata): allowed: key=value (in UTF-8)");
  EXPECT_EQ(err_env("LOTUS_P2P_METADATA", "k=\xc0\x80"),
            "config: invalid value for metadata = \"k=\xc0\x80\" (env:LOTUS_P2P_METADATA): "
            "allowed: comma-separated key=value pairs (in UTF-8)");
  EXPECT_EQ(err_env("LOTUS_P2P_METADATA", "k=\xed\xa0\x80"),
            "config: invalid value for metadata = \"k=\xed\xa0\x80\" (env:LOTUS_P2P_METADATA): "
            "allowed: comma-separated key=value pairs (in UTF-8)");
  EXPECT_EQ(err_env("LOTUS_P2P_METADATA", "a=1,=2"),
            "config: invalid value for metadata = \"a=1,=2\" (env:LOTUS_P2P_METADATA): "
            "allowed: comma-separated key=value pairs");
}

TEST(NodeConfig, InvalidValuesInTheFileNameTheLine) {
  EXPECT_EQ(err_file("[dht]\nenabled = \"yes\"\n"),
            "config: invalid value for dht.enabled = \"yes\" (file:/cfg/lotus.toml:2): "
            "allowed: true or false (a TOML boolean)");
  EXPECT_EQ(err_file("[connection_manager]\nmax_connections = 0\n"),
            "config: invalid value for connection_manager.max_connections = 0 (file:/cfg/lotus.toml:2): "
            "allowed: an integer 1..100000");
  EXPECT_EQ(err_file("[connection_manager]\nmin_connections = -5\n"),
            "config: invalid value for connection_manager.min_connections = -5 (file:/cfg/lotus.toml:2): "
            "allowed: an integer 0..100000");
  EXPECT_EQ(err_file("[connection_manager]\nmax_connections = \"50\"\n"),
            "config: invalid value for connection_manager.max_connections = \"50\" (file:/cfg/lotus.toml:2): "
            "allowed: an integer 1..100000");
  EXPECT_EQ(err_file("[security]\nmin_dht_announcement_interval_ms = 1.5\n"),
            "config: invalid value for security.min_dht_announcement_interval_ms = 1.5 (file:/cfg/lotus.toml:2): "
            "allowed: an integer 0..86400000");
  EXPECT_EQ(err_file("listen = \"/ip4/0.0.0.0/tcp/1\"\n"),
            "config: invalid value for listen = \"/ip4/0.0.0.0/tcp/1\" (file:/cfg/lotus.toml:1): allowed: an array "
            "of multiaddrs with a TCP port, e.g. [\"/ip4/0.0.0.0/tcp/4001\"]");
  EXPECT_EQ(err_file("announce = [\n  \"/dns4/a.example/tcp/1\",\n  42,\n]\n"),
            "config: invalid value for announce = 42 (file:/cfg/lotus.toml:3): allowed: an array of multiaddrs (TCP "
            "port not 0), e.g. [\"/dns4/node.example.com/tcp/4001\"]");
  EXPECT_EQ(err_file("bootstrap_peers = [\n\"/ip4/1.2.3.4/tcp/1/p2p/" + kPeer + "\",\n\"/ip4/1.2.3.4/tcp/1\"]\n"),
            "config: invalid value for bootstrap_peers = \"/ip4/1.2.3.4/tcp/1\" (file:/cfg/lotus.toml:3): allowed: "
            "an array of multiaddrs ending in /p2p/<peer-id> (no /p2p/<peer-id> at the end)");
  EXPECT_EQ(err_file("[dht]\nprotocol = \"\"\n"),
            "config: invalid value for dht.protocol = \"\" (file:/cfg/lotus.toml:2): allowed: a protocol id "
            "starting with '/' (printable ASCII without spaces, at most 256 characters)");
  EXPECT_EQ(err_file("[log]\nlevel = \"loud\"\n"),
            "config: invalid value for log.level = \"loud\" (file:/cfg/lotus.toml:2): "
            "allowed: a level (trace, debug, info, warn, error or off), optionally followed by component=level pairs, "
            "e.g. info,host=debug");
  EXPECT_EQ(err_file("[metadata]\nname = 1\n"),
            "config: invalid value for metadata.name = 1 (file:/cfg/lotus.toml:2): allowed: a string");
  EXPECT_EQ(err_file("metadata = \"x\"\n"),
            "config: invalid value for metadata = \"x\" (file:/cfg/lotus.toml:1): allowed: a table of string values");
  EXPECT_EQ(err_file("dht = true\n"),
            "config: invalid value for dht = true (file:/cfg/lotus.toml:1): allowed: a table ([dht])");
  EXPECT_EQ(err_file("[gossipsub]\nenabled = [true]\n"),
            "config: invalid value for gossipsub.enabled = [...] (file:/cfg/lotus.toml:2): "
            "allowed: true or false (a TOML boolean)");
  // Control characters in a value are escaped in the message.
  EXPECT_EQ(err_file("[log]\nformat = \"a\\u0001b\"\n"),
            "config: invalid value for log.format = \"a\\u0001b\" (file:/cfg/lotus.toml:2): "
            "allowed: one of text or json");
}

TEST(NodeConfig, InvalidConnectionManagerLimitsNameKeyValueAndRange) {
  EXPECT_EQ(err_flag("max-inbound-per-ip", "0"),
            "config: invalid value for connection_manager.max_inbound_per_ip = \"0\" (flag:--max-inbound-per-ip): "
            "allowed: an integer 1..100000");
  EXPECT_EQ(err_env("LOTUS_P2P_CONNECTION_MANAGER_GRACE_PERIOD_SECONDS", "86401"),
            "config: invalid value for connection_manager.grace_period_seconds = \"86401\" "
            "(env:LOTUS_P2P_CONNECTION_MANAGER_GRACE_PERIOD_SECONDS): allowed: an integer 0..86400");
  EXPECT_EQ(err_flag("grace-period-seconds", "1.5"),
            "config: invalid value for connection_manager.grace_period_seconds = \"1.5\" "
            "(flag:--grace-period-seconds): allowed: an integer 0..86400");
  EXPECT_EQ(err_flag("inbound-connections-per-second", "0"),
            "config: invalid value for connection_manager.inbound_connections_per_second = \"0\" "
            "(flag:--inbound-connections-per-second): allowed: an integer 1..100000");
  EXPECT_EQ(err_flag("connection-manager-inbound-burst", "-3"),
            "config: invalid value for connection_manager.inbound_burst = \"-3\" "
            "(flag:--connection-manager-inbound-burst): allowed: an integer 1..100000");
  EXPECT_EQ(err_env("LOTUS_P2P_CONNECTION_MANAGER_LIMIT_LOOPBACK", "on"),
            "config: invalid value for connection_manager.limit_loopback = \"on\" "
            "(env:LOTUS_P2P_CONNECTION_MANAGER_LIMIT_LOOPBACK): allowed: true, false, 1, 0, yes or no");
  EXPECT_EQ(err_flag("max-pending-dials", "10001"),
            "config: invalid value for connection_manager.max_pending_dials = \"10001\" "
            "(flag:--max-pending-dials): allowed: an integer 1..10000");
  EXPECT_EQ(err_flag("max-streams-per-connection", "7"),
            "config: invalid value for connection_manager.max_streams_per_connection = \"7\" "
            "(flag:--max-streams-per-connection): allowed: an integer 8..65536");
  EXPECT_EQ(err_flag("max-inbound-streams-per-protocol", "65537"),
            "config: invalid value for connection_manager.max_inbound_streams_per_protocol = \"65537\" "
            "(flag:--max-inbound-streams-per-protocol): allowed: an integer 1..65536");
  // From the file: TOML types are strict and the line is named.
  EXPECT_EQ(err_file("[connection_manager]\nmax_connections = 60\nmax_inbound_per_ip = \"3\"\n"),
            "config: invalid value for connection_manager.max_inbound_per_ip = \"3\" (file:/cfg/lotus.toml:3): "
            "allowed: an integer 1..100000");
  EXPECT_EQ(err_file("[connection_manager]\nlimit_loopback = 1\n"),
            "config: invalid value for connection_manager.limit_loopback = 1 (file:/cfg/lotus.toml:2): "
            "allowed: true or false (a TOML boolean)");
  EXPECT_EQ(err_file("[connection_manager]\ngrace_period_seconds = -1\n"),
            "config: invalid value for connection_manager.grace_period_seconds = -1 (file:/cfg/lotus.toml:2): "
            "allowed: an integer 0..86400");
  EXPECT_EQ(err_file("[connection_manager]\ninbound_connections_per_second = 0.5\n"),
            "config: invalid value for connection_manager.inbound_connections_per_second = 0.5 "
            "(file:/cfg/lotus.toml:2): allowed: an integer 1..100000");
  // The error carries the parts separately too.
  auto s = base();
  s.flags = {{"max-inbound-per-ip", "100001"}};
  auto e = load_err(s);
  EXPECT_EQ(e.code, errc::invalid_value);
  EXPECT_EQ(e.key, "connection_manager.max_inbound_per_ip");
  EXPECT_EQ(e.value, "100001");
  EXPECT_EQ(e.source, "flag:--max-inbound-per-ip");
  // A typo gets a suggestion.
  EXPECT_EQ(err_file("[connection_manager]\nmax_inbound_per_ips = 3\n"),
            "config: unknown key 'connection_manager.max_inbound_per_ips' (file:/cfg/lotus.toml:2) "
            "(did you mean 'connection_manager.max_inbound_per_ip'?)");
  EXPECT_EQ(err_flag("grace-period", "1"),
            "config: unknown flag '--grace-period' (flag:--grace-period)");
}

TEST(NodeConfig, MinAboveMaxNamesBothSources) {
  auto s = base();
  s.flags = {{"min-connections", "60"}};
  auto e = load_err(s);
  EXPECT_EQ(e.code, errc::invalid_value);
  EXPECT_EQ(e.key, "connection_manager.min_connections");
  EXPECT_EQ(e.message,
            "config: invalid value for connection_manager.min_connections = 60 (flag:--min-connections): "
            "allowed: at most connection_manager.max_connections = 50 (default)");
  s.flags.emplace_back("max-connections", "60");
  EXPECT_EQ(load_ok(s).config.connection_manager.min_connections, 60u);  // equal is fine
}

// --- unknown keys and malformed TOML -------------------------------------------------------

TEST(NodeConfig, UnknownKeysAreErrorsWithSuggestions) {
  auto e = load_err(base(), "[dht]\nenabled = true\nenable_server = true\n");
  EXPECT_EQ(e.code, errc::unknown_key);
  EXPECT_EQ(e.key, "dht.enable_server");
  EXPECT_EQ(e.message, "config: unknown key 'dht.enable_server' (file:/cfg/lotus.toml:3)");
  EXPECT_EQ(err_file("[dht]\nenable = true\n"),
            "config: unknown key 'dht.enable' (file:/cfg/lotus.toml:2) (did you mean 'dht.enabled'?)");
  EXPECT_EQ(err_file("\nlisten_addrs = []\n"),
            "config: unknown key 'listen_addrs' (file:/cfg/lotus.toml:2)");
  EXPECT_EQ(err_file("bootstrap_peer = []\n"),
            "config: unknown key 'bootstrap_peer' (file:/cfg/lotus.toml:1) (did you mean 'bootstrap_peers'?)");
  EXPECT_EQ(err_file("[connection_manager]\nmax_conections = 5\n"),
            "config: unknown key 'connection_manager.max_conections' (file:/cfg/lotus.toml:2) "
            "(did you mean 'connection_manager.max_connections'?)");
  EXPECT_EQ(err_file("[gossip]\nenabled = true\n"),
            "config: unknown key 'gossip' (file:/cfg/lotus.toml:1)");
  EXPECT_EQ(err_env("LOTUS_P2P_MAX_CONNECTIONS", "5"),
            "config: unknown environment variable 'LOTUS_P2P_MAX_CONNECTIONS' (env:LOTUS_P2P_MAX_CONNECTIONS)");
  EXPECT_EQ(err_env("LOTUS_P2P_DHT_SERVR", "1"),
            "config: unknown environment variable 'LOTUS_P2P_DHT_SERVR' (env:LOTUS_P2P_DHT_SERVR) "
            "(did you mean 'LOTUS_P2P_DHT_SERVER'?)");
  EXPECT_EQ(err_flag("max-conections", "5"),
            "config: unknown flag '--max-conections' (flag:--max-conections) (did you mean '--max-connections'?)");
  EXPECT_EQ(err_flag("print-config", ""), "config: unknown flag '--print-config' (flag:--print-config)");
  // Other environment variables are ignored.
  auto s = base();
  s.env["P2P_SOMETHING"] = "x";
  s.env["PATH"] = "/bin";
  // The CLI's endpoint variable may share the daemon's environment.
  s.env["LOTUS_P2P_API"] = "127.0.0.1:7000";
  load_ok(s);
}

TEST(NodeConfig, MalformedTomlReportsLineAndColumn) {
  auto e = load_err(base(), "[dht]\nenabled = true\nserver = \n");
  EXPECT_EQ(e.code, errc::parse_error);
  EXPECT_EQ(e.source, "file:/cfg/lotus.toml:3");
  EXPECT_EQ(e.message.rfind("config: cannot parse /cfg/lotus.toml:3:", 0), 0u) << e.message;
  e = load_err(base(), "listen = [\"/ip4/0.0.0.0/tcp/1\"\n\n[dht\n");
  EXPECT_EQ(e.code, errc::parse_error);
  EXPECT_EQ(e.message.rfind("config: cannot parse /cfg/lotus.toml:", 0), 0u) << e.message;
  e = load_err(base(), "a = 1\na = 2\n");
  EXPECT_EQ(e.code, errc::parse_error);
  EXPECT_EQ(e.source, "file:/cfg/lotus.toml:2");
}

// --- print-config ------------------------------------------------------------------------

TEST(NodeConfig, PrintConfigGolden) {
  auto s = base();
  s.env["P2P_MAX_CONNECTIONS"] = "200";
  s.flags = {{"profile", "bootstrap"}, {"upnp", ""}, {"metadata", "region=eu"}};
  const std::string file =
      "listen = [\"/ip4/0.0.0.0/tcp/4001\", \"/ip4/0.0.0.0/tcp/4002/ws\"]\n"
      "bootstrap_peers = [\"/ip4/1.2.3.4/tcp/4001/ipfs/" + kPeer + "\"]\n"
      "[log]\n"
      "level = \"debug\"\n";
  auto l = load_ok(s, file);
  EXPECT_EQ(render_config(l),
            "# lotus-p2pd effective configuration; each value is followed by its source\n"
            "# data directory: /home/u/.lotus-p2p  (default: $HOME/.lotus-p2p)\n"
            "# config file: /cfg/lotus.toml  (given)\n"
            "profile = \"bootstrap\"  # flag:--profile\n"
            "listen = [\"/ip4/0.0.0.0/tcp/4001\", \"/ip4/0.0.0.0/tcp/4002/ws\"]  # file:/cfg/lotus.toml:1\n"
            "announce = []  # default\n"
            "bootstrap_peers = [\"/ip4/1.2.3.4/tcp/4001/p2p/" + kPeer + "\"]  # file:/cfg/lotus.toml:2\n"
            "\n[dht]\n"
            "enabled = true  # default\n"
            "protocol = \"/lotus/kad/1.0.0\"  # default\n"
            "server = true  # profile:bootstrap\n"
            "max_records = 65536  # default\n"
            "max_store_mib = 256  # default\n"
            "max_records_per_peer = 64  # default\n"
            "max_kib_per_peer = 2048  # default\n"
            "max_provider_keys_per_peer = 256  # default\n"
            "max_local_keys = 1024  # default\n"
            "\n[gossipsub]\n"
            "enabled = true  # default\n"
            "\n[relay]\n"
            "enabled = true  # default\n"
            "server = true  # profile:bootstrap\n"
            "\n[nat]\n"
            "autonat = true  # default\n"
            "dcutr = true  # default\n"
            "upnp = true  # flag:--upnp\n"
            "\n[connection_manager]\n"
            "min_connections = 20  # profile:bootstrap\n"
            "max_connections = 200  # env:P2P_MAX_CONNECTIONS\n"
            "grace_period_seconds = 10  # profile:bootstrap\n"
            "max_inbound_per_ip = 16  # profile:bootstrap\n"
            "inbound_connections_per_second = 50  # profile:bootstrap\n"
            "inbound_burst = 100  # profile:bootstrap\n"
            "limit_loopback = false  # default\n"
            "max_pending_dials = 128  # profile:bootstrap\n"
            "max_streams_per_connection = 1024  # default\n"
            "max_inbound_streams_per_protocol = 256  # default\n"
            "max_inbound_per_subnet = 64  # profile:bootstrap\n"
            "inbound_per_ip_per_second = 5  # default\n"
            "inbound_per_subnet_per_second = 10  # default\n"
            "max_handshaking = 256  # default\n"
            "\n[security]\n"
            "disable_rate_limiting = false  # default\n"
            "min_dht_announcement_interval_ms = 30000  # default\n"
            "max_message_size = 100000  # default\n"
            "max_messages_per_second = 200  # default\n"
            "max_dht_resources_per_peer = 100  # default\n"
            "max_dht_resources_per_type_per_peer = 20  # default\n"
            "max_dht_record_size = 10000  # default\n"
            "\n[coordinator]\n"
            "network_broadcast = false  # default\n"
            "\n[metadata]  # flag:--metadata\n"
            "region = \"eu\"\n"
            "\n[log]\n"
            "level = \"debug\"  # file:/cfg/lotus.toml:4\n"
            "format = \"text\"  # default\n"
            "\n[api]\n"
            "listen = \"unix\"  # default\n"
            "require_token = true  # default\n"
            "max_connections = 64  # default\n"
            "header_timeout_ms = 5000  # default\n"
            "request_timeout_ms = 30000  # default\n"
            "max_stream_buffer_kib = 1024  # default\n"
            "\n[peer_store]\n"
            "enabled = true  # default\n"
            "redial = 8  # default\n"
            "max_peers = 1000  # default\n"
            "\n[tls]\n"
            "cert_file = \"\"  # default\n"
            "key_file = \"\"  # default\n"
            "dial_verify = true  # default\n"
            "dial_ca_file = \"\"  # default\n"
            "\n[chain]\n"
            "chronik_urls = []  # default\n"
            "timeout_ms = 0  # default\n"
            "poll_interval_ms = 5000  # default\n"
            "ca_file = \"\"  # default\n");
}

// The rendered TOML without comments: the values only.
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

TEST(NodeConfig, PrintConfigOutputLoadsBackToTheSameConfiguration) {
  auto s = base();
  s.flags = {{"profile", "relay"}, {"metadata", "we\"ird key=va\\lue"}, {"announce", "/dns4/x.example/tcp/4001"}};
  auto first = load_ok(s);
  auto text = render_config(first);
  auto second = load_ok(base(), text);
  EXPECT_EQ(strip_comments(render_config(second)), strip_comments(text));
  EXPECT_EQ(second.config.metadata, first.config.metadata);
  EXPECT_EQ(second.config.announce, first.config.announce);
  EXPECT_EQ(second.config.profile, Profile::relay);
  EXPECT_EQ(second.config.connection_manager.max_connections, 1000u);
  EXPECT_EQ(second.config.relay.server, true);
}

// --- features not built --------------------------------------------------------------------

TEST(NodeConfig, UnimplementedFeaturesListsEnabledOnesTheBuildLacks) {
  auto s = base();
  s.flags = {{"bootstrap-peer", "/ip4/1.2.3.4/tcp/4001/p2p/" + kPeer}, {"relay-server", "1"}};
  auto l = load_ok(s);
  const std::string_view built[] = {"dht", "bootstrap"};
  auto missing = unimplemented_features(l, built);
  std::vector<std::string> names;
  for (const auto& f : missing) names.push_back(f.feature);
  EXPECT_EQ(names, (std::vector<std::string>{"gossipsub", "relay", "relay-server", "autonat", "dcutr"}));
  EXPECT_EQ(missing[2].key, "relay.server");
  EXPECT_EQ(missing[2].source, "flag:--relay-server");
  EXPECT_EQ(missing[0].source, "default");

  s.flags = {{"dht", "0"}, {"dht-server", "1"}, {"relay", "no"}, {"gossipsub", "no"}, {"autonat", "no"},
             {"upnp", "yes"}};
  l = load_ok(s);
  missing = unimplemented_features(l, {});
  ASSERT_EQ(missing.size(), 1u);  // dht-server needs dht; dcutr needs relay
  EXPECT_EQ(missing[0].feature, "upnp");
  EXPECT_EQ(missing[0].source, "flag:--upnp");
}

// --- data directory and config file location -----------------------------------------------

TEST(NodeConfig, DataDirResolution) {
  ConfigSources s;
  s.env["HOME"] = "/home/alice";
  auto d = resolve_data_dir(s);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->first, "/home/alice/.lotus-p2p");
  EXPECT_EQ(d->second, "default: $HOME/.lotus-p2p");
  s.env["LOTUS_P2P_DATA_DIR"] = "~/p2p";
  d = resolve_data_dir(s);
  EXPECT_EQ(d->first, "/home/alice/p2p");
  EXPECT_EQ(d->second, "env:LOTUS_P2P_DATA_DIR");
  s.data_dir = "/srv/lotus";
  d = resolve_data_dir(s);
  EXPECT_EQ(d->first, "/srv/lotus");
  EXPECT_EQ(d->second, "flag:--data-dir");

  ConfigSources none;
  auto e = resolve_data_dir(none);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, errc::no_data_dir);
  EXPECT_EQ(e.error().message, "config: no data directory: pass --data-dir or set LOTUS_P2P_DATA_DIR or HOME");
  none.data_dir = "";
  e = resolve_data_dir(none);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message, "config: invalid value for data_dir = \"\" (flag:--data-dir): allowed: a directory path");
  auto l = load_config_from_text(ConfigSources{}, std::nullopt, kFile);
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().code, errc::no_data_dir);
}

class NodeConfigFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "lotus_node_cfg_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    m_dir = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(m_dir); }
  void write(const std::filesystem::path& p, const std::string& text) {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  std::filesystem::path m_dir;
};

TEST_F(NodeConfigFiles, DefaultFileUnderTheDataDirIsReadWhenPresent) {
  ConfigSources s;
  s.env["HOME"] = m_dir.string();
  auto l = load_config(s);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_FALSE(l->config_file);  // missing default file is fine
  EXPECT_NE(render_config(*l).find("# config file: none\n"), std::string::npos);

  const auto file = m_dir / ".lotus-p2p" / "config.toml";
  write(file, "[nat]\nupnp = true\n");
  l = load_config(s);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_TRUE(l->config.nat.upnp);
  EXPECT_EQ(l->config_file, file);
  EXPECT_EQ(l->config_file_source, "default");
  EXPECT_EQ(l->provenance.at("nat.upnp"), "file:" + file.string() + ":2");
}

TEST_F(NodeConfigFiles, ExplicitConfigMustExist) {
  ConfigSources s;
  s.env["HOME"] = m_dir.string();
  s.config_file = m_dir / "missing.toml";
  auto l = load_config(s);
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().code, errc::file_unreadable);
  EXPECT_EQ(l.error().message,
            "config: cannot read config file " + (m_dir / "missing.toml").string() + " (flag:--config): no such file");
  s.config_file.reset();
  s.env["LOTUS_P2P_CONFIG"] = (m_dir / "env.toml").string();
  l = load_config(s);
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().source, "env:LOTUS_P2P_CONFIG");
  write(m_dir / "env.toml", "[log]\nformat = \"json\"\n");
  l = load_config(s);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->config.log.format, "json");
  EXPECT_EQ(l->config_file_source, "env:LOTUS_P2P_CONFIG");
  s.config_file = m_dir / "flag.toml";  // --config beats LOTUS_P2P_CONFIG
  write(m_dir / "flag.toml", "[log]\nformat = \"text\"\n");
  l = load_config(s);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->config.log.format, "text");
  EXPECT_EQ(l->config_file_source, "flag:--config");
}

TEST_F(NodeConfigFiles, OversizedFileIsRefused) {
  ConfigSources s;
  s.env["HOME"] = m_dir.string();
  s.config_file = m_dir / "big.toml";
  write(*s.config_file, std::string((1 << 20) + 1, '#'));
  auto l = load_config(s);
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().code, errc::file_unreadable);
  EXPECT_NE(l.error().message.find("larger than 1 MiB"), std::string::npos);
}

}  // namespace
}  // namespace lotus::node

namespace lotus::node {
namespace {

// docs/lotus-p2pd.example.toml documents every key with its default: it must load, and give
// exactly the defaults.
TEST(NodeConfig, DocumentedExampleFileLoadsToTheDefaults) {
  const std::filesystem::path example = std::filesystem::path(LOTUS_VECTORS_DIR) / ".." / ".." / "docs" /
                                        "lotus-p2pd.example.toml";
  std::ifstream in(example);
  ASSERT_TRUE(in) << example;
  std::stringstream text;
  text << in.rdbuf();
  auto from_file = load_ok(base(), text.str());
  auto defaults = load_ok(base());
  EXPECT_EQ(strip_comments(render_config(from_file)), strip_comments(render_config(defaults)));
  // Every key is present in the file.
  for (const auto& k : config_keys()) {
    EXPECT_EQ(from_file.provenance.at(k).rfind("file:", 0), 0u) << k;
  }
}

}  // namespace
}  // namespace lotus::node
