#include "proto/kad/record_store.hpp"

#include "proto/kad/errc.hpp"

namespace lotus::proto::kad {

namespace {
std::size_t record_bytes(const Record& r) { return r.key.size() + r.value.size(); }
}  // namespace

void MemoryRecordStore::erase(std::map<std::string, Stored, std::less<>>::iterator it) {
  const std::size_t n = record_bytes(it->second.record);
  m_bytes -= n;
  auto o = m_by_owner.find(it->second.owner);
  if (o != m_by_owner.end()) {
    o->second.bytes -= n;
    if (--o->second.records == 0) m_by_owner.erase(o);
  }
  m_records.erase(it);
}

Status MemoryRecordStore::put(const Record& record, TimePoint now, std::string_view owner) {
  std::string key(as_string_view(record.key));
  const std::size_t n = record_bytes(record);
  auto it = m_records.find(key);
  const std::size_t replaced = it == m_records.end() ? 0 : record_bytes(it->second.record);
  auto fits = [&] {
    return (it != m_records.end() || m_records.size() < m_cfg.max_records) && m_bytes - replaced + n <= m_cfg.max_bytes;
  };
  if (!fits()) {
    expire(now);
    it = m_records.find(key);
    if (!fits()) return errc::store_full;
  }
  if (it != m_records.end()) erase(it);
  auto& usage = m_by_owner[std::string(owner)];
  ++usage.records;
  usage.bytes += n;
  m_bytes += n;
  m_records.emplace(std::move(key), Stored{record, now + m_cfg.ttl, std::string(owner)});
  return {};
}

std::optional<Record> MemoryRecordStore::get(BytesView key, TimePoint now) const {
  auto it = m_records.find(as_string_view(key));
  if (it == m_records.end() || it->second.expires <= now) return std::nullopt;
  return it->second.record;
}

std::optional<RecordStore::Owned> MemoryRecordStore::owner_of(BytesView key) const {
  auto it = m_records.find(as_string_view(key));
  if (it == m_records.end()) return std::nullopt;
  return Owned{it->second.owner, record_bytes(it->second.record)};
}

StoreUsage MemoryRecordStore::usage(std::string_view owner) const {
  auto it = m_by_owner.find(owner);
  return it == m_by_owner.end() ? StoreUsage{} : it->second;
}

bool MemoryRecordStore::remove(BytesView key) {
  auto it = m_records.find(as_string_view(key));
  if (it == m_records.end()) return false;
  erase(it);
  return true;
}

std::size_t MemoryRecordStore::expire(TimePoint now) {
  std::size_t n = 0;
  for (auto it = m_records.begin(); it != m_records.end();) {
    auto next = std::next(it);
    if (it->second.expires <= now) {
      erase(it);
      ++n;
    }
    it = next;
  }
  return n;
}

}  // namespace lotus::proto::kad
