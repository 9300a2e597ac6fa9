// Signal: a coroutine wake-up flag on one io_context (Asio has no condition variable for
// coroutines in Boost 1.74). notify() wakes every current waiter and, if none waits, makes the
// next wait() return at once. Waiters re-check their condition in a loop:
//
//   while (!ready()) co_await signal.wait();
//
// wait() parks the coroutine's completion handler in the Signal; notify() posts it (no timer,
// so no timerfd re-arm per wait). wait_until() uses a timer and is meant for rare timed waits.
// Handlers still parked when the io_context shuts down are destroyed with it (as Asio does for
// pending operations), so a never-notified waiter does not leak its coroutine frame.
//
// The Signal must outlive its waiters (keep it in state the waiting coroutine co-owns).
// Single-threaded: one io_context thread uses a Signal.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "base/time.hpp"
#include "runtime/asio.hpp"

namespace lotus::runtime {

class SignalService;

class Signal {
 public:
  explicit Signal(const asio::any_io_executor& ex);
  ~Signal();
  Signal(const Signal&) = delete;
  Signal& operator=(const Signal&) = delete;

  void notify();
  // Returns when notified (or immediately if a notify happened since the last wait).
  asio::awaitable<void> wait();
  // As wait(), but returns false if `deadline` passed first. One timed waiter at a time.
  asio::awaitable<bool> wait_until(TimePoint deadline);

 private:
  friend class SignalService;
  struct Waiter {
    virtual ~Waiter() = default;
    virtual void post() = 0;  // hands the handler to its executor; called once
  };
  template <class Handler>
  struct WaiterImpl final : Waiter {
    explicit WaiterImpl(Handler&& h) : handler(std::move(h)) {}
    void post() override { asio::post(std::move(handler)); }
    Handler handler;
  };

  asio::any_io_executor m_ex;
  SignalService* m_service;  // null once the io_context is gone
  std::vector<std::unique_ptr<Waiter>> m_waiters;
  std::unique_ptr<asio::steady_timer> m_timer;  // wait_until only, made on first use (a timer
                                                // is ~130 bytes; a connection has six Signals)
  bool m_timed = false;
  bool m_set = false;
};

}  // namespace lotus::runtime
