// Counters a Host keeps about itself, read by the daemon's /metrics and /status.
//
// Plain integers: every Host member runs on its io_context thread, and so do readers
// (Host::metrics() must be called there too). Labelled families are maps keyed by the label
// value; keys are a small closed set (directions, transports, protocols we serve, error
// reasons), never remote-chosen strings, so the maps stay bounded.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <system_error>
#include <utility>

namespace lotus::host {

struct Metrics {
  // Connections that completed the upgrade, by "inbound"/"outbound" and by transport ("tcp", "ws").
  std::map<std::string, std::uint64_t> connections_opened_by_direction;
  std::map<std::string, std::uint64_t> connections_opened_by_transport;
  std::uint64_t connections_closed = 0;
  // Of those, closed by the connection manager's trimming (above max_connections).
  std::uint64_t connections_trimmed = 0;
  // Upgrade (multistream/noise/muxer) failures, by a short reason ("timeout", "noise",
  // "peer_id_mismatch", "multistream", "muxer", "io").
  std::map<std::string, std::uint64_t> handshake_failures;
  std::uint64_t dials_started = 0;
  std::uint64_t dials_succeeded = 0;
  std::uint64_t dials_failed = 0;
  // Streams opened (either direction) by negotiated protocol; protocols we do not serve or
  // request are counted under "other".
  std::map<std::string, std::uint64_t> streams_opened;
  // Refusals by the limit that refused ("max_connections", "inbound_per_ip", "inbound_rate",
  // "pending_dials", "streams_per_connection", "streams_per_protocol").
  std::map<std::string, std::uint64_t> limit_refusals;
  // Every refusal at an admission point (peer_gate.hpp), keyed by (point, reason): the
  // connection manager's limits ("inbound_per_ip", …, "max_connections") and the other
  // gates' reasons ("banned", …). Reasons come from our gates, so the map stays bounded.
  std::map<std::pair<std::string, std::string>, std::uint64_t> gate_refusals;
  // Penalties reported through Host::penalize, by reason, and connections closed because a
  // gate decided to refuse the peer after a penalty.
  std::map<std::string, std::uint64_t> penalties;
  std::uint64_t penalty_disconnects = 0;
  // Times a connection reader stopped reading because an mplex stream held half its buffer
  // bound (backpressure on a peer that writes faster than we read).
  std::uint64_t mplex_read_pauses = 0;
  // TCP readers that moved from the thread's shared read buffer to their own (a bulk read) and
  // back (quiet again): how often connections change read mode (see host/conn.cpp).
  std::uint64_t read_buffer_to_own = 0;
  std::uint64_t read_buffer_to_shared = 0;
  std::uint64_t bytes_in = 0;   // transport bytes (encrypted), all connections
  std::uint64_t bytes_out = 0;
};

// The handshake_failures label for an upgrade error: "timeout", "noise", "peer_id_mismatch",
// "multistream", "muxer", "io" or "other".
std::string handshake_failure_reason(std::error_code ec);

}  // namespace lotus::host
