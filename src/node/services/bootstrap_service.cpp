// Bootstrap (bootstrap_peers) as a service: node::Bootstrapper resolves and dials every
// configured address, protects the peers and redials them with backoff.
#include "node/bootstrap.hpp"
#include "node/services/builtin.hpp"
#include "runtime/asio.hpp"

namespace lotus::node {

namespace {

class BootstrapService final : public Service {
 public:
  explicit BootstrapService(const NodeConfig& cfg) : m_cfg(cfg) {}
  std::string_view name() const override { return "bootstrap"; }
  Status start(ServiceContext& ctx) override {
    BootstrapConfig bc;
    bc.peers = m_cfg.bootstrap_peers;
    m_boot = std::make_unique<Bootstrapper>(ctx.host, std::move(bc), ctx.dns);
    ctx.report.push_back("bootstrap: " + std::to_string(m_cfg.bootstrap_peers.size()) +
                         " configured address(es), protected, redialled with backoff");
    m_boot->start();
    return Status{};
  }
  asio::awaitable<void> stop() override {
    if (!m_boot) co_return;
    m_boot->stop();
    co_await m_boot->join();
  }
  std::optional<Json> status() const override {
    Json j;
    j["configured"] = m_cfg.bootstrap_peers.size();
    j["resolved_peers"] = m_boot->peers().size();
    j["dial_attempts"] = m_boot->attempts();
    return j;
  }

 private:
  const NodeConfig& m_cfg;
  std::unique_ptr<Bootstrapper> m_boot;
};

}  // namespace

ServiceFactory bootstrap_service() {
  return {"bootstrap", {"bootstrap"}, [](const LoadedConfig& l, const NodeOptions&) -> std::unique_ptr<Service> {
            if (l.config.bootstrap_peers.empty()) return nullptr;
            return std::make_unique<BootstrapService>(l.config);
          }};
}

}  // namespace lotus::node
