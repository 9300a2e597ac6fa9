// SqliteRecordStore — a persistent proto::kad::RecordStore (the DHT server's stored values) in
// one SQLite database file (table kad_records: key BLOB PRIMARY KEY, value BLOB, time_received
// TEXT, expires_ms INTEGER = wall-clock Unix milliseconds, owner BLOB = the putter's peer id
// bytes, "" for our own; PRAGMA user_version = 2). A version-0 database with the table is the
// old layout without owners and is migrated (its records count as ours); a database whose
// version says the table exists but where it is missing is refused (store_corrupt), never
// silently recreated. open() runs PRAGMA quick_check and refuses a damaged file
// (store_corrupt), and makes the file mode 0600.
//
// Time: the RecordStore interface speaks steady-clock TimePoints; the database needs wall
// time to survive restarts. open() pairs the steady `now` it is given with the wall clock
// (`wall_ms`, default system_clock) and converts every later TimePoint by that offset, so a
// record put with ttl 48 h is still there after a reopen 47 h later and gone after 49 h.
// Bounds: at most max_records rows and max_bytes of keys + values (a put over either first
// drops expired rows, then fails with kad::errc::store_full); a record whose key + value exceed
// max_record_bytes fails with kad::errc::value_too_large. Validation and per-peer quotas are
// the caller's job (kad::RequestHandler), as for MemoryRecordStore.
// Database errors surface as dht::errc::store_io (get() then reports "not found").
// Threading: one thread (the host's). Not stored: provider records (they stay in memory: they
// are re-announced by their providers every 22 h anyway).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "base/time.hpp"
#include "proto/kad/record_store.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace lotus::dht {

struct SqliteRecordStoreConfig {
  Duration ttl = std::chrono::hours(48);
  std::size_t max_records = 65536;
  std::size_t max_record_bytes = 64 * 1024;  // key + value
  std::size_t max_bytes = 256 * 1024 * 1024;  // key + value of all records
};

class SqliteRecordStore final : public proto::kad::RecordStore {
 public:
  using WallClockMs = std::function<std::int64_t()>;  // Unix time in milliseconds
  // Opens (creating if needed) the database at `path` (":memory:" for a private in-memory one).
  static Result<std::unique_ptr<SqliteRecordStore>> open(const std::string& path, SqliteRecordStoreConfig config,
                                                         TimePoint now, WallClockMs wall_ms = nullptr);
  ~SqliteRecordStore() override;
  SqliteRecordStore(const SqliteRecordStore&) = delete;
  SqliteRecordStore& operator=(const SqliteRecordStore&) = delete;

  using proto::kad::RecordStore::put;
  Status put(const proto::kad::Record& record, TimePoint now, std::string_view owner) override;
  std::optional<proto::kad::Record> get(BytesView key, TimePoint now) const override;
  std::optional<Owned> owner_of(BytesView key) const override;
  bool remove(BytesView key) override;
  std::size_t expire(TimePoint now) override;
  std::size_t size() const override;
  proto::kad::StoreUsage usage() const override;
  proto::kad::StoreUsage usage(std::string_view owner) const override;
  // A write failed since open (the database went bad under us): what failed, for status.
  const std::string& last_error() const noexcept { return m_last_error; }

 private:
  SqliteRecordStore(sqlite3* db, SqliteRecordStoreConfig config, TimePoint now, std::int64_t wall_now_ms);
  std::int64_t wall_ms(TimePoint t) const;
  Status prepare();

  sqlite3* m_db = nullptr;
  SqliteRecordStoreConfig m_cfg;
  TimePoint m_steady_base;
  std::int64_t m_wall_base_ms;
  sqlite3_stmt* m_put = nullptr;
  sqlite3_stmt* m_get = nullptr;
  sqlite3_stmt* m_exists = nullptr;
  sqlite3_stmt* m_remove = nullptr;
  sqlite3_stmt* m_expire = nullptr;
  sqlite3_stmt* m_count = nullptr;
  sqlite3_stmt* m_usage = nullptr;
  sqlite3_stmt* m_usage_of = nullptr;
  sqlite3_stmt* m_owner = nullptr;
  mutable std::string m_last_error;
  Status fail(const char* what) const;
};

}  // namespace lotus::dht
