// ByteStream: the transport seam of the host. A connected, reliable, ordered byte stream (TCP,
// WebSocket over TCP, WebSocket over TLS) on which the libp2p upgrade (multistream → Noise →
// muxer) and the muxed session run unchanged.
//
// Contract (one io_context thread):
//  * handshake() runs once before any read/write (WebSocket HTTP upgrade, TLS); TCP: no-op.
//  * at most one read_some() and one write() outstanding at a time (the host has one reader
//    and one writer task);
//  * read_some() returns ≥ 1 byte, or an error; the remote's orderly close is
//    runtime::errc::closed;
//  * write() writes all of `data` (WebSocket: binary messages of bounded size) or fails;
//  * close() is abrupt, idempotent and callable at any time (also from a Watchdog while an
//    operation is pending: that operation then fails). It is how deadlines are enforced.
#pragma once

#include <cstddef>
#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "multiformats/multiaddr.hpp"
#include "runtime/asio_fwd.hpp"

namespace lotus::runtime {

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  ByteStream() = default;
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  virtual asio::awaitable<Status> handshake() = 0;
  virtual asio::awaitable<Result<std::size_t>> read_some(MutBytesView buf) = 0;
  virtual asio::awaitable<Status> write(BytesView data) = 0;
  virtual void close() = 0;

  // Readiness-based reading, for a reader that wants to read into a buffer it does not own
  // while it waits (the host's idle connections share one read buffer per thread). Only
  // transports that keep no buffered input of their own support it (TCP); the others return
  // false from supports_try_read() and are read with read_some().
  //  * wait_readable(): completes when try_read() may find data (or an error/EOF is pending);
  //  * try_read(): reads what is there without waiting: ≥ 1 byte, 0 if nothing is (wait
  //    again), or an error (runtime::errc::closed for the remote's orderly close).
  virtual bool supports_try_read() const { return false; }
  virtual asio::awaitable<Status> wait_readable();
  virtual Result<std::size_t> try_read(MutBytesView buf);

  // "tcp", "ws" or "wss" (metrics label).
  virtual std::string_view transport() const = 0;
  // Transport addresses, e.g. /ip4/1.2.3.4/tcp/80/ws (empty if unknown).
  virtual mf::Multiaddr remote_addr() const = 0;
  virtual mf::Multiaddr local_addr() const = 0;
};

}  // namespace lotus::runtime
