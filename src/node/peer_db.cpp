#include "node/peer_db.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>

#include "base/log.hpp"
#include "node/errors.hpp"

namespace lotus::node {

namespace {

constexpr int k_schema_version = 1;

// A prepared statement, finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { m_rc = sqlite3_prepare_v2(db, sql, -1, &m_s, nullptr); }
  ~Stmt() { sqlite3_finalize(m_s); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return m_rc == SQLITE_OK && m_s; }
  sqlite3_stmt* get() const { return m_s; }
  void text(int i, const std::string& v) { sqlite3_bind_text(m_s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT); }
  void i64(int i, std::int64_t v) { sqlite3_bind_int64(m_s, i, v); }
  std::string col_text(int i) const {
    auto p = sqlite3_column_text(m_s, i);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(m_s, i))) : std::string();
  }
  std::int64_t col_i64(int i) const { return sqlite3_column_int64(m_s, i); }

 private:
  sqlite3_stmt* m_s = nullptr;
  int m_rc = SQLITE_ERROR;
};

bool exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    LOTUS_LOG(warn, "node.peerdb", std::string("sqlite: ") + (err ? err : "error") + " in: " + sql);
    sqlite3_free(err);
    return false;
  }
  return true;
}

// A list column longer than anything we write (128 entries of at most 512 bytes) is damage:
// it reads as empty instead of being parsed into memory.
constexpr std::size_t kMaxListColumnBytes = 256 * 1024;

std::vector<std::string> json_list(const std::string& text) {
  std::vector<std::string> out;
  if (text.size() > kMaxListColumnBytes) return out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& x : j)
    if (x.is_string()) out.push_back(x.get<std::string>());
  return out;
}

std::string to_json_list(const std::vector<std::string>& v) {
  return nlohmann::json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A row is held to the same bounds as what we write (a damaged or edited file can hold more).
PeerRecord read_row(const Stmt& s, const PeerDb::Limits& lim) {
  PeerRecord r;
  r.peer_id = s.col_text(0);
  r.addrs = json_list(s.col_text(1));
  if (r.addrs.size() > lim.max_addrs) r.addrs.resize(lim.max_addrs);
  r.protocols = json_list(s.col_text(2));
  if (r.protocols.size() > lim.max_protocols) r.protocols.resize(lim.max_protocols);
  r.agent = s.col_text(3);
  if (r.agent.size() > lim.max_text) r.agent.resize(lim.max_text);
  r.last_seen_ms = s.col_i64(4);
  r.last_connected_ms = s.col_i64(5);
  r.failures = static_cast<std::uint32_t>(std::clamp<std::int64_t>(s.col_i64(6), 0, UINT32_MAX));
  return r;
}

constexpr const char* k_columns = "peer_id, addrs, protocols, agent, last_seen, last_connected, failures";

}  // namespace

struct PeerDb::Pending {
  bool forget = false;
  std::vector<std::string> add_addrs;                     // from connections
  std::optional<std::vector<std::string>> addrs;          // identify: replaces
  std::optional<std::vector<std::string>> protocols;
  std::optional<std::string> agent;
  std::int64_t last_seen = 0;
  std::int64_t last_connected = 0;
  bool reset_failures = false;
  std::uint32_t new_failures = 0;
};

PeerDb::PeerDb(sqlite3* db, Limits limits) : m_db(db), m_limits(limits) {}
PeerDb::PeerDb(PeerDb&& o) noexcept
    : m_db(std::exchange(o.m_db, nullptr)), m_limits(o.m_limits), m_pending(std::move(o.m_pending)) {}
PeerDb& PeerDb::operator=(PeerDb&& o) noexcept {
  if (this != &o) {
    if (m_db) sqlite3_close(m_db);
    m_db = std::exchange(o.m_db, nullptr);
    m_limits = o.m_limits;
    m_pending = std::move(o.m_pending);
  }
  return *this;
}
PeerDb::~PeerDb() {
  if (m_db) sqlite3_close(m_db);
}

namespace {
// PRAGMA quick_check(1): "ok" or its first finding (or the error that stopped it).
std::string quick_check(sqlite3* db) {
  Stmt s(db, "PRAGMA quick_check(1)");
  if (!s.ok()) return sqlite3_errmsg(db);
  if (sqlite3_step(s.get()) != SQLITE_ROW) return sqlite3_errmsg(db);
  return s.col_text(0);
}
}  // namespace

