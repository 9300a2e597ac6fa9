// runtime::Signal: wake-up semantics and teardown of never-notified waiters.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "runtime/asio.hpp"
#include "runtime/signal.hpp"

namespace lotus::runtime {
namespace {

asio::awaitable<void> wait_then_record(std::shared_ptr<Signal> s, std::shared_ptr<std::vector<int>> log, int tag) {
  co_await s->wait();
  log->push_back(tag);
}

TEST(Signal, NotifyBeforeWaitReturnsAtOnce) {
  asio::io_context io;
  auto s = std::make_shared<Signal>(io.get_executor());
  auto log = std::make_shared<std::vector<int>>();
  s->notify();
  asio::co_spawn(io, wait_then_record(s, log, 1), asio::detached);
  io.run();
  EXPECT_EQ(*log, std::vector<int>{1});
}

TEST(Signal, NotifyWakesEveryWaiterOnce) {
  asio::io_context io;
  auto s = std::make_shared<Signal>(io.get_executor());
  auto log = std::make_shared<std::vector<int>>();
  asio::co_spawn(io, wait_then_record(s, log, 1), asio::detached);
  asio::co_spawn(io, wait_then_record(s, log, 2), asio::detached);
  io.poll();
  EXPECT_TRUE(log->empty());
  s->notify();
  io.run();
  EXPECT_EQ(*log, (std::vector<int>{1, 2}));
}

TEST(Signal, WaitUntilPastDeadlineIsFalseAndNotifiedIsTrue) {
  asio::io_context io;
  Signal s(io.get_executor());
  std::vector<bool> got;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        got.push_back(co_await s.wait_until(Clock::now() - std::chrono::seconds(1)));
        s.notify();
        got.push_back(co_await s.wait_until(Clock::now() + std::chrono::hours(1)));
      },
      asio::detached);
  io.run();
  EXPECT_EQ(got, (std::vector<bool>{false, true}));
}

// A waiter whose frame owns the Signal and is never notified: destroying the io_context must
// free the frame (LSan in the sanitizer build reports the cycle otherwise).
TEST(Signal, NeverNotifiedWaiterIsFreedWithTheContext) {
  auto log = std::make_shared<std::vector<int>>();
  std::weak_ptr<Signal> weak;
  {
    asio::io_context io;
    auto s = std::make_shared<Signal>(io.get_executor());
    weak = s;
    asio::co_spawn(io, wait_then_record(s, log, 1), asio::detached);
    s.reset();
    io.poll();
    EXPECT_FALSE(weak.expired());
  }
  EXPECT_TRUE(weak.expired());
  EXPECT_TRUE(log->empty());
}

}  // namespace
}  // namespace lotus::runtime
