#include "runtime/task_scope.hpp"

#include <cassert>
#include <exception>
#include <string>

#include "base/log.hpp"

namespace lotus::runtime {

struct TaskScope::State {
  explicit State(const asio::any_io_executor& ex) : executor(ex), done(ex) {}
  asio::any_io_executor executor;
  Signal done;
  std::size_t active = 0;
  bool stopping = false;
  std::uint64_t next_callback = 1;
  std::map<std::uint64_t, std::function<void()>> stop_callbacks;
};

TaskScope::TaskScope(const asio::any_io_executor& ex) : m_state(std::make_shared<State>(ex)) {}

// Tasks may still be finishing (their completion handlers own the shared state), e.g. when the
// owner is released from within its last task's frame.
TaskScope::~TaskScope() = default;

bool TaskScope::spawn(asio::awaitable<void> task, const char* name) {
  if (m_state->stopping) return false;
  ++m_state->active;
  // The completion handler is an ordinary (non-coroutine) lambda owning the state.
  asio::co_spawn(m_state->executor, std::move(task), [state = m_state, name](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        LOTUS_LOG(error, "runtime", std::string("task '") + name + "' escaped: " + ex.what());
      } catch (...) {
        LOTUS_LOG(error, "runtime", std::string("task '") + name + "' escaped: unknown exception");
      }
    }
    if (--state->active == 0) state->done.notify();
  });
  return true;
}

std::size_t TaskScope::active() const noexcept { return m_state->active; }
bool TaskScope::stopping() const noexcept { return m_state->stopping; }

std::uint64_t TaskScope::add_stop_callback(std::function<void()> fn) {
  const auto id = m_state->next_callback++;
  m_state->stop_callbacks.emplace(id, std::move(fn));
  return id;
}

void TaskScope::remove_stop_callback(std::uint64_t id) { m_state->stop_callbacks.erase(id); }

void TaskScope::request_stop() {
  if (m_state->stopping) return;
  m_state->stopping = true;
  auto callbacks = std::move(m_state->stop_callbacks);
  m_state->stop_callbacks.clear();
  for (auto& [id, fn] : callbacks) fn();
}

asio::awaitable<void> TaskScope::join() {
  auto state = m_state;  // keep alive across suspension
  while (state->active != 0) co_await state->done.wait();
}

}  // namespace lotus::runtime
