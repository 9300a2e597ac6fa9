#include "host/drive.hpp"

#include <optional>

#include "runtime/asio.hpp"
#include "runtime/watchdog.hpp"

namespace lotus::host {

asio::awaitable<Result<BytesView>> StreamReader::read_some(TimePoint deadline) {
  const MutBytesView buf(m_buf.data(), m_buf.capacity());
  std::optional<runtime::Watchdog> dog;
  if (deadline != kNever) {
    // The executor first: no co_await in the expression that builds the callback (g++ 12).
    const asio::any_io_executor ex = co_await asio::this_coro::executor;
    Stream* s = m_stream;
    dog.emplace(ex, deadline, [s] { s->reset(); });
  }
  auto n = co_await m_stream->read_some(buf);
  if (dog && dog->expired()) m_timed_out = true;
  if (!n) co_return n.error();
  co_return BytesView(buf.data(), *n);
}

}  // namespace lotus::host
