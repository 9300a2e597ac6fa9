#include "runtime/watchdog.hpp"

namespace lotus::runtime {

Watchdog::Watchdog(const asio::any_io_executor& ex, Duration timeout, std::function<void()> on_expire)
    : Watchdog(ex, Clock::now() + timeout, std::move(on_expire)) {}

Watchdog::Watchdog(const asio::any_io_executor& ex, TimePoint deadline, std::function<void()> on_expire)
    : m_state(std::make_shared<State>(ex)) {
  m_state->on_expire = std::move(on_expire);
  m_state->timer.expires_at(deadline);
  m_state->timer.async_wait([state = m_state](const boost::system::error_code& ec) {
    if (ec || !state->armed) return;
    state->armed = false;
    state->expired = true;
    auto fn = std::move(state->on_expire);
    state->on_expire = nullptr;
    if (fn) fn();
  });
}

void Watchdog::disarm() {
  if (!m_state->armed) return;
  m_state->armed = false;
  m_state->on_expire = nullptr;
  m_state->timer.cancel();
}

}  // namespace lotus::runtime
