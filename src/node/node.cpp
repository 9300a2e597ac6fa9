#include "node/node.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <span>

#include "base/log.hpp"
#include "base/secure.hpp"
#include "coordinator/resource_validator.hpp"
#include "crypto/keys.hpp"
#include "node/bootstrap.hpp"
#include "dht/dht.hpp"
#include "dht/sqlite_record_store.hpp"
#include "node/control_dht.hpp"
#include "node/control_methods.hpp"
#include "node/control_pubsub.hpp"
#include "node/errors.hpp"
#include "runtime/asio.hpp"
#include "runtime/dns_resolver.hpp"
#include "runtime/task_scope.hpp"
#include "runtime/ws.hpp"

namespace lotus::node {

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<std::string> to_strings(const std::vector<mf::Multiaddr>& v) {
  std::vector<std::string> out;
  out.reserve(v.size());
  for (const auto& a : v) out.push_back(a.to_string());
  return out;
}

// "connection manager: min 10, max 50 connections, trim grace period 20 s; inbound: 8 per IP,
// 20/s (burst 40), loopback exempt; 64 dials in flight; streams: 1024 per connection, 256
// inbound per protocol"
std::string connection_manager_report(const NodeConfig& cfg) {
  const auto& cm = cfg.connection_manager;
  auto n = [](std::uint64_t v) { return std::to_string(v); };
  std::string out = "connection manager: min " + n(cm.min_connections) + ", max " + n(cm.max_connections) +
                    " connections, trim grace period " + n(cm.grace_period_seconds) + " s; inbound: ";
  if (cfg.security.disable_rate_limiting) {
    out += "per-IP and rate limits off (security.disable_rate_limiting)";
  } else {
    out += n(cm.max_inbound_per_ip) + " per IP, " + n(cm.inbound_connections_per_second) + "/s (burst " +
           n(cm.inbound_burst) + "), loopback " + (cm.limit_loopback ? "limited" : "exempt");
  }
  return out + "; " + n(cm.max_pending_dials) + " dials in flight; streams: " + n(cm.max_streams_per_connection) +
         " per connection, " + n(cm.max_inbound_streams_per_protocol) + " inbound per protocol";
}

}  // namespace

struct Node::Impl {
  Impl(asio::io_context& ctx, LoadedConfig l, Options o)
      : io(ctx), loaded(std::move(l)), opt(std::move(o)), scope(ctx.get_executor()), flush_timer(ctx) {}
  asio::io_context& io;
  LoadedConfig loaded;
  Options opt;
  ControlRouter router;
  std::unique_ptr<runtime::DnsResolver> dns;  // before host: outlives it (host holds a pointer)
  std::unique_ptr<host::Host> host;
  std::unique_ptr<Bootstrapper> boot;         // after host: destroyed first
  std::unique_ptr<pubsub::PubSub> pubsub;  // gossipsub.enabled
  std::unique_ptr<dht::Dht> dht;  // when dht.enabled
  std::unique_ptr<ControlServer> server;
  std::optional<PeerDb> db;
  std::optional<ApiEndpoint> api;
  runtime::TaskScope scope;
  asio::steady_timer flush_timer;
  std::uint64_t listener_id = 0;
  std::string error;
  std::vector<std::string> report;
  bool created = false;
  bool started = false;
  bool stopped = false;
  std::chrono::steady_clock::time_point start_time = std::chrono::steady_clock::now();

  Status fail(std::error_code ec, std::string message) {
    error = std::move(message);
    return ec;
  }
  void on_event(const host::Event& e);
  void flush_db();
};

void Node::Impl::on_event(const host::Event& e) {
  if (!db) return;
  if (const auto* c = std::get_if<host::PeerConnected>(&e)) {
    const bool dialable = c->connection.direction == host::Direction::outbound;
    db->record_connected(c->connection.remote_peer.to_string(),
                         dialable ? c->connection.remote_addr.to_string() : std::string(), now_ms());
  } else if (const auto* i = std::get_if<host::PeerIdentified>(&e)) {
    db->record_identified(i->peer.to_string(), to_strings(i->info.addrs), i->info.protocols, i->info.agent_version,
                          now_ms());
  }
}

void Node::Impl::flush_db() {
  if (!db) return;
  if (auto s = db->flush(); !s) LOTUS_LOG(warn, "node", "peer store: " + s.error().message());
}

