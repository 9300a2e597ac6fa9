// The DHT service (dht.enabled): see dht_service.cpp.
#pragma once

#include <memory>

#include "dht/dht.hpp"
#include "dht/sqlite_record_store.hpp"
#include "node/service.hpp"

namespace lotus::node {

class DhtService final : public Service {
 public:
  explicit DhtService(const NodeConfig& cfg);
  ~DhtService() override;
  std::string_view name() const override { return "dht"; }
  Status start(ServiceContext& ctx) override;
  asio::awaitable<void> stop() override;
  void add_methods(ControlRouter& r) override;
  std::optional<Json> status() const override;
  void metrics(PromWriter& w) const override;

  dht::Dht& dht() { return *m_dht; }

 private:
  const NodeConfig& m_cfg;
  std::unique_ptr<dht::Dht> m_dht;
  const dht::SqliteRecordStore* m_store = nullptr;  // owned by m_dht
};

ServiceFactory dht_service();

}  // namespace lotus::node
