// The control API server of lotus-p2pd: HTTP/1.1 (Boost.Beast, only in the .cpp) on a Unix
// socket (mode 0600) or a loopback TCP port — never a public interface (see api_endpoint.hpp).
//
//   POST /api/v1/<method>  body: JSON object (empty body = {})          see control.hpp
//   GET  <path>            registered text handlers (/metrics, /status)
//   anything else          404 (unknown path) / 405 (wrong method)
//
// Bounds (ControlServerConfig): request header and body sizes (431/413), a deadline for a
// request's header (header_timeout) and for the whole request (read_timeout), a deadline for
// each write (the connection is closed), and concurrent connections. At max_connections the
// server stops accepting (clients wait in the kernel's backlog) and makes room by closing the
// connection that has been waiting longest for its request header — a connection that sends
// nothing, or only a request line, cannot hold a slot — so slow clients cannot lock the API.
// Keep-alive is honoured between requests.
//
// Access on TCP (a Unix socket relies on its 0600 mode): every request must carry
// "Authorization: Bearer <token>" when a token is configured (401); the Host header must name
// the loopback endpoint the server listens on and an Origin header, when a browser sends one,
// must be that same origin (403: cross-site requests and DNS rebinding); POST bodies must be
// application/json (415: a cross-site form or text/plain POST cannot call methods). A browser
// cannot reach a Unix socket, so these checks are for TCP only.
//
// Every refusal is counted by reason (stats().refusals, /metrics) and logged at most once a
// minute per reason with the count since the last line.
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
#include <optional>
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
  Duration header_timeout = std::chrono::seconds(5);  // request line + headers (also keep-alive idle)
  Duration read_timeout = std::chrono::seconds(30);   // a complete request
  Duration write_timeout = std::chrono::seconds(30);  // each response write or stream item
  // A connection still waiting for its request header this long may be closed to make room.
  Duration evictable_after = std::chrono::seconds(1);
  // TCP only: required bearer token (nullopt: none). Host/Origin/content-type checks apply on
  // TCP either way.
  std::optional<std::string> token;
};

struct ControlServerStats {
  std::uint64_t connections = 0;
  std::uint64_t refused_connections = 0;  // closed to make room or refused (see refusals)
  std::uint64_t bad_requests = 0;         // 4xx answers
  std::map<std::string, std::uint64_t> requests;  // by method name (registered) or GET path
  // "evicted_slow" (closed to make room), "header_timeout", "request_timeout", "unauthorized",
  // "bad_host", "bad_origin", "unsupported_media_type", "malformed", "too_large"
  std::map<std::string, std::uint64_t> refusals;
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

// The HTTP status a handler's error is answered with: 400 for what the request got wrong
// (bad or invalid parameters, oversized values, records that fail validation), 404 for
// something that was not found, 503 when the node cannot do it now (no peers, stopping,
// timeouts, dial failures), 500 otherwise.
unsigned http_status_for(std::error_code ec);

// A fresh control API token (64 lowercase hex characters from the system CSPRNG).
std::string new_api_token();

}  // namespace lotus::node
