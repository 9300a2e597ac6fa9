// Signal: a coroutine wake-up flag on one io_context (Asio has no condition variable for
// coroutines in Boost 1.74). notify() wakes every current waiter and, if none waits, makes the
// next wait() return at once. Waiters re-check their condition in a loop:
//
//   while (!ready()) co_await signal.wait();
//
// The Signal must outlive its waiters (keep it in state the waiting coroutine co-owns).
#pragma once

#include "base/time.hpp"
#include "runtime/asio.hpp"

namespace lotus::runtime {

class Signal {
 public:
  explicit Signal(const asio::any_io_executor& ex) : m_timer(ex, TimePoint::max()) {}
  Signal(const Signal&) = delete;
  Signal& operator=(const Signal&) = delete;

  void notify() {
    m_set = true;
    m_timer.cancel();
  }
  // Returns when notified (or immediately if a notify happened since the last wait).
  asio::awaitable<void> wait();
  // As wait(), but returns false if `deadline` passed first. One timed waiter at a time.
  asio::awaitable<bool> wait_until(TimePoint deadline);

 private:
  asio::steady_timer m_timer;
  bool m_set = false;
};

}  // namespace lotus::runtime
