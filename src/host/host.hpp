// lotus::host::Host — a libp2p node over TCP and WebSockets.
//
// Transports: TCP (/ip4|ip6/<a>/tcp/<p>), WebSocket (…/tcp/<p>/ws) and WebSocket over TLS
// (…/tcp/<p>/tls/ws, also written /wss; listeners need Config::tls). Dialing also takes
// /dns|dns4|dns6/<name>/… hosts. Listeners of different transports run side by side.
// Upgrade pipeline (both directions), the same on every transport:
//   transport ─ multistream-select "/noise" ─ Noise XX (identity-bound, libp2p noise spec)
//       ─ muxer: from the Noise stream_muxers extension (spec: the first muxer of the
//         initiator's list that both support), else multistream-select over Config::muxers
//         ─ yamux "/yamux/1.0.0" or mplex "/mplex/6.7.0"
// Per stream: multistream-select (dialer: lazy mode when one protocol is proposed).
// Built-in protocols: identify "/ipfs/id/1.0.0" (run on every new connection, both ways),
// identify push "/ipfs/id/push/1.0.0" (served), ping "/ipfs/ping/1.0.0" (served).
//
// Threading: every member function must be called on the thread running the io_context given
// to the constructor (run exactly one thread on it). Coroutine members return asio::awaitable
// and are co_awaited from coroutines running on that io_context.
//
// Lifetime: call `co_await host.stop()` before destroying the Host (graceful: yamux GoAway,
// sockets closed, every task the host spawned joined). Destroying a running Host closes all
// sockets abruptly; the io_context must then run until idle before it is destroyed.
//
// Connection manager (conn_manager.hpp): watermarks with trimming, inbound per-IP and rate
// limits, pending dials, per-protocol inbound stream limits; refusals counted in Metrics.
//
// Does not (yet): QUIC, libp2p TLS 1.3 as a security protocol (TLS here is only wss's outer
// layer), relay, a memory/FD resource manager.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/result.hpp"
#include "base/time.hpp"
#include "crypto/keys.hpp"
#include "host/conn_manager.hpp"
#include "host/errors.hpp"
#include "host/metrics.hpp"
#include "host/peer_gate.hpp"
#include "host/peer_store.hpp"
#include "host/stream.hpp"
#include "multiformats/multiaddr.hpp"
#include "multiformats/peer_id.hpp"
#include "runtime/asio_fwd.hpp"

namespace lotus::runtime {
class DnsResolver;
}

