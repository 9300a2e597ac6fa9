// Host internals (not installed, not for users): the connection driver and per-stream state.
//
// One Conn per transport connection (a runtime::ByteStream: TCP, WebSocket or WebSocket over
// TLS). The transport handshake (WebSocket upgrade, TLS) runs first inside upgrade(), under the
// same deadline as Noise and the muxer. After the upgrade it runs two tasks:
//   reader: stream → noise frames → decrypt → muxer.on_bytes → events → wake streams
//   writer: waits for m_tx_pending, swaps it with m_tx_writing (both keep their capacity, so
//           steady state allocates nothing) and writes it in one write: every muxer frame
//           produced since the previous write is coalesced into one system call (WebSocket:
//           one binary message).
// The muxer (yamux or mplex) sits behind host/muxer.hpp. Every command on the muxer is
// followed by flush(): drain the muxer's output → encrypt into noise frames appended to m_tx_pending → wake the writer. m_tx_pending is bounded by
// Config::max_write_queue: stream writers wait on m_tx_space beyond it.
//
// Conn state:  upgrading ──upgrade ok──▶ open ──close()/error──▶ closed
//                  └──────timeout/error────────────────────────▲
// lotus-p2p: internal header (not installed)
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/byte_buffer.hpp"
#include "base/function_ref.hpp"
#include "host/host.hpp"
#include "proto/multistream/multistream.hpp"
#include "host/muxer.hpp"
#include "runtime/asio.hpp"
#include "runtime/byte_stream.hpp"
#include "runtime/signal.hpp"
#include "runtime/task_scope.hpp"
#include "runtime/tcp.hpp"
#include "runtime/ws.hpp"

namespace lotus::host {

namespace ms = proto::multistream;
using runtime::tcp;

namespace detail {

struct Conn;
class SecureLayer;

// A one-element protocol list. (Not a braced list inside coroutines: g++ 12 miscompiles
// initializer_list temporaries in coroutine frames, "array used as initializer".)
inline std::vector<std::string> one_protocol(const char* p) {
  std::vector<std::string> v;
  v.emplace_back(p);
  return v;
}  // security.hpp

struct StreamState {
  StreamState(std::shared_ptr<Conn> c, MuxStreamId sid, const asio::any_io_executor& ex)
      : conn(std::move(c)), id(sid), readable(ex), writable(ex) {}
  std::shared_ptr<Conn> conn;
  MuxStreamId id;
  std::string protocol;
  Bytes prefix;  // bytes that arrived after multistream negotiation, read first
  std::size_t prefix_pos = 0;
  std::optional<ms::Dialer> lazy;  // lazy negotiation awaiting the remote's confirmation
  bool negotiating = false;  // a task is driving `lazy` (others wait for it on `readable`)
  bool lazy_payload = false;  // the user wrote before the confirmation arrived
  bool fin_pending = false;   // close_write after lazy_payload: FIN held until confirmed
  bool released = false;     // the last handle went away while fin_pending
  std::error_code negotiation_error;  // why the lazy negotiation failed
  bool remote_fin = false;
  bool local_fin = false;
  bool reset = false;    // reset by either side, or the connection died
  bool freed = false;    // the muxer forgot the stream (closed both ways, or reset)
  bool dropped = false;  // the user dropped the last handle
  std::error_code error;  // why the stream died (reset/connection error)
  runtime::Signal readable;
  runtime::Signal writable;
};

struct PendingDial {
  explicit PendingDial(const asio::any_io_executor& ex) : done(ex) {}
  runtime::Signal done;
  std::optional<Result<ConnectionInfo>> result;
};

}  // namespace detail

struct Host::Impl : std::enable_shared_from_this<Host::Impl> {
  Impl(asio::io_context& io, crypto::PrivateKey key, Config config);

  asio::io_context& io;
  asio::any_io_executor ex;
  crypto::PrivateKey identity;
  mf::PeerId self;
  Config cfg;
  runtime::TaskScope scope;
  PeerStore peers;
  Metrics metrics;