namespace {

asio::awaitable<void> flush_loop(std::shared_ptr<Node::Impl> n) {
  while (!n->scope.stopping()) {
    n->flush_timer.expires_after(n->opt.peer_db_flush_interval);
    boost::system::error_code ec;
    co_await n->flush_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (n->scope.stopping()) break;
    n->flush_db();
  }
}

asio::awaitable<void> redial_one(std::shared_ptr<Node::Impl> n, mf::PeerId peer) {
  auto r = co_await n->host->connect(peer);
  if (r) {
    LOTUS_LOG(info, "node", "redialled known peer " + peer.to_string());
  } else {
    LOTUS_LOG(info, "node", "redial of known peer " + peer.to_string() + " failed: " + r.error().message());
    if (n->db && r.error() != host::errc::host_stopped) n->db->record_dial_failure(peer.to_string(), now_ms());
  }
}

Result<crypto::PrivateKey> load_or_create_identity(const std::filesystem::path& file, bool& created, std::string& why) {
  std::error_code ec;
  created = false;
  if (std::filesystem::exists(file, ec)) {
    struct stat st {};
    if (::stat(file.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
      LOTUS_LOG(warn, "node", file.string() + " is readable by others (mode " + std::to_string(st.st_mode & 0777) +
                                  "); chmod 600 it");
    auto key = crypto::PrivateKey::load_file(file.string());
    if (!key) {
      why = "cannot load identity " + file.string() + ": " + key.error().message();
      return node_errc::identity_unreadable;
    }
    return key;
  }
  auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
  if (!key) {
    why = "cannot generate an identity: " + key.error().message();
    return node_errc::identity_unwritable;
  }
  if (auto s = key->save_file(file.string()); !s) {
    why = "cannot write identity " + file.string() + ": " + s.error().message();
    return node_errc::identity_unwritable;
  }
  created = true;
  return key;
}

asio::awaitable<void> stop_node(std::shared_ptr<Node::Impl> n) {
  if (n->stopped || !n->started) {
    n->stopped = true;
    co_return;
  }
  n->stopped = true;
  if (n->server) n->server->close();
  n->scope.request_stop();
  n->flush_timer.cancel();
  if (n->dht) co_await n->dht->stop();
  if (n->pubsub) co_await n->pubsub->stop();
  if (n->boot) {
    n->boot->stop();
    co_await n->boot->join();
  }
  co_await n->host->stop();
  if (n->server) co_await n->server->stop();
  co_await n->scope.join();
  n->host->remove_event_listener(n->listener_id);
  n->flush_db();
  std::error_code ec;
  std::filesystem::remove(n->loaded.data_dir / "api", ec);
}

}  // namespace

Node::Node(asio::io_context& io, LoadedConfig loaded, Options options)
    : m_impl(std::make_shared<Impl>(io, std::move(loaded), std::move(options))) {}

Node::~Node() = default;

Status Node::start() {
  auto& n = *m_impl;
  const auto& cfg = n.loaded.config;
  const auto& dir = n.loaded.data_dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir, ec))
    return n.fail(node_errc::data_dir_unusable, "cannot create data directory " + dir.string() + ": " +
                                                    (ec ? ec.message() : std::string("not a directory")));
  ::chmod(dir.c_str(), 0700);

  std::string why;
  auto key = load_or_create_identity(dir / "identity.key", n.created, why);
  if (!key) return n.fail(key.error(), why);
  if (n.created) n.report.push_back("created new identity in " + (dir / "identity.key").string());

  if (cfg.peer_store.enabled) {
    auto db = PeerDb::open(dir / "peers.sqlite");
    if (!db) return n.fail(db.error(), "cannot open peer store " + (dir / "peers.sqlite").string());
    n.db.emplace(std::move(*db));
  }

