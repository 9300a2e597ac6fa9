// The node's ban policy as a service: the coordination layer's security manager
// (coordinator::SecurityManager: CORE_P2P_SECURITY_LIMITS enforced, warnings 5 → temporary ban,
// 10 → ban, decaying; penalties services report with Host::penalize scored by the host::BanList
// inside it) installed as the host's first peer gate, so bans refuse a peer at every admission
// point. The coordinator service uses this manager (security_service.hpp), so message
// refusals, warnings and bans are one state.
//
// Control methods:
//   security.status  {} -> {bans: [{target, reason, remaining_seconds|null}], penalties, automatic_bans,
//                           penalties_by_reason: {reason: n}, threshold, ban_seconds,
//                           warnings, temp_bans, messages: {total, rejected, oversized, rate_limited},
//                           dht_announcements: {total, rejected, rate_limited}, refused_by_reason,
//                           limits: {…}}
//   security.ban     {peer: id, seconds?: 1..31536000 (default: indefinitely)} -> {peer_id, banned: true}
//   security.unban   {peer: id} -> {peer_id, was_banned}
#include <algorithm>

#include "base/log.hpp"
#include "coordinator/security.hpp"
#include "host/ban_list.hpp"
#include "node/services/security_service.hpp"
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

}  // namespace

coordinator::SecurityManager::Config security_config(const NodeConfig& cfg) {
  coordinator::SecurityManager::Config c;
  c.disable_rate_limiting = cfg.security.disable_rate_limiting;
  c.limits.min_dht_announcement_interval = std::chrono::milliseconds(cfg.security.min_dht_announcement_interval_ms);
  c.limits.max_p2p_message_size = cfg.security.max_message_size;
  c.limits.max_messages_per_second = static_cast<double>(cfg.security.max_messages_per_second);
  c.limits.message_burst = 2.0 * static_cast<double>(cfg.security.max_messages_per_second);
  c.limits.max_dht_resources_per_peer = cfg.security.max_dht_resources_per_peer;
  c.limits.max_dht_resources_per_type_per_peer = cfg.security.max_dht_resources_per_type_per_peer;
  c.limits.max_dht_record_size = cfg.security.max_dht_record_size;
  return c;
}

struct SecurityService::State {
  explicit State(asio::io_context& io) : timer(io), scope(io.get_executor()) {}
  asio::steady_timer timer;
  runtime::TaskScope scope;
  host::Metrics last;
  std::uint64_t last_bans = 0;
  std::uint64_t last_warnings = 0;
};

namespace {

// Once a minute, one warning line if the node refused, penalised, warned or banned anything:
// the attack-level events an operator must see without debug logging (each is also on /metrics).
void summarize(host::Host& h, const coordinator::SecurityManager& sm, SecurityService::State& st) {
  const host::Metrics now = h.metrics();
  std::vector<std::string> parts;
  for (auto p : {delta(now.gate_refusals, st.last.gate_refusals, "refused", &point_reason),
                 delta(now.handshake_failures, st.last.handshake_failures, "failed handshakes", &plain),
                 delta(now.penalties, st.last.penalties, "penalties", &plain)})
    if (!p.empty()) parts.push_back(std::move(p));
  const auto bans = sm.ban_list().stats().bans;
  if (bans > st.last_bans) parts.push_back(std::to_string(bans - st.last_bans) + " bans");
  const auto warnings = sm.metrics().warnings;
  if (warnings > st.last_warnings) parts.push_back(std::to_string(warnings - st.last_warnings) + " warnings");
  st.last_bans = bans;
  st.last_warnings = warnings;
  st.last = now;
  if (parts.empty()) return;
  std::string line = "last minute: ";
  for (std::size_t i = 0; i < parts.size(); ++i) line += (i ? "; " : "") + parts[i];
  LOTUS_LOG(warn, "security", line);
}

// A task of the service's scope: stop() cancels the timer and joins it.
asio::awaitable<void> summary_loop(host::Host* h, std::shared_ptr<coordinator::SecurityManager> sm,
                                   std::shared_ptr<SecurityService::State> st) {
  while (!st->scope.stopping()) {
    st->timer.expires_after(std::chrono::minutes(1));
    boost::system::error_code ec;
    co_await st->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (st->scope.stopping()) break;
    summarize(*h, *sm, *st);
  }
}

}  // namespace

SecurityService::SecurityService(const NodeConfig& cfg)
    : m_manager(std::make_shared<coordinator::SecurityManager>(security_config(cfg))) {}
SecurityService::~SecurityService() = default;

Status SecurityService::start(ServiceContext& ctx) {
  m_host = &ctx.host;
  m_gate_id = ctx.host.add_gate(m_manager);
  m_state = std::make_shared<State>(ctx.io);
  m_state->last = ctx.host.metrics();
  m_state->scope.spawn(summary_loop(m_host, m_manager, m_state), "security.summary");
  return Status{};
}

asio::awaitable<void> SecurityService::stop() {
  if (m_state) {
    m_state->scope.request_stop();
    m_state->timer.cancel();
    co_await m_state->scope.join();
  }
  if (m_host) m_host->remove_gate(m_gate_id);
}

