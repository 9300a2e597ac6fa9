// Synchronous client of lotus-p2pd's control API (what the lotus-p2p CLI uses): one HTTP/1.1
// connection per call, over the daemon's Unix socket or loopback TCP port.
//
// Endpoint selection for the CLI (default_api_endpoint): --api, else LOTUS_P2P_API, else the
// endpoint the daemon wrote to <data dir>/api, else <data dir>/control.sock; the data dir is
// --data-dir, LOTUS_P2P_DATA_DIR or ~/.lotus-p2p (as for the daemon).
//
// Errors: node_errc::api_unreachable (no daemon), api_timeout, api_bad_response, and
// api_remote_error with the daemon's {"error": {code, message}} in ControlError.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "base/result.hpp"
#include "node/api_endpoint.hpp"
#include "node/control.hpp"

namespace lotus::node {

struct ControlError {
  std::error_code code;    // node_errc::… (api_remote_error when the daemon answered an error)
  std::string remote_code;  // "host.5" when the daemon answered an error
  std::string message;      // complete human-readable text
  int http_status = 0;
};

template <class T>
struct ControlResult {
  std::optional<T> value;
  ControlError error;
  explicit operator bool() const { return value.has_value(); }
};

class ControlClient {
 public:
  // `token`: sent as "Authorization: Bearer <token>" (TCP endpoints of a daemon that requires
  // one; see default_api_token).
  explicit ControlClient(ApiEndpoint endpoint, std::chrono::milliseconds timeout = std::chrono::seconds(60),
                         std::optional<std::string> token = std::nullopt)
      : m_endpoint(std::move(endpoint)), m_timeout(timeout), m_token(std::move(token)) {}

  const ApiEndpoint& endpoint() const { return m_endpoint; }

  // POST /api/v1/<method> with a unary reply.
  ControlResult<Json> call(const std::string& method, const Json& request = Json::object()) const;
  // POST /api/v1/<method> with a streaming reply: `on_item` is called for every item as it
  // arrives (returning false stops reading and closes the connection). A final {"error": …}
  // item becomes the error. `timeout` applies to the whole call (0 = none).
  ControlResult<bool> stream(const std::string& method, const Json& request,
                             const std::function<bool(const Json&)>& on_item,
                             std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) const;
  // GET <path> (e.g. /metrics): the body.
  ControlResult<std::string> get(const std::string& path) const;

 private:
  ApiEndpoint m_endpoint;
  std::chrono::milliseconds m_timeout;
  std::optional<std::string> m_token;
};

// The CLI's endpoint choice (see above). `api_flag`/`data_dir_flag`: the CLI options if given;
// `env`: the process environment. The error message names what was tried.
Result<ApiEndpoint> default_api_endpoint(const std::optional<std::string>& api_flag,
                                         const std::optional<std::string>& data_dir_flag,
                                         const std::map<std::string, std::string>& env);

// The token for a TCP endpoint: --api-token, else LOTUS_P2P_API_TOKEN, else the first line of
// <data dir>/api.token (the data dir chosen as above); nullopt for Unix sockets or when none.
std::optional<std::string> default_api_token(const ApiEndpoint& endpoint, const std::optional<std::string>& token_flag,
                                             const std::optional<std::string>& data_dir_flag,
                                             const std::map<std::string, std::string>& env);

}  // namespace lotus::node
