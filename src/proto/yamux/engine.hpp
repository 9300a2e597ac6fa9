// yamux stream multiplexer (`/yamux/1.0.0`), sans-IO, one Engine per connection.
//
// Spec: hashicorp/yamux spec.md, libp2p/specs yamux/README.md. Behaviour at the edges follows
// go-yamux / js-libp2p yamux where the spec is silent:
//  * frames (without SYN) for an unknown or already freed stream are ignored, their data
//    discarded (a stream we reset may still have frames in flight);
//  * a SYN beyond max_streams, or after go_away()/GoAway received, is answered with RST;
//  * protocol violations are connection errors: on_bytes() returns a specific errc, writes
//    GoAway(protocol error) to output(), and the engine stays failed (the driver closes the
//    connection after draining output()).
// Deliberately not done: keep-alive timers (the driver calls ping()), ACK-backlog waiting
// (open_stream fails with ack_backlog_full instead of blocking).
//
// Flow control. Each direction of each stream starts with a 256 KiB window. write() accepts
// only what the peer's window allows; the caller keeps the rest and retries after a
// SendWindowOpened event. Received data is appended to a per-stream buffer (readable(id)),
// announced by Data events, and credit is returned to the peer only when the application
// calls consume(id, n): a WindowUpdate is sent once at least half the window is consumed.
// Unread data is never re-granted, so the buffer is bounded by the window (backpressure).
//
// Stream lifecycle (per stream; "freed" = state erased, StreamClosed emitted, id unknown):
//
//   open_stream() ──SYN sent──> SynSent ──ACK rcvd──┐
//   remote SYN ──StreamOpened─> SynReceived ──first frame we send carries ACK──┐
//                                                 v                            v
//                                              Established (data both ways)
//   FIN flags:    close_write() sets local_fin; remote FIN sets remote_fin (RemoteClosed)
//   local_fin && remote_fin && readable(id) empty ──> StreamClosed (freed)
//   remote RST ──StreamReset──> freed      reset() ──RST sent──> freed (no event)
//
// Received data is not copied into events: Data{id, n} says n more bytes are in the stream's
// buffer; the caller reads readable(id) and calls consume(id, k) (no per-frame allocation).
//
// Window auto-tuning (go-yamux / rust-yamux style), driven by the `now` the caller passes to
// on_bytes()/consume()/ping() (the engine reads no clock; the overloads without `now` reuse the
// last time seen). The connection RTT is measured from ping round trips and from SYN→ACK of
// streams we open; the latest sample counts. While a stream's window may still grow, every
// window update we send also sends our own probe ping (one outstanding at a time, no Pong
// event): under load the round trip includes the queues in both directions, which is what the
// window must cover — an RTT sampled while idle (tens of µs on loopback) understates it and
// left a bulk stream stuck at 256 KiB. A stream's "epoch" runs from one window update we send to the next: when
// the peer used up half the window within 2×RTT, the sender is window-limited, so the target
// window doubles (and the update carries the extra credit), up to Config::max_window. Growth
// is charged to a per-connection budget (Config::window_budget: the sum over streams of their
// window above the initial 256 KiB) and returned when a stream is freed; without budget left a
// stream keeps its window. Windows never shrink while a stream lives.
//
// Memory bound: receive buffers ≤ max_streams × 256 KiB + window_budget (each stream ≤
// max_window); output() grows only with accepted writes and control frames (the driver drains
// it after each call); events proportional to input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>
#include <optional>
#include <system_error>
#include <unordered_map>
#include <variant>

#include "base/bytes.hpp"
#include "base/error.hpp"
#include "base/result.hpp"
#include "base/time.hpp"
#include "proto/yamux/frame.hpp"

