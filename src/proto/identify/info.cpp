#include "proto/identify/info.hpp"

#include <cassert>

namespace lotus::proto::identify {

Result<IdentifyInfo> to_info(const IdentifyMessage& m, const mf::PeerId& remote, Kind kind,
                             const record::Limits& record_limits) {
  IdentifyInfo info{remote, std::nullopt, m.protocol_version, m.agent_version, {},
                    0,      m.protocols,  std::nullopt,       false,           std::nullopt,
                    {}};
  if (m.public_key) {
    auto key = crypto::PublicKey::from_protobuf(*m.public_key);
    if (!key) return errc::invalid_public_key;
    if (!(key->peer_id() == remote)) return errc::peer_id_mismatch;
    info.public_key = std::move(*key);
  } else if (kind == Kind::identify) {
    return errc::missing_public_key;
  }
  info.listen_addrs.reserve(m.listen_addrs.size());
  for (const auto& a : m.listen_addrs) {
    auto ma = mf::Multiaddr::from_bytes(a);
    if (ma)
      info.listen_addrs.push_back(std::move(*ma));
    else
      ++info.skipped_listen_addrs;
  }
  if (m.observed_addr) {
    auto ma = mf::Multiaddr::from_bytes(*m.observed_addr);
    if (ma)
      info.observed_addr = std::move(*ma);
    else
      info.observed_addr_invalid = true;
  }
  if (m.signed_peer_record) {
    auto rec = record::open_peer_record(*m.signed_peer_record, record_limits);
    if (!rec)
      info.signed_record_error = rec.error();
    else if (!(rec->record.peer_id == remote))
      info.signed_record_error = make_error_code(errc::record_peer_mismatch);
    else
      info.signed_record = std::move(*rec);
  }
  return info;
}

void merge_push(IdentifyInfo& known, const IdentifyInfo& update) {
  assert(update.peer_id == known.peer_id);
  if (update.public_key) known.public_key = update.public_key;
  if (update.protocol_version) known.protocol_version = update.protocol_version;
  if (update.agent_version) known.agent_version = update.agent_version;
  if (!update.listen_addrs.empty() || update.skipped_listen_addrs > 0) {
    known.listen_addrs = update.listen_addrs;
    known.skipped_listen_addrs = update.skipped_listen_addrs;
  }
  if (!update.protocols.empty()) known.protocols = update.protocols;
  if (update.observed_addr || update.observed_addr_invalid) {
    known.observed_addr = update.observed_addr;
    known.observed_addr_invalid = update.observed_addr_invalid;
  }
  if (update.signed_record &&
      (!known.signed_record || update.signed_record->record.seq > known.signed_record->record.seq))
    known.signed_record = update.signed_record;
  if (update.signed_record || update.signed_record_error)
    known.signed_record_error = update.signed_record_error;
}

namespace {

IdentifyMessage build_common(const LocalIdentity& local) {
  IdentifyMessage m;
  m.protocol_version = local.protocol_version;
  m.agent_version = local.agent_version;
  m.listen_addrs.reserve(local.listen_addrs.size());
  for (const auto& a : local.listen_addrs) m.listen_addrs.push_back(a.without_peer_id().to_bytes());
  m.protocols = local.protocols;
  if (!local.signed_peer_record.empty()) m.signed_peer_record = local.signed_peer_record;
  return m;
}

}  // namespace

IdentifyMessage build_identify(const crypto::PublicKey& key, const LocalIdentity& local,
                               const std::optional<mf::Multiaddr>& observed) {
  IdentifyMessage m = build_common(local);
  m.public_key = key.to_protobuf();
  if (observed) m.observed_addr = observed->to_bytes();
  return m;
}

IdentifyMessage build_push(const LocalIdentity& local) {
  return build_common(local);
}

}  // namespace lotus::proto::identify
