// Helpers for host tests: run coroutines on one io_context with an overall guard deadline,
// queue host events and wait for them with deadlines (no sleeps), join spawned coroutines.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <optional>

#include "host/host.hpp"
#include "runtime/asio.hpp"
#include "runtime/signal.hpp"

namespace lotus::host::testing {

// `co_return` instead of gtest's `return` on failure inside coroutines.
#define CO_ASSERT_TRUE(cond)                      \
  do {                                            \
    if (!(cond)) {                                \
      ADD_FAILURE() << "CO_ASSERT_TRUE: " #cond;  \
      co_return;                                  \
    }                                             \
  } while (0)

// Evaluates `res` once (it is often a co_await of a dial or a write: running it again to build
// the failure message would repeat the operation).
#define CO_ASSERT_OK(res)                                                          \
  do {                                                                             \
    auto&& lotus_co_assert_res_ = (res);                                           \
    if (!lotus_co_assert_res_.has_value()) {                                       \
      ADD_FAILURE() << "CO_ASSERT_OK: " #res ": "                                  \
                    << lotus_co_assert_res_.error().message();                     \
      co_return;                                                                   \
    }                                                                              \
  } while (0)

// Records events of one host. Waits return nullopt when the deadline passes.
class EventLog {
 public:
  EventLog(asio::io_context& io, Host& h) : m_signal(std::make_shared<runtime::Signal>(io.get_executor())) {
    auto sig = m_signal;
    auto* events = &m_events;
    h.add_event_listener([sig, events](const Event& e) {
      events->push_back(e);
      sig->notify();
    });
  }

  // Waits for (and removes) the first event satisfying `pred`.
  template <class E>
  asio::awaitable<std::optional<E>> wait_for(std::function<bool(const E&)> pred = nullptr,
                                             Duration timeout = std::chrono::seconds(20)) {
    const auto deadline = Clock::now() + timeout;
    auto sig = m_signal;
    while (true) {
      for (auto it = m_events.begin(); it != m_events.end(); ++it) {
        if (auto* e = std::get_if<E>(&*it); e && (!pred || pred(*e))) {
          E out = *e;
          m_events.erase(it);
          co_return out;
        }
      }
      if (!co_await sig->wait_until(deadline)) co_return std::nullopt;
    }
  }

  template <class E>
  std::size_t count() const {
    std::size_t n = 0;
    for (auto& e : m_events) n += std::holds_alternative<E>(e) ? 1 : 0;
    return n;
  }

 private:
  std::shared_ptr<runtime::Signal> m_signal;
  std::deque<Event> m_events;
};

// Spawns coroutines and waits for all of them.
class Joiner {
 public:
  explicit Joiner(asio::io_context& io) : m_io(io), m_state(std::make_shared<State>(io.get_executor())) {}
  void spawn(asio::awaitable<void> aw) {
    ++m_state->pending;
    asio::co_spawn(m_io, std::move(aw), [st = m_state](std::exception_ptr e) {
      if (e) st->error = e;
      --st->pending;
      st->sig.notify();
    });
  }
  asio::awaitable<void> join() {
    auto st = m_state;
    while (st->pending != 0) co_await st->sig.wait();
    if (st->error) std::rethrow_exception(st->error);
  }

 private:
  struct State {
    explicit State(const asio::any_io_executor& ex) : sig(ex) {}
    runtime::Signal sig;
    int pending = 0;
    std::exception_ptr error;
  };
  asio::io_context& m_io;
  std::shared_ptr<State> m_state;
};

// Runs `aw` to completion; fails the test if it has not finished within `limit` (a hang guard,
// not a timing assertion).
inline void run(asio::io_context& io, asio::awaitable<void> aw, Duration limit = std::chrono::seconds(120)) {
  bool done = false;
  std::exception_ptr err;
  asio::co_spawn(io, std::move(aw), [&](std::exception_ptr e) {
    done = true;
    err = e;
  });
  const auto deadline = Clock::now() + limit;
  while (!done && Clock::now() < deadline) {
    if (io.stopped()) io.restart();
    io.run_one_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(done) << "test coroutine did not finish (hang guard)";
  if (err) std::rethrow_exception(err);
}

}  // namespace lotus::host::testing
