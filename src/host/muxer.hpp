// Host internals: the stream multiplexer behind one interface, so that the connection driver
// (conn.cpp) and the stream API (stream.cpp) run unchanged over yamux (/yamux/1.0.0) or mplex
// (/mplex/6.7.0). Both engines are sans-IO (proto/yamux, proto/mplex) with the same shape:
// data stays in the engine's per-stream buffer until consume(); events say what changed.
//
// What differs and how the interface absorbs it:
//  * flow control: yamux has windows (write() may accept fewer bytes; SendWindowOpened follows);
//    mplex has none: write() takes at most kMplexWriteChunk bytes per call so that the
//    connection's bounded write queue still paces a large write, and the engine bounds each
//    stream's unread data (Config::mplex_stream_buffer) by resetting a stream that overflows
//    (StreamReset with mplex::errc::stream_buffer_full), as js-libp2p and go-mplex do;
//  * stream ids: yamux's are 32-bit, mplex's are engine-local 64-bit (number, opener) pairs;
//  * goodbye: yamux sends GoAway; mplex has none (go_away() only refuses new streams);
//  * errors: a yamux protocol error queues GoAway(protocol error) before the driver closes;
//    mplex writes nothing.
// No allocation per frame: poll_event() converts the engine's event by value; virtual calls
// are one per command/input chunk.
// lotus-p2p: internal header (not installed)
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/time.hpp"

namespace lotus::host {
struct Config;
}

namespace lotus::host::detail {

using MuxStreamId = std::uint64_t;
// (output offset, payload) per data frame written by reference: the payload follows
// output()[0, offset) on the wire.
using PayloadRefs = std::vector<std::pair<std::size_t, BytesView>>;

inline constexpr std::size_t kMplexWriteChunk = 64 * 1024;

namespace mux {
struct StreamOpened { MuxStreamId id; };
struct Data { MuxStreamId id; };
struct RemoteClosed { MuxStreamId id; };
struct StreamReset { MuxStreamId id; std::error_code reason; };  // reason empty: remote reset
struct SendWindowOpened { MuxStreamId id; };
struct GoAwayReceived {};
struct StreamClosed { MuxStreamId id; };
using Event = std::variant<StreamOpened, Data, RemoteClosed, StreamReset, SendWindowOpened, GoAwayReceived, StreamClosed>;
}  // namespace mux

class Muxer {
 public:
  virtual ~Muxer() = default;
  virtual const char* protocol() const = 0;

  // Connection error on failure (final); output() may then hold a goodbye to flush.
  virtual Status on_bytes(BytesView in, TimePoint now) = 0;
  virtual Result<MuxStreamId> open_stream() = 0;
  virtual Result<std::size_t> write(MuxStreamId id, BytesView in) = 0;
  // As write(), but (where the muxer can) the payload is not copied into output(): frame
  // headers go there and the payload views into `payloads` (see PayloadRefs); the caller seals
  // output() and the views together before `in` goes away. Default: write() (copies).
  virtual Result<std::size_t> write_by_reference(MuxStreamId id, BytesView in, PayloadRefs& payloads) {
    (void)payloads;
    return write(id, in);
  }
  virtual Status close_write(MuxStreamId id) = 0;
  virtual Status reset(MuxStreamId id) = 0;
  virtual void consume(MuxStreamId id, std::size_t n) = 0;
  // Receive buffer target for a stream (yamux: window; mplex: fixed by Config, no-op).
  virtual void set_receive_window(MuxStreamId id, std::size_t bytes) = 0;
  // No new streams either way from now on; yamux also tells the remote (GoAway).
  virtual void go_away() = 0;

  virtual Bytes& output() = 0;
  virtual std::optional<mux::Event> poll_event() = 0;

  virtual BytesView readable(MuxStreamId id) const = 0;
  virtual bool has_stream(MuxStreamId id) const = 0;
  virtual bool local_went_away() const = 0;
  // True while the connection reader should stop reading until streams are consumed
  // (mplex: a stream holds half its buffer bound; yamux's windows make this unnecessary).
  virtual bool reader_should_pause() const { return false; }
  // open_stream() failed because a side is closing the session (not a resource limit).
  virtual bool is_closing_error(std::error_code ec) const = 0;
};

// "/yamux/1.0.0" or "/mplex/6.7.0" (nullptr for anything else). `outbound`: we dialed.
std::unique_ptr<Muxer> make_muxer(const std::string& protocol, bool outbound, const Config& cfg);
bool is_supported_muxer(const std::string& protocol);
// Config::muxers without unsupported entries and duplicates, in order.
std::vector<std::string> supported_muxers(const Config& cfg);
// Early muxer negotiation (Noise stream_muxers extension): the first protocol of the
// initiator's list that both support. Empty if the remote listed nothing (multistream-select
// follows) — and also if the lists do not overlap (the caller fails the handshake then).
std::string select_early_muxer(const std::vector<std::string>& ours, const std::vector<std::string>& theirs,
                               bool we_initiated);

}  // namespace lotus::host::detail
