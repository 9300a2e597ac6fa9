// Control API of the node daemon: the seam between lotus-p2pd's services and the lotus-p2p CLI.
//
// Model: named JSON methods ("id", "peers", "connect", "dht.put", "pubsub.sub", …). A request is
// one JSON object; a reply is one JSON object (unary) or a sequence of JSON objects
// (streaming, e.g. pubsub.sub, progress of long work). Services register their methods on a
// ControlRouter; the daemon's HTTP server (127.0.0.1 or a Unix socket, never a public
// interface) maps
//     POST /api/v1/<method>   body: JSON request
//       unary     -> 200 + JSON reply, or 4xx/5xx + {"error": {"code": "...", "message": "..."}}
//       streaming -> 200 + chunked application/x-ndjson, one JSON object per line; a final
//                    {"error": …} line if the stream ends in an error
// and lotus-p2p's ControlClient speaks exactly that.
//
// Handlers run on the daemon's io_context thread (they may co_await host operations).
// Errors from handlers are Result errors: the server maps them to {"error": {code, message}}
// with `code` = "<category>.<value>" and the error_code's message.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "runtime/asio_fwd.hpp"

namespace lotus::node {

using Json = nlohmann::json;

// Unary method: request -> reply.
using UnaryHandler = std::function<asio::awaitable<Result<Json>>(Json request)>;
// Streaming method: calls `emit` for every item (emit fails once the client went away; the
// handler must then return). Returns when the stream is complete. A handler that waits for
// events must not wait unboundedly without emitting: while idle it emits heartbeat_item()
// every kStreamHeartbeat, so that a client that went away is noticed (its emit fails) and the
// stream — and the control API session it holds (api.max_connections) — ends. Clients skip
// heartbeat items (ControlClient::stream does).
using Emit = std::function<asio::awaitable<Status>(Json item)>;
using StreamingHandler = std::function<asio::awaitable<Status>(Json request, Emit emit)>;
inline constexpr std::chrono::seconds kStreamHeartbeat{1};
inline Json heartbeat_item() { return Json{{"heartbeat", true}}; }
inline bool is_heartbeat(const Json& item) { return item.size() == 1 && item.contains("heartbeat"); }

struct ControlMethod {
  std::string name;     // "dht.put"
  std::string summary;  // one line, shown by `lotus-p2p api`/docs
  UnaryHandler unary;          // exactly one of unary/streaming is set
  StreamingHandler streaming;
};

class ControlRouter {
 public:
  // Registers (or replaces) a method.
  void add(ControlMethod method) { m_methods[method.name] = std::move(method); }
  const ControlMethod* find(const std::string& name) const {
    auto it = m_methods.find(name);
    return it == m_methods.end() ? nullptr : &it->second;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& [n, m] : m_methods) out.push_back(n);
    return out;
  }

 private:
  std::map<std::string, ControlMethod> m_methods;
};

}  // namespace lotus::node
