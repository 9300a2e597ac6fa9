// The node's ban policy as a service: a host::BanList installed as the host's first peer gate,
// so that penalties services report (Host::penalize) and manual bans refuse a peer at every
// admission point. The coordination layer's security manager will take this role later.
//
// Control methods:
//   security.status  {} -> {bans: [{target, reason, remaining_seconds|null}], penalties, automatic_bans,
//                           penalties_by_reason: {reason: n}, threshold, ban_seconds}
//   security.ban     {peer: id, seconds?: 1..31536000 (default: indefinitely)} -> {peer_id, banned: true}
//   security.unban   {peer: id} -> {peer_id, was_banned}
#include <algorithm>

#include "base/log.hpp"
#include "host/ban_list.hpp"
#include "host/host.hpp"
#include "node/errors.hpp"
#include "node/metrics_text.hpp"
#include "node/services/builtin.hpp"
#include "runtime/asio.hpp"
#include "runtime/task_scope.hpp"

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

// "4500 inbound refused (inbound_rate 4000, inbound_per_ip 500)" — the change of a labelled
// counter family since the last summary; "" when nothing changed.
template <class Map, class Key = typename Map::key_type>
std::string delta(const Map& now, const Map& before, const char* what, std::string (*label)(const Key&)) {
  std::uint64_t total = 0;
  std::vector<std::pair<std::uint64_t, std::string>> parts;
  for (const auto& [k, v] : now) {
    auto it = before.find(k);
    const std::uint64_t d = v - (it == before.end() ? 0 : it->second);
    if (d == 0) continue;
    total += d;
    parts.emplace_back(d, label(k));
  }
  if (total == 0) return {};
  std::sort(parts.rbegin(), parts.rend());
  std::string out = std::to_string(total) + " " + what + " (";
  for (std::size_t i = 0; i < parts.size() && i < 4; ++i)
    out += (i ? ", " : "") + parts[i].second + " " + std::to_string(parts[i].first);
  return out + (parts.size() > 4 ? ", …)" : ")");
}
std::string point_reason(const std::pair<std::string, std::string>& k) { return k.first + "/" + k.second; }
std::string plain(const std::string& k) { return k; }

class SecurityService;
asio::awaitable<void> summary_loop(SecurityService* self);

class SecurityService final : public Service {
 public:
  std::string_view name() const override { return "security"; }

  Status start(ServiceContext& ctx) override {
    m_host = &ctx.host;
    m_bans = std::make_shared<host::BanList>();
    m_gate_id = ctx.host.add_gate(m_bans);
    m_timer = std::make_unique<asio::steady_timer>(ctx.io);
    m_last = ctx.host.metrics();
    m_scope = std::make_unique<runtime::TaskScope>(ctx.io.get_executor());
    m_scope->spawn(summary_loop(this), "security.summary");
    return Status{};
  }
  asio::awaitable<void> stop() override {
    if (m_scope) {
      m_scope->request_stop();
      m_timer->cancel();
      co_await m_scope->join();
    }
    if (m_host) m_host->remove_gate(m_gate_id);
  }
  bool stopping() const { return m_scope->stopping(); }

  // Once a minute, one warning line if the node refused, penalised or banned anything: the
  // attack-level events an operator must see without debug logging (each is also on /metrics).
  void summarize() {
    const host::Metrics now = m_host->metrics();
    std::vector<std::string> parts;
    for (auto p : {delta(now.gate_refusals, m_last.gate_refusals, "refused", &point_reason),
                   delta(now.handshake_failures, m_last.handshake_failures, "failed handshakes", &plain),
                   delta(now.penalties, m_last.penalties, "penalties", &plain)})
      if (!p.empty()) parts.push_back(std::move(p));
    const auto bans = m_bans->stats().bans;
    if (bans > m_last_bans) parts.push_back(std::to_string(bans - m_last_bans) + " bans");
    m_last_bans = bans;
    m_last = now;
    if (parts.empty()) return;
    std::string line = "last minute: ";
    for (std::size_t i = 0; i < parts.size(); ++i) line += (i ? "; " : "") + parts[i];
    LOTUS_LOG(warn, "security", line);
  }
  asio::steady_timer& timer() { return *m_timer; }

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
  std::unique_ptr<asio::steady_timer> m_timer;
  std::unique_ptr<runtime::TaskScope> m_scope;
  host::Metrics m_last;
  std::uint64_t m_last_bans = 0;
};

// A task of the service's scope: stop() cancels the timer and joins it.
asio::awaitable<void> summary_loop(SecurityService* self) {
  while (!self->stopping()) {
    self->timer().expires_after(std::chrono::minutes(1));
    boost::system::error_code ec;
    co_await self->timer().async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (self->stopping()) break;
    self->summarize();
  }
}

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
