#include "runtime/signal.hpp"

namespace lotus::runtime {

asio::awaitable<void> Signal::wait() {
  if (!m_set) {
    boost::system::error_code ec;
    m_timer.expires_at(TimePoint::max());
    co_await m_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  m_set = false;
}

asio::awaitable<bool> Signal::wait_until(TimePoint deadline) {
  if (!m_set) {
    if (Clock::now() >= deadline) co_return false;
    boost::system::error_code ec;
    m_timer.expires_at(deadline);
    co_await m_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    m_timer.expires_at(TimePoint::max());
    if (!ec && !m_set) co_return false;  // the timer expired: deadline reached
  }
  m_set = false;
  co_return true;
}

}  // namespace lotus::runtime
