#include "host/peer_store.hpp"

#include <algorithm>

namespace lotus::host {

std::optional<PeerInfo> PeerStore::get(const mf::PeerId& peer) const {
  auto it = m_peers.find(peer);
  if (it == m_peers.end()) return std::nullopt;
  return it->second.info;
}

std::vector<mf::PeerId> PeerStore::peers() const {
  std::vector<mf::PeerId> out;
  out.reserve(m_peers.size());
  for (auto& [id, e] : m_peers) out.push_back(id);
  return out;
}

PeerInfo& PeerStore::upsert(const mf::PeerId& peer) {
  auto it = m_peers.find(peer);
  if (it == m_peers.end()) {
    evict_if_needed();
    it = m_peers.emplace(peer, Entry{PeerInfo(peer)}).first;
  }
  it->second.touched = ++m_clock;
  return it->second.info;
}

void PeerStore::add_addrs(const mf::PeerId& peer, const std::vector<mf::Multiaddr>& addrs) {
  auto& info = upsert(peer);
  for (const auto& a : addrs) {
    auto bare = a.without_peer_id();
    if (bare.empty()) continue;
    if (std::find(info.addrs.begin(), info.addrs.end(), bare) != info.addrs.end()) continue;
    if (info.addrs.size() >= m_limits.max_addrs_per_peer) info.addrs.erase(info.addrs.begin());
    info.addrs.push_back(std::move(bare));
  }
}

void PeerStore::set_protocols(const mf::PeerId& peer, std::vector<std::string> protocols) {
  if (protocols.size() > m_limits.max_protocols_per_peer) protocols.resize(m_limits.max_protocols_per_peer);
  upsert(peer).protocols = std::move(protocols);
}

void PeerStore::set_latency(const mf::PeerId& peer, Duration rtt) { upsert(peer).latency = rtt; }

void PeerStore::remove(const mf::PeerId& peer) { m_peers.erase(peer); }

void PeerStore::set_connected(const mf::PeerId& peer, bool connected) {
  auto it = m_peers.find(peer);
  if (it != m_peers.end()) it->second.connected = connected;
}

void PeerStore::evict_if_needed() {
  while (m_peers.size() >= m_limits.max_peers && !m_peers.empty()) {
    auto victim = m_peers.end();
    for (auto it = m_peers.begin(); it != m_peers.end(); ++it) {
      if (it->second.connected) continue;
      if (victim == m_peers.end() || it->second.touched < victim->second.touched) victim = it;
    }
    if (victim == m_peers.end()) break;  // everyone is connected: grow past the soft limit
    m_peers.erase(victim);
  }
}

}  // namespace lotus::host
