// Error codes of the pubsub service (the GossipSub driver over host streams). Router and codec
// errors keep their proto::gossipsub::errc.
#pragma once

#include <system_error>

#include "base/error.hpp"

namespace lotus::pubsub {

enum class errc {
  stopped = 1,          // the service was stopped (or never started)
  subscription_closed,  // unsubscribed (or service stopped) and every queued message was read
  not_subscribed,       // unsubscribe() of a topic without subscriptions
  bad_request,          // a control API request lacks a field or has one of the wrong type
  slow_subscriber,      // a subscriber fell so far behind that its queue overflowed (cut)
};
const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

}  // namespace lotus::pubsub

LOTUS_ERRC_ENUM(lotus::pubsub::errc)
