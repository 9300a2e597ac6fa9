#include "proto/kad/provider_store.hpp"

#include <algorithm>

#include "proto/kad/errc.hpp"

namespace lotus::proto::kad {

Status ProviderStore::add(BytesView key, const PeerInfo& provider, TimePoint now) {
  std::string k(as_string_view(key));
  auto it = m_keys.find(k);
  if (it == m_keys.end()) {
    if (m_keys.size() >= m_cfg.max_keys) {
      expire(now);
      if (m_keys.size() >= m_cfg.max_keys) return errc::store_full;
    }
    it = m_keys.emplace(std::move(k), std::vector<Announcement>{}).first;
  }
  auto& list = it->second;
  std::erase_if(list, [&](const Announcement& a) { return a.provider.id == provider.id; });
  if (list.size() >= m_cfg.max_providers_per_key) list.erase(list.begin());  // oldest first
  Announcement a{provider, now};
  if (a.provider.addrs.size() > m_cfg.max_addrs_per_provider) a.provider.addrs.resize(m_cfg.max_addrs_per_provider);
  list.push_back(std::move(a));
  return {};
}

std::vector<PeerInfo> ProviderStore::get(BytesView key, TimePoint now, std::size_t max) const {
  std::vector<PeerInfo> out;
  auto it = m_keys.find(as_string_view(key));
  if (it == m_keys.end()) return out;
  for (auto a = it->second.rbegin(); a != it->second.rend() && out.size() < max; ++a)
    if (a->added + m_cfg.ttl > now) out.push_back(a->provider);
  return out;
}

std::size_t ProviderStore::expire(TimePoint now) {
  std::size_t n = 0;
  for (auto it = m_keys.begin(); it != m_keys.end();) {
    n += std::erase_if(it->second, [&](const Announcement& a) { return a.added + m_cfg.ttl <= now; });
    if (it->second.empty())
      it = m_keys.erase(it);
    else
      ++it;
  }
  return n;
}

}  // namespace lotus::proto::kad
