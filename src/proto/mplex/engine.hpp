// mplex stream multiplexer (`/mplex/6.7.0`), sans-IO, one Engine per connection.
//
// Spec: libp2p/specs mplex/README.md. The API mirrors proto/yamux/engine.hpp (same command
// names, same Event names) so that the host can swap muxers. Behaviour at the edges follows
// js-libp2p's @libp2p/mplex (12.x), which is what our peers run:
//  * stream numbers are allocated per side from 0 upwards (js and go do this; the spec's
//    "initiator odd / receiver even" rule is not what they implement). The two sides'
//    numbers live in separate namespaces told apart by the flag: NewStream/…Initiator flags
//    name a stream the sender opened, …Receiver flags a stream the sender accepted;
//  * max message size 1 MiB (Config::max_message_size): a larger incoming message is a
//    connection error (message_too_large); our writes are split into messages of at most
//    that size;
//  * a NewStream beyond max_inbound_streams is answered with ResetReceiver; if the remote
//    does that more than disconnect_threshold (5) times within one second, the connection is
//    failed (too_many_refused_streams) — js closes the connection at that point;
//  * messages (other than NewStream) for an unknown stream — never opened, already freed or
//    refused — are ignored and their data skipped; more than disconnect_threshold of them
//    within one second fail the connection (unknown_stream_flood), again as js does. Streams
//    we reset ourselves are exempt: the remote's data already in flight when our Reset left
//    (megabytes at full speed) is dropped without counting; the last kResetMemory such ids
//    are remembered;
//  * no flow control exists in mplex: each stream's unread data is bounded by
//    Config::max_stream_buffer (4 MiB as in js). A message that would take the buffer beyond
//    the bound resets the stream (we send Reset, drop the data, emit
//    StreamReset{id, errc::stream_buffer_full}). js checks the bound before appending (it can
//    overshoot by one message); we never exceed it;
//  * a NewStream for a stream that is already open is a connection error (js throws there);
//    flag 7 is a connection error (bad_flag; js's decoder stalls on it for good, which
//    amounts to the same); NewStream's data (the stream name) is skipped; data on
//    Close/Reset messages is skipped, as js does;
//  * data after the remote's Close is not defined by the spec: we reset the stream.
// Deliberately not done: keeping stream names (purely informational per spec), blocking the
// connection for slow readers (the go-mplex strategy), a graceful close-all (the host closes
// each stream and then the connection), js's maxUnprocessedMessageQueueSize (we never hold
// more than one message header; data streams straight into the stream buffer).
//
// Differences from the yamux engine's API: on_bytes() takes `now` (only for the one-second
// disconnect windows), open_stream() takes an optional name, write() always accepts all bytes
// (no window, so there is no SendWindowOpened event), there is no ping()/go_away(). On a
// connection error the engine writes nothing (mplex has no GoAway); the driver closes the
// connection.
//
// Stream ids. An Engine-local StreamId packs (number, opener): `number << 1 | 1` for streams
// the remote opened, `number << 1` for ours, so the two namespaces never collide (helpers:
// make_stream_id, stream_number, opened_by_remote).
//
// Stream lifecycle (per stream; "freed" = state erased, StreamClosed emitted, id unknown):
//
//   open_stream() ──NewStream sent──┐
//   remote NewStream ──StreamOpened─┴──> Open (data both ways)
//   close_write() sends Close, sets local_fin; remote Close sets remote_fin (RemoteClosed)
//   local_fin && remote_fin && readable(id) empty ──> StreamClosed (freed)
//   remote Reset ──StreamReset{id}──> freed           reset() ──Reset sent──> freed (no event)
//   buffer bound exceeded ──Reset sent, StreamReset{id, stream_buffer_full}──> freed
//   data after remote Close ──Reset sent, StreamReset{id, data_after_close}──> freed
//
// Memory bound: (max_inbound_streams + max_outbound_streams) × max_stream_buffer (×2 before
// compaction), output() grows only with accepted writes and control messages (the driver
// drains it after each call), events proportional to input.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>
#include <optional>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <variant>

#include "base/bytes.hpp"
#include "base/error.hpp"
#include "base/result.hpp"
#include "base/time.hpp"
#include "proto/mplex/frame.hpp"

