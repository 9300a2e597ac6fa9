#include "node/node.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <span>

#include "base/log.hpp"
#include "base/secure.hpp"
#include "crypto/keys.hpp"
#include "node/control_methods.hpp"
#include "node/errors.hpp"
#include "node/services/dht_service.hpp"
#include "node/services/gossipsub_service.hpp"
#include "node/services/peer_store_service.hpp"
#include "runtime/asio.hpp"
#include "runtime/dns_resolver.hpp"
#include "runtime/ws.hpp"

namespace lotus::node {

namespace {

std::vector<std::string> to_strings(const std::vector<mf::Multiaddr>& v) {
  std::vector<std::string> out;
  out.reserve(v.size());
  for (const auto& a : v) out.push_back(a.to_string());
  return out;
}

}  // namespace

struct Node::Impl {
  Impl(asio::io_context& ctx, LoadedConfig l, Options o)
      : io(ctx), loaded(std::move(l)), opt(std::move(o)), directory(services) {}
  asio::io_context& io;
  LoadedConfig loaded;
  Options opt;
  ControlRouter router;
  std::unique_ptr<runtime::DnsResolver> dns;  // before host: outlives it (host holds a pointer)
  std::optional<crypto::PrivateKey> identity;  // the host's key; services copy it explicitly
  std::unique_ptr<host::Host> host;
  std::vector<std::unique_ptr<Service>> services;  // built from the registry, in start order
  std::size_t started_services = 0;                // services[0, started_services) are running
  ServiceDirectory directory;
  std::unique_ptr<ControlServer> server;
  std::optional<ApiEndpoint> api;
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
  Status listen_all(const host::Config& hc);
};

namespace {

std::string octal_mode(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

// The node's identity key. Never replaces one that was expected to exist: a dangling symlink
// (a key vault not mounted), anything but a regular file (a FIFO would block the read), or a
// missing key in a data directory that already has stores (the peer id would change silently)
// are start-up errors that say what to do; `init` (--init-identity) creates a key deliberately.
Result<crypto::PrivateKey> load_or_create_identity(const std::filesystem::path& dir, bool init, bool& created,
                                                   std::string& why) {
  const auto file = dir / "identity.key";
  created = false;
  struct stat lst {};
  if (::lstat(file.c_str(), &lst) == 0) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
      std::error_code ec;
      const auto target = std::filesystem::read_symlink(file, ec);
      why = "identity " + file.string() + " is a symbolic link to " + (ec ? std::string("?") : target.string()) +
            ", which cannot be reached (" + std::strerror(errno) +
            "): mount or restore the key's location, or remove the link and start with --init-identity for a new "
            "identity";
      return node_errc::identity_not_a_file;
    }
    if (!S_ISREG(st.st_mode)) {
      why = "identity " + file.string() + " is not a regular file (" +
            (S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISDIR(st.st_mode) ? "a directory" : "a special file") +
            "): put the identity key file there";
      return node_errc::identity_not_a_file;
    }
    if ((st.st_mode & 077) != 0)
      LOTUS_LOG(warn, "node", file.string() + " is readable by others (mode " + octal_mode(st.st_mode) +
                                  "); chmod 600 it");
    auto key = crypto::PrivateKey::load_file(file.string());
    if (!key) {
      why = "cannot load identity " + file.string() + ": " + key.error().message();
      return node_errc::identity_unreadable;
    }
    return key;
  }
  if (!init) {
    for (const char* store : {"peers.sqlite", "dht.sqlite"}) {
      std::error_code ec;
      if (std::filesystem::exists(dir / store, ec)) {
        why = "identity " + file.string() + " is missing, but this data directory has been used (" + store +
              " exists): restore the key file to keep this node's peer id, or start with --init-identity to create "
              "a new identity deliberately";
        return node_errc::identity_missing;
      }
    }
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

// The control API token for TCP endpoints (<data dir>/api.token, 0600): kept across restarts
// (delete the file to rotate it), created with 32 random bytes as hex when missing or invalid.
Result<std::string> load_or_create_api_token(const std::filesystem::path& file) {
  {
    std::ifstream in(file);
    std::string t;
    if (in && std::getline(in, t) && t.size() == 64 &&
        t.find_first_not_of("0123456789abcdef") == std::string::npos) {
      ::chmod(file.c_str(), 0600);
      return t;
    }
  }
  const std::string token = new_api_token();
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return std::error_code(errno, std::generic_category());
  const std::string line = token + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fchmod(fd, 0600) == 0;
  ::close(fd);
  if (!ok) return std::error_code(errno ? errno : EIO, std::generic_category());
  return token;
}

// The host settings the node owns (not a service's): agent, our DNS resolver, /tls/ws files.
host::Config base_host_config(Node::Impl& n) {
  const auto& cfg = n.loaded.config;
  const auto& dir = n.loaded.data_dir;
  host::Config hc = n.opt.host;
  hc.agent_version = n.opt.agent_version;
  hc.listen_addrs.clear();
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
  // Our own DNS resolver for /dns* dial addresses and /dnsaddr bootstrap entries.
  n.dns = std::make_unique<runtime::DnsResolver>(n.io.get_executor());
  hc.dns_resolver = n.dns.get();
  return hc;
}

// Stops what start() started, in reverse: services, the host, then the services' final work.
asio::awaitable<void> stop_started(std::shared_ptr<Node::Impl> n) {
  for (std::size_t i = n->started_services; i-- > 0;) co_await n->services[i]->stop();
  if (n->host) co_await n->host->stop();
  for (std::size_t i = n->started_services; i-- > 0;) co_await n->services[i]->after_host_stopped();
  n->started_services = 0;
}

asio::awaitable<void> stop_node(std::shared_ptr<Node::Impl> n) {
  if (n->stopped || !n->started) {
    n->stopped = true;
    co_return;
  }
  n->stopped = true;
  if (n->server) n->server->close();
  co_await stop_started(n);
  if (n->server) co_await n->server->stop();
  std::error_code ec;
  std::filesystem::remove(n->loaded.data_dir / "api", ec);
}

}  // namespace

Status Node::Impl::listen_all(const host::Config& hc) {
  const auto& cfg = loaded.config;
  std::size_t listening = 0;
  for (const auto& a : cfg.listen) {
    auto bound = host->listen(a);
    if (bound) {
      ++listening;
      continue;
    }
    const bool v6_default = a.to_string().rfind("/ip6/", 0) == 0 && loaded.provenance["listen"] == "default";
    if (bound.error() == host::errc::unsupported_address) {
      report.push_back("listen address " + a.to_string() +
                       " not used: transport not supported (this build listens on /tcp, /tcp/…/ws and /tcp/…/tls/ws)");
      continue;
    }
    const auto ta = runtime::parse_transport_addr(a);
    const bool wss = ta && ta->transport == runtime::Transport::wss;
    if (wss && !cfg.tls.cert_file.empty())  // configured, yet unusable: say so rather than run without
      return fail(bound.error(), "cannot listen on " + a.to_string() + " with tls.cert_file " + hc.tls.cert_file +
                                     " and tls.key_file " + hc.tls.key_file + ": " + bound.error().message());
    if (wss) {  // no certificate configured: the other listeners still serve
      report.push_back("listen address " + a.to_string() + " not used: no tls.cert_file/tls.key_file configured");
      continue;
    }
    if (v6_default) {
      report.push_back("listen address " + a.to_string() + " not available: " + bound.error().message());
      continue;
    }
    return fail(bound.error(), "cannot listen on " + a.to_string() + ": " + bound.error().message());
  }
  if (listening == 0 && !cfg.listen.empty()) {
    std::string reasons;
    for (const auto& line : report)
      if (line.rfind("listen address ", 0) == 0) reasons += (reasons.empty() ? "" : "; ") + line;
    return fail(host::errc::unsupported_address, "no usable listen address: " + reasons);
  }
  return Status{};
}

Node::Node(asio::io_context& io, LoadedConfig loaded, Options options)
    : m_impl(std::make_shared<Impl>(io, std::move(loaded), std::move(options))) {}

Node::~Node() = default;

Status Node::start() {
  auto& n = *m_impl;
  const auto& dir = n.loaded.data_dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir, ec))
    return n.fail(node_errc::data_dir_unusable, "cannot create data directory " + dir.string() + ": " +
                                                    (ec ? ec.message() : std::string("not a directory")));
  ::chmod(dir.c_str(), 0700);