  host::Config hc = n.opt.host;
  hc.agent_version = n.opt.agent_version;
  hc.listen_addrs.clear();
  // Connection manager: the configured watermarks (P2P_MIN/MAX_CONNECTIONS, profiles) and
  // limits (connection_manager.*); below min the host also redials known peers of the peer store.
  const auto& cm = cfg.connection_manager;
  hc.conn_manager.min_connections = cm.min_connections;
  hc.conn_manager.max_connections = cm.max_connections;
  hc.conn_manager.grace_period = std::chrono::seconds(cm.grace_period_seconds);
  hc.conn_manager.max_inbound_per_ip = cm.max_inbound_per_ip;
  hc.conn_manager.inbound_per_second = cm.inbound_connections_per_second;
  hc.conn_manager.inbound_burst = cm.inbound_burst;
  hc.conn_manager.limit_loopback = cm.limit_loopback;
  hc.conn_manager.max_pending_dials = cm.max_pending_dials;
  hc.conn_manager.max_inbound_streams_per_protocol = cm.max_inbound_streams_per_protocol;
  hc.max_streams_per_connection = cm.max_streams_per_connection;
  hc.conn_manager.dial_known_peers = true;
  auto in_dir = [&dir](const std::string& f) {
    const std::filesystem::path p(f);
    return (p.is_absolute() ? p : dir / p).string();
  };
  // /tls/ws dials: verification, and the CA file instead of the system store.
  hc.wss_dial.verify_peer = cfg.tls.dial_verify;
  if (!cfg.tls.dial_ca_file.empty()) {
    hc.wss_dial.ca_pem.clear();
    hc.wss_dial.ca_file = in_dir(cfg.tls.dial_ca_file);
  }
  // /tls/ws listeners: certificate and key files (relative to the data directory).
  if (!cfg.tls.cert_file.empty()) {
    hc.tls.cert_pem.clear();
    hc.tls.key_pem.clear();
    hc.tls.cert_file = in_dir(cfg.tls.cert_file);
    hc.tls.key_file = in_dir(cfg.tls.key_file);
  }
  hc.max_connections = std::max<std::size_t>(hc.max_connections, 2 * std::size_t{cm.max_connections});
  if (cfg.security.disable_rate_limiting) {  // inbound per-IP and rate limits off (tests, private nets)
    hc.conn_manager.max_inbound_per_ip = hc.max_connections;
    hc.conn_manager.inbound_per_second = 1e9;
    hc.conn_manager.inbound_burst = hc.max_connections;
  }
  // Our own DNS resolver for /dns* dial addresses and /dnsaddr bootstrap entries.
  n.dns = std::make_unique<runtime::DnsResolver>(n.io.get_executor());
  hc.dns_resolver = n.dns.get();
  std::optional<crypto::PrivateKey> pubsub_key;  // gossipsub signs with the identity key (explicit copy)
  if (cfg.gossipsub.enabled) {
    Bytes pb = key->to_protobuf();
    auto copy = crypto::PrivateKey::from_protobuf(pb);
    secure_wipe(pb);
    if (!copy) return n.fail(copy.error(), "cannot copy the identity key for gossipsub");
    pubsub_key.emplace(std::move(*copy));
  }
  n.host = std::make_unique<host::Host>(n.io, std::move(*key), hc);
  std::size_t listening = 0;
  for (const auto& a : cfg.listen) {
    auto bound = n.host->listen(a);
    if (bound) {
      ++listening;
      continue;
    }
    const bool v6_default = a.to_string().rfind("/ip6/", 0) == 0 && n.loaded.provenance["listen"] == "default";
    if (bound.error() == host::errc::unsupported_address) {
      n.report.push_back("listen address " + a.to_string() +
                         " not used: transport not supported (this build listens on /tcp, /tcp/…/ws and /tcp/…/tls/ws)");
      continue;
    }
    const auto ta = runtime::parse_transport_addr(a);
    const bool wss = ta && ta->transport == runtime::Transport::wss;
    if (wss && !cfg.tls.cert_file.empty())  // configured, yet unusable: say so rather than run without
      return n.fail(bound.error(), "cannot listen on " + a.to_string() + " with tls.cert_file " + hc.tls.cert_file +
                                       " and tls.key_file " + hc.tls.key_file + ": " + bound.error().message());
    if (wss) {  // no certificate configured: the other listeners still serve
      n.report.push_back("listen address " + a.to_string() + " not used: no tls.cert_file/tls.key_file configured");
      continue;
    }
    if (v6_default) {
      n.report.push_back("listen address " + a.to_string() + " not available: " + bound.error().message());
      continue;
    }
    return n.fail(bound.error(), "cannot listen on " + a.to_string() + ": " + bound.error().message());
  }
  if (listening == 0 && !cfg.listen.empty()) {
    std::string reasons;
    for (const auto& line : n.report)
      if (line.rfind("listen address ", 0) == 0) reasons += (reasons.empty() ? "" : "; ") + line;
    return n.fail(host::errc::unsupported_address, "no usable listen address: " + reasons);
  }

