// The configuration keys (see config_schema.hpp): their declarations, the binding of each to
// its NodeConfig field, lookup, and the rules across keys.
#include "node/config_schema.hpp"

#include <algorithm>
#include <cctype>
#include <type_traits>

#include "node/config_values.hpp"

namespace lotus::node {

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

namespace config_detail {
namespace {

constexpr std::uint64_t k_max_conn = 100000;
constexpr std::uint64_t k_max_streams = 65536;
// Every Profile, in the order of the "profile" key's choices.
constexpr Profile k_profiles[] = {Profile::none, Profile::wallet, Profile::full, Profile::bootstrap,
                                  Profile::relay};

std::vector<std::string_view> profile_names() {
  std::vector<std::string_view> out;
  for (Profile p : k_profiles) out.push_back(to_string(p));
  return out;
}

// --- binding -------------------------------------------------------------------------------
// One overload pair per field type. Only field() below is a template, and it only forwards to
// these, so declaring a key instantiates two one-line functions. The value already has the
// key's kind (parsed and validated), and integer ranges fit the field (the tests check both).

void assign(bool& f, const Value& v) { f = std::get<bool>(v); }
void assign(std::uint32_t& f, const Value& v) { f = static_cast<std::uint32_t>(std::get<std::uint64_t>(v)); }
void assign(std::uint64_t& f, const Value& v) { f = std::get<std::uint64_t>(v); }
void assign(std::string& f, const Value& v) { f = std::get<std::string>(v); }
void assign(StringMap& f, const Value& v) { f = std::get<StringMap>(v); }
void assign(std::vector<mf::Multiaddr>& f, const Value& v) {
  f.clear();
  for (const auto& t : std::get<std::vector<std::string>>(v)) f.push_back(mf::Multiaddr::parse(t).value());
}
void assign(std::vector<std::string>& f, const Value& v) { f = std::get<std::vector<std::string>>(v); }
void assign(Profile& f, const Value& v) {
  const auto& name = std::get<std::string>(v);
  f = Profile::none;
  for (Profile p : k_profiles)
    if (name == to_string(p)) f = p;
}

Value value_of(bool f) { return f; }
Value value_of(std::uint32_t f) { return std::uint64_t{f}; }
Value value_of(std::uint64_t f) { return f; }
Value value_of(const std::string& f) { return f; }
Value value_of(const StringMap& f) { return f; }
Value value_of(const std::vector<mf::Multiaddr>& f) {
  std::vector<std::string> out;
  out.reserve(f.size());
  for (const auto& a : f) out.push_back(a.to_string());
  return out;
}
Value value_of(const std::vector<std::string>& f) { return f; }
Value value_of(Profile f) { return std::string(to_string(f)); }

// The binding of a field, given as a captureless generic lambda that selects it:
//   field([](auto& c) -> auto& { return c.dht.server; })
// The lambda is called with NodeConfig& (set) and const NodeConfig& (get), so one selector
// serves both directions and the field's type picks the conversion.
template <class Select>
Binding field(Select) {
  static_assert(std::is_empty_v<Select>, "the selector must not capture");
  return {[](NodeConfig& c, const Value& v) { assign(Select{}(c), v); },
          [](const NodeConfig& c) { return value_of(Select{}(c)); }};
}

// --- declaration ---------------------------------------------------------------------------
// A key is declared as one chain, starting with its kind:
//   integer("peer_store.redial", 8, 0, 1000).flags({"peer-store-redial", "redial"})
//       .help("...").bind(field(...))

class Key {
 public:
  Key(std::string_view key, Kind kind, Value def, std::uint64_t min = 0, std::uint64_t max = 0,
      std::vector<std::string_view> choices = {}) {
    m_def.key = key;
    m_def.kind = kind;
    m_def.def = std::move(def);
    m_def.min = min;
    m_def.max = max;
    m_def.choices = std::move(choices);
  }
  Key&& flags(std::vector<std::string_view> names) && {  // canonical first
    m_def.flags = std::move(names);
    return std::move(*this);
  }
  Key&& seed_env(std::vector<std::string_view> names) && {
    m_def.seed_env = std::move(names);
    return std::move(*this);
  }
  Key&& help(std::string_view text) && {
    m_def.help = text;
    return std::move(*this);
  }
  // The value `profile` gives the key (an integer or a bool, as the key's kind).
  template <class T>
  Key&& profile(std::string_view profile, T v) && {
    static_assert(std::is_integral_v<T>);
    if constexpr (std::is_same_v<T, bool>)
      m_def.profiles.push_back({profile, Value(v)});
    else
      m_def.profiles.push_back({profile, Value(static_cast<std::uint64_t>(v))});
    return std::move(*this);
  }
  Key&& bind(Binding b) && {
    m_def.bind = b;
    return std::move(*this);
  }
  operator KeyDef() && { return std::move(m_def); }  // NOLINT: the end of a declaration

