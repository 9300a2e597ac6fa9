#include "dht/sqlite_record_store.hpp"

#include <sqlite3.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <optional>

#include "base/log.hpp"
#include "dht/dht.hpp"
#include "proto/kad/errc.hpp"

namespace lotus::dht {

namespace {

// Version 2: records carry their owner (the putter's peer id bytes; "" for ours).
constexpr int kSchemaVersion = 2;
constexpr const char* kCreate =
    "CREATE TABLE kad_records ("
    " key BLOB PRIMARY KEY NOT NULL,"
    " value BLOB NOT NULL,"
    " time_received TEXT NOT NULL,"
    " expires_ms INTEGER NOT NULL,"
    " owner BLOB NOT NULL DEFAULT x'');"
    "CREATE INDEX kad_records_expiry ON kad_records(expires_ms);"
    "CREATE INDEX kad_records_owner ON kad_records(owner);"
    "PRAGMA user_version = 2;";
// The layout before owners (user_version 0, table present): its records become ours.
constexpr const char* kMigrate1 =
    "ALTER TABLE kad_records ADD COLUMN owner BLOB NOT NULL DEFAULT x'';"
    "CREATE INDEX IF NOT EXISTS kad_records_expiry ON kad_records(expires_ms);"
    "CREATE INDEX kad_records_owner ON kad_records(owner);"
    "PRAGMA user_version = 2;";

// Resets a statement when leaving scope.
class Use {
 public:
  explicit Use(sqlite3_stmt* s) : m_s(s) {}
  ~Use() {
    sqlite3_reset(m_s);
    sqlite3_clear_bindings(m_s);
  }
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;

 private:
  sqlite3_stmt* m_s;
};

void bind_blob(sqlite3_stmt* s, int i, BytesView b) {
  // SQLITE_TRANSIENT: sqlite copies; an empty blob still binds as a (zero-length) blob.
  sqlite3_bind_blob(s, i, b.empty() ? "" : static_cast<const void*>(b.data()), static_cast<int>(b.size()),
                    SQLITE_TRANSIENT);
}

Bytes column_blob(sqlite3_stmt* s, int i) {
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, i));
  const int n = sqlite3_column_bytes(s, i);
  return p && n > 0 ? Bytes(p, p + n) : Bytes{};
}

Status db_error(sqlite3* db, const char* what) {
  LOTUS_LOG(warn, "dht", std::string("record store: ") + what + ": " + sqlite3_errmsg(db));
  return errc::store_io;
}

// One integer from a single-row query (PRAGMA user_version, a COUNT(*)); nullopt on error.
std::optional<std::int64_t> query_int(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) return std::nullopt;
  std::optional<std::int64_t> out;
  if (sqlite3_step(st) == SQLITE_ROW) out = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return out;
}

// PRAGMA quick_check: "ok", or the first problem it reports.
std::string quick_check(sqlite3* db) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &st, nullptr) != SQLITE_OK) return sqlite3_errmsg(db);
  std::string out = "no answer";
  const int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    if (const auto* t = sqlite3_column_text(st, 0)) out = reinterpret_cast<const char*>(t);
  } else {
    out = sqlite3_errmsg(db);
  }
  sqlite3_finalize(st);
  return out;
}

// Brings the schema to kSchemaVersion: creates it in an empty file, migrates the layout
// without owners, and refuses a file whose version promises a table that is not there.
Status ensure_schema(sqlite3* db, const std::string& path) {
  const auto version = query_int(db, "PRAGMA user_version");
  const auto table =
      query_int(db, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'kad_records'");
  if (!version || !table) return db_error(db, "read schema");
  const char* sql = nullptr;
  if (*version == kSchemaVersion && *table == 1) return {};
  if (*version == 0 && *table == 0) sql = kCreate;
  if (*version == 0 && *table == 1) sql = kMigrate1;
  if (!sql) {
    LOTUS_LOG(error, "dht", "record store " + path + ": schema version " + std::to_string(*version) +
                                (*table ? "" : " but the kad_records table is missing") + " (this build knows " +
                                std::to_string(kSchemaVersion) + ")");
    return *version > kSchemaVersion ? errc::store_io : errc::store_corrupt;
  }
  if (sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) return db_error(db, "begin");
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    auto st = db_error(db, "schema");
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return st;
  }
  if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return db_error(db, "commit");
  return {};
}

}  // namespace

