// A negotiated libp2p stream (one yamux stream carrying one protocol) as seen by the user:
// coroutine reads and writes on the host's io_context thread.
//
// Semantics
//  * read_some: waits until at least one byte is buffered, copies up to buf.size() bytes and
//    returns the count. Returns 0 once the remote closed its write side (FIN) and everything
//    was read. Fails with errc::stream_reset / errc::connection_closed.
//    Reading consumes bytes and grants the remote yamux send window again, so a reader that
//    stops reading stops the sender (backpressure); at most Config::max_stream_buffer bytes are
//    buffered per stream.
//  * write: sends all bytes, awaiting while the yamux send window is exhausted or the
//    connection's write queue is full. Fails after close_write/reset (errc::stream_closed).
//  * close_write: half-close (yamux FIN); reading continues until the remote closes too.
//  * reset: abort both directions (yamux RST); pending reads/writes fail with stream_reset.
//  * Dropping the last handle: if the write side is still open the stream is reset; if it was
//    closed, the stream lingers until the remote closes, discarding whatever still arrives.
//  * One reader and one writer at a time (a read and a write may be in flight together).
//
// With a single proposed protocol, Host::new_stream uses multistream-select's lazy mode: the
// stream is returned before the remote confirmed; a refusal surfaces on the first read as
// errc::protocol_not_supported (writes before that succeed locally; the remote discards them).
// A write issued after the refusal has arrived fails with protocol_not_supported too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "multiformats/peer_id.hpp"
#include "runtime/asio_fwd.hpp"

namespace lotus::host {

namespace detail {
struct StreamState;
}

class Stream {
 public:
  Stream() = default;
  explicit Stream(std::shared_ptr<detail::StreamState> state) noexcept;
  Stream(Stream&&) noexcept = default;
  Stream& operator=(Stream&&) noexcept;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  ~Stream();

  bool valid() const noexcept { return m_state != nullptr; }
  explicit operator bool() const noexcept { return valid(); }

  const std::string& protocol() const;   // the negotiated (or, lazily, proposed) protocol
  const mf::PeerId& remote_peer() const;
  std::uint64_t connection_id() const;
  std::uint64_t id() const;              // muxer stream id (yamux id, or mplex number·2+opener)

  asio::awaitable<Result<std::size_t>> read_some(MutBytesView buf);
  // Fills buf completely; errc::end_of_stream if the remote closed first.
  asio::awaitable<Status> read_exactly(MutBytesView buf);
  // Reads until the remote closes its write side; errc::message_too_large past max_bytes.
  asio::awaitable<Result<Bytes>> read_to_end(std::size_t max_bytes);
  asio::awaitable<Status> write(BytesView data);
  Status close_write();
  void reset();

  bool remote_closed() const;  // FIN received (buffered bytes may remain)
  bool is_reset() const;

 private:
  std::shared_ptr<detail::StreamState> m_state;
};

}  // namespace lotus::host