 private:
  KeyDef m_def;
};

Key boolean(std::string_view key, bool def) { return Key(key, Kind::boolean, def); }
Key integer(std::string_view key, std::uint64_t def, std::uint64_t min, std::uint64_t max) {
  return Key(key, Kind::integer, def, min, max);
}
Key choice(std::string_view key, std::string_view def, std::vector<std::string_view> choices) {
  return Key(key, Kind::choice, std::string(def), 0, 0, std::move(choices));
}
// protocol_id, log_levels, api_endpoint, file_path
Key text(std::string_view key, Kind kind, std::string_view def) {
  return Key(key, kind, std::string(def));
}
// listen_addrs, announce_addrs, peer_addrs, url_list
Key addresses(std::string_view key, Kind kind, std::vector<std::string> def) {
  return Key(key, kind, std::move(def));
}
Key table(std::string_view key) { return Key(key, Kind::string_map, StringMap{}); }

// Profiles: the watermarks follow the seed's "Recommended Configurations" (min = lower end of
// the recommended minimum, max = upper end of the recommended maximum); the inbound limits
// are our choice per role: a wallet expects few inbound connections, a bootstrap node many
// short-lived ones (shorter grace period), a relay many clients behind shared (carrier-grade
// NAT) addresses. A profile sets the same keys whatever their default, so that their
// provenance names it.
std::vector<KeyDef> declare() {
  using V = std::vector<std::string>;
  std::vector<KeyDef> d;
  d.push_back(choice("profile", "none", profile_names())
      .flags({"profile"})
      .help("role preset applied below the file: connection limits and server modes")
      .bind(field([](auto& c) -> auto& { return c.profile; })));
  d.push_back(addresses("listen", Kind::listen_addrs, V{"/ip4/0.0.0.0/tcp/0"})
      .flags({"listen"})
      .help("addresses to listen on (TCP port 0: any free port)")
      .bind(field([](auto& c) -> auto& { return c.listen; })));
  d.push_back(addresses("announce", Kind::announce_addrs, V{})
      .flags({"announce"})
      .help("addresses to advertise to peers, e.g. the public one behind NAT")
      .bind(field([](auto& c) -> auto& { return c.announce; })));
  d.push_back(addresses("bootstrap_peers", Kind::peer_addrs, V{})
      .flags({"bootstrap-peers", "bootstrap-peer"})
      .help("peers dialled at start, kept connected and redialled when they drop")
      .bind(field([](auto& c) -> auto& { return c.bootstrap_peers; })));
  d.push_back(boolean("dht.enabled", true)
      .flags({"dht-enabled", "dht"})
      .help("run the Kademlia DHT")
      .bind(field([](auto& c) -> auto& { return c.dht.enabled; })));
  d.push_back(text("dht.protocol", Kind::protocol_id, "/lotus/kad/1.0.0")
      .flags({"dht-protocol"})
      .help("the Kademlia protocol id of the DHT (the nodes of one network share it)")
      .bind(field([](auto& c) -> auto& { return c.dht.protocol; })));
  d.push_back(boolean("dht.server", false)
      .flags({"dht-server"})
      .help("answer other peers' DHT queries (false: client mode, queries only)")
      .profile("wallet", false).profile("full", true).profile("bootstrap", true).profile("relay", true)
      .bind(field([](auto& c) -> auto& { return c.dht.server; })));
  d.push_back(integer("dht.max_records", 65536, 16, 10000000)
      .flags({"dht-max-records"})
      .help("records the DHT store holds (for others and ours)")
      .bind(field([](auto& c) -> auto& { return c.dht.max_records; })));
  d.push_back(integer("dht.max_store_mib", 256, 1, 1048576)
      .flags({"dht-max-store-mib"})
      .help("MiB of keys and values the DHT store holds")
      .bind(field([](auto& c) -> auto& { return c.dht.max_store_mib; })));
  d.push_back(integer("dht.max_records_per_peer", 64, 1, 10000000)
      .flags({"dht-max-records-per-peer"})
      .help("records one remote peer may have in our DHT store")
      .bind(field([](auto& c) -> auto& { return c.dht.max_records_per_peer; })));
  d.push_back(integer("dht.max_kib_per_peer", 2048, 1, 1048576)
      .flags({"dht-max-kib-per-peer"})
      .help("KiB of keys and values one remote peer may have in our DHT store")
      .bind(field([](auto& c) -> auto& { return c.dht.max_kib_per_peer; })));
  d.push_back(integer("dht.max_provider_keys_per_peer", 256, 1, 10000000)
      .flags({"dht-max-provider-keys-per-peer"})
      .help("keys one remote peer may be recorded as a provider of")
      .bind(field([](auto& c) -> auto& { return c.dht.max_provider_keys_per_peer; })));
  d.push_back(integer("dht.max_local_keys", 1024, 1, 1000000)
      .flags({"dht-max-local-keys"})
      .help("keys this node puts or provides itself (kept and republished)")
      .bind(field([](auto& c) -> auto& { return c.dht.max_local_keys; })));
  d.push_back(boolean("gossipsub.enabled", true)
      .flags({"gossipsub-enabled", "gossipsub"})
      .help("run GossipSub (publish/subscribe)")
      .bind(field([](auto& c) -> auto& { return c.gossipsub.enabled; })));
  d.push_back(boolean("relay.enabled", true)
      .flags({"relay-enabled", "relay"})
      .help("use the circuit relay v2 transport: dial and listen through relays")
      .bind(field([](auto& c) -> auto& { return c.relay.enabled; })));
  d.push_back(boolean("relay.server", false)
      .flags({"relay-server"})
      .help("act as a circuit relay (hop) for other peers")
      .profile("wallet", false).profile("full", false).profile("bootstrap", true).profile("relay", true)
      .bind(field([](auto& c) -> auto& { return c.relay.server; })));
  d.push_back(boolean("nat.autonat", true)
      .flags({"nat-autonat", "autonat"})
      .help("find out whether the node is reachable from outside (AutoNAT)")
      .bind(field([](auto& c) -> auto& { return c.nat.autonat; })));
  d.push_back(boolean("nat.dcutr", true)
      .flags({"nat-dcutr", "dcutr"})
      .help("upgrade relayed connections to direct ones (DCUtR; only with relay.enabled)")
      .bind(field([](auto& c) -> auto& { return c.nat.dcutr; })));
  d.push_back(boolean("nat.upnp", false)
      .flags({"nat-upnp", "upnp"})
      .help("open the listen port on the router with UPnP")
      .bind(field([](auto& c) -> auto& { return c.nat.upnp; })));
  d.push_back(integer("connection_manager.min_connections", 10, 0, k_max_conn)
      .flags({"connection-manager-min-connections", "min-connections"})
      .seed_env({"P2P_MIN_CONNECTIONS"})
      .help("below this many connections the bootstrap and known peers are dialled")
      .profile("wallet", 5).profile("full", 10).profile("bootstrap", 20).profile("relay", 50)
      .bind(field([](auto& c) -> auto& { return c.connection_manager.min_connections; })));
  d.push_back(integer("connection_manager.max_connections", 50, 1, k_max_conn)
      .flags({"connection-manager-max-connections", "max-connections"})
      .seed_env({"P2P_MAX_CONNECTIONS"})
      .help("above this many connections the least valuable ones are trimmed")
      .profile("wallet", 50).profile("full", 100).profile("bootstrap", 500).profile("relay", 1000)
      .bind(field([](auto& c) -> auto& { return c.connection_manager.max_connections; })));
  // The host's connection manager limits (host::ConnLimits); the defaults are the library's.
  d.push_back(integer("connection_manager.grace_period_seconds", 20, 0, 86400)
      .flags({"connection-manager-grace-period-seconds", "grace-period-seconds"})
      .help("seconds a new connection is safe from trimming")
      .profile("wallet", 20).profile("full", 20).profile("bootstrap", 10).profile("relay", 20)
      .bind(field([](auto& c) -> auto& { return c.connection_manager.grace_period_seconds; })));
  d.push_back(integer("connection_manager.max_inbound_per_ip", 8, 1, k_max_conn)
      .flags({"connection-manager-max-inbound-per-ip", "max-inbound-per-ip"})
      .help("inbound connections (handshaking or open) per IP address")
      .profile("wallet", 4).profile("full", 8).profile("bootstrap", 16).profile("relay", 32)
      .bind(field([](auto& c) -> auto& { return c.connection_manager.max_inbound_per_ip; })));
  d.push_back(integer("connection_manager.inbound_connections_per_second", 20, 1, k_max_conn)
      .flags({"connection-manager-inbound-connections-per-second", "inbound-connections-per-second"})
      .help("new inbound connections per second from all IPs (token bucket refill)")
      .profile("wallet", 5).profile("full", 20).profile("bootstrap", 50).profile("relay", 100)
      .bind(field([](auto& c) -> auto& { return c.connection_manager.inbound_connections_per_second; })));
  d.push_back(integer("connection_manager.inbound_burst", 40, 1, k_max_conn)
      .flags({"connection-manager-inbound-burst", "inbound-burst"})
      .help("new inbound connections accepted at once (token bucket capacity)")
      .profile("wallet", 10).profile("full", 40).profile("bootstrap", 100).profile("relay", 200)
      .bind(field([](auto& c) -> auto& { return c.connection_manager.inbound_burst; })));
  d.push_back(boolean("connection_manager.limit_loopback", false)
      .flags({"connection-manager-limit-loopback", "limit-loopback"})
      .help("apply the per-IP and inbound rate limits to 127/8 and ::1 too")
      .bind(field([](auto& c) -> auto& { return c.connection_manager.limit_loopback; })));
  d.push_back(integer("connection_manager.max_pending_dials", 64, 1, 10000)
      .flags({"connection-manager-max-pending-dials", "max-pending-dials"})
      .help("outbound dials in flight")
      .profile("wallet", 16).profile("full", 64).profile("bootstrap", 128).profile("relay", 128)
      .bind(field([](auto& c) -> auto& { return c.connection_manager.max_pending_dials; })));
  // At least 8: the node's own protocols (identify, ping, DHT, gossipsub) share the connection.
  d.push_back(integer("connection_manager.max_streams_per_connection", 1024, 8, k_max_streams)
      .flags({"connection-manager-max-streams-per-connection", "max-streams-per-connection"})
      .help("streams on one connection, both directions")
      .bind(field([](auto& c) -> auto& { return c.connection_manager.max_streams_per_connection; })));
  d.push_back(integer("connection_manager.max_inbound_streams_per_protocol", 256, 1, k_max_streams)
      .flags({"connection-manager-max-inbound-streams-per-protocol", "max-inbound-streams-per-protocol"})
      .help("inbound streams of one protocol on one connection with a running handler")
      .bind(field([](auto& c) -> auto& { return c.connection_manager.max_inbound_streams_per_protocol; })));
  d.push_back(integer("connection_manager.max_inbound_per_subnet", 32, 1, k_max_conn)
      .flags({"connection-manager-max-inbound-per-subnet", "max-inbound-per-subnet"})
      .help("inbound connections (handshaking or open) per /24 (IPv4) or /48 (IPv6)")
      .profile("wallet", 16).profile("full", 32).profile("bootstrap", 64).profile("relay", 128)
      .bind(field([](auto& c) -> auto& { return c.connection_manager.max_inbound_per_subnet; })));
  d.push_back(integer("connection_manager.inbound_per_ip_per_second", 5, 1, k_max_conn)
      .flags({"connection-manager-inbound-per-ip-per-second", "inbound-per-ip-per-second"})
      .help("new inbound connections per second from one IP (its own bucket, burst twice that)")
      .bind(field([](auto& c) -> auto& { return c.connection_manager.inbound_per_ip_per_second; })));
  d.push_back(integer("connection_manager.inbound_per_subnet_per_second", 10, 1, k_max_conn)
      .flags({"connection-manager-inbound-per-subnet-per-second", "inbound-per-subnet-per-second"})
      .help("new inbound connections per second from one /24 or /48 (burst twice that)")
      .bind(field([](auto& c) -> auto& { return c.connection_manager.inbound_per_subnet_per_second; })));
  d.push_back(integer("connection_manager.max_handshaking", 256, 1, k_max_conn)
      .flags({"connection-manager-max-handshaking", "max-handshaking"})
      .help("inbound sockets still in the handshake (apart from established connections)")
      .bind(field([](auto& c) -> auto& { return c.connection_manager.max_handshaking; })));
  d.push_back(boolean("security.disable_rate_limiting", false)
      .flags({"security-disable-rate-limiting", "disable-rate-limiting"})
      .help("lift the inbound per-IP and rate limits (tests, private networks)")
      .bind(field([](auto& c) -> auto& { return c.security.disable_rate_limiting; })));
  d.push_back(integer("security.min_dht_announcement_interval_ms", 30000, 0, 86400000)
      .flags({"security-min-dht-announcement-interval-ms"})
      .help("least milliseconds between DHT announcements (the seed's customLimits)")
      .bind(field([](auto& c) -> auto& { return c.security.min_dht_announcement_interval_ms; })));
  d.push_back(integer("security.max_message_size", 100000, 1024, 16777216)
      .flags({"security-max-message-size"})
      .help("largest P2P message accepted on /lotus/message/1.0.0, bytes (the seed's customLimits)")
      .bind(field([](auto& c) -> auto& { return c.security.max_message_size; })));
  d.push_back(integer("security.max_messages_per_second", 200, 1, 1000000)
      .flags({"security-max-messages-per-second"})
      .help("P2P messages one peer may send per second (burst twice that; ours, not the seed's)")
      .bind(field([](auto& c) -> auto& { return c.security.max_messages_per_second; })));
  d.push_back(integer("security.max_dht_resources_per_peer", 100, 1, 100000)
      .flags({"security-max-dht-resources-per-peer"})
      .help("DHT resources one peer (this node too) may have announced at once (the seed's customLimits)")
      .bind(field([](auto& c) -> auto& { return c.security.max_dht_resources_per_peer; })));
  d.push_back(integer("security.max_dht_resources_per_type_per_peer", 20, 1, 100000)
      .flags({"security-max-dht-resources-per-type-per-peer"})
      .help("DHT resources of one type one peer may have announced at once (the seed's customLimits)")
      .bind(field([](auto& c) -> auto& { return c.security.max_dht_resources_per_type_per_peer; })));
  d.push_back(integer("security.max_dht_record_size", 10000, 256, 32768)
      .flags({"security-max-dht-record-size"})
      .help("largest DHT resource record announced, bytes (ours, not the seed's)")
      .bind(field([](auto& c) -> auto& { return c.security.max_dht_record_size; })));
  d.push_back(boolean("coordinator.network_broadcast", false)
      .flags({"coordinator-network-broadcast", "network-broadcast"})
      .help("broadcasts marked network-wide also travel over GossipSub (ours; needs gossipsub)")
      .bind(field([](auto& c) -> auto& { return c.coordinator.network_broadcast; })));
  d.push_back(table("metadata")
      .flags({"metadata"})
      .help("free-form key=value strings about the node")
      .bind(field([](auto& c) -> auto& { return c.metadata; })));
  d.push_back(text("log.level", Kind::log_levels, "info")
      .flags({"log-level"})
      .help("which log records are written, per component if wanted")
      .bind(field([](auto& c) -> auto& { return c.log.level; })));
  d.push_back(choice("log.format", "text", {"text", "json"})
      .flags({"log-format"})
      .help("log records as text lines or as JSON objects")
      .bind(field([](auto& c) -> auto& { return c.log.format; })));
  d.push_back(text("api.listen", Kind::api_endpoint, "unix")
      .flags({"api-listen"})
      .help("where the control API (lotus-p2p) listens; the bound endpoint goes to <data dir>/api")
      .bind(field([](auto& c) -> auto& { return c.api.listen; })));
  d.push_back(boolean("api.require_token", true)
      .flags({"api-require-token"})
      .help("on TCP, require the token of <data dir>/api.token in every request")
      .bind(field([](auto& c) -> auto& { return c.api.require_token; })));
  d.push_back(integer("api.max_connections", 64, 1, 10000)
      .flags({"api-max-connections"})
      .help("concurrent control API clients (the slowest idle ones make room)")
      .bind(field([](auto& c) -> auto& { return c.api.max_connections; })));
  d.push_back(integer("api.header_timeout_ms", 5000, 100, 600000)
      .flags({"api-header-timeout-ms"})
      .help("milliseconds a control API request's header may take")
      .bind(field([](auto& c) -> auto& { return c.api.header_timeout_ms; })));
  d.push_back(integer("api.request_timeout_ms", 30000, 100, 600000)
      .flags({"api-request-timeout-ms"})
      .help("milliseconds a whole control API request (header and body) may take")
      .bind(field([](auto& c) -> auto& { return c.api.request_timeout_ms; })));
  d.push_back(integer("api.max_stream_buffer_kib", 1024, 16, 1048576)
      .flags({"api-max-stream-buffer-kib"})
      .help("KiB a streaming reply (pubsub.sub, …) may hold for a slow client before it is cut")
      .bind(field([](auto& c) -> auto& { return c.api.max_stream_buffer_kib; })));
  d.push_back(boolean("peer_store.enabled", true)
      .flags({"peer-store-enabled", "peer-store"})
      .help("remember known peers in <data dir>/peers.sqlite")
      .bind(field([](auto& c) -> auto& { return c.peer_store.enabled; })));
  d.push_back(integer("peer_store.redial", 8, 0, 1000)
      .flags({"peer-store-redial", "redial"})
      .help("known good peers redialled at start (0: none)")
      .bind(field([](auto& c) -> auto& { return c.peer_store.redial; })));
  d.push_back(integer("peer_store.max_peers", 1000, 10, 1000000)
      .flags({"peer-store-max-peers"})
      .help("peers remembered in peers.sqlite (those without a dialable address go first)")
      .bind(field([](auto& c) -> auto& { return c.peer_store.max_peers; })));
  // Certificate chain and private key (PEM) for /tls/ws listen addresses; relative paths are
  // in the data directory. Both or neither (a rule below).
  d.push_back(text("tls.cert_file", Kind::file_path, "")
      .flags({"tls-cert-file"})
      .help("PEM certificate chain for /tls/ws listen addresses (with tls.key_file)")
      .bind(field([](auto& c) -> auto& { return c.tls.cert_file; })));
  d.push_back(text("tls.key_file", Kind::file_path, "")
      .flags({"tls-key-file"})
      .help("PEM private key of tls.cert_file")
      .bind(field([](auto& c) -> auto& { return c.tls.key_file; })));
  // Dialing /tls/ws peers: verify their certificate chain and host name (true) against the
  // system store, or against tls.dial_ca_file; false accepts any certificate (Noise still
  // authenticates the peer id).
  d.push_back(boolean("tls.dial_verify", true)
      .flags({"tls-dial-verify"})
      .help("check the certificate of /tls/ws peers dialled (false: accept any)")
      .bind(field([](auto& c) -> auto& { return c.tls.dial_verify; })));
  d.push_back(text("tls.dial_ca_file", Kind::file_path, "")
      .flags({"tls-dial-ca-file"})
      .help("PEM CA certificates for /tls/ws dials instead of the system store")
      .bind(field([](auto& c) -> auto& { return c.tls.dial_ca_file; })));
  // Chain access (node/services/chain_service.hpp): the Chronik servers the daemon asks.
  d.push_back(addresses("chain.chronik_urls", Kind::url_list, V{})
      .flags({"chain-chronik-urls", "chronik-url"})
      .help("NNG Chronik server URLs, tried in order with failover (empty: chain access off)")
      .bind(field([](auto& c) -> auto& { return c.chain.chronik_urls; })));
  d.push_back(integer("chain.timeout_ms", 0, 0, 600000)
      .flags({"chain-timeout-ms"})
      .help("timeout of each Chronik request (0: per-endpoint defaults, 10-30 s)")
      .bind(field([](auto& c) -> auto& { return c.chain.timeout_ms; })));
  d.push_back(integer("chain.poll_interval_ms", 5000, 100, 600000)
      .flags({"chain-poll-interval-ms"})
      .help("how often tx waits and address watches poll Chronik when its WebSocket is down")
      .bind(field([](auto& c) -> auto& { return c.chain.poll_interval_ms; })));
  d.push_back(text("chain.ca_file", Kind::file_path, "")
      .flags({"chain-ca-file"})
      .help("PEM CA certificates for https Chronik URLs instead of the system store")
      .bind(field([](auto& c) -> auto& { return c.chain.ca_file; })));
  return d;
}

// --- rules across keys ---------------------------------------------------------------------

std::optional<ConfigError> tls_files_in_pairs(const NodeConfig& c, const Values& vals) {
  if (c.tls.cert_file.empty() == c.tls.key_file.empty()) return std::nullopt;
  const char* set = c.tls.cert_file.empty() ? "tls.key_file" : "tls.cert_file";
  const char* unset = c.tls.cert_file.empty() ? "tls.cert_file" : "tls.key_file";
  const std::string& v = c.tls.cert_file.empty() ? c.tls.key_file : c.tls.cert_file;
  return invalid(set, toml_quote(v), v, vals.at(set).source, std::string("set together with ") + unset);
}

std::optional<ConfigError> min_at_most_max(const NodeConfig& c, const Values& vals) {
  const auto& cm = c.connection_manager;
  if (cm.min_connections <= cm.max_connections) return std::nullopt;
  const std::string v = std::to_string(cm.min_connections);
  const std::string& min_source = vals.at("connection_manager.min_connections").source;
  const std::string& max_source = vals.at("connection_manager.max_connections").source;
  return invalid("connection_manager.min_connections", v, v, min_source,
                 "at most connection_manager.max_connections = " + std::to_string(cm.max_connections) +
                     " (" + max_source + ")");
}

using Rule = std::optional<ConfigError> (*)(const NodeConfig&, const Values&);
constexpr Rule k_rules[] = {tls_files_in_pairs, min_at_most_max};

}  // namespace

const std::vector<KeyDef>& schema() {
  static const std::vector<KeyDef> s = declare();
  return s;
}

const KeyDef* find_key(std::string_view key) {
  for (const auto& d : schema())
    if (d.key == key) return &d;
  return nullptr;
}

const KeyDef* find_flag(std::string_view flag) {
  for (const auto& d : schema())
    if (std::find(d.flags.begin(), d.flags.end(), flag) != d.flags.end()) return &d;
  return nullptr;
}

const KeyDef* find_env(std::string_view name) {
  for (const auto& d : schema())
    if (env_name(d.key) == name) return &d;
  return nullptr;
}

std::vector<std::string> all_keys() {
  std::vector<std::string> out;
  for (const auto& d : schema()) out.emplace_back(d.key);
  return out;
}

bool is_section(std::string_view name) {
  return std::any_of(schema().begin(), schema().end(), [&](const KeyDef& d) {
    return d.key.size() > name.size() && d.key.substr(0, name.size()) == name && d.key[name.size()] == '.';
  });
}

std::string env_name(std::string_view key) {
  std::string out = "LOTUS_P2P_";
  for (char c : key) out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::optional<ConfigError> check_rules(const NodeConfig& config, const Values& values) {
  for (Rule rule : k_rules)
    if (auto e = rule(config, values)) return e;
  return std::nullopt;
}

}  // namespace config_detail

std::vector<std::string> config_keys() { return config_detail::all_keys(); }

std::optional<bool> config_flag_is_boolean(std::string_view name) {
  const auto* d = config_detail::find_flag(name);
  if (!d) return std::nullopt;
  return d->kind == config_detail::Kind::boolean;
}

}  // namespace lotus::node
