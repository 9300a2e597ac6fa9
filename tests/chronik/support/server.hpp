// TestServer: the NNG Chronik HTTP/WebSocket API over a ChainModel, on 127.0.0.1 — what the
// chain-access tests (and later MuSig2/SwapSig tests) run against, and what the pinned npm
// chronik-client 0.19.0 is checked against (tests/chronik/js).
//
// Endpoints (protobuf bodies, errors as chronik.Error with 400/404, like Chronik):
//   GET  /blockchain-info  /block/:hash_or_height  /blocks/:start/:end  /tx/:txid  /raw-tx/:txid
//   GET  /script/:type/:payload/history?page=&page_size=   /script/:type/:payload/utxos
//   POST /broadcast-tx      (validated by the model; refusals are 400 "invalid-tx")
//   GET  /ws                WebSocket: Subscription in, SubscribeMsg out (tx events for the
//                           subscribed scripts, block events to everyone)
//
// Fault injection: set_fault() makes matching HTTP requests answer 404 or 500, answer late,
// answer 200 with a body that is not protobuf, or close the connection without answering;
// pause() closes the listening socket (connections are refused) until resume();
// set_ws_enabled(false) drops WebSocket clients and refuses upgrades (404).
//
// Single-threaded: use from the thread that runs the executor (or before it runs).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "base/result.hpp"
#include "base/time.hpp"
#include "chronik/support/chain_model.hpp"
#include "runtime/asio.hpp"
#include "runtime/task_scope.hpp"

namespace boost::asio::ssl {
class context;
}

namespace lotus::chronik::test {

struct Fault {
  enum class Kind : std::uint8_t { none, not_found, server_error, slow, garbage, close };
  Kind kind = Kind::none;
  Duration delay{};         // slow: the answer comes after this delay
  std::string path_prefix;  // applies to requests whose path starts with this (empty: all)
  int count = -1;           // number of requests it applies to (-1: until cleared)
};

// Fault{} with its fields set in order (g++ warns on partial designated initializers).
inline Fault make_fault(Fault::Kind kind, int count = -1, Duration delay = {}, std::string path_prefix = {}) {
  Fault f;
  f.kind = kind;
  f.count = count;
  f.delay = delay;
  f.path_prefix = std::move(path_prefix);
  return f;
}

class TestServer {
 public:
  TestServer(const asio::any_io_executor& ex, ChainModel& model);
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  // Listens on 127.0.0.1:port (0: any free port). Returns the port.
  Result<std::uint16_t> start(std::uint16_t port = 0);
  std::string url() const;  // http://127.0.0.1:<port> (https:// after enable_tls)
  // Serve https with this certificate and key (PEM) instead of http; before start(). The
  // WebSocket is plain-http only.
  Status enable_tls(const std::string& cert_pem, const std::string& key_pem);
  std::uint16_t port() const noexcept { return m_port; }

  void pause();     // close the listening socket: new connections are refused
  Status resume();  // listen again on the same port
  void set_fault(Fault f) { m_fault = std::move(f); }
  void clear_fault() { m_fault = Fault{}; }
  void set_ws_enabled(bool on);
  std::size_t ws_clients() const noexcept { return m_ws.size(); }
  std::size_t ws_subscriptions() const noexcept;
  std::uint64_t requests() const noexcept { return m_requests; }
  // Called after a WebSocket client's Subscription was applied (tests wait on it).
  std::function<void()> on_subscription;

  // Closes everything and waits for the connection tasks to end.
  asio::awaitable<void> stop();
  void request_stop();  // the same without waiting (destructor, other threads' shutdown)

  // Internal: used by the connection tasks.
  struct WsClient;
  struct Answer {
    unsigned status = 200;
    Bytes body;
    bool close = false;
  };
  asio::awaitable<Answer> handle(std::string method, std::string target, Bytes body);
  void add_ws(std::uint64_t id, std::shared_ptr<WsClient> c) { m_ws.emplace(id, std::move(c)); }
  void remove_ws(std::uint64_t id) { m_ws.erase(id); }
  bool ws_enabled() const noexcept { return m_ws_enabled; }
  std::uint64_t next_id() { return ++m_ids; }
  runtime::TaskScope& scope() { return *m_scope; }
  ChainModel& model() { return m_model; }
  asio::any_io_executor executor() const { return m_ex; }

 private:
  asio::awaitable<void> accept_loop();
  void on_event(const ModelEvent& e);

  asio::any_io_executor m_ex;
  ChainModel& m_model;
  std::unique_ptr<runtime::TaskScope> m_scope;
  std::unique_ptr<asio::ip::tcp::acceptor> m_acceptor;
  std::shared_ptr<asio::ssl::context> m_tls;
  std::uint16_t m_port = 0;
  Fault m_fault;
  bool m_ws_enabled = true;
  std::uint64_t m_requests = 0;
  std::uint64_t m_ids = 0;
  std::map<std::uint64_t, std::shared_ptr<WsClient>> m_ws;
};

}  // namespace lotus::chronik::test
