#include "host/protocol_service.hpp"

#include <set>
#include <utility>
#include <vector>

#include "runtime/asio.hpp"
#include "runtime/task_scope.hpp"

namespace lotus::host {

struct ProtocolService::State {
  explicit State(Host& h) : host(h), scope(h.io_context().get_executor()) {}
  Host& host;
  runtime::TaskScope scope;
  bool stopping = false;
  std::vector<std::uint64_t> listeners;
  std::set<std::string> protocols;  // handlers we registered
  std::set<Stream*> streams;        // live tracked streams (reset by request_stop)
};

ProtocolService::Tracked::Tracked(std::shared_ptr<State> state, Stream& s)
    : m_state(std::move(state)), m_stream(&s) {
  m_state->streams.insert(m_stream);
}

ProtocolService::Tracked::~Tracked() { m_state->streams.erase(m_stream); }

ProtocolService::ProtocolService(Host& host) : m_state(std::make_shared<State>(host)) {}

// Handlers and listener hold the state weakly; the owner calls request_stop() before this.
ProtocolService::~ProtocolService() = default;

Host& ProtocolService::host() const noexcept { return m_state->host; }
bool ProtocolService::stopping() const noexcept { return m_state->stopping; }

ProtocolService::Tracked ProtocolService::track(Stream& s) { return Tracked(m_state, s); }

bool ProtocolService::spawn(asio::awaitable<void> task, const char* name) {
  return m_state->scope.spawn(std::move(task), name);
}

void ProtocolService::on_stop(std::function<void()> fn) { (void)m_state->scope.add_stop_callback(std::move(fn)); }

void ProtocolService::listen(EventListener listener) {
  if (m_state->stopping) return;
  m_state->listeners.push_back(m_state->host.add_event_listener(std::move(listener)));
}

void ProtocolService::handle(std::string protocol, InboundHandler handler, Run run, const char* task_name) {
  if (m_state->stopping) return;
  auto h = std::make_shared<const InboundHandler>(std::move(handler));
  std::weak_ptr<State> weak = m_state;
  m_state->protocols.insert(protocol);
  // Plain lambdas returning the awaitable of a coroutine that owns its parameters.
  if (run == Run::in_scope) {
    m_state->host.set_stream_handler(std::move(protocol), [weak, h, task_name](Stream s) {
      return spawn_inbound(weak, h, task_name, std::move(s));
    });
  } else {
    m_state->host.set_stream_handler(std::move(protocol),
                                     [weak, h](Stream s) { return serve_inbound(weak, h, std::move(s)); });
  }
}

void ProtocolService::unhandle(const std::string& protocol) {
  if (m_state->protocols.erase(protocol) != 0) m_state->host.remove_stream_handler(protocol);
}

bool ProtocolService::handles(const std::string& protocol) const { return m_state->protocols.count(protocol) != 0; }

void ProtocolService::request_stop() {
  auto& st = *m_state;
  if (st.stopping) return;
  st.stopping = true;
  for (auto id : st.listeners) st.host.remove_event_listener(id);
  st.listeners.clear();
  for (const auto& p : st.protocols) st.host.remove_stream_handler(p);
  st.protocols.clear();
  for (auto* s : std::vector<Stream*>(st.streams.begin(), st.streams.end())) s->reset();
  st.scope.request_stop();
}

asio::awaitable<void> ProtocolService::join() {
  auto st = m_state;  // the frame co-owns the scope it waits on
  co_await st->scope.join();
}

asio::awaitable<void> ProtocolService::stop() {
  auto st = m_state;
  request_stop();
  co_await st->scope.join();
}

asio::awaitable<void> ProtocolService::serve_inbound(std::weak_ptr<State> state, HandlerPtr handler, Stream s) {
  auto st = state.lock();
  if (!st || st->stopping) co_return;  // dropping `s` resets it
  Tracked tracked(st, s);
  co_await (*handler)(s);
}

asio::awaitable<void> ProtocolService::spawn_inbound(std::weak_ptr<State> state, HandlerPtr handler, const char* name,
                                                     Stream s) {
  auto st = state.lock();
  if (!st || st->stopping) co_return;
  // A refused spawn drops the task unstarted, and with it the stream (reset).
  (void)st->scope.spawn(serve_inbound(std::move(state), std::move(handler), std::move(s)), name);
}

}  // namespace lotus::host