  std::string why;
  auto key = load_or_create_identity(dir, n.opt.init_identity, n.created, why);
  if (!key) return n.fail(key.error(), why);
  if (n.created) n.report.push_back("created new identity in " + (dir / "identity.key").string());

  // The services this configuration enables, built-in first.
  std::vector<std::string_view> implemented;
  auto build = [&](const ServiceFactory& f) {
    for (auto feature : f.features) implemented.push_back(feature);
    if (auto s = f.make(n.loaded, n.opt)) n.services.push_back(std::move(s));
  };
  for (const auto& f : builtin_services()) build(f);
  for (const auto& f : n.opt.extra_services) build(f);

  host::Config hc = base_host_config(n);
  for (auto& s : n.services) s->configure_host(hc);
  {
    Bytes pb = key->to_protobuf();
    auto copy = crypto::PrivateKey::from_protobuf(pb);
    secure_wipe(pb);
    if (!copy) return n.fail(copy.error(), "cannot copy the identity key");
    n.identity.emplace(std::move(*copy));
  }
  n.host = std::make_unique<host::Host>(n.io, std::move(*key), hc);
  if (auto s = n.listen_all(hc); !s) return s;

  for (auto& s : n.services) {
    ServiceContext ctx{n.io, *n.host, n.loaded, n.opt, *n.identity, n.dns.get(), n.report, n.directory, {}};
    if (auto st = s->start(ctx); !st) {
      // Stop what already runs (its tasks may hold the host) before reporting.
      n.error = ctx.error.empty() ? std::string(s->name()) + ": " + st.error().message() : ctx.error;
      // Those already running are stopped when the io_context runs next (the node is unusable).
      asio::co_spawn(n.io, stop_started(m_impl), [](std::exception_ptr e) {
        if (e) LOTUS_LOG(error, "node", "stopping services after a failed start threw");
      });
      return st.error();
    }
    ++n.started_services;
  }
  for (const auto& f : unimplemented_features(n.loaded, std::span<const std::string_view>(implemented)))
    n.report.push_back("feature '" + f.feature + "' enabled by " + f.key + " (" + f.source +
                       ") is not built yet: ignored");

