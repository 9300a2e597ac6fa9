#include "pubsub/errc.hpp"

namespace lotus::pubsub {

const std::error_category& category() noexcept {
  static const TableCategory cat("pubsub", {
      {static_cast<int>(errc::stopped), "service is not running"},
      {static_cast<int>(errc::subscription_closed), "subscription closed"},
      {static_cast<int>(errc::not_subscribed), "no subscription for topic"},
      {static_cast<int>(errc::bad_request), "malformed control request (topic/data)"},
      {static_cast<int>(errc::slow_subscriber), "subscriber too slow: its queue overflowed and messages were dropped"},
  });
  return cat;
}

}  // namespace lotus::pubsub