namespace lotus::proto::yamux {

enum class errc {
  bad_version = 1,        // header version != 0
  bad_type,               // unknown frame type
  invalid_stream_id,      // ping/go-away on a stream, or data/window update on stream 0
  bad_stream_parity,      // remote opened a stream with an id of our parity
  duplicate_stream,       // SYN for a stream that is already open
  window_exceeded,        // remote sent more data than the window we granted
  window_overflow,        // window update pushes the send window past 2^32-1
  data_after_fin,         // remote sent data after its FIN
  invalid_flags,          // ping without exactly one of SYN/ACK
  frame_too_large,        // data frame for an unknown stream larger than any window
  unknown_stream,         // local command on a stream that does not exist (any more)
  write_after_close,      // write() after close_write()
  too_many_streams,       // open_stream() beyond max_outbound_streams
  ack_backlog_full,       // open_stream() with max_ack_backlog streams unacknowledged
  stream_ids_exhausted,   // no stream id left
  session_closing,        // open_stream() after go_away()
  remote_go_away,         // open_stream() after the remote sent GoAway
  ping_in_flight,         // ping() while the previous one is unanswered
};
const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

enum class Role { client, server };  // client opens odd ids, server even ids

struct Config {
  std::size_t max_streams = 1024;           // live inbound streams; a SYN beyond → RST
  std::size_t max_outbound_streams = 1024;  // live outbound streams (open_stream fails beyond)
  std::size_t max_ack_backlog = 256;        // our streams not yet ACKed (spec recommendation)
  // Largest receive window of one stream (auto-tuning and set_receive_window() stop here).
  // kInitialWindow turns auto-tuning off.
  std::uint32_t max_window = 16 * 1024 * 1024;
  // Sum over all streams of (receive window - kInitialWindow): bounds the memory a peer can
  // make us buffer beyond the initial windows.
  std::uint64_t window_budget = 64 * 1024 * 1024;
  bool autotune = true;                       // grow windows with the measured BDP
  std::uint32_t max_frame_data = 16 * 1024;   // payload bytes per Data frame we send
};

struct StreamOpened { StreamId id; };       // remote opened a stream
struct Data { StreamId id; std::size_t size; };  // `size` new bytes appended to readable(id)
struct RemoteClosed { StreamId id; };       // remote FIN: no more data will arrive
struct StreamReset { StreamId id; };        // remote RST: stream freed, unread data dropped
struct SendWindowOpened { StreamId id; std::uint32_t window; };  // after a short write()
struct Pong { std::uint32_t opaque; };      // answer to our ping()
struct GoAwayReceived { std::uint32_t code; };
struct StreamClosed { StreamId id; };       // both FINs exchanged and data read: freed
using Event = std::variant<StreamOpened, Data, RemoteClosed, StreamReset, SendWindowOpened, Pong,
                           GoAwayReceived, StreamClosed>;

class Engine {
 public:
  Engine(Role role, Config config = {});

  // ---- input
  // Any fragmentation: partial frames are kept (header ≤ 12 bytes; data goes straight into
  // the stream's buffer). Returns the connection error, if any (final).
  Status on_bytes(BytesView in);
  Status on_bytes(BytesView in, TimePoint now);  // same, with the time (RTT, auto-tuning)

  // ---- commands
  Result<StreamId> open_stream();
  // Bytes accepted (≤ in.size()) within the peer's window, framed into output(). The caller
  // keeps the rest until SendWindowOpened{id}. Errors: unknown_stream, write_after_close.
  Result<std::size_t> write(StreamId id, BytesView in);
  // As write(), but the payload is not copied into output(): each data frame's header is, and
  // `payloads` gets one (output offset, payload view) entry per frame — the payload goes right
  // after output()[0, offset). The caller must consume output() and the views (e.g. seal them,
  // SecureChannel::encrypt_gather) before `in` goes away and before the next command.
  Result<std::size_t> write_by_reference(StreamId id, BytesView in,
                                         std::vector<std::pair<std::size_t, BytesView>>& payloads);
  Status close_write(StreamId id);      // FIN (idempotent)
  Status reset(StreamId id);            // RST, frees the stream
  // The application consumed n bytes of readable(id) (clamped to what is buffered).
  void consume(StreamId id, std::size_t n);
  void consume(StreamId id, std::size_t n, TimePoint now);  // same, with the time (auto-tuning)
  // Auto-tuning hook: raise the stream's receive window to `window` (≤ Config::max_window);
  // the extra credit goes out with the next window update.
  Status set_receive_window(StreamId id, std::uint32_t window);
  // Sends Ping(SYN) with a fresh opaque value (returned); Pong{opaque} follows. The caller
  // measures the round trip from its own clock.
  Result<std::uint32_t> ping();
  Result<std::uint32_t> ping(TimePoint now);  // same; the Pong also updates rtt()
  // Sends GoAway once; afterwards inbound SYNs are refused and open_stream() fails.
  void go_away(GoAwayCode code = GoAwayCode::normal);