std::optional<Json> SecurityService::status() const {
  const auto now = Clock::now();
  const auto& bl = m_manager->ban_list();
  Json j;
  j["bans"] = Json::array();
  for (const auto& b : m_manager->bans(now)) j["bans"].push_back(ban_json(b, now));
  const auto& st = bl.stats();
  j["penalties"] = st.penalties;
  j["automatic_bans"] = st.automatic_bans;
  j["penalties_by_reason"] = st.penalties_by_reason;
  j["threshold"] = bl.policy().threshold;
  j["ban_seconds"] = std::chrono::duration_cast<std::chrono::seconds>(bl.policy().ban_duration).count();
  const auto& m = m_manager->metrics();
  j["warnings"] = m.warnings;
  j["temp_bans"] = m.temp_bans;
  j["messages"] = Json{{"total", m.messages_total}, {"rejected", m.messages_rejected},
                       {"oversized", m.messages_oversized}, {"rate_limited", m.messages_rate_limited}};
  j["dht_announcements"] = Json{{"total", m.dht_announcements_total}, {"rejected", m.dht_announcements_rejected},
                                {"rate_limited", m.dht_announcements_rate_limited}};
  j["refused_by_reason"] = m.refused_by_reason;
  const auto& lim = m_manager->limits();
  j["limits"] = Json{
      {"max_p2p_message_size", lim.max_p2p_message_size},
      {"min_dht_announcement_interval_ms",
       std::chrono::duration_cast<std::chrono::milliseconds>(lim.min_dht_announcement_interval).count()},
      {"max_dht_resources_per_peer", lim.max_dht_resources_per_peer},
      {"max_dht_resources_per_type_per_peer", lim.max_dht_resources_per_type_per_peer},
      {"dht_cleanup_interval_ms", std::chrono::duration_cast<std::chrono::milliseconds>(lim.dht_cleanup_interval).count()},
      {"max_invalid_messages_per_peer", lim.max_invalid_messages_per_peer},
      {"max_messages_per_second", lim.max_messages_per_second},
      {"message_burst", lim.message_burst},
      {"max_dht_record_size", lim.max_dht_record_size},
      {"rate_limiting", !m_manager->config().disable_rate_limiting}};
  return j;
}

void SecurityService::metrics(PromWriter& w) const {
  w.family("banned", "gauge", "Peers and IP addresses banned now.");
  std::uint64_t peers = 0, ips = 0;
  for (const auto& b : m_manager->bans(Clock::now())) ++(mf::PeerId::parse(b.target) ? peers : ips);
  w.u("banned", peers, {{"kind", "peer"}});
  w.u("banned", ips, {{"kind", "ip"}});
  const auto& m = m_manager->metrics();
  w.family("bans_total", "counter", "Bans imposed (manual and automatic).");
  w.u("bans_total", m_manager->ban_list().stats().bans);
  w.family("security_warnings_total", "counter", "Warnings issued to peers by the security manager.");
  w.u("security_warnings_total", m.warnings);
  w.family("security_temp_bans_total", "counter", "Temporary bans (5 warnings, penalties, timed manual bans).");
  w.u("security_temp_bans_total", m.temp_bans);
  w.family("security_refusals_total", "counter", "Messages and announcements refused by the security manager, by reason.");
  for (const auto& [reason, n] : m.refused_by_reason) w.u("security_refusals_total", n, {{"reason", reason}});
}

namespace {

asio::awaitable<Result<Json>> m_status(const SecurityService* self, Json) { co_return *self->status(); }

asio::awaitable<Result<Json>> m_ban(coordinator::SecurityManager* sm, host::Host* h, Json req) {
  auto peer = peer_of(req);
  if (!peer) co_return node_errc::bad_request;
  std::optional<Duration> duration;
  if (req.contains("seconds")) {
    if (!req["seconds"].is_number_integer()) co_return node_errc::bad_request;
    const auto secs = req["seconds"].get<std::int64_t>();
    if (secs < 1 || secs > 365LL * 24 * 3600) co_return node_errc::bad_request;
    duration = std::chrono::seconds(secs);
  }
  sm->ban_peer(*peer, "manual", Clock::now(), duration);
  h->disconnect(*peer);
  Json out = Json::object();
  out["peer_id"] = peer->to_string();
  out["banned"] = true;
  co_return out;
}

asio::awaitable<Result<Json>> m_unban(coordinator::SecurityManager* sm, Json req) {
  auto peer = peer_of(req);
  if (!peer) co_return node_errc::bad_request;
  Json out = Json::object();
  out["peer_id"] = peer->to_string();
  out["was_banned"] = sm->unban_peer(*peer);
  co_return out;
}

}  // namespace

// Not coroutines: each calls a coroutine function with by-value parameters.
void SecurityService::add_methods(ControlRouter& r) {
  coordinator::SecurityManager* sm = m_manager.get();
  host::Host* h = m_host;
  const SecurityService* self = this;
  r.add({"security.status", "current bans, warnings, refusals, penalties reported by services, the limits",
         [self](Json req) { return m_status(self, std::move(req)); }, nullptr});
  r.add({"security.ban", "ban {peer} for {seconds} (default: until unbanned); closes its connections",
         [sm, h](Json req) { return m_ban(sm, h, std::move(req)); }, nullptr});
  r.add({"security.unban", "lift the ban of {peer} (and forget its warnings)",
         [sm](Json req) { return m_unban(sm, std::move(req)); }, nullptr});
}

ServiceFactory security_service() {
  return {"security", {}, [](const LoadedConfig& l, const NodeOptions&) -> std::unique_ptr<Service> {
            return std::make_unique<SecurityService>(l.config);
          }};
}

}  // namespace lotus::node
