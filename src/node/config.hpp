// Configuration layer of the node daemon (lotus-p2pd): the effective NodeConfig built from
// layered sources, with the origin of every value.
//
// Precedence, lowest first:
//   built-in defaults -> --profile preset -> TOML file -> environment -> command-line flags
// The keys mirror the seed's P2PConfig (listen, announce, bootstrapPeers, enableDHT,
// dhtProtocol, enableDHTServer, enableGossipSub, enableRelay, enableRelayServer,
// enableAutoNAT, enableDCUTR, enableUPnP, connectionManager.{min,max}Connections,
// securityConfig, metadata) in snake_case TOML naming, plus daemon keys of its own (the
// host's connection limits, log, api, peer_store); the defaults are the ones the
// reference coordinator applies (lotus-wire.md §1). The file format, environment names and
// flag names are documented in docs/configuration.md. Each key is declared once, in
// config_schema.cpp (name, kind, default, range, flags, environment names, help, profile
// values and the NodeConfig field it binds to): a new key is its NodeConfig field plus one
// declaration there.
//
// The library never reads the process environment, the clock or argv itself: the caller
// passes them in ConfigSources, so tests are hermetic. The only I/O is reading the config
// file (load_config) and probing whether the default file exists.
//
// Deliberately not done here: creating the data directory or the identity key (the daemon
// does that at start), relayMonitoring (declared but unused by the reference), the
// dhtPeerInfoMapper (a function, not configuration), privateKey (the identity file in the
// data directory replaces it), and the ignored top-level P2PConfig.maxConnections.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include "base/error.hpp"
#include "multiformats/multiaddr.hpp"

