// lotus::host::ProtocolService — the host-facing scaffold every protocol service shares
// (dht::Dht, pubsub::PubSub): its inbound stream handlers, its host event listener, the live
// streams it must reset when it stops, and the runtime::TaskScope that owns its tasks. The
// service keeps its protocol logic; the lifecycle is the same everywhere:
//
//   handle() / listen() / spawn() / track() / on_stop()
//      │
//   request_stop():  1. the listener and every handler are removed (no new event or stream)
//      │             2. every tracked live stream is reset (pending reads/writes fail)
//      │             3. TaskScope::request_stop(): the on_stop() callbacks run in
//      │                registration order; spawn() refuses new tasks from here on
//   join():          waits until every task of the scope ended
//
// stop() = request_stop() + join(); a second stop() only joins. A service that is destroyed
// without stop() calls request_stop() from its destructor (its tasks then end on their own).
//
// Inbound handlers get the stream by reference: the scaffold owns it (and tracks it) for the
// whole call. Two ways to run them:
//   Run::in_host_task  the handler is the host's handler task: the host counts the stream
//                      against Config::conn_manager's per-protocol inbound limit while it runs.
//   Run::in_scope      the host's handler hands the stream to a task of this scope and returns
//                      (the service bounds its streams itself); stop() joins it.
//
// Threading: the host's io_context thread, as Host. The Host must outlive the service.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "host/host.hpp"
#include "host/stream.hpp"
#include "runtime/asio_fwd.hpp"

namespace lotus::host {

class ProtocolService {
  struct State;

 public:
  using InboundHandler = std::function<asio::awaitable<void>(Stream&)>;
  enum class Run { in_host_task, in_scope };

  explicit ProtocolService(Host& host);
  ~ProtocolService();
  ProtocolService(const ProtocolService&) = delete;
  ProtocolService& operator=(const ProtocolService&) = delete;

  Host& host() const noexcept;
  bool stopping() const noexcept;

  // Registers `handler` for inbound streams of `protocol` (replacing ours, or any other
  // handler, for it); `task_name` names the spawned task (Run::in_scope) in logs.
  // Ignored once stopping.
  void handle(std::string protocol, InboundHandler handler, Run run, const char* task_name = "inbound stream");
  void unhandle(const std::string& protocol);
  bool handles(const std::string& protocol) const;

  // Adds a host event listener, removed by request_stop().
  void listen(EventListener listener);

  // TaskScope::spawn: false (task dropped unstarted) once stopping.
  bool spawn(asio::awaitable<void> task, const char* name);
  // Runs at request_stop(), after the tracked streams were reset.
  void on_stop(std::function<void()> fn);

  // While a Tracked lives, request_stop() resets its stream (e.g. an outbound request stream).
  class Tracked {
   public:
    ~Tracked();
    Tracked(const Tracked&) = delete;
    Tracked& operator=(const Tracked&) = delete;

   private:
    friend class ProtocolService;
    Tracked(std::shared_ptr<State> state, Stream& s);
    std::shared_ptr<State> m_state;
    Stream* m_stream;
  };
  [[nodiscard]] Tracked track(Stream& s);

  void request_stop();
  asio::awaitable<void> join();
  asio::awaitable<void> stop();

 private:
  using HandlerPtr = std::shared_ptr<const InboundHandler>;
  static asio::awaitable<void> serve_inbound(std::weak_ptr<State> state, HandlerPtr handler, Stream s);
  static asio::awaitable<void> spawn_inbound(std::weak_ptr<State> state, HandlerPtr handler, const char* name,
                                             Stream s);

  std::shared_ptr<State> m_state;
};

}  // namespace lotus::host
