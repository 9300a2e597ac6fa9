// lotus::coordinator::SeenSet — the de-duplication memory of the message transport: the
// reference's HMAC keys (compute_message_hash) of messages already handled.
//
// The reference keeps up to 10 000 keys and, past that, evicts the 1 000 oldest (insertion
// order) — nothing ever expires, so a key evicted by a flood can be replayed. Ours keeps the
// same bounds and additionally forgets keys older than `ttl`: a message older than the clock
// window (±300 s) is refused by validation anyway, so a ttl of twice the window loses nothing
// and the set stays small in quiet times. Residual risk (documented): a peer able to push more
// than `capacity` distinct valid messages within the window can evict a key early; the
// per-peer rate limit of the security manager bounds that.
//
// Sans-IO: time passed in. Single-threaded.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>

#include "base/time.hpp"

namespace lotus::coordinator {

class SeenSet {
 public:
  struct Config {
    std::size_t capacity = 10'000;
    std::size_t evict_batch = 1'000;
    Duration ttl = std::chrono::minutes(10);
  };
  SeenSet() : SeenSet(Config{}) {}
  explicit SeenSet(Config c) : m_cfg(c) {}

  // true: new (now remembered); false: seen before (within ttl).
  bool insert(const std::string& key, TimePoint now) {
    expire(now);
    if (m_keys.count(key)) return false;
    m_keys.emplace(key, now);
    m_order.emplace_back(key, now);
    if (m_keys.size() > m_cfg.capacity) {
      for (std::size_t i = 0; i < m_cfg.evict_batch && !m_order.empty(); ++i) {
        m_keys.erase(m_order.front().first);
        m_order.pop_front();
      }
    }
    return true;
  }
  bool contains(const std::string& key, TimePoint now) {
    expire(now);
    return m_keys.count(key) != 0;
  }
  void expire(TimePoint now) {
    while (!m_order.empty() && now - m_order.front().second > m_cfg.ttl) {
      m_keys.erase(m_order.front().first);
      m_order.pop_front();
    }
  }
  std::size_t size() const noexcept { return m_keys.size(); }
  void clear() {
    m_keys.clear();
    m_order.clear();
  }

 private:
  Config m_cfg;
  std::unordered_map<std::string, TimePoint> m_keys;
  std::deque<std::pair<std::string, TimePoint>> m_order;
};

}  // namespace lotus::coordinator
