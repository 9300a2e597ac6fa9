#include "dht/sqlite_record_store.hpp"

#include <sqlite3.h>

#include <chrono>

#include "base/log.hpp"
#include "dht/dht.hpp"
#include "proto/kad/errc.hpp"

namespace lotus::dht {

namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS kad_records ("
    " key BLOB PRIMARY KEY NOT NULL,"
    " value BLOB NOT NULL,"
    " time_received TEXT NOT NULL,"
    " expires_ms INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS kad_records_expiry ON kad_records(expires_ms);";

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

}  // namespace

Result<std::unique_ptr<SqliteRecordStore>> SqliteRecordStore::open(const std::string& path,
                                                                   SqliteRecordStoreConfig config, TimePoint now,
                                                                   WallClockMs wall_ms) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    if (db) {
      LOTUS_LOG(warn, "dht", "record store: open " + path + ": " + sqlite3_errmsg(db));
      sqlite3_close(db);
    }
    return errc::store_io;
  }
  if (sqlite3_exec(db, kSchema, nullptr, nullptr, nullptr) != SQLITE_OK) {
    auto st = db_error(db, "schema");
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
  for (sqlite3_stmt* s : {m_put, m_get, m_exists, m_remove, m_expire, m_count}) sqlite3_finalize(s);
  sqlite3_close(m_db);
}

Status SqliteRecordStore::prepare() {
  struct {
    sqlite3_stmt** out;
    const char* sql;
  } const stmts[] = {
      {&m_put,
       "INSERT INTO kad_records(key, value, time_received, expires_ms) VALUES(?1, ?2, ?3, ?4) "
       "ON CONFLICT(key) DO UPDATE SET value = excluded.value, time_received = excluded.time_received, "
       "expires_ms = excluded.expires_ms"},
      {&m_get, "SELECT value, time_received FROM kad_records WHERE key = ?1 AND expires_ms > ?2"},
      {&m_exists, "SELECT 1 FROM kad_records WHERE key = ?1"},
      {&m_remove, "DELETE FROM kad_records WHERE key = ?1"},
      {&m_expire, "DELETE FROM kad_records WHERE expires_ms <= ?1"},
      {&m_count, "SELECT COUNT(*) FROM kad_records"},
  };
  for (const auto& s : stmts)
    if (sqlite3_prepare_v2(m_db, s.sql, -1, s.out, nullptr) != SQLITE_OK) return db_error(m_db, "prepare");
  return {};
}

std::int64_t SqliteRecordStore::wall_ms(TimePoint t) const {
  return m_wall_base_ms + std::chrono::duration_cast<std::chrono::milliseconds>(t - m_steady_base).count();
}

Status SqliteRecordStore::put(const proto::kad::Record& record, TimePoint now) {
  if (record.key.size() + record.value.size() > m_cfg.max_record_bytes) return proto::kad::errc::value_too_large;
  bool exists = false;
  {
    Use u(m_exists);
    bind_blob(m_exists, 1, record.key);
    exists = sqlite3_step(m_exists) == SQLITE_ROW;
  }
  if (!exists && size() >= m_cfg.max_records) {
    expire(now);
    if (size() >= m_cfg.max_records) return proto::kad::errc::store_full;
  }
  Use u(m_put);
  bind_blob(m_put, 1, record.key);
  bind_blob(m_put, 2, record.value);
  sqlite3_bind_text(m_put, 3, record.time_received.c_str(), static_cast<int>(record.time_received.size()),
                    SQLITE_TRANSIENT);
  sqlite3_bind_int64(m_put, 4,
                     wall_ms(now) + std::chrono::duration_cast<std::chrono::milliseconds>(m_cfg.ttl).count());
  if (sqlite3_step(m_put) != SQLITE_DONE) return db_error(m_db, "put");
  return {};
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
  if (sqlite3_step(m_expire) != SQLITE_DONE) return 0;
  return static_cast<std::size_t>(sqlite3_changes(m_db));
}

std::size_t SqliteRecordStore::size() const {
  Use u(m_count);
  if (sqlite3_step(m_count) != SQLITE_ROW) return 0;
  return static_cast<std::size_t>(sqlite3_column_int64(m_count, 0));
}

}  // namespace lotus::dht
