// The security manager plugged into DHT resources (resources.hpp / resources_directory.hpp):
//   announce_gate  ResourceConfig::gate   — every announcement goes through
//                  SecurityManager::can_announce_to_dht (ban, MIN_DHT_ANNOUNCEMENT_INTERVAL,
//                  per-peer and per-type resource counts, our record size limit, validators);
//   own_announce_gate  ResourceConfig::gate of a node's own directory (the daemon's resources
//                  service): SecurityManager::can_announce_own — the same limits, the interval
//                  per key, no warnings against ourselves;
//   resource_remover   ResourceConfig::on_removed: SecurityManager::remove_resource when one of
//                  our announcements is withdrawn or expires, so its slot is freed;
//   record_gate    ResourceConfig::accept — every record read from the DHT goes through
//                  SecurityManager::validate_record (creator not banned, validators), without
//                  warnings: the creator is claimed by the record, not proved to us.
// The reference never calls canAnnounceToDHT (lotus-wire.md §5.2, §12 item 18); here both
// directions are checked.
#pragma once

#include <functional>
#include <memory>

#include "base/time.hpp"
#include "coordinator/resources.hpp"
#include "coordinator/resources_directory.hpp"
#include "coordinator/security.hpp"

namespace lotus::coordinator {

// `now`: the steady clock the manager's intervals use (tests pass virtual time).
AnnounceGate announce_gate(std::shared_ptr<SecurityManager> sm, std::function<TimePoint()> now = [] { return Clock::now(); });
AnnounceGate own_announce_gate(std::shared_ptr<SecurityManager> sm, std::function<TimePoint()> now = [] { return Clock::now(); });
RemovedHook resource_remover(std::shared_ptr<SecurityManager> sm);
RecordGate record_gate(std::shared_ptr<SecurityManager> sm, std::function<TimePoint()> now = [] { return Clock::now(); });

}  // namespace lotus::coordinator
