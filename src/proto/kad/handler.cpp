#include "proto/kad/handler.hpp"

#include "proto/kad/errc.hpp"

namespace lotus::proto::kad {

RequestHandler::RequestHandler(PeerInfo self, const RoutingTable& table, RecordStore& records,
                               ProviderStore& providers, const ValidatorRegistry& validators,
                               HandlerConfig config)
    : m_self(std::move(self)),
      m_table(table),
      m_records(records),
      m_providers(providers),
      m_validators(validators),
      m_cfg(config) {}

bool RequestHandler::admit_rate(char kind, const mf::PeerId& from, BytesView key, TimePoint now) {
  if (m_cfg.min_announce_interval <= Duration::zero()) return true;
  std::string id(1, kind);
  const auto& peer = from.bytes();
  id.append(peer.begin(), peer.end());
  id += as_string_view(key);
  auto it = m_last_announce.find(id);
  if (it != m_last_announce.end() && now - it->second < m_cfg.min_announce_interval) return false;
  if (it == m_last_announce.end() && m_last_announce.size() >= m_cfg.max_rate_entries) {
    // Full: forget the pairs whose interval is over; if none is, the oldest goes.
    std::erase_if(m_last_announce, [&](const auto& e) { return now - e.second >= m_cfg.min_announce_interval; });
    if (m_last_announce.size() >= m_cfg.max_rate_entries) {
      auto oldest = m_last_announce.begin();
      for (auto e = m_last_announce.begin(); e != m_last_announce.end(); ++e)
        if (e->second < oldest->second) oldest = e;
      m_last_announce.erase(oldest);
    }
  }
  m_last_announce[std::move(id)] = now;
  return true;
}

std::vector<PeerInfo> RequestHandler::closer(const Message& request, const mf::PeerId& from) const {
  return m_table.closest(Key::from_bytes(request.key), m_cfg.k, &from);
}

Result<std::optional<Message>> RequestHandler::handle_request(const mf::PeerId& from,
                                                               const Message& request, TimePoint now) {
  using Reply = std::optional<Message>;
  Message reply;
  reply.type = request.type;
  reply.key = request.key;
  switch (request.type) {
    case MessageType::ping:
      reply.key.clear();
      return Reply(std::move(reply));

    case MessageType::find_node:
      if (request.key.empty()) return errc::missing_key;
      if (request.key == m_self.id.bytes())
        reply.closer_peers.push_back(m_self);
      else
        reply.closer_peers = closer(request, from);
      return Reply(std::move(reply));

    case MessageType::get_value:
      if (request.key.empty()) return errc::missing_key;
      reply.record = m_records.get(request.key, now);
      reply.closer_peers = closer(request, from);
      return Reply(std::move(reply));

    case MessageType::put_value: {
      if (request.key.empty()) return errc::missing_key;
      if (!request.record) return errc::missing_record;
      const Record& rec = *request.record;
      if (rec.key != request.key) return errc::record_key_mismatch;
      LOTUS_CHECK(m_validators.validate(rec.key, rec.value));
      if (auto existing = m_records.get(rec.key, now); existing && existing->value != rec.value) {
        const BytesView values[] = {rec.value, existing->value};
        LOTUS_TRY(best, m_validators.select(rec.key, values));
        if (best != 0) return errc::outdated_record;
      }
      // The putter's quota: its records after this put, counting a record it replaces.
      const std::string owner(as_string_view(from.bytes()));
      StoreUsage mine = m_records.usage(owner);
      if (auto prev = m_records.owner_of(rec.key); prev && prev->owner == owner) {
        mine.records -= 1;
        mine.bytes -= prev->bytes;
      }
      if (mine.records + 1 > m_cfg.max_records_per_peer ||
          mine.bytes + rec.key.size() + rec.value.size() > m_cfg.max_bytes_per_peer) {
        ++m_stats.refused_peer_quota;
        return errc::peer_quota_exceeded;
      }
      if (!admit_rate('v', from, rec.key, now)) {
        ++m_stats.refused_rate;
        return errc::rate_limited;
      }
      if (auto st = m_records.put(rec, now, owner); !st) {
        if (st.error() == errc::store_full) ++m_stats.refused_store_full;
        return st.error();
      }
      ++m_stats.records_stored;
      return Reply(request);
    }

    case MessageType::add_provider: {
      if (request.key.empty()) return errc::missing_key;
      const PeerInfo* mine = nullptr;
      for (const auto& p : request.provider_peers)
        if (p.id == from) mine = &p;
      if (!mine) return errc::provider_not_sender;
      if (!m_providers.provides(request.key, from) && m_providers.keys_of(from) >= m_cfg.max_provider_keys_per_peer) {
        ++m_stats.refused_peer_quota;
        return errc::peer_quota_exceeded;
      }
      if (!admit_rate('p', from, request.key, now)) {
        ++m_stats.refused_rate;
        return errc::rate_limited;
      }
      if (auto st = m_providers.add(request.key, *mine, now); !st) {
        if (st.error() == errc::store_full) ++m_stats.refused_store_full;
        return st.error();
      }
      ++m_stats.providers_stored;
      return Reply{};
    }

    case MessageType::get_providers:
      if (request.key.empty()) return errc::missing_key;
      reply.provider_peers = m_providers.get(request.key, now, m_cfg.max_providers);
      reply.closer_peers = closer(request, from);
      return Reply(std::move(reply));
  }
  return errc::unknown_message_type;
}

}  // namespace lotus::proto::kad
