// The coordination layer as a service (always on): coordinator::Coordinator over the node's
// host, with the GossipSub and DHT services when they run, and the security service's manager
// (so message refusals, warnings and bans are one state, enforced by the gate the security
// service installed). Control methods p2p.send / p2p.broadcast / p2p.messages
// (control_coordinator.hpp), a status section (coordinator stats) and p2p_* metric families.
#include <memory>

#include "coordinator/coordinator.hpp"
#include "node/control_coordinator.hpp"
#include "node/metrics_text.hpp"
#include "node/node_options.hpp"
#include "node/services/builtin.hpp"
#include "node/services/dht_service.hpp"
#include "node/services/gossipsub_service.hpp"
#include "node/services/security_service.hpp"
#include "runtime/asio.hpp"

namespace lotus::node {

namespace {

class CoordinatorService final : public Service {
 public:
  explicit CoordinatorService(const NodeConfig& cfg) : m_cfg(cfg) {}
  std::string_view name() const override { return "coordinator"; }

  Status start(ServiceContext& ctx) override {
    coordinator::Config c;
    if (auto* sec = ctx.services.find<SecurityService>()) {
      c.security_manager = sec->manager();  // installed as the host's gate by the security service
      c.install_gate = false;
    } else {
      c.security = security_config(m_cfg);
    }
    pubsub::PubSub* ps = nullptr;
    if (auto* g = ctx.services.find<GossipSubService>()) ps = &g->pubsub();
    dht::Dht* dht = nullptr;
    if (auto* d = ctx.services.find<DhtService>()) dht = &d->dht();
    c.enable_network_broadcast = m_cfg.coordinator.network_broadcast && ps != nullptr;
    if (!m_cfg.metadata.empty()) {
      coordinator::json::Object meta;
      for (const auto& [k, v] : m_cfg.metadata) meta.set(k, v);
      c.metadata = coordinator::json::Value(std::move(meta));
    }
    if (m_cfg.coordinator.network_broadcast && !ps)
      ctx.report.push_back("coordinator: network_broadcast needs gossipsub.enabled; broadcasts stay direct");
    m_co = std::make_unique<coordinator::Coordinator>(ctx.host, std::move(c), ps, dht);
    if (auto st = m_co->start(); !st) return ctx.fail(st.error(), "cannot start the coordinator: " + st.error().message());
    m_max_stream_bytes = std::size_t{m_cfg.api.max_stream_buffer_kib} * 1024;
    return Status{};
  }

  asio::awaitable<void> stop() override {
    if (m_co) co_await m_co->stop();
  }

  void add_methods(ControlRouter& r) override { register_coordinator_methods(r, *m_co, m_max_stream_bytes); }

  std::optional<Json> status() const override {
    const auto s = m_co->stats();
    Json j;
    j["peer_id"] = s.peer_id;
    j["peers"] = Json{{"total", s.peers_total}, {"connected", s.peers_connected}};
    j["dht"] = Json{{"enabled", s.dht_enabled},
                    {"mode", s.dht_mode},
                    {"routing_table_size", s.dht_routing_table_size},
                    {"local_records", s.dht_local_records}};
    j["multiaddrs"] = s.multiaddrs;
    j["protocols"] = m_co->protocols();
    j["messages"] = Json{{"in", s.messages_in},          {"in_gossip", s.messages_in_gossip},
                         {"out", s.messages_out},        {"send_failures", s.send_failures},
                         {"duplicates", s.duplicates},   {"self_deliveries", s.self_deliveries},
                         {"broadcasts", s.broadcasts},   {"published", s.published}};
    j["refused"] = s.refused;
    j["network_broadcast"] = m_cfg.coordinator.network_broadcast;
    return j;
  }

  void metrics(PromWriter& w) const override {
    const auto s = m_co->stats();
    w.family("p2p_messages_total", "counter", "P2P messages (/lotus/message/1.0.0 and network-wide broadcast), by direction.");
    w.u("p2p_messages_total", s.messages_in, {{"direction", "in"}});
    w.u("p2p_messages_total", s.messages_out, {{"direction", "out"}});
    w.family("p2p_messages_refused_total", "counter", "Inbound P2P messages refused, by reason.");
    for (const auto& [reason, n] : s.refused) w.u("p2p_messages_refused_total", n, {{"reason", reason}});
    w.family("p2p_send_failures_total", "counter", "P2P message streams that could not be opened or written.");
    w.u("p2p_send_failures_total", s.send_failures);
    w.family("p2p_broadcasts_total", "counter", "Broadcasts started by this node.");
    w.u("p2p_broadcasts_total", s.broadcasts);
    w.family("p2p_connected_peers", "gauge", "Peers connected to the coordinator.");
    w.u("p2p_connected_peers", s.peers_connected);
  }

 private:
  const NodeConfig& m_cfg;
  std::unique_ptr<coordinator::Coordinator> m_co;
  std::size_t m_max_stream_bytes = 1024 * 1024;
};

}  // namespace

ServiceFactory coordinator_service() {
  return {"coordinator", {}, [](const LoadedConfig& l, const NodeOptions&) -> std::unique_ptr<Service> {
            return std::make_unique<CoordinatorService>(l.config);
          }};
}

}  // namespace lotus::node
