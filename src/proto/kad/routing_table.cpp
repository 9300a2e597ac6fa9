#include "proto/kad/routing_table.hpp"

#include <algorithm>
#include <cassert>

namespace lotus::proto::kad {

namespace {

bool private_v4(const std::uint8_t* a) {
  return a[0] == 10 || a[0] == 127 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
         (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254) ||
         (a[0] == 100 && (a[1] & 0xc0) == 64);
}

bool private_v6(const std::uint8_t* a) {
  static constexpr std::uint8_t kLoopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return std::equal(a, a + 16, kLoopback) || (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
}

std::uint64_t v4_group(const std::uint8_t* a) {  // /24
  return (std::uint64_t{4} << 56) | (std::uint64_t{a[0]} << 16) | (std::uint64_t{a[1]} << 8) | a[2];
}

std::uint64_t v4_wide_group(const std::uint8_t* a) {  // /16 (an ASN-free stand-in)
  return (std::uint64_t{16} << 56) | (std::uint64_t{a[0]} << 8) | a[1];
}

bool is_wide(std::uint64_t g) { return (g >> 56) == 16; }

std::uint64_t v6_group(const std::uint8_t* a) {  // /48
  std::uint64_t g = std::uint64_t{6} << 56;
  for (int i = 0; i < 6; ++i) g |= std::uint64_t{a[i]} << (8 * (5 - i));
  return g;
}

}  // namespace

RoutingTable::RoutingTable(const mf::PeerId& self, RoutingConfig config)
    : m_self(self), m_local(Key::from_peer(self)), m_cfg(config), m_buckets(kKeyBits) {
  assert(m_cfg.k > 0);
}

std::size_t RoutingTable::bucket_index(const Key& key) const {
  const std::size_t cpl = common_prefix_length(m_local, key);
  assert(cpl < kKeyBits);
  return cpl;
}

std::vector<std::uint64_t> RoutingTable::groups_of(const std::vector<mf::Multiaddr>& addrs) const {
  std::vector<std::uint64_t> out;
  for (const auto& ma : addrs) {
    for (const auto& c : ma.components()) {
      std::optional<std::uint64_t> g, wide;
      if (c.code == mf::proto::ip4 && c.value.size() == 4) {
        if (!(m_cfg.diversity_exempt_private && private_v4(c.value.data()))) {
          g = v4_group(c.value.data());
          wide = v4_wide_group(c.value.data());
        }
      } else if (c.code == mf::proto::ip6 && c.value.size() == 16) {
        const std::uint8_t* a = c.value.data();
        static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (std::equal(a, a + 12, kMapped)) {
          if (!(m_cfg.diversity_exempt_private && private_v4(a + 12))) {
            g = v4_group(a + 12);
            wide = v4_wide_group(a + 12);
          }
        } else if (!(m_cfg.diversity_exempt_private && private_v6(a))) {
          g = v6_group(a);
        }
      }
      if (g && std::find(out.begin(), out.end(), *g) == out.end()) out.push_back(*g);
      if (wide && std::find(out.begin(), out.end(), *wide) == out.end()) out.push_back(*wide);
      break;  // only the leading network component of each address
    }
  }
  return out;
}

bool RoutingTable::diversity_ok(const Bucket& b, const std::vector<std::uint64_t>& groups) const {
  for (std::uint64_t g : groups) {
    auto it = m_group_count.find(g);
    const bool w = is_wide(g);
    const std::size_t table_max = w ? m_cfg.max_per_wide_group_table : m_cfg.max_per_group_table;
    const std::size_t bucket_max = w ? m_cfg.max_per_wide_group_per_bucket : m_cfg.max_per_group_per_bucket;
    if (it != m_group_count.end() && it->second >= table_max) return false;
    std::size_t in_bucket = 0;
    for (const auto& e : b.entries)
      in_bucket += static_cast<std::size_t>(std::count(e.groups.begin(), e.groups.end(), g));
    if (in_bucket >= bucket_max) return false;
  }
  return true;
}

void RoutingTable::count_groups(const std::vector<std::uint64_t>& groups, bool add) {
  for (std::uint64_t g : groups) {
    if (add) {
      ++m_group_count[g];
    } else {
      auto it = m_group_count.find(g);
      if (it == m_group_count.end()) continue;  // cannot happen: every entry's groups were counted
      if (--it->second == 0) m_group_count.erase(it);
    }
  }
}

void RoutingTable::push_event(RoutingEvent ev) {
  if (m_events.size() >= m_cfg.max_events) {
    m_events.pop_front();
    ++m_dropped_events;
  }
  m_events.push_back(std::move(ev));
}

std::optional<RoutingEvent> RoutingTable::poll_event() {
  if (m_events.empty()) return std::nullopt;
  RoutingEvent ev = std::move(m_events.front());
  m_events.pop_front();
  return ev;
}

UpdateResult RoutingTable::update(const PeerInfo& peer, bool server, TimePoint now) {
  const Key key = Key::from_peer(peer.id);
  if (key == m_local) return UpdateResult::rejected_self;
  const std::size_t bi = bucket_index(key);
  Bucket& b = m_buckets[bi];
  auto same = [&](const Entry& e) { return e.key == key; };
  auto it = std::find_if(b.entries.begin(), b.entries.end(), same);
  if (it != b.entries.end()) {
    if (!server) {
      evict(bi, static_cast<std::size_t>(it - b.entries.begin()), now);
      return UpdateResult::removed;
    }
    Entry e = std::move(*it);
    b.entries.erase(it);
    if (!peer.addrs.empty()) {
      count_groups(e.groups, false);
      e.info.addrs.assign(peer.addrs.begin(),
                          peer.addrs.begin() + static_cast<std::ptrdiff_t>(std::min(peer.addrs.size(), m_cfg.max_addrs_per_peer)));
      e.groups = groups_of(e.info.addrs);
      count_groups(e.groups, true);
    }
    e.last_seen = now;
    b.entries.push_back(std::move(e));
    return UpdateResult::updated;
  }
  auto cached = std::find_if(b.cache.begin(), b.cache.end(), same);
  if (!server) {
    if (cached != b.cache.end()) b.cache.erase(cached);
    return UpdateResult::rejected_not_server;
  }
  Entry e{peer, key, now, {}};
  if (e.info.addrs.size() > m_cfg.max_addrs_per_peer) e.info.addrs.resize(m_cfg.max_addrs_per_peer);
  e.groups = groups_of(e.info.addrs);
  if (!diversity_ok(b, e.groups)) return UpdateResult::rejected_diversity;
  if (b.entries.size() < m_cfg.k) {
    if (cached != b.cache.end()) b.cache.erase(cached);
    count_groups(e.groups, true);
    b.entries.push_back(std::move(e));
    ++m_size;
    push_event(PeerAdded{peer.id});
    return UpdateResult::added;
  }
  if (cached != b.cache.end()) b.cache.erase(cached);
  if (m_cfg.replacement_cache_size > 0) {
    if (b.cache.size() >= m_cfg.replacement_cache_size) b.cache.erase(b.cache.begin());
    b.cache.push_back(std::move(e));
  }
  if (!b.pinging) {
    b.pinging = b.entries.front().info.id;
    b.ping_deadline = now + m_cfg.ping_timeout;
    push_event(PingRequest{b.entries.front().info});
  }
  return UpdateResult::pending;
}

void RoutingTable::evict(std::size_t bi, std::size_t index, TimePoint now) {
  (void)now;
  Bucket& b = m_buckets[bi];
  Entry gone = std::move(b.entries[index]);
  b.entries.erase(b.entries.begin() + static_cast<std::ptrdiff_t>(index));
  count_groups(gone.groups, false);
  --m_size;
  if (b.pinging && *b.pinging == gone.info.id) {
    b.pinging.reset();
    b.ping_deadline = kNever;
  }
  push_event(PeerRemoved{gone.info.id});
  // Promote the newest cached candidate that fits the diversity limits.
  for (auto c = b.cache.rbegin(); c != b.cache.rend(); ++c) {
    if (!diversity_ok(b, c->groups)) continue;
    Entry e = std::move(*c);
    b.cache.erase(std::next(c).base());
    count_groups(e.groups, true);
    push_event(PeerAdded{e.info.id});
    b.entries.push_back(std::move(e));
    ++m_size;
    break;
  }
}

void RoutingTable::on_ping_result(const mf::PeerId& peer, bool alive, TimePoint now) {
  const Key key = Key::from_peer(peer);
  if (key == m_local) return;
  const std::size_t bi = bucket_index(key);
  Bucket& b = m_buckets[bi];
  if (!b.pinging || *b.pinging != peer) return;
  b.pinging.reset();
  b.ping_deadline = kNever;
  auto it = std::find_if(b.entries.begin(), b.entries.end(), [&](const Entry& e) { return e.key == key; });
  if (it == b.entries.end()) return;
  if (alive) {
    Entry e = std::move(*it);
    b.entries.erase(it);
    e.last_seen = now;
    b.entries.push_back(std::move(e));
  } else {
    evict(bi, static_cast<std::size_t>(it - b.entries.begin()), now);
  }
}

bool RoutingTable::remove(const mf::PeerId& peer, TimePoint now) {
  const Key key = Key::from_peer(peer);
  if (key == m_local) return false;
  const std::size_t bi = bucket_index(key);
  Bucket& b = m_buckets[bi];
  auto it = std::find_if(b.entries.begin(), b.entries.end(), [&](const Entry& e) { return e.key == key; });
  if (it == b.entries.end()) {
    auto c = std::find_if(b.cache.begin(), b.cache.end(), [&](const Entry& e) { return e.key == key; });
    if (c == b.cache.end()) return false;
    b.cache.erase(c);
    return true;
  }
  evict(bi, static_cast<std::size_t>(it - b.entries.begin()), now);
  return true;
}

void RoutingTable::on_timeout(TimePoint now) {
  for (std::size_t bi = 0; bi < m_buckets.size(); ++bi) {
    Bucket& b = m_buckets[bi];
    if (!b.pinging || b.ping_deadline > now) continue;
    const mf::PeerId peer = *b.pinging;
    on_ping_result(peer, false, now);
  }
}

TimePoint RoutingTable::deadline() const {
  TimePoint d = kNever;
  for (const auto& b : m_buckets)
    if (b.pinging) d = std::min(d, b.ping_deadline);
  return d;
}

std::vector<PeerInfo> RoutingTable::closest(const Key& target, std::size_t count,
                                            const mf::PeerId* exclude) const {
  const std::optional<Key> skip = exclude ? std::optional<Key>(Key::from_peer(*exclude)) : std::nullopt;
  struct Ranked {
    Distance d;
    const Entry* e;
  };
  std::vector<Ranked> all;
  all.reserve(m_size);
  for (const auto& b : m_buckets)
    for (const auto& e : b.entries)
      if (!skip || e.key != *skip) all.push_back(Ranked{target.distance(e.key), &e});
  const std::size_t n = std::min(count, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n), all.end(),
                    [](const Ranked& a, const Ranked& b) { return a.d < b.d; });
  std::vector<PeerInfo> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(all[i].e->info);
  return out;
}

bool RoutingTable::contains(const mf::PeerId& peer) const {
  const Key key = Key::from_peer(peer);
  if (key == m_local) return false;
  const auto& b = m_buckets[bucket_index(key)];
  return std::any_of(b.entries.begin(), b.entries.end(), [&](const Entry& e) { return e.key == key; });
}

std::vector<mf::PeerId> RoutingTable::bucket_peers(std::size_t i) const {
  std::vector<mf::PeerId> out;
  for (const auto& e : m_buckets.at(i).entries) out.push_back(e.info.id);
  return out;
}

std::vector<mf::PeerId> RoutingTable::cached_peers(std::size_t i) const {
  std::vector<mf::PeerId> out;
  for (const auto& e : m_buckets.at(i).cache) out.push_back(e.info.id);
  return out;
}

}  // namespace lotus::proto::kad
