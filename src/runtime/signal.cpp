#include "runtime/signal.hpp"

#include <set>

namespace lotus::runtime {

// Tracks the live Signals of one execution context so that shutdown can destroy the handlers
// they park (otherwise a coroutine frame owning its Signal would keep itself alive forever).
class SignalService final : public asio::execution_context::service {
 public:
  static inline asio::execution_context::id id;
  explicit SignalService(asio::execution_context& ctx) : asio::execution_context::service(ctx) {}
  ~SignalService() override {
    for (auto* s : m_live) s->m_service = nullptr;
  }
  void add(Signal* s) { m_live.insert(s); }
  void remove(Signal* s) { m_live.erase(s); }

 private:
  void shutdown() override {
    // Destroying a handler may destroy frames that own other Signals: restart after each.
    while (true) {
      std::vector<std::unique_ptr<Signal::Waiter>> doomed;
      for (auto* s : m_live) {
        if (!s->m_waiters.empty()) {
          doomed.swap(s->m_waiters);
          break;
        }
      }
      if (doomed.empty()) break;
      doomed.clear();
    }
  }
  std::set<Signal*> m_live;
};

Signal::Signal(const asio::any_io_executor& ex)
    : m_ex(ex), m_service(&asio::use_service<SignalService>(asio::query(ex, asio::execution::context))) {
  m_service->add(this);
}

Signal::~Signal() {
  if (m_service) m_service->remove(this);
}

void Signal::notify() {
  m_set = true;
  if (!m_waiters.empty()) {
    auto waiters = std::move(m_waiters);
    m_waiters.clear();
    for (auto& w : waiters) w->post();
  }
  if (m_timed) m_timer->cancel();
}

asio::awaitable<void> Signal::wait() {
  if (!m_set) {
    co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
        [this](auto handler) {
          using H = decltype(handler);
          m_waiters.push_back(std::make_unique<WaiterImpl<H>>(std::move(handler)));
        },
        asio::use_awaitable);
  }
  m_set = false;
}

asio::awaitable<bool> Signal::wait_until(TimePoint deadline) {
  if (!m_set) {
    if (Clock::now() >= deadline) co_return false;
    if (!m_timer) m_timer = std::make_unique<asio::steady_timer>(m_ex);
    boost::system::error_code ec;
    m_timer->expires_at(deadline);
    m_timed = true;
    co_await m_timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    m_timed = false;
    if (!ec && !m_set) co_return false;  // the timer expired: deadline reached
  }
  m_set = false;
  co_return true;
}

}  // namespace lotus::runtime
