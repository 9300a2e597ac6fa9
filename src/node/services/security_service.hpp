// The security service (always on): see security_service.cpp. Reached by type by the
// coordinator service, which runs its message path through the same security manager.
#pragma once

#include <cstdint>
#include <memory>

#include "coordinator/security.hpp"
#include "node/service.hpp"

namespace lotus::node {

// The coordinator::SecurityManager configuration of the security.* keys.
coordinator::SecurityManager::Config security_config(const NodeConfig& cfg);

class SecurityService final : public Service {
 public:
  explicit SecurityService(const NodeConfig& cfg);
  ~SecurityService() override;
  std::string_view name() const override { return "security"; }
  Status start(ServiceContext& ctx) override;
  asio::awaitable<void> stop() override;
  void add_methods(ControlRouter& r) override;
  std::optional<Json> status() const override;
  void metrics(PromWriter& w) const override;

  const std::shared_ptr<coordinator::SecurityManager>& manager() const { return m_manager; }

  struct State;  // the summary task's (security_service.cpp)

 private:
  std::shared_ptr<coordinator::SecurityManager> m_manager;
  host::Host* m_host = nullptr;
  std::uint64_t m_gate_id = 0;
  std::shared_ptr<State> m_state;
};

}  // namespace lotus::node
