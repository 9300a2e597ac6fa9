#include "proto/kad/record_store.hpp"

#include "proto/kad/errc.hpp"

namespace lotus::proto::kad {

Status MemoryRecordStore::put(const Record& record, TimePoint now) {
  std::string key(as_string_view(record.key));
  auto it = m_records.find(key);
  if (it == m_records.end() && m_records.size() >= m_cfg.max_records) {
    expire(now);
    if (m_records.size() >= m_cfg.max_records) return errc::store_full;
  }
  m_records.insert_or_assign(std::move(key), Stored{record, now + m_cfg.ttl});
  return {};
}

std::optional<Record> MemoryRecordStore::get(BytesView key, TimePoint now) const {
  auto it = m_records.find(as_string_view(key));
  if (it == m_records.end() || it->second.expires <= now) return std::nullopt;
  return it->second.record;
}

bool MemoryRecordStore::remove(BytesView key) {
  auto it = m_records.find(as_string_view(key));
  if (it == m_records.end()) return false;
  m_records.erase(it);
  return true;
}

std::size_t MemoryRecordStore::expire(TimePoint now) {
  std::size_t n = 0;
  for (auto it = m_records.begin(); it != m_records.end();) {
    if (it->second.expires <= now) {
      it = m_records.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

}  // namespace lotus::proto::kad