  struct Listener {
    std::shared_ptr<tcp::acceptor> acceptor;
    mf::Multiaddr bound;  // with /ws or /tls/ws for WebSocket listeners
    runtime::Transport transport = runtime::Transport::plain;
    // wss: the certificate in use; reload_tls() swaps it, the accept loop reads it per accept
    // (established connections keep the context they were made with).
    std::shared_ptr<std::shared_ptr<runtime::TlsContext>> tls;
  };
  std::vector<Listener> listeners;
  std::map<std::uint64_t, std::shared_ptr<detail::Conn>> conns;      // open
  std::map<std::uint64_t, std::shared_ptr<detail::Conn>> upgrading;  // handshake in progress
  std::size_t inbound_upgrading = 0;  // of those, accepted ones (ConnLimits::max_handshaking)
  void begin_upgrade(const std::shared_ptr<detail::Conn>& c);
  void end_upgrade(detail::Conn& c);  // idempotent
  std::map<std::string, std::shared_ptr<detail::PendingDial>> dials;
  std::shared_ptr<runtime::TlsContext> wss_client;  // made on the first wss dial
  std::map<std::string, std::shared_ptr<const StreamHandler>> handlers;
  std::map<std::uint64_t, EventListener> event_listeners;
  std::uint64_t next_listener_id = 1;
  std::uint64_t next_conn_id = 1;
  std::uint64_t peer_record_seq = 0;
  // The last sealed peer record and the addresses it carries (re-sealed when they change).
  std::vector<mf::Multiaddr> sealed_record_addrs;
  std::optional<Bytes> sealed_record;
  bool stopping = false;
  bool stopped = false;
  // ---- connection manager (conn_manager.hpp): policy + the maintenance task that trims and
  // asks peer sources for more peers (host.cpp, "connection manager" section).
  ConnManager conn_mgr;
  runtime::Signal maint_wake;
  bool maint_running = false;
  void ensure_maintenance();
  void count_refusal(const std::string& limit) { ++metrics.limit_refusals[limit]; }
  // ---- peer gates (peer_gate.hpp), consulted in order; the connection manager is the last
  // gate where it has a limit (host.cpp, "peer gates").
  std::vector<std::pair<std::uint64_t, std::shared_ptr<PeerGate>>> gates;
  std::uint64_t next_gate_id = 1;
  // Asks every gate (and then the connection manager, when `limits`) with `check`; the first
  // refusal is counted (gate_refusals, and limit_refusals for the connection manager's limits),
  // logged at debug level and returned.
  Verdict admit(AdmissionPoint point, FunctionRef<Verdict(PeerGate&)> check, bool limits);
  void record_refusal(AdmissionPoint point, const std::string& reason, bool limit);
  // Closes every connection (open or upgrading) to `peer` with `reason`.
  void close_peer(const mf::PeerId& peer, std::error_code reason);

  void emit(const Event& e);
  std::vector<std::string> protocol_list() const;
  std::shared_ptr<detail::Conn> find_conn(const mf::PeerId& peer) const;
  void on_conn_open(const std::shared_ptr<detail::Conn>& c);
  void on_conn_closed(detail::Conn& c);
  void close_all();
  void push_identify_to_all();
};

namespace detail {

struct Conn : std::enable_shared_from_this<Conn> {
  Conn(std::shared_ptr<Host::Impl> h, std::uint64_t cid, std::unique_ptr<runtime::ByteStream> s, Direction dir);
  ~Conn();

  std::shared_ptr<Host::Impl> host;
  std::uint64_t id;
  std::unique_ptr<runtime::ByteStream> io;  // the transport
  Direction direction;
  mf::Multiaddr remote_addr;
  mf::Multiaddr local_addr;
  std::optional<mf::PeerId> remote_peer;
  std::optional<crypto::PublicKey> remote_key;
  std::string muxer;
  bool muxer_from_noise = false;
  std::unique_ptr<SecureLayer> secure;  // set by the security handshake
  std::unique_ptr<Muxer> mux;
  std::unordered_map<MuxStreamId, std::shared_ptr<StreamState>> streams;

  bool open = false;    // upgraded and registered with the host
  bool closed = false;  // no more I/O
  bool writer_running = false;
  bool remote_go_away = false;
  std::error_code close_reason;
  std::uint64_t stop_cb = 0;

  // Input. rx is the transport read buffer: what is read and not consumed yet — after the
  // upgrade only ever a partial Noise frame at the front — then room to read into. Its size
  // adapts (1 KiB idle, up to kReadChunkMax in bulk); frames are decrypted in place in it.
  ByteBuffer rx;
  Bytes raw_in;       // read before the secure channel and not yet consumed (upgrade only)
  Bytes plain_in;     // decrypted and not yet consumed (upgrade only)
  // Output: encrypted frames waiting for the writer, and those being written (swapped; both
  // keep their capacity, never zero-filled).
  ByteBuffer tx_pending;
  ByteBuffer tx_writing;
  // A write by reference (Muxer::write_by_reference) leaves its payload views here; the next
  // flush() seals them together with the muxer's output (the payload is never copied first).
  PayloadRefs tx_refs;
  std::vector<BytesView> tx_pieces;  // flush() scratch
  runtime::Signal tx_wake;
  runtime::Signal tx_space;
  runtime::Signal writer_done;
  // The reader waits on rx_wake while the muxer asks it to pause (mplex backpressure);
  // consumed() wakes it.
  bool rx_paused = false;
  runtime::Signal rx_wake;
  void consumed() {
    if (rx_paused) rx_wake.notify();
  }
  // One identify request per connection at a time: js-libp2p (and the spec's reference
  // implementations) accept a single inbound identify stream per peer and reset a second one.
  // A caller arriving while one runs waits for it and shares its result.
  bool identify_in_flight = false;
  std::error_code identify_error;
  runtime::Signal identify_done;