namespace lotus::host {

inline constexpr const char* kIdentifyProtocol = "/ipfs/id/1.0.0";
inline constexpr const char* kIdentifyPushProtocol = "/ipfs/id/push/1.0.0";
inline constexpr const char* kPingProtocol = "/ipfs/ping/1.0.0";
inline constexpr const char* kNoiseProtocol = "/noise";
inline constexpr const char* kYamuxProtocol = "/yamux/1.0.0";
inline constexpr const char* kMplexProtocol = "/mplex/6.7.0";

// Certificate and private key of /tls/ws (wss) listeners: PEM text, or PEM file paths (text
// wins when both are set).
struct TlsCertificate {
  std::string cert_pem;
  std::string key_pem;
  std::string cert_file;
  std::string key_file;
};
// How wss dials check the server's certificate. Noise authenticates the peer either way, so
// turning verification off costs only the outer layer's protection against a middlebox.
struct WssDialOptions {
  bool verify_peer = true;  // chain + host name
  std::string ca_pem;       // trusted CA (PEM); empty with ca_file empty: the system store
  std::string ca_file;
};

struct Config {
  // Addresses Host::start() listens on (port 0 picks a free port; see listen_addrs()).
  std::vector<mf::Multiaddr> listen_addrs;
  Duration dial_timeout = std::chrono::seconds(10);         // TCP connect
  Duration handshake_timeout = std::chrono::seconds(10);    // multistream + noise + muxer
  Duration negotiation_timeout = std::chrono::seconds(10);  // multistream on each stream
  Duration identify_timeout = std::chrono::seconds(10);
  std::string agent_version = "lotus-p2p/0.1.0";
  std::string protocol_version = "ipfs/0.1.0";
  // Receive window per stream = the most bytes buffered for a reader that does not read
  // (yamux flow control: the sender stops there). At least 256 KiB (yamux's initial window);
  // larger values raise throughput on high-latency links at max_streams × this memory cost.
  std::size_t max_stream_buffer = 256 * 1024;
  // yamux window auto-tuning: a stream's receive window grows with the measured
  // bandwidth-delay product up to max_stream_window. Every window above yamux's initial
  // 256 KiB (auto-tuned, or a max_stream_buffer above it) is charged to the per-connection
  // connection_window_budget, so receive memory per connection ≤ streams × 256 KiB + budget.
  // max_stream_window ≤ max_stream_buffer disables auto-tuning.
  std::size_t max_stream_window = 16 * 1024 * 1024;
  std::size_t connection_window_budget = 64 * 1024 * 1024;
  // Encrypted bytes queued for the socket per connection; writers await beyond this.
  std::size_t max_write_queue = 4 * 1024 * 1024;
  std::size_t max_streams_per_connection = 1024;
  // Hard cap on connections (open + upgrading): accept closes the socket beyond it. The
  // connection manager's watermarks (conn_manager.min/max_connections) are the soft targets.
  std::size_t max_connections = 4096;
  // Connection manager and resource limits (see conn_manager.hpp).
  ConnLimits conn_manager{};
  // Resolver for /dns, /dns4, /dns6 dial addresses. Null: Asio's system resolver (getaddrinfo).
  // Not owned; must outlive the Host.
  runtime::DnsResolver* dns_resolver = nullptr;
  PeerStore::Limits peer_store_limits{};
  bool run_identify = true;  // identify every new connection automatically
  // Stream muxers in preference order (kYamuxProtocol, kMplexProtocol; others are ignored).
  // Offered in the Noise stream_muxers extension and, failing that, by multistream-select.
  std::vector<std::string> muxers = {kYamuxProtocol, kMplexProtocol};
  // Offer/accept the muxer inside the Noise handshake (saves a round trip). Off: the Noise
  // payload carries no muxers and the remote's list is ignored; multistream-select decides.
  bool early_muxer_negotiation = true;
  // mplex has no flow control: unread bytes per stream beyond this reset the stream (js and
  // go-mplex do the same; js's default is 4 MiB). At least mplex's 1 MiB message size.
  std::size_t mplex_stream_buffer = 4 * 1024 * 1024;
  // Before resetting, we apply backpressure: while a stream holds half that bound the
  // connection reader stops reading (TCP throttles the peer) for at most this long; if the
  // stream is still that full then, reading resumes until the bound resets it.
  Duration mplex_read_pause_limit = std::chrono::seconds(10);
  // WebSocket: largest incoming message (js sends one Noise frame, ≤ 64 KiB, per message).
  std::size_t ws_max_message_size = 1024 * 1024;
  TlsCertificate tls;         // for /tls/ws listeners
  WssDialOptions wss_dial{};  // for /tls/ws dials
};

struct ConnectionInfo {
  std::uint64_t id = 0;
  mf::PeerId remote_peer;
  mf::Multiaddr remote_addr;  // transport address, without /p2p/
  mf::Multiaddr local_addr;
  Direction direction = Direction::outbound;
  std::string muxer;          // "/yamux/1.0.0" | "/mplex/6.7.0"
  bool muxer_from_noise_extension = false;
  std::string transport;      // "tcp" | "ws" | "wss"
};

struct PeerConnected {
  ConnectionInfo connection;
};
struct PeerDisconnected {
  ConnectionInfo connection;
  std::error_code reason;  // empty for a clean local close
};
// Identify completed (push == false), or an identify push (/ipfs/id/push/1.0.0) from the peer
// was applied to the peer store (push == true).
struct PeerIdentified {
  mf::PeerId peer;
  std::uint64_t connection_id = 0;
  PeerInfo info;  // snapshot of the peer store entry after the update
  bool push = false;
};
struct IdentifyFailed {
  mf::PeerId peer;
  std::uint64_t connection_id = 0;
  std::error_code error;
};
using Event = std::variant<PeerConnected, PeerDisconnected, PeerIdentified, IdentifyFailed>;

// A handler owns the stream; it runs as a task of the host (cancelled by stop(): its pending
// stream operations then fail with errc::host_stopped / connection_closed). The std::function
// is kept alive until every invocation finished, so a capturing lambda is safe here.
using StreamHandler = std::function<asio::awaitable<void>(Stream)>;
using EventListener = std::function<void(const Event&)>;

class Host {
 public:
  Host(asio::io_context& io, crypto::PrivateKey identity, Config config = {});
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  const mf::PeerId& peer_id() const;
  const crypto::PublicKey& public_key() const;
  const Config& config() const;
  asio::io_context& io_context() const;

