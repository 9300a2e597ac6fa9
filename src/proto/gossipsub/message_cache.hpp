// The gossipsub message cache (gossipsub-v1.0.md "Message Cache"): `history_length` windows of
// recently forwarded messages, the newest `history_gossip` of which are advertised in IHAVE.
// shift() at every heartbeat drops the oldest window. get_for_peer() counts IWANT answers per
// peer so a message is retransmitted at most `retransmission` times to the same peer (v1.1).
// Bound: messages of history_length heartbeats, and at most max_bytes of message data: beyond
// it the oldest messages leave the cache early (they are then no longer served to IWANT), so a
// burst of large messages cannot hold memory for history_length heartbeats.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "multiformats/peer_id.hpp"
#include "proto/gossipsub/peer_score.hpp"
#include "proto/gossipsub/rpc.hpp"

namespace lotus::proto::gossipsub {

class MessageCache {
 public:
  MessageCache(std::size_t history_length, std::size_t history_gossip, std::size_t max_bytes = SIZE_MAX)
      : m_gossip(history_gossip), m_max_bytes(max_bytes), m_windows(history_length) {}

  void put(const MessageId& id, const Message& m);
  const Message* get(const MessageId& id) const;
  // nullptr if unknown or already sent `max_transmissions` times to `peer`.
  const Message* get_for_peer(const MessageId& id, const mf::PeerId& peer, std::size_t max_transmissions);
  std::vector<MessageId> gossip_ids(const std::string& topic) const;
  void shift();
  std::size_t size() const noexcept { return m_entries.size(); }
  std::size_t bytes() const noexcept { return m_bytes; }  // message data held

 private:
  void erase(const MessageId& id);
  struct Entry {
    Message msg;
    std::map<mf::PeerId, std::size_t> sent;
  };
  std::size_t m_gossip;
  std::size_t m_max_bytes;
  std::size_t m_bytes = 0;
  std::deque<std::vector<std::pair<MessageId, std::string>>> m_windows;
  std::unordered_map<MessageId, Entry, BytesHash> m_entries;
};

// Time-bounded set of seen message ids (the "seen cache", v1.0 seen_ttl), also size-bounded.
class SeenCache {
 public:
  SeenCache(Duration ttl, std::size_t max_entries) : m_ttl(ttl), m_max(max_entries) {}
  bool contains(const MessageId& id) const { return m_set.count(id) != 0; }
  // Returns false if already present.
  bool insert(const MessageId& id, TimePoint now);
  void expire(TimePoint now);
  std::size_t size() const noexcept { return m_set.size(); }

 private:
  Duration m_ttl;
  std::size_t m_max;
  std::unordered_map<MessageId, TimePoint, BytesHash> m_set;
  std::deque<std::pair<TimePoint, MessageId>> m_order;
};

}  // namespace lotus::proto::gossipsub