  add_core_methods(n.router, *this);
  for (auto& s : n.services) s->add_methods(n.router);

  if (n.loaded.config.api.listen != "off") {
    const auto& api_listen = n.loaded.config.api.listen;
    auto ep = server_endpoint(api_listen, dir);
    if (!ep) return n.fail(ep.error(), "control API: invalid endpoint '" + api_listen + "'");
    ControlServerConfig sc = n.opt.control;
    const auto& api = n.loaded.config.api;
    sc.max_connections = api.max_connections;
    sc.header_timeout = std::chrono::milliseconds(api.header_timeout_ms);
    sc.read_timeout = std::chrono::milliseconds(api.request_timeout_ms);
    if (ep->kind == ApiEndpoint::Kind::tcp && api.require_token) {
      auto token = load_or_create_api_token(dir / "api.token");
      if (!token) return n.fail(token.error(), "control API: cannot create the token file " +
                                                   (dir / "api.token").string() + ": " + token.error().message());
      sc.token = std::move(*token);
    }
    n.server = std::make_unique<ControlServer>(n.io, n.router, std::move(sc));
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
  n.start_time = std::chrono::steady_clock::now();
  return Status{};
}

const std::string& Node::error_message() const { return m_impl->error; }
const std::vector<std::string>& Node::report() const { return m_impl->report; }
bool Node::identity_created() const { return m_impl->created; }
asio::awaitable<void> Node::stop() { return stop_node(m_impl); }
host::Host& Node::host() { return *m_impl->host; }
const host::Host& Node::host() const { return *m_impl->host; }
ControlRouter& Node::router() { return m_impl->router; }
const LoadedConfig& Node::config() const { return m_impl->loaded; }
std::optional<ApiEndpoint> Node::api_endpoint() const { return m_impl->api; }
const ServiceDirectory& Node::services() const { return m_impl->directory; }

dht::Dht* Node::dht() {
  auto* s = service<DhtService>();
  return s ? &s->dht() : nullptr;
}
pubsub::PubSub* Node::pubsub() {
  auto* s = service<GossipSubService>();
  return s ? &s->pubsub() : nullptr;
}
PeerDb* Node::peer_db() {
  auto* s = service<PeerStoreService>();
  return s ? s->db() : nullptr;
}

void Node::note_dial_failure(const mf::PeerId& peer) {
  if (auto* s = service<PeerStoreService>()) s->note_dial_failure(peer);
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
  if (const auto* ps = service<PeerStoreService>())
    if (auto rows = ps->known_peers()) j["known_peers"] = *rows;
  // One section per running service that has one (connection_manager, dht, gossipsub, …).
  Json names = Json::array();
  for (std::size_t i = 0; i < n.started_services; ++i) {
    const auto& s = n.services[i];
    names.push_back(std::string(s->name()));
    if (auto section = s->status()) j[std::string(s->name())] = std::move(*section);
  }
  j["services"] = std::move(names);
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
  // Known peers: the peer store's rows when it is enabled (what survives a restart), else the
  // host's in-memory store.
  m.peers_known = h.peer_store().size();
  if (const auto* ps = service<PeerStoreService>())
    if (auto rows = ps->known_peers()) m.peers_known = *rows;
  auto* self = const_cast<Node*>(this);
  m.peer_db_pending = self->peer_db() ? self->peer_db()->pending() : 0;
  if (n.server) {
    for (const auto& [k, v] : n.server->stats().requests)
      if (k.rfind("GET ", 0) != 0) m.control_requests[k] = v;
    m.control_refusals = n.server->stats().refusals;
  }
  m.uptime_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - n.start_time).count();
  m.version = kVersion;
  m.peer_id = h.peer_id().to_string();
  return m;
}

std::string Node::metrics_text() const {
  PromWriter w;
  render_prometheus(metrics_snapshot(), w);
  const auto& n = *m_impl;
  for (std::size_t i = 0; i < n.started_services; ++i) n.services[i]->metrics(w);
  return w.take();
}

}  // namespace lotus::node
