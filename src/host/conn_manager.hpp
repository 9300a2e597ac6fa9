// lotus::host::ConnManager — connection manager and resource limits of a Host.
//
// Policy only: no sockets, no timers, no clock reads. The Host calls it at fixed points
// (an accepted socket, a dial, an upgraded connection, a stream, a close) with the current
// time, and acts on its answers (refuse, close the connections it selects, ask peer sources
// for more peers). Tests drive it directly with virtual time.
//
// What it enforces (each refusal is counted by the host in Metrics::limit_refusals):
//   "inbound_per_ip"          inbound connections (upgrading or open) from one IP address
//   "inbound_per_subnet"      … from one /24 (IPv4) or /48 (IPv6)
//   "inbound_ip_rate"         new inbound connections per second from one IP (its own bucket)
//   "inbound_subnet_rate"     … from one subnet (its own bucket)
//   "inbound_rate"            inbound connections accepted per second (token bucket, all IPs)
// Fairness: a source's own buckets are checked first and a connection they refuse takes no
// token from the shared bucket, so one flooding IP (or /24) cannot use up the shared rate and
// shut everyone else out. (The host also caps sockets still handshaking: "max_handshaking".)
//   "pending_dials"           outbound dials in flight (TCP connect + upgrade)
//   "streams_per_protocol"    inbound streams of one protocol on one connection (handlers running)
// Both IP limits happen before the handshake (the socket is closed right after accept).
// Loopback addresses (127/8, ::1) are exempt unless ConnLimits::limit_loopback is set.
//
// Trimming (the high watermark): when more than `max_connections` connections are open, the
// least valuable unprotected connections older than `grace_period` are closed until the count
// is back at `max_connections`. Value of a connection, lowest trimmed first:
//     sum of the peer's tags (tag_peer)  +  recent_use_value if a stream opened on it within
//     recent_use_window;  ties: the younger connection goes first (an established connection
//     has proven itself), then the higher id.
// Protected peers (protect(peer, tag), e.g. bootstrap peers) are never trimmed; a peer stays
// protected while any tag protects it.
//
// Below `min_connections` the host calls the registered peer sources (the bootstrapper, the
// peer store) with the number of missing connections, at most once per discovery_interval.
//
// Gate (peer_gate.hpp): the limits are the host's last PeerGate. check_inbound_socket admits
// (and counts) an accepted socket, check_inbound_stream a negotiated inbound stream; the host
// consults every other gate first, so a connection or stream counted here is never refused by
// a later gate. The dial limit is checked where a new dial attempt starts (begin_dial).
//
// Not done (deliberately): memory/FD accounting (libp2p's resource manager scopes), per-peer
// stream limits across connections, subnet-wide (/24, /64) limits, decaying tags.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/time.hpp"
#include "host/peer_gate.hpp"
#include "multiformats/peer_id.hpp"

namespace lotus::host {

struct ConnLimits {
  // Low and high watermarks (the seed's P2P_MIN_CONNECTIONS / P2P_MAX_CONNECTIONS).
  std::size_t min_connections = 10;
  std::size_t max_connections = 50;
  Duration grace_period = std::chrono::seconds(20);  // fresh connections are not trimmed
  Duration check_interval = std::chrono::seconds(1);
  Duration discovery_interval = std::chrono::seconds(10);  // between calls to peer sources
  // Inbound connection limits, checked before the handshake.
  std::size_t max_inbound_per_ip = 8;
  double inbound_per_second = 20.0;  // token bucket refill rate (all IPs together)
  std::size_t inbound_burst = 40;    // bucket capacity
  bool limit_loopback = false;       // apply the inbound limits to 127/8 and ::1 too
  std::size_t max_inbound_per_subnet = 32;
  double inbound_per_ip_per_second = 5.0;       // each IP's bucket
  double inbound_per_subnet_per_second = 10.0;  // each subnet's bucket
  double inbound_per_ip_burst = 0;              // bucket capacities; 0: twice the rate
  double inbound_per_subnet_burst = 0;
  std::size_t max_source_buckets = 8192;        // IP and subnet buckets remembered
  // Inbound sockets still in the handshake (the host refuses beyond it, "max_handshaking"),
  // apart from the hard cap on all connections: a slow-handshake flood cannot fill the cap.
  std::size_t max_handshaking = 256;
  std::size_t max_pending_dials = 64;
  // Inbound streams with a running handler, per protocol and connection (default and overrides).
  std::size_t max_inbound_streams_per_protocol = 256;
  std::map<std::string, std::size_t> inbound_streams_per_protocol;
  // Value of a connection that carried a new stream within the window.
  Duration recent_use_window = std::chrono::seconds(60);
  int recent_use_value = 10;
  // Below min: also redial known peers of the peer store (not connected, with addresses),
  // each at most once per known_peer_redial_interval. Off by default (a library host should
  // not dial on its own); the node turns it on.
  bool dial_known_peers = false;
  Duration known_peer_redial_interval = std::chrono::seconds(60);
};

// Asked for `wanted` more connections (called on the host's io_context thread; must not block).
using PeerSource = std::function<void(std::size_t wanted)>;

// The /24 (IPv4) or /48 (IPv6) of a textual address, e.g. "192.0.2.0/24"; "" if unparsable.
std::string subnet_of(const std::string& ip);

class ConnManager : public PeerGate {
 public:
  struct Stats {
    std::uint64_t trimmed = 0;  // connections closed by trimming
    std::size_t open = 0;       // connections registered as open
    std::size_t pending_dials = 0;
  };

