// The SQLite peer store (<data dir>/peers.sqlite) as a service: records connections and
// identify results from host events, flushes them in batches every
// NodeOptions::peer_db_flush_interval, redials known good peers at start, and writes the last
// batch after the host stopped (so the disconnects of the stop are in it).
#include "node/services/peer_store_service.hpp"
#include "node/services/builtin.hpp"
#include "node/node_options.hpp"

#include "base/log.hpp"
#include "node/errors.hpp"
#include "node/store_files.hpp"
#include "host/host.hpp"
#include "node/metrics_text.hpp"
#include "node/node_options.hpp"
#include "runtime/asio.hpp"
#include "runtime/task_scope.hpp"

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

}  // namespace

struct PeerStoreService::State {
  State(host::Host& h, PeerDb d, std::chrono::milliseconds interval)
      : host(h), db(std::move(d)), flush_interval(interval), scope(h.io_context().get_executor()),
        flush_timer(h.io_context()) {}
  host::Host& host;
  PeerDb db;
  std::chrono::milliseconds flush_interval;
  runtime::TaskScope scope;
  asio::steady_timer flush_timer;
  std::uint64_t listener = 0;

  void on_event(const host::Event& e) {
    if (const auto* c = std::get_if<host::PeerConnected>(&e)) {
      const bool dialable = c->connection.direction == host::Direction::outbound;
      db.record_connected(c->connection.remote_peer.to_string(),
                          dialable ? c->connection.remote_addr.to_string() : std::string(), now_ms());
    } else if (const auto* i = std::get_if<host::PeerIdentified>(&e)) {
      db.record_identified(i->peer.to_string(), to_strings(i->info.addrs), i->info.protocols, i->info.agent_version,
                           now_ms());
    }
  }
  // A failing write is logged once (and again once it recovers) and shown in status, not
  // every flush interval.
  std::string write_error;
  std::uint64_t failed_flushes = 0;
  void flush() {
    if (auto s = db.flush(); !s) {
      ++failed_flushes;
      if (write_error.empty())
        LOTUS_LOG(error, "node", "peer store: " + s.error().message() + "; known peers are not being saved (status: peer_store.write_error)");
      write_error = s.error().message();
    } else if (!write_error.empty()) {
      LOTUS_LOG(warn, "node", "peer store: writes work again");
      write_error.clear();
    }
  }
};

namespace {

asio::awaitable<void> flush_loop(std::shared_ptr<PeerStoreService::State> st) {
  while (!st->scope.stopping()) {
    st->flush_timer.expires_after(st->flush_interval);
    boost::system::error_code ec;
    co_await st->flush_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (st->scope.stopping()) break;
    st->flush();
  }
}

asio::awaitable<void> redial_one(std::shared_ptr<PeerStoreService::State> st, mf::PeerId peer) {
  auto r = co_await st->host.connect(peer);
  if (r) {
    LOTUS_LOG(info, "node", "redialled known peer " + peer.to_string());
  } else {
    LOTUS_LOG(info, "node", "redial of known peer " + peer.to_string() + " failed: " + r.error().message());
    if (r.error() != host::errc::host_stopped) st->db.record_dial_failure(peer.to_string(), now_ms());
  }
}

}  // namespace

PeerStoreService::PeerStoreService(std::uint32_t redial, std::size_t max_peers)
    : m_redial(redial), m_max_peers(max_peers) {}
PeerStoreService::~PeerStoreService() = default;

Status PeerStoreService::start(ServiceContext& ctx) {
  const auto file = ctx.loaded.data_dir / "peers.sqlite";
  PeerDb::Limits limits;
  limits.max_peers = m_max_peers;
  auto db = PeerDb::open(file, limits);
  if (!db && db.error() == node_errc::db_corrupt && ctx.options.recover_stores) {
    auto aside = move_store_aside(file);
    if (!aside) return ctx.fail(aside.error(), "cannot move the damaged peer store " + file.string() + " aside: " +
                                                   aside.error().message());
    ctx.report.push_back("peer store " + file.string() + " was damaged: moved to " + aside->string() +
                         ", starting with an empty one (--recover-stores)");
    db = PeerDb::open(file, limits);
  }
  if (!db && db.error() == node_errc::db_corrupt)
    return ctx.fail(db.error(), damaged_store_advice(file, "known peers are relearned from the network"));
  if (!db) return ctx.fail(db.error(), "cannot open peer store " + file.string() + ": " + db.error().message());
  m_state = std::make_shared<State>(ctx.host, std::move(*db), ctx.options.peer_db_flush_interval);
  std::weak_ptr<State> weak = m_state;
  m_state->listener = ctx.host.add_event_listener([weak](const host::Event& e) {
    if (auto s = weak.lock()) s->on_event(e);
  });
  m_state->scope.spawn(flush_loop(m_state), "node.peer_db_flush");
  if (m_redial == 0) return Status{};
  auto cands = m_state->db.redial_candidates(m_redial);
  if (!cands) {
    ctx.report.push_back("peer store: cannot read redial candidates: " + cands.error().message());
    return Status{};
  }
  for (const auto& rec : *cands) {
    auto peer = mf::PeerId::parse(rec.peer_id);
    if (!peer || *peer == ctx.host.peer_id()) continue;
    std::vector<mf::Multiaddr> addrs;
    for (const auto& a : rec.addrs)
      if (auto ma = mf::Multiaddr::parse(a)) addrs.push_back(*ma);
    if (addrs.empty()) continue;
    ctx.host.peer_store().add_addrs(*peer, addrs);
    m_state->scope.spawn(redial_one(m_state, *peer), "node.redial");
  }
  if (!cands->empty()) ctx.report.push_back("redialling " + std::to_string(cands->size()) + " known peer(s)");
  return Status{};
}

asio::awaitable<void> PeerStoreService::stop() {
  if (!m_state) co_return;
  m_state->scope.request_stop();
  m_state->flush_timer.cancel();
}

asio::awaitable<void> PeerStoreService::after_host_stopped() {
  if (!m_state) co_return;
  co_await m_state->scope.join();  // redials have failed with the host's stop
  m_state->host.remove_event_listener(m_state->listener);
  m_state->flush();
}

PeerDb* PeerStoreService::db() { return m_state ? &m_state->db : nullptr; }

std::optional<Json> PeerStoreService::status() const {
  Json j;
  auto rows = m_state->db.rows();
  j["rows"] = rows ? Json(*rows) : Json();
  j["max_peers"] = m_max_peers;
  j["pending_writes"] = m_state->db.pending();
  j["failed_flushes"] = m_state->failed_flushes;
  j["write_error"] = m_state->write_error.empty() ? Json() : Json(m_state->write_error);
  return j;
}

std::optional<std::size_t> PeerStoreService::known_peers() const {
  if (!m_state) return std::nullopt;
  auto rows = m_state->db.rows();
  if (!rows) return std::nullopt;
  return *rows;
}

void PeerStoreService::note_dial_failure(const mf::PeerId& peer) {
  if (m_state) m_state->db.record_dial_failure(peer.to_string(), now_ms());
}

ServiceFactory peer_store_service() {
  return {"peer_store", {}, [](const LoadedConfig& l, const NodeOptions&) -> std::unique_ptr<Service> {
            if (!l.config.peer_store.enabled) return nullptr;
            return std::make_unique<PeerStoreService>(l.config.peer_store.redial, l.config.peer_store.max_peers);
          }};
}

}  // namespace lotus::node
