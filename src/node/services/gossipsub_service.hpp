// The GossipSub service (gossipsub.enabled): see gossipsub_service.cpp.
#pragma once

#include <memory>

#include "node/service.hpp"
#include "pubsub/pubsub.hpp"

namespace lotus::node {

class GossipSubService final : public Service {
 public:
  explicit GossipSubService(const NodeConfig& cfg);
  ~GossipSubService() override;
  std::string_view name() const override { return "gossipsub"; }
  Status start(ServiceContext& ctx) override;
  asio::awaitable<void> stop() override;
  void add_methods(ControlRouter& r) override;
  std::optional<Json> status() const override;
  void metrics(PromWriter& w) const override;

  pubsub::PubSub& pubsub() { return *m_pubsub; }

 private:
  const NodeConfig& m_cfg;
  std::unique_ptr<pubsub::PubSub> m_pubsub;
};

ServiceFactory gossipsub_service();

}  // namespace lotus::node
