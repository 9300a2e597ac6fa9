// Record storage for the DHT server side: RecordStore is the interface the handler uses
// (dht::SqliteRecordStore persists it); MemoryRecordStore keeps records in memory with a
// time-to-live (default 48 h, like go-libp2p-kad-dht's MaxRecordAge), a record count bound and
// a byte bound (key + value, all records together).
//
// Ownership: every record is attributed to the peer that last put it (`owner`: the putter's
// peer id bytes as a string; "" for our own records), so that the handler can hold each remote
// peer to its quota (HandlerConfig) and the quotas survive restarts with a persistent store.
// Validation is the caller's job (the handler validates before put()).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/time.hpp"
#include "proto/kad/message.hpp"

namespace lotus::proto::kad {

// Records and their key + value bytes.
struct StoreUsage {
  std::size_t records = 0;
  std::size_t bytes = 0;
};

class RecordStore {
 public:
  virtual ~RecordStore() = default;
  // Stores or replaces the record under record.key, attributed to `owner`; expires at
  // now + ttl. store_full beyond the count or byte bound (after dropping expired records).
  virtual Status put(const Record& record, TimePoint now, std::string_view owner) = 0;
  Status put(const Record& record, TimePoint now) { return put(record, now, {}); }  // our own
  virtual std::optional<Record> get(BytesView key, TimePoint now) const = 0;
  // Who owns the record stored under `key` (expired or not) and its key + value bytes.
  struct Owned {
    std::string owner;
    std::size_t bytes = 0;
  };
  virtual std::optional<Owned> owner_of(BytesView key) const = 0;
  virtual bool remove(BytesView key) = 0;
  virtual std::size_t expire(TimePoint now) = 0;  // drops expired records; returns how many
  virtual std::size_t size() const = 0;
  virtual StoreUsage usage() const = 0;                        // all records
  virtual StoreUsage usage(std::string_view owner) const = 0;  // one owner's
};

struct RecordStoreConfig {
  Duration ttl = std::chrono::hours(48);
  std::size_t max_records = 4096;
  std::size_t max_bytes = 64 * 1024 * 1024;  // key + value of all records
};

class MemoryRecordStore final : public RecordStore {
 public:
  explicit MemoryRecordStore(RecordStoreConfig config = {}) : m_cfg(config) {}
  using RecordStore::put;
  Status put(const Record& record, TimePoint now, std::string_view owner) override;
  std::optional<Record> get(BytesView key, TimePoint now) const override;
  std::optional<Owned> owner_of(BytesView key) const override;
  bool remove(BytesView key) override;
  std::size_t expire(TimePoint now) override;
  std::size_t size() const override { return m_records.size(); }
  StoreUsage usage() const override { return {m_records.size(), m_bytes}; }
  StoreUsage usage(std::string_view owner) const override;

 private:
  struct Stored {
    Record record;
    TimePoint expires;
    std::string owner;
  };
  void erase(std::map<std::string, Stored, std::less<>>::iterator it);
  RecordStoreConfig m_cfg;
  std::map<std::string, Stored, std::less<>> m_records;
  std::map<std::string, StoreUsage, std::less<>> m_by_owner;
  std::size_t m_bytes = 0;
};

}  // namespace lotus::proto::kad
