// DHT resources as a service of the daemon (enabled with the DHT): a
// coordinator::ResourceDirectory over the DhtService's Dht, the control methods resource.*,
// a status section and resource_* metric families.
//
// Control methods (unary, JSON in/out):
//   resource.announce  {type, id, data?, ttl_ms?, expires_at?}
//                      -> {key, record, published, stored, index_published}
//   resource.get       {type, id, network=false}  -> {key, record}   (local, or local then DHT)
//   resource.discover  {type, filters?, local=false} -> {resources: [record…], stats}
//   resource.withdraw  {type, id}                 -> {withdrawn}
// `data` is JSON text (a string), so that its member order survives (the control API's own
// JSON object type sorts keys); `record` is the record's value text exactly as stored in the
// DHT (lotus-wire.md §3.1); `filters` is an object whose values are compared with JS strict
// equality to the record data's members. Errors: node::control_errc::bad_request for missing
// or ill-typed fields; coordinator.resources.* and dht.* pass through.
//
// The announcement interval of the security configuration
// (security.min_dht_announcement_interval_ms, the kad handlers' per-key interval) spaces our
// index PUTs (ResourceConfig::index_interval).
//
// Security: when the security service runs (always, in the daemon), our announcements pass its
// SecurityManager (coordinator/resource_gates.hpp: can_announce_own — counts, record size,
// validators, the interval per key), withdrawn/expired ones free their slot, and records read
// from the DHT pass validate_record; refusals surface as p2p-security errors and on /metrics.
#pragma once

#include <memory>

#include "coordinator/resources_directory.hpp"
#include "node/service.hpp"

namespace lotus::node {

class ResourcesService final : public Service {
 public:
  explicit ResourcesService(const NodeConfig& cfg);
  ~ResourcesService() override;
  std::string_view name() const override { return "resources"; }
  Status start(ServiceContext& ctx) override;
  asio::awaitable<void> stop() override;
  void add_methods(ControlRouter& r) override;
  std::optional<Json> status() const override;
  void metrics(PromWriter& w) const override;

  coordinator::ResourceDirectory& directory() { return *m_dir; }

 private:
  const NodeConfig& m_cfg;
  std::unique_ptr<coordinator::ResourceDirectory> m_dir;
};

// The resource.* methods on `dir` (also used by tests without a node).
void register_resource_methods(ControlRouter& router, coordinator::ResourceDirectory& dir);

ServiceFactory resources_service();

}  // namespace lotus::node
