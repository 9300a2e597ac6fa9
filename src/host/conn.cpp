// Connection driver: upgrade helpers, reader and writer tasks, muxer event dispatch.
#include <algorithm>

#include "base/log.hpp"
#include "host/detail.hpp"
#include "host/security.hpp"
#include "runtime/watchdog.hpp"

namespace lotus::host::detail {

namespace {
// The transport read buffer starts small (an idle connection holds little: 1 KiB) and doubles while
// reads fill it, up to kReadChunkMax for bulk transfers; after kShrinkAfterSmallReads reads that
// used under 1/8 of a large buffer it drops back to kReadChunkMin. A read usually ends inside a
// Noise frame (≤ 65537 bytes), whose start is moved to the front of the buffer for the next
// read: 256 KiB reads keep that copy at ~1/8 of the data on average.
constexpr std::size_t kReadChunkMin = 1024;
constexpr std::size_t kReadChunkMax = 256 * 1024;
constexpr int kShrinkAfterSmallReads = 64;
// TCP connections read through one buffer per thread while their traffic is light, so an idle
// connection holds no read buffer at all (only a partial Noise frame, when one is pending); a
// read of kBulkRead or more gives the connection its own adaptive buffer (above) until it
// goes quiet again.
constexpr std::size_t kBulkRead = 32 * 1024;

struct SharedReadBuffer {
  ByteBuffer buf{kReadChunkMax};
  bool busy = false;  // (never re-entered: Signal::notify posts; a guard all the same)
};
SharedReadBuffer& shared_read_buffer() {
  thread_local SharedReadBuffer b;
  return b;
}
constexpr auto kLingerAfterGoAway = std::chrono::seconds(2);

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

// The remote's orderly close is connection_closed at this layer.
std::error_code io_error(std::error_code ec) {
  if (ec == runtime::errc::closed) return errc::connection_closed;
  return ec;
}
}  // namespace

Conn::Conn(std::shared_ptr<Host::Impl> h, std::uint64_t cid, std::unique_ptr<runtime::ByteStream> s, Direction dir)
    : host(std::move(h)),
      id(cid),
      io(std::move(s)),
      direction(dir),
      tx_wake(host->ex),
      tx_space(host->ex),
      writer_done(host->ex),
      rx_wake(host->ex),
      identify_done(host->ex) {
  remote_addr = io->remote_addr();
  local_addr = io->local_addr();
}

Conn::~Conn() = default;

ConnectionInfo Conn::info() const {
  assert(remote_peer.has_value());
  ConnectionInfo ci{id, *remote_peer, remote_addr, local_addr, direction, muxer, muxer_from_noise,
                    std::string(io->transport())};
  return ci;
}

// ---------------------------------------------------------------- upgrade helpers

asio::awaitable<Status> Conn::raw_write(BytesView data) {
  auto s = co_await io->write(data);
  if (!s) co_return io_error(s.error());
  host->metrics.bytes_out += data.size();
  co_return Status{};
}

asio::awaitable<Result<std::size_t>> Conn::read_rx(std::size_t room) {
  rx.reserve(rx.size() + room);
  auto n = co_await io->read_some(rx.spare());
  if (!n) co_return io_error(n.error());
  rx.commit(*n);
  host->metrics.bytes_in += *n;
  co_return *n;
}

asio::awaitable<Status> Conn::raw_read_more() {
  auto n = co_await read_rx(kReadChunkMin);
  if (!n) co_return n.error();
  raw_in.insert(raw_in.end(), rx.data(), rx.data() + rx.size());
  rx.clear();
  co_return Status{};
}

asio::awaitable<Status> Conn::secure_write(BytesView plain) {
  ByteBuffer out;
  if (auto s = secure->seal(plain, out); !s) co_return s.error();
  co_return co_await raw_write(out.view());
}

Status Conn::open_rx_into_plain_in() {
  auto used = secure->open_in_place(rx.mut_view(), [this](BytesView plain) -> Status {
    append(plain_in, plain);
    return {};
  });
  if (!used) return used.error();
  rx.consume_front(*used);
  return {};
}

asio::awaitable<Status> Conn::secure_read_more() {
  const auto before = plain_in.size();
  if (!rx.empty()) {
    if (auto s = open_rx_into_plain_in(); !s) co_return s.error();
  }
  while (plain_in.size() == before) {
    // Room for at least the rest of the frame that rx begins.
    std::size_t room = kReadChunkMin;
    if (!rx.empty()) room = std::max(room, secure->frame_size(rx.view()) - rx.size());
    if (auto n = co_await read_rx(room); !n) co_return n.error();
    if (auto s = open_rx_into_plain_in(); !s) co_return s.error();
  }
  co_return Status{};
}

namespace {

// Drives one multistream engine (Dialer or Listener) over the raw socket or the secure channel
// until it selects a protocol; bytes read past the negotiation stay in the input buffer. The
// engine lives in the caller's frame, which outlives this call.
template <class Negotiator>
asio::awaitable<Result<std::string>> run_negotiation(Conn* c, Negotiator* n, bool over_secure) {
  Bytes& in = over_secure ? c->plain_in : c->raw_in;
  while (true) {
    if (!n->output().empty()) {
      Bytes out;
      out.swap(n->output());
      // (no `c ? co_await a : co_await b`: g++ 12 double-destroys the temporaries)
      Status w;
      if (over_secure) {
        w = co_await c->secure_write(out);
      } else {
        w = co_await c->raw_write(out);
      }
      if (!w) co_return w.error();
    }
    if (n->done()) break;
    if (in.empty()) {
      Status r;
      if (over_secure) {
        r = co_await c->secure_read_more();
      } else {
        r = co_await c->raw_read_more();
      }
      if (!r) co_return r.error();
    }
    Bytes chunk;
    chunk.swap(in);
    if (auto s = n->on_bytes(chunk); !s) co_return s.error();
  }
  in = n->take_leftover();
  co_return *n->selected();
}

}  // namespace

asio::awaitable<Result<std::string>> Conn::negotiate_out(std::vector<std::string> protocols, bool over_secure) {
  ms::Dialer d(ms::Dialer::Config{std::move(protocols), false});
  if (auto s = d.start(); !s) co_return s.error();
  co_return co_await run_negotiation(this, &d, over_secure);
}

asio::awaitable<Result<std::string>> Conn::negotiate_in(std::vector<std::string> protocols, bool over_secure) {
  ms::Listener::Config lc;
  lc.protocols = std::move(protocols);
  ms::Listener l(std::move(lc));
  co_return co_await run_negotiation(this, &l, over_secure);
}

asio::awaitable<Status> Conn::upgrade(std::optional<mf::PeerId> expected) {
  auto self = shared_from_this();
  runtime::Watchdog dog(host->ex, host->cfg.handshake_timeout, [this] { io->close(); });
  auto timed = [&](std::error_code ec) -> std::error_code {
    return dog.expired() ? std::error_code(errc::handshake_timeout) : ec;
  };

  if (auto s = co_await io->handshake(); !s) co_return timed(io_error(s.error()));
  if (auto s = co_await secure_handshake(*this, expected); !s) co_return timed(s.error());
  if (*remote_peer == host->self) co_return errc::dial_to_self;

  if (muxer.empty()) {
    auto muxers = supported_muxers(host->cfg);
    if (muxers.empty()) co_return errc::muxer_negotiation_failed;
    Result<std::string> r = errc::muxer_negotiation_failed;
    if (direction == Direction::outbound) {
      r = co_await negotiate_out(muxers, true);
    } else {
      r = co_await negotiate_in(muxers, true);
    }
    if (!r) {
      if (r.error() == ms::errc::protocol_not_supported) co_return timed(errc::muxer_negotiation_failed);
      co_return timed(r.error());
    }
    muxer = *r;
  }
  dog.disarm();
  if (dog.expired()) co_return errc::handshake_timeout;

  mux = make_muxer(muxer, direction == Direction::outbound, host->cfg);
  if (!mux) co_return errc::muxer_negotiation_failed;
  co_return Status{};
}

// ---------------------------------------------------------------- steady state

void Conn::start_tasks() {
  writer_running = host->scope.spawn(conn_writer(shared_from_this()), "conn.writer");
  if (!host->scope.spawn(conn_reader(shared_from_this()), "conn.reader")) close(errc::host_stopped, false);
}

void Conn::flush() {
  if (!mux) return;
  auto& out = mux->output();
  if (out.empty() && tx_refs.empty()) return;
  if (closed && !writer_running) {
    out.clear();
    tx_refs.clear();
    return;
  }
  Status s;
  if (tx_refs.empty()) {
    s = secure->seal(out, tx_pending);
  } else {
    // output()[0, offset) then the payload, per frame; then the rest of output().
    tx_pieces.clear();
    std::size_t from = 0;
    for (const auto& [offset, payload] : tx_refs) {
      if (offset > from) tx_pieces.emplace_back(out.data() + from, offset - from);
      tx_pieces.push_back(payload);
      from = offset;
    }
    if (out.size() > from) tx_pieces.emplace_back(out.data() + from, out.size() - from);
    s = secure->seal_gather(tx_pieces, tx_pending);
    tx_refs.clear();
    tx_pieces.clear();
  }
  out.clear();
  if (!s) {
    close(s.error(), false);
    return;
  }
  tx_wake.notify();
}

void Conn::end_stream(const std::shared_ptr<StreamState>& st, bool reset, std::error_code why) {
  st->freed = true;
  consumed();  // a freed mplex stream no longer holds the reader paused
  if (reset) {
    st->reset = true;
    if (!st->error) st->error = why;
  }
  streams.erase(st->id);
  st->readable.notify();
  st->writable.notify();
}

Result<std::shared_ptr<StreamState>> Conn::open_stream() {
  if (closed || !open || !mux) return errc::connection_closed;
  if (streams.size() >= host->cfg.max_streams_per_connection) {
    host->count_refusal("streams_per_connection");
    return errc::too_many_streams;
  }
  auto r = mux->open_stream();
  if (!r) {
    if (mux->is_closing_error(r.error())) return errc::connection_closed;
    return r.error();
  }
  auto st = std::make_shared<StreamState>(shared_from_this(), *r, host->ex);
  streams.emplace(*r, st);
  mux->set_receive_window(*r, host->cfg.max_stream_buffer);
  flush();
  return st;
}

void Conn::handle_events() {
  while (!closed) {
    auto ev = mux->poll_event();
    if (!ev) break;
    std::visit(
        Overloaded{
            [&](const mux::StreamOpened& e) {
              if (host->stopping || streams.size() >= host->cfg.max_streams_per_connection) {
                if (!host->stopping) host->count_refusal("streams_per_connection");
                (void)mux->reset(e.id);
                return;
              }
              auto st = std::make_shared<StreamState>(shared_from_this(), e.id, host->ex);
              streams.emplace(e.id, st);
              mux->set_receive_window(e.id, host->cfg.max_stream_buffer);
              if (!host->scope.spawn(inbound_stream(st), "stream.inbound")) {
                streams.erase(e.id);
                (void)mux->reset(e.id);
              }
            },
            [&](const mux::Data& e) {
              auto it = streams.find(e.id);
              if (it == streams.end() || it->second->dropped) {
                mux->consume(e.id, mux->readable(e.id).size());  // nobody reads it: discard
                consumed();
                return;
              }
              it->second->readable.notify();
            },
            [&](const mux::RemoteClosed& e) {
              auto it = streams.find(e.id);
              if (it == streams.end()) return;
              it->second->remote_fin = true;
              it->second->readable.notify();
            },
            [&](const mux::StreamReset& e) {
              auto it = streams.find(e.id);
              if (it == streams.end()) return;
              auto st = it->second;
              // reason: set when we reset it (mplex: buffer overflow, data after close)
              end_stream(st, true, e.reason ? e.reason : std::error_code(errc::stream_reset));
            },
            [&](const mux::SendWindowOpened& e) {
              auto it = streams.find(e.id);
              if (it != streams.end()) it->second->writable.notify();
            },
            [&](const mux::GoAwayReceived&) { remote_go_away = true; },
            [&](const mux::StreamClosed& e) {
              auto it = streams.find(e.id);
              if (it == streams.end()) return;
              auto st = it->second;
              end_stream(st, false, {});
            },
        },
        *ev);
  }
}

void Conn::close(std::error_code reason, bool graceful) {
  if (closed) return;
  closed = true;
  close_reason = reason;
  rx_wake.notify();  // a reader paused for mplex backpressure sees `closed`
  auto self = shared_from_this();  // keep alive while we tear down
  if (graceful && mux && open && writer_running) {
    mux->go_away();
    // flush() refuses once closed unless the writer still runs: it does here.
    if (auto& out = mux->output(); !out.empty()) {
      if (secure && secure->seal(out, tx_pending)) tx_wake.notify();
      out.clear();
    }
  }
  const std::error_code stream_error = reason ? reason : std::error_code(errc::connection_closed);
  auto live = std::move(streams);
  streams.clear();
  for (auto& [sid, st] : live) {
    st->freed = true;
    if (!st->remote_fin || !st->local_fin) {
      st->reset = true;
      if (!st->error) st->error = stream_error;
    }
    st->readable.notify();
    st->writable.notify();
  }
  tx_space.notify();
  if (writer_running && graceful) {
    // The writer drains what is queued (GoAway included), then closes the socket; if the
    // remote does not read, give up after a short linger.
    tx_wake.notify();
    if (!host->scope.spawn(conn_linger(self), "conn.linger")) io->close();
  } else {
    io->close();
    tx_wake.notify();
  }
  host->on_conn_closed(*this);
}

asio::awaitable<void> conn_linger(std::shared_ptr<Conn> c) {
  const auto deadline = Clock::now() + kLingerAfterGoAway;
  while (c->writer_running) {
    if (!co_await c->writer_done.wait_until(deadline)) {
      c->io->close();
      break;
    }
  }
}

asio::awaitable<void> conn_reader(std::shared_ptr<Conn> c) {
  // Decrypts the complete frames in `in` in place, feeds each plaintext to the muxer, and leaves
  // the partial frame that follows at the front of `in`.
  auto process = [&c](ByteBuffer& in) -> bool {
    bool mux_failed = false;
    const TimePoint now = Clock::now();
    auto used = c->secure->open_in_place(in.mut_view(), [&](BytesView plain) -> Status {
      auto m = c->mux->on_bytes(plain, now);
      if (!m) mux_failed = true;
      return m;
    });
    if (used) in.consume_front(*used);
    c->handle_events();
    c->flush();
    if (!used) {
      // A muxer error queued GoAway(protocol error): flush it; a bad frame is final.
      c->close(used.error(), mux_failed);
      return false;
    }
    return true;
  };
  // Bytes that arrived together with the end of the upgrade.
  if (!c->plain_in.empty()) {
    Bytes early;
    early.swap(c->plain_in);
    auto m = c->mux->on_bytes(early, Clock::now());
    c->handle_events();
    c->flush();
    if (!m) {
      c->close(m.error(), true);
      co_return;
    }
  }
  Bytes().swap(c->raw_in);  // (empty after the handshake) give back the upgrade's buffers
  if (!c->rx.empty() && !process(c->rx)) co_return;
  const bool can_share = c->io->supports_try_read();
  bool own = !can_share;  // reading into c->rx (bulk, or a transport that buffers itself)
  if (can_share) c->rx.release();
  std::size_t chunk = kReadChunkMin;
  int small_reads = 0;
  // mplex has no flow control: while a stream holds half its buffer bound the reader stops
  // reading (TCP throttles the sender) for at most mplex_read_pause_limit; then it reads on
  // without pausing until the stream drains or the engine resets it at the bound (as js does).
  bool pause_expired = false;
  while (!c->closed) {
    if (!c->mux->reader_should_pause()) {
      pause_expired = false;
    } else if (!pause_expired) {
      const auto deadline = Clock::now() + c->host->cfg.mplex_read_pause_limit;
      c->rx_paused = true;
      ++c->host->metrics.mplex_read_pauses;
      while (!c->closed && c->mux->reader_should_pause())
        if (!co_await c->rx_wake.wait_until(deadline)) {
          pause_expired = true;
          break;
        }
      c->rx_paused = false;
      if (c->closed) break;
    }
    if (!own) {
      // Light traffic: wait for readability, then read into the thread's buffer after the
      // pending partial frame (if any) and process synchronously; only a new partial frame
      // stays with the connection.
      auto ready = co_await c->io->wait_readable();
      if (c->closed) break;
      if (!ready) {
        c->close(io_error(ready.error()), false);
        break;
      }
      auto& shared = shared_read_buffer();
      if (shared.busy) {
        own = true;
        continue;
      }
      shared.busy = true;
      ByteBuffer& in = shared.buf;
      in.clear();
      in.append(c->rx.view());
      auto n = c->io->try_read(in.spare());
      bool ok = true;
      if (!n) {
        c->close(io_error(n.error()), false);
        ok = false;
      } else if (*n != 0) {
        in.commit(*n);
        c->host->metrics.bytes_in += *n;
        ok = process(in);
        c->rx.clear();
        c->rx.append(in.view());
        if (c->rx.empty()) c->rx.release();
        if (ok && *n >= kBulkRead) {
          own = true;
          ++c->host->metrics.read_buffer_to_own;
          chunk = kReadChunkMax;
          small_reads = 0;
        }
      }
      in.clear();
      shared.busy = false;
      if (!ok) break;
      continue;
    }
    // Room for this read: the current chunk, and at least the rest of a partial frame.
    std::size_t room = chunk;
    if (!c->rx.empty()) room = std::max(room, c->secure->frame_size(c->rx.view()) - c->rx.size());
    room = std::max(room, c->rx.capacity() - c->rx.size());
    auto n = co_await c->read_rx(room);
    if (c->closed) break;
    if (!n) {
      c->close(n.error(), false);
      break;
    }
    if (!process(c->rx)) break;
    if (*n == room && chunk < kReadChunkMax) {
      chunk = std::min(chunk * 2, kReadChunkMax);
      small_reads = 0;
    } else if (c->rx.capacity() > kReadChunkMin && *n < c->rx.capacity() / 8) {
      if (++small_reads >= kShrinkAfterSmallReads && c->rx.size() <= kReadChunkMin) {
        // Quiet again: back to the shared buffer (TCP) or a small own one.
        ByteBuffer small(can_share ? c->rx.size() : kReadChunkMin);
        small.append(c->rx.view());
        c->rx = std::move(small);
        if (can_share) {
          own = false;
          ++c->host->metrics.read_buffer_to_shared;
        }
        chunk = kReadChunkMin;
        small_reads = 0;
      }
    } else {
      small_reads = 0;
    }
  }
}

asio::awaitable<void> conn_writer(std::shared_ptr<Conn> c) {
  while (true) {
    if (c->tx_pending.empty()) {
      if (c->closed) break;
      co_await c->tx_wake.wait();
      continue;
    }
    std::swap(c->tx_pending, c->tx_writing);
    c->tx_space.notify();
    auto w = co_await c->io->write(c->tx_writing.view());
    if (w) c->host->metrics.bytes_out += c->tx_writing.size();
    c->tx_writing.clear();
    if (!w) {
      c->tx_pending.clear();
      c->close(io_error(w.error()), false);
      break;
    }
  }
  c->io->close();
  c->writer_running = false;
  c->writer_done.notify();
}

}  // namespace lotus::host::detail
