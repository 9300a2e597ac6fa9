// The perf server (/perf/1.0.0) as a service, on when the embedding program asks for it
// (NodeOptions::perf_server, lotus-p2pd --enable-perf-server): the perf spec says a node must
// not serve it by default.
#include "host/perf_service.hpp"
#include "node/node_options.hpp"
#include "node/services/builtin.hpp"
#include "runtime/asio.hpp"

namespace lotus::node {

namespace {

class PerfService final : public Service {
 public:
  std::string_view name() const override { return "perf"; }
  Status start(ServiceContext& ctx) override {
    m_host = &ctx.host;
    host::enable_perf_server(ctx.host);
    ctx.report.push_back(std::string("perf server on ") + host::kPerfProtocol);
    return Status{};
  }
  asio::awaitable<void> stop() override {
    if (m_host) host::disable_perf_server(*m_host);
    co_return;
  }

 private:
  host::Host* m_host = nullptr;
};

}  // namespace

ServiceFactory perf_service() {
  return {"perf", {}, [](const LoadedConfig&, const NodeOptions& o) -> std::unique_ptr<Service> {
            if (!o.perf_server) return nullptr;
            return std::make_unique<PerfService>();
          }};
}

}  // namespace lotus::node