  // Listens on every Config::listen_addrs entry. Fails (and listens on nothing) if any fails.
  Status start();
  // Listens on one more address; returns the bound address (real port, no /p2p/).
  Result<mf::Multiaddr> listen(const mf::Multiaddr& addr);
  // Certificate renewal without a restart: loads `replacement` (or Config::tls again — files are
  // read anew) and makes every /tls/ws listener serve it to new connections; established ones
  // keep theirs. On failure (unreadable files, key not matching the certificate) nothing
  // changes and the listeners keep the previous certificate. Returns how many listeners now
  // serve the new one (0 without /tls/ws listeners).
  Result<std::size_t> reload_tls(std::optional<TlsCertificate> replacement = std::nullopt);
  // Bound listen addresses (without /p2p/). Wildcard binds (0.0.0.0 / ::) are reported as is.
  std::vector<mf::Multiaddr> listen_addrs() const;
  // Listen addresses expanded to this machine's interface addresses for wildcard binds, with
  // /p2p/<our id> appended: what to print or advertise.
  std::vector<mf::Multiaddr> full_addrs() const;

  // Dials (or reuses a connection to) the peer. `addr`: /ip4|ip6|dns|dns4|dns6/<h>/tcp/<p>
  // [/ws | /tls/ws | /wss][/p2p/<id>].
  // Concurrent dials to one peer id share a single attempt. With /p2p/<id>, a remote proving a
  // different identity fails with errc::peer_id_mismatch (and the connection is closed).
  asio::awaitable<Result<ConnectionInfo>> dial(mf::Multiaddr addr);
  // Dials a peer by id using addresses from the peer store (reuses a live connection).
  asio::awaitable<Result<ConnectionInfo>> connect(mf::PeerId peer);
  // Opens a stream and negotiates one of `protocols` (in preference order).
  asio::awaitable<Result<Stream>> new_stream(mf::PeerId peer, std::vector<std::string> protocols);
  asio::awaitable<Result<Stream>> new_stream(mf::Multiaddr addr, std::vector<std::string> protocols);
  // One ping round trip (/ipfs/ping/1.0.0) on a fresh stream; records the latency.
  asio::awaitable<Result<Duration>> ping(mf::PeerId peer);
  // Runs identify against a connected peer now (also done automatically on connect).
  asio::awaitable<Result<PeerInfo>> identify(mf::PeerId peer);
  // Closes every connection to the peer (yamux GoAway, then transport close).
  void disconnect(const mf::PeerId& peer);

  bool is_connected(const mf::PeerId& peer) const;
  std::vector<ConnectionInfo> connections() const;

  // Protocol handlers for inbound streams. Replaces an existing handler for the protocol.
  // Connected peers are told about the change with an identify push.
  void set_stream_handler(std::string protocol, StreamHandler handler);
  void remove_stream_handler(const std::string& protocol);
  std::vector<std::string> protocols() const;  // every protocol we answer, built-ins included

  // Peer gates (peer_gate.hpp): consulted at every admission point in the order added, the
  // connection manager's limits last. Returns an id for remove_gate.
  std::uint64_t add_gate(std::shared_ptr<PeerGate> gate);
  void remove_gate(std::uint64_t id);
  // Penalty channel: reports misbehaviour of `peer` to every gate (on_penalty). When a gate
  // now refuses the peer, every connection to it is closed (errc::refused) and true returned.
  // Counted in Metrics::penalties by reason.
  bool penalize(const mf::PeerId& peer, std::string reason, int weight);

  // Connection manager: protect/tag peers, peer sources below min_connections, limits.
  ConnManager& conn_manager();
  const ConnManager& conn_manager() const;

  // Counters about this host (see metrics.hpp); read on the io_context thread.
  const Metrics& metrics() const;

  PeerStore& peer_store();
  const PeerStore& peer_store() const;

  // Listeners are called synchronously on the io_context thread; they must not block and must
  // not destroy the Host.
  std::uint64_t add_event_listener(EventListener listener);
  void remove_event_listener(std::uint64_t id);

  // Graceful stop: stop accepting, GoAway + close every connection, cancel handlers, join
  // every task. Idempotent; later operations fail with errc::host_stopped.
  asio::awaitable<void> stop();
  bool stopped() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> m_impl;
};

// Helpers shared with the apps.
std::string to_string(Direction d);

// Builds a protocol list. Inside coroutines prefer this (or a named vector) to a braced list
// as a call argument: g++ 12 miscompiles initializer_list temporaries in coroutine frames
// ("array used as initializer").
template <class... S>
std::vector<std::string> make_protocols(const S&... p) {
  std::vector<std::string> v;
  v.reserve(sizeof...(S));
  (v.emplace_back(p), ...);
  return v;
}

}  // namespace lotus::host
