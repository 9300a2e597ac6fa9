// TaskScope: the owner of spawned coroutines (Seastar's gate). Every coroutine the runtime or
// host starts is spawned through a scope; the scope counts them, logs whatever escaped one
// (an exception is a bug: expected failures are Results), and join() waits until all ended.
//
// Cancellation: Boost 1.74's Asio has no per-operation cancellation slots, so a scope cancels
// by running the stop callbacks its owners registered (closing sockets, cancelling timers,
// notifying Signals); the tasks then observe errors and return. request_stop() also closes the
// scope to new tasks.
//
//   open ──request_stop()──▶ stopping ──(last task ends)──▶ joined
//
// Spawned coroutines take their parameters by value (no references into the spawner's frame)
// and are never capturing lambdas.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "runtime/asio.hpp"
#include "runtime/signal.hpp"

namespace lotus::runtime {

class TaskScope {
 public:
  explicit TaskScope(const asio::any_io_executor& ex);
  ~TaskScope();  // does not wait: the owner joins before, or releases the scope from its last task
  TaskScope(const TaskScope&) = delete;
  TaskScope& operator=(const TaskScope&) = delete;

  // Starts `task` on the executor. Returns false (and drops the task unstarted) when stopping.
  bool spawn(asio::awaitable<void> task, const char* name);
  std::size_t active() const noexcept;
  bool stopping() const noexcept;

  // Callbacks run once by request_stop(), in registration order. Returns an id for removal.
  std::uint64_t add_stop_callback(std::function<void()> fn);
  void remove_stop_callback(std::uint64_t id);
  void request_stop();

  // Waits until no task is active (call after request_stop(), or when the tasks end anyway).
  asio::awaitable<void> join();

 private:
  struct State;
  std::shared_ptr<State> m_state;
};

}  // namespace lotus::runtime