Result<std::unique_ptr<SqliteRecordStore>> SqliteRecordStore::open(const std::string& path,
                                                                   SqliteRecordStoreConfig config, TimePoint now,
                                                                   WallClockMs wall_ms) {
  if (path != ":memory:") {  // created 0600 by us (SQLite's -wal/-shm files copy the mode)
    if (int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600); fd >= 0) ::close(fd);
    ::chmod(path.c_str(), 0600);
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    if (db) {
      LOTUS_LOG(warn, "dht", "record store: open " + path + ": " + sqlite3_errmsg(db));
      sqlite3_close(db);
    }
    return errc::store_io;
  }
  // A damaged file is refused here, not discovered by the first write.
  if (const auto check = quick_check(db); check != "ok") {
    LOTUS_LOG(error, "dht", "record store " + path + " fails its integrity check: " + check);
    sqlite3_close(db);
    return errc::store_corrupt;
  }
  if (auto st = ensure_schema(db, path); !st) {
    sqlite3_close(db);
    return st.error();
  }
  const std::int64_t wall_now =
      wall_ms ? wall_ms()
              : std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                    .count();
  std::unique_ptr<SqliteRecordStore> store(new SqliteRecordStore(db, config, now, wall_now));
  if (auto st = store->prepare(); !st) return st.error();
  return store;
}

SqliteRecordStore::SqliteRecordStore(sqlite3* db, SqliteRecordStoreConfig config, TimePoint now,
                                     std::int64_t wall_now_ms)
    : m_db(db), m_cfg(config), m_steady_base(now), m_wall_base_ms(wall_now_ms) {}

SqliteRecordStore::~SqliteRecordStore() {
  for (sqlite3_stmt* s : {m_put, m_get, m_exists, m_remove, m_expire, m_count, m_usage, m_usage_of, m_owner})
    sqlite3_finalize(s);
  sqlite3_close(m_db);
}

Status SqliteRecordStore::prepare() {
  struct {
    sqlite3_stmt** out;
    const char* sql;
  } const stmts[] = {
      {&m_put,
       "INSERT INTO kad_records(key, value, time_received, expires_ms, owner) VALUES(?1, ?2, ?3, ?4, ?5) "
       "ON CONFLICT(key) DO UPDATE SET value = excluded.value, time_received = excluded.time_received, "
       "expires_ms = excluded.expires_ms, owner = excluded.owner"},
      {&m_get, "SELECT value, time_received FROM kad_records WHERE key = ?1 AND expires_ms > ?2"},
      {&m_exists, "SELECT 1 FROM kad_records WHERE key = ?1"},
      {&m_remove, "DELETE FROM kad_records WHERE key = ?1"},
      {&m_expire, "DELETE FROM kad_records WHERE expires_ms <= ?1"},
      {&m_count, "SELECT COUNT(*) FROM kad_records"},
      {&m_usage, "SELECT COUNT(*), COALESCE(SUM(LENGTH(key) + LENGTH(value)), 0) FROM kad_records"},
      {&m_usage_of,
       "SELECT COUNT(*), COALESCE(SUM(LENGTH(key) + LENGTH(value)), 0) FROM kad_records WHERE owner = ?1"},
      {&m_owner, "SELECT owner, LENGTH(key) + LENGTH(value) FROM kad_records WHERE key = ?1"},
  };
  for (const auto& s : stmts)
    if (sqlite3_prepare_v2(m_db, s.sql, -1, s.out, nullptr) != SQLITE_OK) return db_error(m_db, "prepare");
  return {};
}

std::int64_t SqliteRecordStore::wall_ms(TimePoint t) const {
  return m_wall_base_ms + std::chrono::duration_cast<std::chrono::milliseconds>(t - m_steady_base).count();
}

Status SqliteRecordStore::fail(const char* what) const {
  m_last_error = std::string(what) + ": " + sqlite3_errmsg(m_db);
  return db_error(m_db, what);
}

