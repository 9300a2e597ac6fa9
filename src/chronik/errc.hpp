// Error codes of Chronik chain access (src/chronik): every way a call to a Chronik server can
// fail has its own value, so that callers (burn verification, confirmation waits, the CLI) can
// tell "the transaction does not exist" from "no server answered" from "a server sent garbage".
#pragma once

#include <system_error>

#include "base/error.hpp"

namespace lotus::chronik {

enum class errc {
  unreachable = 1,       // no server could be reached (DNS, TCP connect, TLS handshake, reset)
  timeout,               // a server did not answer within the endpoint's timeout
  http_status,           // a server answered with an unexpected HTTP status (5xx, 429, ...)
  malformed,             // the response is not a valid HTTP/protobuf message of the expected type
  not_found,             // 404: the server's authoritative "no such tx / block / script"
  bad_request,           // 400: the server refused our request (e.g. an invalid transaction)
  response_too_large,    // the response body exceeds the endpoint's size bound
  tls_certificate_rejected,  // https/wss: the server's certificate failed verification
  invalid_url,           // a configured URL is not http(s)://host[:port][/path] without trailing '/'
  no_urls,               // the client was configured without any URL
  cancelled,             // the operation was cancelled (client stopped, watch closed)
  closed,                // the WebSocket subscription channel was closed
};
const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

}  // namespace lotus::chronik

LOTUS_ERRC_ENUM(lotus::chronik::errc)