  std::vector<std::string_view> implemented = {"bootstrap"};
  // DHT (dht.enabled): server mode registers dht.protocol on the host; records persist in
  // <data dir>/dht.sqlite.
  if (cfg.dht.enabled) {
    dht::Config dc;
    dc.protocol_id = cfg.dht.protocol;
    dc.mode = cfg.dht.server ? dht::Mode::server : dht::Mode::client;
    dc.refresh_on_first_peer = true;  // bootstrap as soon as the first DHT server is identified
    auto store = dht::SqliteRecordStore::open((dir / "dht.sqlite").string(), {}, Clock::now());
    if (!store) return n.fail(store.error(), "cannot open DHT record store " + (dir / "dht.sqlite").string());
    n.dht = std::make_unique<dht::Dht>(*n.host, std::move(dc), std::move(*store), coordinator::dht_validators());
    if (auto s = n.dht->start(); !s) return n.fail(s.error(), "cannot start the DHT: " + s.error().message());
    register_dht_methods(n.router, *n.dht);
    implemented.push_back("dht");
    implemented.push_back("dht-server");
    n.report.push_back(std::string("DHT ") + (cfg.dht.server ? "server" : "client") + " on " + cfg.dht.protocol);
  }
  if (pubsub_key) {
    // the options the reference node sets on js gossipsub (emitSelf, allowPublishToZeroTopicPeers, doPX)
    n.pubsub = std::make_unique<pubsub::PubSub>(*n.host, std::move(*pubsub_key), pubsub::reference_config());
    if (auto st = n.pubsub->start(); !st) return n.fail(st.error(), "cannot start gossipsub: " + st.error().message());
    register_pubsub_methods(n.router, *n.pubsub);
    implemented.push_back("gossipsub");
  }
  for (const auto& f : unimplemented_features(n.loaded, std::span<const std::string_view>(implemented)))
    n.report.push_back("feature '" + f.feature + "' enabled by " + f.key + " (" + f.source +
                       ") is not built yet: ignored");

  if (!cfg.bootstrap_peers.empty()) {
    BootstrapConfig bc;
    bc.peers = cfg.bootstrap_peers;
    n.boot = std::make_unique<Bootstrapper>(*n.host, std::move(bc), n.dns.get());
    n.report.push_back("bootstrap: " + std::to_string(cfg.bootstrap_peers.size()) +
                       " configured address(es), protected, redialled with backoff");
  }

  add_core_methods(n.router, *this);
  std::weak_ptr<Impl> weak = m_impl;
  n.listener_id = n.host->add_event_listener([weak](const host::Event& e) {
    if (auto s = weak.lock()) s->on_event(e);
  });

  if (cfg.api.listen != "off") {
    auto ep = server_endpoint(cfg.api.listen, dir);
    if (!ep) return n.fail(ep.error(), "control API: invalid endpoint '" + cfg.api.listen + "'");
    n.server = std::make_unique<ControlServer>(n.io, n.router, n.opt.control);
    const Node* self = this;
    n.server->add_get("/metrics", "text/plain; version=0.0.4; charset=utf-8", [self] { return self->metrics_text(); });
    n.server->add_get("/status", "application/json", [self] {
      return self->status_json().dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
    });
    auto bound = n.server->listen(*ep);
    if (!bound) {
      n.server.reset();
      return n.fail(bound.error(), "control API: cannot listen on " + ep->to_string() + ": " + bound.error().message());
    }
    n.api = *bound;
    std::ofstream(dir / "api", std::ios::trunc) << bound->to_string() << "\n";
    n.report.push_back("control API on " + bound->to_string());
  } else {
    n.report.push_back("control API off (api.listen = \"off\")");
  }
  n.started = true;
  if (n.boot) n.boot->start();
  n.report.push_back(connection_manager_report(cfg));
  n.start_time = std::chrono::steady_clock::now();

  if (n.db) {
    n.scope.spawn(flush_loop(m_impl), "node.peer_db_flush");
    if (cfg.peer_store.redial > 0) {
      auto cands = n.db->redial_candidates(cfg.peer_store.redial);
      if (!cands) {
        n.report.push_back("peer store: cannot read redial candidates: " + cands.error().message());
      } else {
        for (const auto& rec : *cands) {
          auto peer = mf::PeerId::parse(rec.peer_id);
          if (!peer || *peer == n.host->peer_id()) continue;
          std::vector<mf::Multiaddr> addrs;
          for (const auto& a : rec.addrs)
            if (auto ma = mf::Multiaddr::parse(a)) addrs.push_back(*ma);
          if (addrs.empty()) continue;
          n.host->peer_store().add_addrs(*peer, addrs);
          n.scope.spawn(redial_one(m_impl, *peer), "node.redial");
        }
        if (!cands->empty()) n.report.push_back("redialling " + std::to_string(cands->size()) + " known peer(s)");
      }
    }
  }
  return Status{};
}

