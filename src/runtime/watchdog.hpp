// Watchdog: runs a callback once if it is not disarmed before `timeout`. Used to enforce
// deadlines on operations that Boost 1.74 Asio cannot cancel individually: the callback closes
// the socket (or cancels the timer) the operation waits on, and the caller maps the resulting
// error to a timeout by checking expired(). Disarmed by destruction or disarm(); the callback
// never runs after that, even if the timer already fired and its handler is queued.
#pragma once

#include <functional>
#include <memory>

#include "base/time.hpp"
#include "runtime/asio.hpp"

namespace lotus::runtime {

class Watchdog {
 public:
  Watchdog(const asio::any_io_executor& ex, Duration timeout, std::function<void()> on_expire);
  Watchdog(const asio::any_io_executor& ex, TimePoint deadline, std::function<void()> on_expire);
  ~Watchdog() { disarm(); }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void disarm();
  bool expired() const noexcept { return m_state->expired; }

 private:
  struct State {
    explicit State(const asio::any_io_executor& ex) : timer(ex) {}
    asio::steady_timer timer;
    std::function<void()> on_expire;
    bool armed = true;
    bool expired = false;
  };
  std::shared_ptr<State> m_state;
};

}  // namespace lotus::runtime
