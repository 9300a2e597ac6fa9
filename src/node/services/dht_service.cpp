// The Kademlia DHT as a service (dht.enabled): dht::Dht on the host with the configured
// protocol and mode, records persisted in <data dir>/dht.sqlite, control methods dht.*
// (control_dht.hpp), a status section and dht_* metric families.
#include "node/services/dht_service.hpp"
#include "node/services/builtin.hpp"
#include "node/node_options.hpp"

#include "coordinator/resource_validator.hpp"
#include "dht/sqlite_record_store.hpp"
#include "host/host.hpp"
#include "node/control_dht.hpp"
#include "node/metrics_text.hpp"
#include "node/store_files.hpp"
#include "runtime/asio.hpp"

namespace lotus::node {

DhtService::DhtService(const NodeConfig& cfg) : m_cfg(cfg) {}
DhtService::~DhtService() = default;

Status DhtService::start(ServiceContext& ctx) {
  // Server mode registers dht.protocol on the host; records persist in <data dir>/dht.sqlite.
  dht::Config dc;
  dc.protocol_id = m_cfg.dht.protocol;
  dc.mode = m_cfg.dht.server ? dht::Mode::server : dht::Mode::client;
  dc.refresh_on_first_peer = true;  // bootstrap as soon as the first DHT server is identified
  dc.max_local_keys = m_cfg.dht.max_local_keys;
  dc.engine.handler.max_records_per_peer = m_cfg.dht.max_records_per_peer;
  dc.engine.handler.max_bytes_per_peer = std::size_t{m_cfg.dht.max_kib_per_peer} * 1024;
  dc.engine.handler.max_provider_keys_per_peer = m_cfg.dht.max_provider_keys_per_peer;
  dc.engine.handler.min_announce_interval = std::chrono::milliseconds(m_cfg.security.min_dht_announcement_interval_ms);
  const auto file = ctx.loaded.data_dir / "dht.sqlite";
  dht::SqliteRecordStoreConfig sc;
  sc.max_records = m_cfg.dht.max_records;
  sc.max_bytes = std::size_t{m_cfg.dht.max_store_mib} * 1024 * 1024;
  auto store = dht::SqliteRecordStore::open(file.string(), sc, Clock::now());
  if (!store && store.error() == dht::errc::store_corrupt && ctx.options.recover_stores) {
    auto aside = move_store_aside(file);
    if (!aside) return ctx.fail(aside.error(), "cannot move the damaged DHT record store " + file.string() +
                                                   " aside: " + aside.error().message());
    ctx.report.push_back("DHT record store " + file.string() + " was damaged: moved to " + aside->string() +
                         ", starting with an empty one (--recover-stores)");
    store = dht::SqliteRecordStore::open(file.string(), sc, Clock::now());
  }
  if (!store && store.error() == dht::errc::store_corrupt)
    return ctx.fail(store.error(), damaged_store_advice(file, "records stored for others are lost; they are "
                                                              "republished by their authors"));
  if (!store) return ctx.fail(store.error(), "cannot open DHT record store " + file.string() + ": " +
                                                 store.error().message());
  m_store = store->get();
  // The Lotus resource-record validator (coordinator) next to kad's own (/pk/).
  m_dht = std::make_unique<dht::Dht>(ctx.host, std::move(dc), std::move(*store), coordinator::dht_validators());
  if (auto s = m_dht->start(); !s) return ctx.fail(s.error(), "cannot start the DHT: " + s.error().message());
  ctx.report.push_back(std::string("DHT ") + (m_cfg.dht.server ? "server" : "client") + " on " + m_cfg.dht.protocol);
  return Status{};
}

asio::awaitable<void> DhtService::stop() {
  if (m_dht) co_await m_dht->stop();
}

void DhtService::add_methods(ControlRouter& r) { register_dht_methods(r, *m_dht); }

std::optional<Json> DhtService::status() const {
  const auto& d = *m_dht;
  Json j;
  j["protocol"] = d.config().protocol_id;
  j["mode"] = dht::to_string(d.mode());
  j["serving"] = d.is_server();
  j["routing_table_peers"] = d.routing_table().size();
  const auto usage = d.record_store().usage();
  j["records"] = usage.records;
  j["record_bytes"] = usage.bytes;
  const auto& hs = d.handler_stats();
  j["stored_for_peers"] = hs.records_stored;
  j["refused"] = Json{{"peer_quota", hs.refused_peer_quota}, {"rate", hs.refused_rate}, {"store_full", hs.refused_store_full}};
  j["store_error"] = m_store && !m_store->last_error().empty() ? Json(m_store->last_error()) : Json();
  j["provider_keys"] = d.provider_store().key_count();
  const auto& m = d.metrics();
  j["inbound_requests"] = m.inbound_requests;
  j["inbound_errors"] = m.inbound_errors;
  j["outbound_rpcs"] = m.outbound_rpcs;
  j["outbound_failures"] = m.outbound_failures;
  j["queries"] = m.queries;
  return j;
}

void DhtService::metrics(PromWriter& w) const {
  const auto& d = *m_dht;
  const auto& m = d.metrics();
  w.family("dht_routing_table_peers", "gauge", "Peers in the DHT routing table.");
  w.u("dht_routing_table_peers", d.routing_table().size());
  const auto usage = d.record_store().usage();
  w.family("dht_records", "gauge", "DHT records held in the record store.");
  w.u("dht_records", usage.records);
  w.family("dht_record_bytes", "gauge", "Key and value bytes of the DHT records held.");
  w.u("dht_record_bytes", usage.bytes);
  w.family("dht_provider_keys", "gauge", "Keys with provider records held.");
  w.u("dht_provider_keys", d.provider_store().key_count());
  const auto& hs = d.handler_stats();
  w.family("dht_store_refusals_total", "counter",
           "PUT_VALUE / ADD_PROVIDER requests refused, by reason (a peer's quota, the per-key interval, the store's bounds).");
  w.u("dht_store_refusals_total", hs.refused_peer_quota, {{"reason", "peer_quota"}});
  w.u("dht_store_refusals_total", hs.refused_rate, {{"reason", "rate"}});
  w.u("dht_store_refusals_total", hs.refused_store_full, {{"reason", "store_full"}});
  w.family("dht_inbound_requests_total", "counter", "DHT requests served.");
  w.u("dht_inbound_requests_total", m.inbound_requests);
  w.family("dht_inbound_errors_total", "counter", "Malformed or refused inbound DHT requests (stream reset).");
  w.u("dht_inbound_errors_total", m.inbound_errors);
  w.family("dht_outbound_rpcs_total", "counter", "DHT requests sent, by result.");
  w.u("dht_outbound_rpcs_total", m.outbound_rpcs - std::min(m.outbound_rpcs, m.outbound_failures),
      {{"result", "success"}});
  w.u("dht_outbound_rpcs_total", m.outbound_failures, {{"result", "failure"}});
  w.family("dht_queries_total", "counter", "DHT queries (lookups, puts, provides) started.");
  w.u("dht_queries_total", m.queries);
}

ServiceFactory dht_service() {
  return {"dht", {"dht", "dht-server"}, [](const LoadedConfig& l, const NodeOptions&) -> std::unique_ptr<Service> {
            if (!l.config.dht.enabled) return nullptr;
            return std::make_unique<DhtService>(l.config);
          }};
}

}  // namespace lotus::node
