// DHT resources as a service (see resources_service.hpp).
#include "node/services/resources_service.hpp"

#include <chrono>

#include "coordinator/resource_gates.hpp"
#include "node/control_dht.hpp"
#include "node/metrics_text.hpp"
#include "node/services/builtin.hpp"
#include "node/services/dht_service.hpp"
#include "node/services/security_service.hpp"
#include "runtime/asio.hpp"

namespace lotus::node {

namespace {

namespace co = coordinator;

Result<std::string> string_field(const Json& req, const char* name) {
  auto it = req.find(name);
  if (it == req.end() || !it->is_string()) return control_errc::bad_request;
  return it->get<std::string>();
}

// An optional integer field (ms); bad_request when present and not an integer.
Result<std::optional<std::int64_t>> ms_field(const Json& req, const char* name) {
  auto it = req.find(name);
  if (it == req.end() || it->is_null()) return std::optional<std::int64_t>{};
  if (!it->is_number_integer()) return control_errc::bad_request;
  return std::optional<std::int64_t>{it->get<std::int64_t>()};
}

Result<bool> bool_field(const Json& req, const char* name) {
  auto it = req.find(name);
  if (it == req.end()) return false;
  if (!it->is_boolean()) return control_errc::bad_request;
  return it->get<bool>();
}

Json record_json(const co::ResourceAnnouncement& a) {
  return Json{{"key", a.key()}, {"record", co::encode_announcement(a)}};
}

}  // namespace

void register_resource_methods(ControlRouter& router, co::ResourceDirectory& dir) {
  co::ResourceDirectory* d = &dir;
  router.add({"resource.announce", "announce a resource in the DHT (resource:<type>:<id>)",
              [d](Json req) -> asio::awaitable<Result<Json>> {
                auto type = string_field(req, "type");
                auto id = string_field(req, "id");
                if (!type || !id) co_return control_errc::bad_request;
                std::optional<std::string> data;
                if (auto it = req.find("data"); it != req.end()) {
                  if (!it->is_string()) co_return control_errc::bad_request;
                  data = it->get<std::string>();
                }
                auto ttl = ms_field(req, "ttl_ms");
                auto expires = ms_field(req, "expires_at");
                if (!ttl || !expires) co_return control_errc::bad_request;
                co::AnnounceOptions opts;
                opts.ttl_ms = *ttl;
                opts.expires_at = *expires;
                auto r = co_await d->announce_resource(std::move(*type), std::move(*id), std::move(data), opts);
                if (!r) co_return r.error();
                Json out = record_json(r->announcement);
                out["published"] = r->published;
                out["stored"] = r->stored;
                out["index_published"] = r->index_published;
                co_return out;
              },
              {}});
  router.add({"resource.get", "a resource by type and id (local; network=true: then the DHT)",
              [d](Json req) -> asio::awaitable<Result<Json>> {
                auto type = string_field(req, "type");
                auto id = string_field(req, "id");
                auto network = bool_field(req, "network");
                if (!type || !id || !network) co_return control_errc::bad_request;
                if (!*network) {
                  if (auto c = co::check_type_id(*type, *id); !c) co_return c.error();
                  auto a = d->get_resource(*type, *id);
                  if (!a) co_return co::resource_errc::not_found;
                  co_return record_json(*a);
                }
                auto a = co_await d->discover_resource(std::move(*type), std::move(*id));
                if (!a) co_return a.error();
                co_return record_json(*a);
              },
              {}});
  router.add({"resource.discover", "live resources of a type announced by any node (filters: data members)",
              [d](Json req) -> asio::awaitable<Result<Json>> {
                auto type = string_field(req, "type");
                auto local = bool_field(req, "local");
                if (!type || !local) co_return control_errc::bad_request;
                co::ResourceFilters filters;
                if (auto it = req.find("filters"); it != req.end()) {
                  if (!it->is_object()) co_return control_errc::bad_request;
                  for (const auto& [k, v] : it->items()) filters.emplace_back(k, v.dump());
                }
                Json out;
                Json list = Json::array();
                if (*local) {
                  if (auto c = co::check_type(*type); !c) co_return c.error();
                  for (const auto& a : d->get_local_resources(*type, filters)) list.push_back(co::encode_announcement(a));
                  out["resources"] = std::move(list);
                  co_return out;
                }
                auto r = co_await d->discover_resources(std::move(*type), std::move(filters));
                if (!r) co_return r.error();
                for (const auto& a : r->resources) list.push_back(co::encode_announcement(a));
                out["resources"] = std::move(list);
                const auto& s = r->stats;
                out["stats"] = Json{{"lookups", s.lookups},     {"rpcs", s.rpcs},       {"failures", s.failures},
                                    {"providers", s.providers}, {"indexes", s.indexes}, {"fetched", s.fetched},
                                    {"refused", s.refused}};
                co_return out;
              },
              {}});
  router.add({"resource.withdraw", "withdraw a resource this node announced",
              [d](Json req) -> asio::awaitable<Result<Json>> {
                auto type = string_field(req, "type");
                auto id = string_field(req, "id");
                if (!type || !id) co_return control_errc::bad_request;
                const bool withdrawn = co_await d->withdraw_resource(std::move(*type), std::move(*id));
                co_return Json{{"withdrawn", withdrawn}};
              },
              {}});
}

ResourcesService::ResourcesService(const NodeConfig& cfg) : m_cfg(cfg) {}
ResourcesService::~ResourcesService() = default;

Status ResourcesService::start(ServiceContext& ctx) {
  auto* dht = ctx.services.find<DhtService>();
  if (!dht) return Status{};  // no DHT: nothing to serve (the factory needs dht.enabled anyway)
  co::ResourceConfig rc;
  rc.index_interval = std::chrono::milliseconds(m_cfg.security.min_dht_announcement_interval_ms);
  if (auto* sec = ctx.services.find<SecurityService>()) {
    // Our announcements through the security manager (own path: per-key interval, counts,
    // record size, validators; no self-warnings), slots freed on withdraw/expiry; records read
    // from the DHT through its bans and validators. The book's own counts follow the manager's
    // limits (customLimits), its value limit stays the larger outer bound.
    const auto& sm = sec->manager();
    rc.gate = co::own_announce_gate(sm);
    rc.on_removed = co::resource_remover(sm);
    rc.accept = co::record_gate(sm);
    rc.limits.max_own = sm->limits().max_dht_resources_per_peer;
    rc.limits.max_own_per_type = sm->limits().max_dht_resources_per_type_per_peer;
  }
  m_dir = std::make_unique<co::ResourceDirectory>(dht->dht(), std::move(rc));
  if (auto s = m_dir->start(); !s) return ctx.fail(s.error(), "cannot start the resource directory: " + s.error().message());
  return Status{};
}

asio::awaitable<void> ResourcesService::stop() {
  if (m_dir) co_await m_dir->stop();
}

void ResourcesService::add_methods(ControlRouter& r) {
  if (m_dir) register_resource_methods(r, *m_dir);
}

std::optional<Json> ResourcesService::status() const {
  if (!m_dir) return std::nullopt;
  const auto& b = m_dir->book();
  const auto& m = m_dir->metrics();
  return Json{{"own", b.own_count()},
              {"cached", b.cached_count()},
              {"announced", m.announced},
              {"announce_refused", m.announce_refused},
              {"index_puts", m.index_puts},
              {"discoveries", m.discoveries},
              {"records_refused", m.records_refused},
              {"expired", m.expired}};
}

void ResourcesService::metrics(PromWriter& w) const {
  if (!m_dir) return;
  const auto& b = m_dir->book();
  const auto& m = m_dir->metrics();
  w.family("resource_records", "gauge", "DHT resource records held, ours and cached from other nodes.");
  w.u("resource_records", b.own_count(), {{"origin", "own"}});
  w.u("resource_records", b.cached_count(), {{"origin", "cached"}});
  w.family("resource_announcements_total", "counter", "Our resource announcements, by result.");
  w.u("resource_announcements_total", m.announced, {{"result", "accepted"}});
  w.u("resource_announcements_total", m.announce_refused, {{"result", "refused"}});
  w.family("resource_index_puts_total", "counter", "Discovery index records put into the DHT.");
  w.u("resource_index_puts_total", m.index_puts);
  w.family("resource_discoveries_total", "counter", "discover_resources calls.");
  w.u("resource_discoveries_total", m.discoveries);
  w.family("resource_records_refused_total", "counter",
           "Records read from the DHT that were malformed, mismatched, expired or refused by policy.");
  w.u("resource_records_refused_total", m.records_refused);
  w.family("resource_expired_total", "counter", "Records dropped from the local book at expiry.");
  w.u("resource_expired_total", m.expired);
}

ServiceFactory resources_service() {
  return {"resources", {}, [](const LoadedConfig& l, const NodeOptions&) -> std::unique_ptr<Service> {
            if (!l.config.dht.enabled) return nullptr;
            return std::make_unique<ResourcesService>(l.config);
          }};
}

}  // namespace lotus::node
