// Read loops shared by the protocol services (dht, pubsub) and the built-in identify: read a
// stream chunk by chunk, hand the bytes to a sans-IO reader, enforce deadlines by resetting the
// stream (Boost 1.74's Asio cannot cancel a single read).
//
//   StreamReader      chunks of a stream into one reusable buffer, each read with a deadline
//   FramedReader<D>   messages of a stream through a frame decoder D (kad::FrameReader,
//                     gossipsub::FrameDecoder: `Result<optional<value_type>> next(BytesView&)`)
//   drive(s, engine)  a reading engine (identify::Requester: on_bytes/on_eof/on_timeout/
//                     deadline/finished) run on a stream until it finishes
//
// Copies: the stream copies out of the muxer into the reader's buffer (as every read does); a
// frame that lies inside one chunk is decoded straight from there (proto/framing). Nothing here
// allocates per read beyond the Watchdog of a read that has a deadline.
// Every function runs on the host's io_context thread; the Stream must outlive the reader.
#pragma once

#include <cstddef>
#include <optional>
#include <system_error>
#include <utility>

#include "base/byte_buffer.hpp"
#include "base/result.hpp"
#include "base/time.hpp"
#include "host/stream.hpp"
#include "runtime/asio_fwd.hpp"

namespace lotus::host {

class StreamReader {
 public:
  StreamReader(Stream& s, std::size_t buffer_size) : m_stream(&s), m_buf(buffer_size) {}

  // The next chunk: a view of the reader's buffer, valid until the next call. Empty: the remote
  // closed its write side and everything was read. If no byte arrives before `deadline` the
  // stream is reset, the read fails with the reset's error and timed_out() turns true.
  // Errors: the stream's (stream_reset, connection_closed, …).
  asio::awaitable<Result<BytesView>> read_some(TimePoint deadline = kNever);
  bool timed_out() const noexcept { return m_timed_out; }

 private:
  Stream* m_stream;
  ByteBuffer m_buf;
  bool m_timed_out = false;
};

template <class Decoder>
class FramedReader {
 public:
  using Message = typename Decoder::value_type;

  // `idle_timeout`: the stream is reset when a read waits longer than this for its first byte
  // (Duration::max(): no limit).
  FramedReader(Stream& s, Decoder decoder, std::size_t buffer_size, Duration idle_timeout = Duration::max())
      : m_decoder(std::move(decoder)), m_in(s, buffer_size), m_idle(idle_timeout) {}

  // The next message. nullopt: the stream ended — the remote closed it, it was reset or failed,
  // or it was idle too long (then reset): see end_error() and timed_out(); a partial frame at
  // the end is dropped. Error: the decoder's (the peer sent bad input; the caller resets the
  // stream). Messages already in the buffer are returned without reading.
  asio::awaitable<Result<std::optional<Message>>> next() {
    while (true) {
      auto m = m_decoder.next(m_pending);
      if (!m) co_return m.error();
      if (*m) co_return std::move(*m);
      TimePoint deadline = kNever;
      if (m_idle != Duration::max()) deadline = Clock::now() + m_idle;
      auto chunk = co_await m_in.read_some(deadline);
      if (!chunk) {
        m_end = chunk.error();
        co_return std::optional<Message>{};
      }
      if (chunk->empty()) co_return std::optional<Message>{};
      m_pending = *chunk;
    }
  }

  // Why next() returned nullopt: empty for a clean close by the remote, else the read error.
  std::error_code end_error() const noexcept { return m_end; }
  bool timed_out() const noexcept { return m_in.timed_out(); }
  const Decoder& decoder() const noexcept { return m_decoder; }

 private:
  Decoder m_decoder;
  StreamReader m_in;
  BytesView m_pending;  // unread part of the last chunk (the decoder consumes it)
  Duration m_idle;
  std::error_code m_end;
};

// Feeds a reading engine everything the stream delivers until engine.finished(): bytes go to
// on_bytes(), the remote's close to on_eof(); engine.deadline() (re-read before every read)
// is enforced by resetting the stream and calling on_timeout(). Returns the stream's error if a
// read failed before the engine finished (the engine was not told), else success.
template <class Engine>
asio::awaitable<Status> drive(Stream& s, Engine& engine, std::size_t buffer_size) {
  StreamReader in(s, buffer_size);
  while (!engine.finished()) {
    auto chunk = co_await in.read_some(engine.deadline());
    const TimePoint now = Clock::now();
    if (in.timed_out()) {
      engine.on_timeout(now);
      if (engine.finished()) break;
    }
    if (!chunk) co_return chunk.error();
    if (chunk->empty()) {
      engine.on_eof(now);
    } else {
      engine.on_bytes(*chunk, now);
    }
  }
  co_return Status{};
}

}  // namespace lotus::host
