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
      LOTUS_CHECK(m_records.put(rec, now));
      return Reply(request);
    }

    case MessageType::add_provider: {
      if (request.key.empty()) return errc::missing_key;
      bool any = false;
      for (const auto& p : request.provider_peers) {
        if (p.id != from) continue;
        LOTUS_CHECK(m_providers.add(request.key, p, now));
        any = true;
      }
      if (!any) return errc::provider_not_sender;
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
