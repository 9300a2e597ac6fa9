// Provider records (libp2p/specs kad-dht "Content routing"): which peers announced that they
// provide a key. In memory, each announcement expires after ttl (spec default 24 h); at most
// max_keys keys and max_providers_per_key providers per key (a new provider replaces the one
// announced longest ago when a key is full).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/time.hpp"
#include "proto/kad/message.hpp"

namespace lotus::proto::kad {

struct ProviderStoreConfig {
  Duration ttl = std::chrono::hours(24);
  std::size_t max_keys = 4096;
  std::size_t max_providers_per_key = 20;
  std::size_t max_addrs_per_provider = 16;
};

class ProviderStore {
 public:
  explicit ProviderStore(ProviderStoreConfig config = {}) : m_cfg(config) {}

  // Adds or refreshes `provider` for `key`; store_full when max_keys is reached.
  Status add(BytesView key, const PeerInfo& provider, TimePoint now);
  // Live providers of `key`, most recently announced first, at most `max`.
  std::vector<PeerInfo> get(BytesView key, TimePoint now, std::size_t max) const;
  std::size_t expire(TimePoint now);  // drops expired announcements; returns how many
  std::size_t key_count() const noexcept { return m_keys.size(); }
  // Keys `provider` is stored as a provider of (expired ones until expire()), and whether it
  // provides `key`.
  std::size_t keys_of(const mf::PeerId& provider) const;
  bool provides(BytesView key, const mf::PeerId& provider) const;

 private:
  struct Announcement {
    PeerInfo provider;
    TimePoint added;
  };
  void count(const mf::PeerId& p, int delta);
  ProviderStoreConfig m_cfg;
  std::map<std::string, std::vector<Announcement>, std::less<>> m_keys;
  std::map<mf::PeerId, std::size_t> m_per_provider;
};

}  // namespace lotus::proto::kad
