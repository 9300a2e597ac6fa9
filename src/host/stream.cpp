// Stream API and per-stream multistream-select negotiation.
#include "host/stream.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "host/detail.hpp"
#include "runtime/watchdog.hpp"

namespace lotus::host {

namespace detail {

namespace {

std::error_code dead_stream_error(const StreamState& st) {
  if (st.error) return st.error;
  return st.reset ? std::error_code(errc::stream_reset) : std::error_code(errc::connection_closed);
}

std::error_code map_ms_error(std::error_code ec) {
  if (ec == ms::errc::protocol_not_supported) return errc::protocol_not_supported;
  return ec;
}

bool has_engine_stream(const StreamState& st) {
  const auto& c = *st.conn;
  return !st.freed && !c.closed && c.mux && c.mux->has_stream(st.id);
}

// Waits for raw stream bytes (not through the negotiation layer) and returns a copy; an empty
// result means the remote closed its write side. Used during negotiation only.
asio::awaitable<Result<Bytes>> read_chunk(std::shared_ptr<StreamState> st) {
  while (true) {
    auto& c = *st->conn;
    if (has_engine_stream(*st)) {
      auto view = c.mux->readable(st->id);
      if (!view.empty()) {
        Bytes b(view.begin(), view.end());
        c.mux->consume(st->id, b.size());
        c.consumed();
        c.flush();
        co_return b;
      }
    }
    if (st->reset) co_return dead_stream_error(*st);
    if (st->remote_fin || st->freed) co_return Bytes{};
    co_await st->readable.wait();
  }
}

// One negotiation run (see drive_dialer).
asio::awaitable<Status> drive_dialer_once(std::shared_ptr<StreamState> st) {
  auto& d = *st->lazy;
  while (!d.done()) {
    if (!d.output().empty()) {
      Bytes out;
      out.swap(d.output());
      if (auto w = co_await stream_write(st, out); !w) {
        stream_reset(*st);
        co_return w.error();
      }
      continue;
    }
    auto chunk = co_await read_chunk(st);
    if (!chunk) co_return chunk.error();
    if (chunk->empty()) {  // remote closed without confirming
      stream_reset(*st);
      co_return errc::protocol_not_supported;
    }
    if (auto s = d.on_bytes(*chunk); !s) {
      stream_reset(*st);
      co_return map_ms_error(s.error());
    }
  }
  if (!d.output().empty()) {
    Bytes out;
    out.swap(d.output());
    if (auto w = co_await stream_write(st, out); !w) co_return w.error();
  }
  st->prefix = d.take_leftover();
  st->prefix_pos = 0;
  st->protocol = *d.selected();
  st->lazy.reset();
  co_return Status{};
}

// Runs st->lazy (a multistream dialer) to completion; on success the leftover becomes the
// stream's prefix. On failure the stream is reset. One task drives at a time: a concurrent
// caller (the user's read racing a deferred close_write) waits for its outcome.
asio::awaitable<Status> drive_dialer(std::shared_ptr<StreamState> st) {
  if (st->negotiating) {
    while (st->negotiating) co_await st->readable.wait();
    if (!st->lazy) co_return Status{};
    co_return st->negotiation_error ? st->negotiation_error : dead_stream_error(*st);
  }
  st->negotiating = true;
  auto s = co_await drive_dialer_once(st);
  st->negotiating = false;
  if (!s) {
    if (!st->negotiation_error) st->negotiation_error = s.error();
  } else if (st->fin_pending) {
    // The remote confirmed: now the deferred FIN can go out.
    st->fin_pending = false;
    if (has_engine_stream(*st)) {
      if (auto c = st->conn->mux->close_write(st->id); !c) {
        stream_reset(*st);
        s = c.error();
      } else {
        st->conn->flush();
      }
    }
    if (s && st->released) {
      // Nobody reads any more: discard what arrived and linger until the remote closes.
      st->prefix.clear();
      st->prefix_pos = 0;
      st->dropped = true;
      auto& c = *st->conn;
      if (has_engine_stream(*st)) {
        c.mux->consume(st->id, c.mux->readable(st->id).size());
        c.consumed();
        c.flush();
      }
    }
  }
  st->readable.notify();  // wake waiting callers
  co_return s;
}

// Drives the negotiation for a close_write issued before the remote confirmed.
asio::awaitable<void> finish_deferred_close(std::shared_ptr<StreamState> st) {
  if (st->lazy && !st->negotiating) (void)co_await drive_dialer(st);
}

}  // namespace

asio::awaitable<Result<std::size_t>> stream_read_some(std::shared_ptr<StreamState> st, MutBytesView buf) {
  if (st->lazy) {
    if (auto s = co_await drive_dialer(st); !s) co_return s.error();
  }
  while (true) {
    if (st->prefix_pos < st->prefix.size()) {
      const auto n = std::min(buf.size(), st->prefix.size() - st->prefix_pos);
      std::memcpy(buf.data(), st->prefix.data() + st->prefix_pos, n);
      st->prefix_pos += n;
      if (st->prefix_pos == st->prefix.size()) {
        st->prefix.clear();
        st->prefix_pos = 0;
      }
      co_return n;
    }
    if (buf.empty()) co_return std::size_t{0};
    auto& c = *st->conn;
    if (has_engine_stream(*st)) {
      auto view = c.mux->readable(st->id);
      if (!view.empty()) {
        const auto n = std::min(buf.size(), view.size());
        std::memcpy(buf.data(), view.data(), n);
        c.mux->consume(st->id, n);  // grants window back to the sender (batched by yamux)
        c.consumed();
        c.flush();
        co_return n;
      }
    }
    if (st->reset) co_return dead_stream_error(*st);
    if (st->remote_fin || st->freed) co_return std::size_t{0};
    co_await st->readable.wait();
  }
}

// Below this a copy into the muxer's output is cheaper than sealing in pieces.
constexpr std::size_t kWriteByReferenceMin = 8 * 1024;

asio::awaitable<Status> stream_write(std::shared_ptr<StreamState> st, BytesView data) {
  while (!data.empty()) {
    auto& c = *st->conn;
    if (st->reset) co_return dead_stream_error(*st);
    if (st->local_fin) co_return errc::stream_closed;
    if (st->freed || c.closed) co_return dead_stream_error(*st);
    if (c.queue_full()) {
      co_await c.tx_space.wait();
      continue;
    }
    // At most what the write queue has room for (a 16 MiB window would otherwise put 16 MiB
    // into it at once). Large writes by reference: the payload is sealed straight from `data`
    // in flush().
    const std::size_t room = std::max<std::size_t>(c.host->cfg.max_write_queue - c.tx_pending.size(), 16 * 1024);
    const BytesView part = data.first(std::min(data.size(), room));
    auto r = part.size() >= kWriteByReferenceMin ? c.mux->write_by_reference(st->id, part, c.tx_refs)
                                                 : c.mux->write(st->id, part);
    if (!r) {
      c.tx_refs.clear();
      co_return r.error();
    }
    c.flush();
    data = data.subspan(*r);
    if (*r == 0) co_await st->writable.wait();
  }
  co_return Status{};
}

Status stream_close_write(StreamState& st) {
  if (st.reset) return dead_stream_error(st);
  if (st.local_fin) return Status{};
  if (st.freed || st.conn->closed) return dead_stream_error(st);
  if (st.lazy && st.lazy_payload) {
    // Lazy negotiation not confirmed yet and data sent after the proposal: hold the FIN until
    // the remote confirmed. A listener that sees data and FIN while still negotiating may lose
    // the data (js-libp2p 3.x closes the readable end then, dropping what it buffered for the
    // handler, or resets the stream). Without data (a bare request) the FIN goes out at once.
    st.local_fin = true;  // further writes fail at once
    st.fin_pending = true;
    auto& c = *st.conn;
    auto it = c.streams.find(st.id);
    if (!st.negotiating && it != c.streams.end() && it->second.get() == &st &&
        !c.host->scope.spawn(finish_deferred_close(it->second), "stream.close")) {
      stream_reset(st);
      return errc::host_stopped;
    }
    return Status{};
  }
  if (auto s = st.conn->mux->close_write(st.id); !s) return s.error();
  st.local_fin = true;
  st.conn->flush();
  return Status{};
}

void stream_reset(StreamState& st) {
  if (st.freed) {
    st.reset = true;
    if (!st.error) st.error = errc::stream_reset;
    return;
  }
  auto& c = *st.conn;
  if (!c.closed && c.mux && c.mux->has_stream(st.id)) {
    (void)c.mux->reset(st.id);
    c.flush();
  }
  // end_stream erases the map entry: keep the state alive across the call.
  auto keep = c.streams.count(st.id) ? c.streams[st.id] : nullptr;
  st.freed = true;
  st.reset = true;
  if (!st.error) st.error = errc::stream_reset;
  c.streams.erase(st.id);
  st.readable.notify();
  st.writable.notify();
}

asio::awaitable<Result<Stream>> negotiate_stream(std::shared_ptr<Conn> c, std::vector<std::string> protocols) {
  auto r = c->open_stream();
  if (!r) co_return r.error();
  c->host->conn_mgr.on_outbound_stream(c->id, Clock::now());  // connection manager: recent use
  auto st = std::move(*r);
  const bool lazy = protocols.size() == 1;
  st->protocol = protocols.front();
  st->lazy.emplace(ms::Dialer::Config{std::move(protocols), lazy});
  if (auto s = st->lazy->start(); !s) {
    stream_reset(*st);
    co_return s.error();
  }
  Bytes out;
  out.swap(st->lazy->output());
  if (auto w = co_await stream_write(st, out); !w) {
    stream_reset(*st);
    co_return w.error();
  }
  if (lazy) ++c->host->metrics.streams_opened[st->protocol];
  if (lazy) co_return Stream(st);  // confirmation is checked by the first read

  runtime::Watchdog dog(c->host->ex, c->host->cfg.negotiation_timeout, [st] { stream_reset(*st); });
  auto s = co_await drive_dialer(st);
  const bool expired = dog.expired();
  dog.disarm();
  if (expired) co_return errc::negotiation_timeout;
  if (!s) co_return s.error();
  ++c->host->metrics.streams_opened[st->protocol];
  co_return Stream(st);
}

asio::awaitable<void> inbound_stream(std::shared_ptr<StreamState> st) {
  auto host = st->conn->host;
  std::optional<std::string> selected;
  {
    runtime::Watchdog dog(host->ex, host->cfg.negotiation_timeout, [st] { stream_reset(*st); });
    ms::Listener::Config lc;
    lc.protocols = host->protocol_list();
    ms::Listener l(std::move(lc));
    while (true) {
      if (!l.output().empty()) {
        Bytes out;
        out.swap(l.output());
        if (auto w = co_await stream_write(st, out); !w) break;
      }
      if (l.done()) {
        selected = l.selected();
        break;
      }
      auto chunk = co_await read_chunk(st);
      if (!chunk || chunk->empty()) break;
      if (auto s = l.on_bytes(*chunk); !s) {
        // flush a possible final "na" is not needed: the stream is reset
        break;
      }
    }
    if (selected) st->prefix = l.take_leftover();
  }
  if (!selected) {
    stream_reset(*st);
    co_return;
  }
  st->protocol = *selected;
  ++host->metrics.streams_opened[*selected];
  std::shared_ptr<const StreamHandler> handler;
  if (auto it = host->handlers.find(*selected); it != host->handlers.end()) handler = it->second;
  if (!handler || host->stopping) {
    stream_reset(*st);
    co_return;
  }
  // Admission: the peer gates, then the connection manager's inbound streams per protocol
  // and connection (counted while the handler runs).
  const auto conn_id = st->conn->id;
  {
    const InboundStreamRequest req{conn_id, *st->conn->remote_peer, *selected};
    const auto now = Clock::now();
    if (host->admit(AdmissionPoint::inbound_stream, [&](PeerGate& g) { return g.check_inbound_stream(req, now); },
                    true)) {
      stream_reset(*st);
      co_return;
    }
  }
  co_await (*handler)(Stream(std::move(st)));
  host->conn_mgr.end_inbound_stream(conn_id, *selected);
}

}  // namespace detail

// ---------------------------------------------------------------- Stream

Stream::Stream(std::shared_ptr<detail::StreamState> state) noexcept : m_state(std::move(state)) {}

Stream& Stream::operator=(Stream&& o) noexcept {
  if (this != &o) {
    Stream old(std::move(*this));
    m_state = std::move(o.m_state);
  }
  return *this;
}

Stream::~Stream() {
  if (!m_state) return;
  auto& st = *m_state;
  if (st.freed || st.conn->closed) return;
  if (!st.local_fin && !st.reset) {
    detail::stream_reset(st);
    return;
  }
  if (st.fin_pending) {  // the close task sends the FIN after the confirmation, then lingers
    st.released = true;
    return;
  }
  // Write side closed: linger until the remote closes, discarding what still arrives.
  st.dropped = true;
  auto& c = *st.conn;
  if (c.mux && c.mux->has_stream(st.id)) {
    c.mux->consume(st.id, c.mux->readable(st.id).size());
    c.consumed();
    c.flush();
  }
}

const std::string& Stream::protocol() const { return m_state->protocol; }
const mf::PeerId& Stream::remote_peer() const { return *m_state->conn->remote_peer; }
std::uint64_t Stream::connection_id() const { return m_state->conn->id; }
std::uint64_t Stream::id() const { return m_state->id; }
bool Stream::remote_closed() const { return m_state && m_state->remote_fin; }
bool Stream::is_reset() const { return m_state && m_state->reset; }

asio::awaitable<Result<std::size_t>> Stream::read_some(MutBytesView buf) {
  if (!m_state) co_return errc::stream_closed;
  co_return co_await detail::stream_read_some(m_state, buf);
}

asio::awaitable<Status> Stream::read_exactly(MutBytesView buf) {
  if (!m_state) co_return errc::stream_closed;
  std::size_t got = 0;
  while (got < buf.size()) {
    auto r = co_await detail::stream_read_some(m_state, buf.subspan(got));
    if (!r) co_return r.error();
    if (*r == 0) co_return errc::end_of_stream;
    got += *r;
  }
  co_return Status{};
}

asio::awaitable<Result<Bytes>> Stream::read_to_end(std::size_t max_bytes) {
  if (!m_state) co_return errc::stream_closed;
  Bytes out;
  std::array<std::uint8_t, 16 * 1024> buf{};
  while (true) {
    auto r = co_await detail::stream_read_some(m_state, MutBytesView(buf));
    if (!r) co_return r.error();
    if (*r == 0) break;
    if (out.size() + *r > max_bytes) {
      reset();
      co_return errc::message_too_large;
    }
    out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*r));
  }
  co_return out;
}

asio::awaitable<Status> Stream::write(BytesView data) {
  if (!m_state) co_return errc::stream_closed;
  if (m_state->lazy && !m_state->reset && m_state->remote_fin) {
    // the remote refused (or closed) before confirming: surface it now
    if (auto s = co_await detail::stream_read_some(m_state, MutBytesView{}); !s) co_return s.error();
  }
  if (m_state->lazy && !data.empty()) m_state->lazy_payload = true;
  co_return co_await detail::stream_write(m_state, data);
}

Status Stream::close_write() {
  if (!m_state) return errc::stream_closed;
  return detail::stream_close_write(*m_state);
}

void Stream::reset() {
  if (m_state) detail::stream_reset(*m_state);
}

}  // namespace lotus::host
