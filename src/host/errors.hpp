// Error codes of the host layer (dialing, upgrading, streams). Lower layers keep their own
// categories (noise, yamux, multistream, system/asio errors) and are passed through unchanged
// where they are more specific than these.
#pragma once

#include <system_error>

#include "base/error.hpp"

namespace lotus::host {

enum class errc {
  unsupported_address = 1,   // not /ip4|ip6|dns*/<host>/tcp/<port>[/ws|/tls/ws|/wss][/p2p/<id>]
  resolve_failed,            // dns4/dns6 name did not resolve to an address of that family
  dial_timeout,              // TCP connect did not complete within Config::dial_timeout
  handshake_timeout,         // security/muxer upgrade did not complete in time
  negotiation_timeout,       // multistream-select on a stream did not complete in time
  peer_id_mismatch,          // the remote proved a different identity than /p2p/<id> said
  dial_to_self,              // the address belongs to this host
  no_addresses,              // dialing a peer id with no known addresses
  security_negotiation_failed,  // remote does not speak /noise
  muxer_negotiation_failed,     // no stream muxer in common with the remote
  protocol_not_supported,    // remote refused every protocol we proposed on a stream
  connection_closed,         // the connection closed (or failed) under the operation
  stream_reset,              // the stream was reset (by the remote or locally)
  stream_closed,             // write after close_write, or use of an empty Stream handle
  end_of_stream,             // read_exactly: the remote closed its write side first
  message_too_large,         // read_to_end: more bytes than the caller's limit
  host_stopped,              // the host is stopping or stopped
  too_many_streams,          // stream limit of the connection reached
  bad_ping_response,         // ping: echoed payload differs
  identify_failed,           // identify exchange failed or was malformed
  dial_limit,                // connection manager: too many dials in flight (max_pending_dials)
  trimmed,                   // connection closed by the connection manager (over max_connections)
  refused,                   // a peer gate refused the dial or connection (e.g. the peer is banned)
};
const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

}  // namespace lotus::host

LOTUS_ERRC_ENUM(lotus::host::errc)
