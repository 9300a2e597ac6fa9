// The connection manager as a service: the configured watermarks and limits
// (connection_manager.*, security.disable_rate_limiting) applied to the host before it is
// built; its status section reads the limits back from the host (what it really runs with).
#include <algorithm>

#include "host/host.hpp"
#include "node/node_options.hpp"
#include "node/services/builtin.hpp"

namespace lotus::node {

namespace {

// "connection manager: min 10, max 50 connections, trim grace period 20 s; inbound: 8 per IP,
// 20/s (burst 40), loopback exempt; 64 dials in flight; streams: 1024 per connection, 256
// inbound per protocol"
std::string connection_manager_report(const NodeConfig& cfg) {
  const auto& cm = cfg.connection_manager;
  auto n = [](std::uint64_t v) { return std::to_string(v); };
  std::string out = "connection manager: min " + n(cm.min_connections) + ", max " + n(cm.max_connections) +
                    " connections, trim grace period " + n(cm.grace_period_seconds) + " s; inbound: ";
  if (cfg.security.disable_rate_limiting) {
    out += "per-IP and rate limits off (security.disable_rate_limiting)";
  } else {
    out += n(cm.max_inbound_per_ip) + " per IP, " + n(cm.inbound_connections_per_second) + "/s (burst " +
           n(cm.inbound_burst) + "), loopback " + (cm.limit_loopback ? "limited" : "exempt");
  }
  return out + "; " + n(cm.max_pending_dials) + " dials in flight; streams: " + n(cm.max_streams_per_connection) +
         " per connection, " + n(cm.max_inbound_streams_per_protocol) + " inbound per protocol";
}

class ConnManagerService final : public Service {
 public:
  explicit ConnManagerService(const NodeConfig& cfg) : m_cfg(cfg) {}
  std::string_view name() const override { return "connection_manager"; }

  void configure_host(host::Config& hc) override {
    // The configured watermarks (P2P_MIN/MAX_CONNECTIONS, profiles) and limits
    // (connection_manager.*); below min the host also redials known peers of the peer store.
    const auto& cm = m_cfg.connection_manager;
    hc.conn_manager.min_connections = cm.min_connections;
    hc.conn_manager.max_connections = cm.max_connections;
    hc.conn_manager.grace_period = std::chrono::seconds(cm.grace_period_seconds);
    hc.conn_manager.max_inbound_per_ip = cm.max_inbound_per_ip;
    hc.conn_manager.inbound_per_second = cm.inbound_connections_per_second;
    hc.conn_manager.inbound_burst = cm.inbound_burst;
    hc.conn_manager.limit_loopback = cm.limit_loopback;
    hc.conn_manager.max_pending_dials = cm.max_pending_dials;
    hc.conn_manager.max_inbound_per_subnet = cm.max_inbound_per_subnet;
    hc.conn_manager.inbound_per_ip_per_second = cm.inbound_per_ip_per_second;
    hc.conn_manager.inbound_per_subnet_per_second = cm.inbound_per_subnet_per_second;
    hc.conn_manager.max_handshaking = cm.max_handshaking;
    hc.conn_manager.max_inbound_streams_per_protocol = cm.max_inbound_streams_per_protocol;
    hc.max_streams_per_connection = cm.max_streams_per_connection;
    hc.conn_manager.dial_known_peers = true;
    hc.max_connections = std::max<std::size_t>(hc.max_connections, 2 * std::size_t{cm.max_connections});
    if (m_cfg.security.disable_rate_limiting) {  // inbound per-IP and rate limits off (tests, private nets)
      hc.conn_manager.max_inbound_per_ip = hc.max_connections;
      hc.conn_manager.inbound_per_second = 1e9;
      hc.conn_manager.inbound_burst = hc.max_connections;
      hc.conn_manager.max_inbound_per_subnet = hc.max_connections;
      hc.conn_manager.inbound_per_ip_per_second = 1e9;
      hc.conn_manager.inbound_per_subnet_per_second = 1e9;
    }
  }

  Status start(ServiceContext& ctx) override {
    m_host = &ctx.host;
    ctx.report.push_back(connection_manager_report(m_cfg));
    return Status{};
  }

  // The limits the host runs with (after security.disable_rate_limiting), read back from the
  // host, not from the configuration.
  std::optional<Json> status() const override {
    const auto& h = *m_host;
    const auto& lim = h.conn_manager().limits();
    Json cm;
    cm["min_connections"] = lim.min_connections;
    cm["max_connections"] = lim.max_connections;
    cm["grace_period_seconds"] = std::chrono::duration_cast<std::chrono::seconds>(lim.grace_period).count();
    cm["max_inbound_per_ip"] = lim.max_inbound_per_ip;
    cm["inbound_connections_per_second"] = lim.inbound_per_second;
    cm["inbound_burst"] = lim.inbound_burst;
    cm["limit_loopback"] = lim.limit_loopback;
    cm["max_pending_dials"] = lim.max_pending_dials;
    cm["max_streams_per_connection"] = h.config().max_streams_per_connection;
    cm["max_inbound_streams_per_protocol"] = lim.max_inbound_streams_per_protocol;
    cm["max_sockets"] = h.config().max_connections;  // hard cap, open + handshaking
    cm["max_inbound_per_subnet"] = lim.max_inbound_per_subnet;
    cm["inbound_per_ip_per_second"] = lim.inbound_per_ip_per_second;
    cm["inbound_per_subnet_per_second"] = lim.inbound_per_subnet_per_second;
    cm["max_handshaking"] = lim.max_handshaking;
    return cm;
  }

 private:
  const NodeConfig& m_cfg;
  const host::Host* m_host = nullptr;
};

}  // namespace

ServiceFactory conn_manager_service() {
  return {"connection_manager", {},
          [](const LoadedConfig& l, const NodeOptions&) -> std::unique_ptr<Service> {
            return std::make_unique<ConnManagerService>(l.config);
          }};
}

}  // namespace lotus::node