namespace lotus::node {

enum class errc {
  invalid_value = 1,  // a value outside what the key allows (message names key, value, allowed)
  unknown_key,        // a key, environment variable or flag this build does not know
  parse_error,        // the TOML file is malformed
  file_unreadable,    // the config file cannot be read (missing explicit file, too large, …)
  no_data_dir,        // no --data-dir, no LOTUS_P2P_DATA_DIR and no HOME
};
const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

// Everything the caller knows about one configuration failure. `message` is the complete
// one-line text to print before refusing to start, e.g.
//   config: invalid value for connection_manager.max_connections = "0" (env:P2P_MAX_CONNECTIONS): allowed: an integer 1..100000
struct ConfigError {
  errc code = errc::invalid_value;
  std::string key;      // dotted key ("dht.protocol"), env name or flag; empty if none
  std::string value;    // the offending value as written; empty if none
  std::string source;   // provenance of the value ("file:/x/config.toml:7"); empty if none
  std::string message;  // full human-readable message
};

// A value or a ConfigError (configuration errors need more than an error_code can carry).
template <class T>
class [[nodiscard]] ConfigResult {
 public:
  ConfigResult(T value) : m_v(std::in_place_index<0>, std::move(value)) {}         // NOLINT
  ConfigResult(ConfigError error) : m_v(std::in_place_index<1>, std::move(error)) {}  // NOLINT
  bool has_value() const noexcept { return m_v.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }
  T& value() & { return std::get<0>(m_v); }
  const T& value() const& { return std::get<0>(m_v); }
  T&& value() && { return std::get<0>(std::move(m_v)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  const ConfigError& error() const { return std::get<1>(m_v); }
  std::error_code error_code() const {
    return has_value() ? std::error_code{} : make_error_code(error().code);
  }

 private:
  std::variant<T, ConfigError> m_v;
};

enum class Profile { none, wallet, full, bootstrap, relay };
std::string_view to_string(Profile p) noexcept;

// The effective configuration, typed and validated.
struct NodeConfig {
  Profile profile = Profile::none;
  std::vector<mf::Multiaddr> listen;           // default /ip4/0.0.0.0/tcp/0
  std::vector<mf::Multiaddr> announce;         // default none
  std::vector<mf::Multiaddr> bootstrap_peers;  // each ends in /p2p/<peer-id>
  struct Dht {
    bool enabled = true;
    std::string protocol = "/lotus/kad/1.0.0";
    bool server = false;  // false = client mode (queries only)
    // Bounds of what the DHT holds (dht::Config, kad::HandlerConfig, SqliteRecordStoreConfig).
    std::uint32_t max_records = 65536;           // records stored for others and ours
    std::uint32_t max_store_mib = 256;           // their keys + values
    std::uint32_t max_records_per_peer = 64;     // one remote peer's records we store
    std::uint32_t max_kib_per_peer = 2048;       // and their bytes
    std::uint32_t max_provider_keys_per_peer = 256;
    std::uint32_t max_local_keys = 1024;         // our own put/provide keys (republished)
  } dht;
  struct GossipSub {
    bool enabled = true;
  } gossipsub;
  struct Relay {
    bool enabled = true;   // circuit relay v2 transport (dial/listen through relays)
    bool server = false;   // act as a relay (hop) for others
  } relay;
  struct Nat {
    bool autonat = true;
    bool dcutr = true;     // effective only with relay.enabled (as in the reference)
    bool upnp = false;
  } nat;
  struct ConnectionManager {
    std::uint32_t min_connections = 10;
    std::uint32_t max_connections = 50;
    // The host's connection manager limits (host::ConnLimits, see host/conn_manager.hpp);
    // not in the seed's P2PConfig. Defaults are the library's.
    std::uint32_t grace_period_seconds = 20;  // new connections are not trimmed for this long
    std::uint32_t max_inbound_per_ip = 8;     // inbound connections (upgrading or open) per IP
    std::uint32_t inbound_connections_per_second = 20;  // token bucket refill, all IPs together
    std::uint32_t inbound_burst = 40;         // token bucket capacity
    bool limit_loopback = false;              // apply the two inbound limits to 127/8 and ::1 too
    std::uint32_t max_pending_dials = 64;     // outbound dials in flight
    std::uint32_t max_streams_per_connection = 1024;
    std::uint32_t max_inbound_streams_per_protocol = 256;  // handlers running, per connection
    // Fairness between sources (host::ConnLimits): one IP, one /24 (IPv4) or /48 (IPv6) cannot
    // take the whole inbound rate, and sockets still handshaking have their own cap.
    std::uint32_t max_inbound_per_subnet = 32;
    std::uint32_t inbound_per_ip_per_second = 5;      // each IP's own token bucket (burst 2×)
    std::uint32_t inbound_per_subnet_per_second = 10;  // each subnet's (burst 2×)
    std::uint32_t max_handshaking = 256;               // inbound sockets not yet upgraded
  } connection_manager;
  struct Security {
    bool disable_rate_limiting = false;
    std::uint64_t min_dht_announcement_interval_ms = 30000;  // customLimits override
    std::uint32_t max_message_size = 100000;      // customLimits.MAX_P2P_MESSAGE_SIZE (enforced)
    std::uint32_t max_messages_per_second = 200;  // ours: inbound P2P messages per peer (burst 2×)
    std::uint32_t max_dht_resources_per_peer = 100;          // customLimits.MAX_DHT_RESOURCES_PER_PEER
    std::uint32_t max_dht_resources_per_type_per_peer = 20;  // customLimits.MAX_DHT_RESOURCES_PER_TYPE_PER_PEER
    std::uint32_t max_dht_record_size = 10000;               // ours: one announced record, bytes
  } security;
  struct Coordinator {
    // Ours: broadcasts marked network-wide also go over GossipSub (needs gossipsub.enabled).
    bool network_broadcast = false;
  } coordinator;
  std::map<std::string, std::string> metadata;
  struct Log {
    // "<level>" or "<level>,<component>=<level>,…" (a component-only list keeps info as the
    // default); levels: trace debug info warn error off. Parsed by node/logging.hpp.
    std::string level = "info";
    std::string format = "text";  // text json
  } log;
  struct Api {
    // Where the control API listens: "unix" (<data dir>/control.sock, mode 0600),
    // "unix:<path>", "127.0.0.1:<port>", "[::1]:<port>", "localhost:<port>" (port 0 = any free
    // port; the daemon writes the endpoint it bound to <data dir>/api), or "off".
    // Never a public interface: other hosts are refused.
    std::string listen = "unix";
    // On TCP, every request must carry the token of <data dir>/api.token (created 0600 at
    // start; lotus-p2p reads it): "Authorization: Bearer <token>". The Unix socket relies on
    // its file mode (0600) instead.
    bool require_token = true;
    std::uint32_t max_connections = 64;        // concurrent clients (slow ones are evicted first)
    std::uint32_t header_timeout_ms = 5000;    // a request's header must arrive within this
    std::uint32_t request_timeout_ms = 30000;  // the whole request (header and body)
    std::uint32_t max_stream_buffer_kib = 1024;  // a streaming reply's unsent items; beyond: cut
  } api;
  struct PeerDb {
    bool enabled = true;           // persist known peers in <data dir>/peers.sqlite
    std::uint32_t redial = 8;      // known good peers redialled at start (0 = none)
    std::uint32_t max_peers = 1000;  // rows; peers without a dialable address are evicted first
  } peer_store;
  struct Tls {
    // PEM certificate chain and private key for /tls/ws listen addresses (relative: in the
    // data directory). Both or neither; without them /tls/ws addresses are skipped.
    std::string cert_file;
    std::string key_file;
    // Dialing /tls/ws: verify the server's chain and host name, against dial_ca_file (PEM,
    // relative: in the data directory) or, when empty, the system store. false: accept any
    // certificate (the Noise handshake still authenticates the peer id).
    bool dial_verify = true;
    std::string dial_ca_file;
  } tls;
  struct Chain {
    // Chain access (src/chronik): NNG Chronik servers, http:// or https://, tried in order with
    // failover (chronik::Client). Empty: chain access is off and the chain commands say so.
    std::vector<std::string> chronik_urls;
    std::uint32_t timeout_ms = 0;          // every request's timeout; 0: per-endpoint defaults (10-30 s)
    std::uint32_t poll_interval_ms = 5000;  // confirmation waits and address watches without /ws
    std::string ca_file;  // PEM CA certificates for https (relative: in the data dir); empty: system store
  } chain;
};

// Where each value came from, e.g. "default", "profile:wallet", "file:/h/.lotus-p2p/config.toml:12",
// "env:P2P_MAX_CONNECTIONS", "flag:--max-connections". Keyed by dotted key ("dht.enabled").
using Provenance = std::map<std::string, std::string>;

struct LoadedConfig {
  NodeConfig config;
  Provenance provenance;
  std::filesystem::path data_dir;
  std::string data_dir_source;  // "flag:--data-dir", "env:LOTUS_P2P_DATA_DIR", "default: $HOME/.lotus-p2p"
  // The config file that was read, if any, and how it was chosen ("flag:--config",
  // "env:LOTUS_P2P_CONFIG", "default"). A missing default file is not an error.
  std::optional<std::filesystem::path> config_file;
  std::string config_file_source;
};

struct ConfigSources {
  // Command-line options already split into (name, value), name without the leading "--":
  // {"max-connections","100"}, {"listen","/ip4/0.0.0.0/tcp/4001"}, {"dht-server",""} (a bare
  // boolean flag means true). Repeating a list flag appends. Unknown names are errors, so
  // pass only configuration flags (not --print-config, --config, --data-dir).
  std::vector<std::pair<std::string, std::string>> flags;
  // The process environment (only P2P_* and LOTUS_P2P_* are looked at; HOME for the data dir).
  std::map<std::string, std::string> env;
  std::optional<std::filesystem::path> config_file;  // --config
  std::optional<std::filesystem::path> data_dir;     // --data-dir
};

// Resolves the data directory: --data-dir, else LOTUS_P2P_DATA_DIR, else $HOME/.lotus-p2p.
// A leading "~/" is expanded with HOME. Does not touch the file system.
ConfigResult<std::pair<std::filesystem::path, std::string>> resolve_data_dir(
    const ConfigSources& sources);

// Builds the effective configuration. Reads the config file: --config (must exist), else
// LOTUS_P2P_CONFIG (must exist), else <data dir>/config.toml if it exists.
ConfigResult<LoadedConfig> load_config(const ConfigSources& sources);

// As load_config, with the file's text given (tests, --config -); `file_name` is used in
// provenance and messages. `file_text == nullopt` means no file.
ConfigResult<LoadedConfig> load_config_from_text(const ConfigSources& sources,
                                                 const std::optional<std::string>& file_text,
                                                 const std::string& file_name);

// The effective configuration as TOML, each value followed by a comment naming its source
// (what `lotus-p2pd --print-config` prints). The output parses back to the same values.
std::string render_config(const LoadedConfig& loaded);

// Feature names, as used by unimplemented_features: "dht", "dht-server", "gossipsub",
// "relay", "relay-server", "autonat", "dcutr", "upnp", "bootstrap".
struct UnbuiltFeature {
  std::string feature;  // e.g. "gossipsub"
  std::string key;      // the key that enables it, e.g. "gossipsub.enabled"
  std::string source;   // provenance of that key's value
};
// The features the configuration enables that this build does not implement (in key order),
// for the start-up report. `implemented` lists the feature names the build has.
std::vector<UnbuiltFeature> unimplemented_features(const LoadedConfig& loaded,
                                                   std::span<const std::string_view> implemented);

// All dotted keys the file accepts, in documentation order (for help texts and tests).
std::vector<std::string> config_keys();

// Command-line parsing help for the daemon: whether `name` (without "--") is a known
// configuration flag, and whether it is a boolean (a bare flag; a value only as --name=value).
// nullopt: not a configuration flag.
std::optional<bool> config_flag_is_boolean(std::string_view name);

// The flag names (canonical first, without "--") and environment names of a key, for help.
struct KeyHelp {
  std::string key;
  std::vector<std::string> flags;
  std::vector<std::string> env;
  std::string allowed;  // what the key accepts
  std::string help;     // one line: what the key does
};
std::vector<KeyHelp> config_help();

}  // namespace lotus::node

LOTUS_ERRC_ENUM(lotus::node::errc)