  // ---- output
  Bytes& output() { return m_out; }
  std::optional<Event> poll_event();

  // ---- queries
  BytesView readable(StreamId id) const;  // empty if unknown
  bool has_stream(StreamId id) const { return m_streams.count(id) != 0; }
  std::size_t stream_count() const { return m_streams.size(); }
  std::uint32_t send_window(StreamId id) const;     // 0 if unknown
  std::uint32_t receive_credit(StreamId id) const;  // credit the peer still has; 0 if unknown
  std::uint32_t receive_window(StreamId id) const;  // current target window; 0 if unknown
  Duration rtt() const { return m_rtt; }            // latest RTT sample; zero until measured
  std::uint64_t window_in_use() const { return m_window_extra; }  // charged to window_budget
  std::error_code error() const { return m_error; }
  bool remote_went_away() const { return m_remote_go_away.has_value(); }
  bool local_went_away() const { return m_local_go_away; }

 private:
  enum class Open : std::uint8_t { syn_sent, syn_received, established };
  struct Stream {
    Open open = Open::established;
    bool inbound = false;
    bool local_fin = false;
    bool remote_fin = false;
    bool send_blocked = false;
    std::uint32_t send_window = kInitialWindow;
    std::uint32_t recv_window = kInitialWindow;       // credit left to the peer
    std::uint32_t recv_window_size = kInitialWindow;  // target window
    TimePoint epoch_start{};                          // last window update we sent
    bool epoch_valid = false;
    TimePoint syn_time{};                             // SYN sent (RTT sample on ACK)
    Bytes rbuf;
    std::size_t rpos = 0;
    std::size_t buffered() const { return rbuf.size() - rpos; }
  };

  Status fail(errc e);
  Status on_header(const Header& h);
  Status on_stream_frame(const Header& h);
  Status open_inbound(const Header& h, bool& refused);
  void apply_flags(StreamId id, std::uint16_t flags);
  void finish_payload();
  std::uint16_t take_open_flags(Stream& s);
  void send_frame(FrameType t, std::uint16_t flags, StreamId id, std::uint32_t length);
  Result<std::size_t> write_frames(StreamId id, BytesView in, std::vector<std::pair<std::size_t, BytesView>>* refs);
  void maybe_grant(StreamId id, Stream& s);
  void grow_window(Stream& s, std::uint32_t target);  // raises the target within the budget
  void autotune(Stream& s);                            // called before a window update goes out
  void rtt_sample(Duration d);
  void maybe_free(StreamId id, Stream& s);
  void free_stream(StreamId id);

  Role m_role;
  Config m_cfg;
  std::unordered_map<StreamId, Stream> m_streams;
  // FIFO as a vector + read index: an empty std::deque already holds a 512-byte node, per
  // connection; drained after every input chunk, so the vector stays small.
  std::vector<Event> m_events;
  std::size_t m_events_head = 0;
  Bytes m_out;
  std::error_code m_error;

  // frame parser
  std::uint8_t m_hdr[kHeaderSize];
  std::size_t m_hdr_len = 0;
  bool m_in_payload = false;
  Header m_cur;                  // header of the data frame being received
  std::uint32_t m_payload_left = 0;
  bool m_payload_discard = false;

  std::uint64_t m_next_id;  // 64-bit so that exhaustion is detectable
  std::size_t m_inbound = 0;
  std::size_t m_outbound = 0;
  std::size_t m_unacked = 0;
  bool m_local_go_away = false;
  std::optional<std::uint32_t> m_remote_go_away;
  std::uint32_t m_ping_counter = 0;
  std::optional<std::uint32_t> m_ping_outstanding;
  TimePoint m_ping_sent{};
  std::optional<std::uint32_t> m_rtt_ping;  // our own RTT probe (no Pong event)
  TimePoint m_rtt_ping_sent{};

  // auto-tuning
  TimePoint m_now{};
  bool m_have_now = false;
  Duration m_rtt{};
  std::uint64_t m_window_extra = 0;
};

}  // namespace lotus::proto::yamux

LOTUS_ERRC_ENUM(lotus::proto::yamux::errc)