  explicit ConnManager(ConnLimits limits = {});

  const ConnLimits& limits() const noexcept { return m_limits; }

  // ---- public API (applications, bootstrapper, node)
  void protect(const mf::PeerId& peer, const std::string& tag);
  // Returns whether the peer is still protected by another tag.
  bool unprotect(const mf::PeerId& peer, const std::string& tag);
  bool is_protected(const mf::PeerId& peer) const;
  void tag_peer(const mf::PeerId& peer, const std::string& tag, int value);
  void untag_peer(const mf::PeerId& peer, const std::string& tag);
  int peer_value(const mf::PeerId& peer) const;  // sum of the peer's tags
  std::uint64_t add_peer_source(PeerSource source);
  void remove_peer_source(std::uint64_t id);
  Stats stats() const;

  // ---- host hooks
  // An accepted socket from `ip` (textual address). nullopt = admitted (and counted until
  // on_closed(conn_id)); otherwise the refusing limit's metric name.
  std::optional<std::string> admit_inbound(std::uint64_t conn_id, const std::string& ip, bool loopback,
                                           TimePoint now);
  // A dial is about to start: false = refused ("pending_dials"). end_dial() after each admitted.
  bool begin_dial();
  void end_dial();
  void on_open(std::uint64_t conn_id, const mf::PeerId& peer, Direction dir, TimePoint now);
  void on_closed(std::uint64_t conn_id);
  // An inbound stream negotiated `protocol`: false = refused ("streams_per_protocol").
  // Otherwise call end_inbound_stream with the same arguments when its handler returns.
  bool begin_inbound_stream(std::uint64_t conn_id, const std::string& protocol, TimePoint now);
  void end_inbound_stream(std::uint64_t conn_id, const std::string& protocol);
  void on_outbound_stream(std::uint64_t conn_id, TimePoint now);

  // ---- PeerGate: the limits above as the host's last gate (reasons: the limit names)
  Verdict check_inbound_socket(const InboundSocket& s, TimePoint now) override {
    return admit_inbound(s.conn_id, s.ip, s.loopback, now);
  }
  Verdict check_inbound_stream(const InboundStreamRequest& r, TimePoint now) override {
    if (begin_inbound_stream(r.conn_id, std::string(r.protocol), now)) return std::nullopt;
    return std::string("streams_per_protocol");
  }

  // ---- maintenance (the host's timer)
  // Connections to close now to get back to max_connections (lowest value first).
  std::vector<std::uint64_t> select_trim(TimePoint now) const;
  void note_trimmed(std::size_t n) { m_trimmed += n; }
  // When select_trim may next return something new (a grace period ending), or kNever.
  TimePoint next_trim_deadline(TimePoint now) const;
  // Connections missing to reach min_connections; 0 when there are enough, or when peer
  // sources were asked less than discovery_interval ago (then mark_discovery() is not due).
  std::size_t discovery_due(TimePoint now) const;
  void mark_discovery(TimePoint now) { m_last_discovery = now; }
  std::vector<PeerSource> peer_sources() const;
  // Known-peer redial bookkeeping (bounded: entries older than the interval are dropped).
  bool may_redial_known(const mf::PeerId& peer, TimePoint now) const;
  void note_known_redial(const mf::PeerId& peer, TimePoint now);

 private:
  struct Bucket {
    double tokens = 0;
    TimePoint last{};
  };
  // Tokens of `key`'s bucket at `now` (a new key starts full); the entry is created.
  double refill(std::map<std::string, Bucket>& m, const std::string& key, double rate, double cap, TimePoint now);
  struct ConnState {
    std::optional<mf::PeerId> peer;  // set when open
    std::string ip;                  // counted inbound IP ("" if not counted)
    std::string subnet;
    bool open = false;
    bool outbound = false;
    TimePoint opened{};
    TimePoint last_used{};
    bool used = false;
    std::map<std::string, std::size_t> inbound_streams;  // protocol -> handlers running
  };
  int connection_value(const ConnState& c, TimePoint now) const;
  std::size_t stream_limit(const std::string& protocol) const;

  ConnLimits m_limits;
  std::map<std::uint64_t, ConnState> m_conns;
  std::map<std::string, std::size_t> m_per_ip;
  std::map<std::string, std::size_t> m_per_subnet;
  std::map<std::string, Bucket> m_ip_buckets;
  std::map<std::string, Bucket> m_subnet_buckets;
  std::map<mf::PeerId, std::set<std::string>> m_protected;
  std::map<mf::PeerId, std::map<std::string, int>> m_tags;
  std::map<std::uint64_t, PeerSource> m_sources;
  std::uint64_t m_next_source = 1;
  std::map<mf::PeerId, TimePoint> m_known_redials;
  double m_tokens;
  std::optional<TimePoint> m_last_refill;
  std::optional<TimePoint> m_last_discovery;
  std::size_t m_open = 0;
  std::size_t m_pending_dials = 0;
  std::uint64_t m_trimmed = 0;
};

}  // namespace lotus::host
