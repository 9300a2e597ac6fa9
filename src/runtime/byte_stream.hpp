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

  // "tcp", "ws" or "wss" (metrics label).
  virtual std::string_view transport() const = 0;
  // Transport addresses, e.g. /ip4/1.2.3.4/tcp/80/ws (empty if unknown).
  virtual mf::Multiaddr remote_addr() const = 0;
  virtual mf::Multiaddr local_addr() const = 0;
};

}  // namespace lotus::runtime
