// Label mapping for host::Metrics (see metrics.hpp).
#include "host/metrics.hpp"

#include <string_view>

#include "host/errors.hpp"
#include "proto/multistream/multistream.hpp"
#include "proto/noise/errc.hpp"

namespace lotus::host {

std::string handshake_failure_reason(std::error_code ec) {
  if (ec == errc::handshake_timeout) return "timeout";
  if (ec == errc::peer_id_mismatch) return "peer_id_mismatch";
  if (ec == errc::security_negotiation_failed) return "multistream";
  if (ec == errc::muxer_negotiation_failed) return "muxer";
  if (ec == errc::connection_closed) return "io";
  if (&ec.category() == &proto::noise::category()) return "noise";
  if (&ec.category() == &proto::multistream::category()) return "multistream";
  // Socket errors (Boost.System categories convert to std::error_code under their own names).
  const std::string_view name = ec.category().name();
  if (name == "system" || name == "generic" || name.rfind("asio", 0) == 0) return "io";
  return "other";
}

}  // namespace lotus::host
