// Record storage for the DHT server side: RecordStore is the interface the handler uses (a
// persistent store can implement it later); MemoryRecordStore keeps records in memory with a
// time-to-live (default 48 h, like go-libp2p-kad-dht's MaxRecordAge) and a record count bound.
// Validation is the caller's job (the handler validates before put()).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/time.hpp"
#include "proto/kad/message.hpp"

namespace lotus::proto::kad {

class RecordStore {
 public:
  virtual ~RecordStore() = default;
  // Stores or replaces the record under record.key; expires at now + ttl.
  virtual Status put(const Record& record, TimePoint now) = 0;
  virtual std::optional<Record> get(BytesView key, TimePoint now) const = 0;
  virtual bool remove(BytesView key) = 0;
  virtual std::size_t expire(TimePoint now) = 0;  // drops expired records; returns how many
  virtual std::size_t size() const = 0;
};

struct RecordStoreConfig {
  Duration ttl = std::chrono::hours(48);
  std::size_t max_records = 4096;
};

class MemoryRecordStore final : public RecordStore {
 public:
  explicit MemoryRecordStore(RecordStoreConfig config = {}) : m_cfg(config) {}
  Status put(const Record& record, TimePoint now) override;  // store_full at capacity
  std::optional<Record> get(BytesView key, TimePoint now) const override;
  bool remove(BytesView key) override;
  std::size_t expire(TimePoint now) override;
  std::size_t size() const override { return m_records.size(); }

 private:
  struct Stored {
    Record record;
    TimePoint expires;
  };
  RecordStoreConfig m_cfg;
  std::map<std::string, Stored, std::less<>> m_records;
};

}  // namespace lotus::proto::kad