namespace lotus::proto::mplex {

inline constexpr std::string_view kProtocolId = "/mplex/6.7.0";

enum class errc {
  bad_flag = 1,              // flag value 7
  header_overflow,           // header or length varint longer than 10 bytes / beyond 64 bits
  message_too_large,         // message length above Config::max_message_size
  stream_id_too_large,       // remote NewStream number above Config::max_stream_number
  duplicate_stream,          // NewStream for a stream number that is already open
  too_many_refused_streams,  // > disconnect_threshold refused NewStreams within one second
  unknown_stream_flood,      // > disconnect_threshold messages for unknown streams in 1 s
  stream_buffer_full,        // (StreamReset reason) unread data would exceed max_stream_buffer
  data_after_close,          // (StreamReset reason) remote sent data after its Close
  unknown_stream,            // local command on a stream that does not exist (any more)
  write_after_close,         // write() after close_write()
  too_many_streams,          // open_stream() beyond max_outbound_streams
  stream_ids_exhausted,      // no stream number left
  name_too_long,             // open_stream() name longer than max_message_size
};
const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

using StreamId = std::uint64_t;
inline constexpr StreamId make_stream_id(std::uint64_t number, bool by_remote) noexcept {
  return (number << 1) | (by_remote ? 1U : 0U);
}
inline constexpr std::uint64_t stream_number(StreamId id) noexcept { return id >> 1; }
inline constexpr bool opened_by_remote(StreamId id) noexcept { return (id & 1U) != 0; }

struct Config {
  std::size_t max_message_size = 1024 * 1024;       // receive limit and send chunk size
  std::size_t max_inbound_streams = 1024;           // live remote-opened streams
  std::size_t max_outbound_streams = 1024;          // live streams we opened
  std::size_t max_stream_buffer = 4 * 1024 * 1024;  // unread bytes per stream
  // Largest stream number the remote may open and we will allocate. 2^53-1 is the largest
  // number js can represent exactly; must be ≤ kMaxWireStreamNumber.
  std::uint64_t max_stream_number = (std::uint64_t{1} << 53) - 1;
  // Refused NewStreams / unknown-stream messages tolerated per one-second window (each
  // counted separately); one more fails the connection. 0 disables both checks.
  std::uint32_t disconnect_threshold = 5;
};

struct StreamOpened { StreamId id; };                 // remote opened a stream
struct Data { StreamId id; std::size_t size; };       // `size` new bytes in readable(id)
struct RemoteClosed { StreamId id; };                 // remote Close: no more data will arrive
// Stream freed with unread data dropped. reason is empty for a remote Reset; otherwise we
// reset it (errc::stream_buffer_full or errc::data_after_close) and sent Reset.
struct StreamReset { StreamId id; std::error_code reason{}; };
struct StreamClosed { StreamId id; };                 // both Closes exchanged, data read: freed
using Event = std::variant<StreamOpened, Data, RemoteClosed, StreamReset, StreamClosed>;

class Engine {
 public:
  explicit Engine(Config config = {});

  // ---- input
  // Any fragmentation: at most one partial header is kept; data goes straight into the
  // stream's buffer. `now` only feeds the one-second disconnect windows. Returns the
  // connection error, if any (final: the driver closes the connection).
  Status on_bytes(BytesView in, TimePoint now);

  // ---- commands
  // Sends NewStream with `name` (default: the stream number in decimal, as js does).
  Result<StreamId> open_stream();
  Result<StreamId> open_stream(std::string_view name);
  // Accepts all of `in` (mplex has no window), split into messages of ≤ max_message_size.
  // Errors: unknown_stream, write_after_close.
  Result<std::size_t> write(StreamId id, BytesView in);
  Status close_write(StreamId id);  // Close (idempotent)
  Status reset(StreamId id);        // Reset, frees the stream
  // The application consumed n bytes of readable(id) (clamped to what is buffered).
  void consume(StreamId id, std::size_t n);

  // ---- output
  Bytes& output() { return m_out; }
  std::optional<Event> poll_event();

  // ---- queries
  BytesView readable(StreamId id) const;  // empty if unknown
  bool has_stream(StreamId id) const { return m_streams.count(id) != 0; }
  std::size_t stream_count() const { return m_streams.size(); }
  // The most unread bytes any one stream holds (O(streams)); the driver pauses reading the
  // connection while this is high, so a slow reader throttles the sender through TCP instead
  // of hitting max_stream_buffer (mplex has no flow control of its own).
  std::size_t largest_buffer() const;
  std::error_code error() const { return m_error; }

 private:
  struct Stream {
    bool local_fin = false;
    bool remote_fin = false;
    Bytes rbuf;
    std::size_t rpos = 0;
    std::size_t buffered() const { return rbuf.size() - rpos; }
  };
  // Fixed one-second window counter (js: RateLimiter{points: threshold, duration: 1 s}).
  struct Window {
    TimePoint start{};
    std::uint32_t count = 0;
    bool active = false;
  };

  Status fail(errc e);
  Status on_header(std::uint64_t header, std::uint64_t length, TimePoint now);
  bool over_threshold(Window& w, TimePoint now) const;
  void skip_payload(std::uint64_t length);
  void send(StreamId id, Flag initiator_flag, BytesView data);
  void local_reset(StreamId id, errc reason);
  void maybe_free(StreamId id, Stream& s);
  void free_stream(StreamId id);

  Config m_cfg;
  std::unordered_map<StreamId, Stream> m_streams;
  // FIFO as a vector + read index: an empty std::deque already holds a 512-byte node, per
  // connection; drained after every input chunk, so the vector stays small.
  std::vector<Event> m_events;
  std::size_t m_events_head = 0;
  Bytes m_out;
  std::error_code m_error;

  // message parser
  std::uint8_t m_hdr[kMaxHeaderSize];
  std::size_t m_hdr_len = 0;
  std::uint64_t m_payload_left = 0;
  bool m_payload_discard = false;
  StreamId m_payload_stream = 0;

  std::uint64_t m_next_number = 0;
  std::size_t m_inbound = 0;
  std::size_t m_outbound = 0;
  Window m_refused_window;
  Window m_unknown_window;
  // Streams we reset most recently (a ring): data in flight for them is not a flood.
  static constexpr std::size_t kResetMemory = 32;
  std::array<StreamId, kResetMemory> m_reset_ids{};
  std::size_t m_reset_count = 0;  // total ever remembered (ring index = count % size)
  void remember_reset(StreamId id);
  bool recently_reset(StreamId id) const;
};

}  // namespace lotus::proto::mplex

LOTUS_ERRC_ENUM(lotus::proto::mplex::errc)