const std::string& Node::error_message() const { return m_impl->error; }
const std::vector<std::string>& Node::report() const { return m_impl->report; }
bool Node::identity_created() const { return m_impl->created; }
asio::awaitable<void> Node::stop() { return stop_node(m_impl); }
host::Host& Node::host() { return *m_impl->host; }
const host::Host& Node::host() const { return *m_impl->host; }
ControlRouter& Node::router() { return m_impl->router; }
dht::Dht* Node::dht() { return m_impl->dht.get(); }
const LoadedConfig& Node::config() const { return m_impl->loaded; }
std::optional<ApiEndpoint> Node::api_endpoint() const { return m_impl->api; }
pubsub::PubSub* Node::pubsub() { return m_impl->pubsub.get(); }
PeerDb* Node::peer_db() { return m_impl->db ? &*m_impl->db : nullptr; }

void Node::note_dial_failure(const mf::PeerId& peer) {
  if (m_impl->db) m_impl->db->record_dial_failure(peer.to_string(), now_ms());
}

Json Node::status_json() const {
  const auto& n = *m_impl;
  const auto& h = *n.host;
  Json j;
  j["peer_id"] = h.peer_id().to_string();
  j["version"] = kVersion;
  j["agent_version"] = h.config().agent_version;
  j["uptime_seconds"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - n.start_time).count();
  j["addresses"] = to_strings(h.full_addrs());
  j["listen_addrs"] = to_strings(h.listen_addrs());
  j["data_dir"] = n.loaded.data_dir.string();
  j["api"] = n.api ? Json(n.api->to_string()) : Json();
  std::map<mf::PeerId, Json> peers;
  for (const auto& c : h.connections()) {
    auto& p = peers[c.remote_peer];
    if (p.is_null()) {
      p["peer_id"] = c.remote_peer.to_string();
      auto info = h.peer_store().get(c.remote_peer);
      p["agent_version"] = info ? info->agent_version : "";
      p["latency_ms"] = info && info->latency ? Json(std::chrono::duration<double, std::milli>(*info->latency).count())
                                              : Json();
      p["connections"] = Json::array();
    }
    p["connections"].push_back({{"id", c.id},
                                {"direction", host::to_string(c.direction)},
                                {"remote_addr", c.remote_addr.to_string()},
                                {"muxer", c.muxer}});
  }
  j["peers"] = Json::array();
  for (auto& [id, p] : peers) j["peers"].push_back(std::move(p));
  j["connected_peers"] = peers.size();
  j["known_peers"] = h.peer_store().size();
  // The limits the host runs with (connection_manager.*, after security.disable_rate_limiting),
  // read back from the host, not from the configuration.
  const auto& lim = h.conn_manager().limits();
  Json cm;
  cm["min_connections"] = lim.min_connections;
  cm["max_connections"] = lim.max_connections;
  cm["grace_period_seconds"] = std::chrono::duration_cast<std::chrono::seconds>(lim.grace_period).count();
  cm["max_inbound_per_ip"] = lim.max_inbound_per_ip;
  cm["inbound_connections_per_second"] = lim.inbound_per_second;
  cm["inbound_burst"] = lim.inbound_burst;
  cm["limit_loopback"] = lim.limit_loopback;
  cm["max_pending_dials"] = lim.max_pending_dials;
  cm["max_streams_per_connection"] = h.config().max_streams_per_connection;
  cm["max_inbound_streams_per_protocol"] = lim.max_inbound_streams_per_protocol;
  cm["max_sockets"] = h.config().max_connections;  // hard cap, open + handshaking
  j["connection_manager"] = std::move(cm);
  return j;
}

MetricsSnapshot Node::metrics_snapshot() const {
  const auto& n = *m_impl;
  const auto& h = *n.host;
  MetricsSnapshot m;
  m.host = h.metrics();
  std::set<mf::PeerId> connected;
  for (const auto& c : h.connections()) {
    ++m.connections_open_by_direction[host::to_string(c.direction)];
    connected.insert(c.remote_peer);
  }
  m.peers_connected = connected.size();
  m.peers_known = h.peer_store().size();
  m.peer_db_pending = n.db ? n.db->pending() : 0;
  if (n.server) {
    for (const auto& [k, v] : n.server->stats().requests)
      if (k.rfind("GET ", 0) != 0) m.control_requests[k] = v;
  }
  m.uptime_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - n.start_time).count();
  m.version = kVersion;
  m.peer_id = h.peer_id().to_string();
  return m;
}

std::string Node::metrics_text() const { return render_prometheus(metrics_snapshot()); }

}  // namespace lotus::node
