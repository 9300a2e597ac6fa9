// The node's ban policy as a service: a host::BanList installed as the host's first peer gate,
// so that penalties services report (Host::penalize) and manual bans refuse a peer at every
// admission point. The coordination layer's security manager will take this role later.
//
// Control methods:
//   security.status  {} -> {bans: [{target, reason, remaining_seconds|null}], penalties, automatic_bans,
//                           penalties_by_reason: {reason: n}, threshold, ban_seconds}
//   security.ban     {peer: id, seconds?: 1..31536000 (default: indefinitely)} -> {peer_id, banned: true}
//   security.unban   {peer: id} -> {peer_id, was_banned}
#include "host/ban_list.hpp"
#include "host/host.hpp"
#include "node/errors.hpp"
#include "node/metrics_text.hpp"
#include "node/services/builtin.hpp"
#include "runtime/asio.hpp"

namespace lotus::node {

namespace {

Json ban_json(const host::BanList::Ban& b, TimePoint now) {
  Json j;
  j["target"] = b.target;
  j["reason"] = b.reason;
  j["remaining_seconds"] =
      b.until == kNever ? Json() : Json(std::chrono::duration<double>(b.until - now).count());
  return j;
}

std::optional<mf::PeerId> peer_of(const Json& req) {
  if (!req.is_object() || !req.contains("peer") || !req["peer"].is_string()) return std::nullopt;
  auto p = mf::PeerId::parse(req["peer"].get<std::string>());
  if (!p) return std::nullopt;
  return *p;
}

class SecurityService final : public Service {
 public:
  std::string_view name() const override { return "security"; }

  Status start(ServiceContext& ctx) override {
    m_host = &ctx.host;
    m_bans = std::make_shared<host::BanList>();
    m_gate_id = ctx.host.add_gate(m_bans);
    return Status{};
  }
  asio::awaitable<void> stop() override {
    if (m_host) m_host->remove_gate(m_gate_id);
    co_return;
  }

  void add_methods(ControlRouter& r) override;
  std::optional<Json> status() const override {
    const auto now = Clock::now();
    Json j;
    j["bans"] = Json::array();
    for (const auto& b : m_bans->bans(now)) j["bans"].push_back(ban_json(b, now));
    const auto& st = m_bans->stats();
    j["penalties"] = st.penalties;
    j["automatic_bans"] = st.automatic_bans;
    j["penalties_by_reason"] = st.penalties_by_reason;
    j["threshold"] = m_bans->policy().threshold;
    j["ban_seconds"] = std::chrono::duration_cast<std::chrono::seconds>(m_bans->policy().ban_duration).count();
    return j;
  }

  void metrics(PromWriter& w) const override {
    w.family("banned", "gauge", "Peers and IP addresses banned now.");
    std::uint64_t peers = 0, ips = 0;
    for (const auto& b : m_bans->bans(Clock::now())) ++(mf::PeerId::parse(b.target) ? peers : ips);
    w.u("banned", peers, {{"kind", "peer"}});
    w.u("banned", ips, {{"kind", "ip"}});
    w.family("bans_total", "counter", "Bans imposed (manual and automatic).");
    w.u("bans_total", m_bans->stats().bans);
  }

 private:
  host::Host* m_host = nullptr;
  std::shared_ptr<host::BanList> m_bans;
  std::uint64_t m_gate_id = 0;
};

asio::awaitable<Result<Json>> m_status(const SecurityService* self, Json) { co_return *self->status(); }

asio::awaitable<Result<Json>> m_ban(host::BanList* bans, host::Host* h, Json req) {
  auto peer = peer_of(req);
  if (!peer) co_return node_errc::bad_request;
  TimePoint until = kNever;
  if (req.contains("seconds")) {
    if (!req["seconds"].is_number_integer()) co_return node_errc::bad_request;
    const auto secs = req["seconds"].get<std::int64_t>();
    if (secs < 1 || secs > 365LL * 24 * 3600) co_return node_errc::bad_request;
    until = Clock::now() + std::chrono::seconds(secs);
  }
  bans->ban_peer(*peer, until);
  h->disconnect(*peer);
  Json out = Json::object();
  out["peer_id"] = peer->to_string();
  out["banned"] = true;
  co_return out;
}

asio::awaitable<Result<Json>> m_unban(host::BanList* bans, Json req) {
  auto peer = peer_of(req);
  if (!peer) co_return node_errc::bad_request;
  Json out = Json::object();
  out["peer_id"] = peer->to_string();
  out["was_banned"] = bans->unban_peer(*peer);
  co_return out;
}

// Not coroutines: each calls a coroutine function with by-value parameters.
void SecurityService::add_methods(ControlRouter& r) {
  host::BanList* bans = m_bans.get();
  host::Host* h = m_host;
  const SecurityService* self = this;
  r.add({"security.status", "current bans, penalties reported by services, the ban policy",
         [self](Json req) { return m_status(self, std::move(req)); }, nullptr});
  r.add({"security.ban", "ban {peer} for {seconds} (default: until unbanned); closes its connections",
         [bans, h](Json req) { return m_ban(bans, h, std::move(req)); }, nullptr});
  r.add({"security.unban", "lift the ban of {peer}", [bans](Json req) { return m_unban(bans, std::move(req)); },
         nullptr});
}

}  // namespace

ServiceFactory security_service() {
  return {"security", {}, [](const LoadedConfig&, const NodeOptions&) -> std::unique_ptr<Service> {
            return std::make_unique<SecurityService>();
          }};
}

}  // namespace lotus::node
