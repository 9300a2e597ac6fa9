// lotus::host::PeerGate — who may connect, be dialed and open streams; and the penalty channel
// through which services report misbehaving peers.
//
// The host consults its gates at four admission points, in the order gates were added, and
// the connection manager's limits (conn_manager.hpp) last:
//
//   point             when                                   on refusal
//   inbound_ip        a socket was accepted, before any byte  socket closed at once
//   connection_peer   the Noise handshake proved the remote   connection closed (both directions);
//                     peer id (inbound and outbound)          the dial fails with errc::refused
//   outbound_dial     before a dial starts (peer id if known) the dial fails with errc::refused
//   inbound_stream    an inbound stream negotiated protocol   stream reset before the handler runs
//
// A refusal carries a short stable reason ("banned", "inbound_per_ip", …). The host counts every
// refusal in Metrics::gate_refusals by point and reason (/metrics:
// lotus_p2p_gate_refusals_total{point,reason}) and logs it at debug level. Reasons are chosen by
// gates (our code), never by remote input, so the metric stays bounded.
//
// Penalties: Host::penalize(peer, reason, weight) hands a Penalty to every gate's on_penalty();
// a gate that decides to ban answers disconnect = true and the host closes every connection
// to the peer (errc::refused). One gate is "the place that decides bans": host::BanList
// (ban_list.hpp) by default; the coordination layer's security manager takes that role later.
//
// Gates run on the host's io_context thread and must not block. They see only what the host
// knows at that point (no stream data).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/time.hpp"
#include "multiformats/multiaddr.hpp"
#include "multiformats/peer_id.hpp"

namespace lotus::host {

// Which side dialed a connection.
enum class Direction { inbound, outbound };

enum class AdmissionPoint { inbound_ip, connection_peer, outbound_dial, inbound_stream };
// "inbound_ip", "connection_peer", "outbound_dial", "inbound_stream" (metric label values).
const char* to_string(AdmissionPoint p) noexcept;

// What a gate answers: nullopt admits; a value refuses with that reason (a metric label:
// lower-case, [a-z0-9_], short).
using Verdict = std::optional<std::string>;

struct InboundSocket {
  std::uint64_t conn_id = 0;
  std::string ip;         // textual, IPv4-mapped IPv6 unmapped
  bool loopback = false;  // 127/8 or ::1
};
struct SecuredConnection {
  std::uint64_t conn_id = 0;
  mf::PeerId peer;             // proved by the Noise handshake
  Direction direction = Direction::inbound;
  mf::Multiaddr remote_addr;  // transport address
};
struct OutboundDial {
  std::optional<mf::PeerId> peer;  // from /p2p/<id> of the address, when given
  mf::Multiaddr addr;              // without /p2p/
};
struct InboundStreamRequest {
  std::uint64_t conn_id = 0;
  mf::PeerId peer;
  std::string_view protocol;  // the negotiated protocol id
};

// A report of misbehaviour. `reason` is a stable label chosen by the reporting service
// ("dht_malformed_request", "gossipsub_malformed_rpc", …); `weight` how bad it is (the ban
// policy's units; BanList bans at 100 by default).
struct Penalty {
  mf::PeerId peer;
  std::string reason;
  int weight = 1;
};
struct PenaltyOutcome {
  bool disconnect = false;  // the gate now refuses the peer: close its connections
};

class PeerGate {
 public:
  virtual ~PeerGate() = default;
  virtual Verdict check_inbound_socket(const InboundSocket&, TimePoint /*now*/) { return std::nullopt; }
  virtual Verdict check_connection(const SecuredConnection&, TimePoint /*now*/) { return std::nullopt; }
  virtual Verdict check_dial(const OutboundDial&, TimePoint /*now*/) { return std::nullopt; }
  virtual Verdict check_inbound_stream(const InboundStreamRequest&, TimePoint /*now*/) { return std::nullopt; }
  virtual PenaltyOutcome on_penalty(const Penalty&, TimePoint /*now*/) { return {}; }
};

}  // namespace lotus::host