Result<PeerDb> PeerDb::open(const std::filesystem::path& file, Limits limits) {
  // Created 0600 by us (SQLite would use the umask's 0644; its -wal/-shm files copy the mode).
  if (file != ":memory:") {
    if (int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600); fd >= 0) ::close(fd);
    ::chmod(file.c_str(), 0600);
  }
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    LOTUS_LOG(warn, "node.peerdb", "cannot open " + file.string() + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    return node_errc::db_open_failed;
  }
  PeerDb out(db, limits);
  sqlite3_busy_timeout(db, 2000);
  if (const auto check = quick_check(db); check != "ok") {
    LOTUS_LOG(error, "node.peerdb", file.string() + " fails its integrity check: " + check);
    return node_errc::db_corrupt;
  }
  if (!exec(db, "PRAGMA journal_mode=WAL") || !exec(db, "PRAGMA synchronous=NORMAL")) return node_errc::db_open_failed;
  int version = 0;
  {
    Stmt s(db, "PRAGMA user_version");
    if (!s.ok() || sqlite3_step(s.get()) != SQLITE_ROW) return node_errc::db_open_failed;
    version = static_cast<int>(s.col_i64(0));
  }
  if (version > k_schema_version) {
    LOTUS_LOG(warn, "node.peerdb", file.string() + " has a newer schema (" + std::to_string(version) + ")");
    return node_errc::db_open_failed;
  }
  if (version == 1) {  // the table must be there: a dropped table is damage, not a fresh file
    Stmt t(db, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'peers'");
    if (!t.ok() || sqlite3_step(t.get()) != SQLITE_ROW) return node_errc::db_open_failed;
    if (t.col_i64(0) != 1) {
      LOTUS_LOG(error, "node.peerdb", file.string() + ": schema version 1 but the peers table is missing");
      return node_errc::db_corrupt;
    }
  }
  if (version < 1) {
    if (!exec(db,
              "BEGIN;"
              "CREATE TABLE IF NOT EXISTS peers(peer_id TEXT PRIMARY KEY NOT NULL, addrs TEXT NOT NULL DEFAULT '[]',"
              " protocols TEXT NOT NULL DEFAULT '[]', agent TEXT NOT NULL DEFAULT '',"
              " last_seen INTEGER NOT NULL DEFAULT 0, last_connected INTEGER NOT NULL DEFAULT 0,"
              " failures INTEGER NOT NULL DEFAULT 0);"
              "CREATE INDEX IF NOT EXISTS peers_last_seen ON peers(last_seen);"
              "PRAGMA user_version = 1;"
              "COMMIT;")) {
      exec(db, "ROLLBACK");
      return node_errc::db_open_failed;
    }
  }
  return out;
}

PeerDb::Pending& PeerDb::pending_for(const std::string& peer) {
  auto& p = m_pending[peer];
  if (!p) p = std::make_unique<Pending>();
  return *p;
}

void PeerDb::maybe_autoflush() {
  if (m_pending.size() < m_limits.max_pending) return;
  if (auto s = flush(); !s) LOTUS_LOG(warn, "node.peerdb", "flush failed: " + s.error().message());
}

namespace {
std::vector<std::string> bounded(std::vector<std::string> v, std::size_t max_items, std::size_t max_text) {
  v.erase(std::remove_if(v.begin(), v.end(), [&](const std::string& s) { return s.empty() || s.size() > max_text; }),
          v.end());
  if (v.size() > max_items) v.resize(max_items);
  return v;
}
}  // namespace

void PeerDb::record_connected(const std::string& peer, const std::string& addr, std::int64_t now_ms) {
  auto& p = pending_for(peer);
  p.forget = false;
  if (!addr.empty() && addr.size() <= m_limits.max_text &&
      std::find(p.add_addrs.begin(), p.add_addrs.end(), addr) == p.add_addrs.end() &&
      p.add_addrs.size() < m_limits.max_addrs)
    p.add_addrs.push_back(addr);
  p.last_seen = std::max(p.last_seen, now_ms);
  p.last_connected = std::max(p.last_connected, now_ms);
  p.reset_failures = true;
  p.new_failures = 0;
  maybe_autoflush();
}

void PeerDb::record_identified(const std::string& peer, std::vector<std::string> addrs,
                               std::vector<std::string> protocols, std::string agent, std::int64_t now_ms) {
  auto& p = pending_for(peer);
  p.forget = false;
  p.addrs = bounded(std::move(addrs), m_limits.max_addrs, m_limits.max_text);
  p.protocols = bounded(std::move(protocols), m_limits.max_protocols, m_limits.max_text);
  if (agent.size() > m_limits.max_text) agent.resize(m_limits.max_text);
  p.agent = std::move(agent);
  p.last_seen = std::max(p.last_seen, now_ms);
  maybe_autoflush();
}

void PeerDb::record_dial_failure(const std::string& peer, std::int64_t now_ms) {
  auto& p = pending_for(peer);
  (void)now_ms;
  if (p.new_failures < UINT32_MAX) ++p.new_failures;
  maybe_autoflush();
}

void PeerDb::forget(const std::string& peer) {
  auto& p = pending_for(peer);
  p = Pending{};
  p.forget = true;
  maybe_autoflush();
}

std::size_t PeerDb::pending() const noexcept { return m_pending.size(); }

