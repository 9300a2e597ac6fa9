#include "chronik/errc.hpp"

namespace lotus::chronik {

const std::error_category& category() noexcept {
  static const TableCategory cat("chronik", {
      {static_cast<int>(errc::unreachable), "chronik: server unreachable (DNS, connect or TLS failed)"},
      {static_cast<int>(errc::timeout), "chronik: server did not answer in time"},
      {static_cast<int>(errc::http_status), "chronik: unexpected HTTP status"},
      {static_cast<int>(errc::malformed), "chronik: malformed response"},
      {static_cast<int>(errc::not_found), "chronik: not found (404)"},
      {static_cast<int>(errc::bad_request), "chronik: request refused (400)"},
      {static_cast<int>(errc::response_too_large), "chronik: response exceeds the size bound"},
      {static_cast<int>(errc::tls_certificate_rejected), "chronik: server certificate failed verification"},
      {static_cast<int>(errc::invalid_url), "chronik: invalid server URL"},
      {static_cast<int>(errc::no_urls), "chronik: no server URL configured"},
      {static_cast<int>(errc::cancelled), "chronik: operation cancelled"},
      {static_cast<int>(errc::closed), "chronik: subscription channel closed"},
  });
  return cat;
}

}  // namespace lotus::chronik
