#include "coordinator/resource_gates.hpp"

namespace lotus::coordinator {

namespace {

// The data of an announcement as a JS value (absent: an empty object, as validators expect
// an object; unparsable text cannot occur — resources.hpp normalises it — and refuses).
Result<json::Value> data_of(const std::optional<std::string>& text) {
  if (!text) return json::Value(json::Object{});
  auto v = json::parse(*text);
  if (!v) return make_error_code(security_errc::invalid_announcement);
  return std::move(*v);
}

}  // namespace

AnnounceGate announce_gate(std::shared_ptr<SecurityManager> sm, std::function<TimePoint()> now) {
  return [sm, now](const AnnounceRequest& r) -> Status {
    auto peer = mf::PeerId::parse(r.peer);
    if (!peer) return security_errc::invalid_announcement;
    auto data = data_of(r.data);
    if (!data) return data.error();
    return sm->can_announce_to_dht(*peer, r.type, r.id, *data, r.value_bytes, now());
  };
}

AnnounceGate own_announce_gate(std::shared_ptr<SecurityManager> sm, std::function<TimePoint()> now) {
  return [sm, now](const AnnounceRequest& r) -> Status {
    auto self = mf::PeerId::parse(r.peer);
    if (!self) return security_errc::invalid_announcement;
    auto data = data_of(r.data);
    if (!data) return data.error();
    return sm->can_announce_own(*self, r.type, r.id, *data, r.value_bytes, now());
  };
}

RemovedHook resource_remover(std::shared_ptr<SecurityManager> sm) {
  return [sm](const ResourceAnnouncement& a) {
    if (auto peer = mf::PeerId::parse(a.creator_peer_id)) sm->remove_resource(*peer, a.resource_type, a.resource_id);
  };
}

RecordGate record_gate(std::shared_ptr<SecurityManager> sm, std::function<TimePoint()> now) {
  return [sm, now](const ResourceAnnouncement& a) -> Status {
    auto creator = mf::PeerId::parse(a.creator_peer_id);
    if (!creator) return security_errc::invalid_announcement;
    auto data = data_of(a.data);
    if (!data) return data.error();
    return sm->validate_record(*creator, a.resource_type, a.resource_id, *data, now());
  };
}

}  // namespace lotus::coordinator
