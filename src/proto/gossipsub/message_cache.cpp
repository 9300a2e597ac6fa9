#include "proto/gossipsub/message_cache.hpp"

namespace lotus::proto::gossipsub {

void MessageCache::erase(const MessageId& id) {
  auto it = m_entries.find(id);
  if (it == m_entries.end()) return;
  m_bytes -= it->second.msg.data.size();
  m_entries.erase(it);
}

void MessageCache::put(const MessageId& id, const Message& m) {
  auto [it, inserted] = m_entries.try_emplace(id);
  if (!inserted) return;
  it->second.msg = m;
  m_bytes += m.data.size();
  m_windows.front().emplace_back(id, m.topic);
  // Over the byte bound: the oldest messages go first (never the one just put).
  for (auto w = m_windows.rbegin(); m_bytes > m_max_bytes && w != m_windows.rend(); ++w) {
    while (m_bytes > m_max_bytes && !w->empty() && !(w->front().first == id)) {
      erase(w->front().first);
      w->erase(w->begin());
    }
  }
}

const Message* MessageCache::get(const MessageId& id) const {
  auto it = m_entries.find(id);
  return it == m_entries.end() ? nullptr : &it->second.msg;
}

const Message* MessageCache::get_for_peer(const MessageId& id, const mf::PeerId& peer,
                                          std::size_t max_transmissions) {
  auto it = m_entries.find(id);
  if (it == m_entries.end()) return nullptr;
  auto& n = it->second.sent[peer];
  if (n >= max_transmissions) return nullptr;
  ++n;
  return &it->second.msg;
}

std::vector<MessageId> MessageCache::gossip_ids(const std::string& topic) const {
  std::vector<MessageId> out;
  for (std::size_t i = 0; i < m_gossip && i < m_windows.size(); ++i)
    for (const auto& [id, t] : m_windows[i])
      if (t == topic) out.push_back(id);
  return out;
}

void MessageCache::shift() {
  if (m_windows.empty()) return;
  for (const auto& [id, t] : m_windows.back()) erase(id);
  m_windows.pop_back();
  m_windows.emplace_front();
}

bool SeenCache::insert(const MessageId& id, TimePoint now) {
  auto [it, inserted] = m_set.try_emplace(id, now);
  if (!inserted) return false;
  m_order.emplace_back(now + m_ttl, id);
  while (m_set.size() > m_max) {
    m_set.erase(m_order.front().second);
    m_order.pop_front();
  }
  return true;
}

void SeenCache::expire(TimePoint now) {
  while (!m_order.empty() && m_order.front().first <= now) {
    m_set.erase(m_order.front().second);
    m_order.pop_front();
  }
}

}  // namespace lotus::proto::gossipsub
