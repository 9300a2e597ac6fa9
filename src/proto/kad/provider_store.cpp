#include "proto/kad/provider_store.hpp"

#include <algorithm>

#include "proto/kad/errc.hpp"

namespace lotus::proto::kad {

void ProviderStore::count(const mf::PeerId& p, int delta) {
  auto& n = m_per_provider[p];
  n = static_cast<std::size_t>(static_cast<long long>(n) + delta);
  if (n == 0) m_per_provider.erase(p);
}

std::size_t ProviderStore::keys_of(const mf::PeerId& provider) const {
  auto it = m_per_provider.find(provider);
  return it == m_per_provider.end() ? 0 : it->second;
}

bool ProviderStore::provides(BytesView key, const mf::PeerId& provider) const {
  auto it = m_keys.find(as_string_view(key));
  if (it == m_keys.end()) return false;
  for (const auto& a : it->second)
    if (a.provider.id == provider) return true;
  return false;
}

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
  count(provider.id, 1);
  for (auto a = list.begin(); a != list.end();) {
    if (a->provider.id == provider.id) {
      count(a->provider.id, -1);
      a = list.erase(a);
    } else {
      ++a;
    }
  }
  if (list.size() >= m_cfg.max_providers_per_key) {  // oldest first
    count(list.front().provider.id, -1);
    list.erase(list.begin());
  }
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
    n += std::erase_if(it->second, [&](const Announcement& a) {
      if (a.added + m_cfg.ttl > now) return false;
      count(a.provider.id, -1);
      return true;
    });
    if (it->second.empty())
      it = m_keys.erase(it);
    else
      ++it;
  }
  return n;
}

}  // namespace lotus::proto::kad