Status SqliteRecordStore::put(const proto::kad::Record& record, TimePoint now, std::string_view owner) {
  const std::size_t n = record.key.size() + record.value.size();
  if (n > m_cfg.max_record_bytes) return proto::kad::errc::value_too_large;
  const auto prev = owner_of(record.key);
  auto fits = [&](const std::optional<Owned>& replaced) {
    const auto u = usage();
    return (replaced || u.records < m_cfg.max_records) && u.bytes - (replaced ? replaced->bytes : 0) + n <= m_cfg.max_bytes;
  };
  if (!fits(prev)) {
    expire(now);
    if (!fits(owner_of(record.key))) return proto::kad::errc::store_full;
  }
  Use u(m_put);
  bind_blob(m_put, 1, record.key);
  bind_blob(m_put, 2, record.value);
  sqlite3_bind_text(m_put, 3, record.time_received.c_str(), static_cast<int>(record.time_received.size()),
                    SQLITE_TRANSIENT);
  sqlite3_bind_int64(m_put, 4,
                     wall_ms(now) + std::chrono::duration_cast<std::chrono::milliseconds>(m_cfg.ttl).count());
  bind_blob(m_put, 5, as_bytes(owner));
  if (sqlite3_step(m_put) != SQLITE_DONE) return fail("put");
  return {};
}

std::optional<proto::kad::RecordStore::Owned> SqliteRecordStore::owner_of(BytesView key) const {
  Use u(m_owner);
  bind_blob(m_owner, 1, key);
  if (sqlite3_step(m_owner) != SQLITE_ROW) return std::nullopt;
  const Bytes o = column_blob(m_owner, 0);
  return Owned{std::string(o.begin(), o.end()), static_cast<std::size_t>(sqlite3_column_int64(m_owner, 1))};
}

proto::kad::StoreUsage SqliteRecordStore::usage() const {
  Use u(m_usage);
  if (sqlite3_step(m_usage) != SQLITE_ROW) return {};
  return {static_cast<std::size_t>(sqlite3_column_int64(m_usage, 0)),
          static_cast<std::size_t>(sqlite3_column_int64(m_usage, 1))};
}

proto::kad::StoreUsage SqliteRecordStore::usage(std::string_view owner) const {
  Use u(m_usage_of);
  bind_blob(m_usage_of, 1, as_bytes(owner));
  if (sqlite3_step(m_usage_of) != SQLITE_ROW) return {};
  return {static_cast<std::size_t>(sqlite3_column_int64(m_usage_of, 0)),
          static_cast<std::size_t>(sqlite3_column_int64(m_usage_of, 1))};
}

std::optional<proto::kad::Record> SqliteRecordStore::get(BytesView key, TimePoint now) const {
  Use u(m_get);
  bind_blob(m_get, 1, key);
  sqlite3_bind_int64(m_get, 2, wall_ms(now));
  if (sqlite3_step(m_get) != SQLITE_ROW) return std::nullopt;
  proto::kad::Record r;
  r.key.assign(key.begin(), key.end());
  r.value = column_blob(m_get, 0);
  if (const auto* t = sqlite3_column_text(m_get, 1))
    r.time_received.assign(reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_column_bytes(m_get, 1)));
  return r;
}

bool SqliteRecordStore::remove(BytesView key) {
  Use u(m_remove);
  bind_blob(m_remove, 1, key);
  return sqlite3_step(m_remove) == SQLITE_DONE && sqlite3_changes(m_db) > 0;
}

std::size_t SqliteRecordStore::expire(TimePoint now) {
  Use u(m_expire);
  sqlite3_bind_int64(m_expire, 1, wall_ms(now));
  if (sqlite3_step(m_expire) != SQLITE_DONE) {
    (void)fail("expire");
    return 0;
  }
  return static_cast<std::size_t>(sqlite3_changes(m_db));
}

std::size_t SqliteRecordStore::size() const {
  Use u(m_count);
  if (sqlite3_step(m_count) != SQLITE_ROW) return 0;
  return static_cast<std::size_t>(sqlite3_column_int64(m_count, 0));
}

}  // namespace lotus::dht
