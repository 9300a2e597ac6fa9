// The control API server of lotus-p2pd: HTTP/1.1 (Boost.Beast, only in the .cpp) on a Unix
// socket (mode 0600) or a loopback TCP port — never a public interface (see api_endpoint.hpp).
//
//   POST /api/v1/<method>  body: JSON object (empty body = {})          see control.hpp
//   GET  <path>            registered text handlers (/metrics, /status)
//   anything else          404 (unknown path) / 405 (wrong method)
//
// Bounds (ControlServerConfig): request header and body sizes (431/413), a deadline for reading
// each request and for each write (the connection is closed), concurrent connections (excess
// connections are closed at once and counted). Keep-alive is honoured between requests.
//
// Session:  read request ──▶ route ──▶ unary: write JSON reply ──▶ (keep-alive) read request
//                                   └─▶ streaming: header, one chunk per item, last chunk ──▶ close
//
// Threading: the io_context thread only. stop() closes the listeners and every session and
// waits for them; the ControlRouter must outlive the server.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "base/result.hpp"
#include "base/time.hpp"
#include "node/api_endpoint.hpp"
#include "node/control.hpp"
#include "runtime/asio_fwd.hpp"

namespace lotus::node {

struct ControlServerConfig {
  std::size_t max_connections = 64;
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  Duration read_timeout = std::chrono::seconds(30);   // a complete request (also keep-alive idle)
  Duration write_timeout = std::chrono::seconds(30);  // each response write or stream item
};

struct ControlServerStats {
  std::uint64_t connections = 0;
  std::uint64_t refused_connections = 0;  // over max_connections
  std::uint64_t bad_requests = 0;         // 4xx answers
  std::map<std::string, std::uint64_t> requests;  // by method name (registered) or GET path
};

class ControlServer {
 public:
  // GET handlers return the body; they run on the io_context thread and must not block.
  using GetHandler = std::function<std::string()>;

  ControlServer(asio::io_context& io, const ControlRouter& router, ControlServerConfig config = {});
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  void add_get(std::string path, std::string content_type, GetHandler handler);

  // Starts listening; returns the bound endpoint (the real port for port 0). A Unix socket path
  // left over by a dead daemon is replaced; anything else at that path is an error.
  // node_errc::api_not_loopback / api_bind_failed.
  Result<ApiEndpoint> listen(const ApiEndpoint& endpoint);

  // Stops accepting and closes every session's socket now (handlers still running finish in
  // the background: their writes fail). Idempotent.
  void close();
  // close(), then waits for every session to end and removes the Unix socket file.
  asio::awaitable<void> stop();

  const ControlServerStats& stats() const;
  std::size_t active_sessions() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> m_impl;
};

// The {"error": {"code", "message"}} object for an error_code; `code` is "<category>.<value>".
Json error_json(std::error_code ec, const std::string& message = {});

}  // namespace lotus::node