  ConnectionInfo info() const;
  bool usable() const { return open && !closed && !remote_go_away && mux && !mux->local_went_away(); }

  // ---- upgrade (sequential, before the reader/writer tasks exist)
  asio::awaitable<Status> raw_write(BytesView data);
  asio::awaitable<Result<std::size_t>> read_rx(std::size_t room);  // one read into rx's room
  asio::awaitable<Status> raw_read_more();  // appends to raw_in
  asio::awaitable<Status> secure_write(BytesView plain);
  asio::awaitable<Status> secure_read_more();  // appends to plain_in
  Status open_rx_into_plain_in();  // decrypts rx's complete frames onto plain_in
  // multistream-select over the raw socket (secure=false) or the secure channel.
  asio::awaitable<Result<std::string>> negotiate_out(std::vector<std::string> protocols, bool secure);
  asio::awaitable<Result<std::string>> negotiate_in(std::vector<std::string> protocols, bool secure);
  asio::awaitable<Status> upgrade(std::optional<mf::PeerId> expected);

  // ---- steady state
  void start_tasks();
  void flush();  // muxer output → encrypted tx_pending → writer
  bool queue_full() const { return tx_pending.size() >= host->cfg.max_write_queue; }
  void handle_events();
  // Takes the stream's state out of the map and wakes its waiters with the given outcome.
  void end_stream(const std::shared_ptr<StreamState>& st, bool reset, std::error_code why);
  Result<std::shared_ptr<StreamState>> open_stream();
  void close(std::error_code reason, bool graceful);
};

asio::awaitable<void> conn_reader(std::shared_ptr<Conn> c);
asio::awaitable<void> conn_writer(std::shared_ptr<Conn> c);
asio::awaitable<void> conn_linger(std::shared_ptr<Conn> c);

// Outbound stream negotiation (full or lazy). Returns the user-facing handle.
asio::awaitable<Result<Stream>> negotiate_stream(std::shared_ptr<Conn> c, std::vector<std::string> protocols);
// Inbound stream: multistream listener, then the handler.
asio::awaitable<void> inbound_stream(std::shared_ptr<StreamState> st);
// Identify on a fresh connection (outbound request), and the built-in handlers.
asio::awaitable<void> identify_task(std::shared_ptr<Conn> c);
asio::awaitable<Result<PeerInfo>> run_identify(std::shared_ptr<Conn> c);
asio::awaitable<void> serve_identify(std::shared_ptr<Host::Impl> h, Stream s);
asio::awaitable<void> serve_identify_push(std::shared_ptr<Host::Impl> h, Stream s);
asio::awaitable<void> serve_ping(Stream s);

asio::awaitable<void> push_task(std::shared_ptr<Conn> c);
// Dialer (dialer.cpp): one attempt per peer id or address at a time; by peer id from the
// peer store.
asio::awaitable<Result<ConnectionInfo>> dial(std::shared_ptr<Host::Impl> h, mf::Multiaddr addr);
asio::awaitable<Result<ConnectionInfo>> connect_peer(std::shared_ptr<Host::Impl> h, mf::PeerId peer);
// Listeners (listeners.cpp).
asio::awaitable<void> accept_loop(std::shared_ptr<Host::Impl> h, std::shared_ptr<tcp::acceptor> acc,
                                  runtime::Transport transport,
                                  std::shared_ptr<std::shared_ptr<runtime::TlsContext>> tls);
// Admission after the handshake proved the remote's peer id (admission.cpp): false when a gate
// refused; the connection is then closed with errc::refused.
bool admit_secured(Host::Impl& h, Conn& c);
inline runtime::WsOptions ws_options(const Config& cfg) {
  runtime::WsOptions o;
  o.max_message_size = cfg.ws_max_message_size;
  return o;
}
asio::awaitable<Result<Duration>> ping_peer(std::shared_ptr<Host::Impl> h, mf::PeerId peer);
// A usable connection to the peer (dialing from the peer store if needed).
asio::awaitable<Result<std::shared_ptr<Conn>>> conn_for(std::shared_ptr<Host::Impl> h, mf::PeerId peer);

// Stream internals used by both the Stream API and the built-ins.
asio::awaitable<Result<std::size_t>> stream_read_some(std::shared_ptr<StreamState> st, MutBytesView buf);
asio::awaitable<Status> stream_write(std::shared_ptr<StreamState> st, BytesView data);
Status stream_close_write(StreamState& st);
void stream_reset(StreamState& st);

}  // namespace detail
}  // namespace lotus::host