Status PeerDb::flush() {
  if (m_pending.empty()) return Status{};
  if (!exec(m_db, "BEGIN IMMEDIATE")) return node_errc::db_write_failed;
  auto fail = [&]() -> Status {
    exec(m_db, "ROLLBACK");
    return node_errc::db_write_failed;
  };
  const std::string select = std::string("SELECT ") + k_columns + " FROM peers WHERE peer_id = ?1";
  Stmt sel(m_db, select.c_str());
  Stmt put(m_db,
           "INSERT OR REPLACE INTO peers(peer_id, addrs, protocols, agent, last_seen, last_connected, failures) "
           "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  Stmt del(m_db, "DELETE FROM peers WHERE peer_id = ?1");
  if (!sel.ok() || !put.ok() || !del.ok()) return fail();
  for (const auto& [peer, pending] : m_pending) {
    const Pending& p = *pending;
    if (p.forget) {
      sqlite3_reset(del.get());
      del.text(1, peer);
      if (sqlite3_step(del.get()) != SQLITE_DONE) return fail();
      continue;
    }
    PeerRecord r;
    r.peer_id = peer;
    sqlite3_reset(sel.get());
    sel.text(1, peer);
    const int rc = sqlite3_step(sel.get());
    if (rc == SQLITE_ROW) r = read_row(sel, m_limits);
    else if (rc != SQLITE_DONE) return fail();
    if (p.addrs) r.addrs = *p.addrs;
    for (const auto& a : p.add_addrs)
      if (std::find(r.addrs.begin(), r.addrs.end(), a) == r.addrs.end()) r.addrs.insert(r.addrs.begin(), a);
    if (r.addrs.size() > m_limits.max_addrs) r.addrs.resize(m_limits.max_addrs);
    if (p.protocols) r.protocols = *p.protocols;
    if (p.agent) r.agent = *p.agent;
    r.last_seen_ms = std::max(r.last_seen_ms, p.last_seen);
    r.last_connected_ms = std::max(r.last_connected_ms, p.last_connected);
    if (p.reset_failures) r.failures = 0;
    r.failures = static_cast<std::uint32_t>(std::min<std::uint64_t>(std::uint64_t{r.failures} + p.new_failures, UINT32_MAX));
    sqlite3_reset(put.get());
    put.text(1, r.peer_id);
    put.text(2, to_json_list(r.addrs));
    put.text(3, to_json_list(r.protocols));
    put.text(4, r.agent);
    put.i64(5, r.last_seen_ms);
    put.i64(6, r.last_connected_ms);
    put.i64(7, r.failures);
    if (sqlite3_step(put.get()) != SQLITE_DONE) return fail();
  }
  // Bound the table: beyond max_peers, drop peers without a dialable address first (identities
  // that only ever connected in: nothing to redial), then those that fail to dial, then the
  // least recently seen.
  Stmt trim(m_db,
            "DELETE FROM peers WHERE peer_id IN (SELECT peer_id FROM peers"
            " ORDER BY (addrs != '[]') ASC, (failures >= 5) DESC, last_seen ASC, peer_id ASC"
            " LIMIT max(0, (SELECT count(*) FROM peers) - ?1))");
  if (!trim.ok()) return fail();
  trim.i64(1, static_cast<std::int64_t>(m_limits.max_peers));
  if (sqlite3_step(trim.get()) != SQLITE_DONE) return fail();
  if (!exec(m_db, "COMMIT")) return fail();
  m_pending.clear();
  return Status{};
}

Result<std::size_t> PeerDb::rows() const {
  Stmt s(m_db, "SELECT COUNT(*) FROM peers");
  if (!s.ok() || sqlite3_step(s.get()) != SQLITE_ROW) return node_errc::db_read_failed;
  return static_cast<std::size_t>(s.col_i64(0));
}

Result<std::vector<PeerRecord>> PeerDb::load_all() const {
  const std::string sql = std::string("SELECT ") + k_columns + " FROM peers ORDER BY peer_id";
  Stmt s(m_db, sql.c_str());
  if (!s.ok()) return node_errc::db_read_failed;
  std::vector<PeerRecord> out;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) out.push_back(read_row(s, m_limits));
  if (rc != SQLITE_DONE) return node_errc::db_read_failed;
  return out;
}

Result<std::vector<PeerRecord>> PeerDb::redial_candidates(std::size_t n, std::uint32_t max_failures) const {
  const std::string sql = std::string("SELECT ") + k_columns +
                          " FROM peers WHERE last_connected > 0 AND failures < ?1 AND addrs != '[]'"
                          " ORDER BY last_connected DESC, peer_id ASC LIMIT ?2";
  Stmt s(m_db, sql.c_str());
  if (!s.ok()) return node_errc::db_read_failed;
  s.i64(1, max_failures);
  s.i64(2, static_cast<std::int64_t>(n));
  std::vector<PeerRecord> out;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) out.push_back(read_row(s, m_limits));
  if (rc != SQLITE_DONE) return node_errc::db_read_failed;
  return out;
}

}  // namespace lotus::node
