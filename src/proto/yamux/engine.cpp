#include "proto/yamux/engine.hpp"

#include <algorithm>
#include <cassert>
#include <limits>

namespace lotus::proto::yamux {

const std::error_category& category() noexcept {
  static const TableCategory cat("yamux", {
      {static_cast<int>(errc::bad_version), "unsupported frame version"},
      {static_cast<int>(errc::bad_type), "unknown frame type"},
      {static_cast<int>(errc::invalid_stream_id), "frame type not allowed on this stream id"},
      {static_cast<int>(errc::bad_stream_parity), "remote opened a stream with our id parity"},
      {static_cast<int>(errc::duplicate_stream), "SYN for a stream that is already open"},
      {static_cast<int>(errc::window_exceeded), "window exceeded by remote"},
      {static_cast<int>(errc::window_overflow), "window update overflows the send window"},
      {static_cast<int>(errc::data_after_fin), "data received after remote FIN"},
      {static_cast<int>(errc::invalid_flags), "invalid flags on ping frame"},
      {static_cast<int>(errc::frame_too_large), "data frame larger than any window"},
      {static_cast<int>(errc::unknown_stream), "no such stream"},
      {static_cast<int>(errc::write_after_close), "write after close_write"},
      {static_cast<int>(errc::too_many_streams), "outbound stream limit reached"},
      {static_cast<int>(errc::ack_backlog_full), "too many unacknowledged outbound streams"},
      {static_cast<int>(errc::stream_ids_exhausted), "stream ids exhausted"},
      {static_cast<int>(errc::session_closing), "session is going away"},
      {static_cast<int>(errc::remote_go_away), "remote sent GoAway"},
      {static_cast<int>(errc::ping_in_flight), "a ping is already in flight"},
  });
  return cat;
}

Engine::Engine(Role role, Config config)
    : m_role(role), m_cfg(config), m_next_id(role == Role::client ? 1 : 2) {
  assert(m_cfg.max_window >= kInitialWindow);
  assert(m_cfg.max_frame_data > 0);
}

Status Engine::fail(errc e) {
  m_error = make_error_code(e);
  if (!m_local_go_away) {
    send_frame(FrameType::go_away, 0, 0, static_cast<std::uint32_t>(GoAwayCode::protocol_error));
    m_local_go_away = true;
  }
  return m_error;
}

void Engine::send_frame(FrameType t, std::uint16_t flags, StreamId id, std::uint32_t length) {
  append_header(m_out, Header{kVersion, static_cast<std::uint8_t>(t), flags, id, length});
}

std::uint16_t Engine::take_open_flags(Stream& s) {
  if (s.open == Open::syn_received) {
    s.open = Open::established;
    return flag::ack;
  }
  return 0;
}

std::optional<Event> Engine::poll_event() {
  if (m_events_head == m_events.size()) return std::nullopt;
  Event e = std::move(m_events[m_events_head++]);
  if (m_events_head == m_events.size()) {
    m_events.clear();
    m_events_head = 0;
  }
  return e;
}

// ------------------------------------------------------------------------- input

Status Engine::on_bytes(BytesView in, TimePoint now) {
  m_now = now;
  m_have_now = true;
  return on_bytes(in);
}

Status Engine::on_bytes(BytesView in) {
  if (m_error) return m_error;
  std::size_t pos = 0;
  while (pos < in.size()) {
    if (m_in_payload) {
      const std::size_t n = std::min<std::size_t>(m_payload_left, in.size() - pos);
      if (!m_payload_discard) {
        auto it = m_streams.find(m_cur.stream_id);
        if (it != m_streams.end()) {
          append(it->second.rbuf, in.subspan(pos, n));
          m_events.emplace_back(Data{m_cur.stream_id, n});
        }
      }
      pos += n;
      m_payload_left -= static_cast<std::uint32_t>(n);
      if (m_payload_left == 0) {
        m_in_payload = false;
        if (!m_payload_discard) apply_flags(m_cur.stream_id, m_cur.flags);
      }
      continue;
    }
    const std::size_t n = std::min(kHeaderSize - m_hdr_len, in.size() - pos);
    std::copy_n(in.data() + pos, n, m_hdr + m_hdr_len);
    m_hdr_len += n;
    pos += n;
    if (m_hdr_len < kHeaderSize) break;
    m_hdr_len = 0;
    LOTUS_CHECK(on_header(decode_header(m_hdr)));
  }
  return {};
}

Status Engine::on_header(const Header& h) {
  if (h.version != kVersion) return fail(errc::bad_version);
  switch (h.type) {
    case static_cast<std::uint8_t>(FrameType::data):
    case static_cast<std::uint8_t>(FrameType::window_update):
      if (h.stream_id == 0) return fail(errc::invalid_stream_id);
      return on_stream_frame(h);
    case static_cast<std::uint8_t>(FrameType::ping): {
      if (h.stream_id != 0) return fail(errc::invalid_stream_id);
      const bool syn = h.flags & flag::syn, ack = h.flags & flag::ack;
      if (syn == ack) return fail(errc::invalid_flags);
      if (syn) {
        send_frame(FrameType::ping, flag::ack, 0, h.length);
      } else if (m_ping_outstanding && *m_ping_outstanding == h.length) {
        // Unsolicited or stale pongs are ignored, as go-yamux does.
        m_ping_outstanding.reset();
        if (m_have_now) rtt_sample(m_now - m_ping_sent);
        m_events.emplace_back(Pong{h.length});
      } else if (m_rtt_ping && *m_rtt_ping == h.length) {
        m_rtt_ping.reset();
        rtt_sample(m_now - m_rtt_ping_sent);
      }
      return {};
    }
    case static_cast<std::uint8_t>(FrameType::go_away):
      if (h.stream_id != 0) return fail(errc::invalid_stream_id);
      if (!m_remote_go_away) {
        m_remote_go_away = h.length;
        m_events.emplace_back(GoAwayReceived{h.length});
      }
      return {};
    default:
      return fail(errc::bad_type);
  }
}

Status Engine::open_inbound(const Header& h, bool& refused) {
  const StreamId id = h.stream_id;
  const bool client_id = (id % 2) == 1;
  if (client_id == (m_role == Role::client)) return fail(errc::bad_stream_parity);
  if (m_streams.count(id)) return fail(errc::duplicate_stream);
  if (m_local_go_away || m_remote_go_away || m_inbound >= m_cfg.max_streams) {
    send_frame(FrameType::window_update, flag::rst, id, 0);
    refused = true;
    return {};
  }
  Stream s;
  s.open = Open::syn_received;
  s.inbound = true;
  m_streams.emplace(id, std::move(s));
  ++m_inbound;
  m_events.emplace_back(StreamOpened{id});
  return {};
}

Status Engine::on_stream_frame(const Header& h) {
  const bool is_data = h.type == static_cast<std::uint8_t>(FrameType::data);
  bool refused = false;
  if (h.flags & flag::syn) LOTUS_CHECK(open_inbound(h, refused));

  auto it = refused ? m_streams.end() : m_streams.find(h.stream_id);
  if (it == m_streams.end()) {
    // Unknown, freed or refused stream: ignore, but skip its data.
    if (is_data && h.length > 0) {
      if (h.length > m_cfg.max_window) return fail(errc::frame_too_large);
      m_in_payload = true;
      m_payload_discard = true;
      m_payload_left = h.length;
      m_cur = h;
    }
    return {};
  }
  Stream& s = it->second;
  if ((h.flags & flag::ack) && s.open == Open::syn_sent) {
    s.open = Open::established;
    --m_unacked;
    if (m_have_now && s.syn_time != TimePoint{}) rtt_sample(m_now - s.syn_time);
  }
  if (!is_data) {
    if (h.length > 0) {
      if (s.send_window > std::numeric_limits<std::uint32_t>::max() - h.length)
        return fail(errc::window_overflow);
      s.send_window += h.length;
      if (s.send_blocked && !s.local_fin) {
        s.send_blocked = false;
        m_events.emplace_back(SendWindowOpened{h.stream_id, s.send_window});
      }
    }
    apply_flags(h.stream_id, h.flags);
    return {};
  }
  if (h.length > 0) {
    if (s.remote_fin) return fail(errc::data_after_fin);
    if (h.length > s.recv_window) return fail(errc::window_exceeded);
    s.recv_window -= h.length;
    m_in_payload = true;
    m_payload_discard = false;
    m_payload_left = h.length;
    m_cur = h;  // FIN/RST apply once the payload is in
    return {};
  }
  apply_flags(h.stream_id, h.flags);
  return {};
}

void Engine::apply_flags(StreamId id, std::uint16_t flags) {
  auto it = m_streams.find(id);
  if (it == m_streams.end()) return;
  if (flags & flag::rst) {
    m_events.emplace_back(StreamReset{id});
    free_stream(id);
    return;
  }
  Stream& s = it->second;
  if ((flags & flag::fin) && !s.remote_fin) {
    s.remote_fin = true;
    m_events.emplace_back(RemoteClosed{id});
    maybe_free(id, s);
  }
}

// ------------------------------------------------------------------------- commands

Result<StreamId> Engine::open_stream() {
  if (m_error) return m_error;
  if (m_local_go_away) return errc::session_closing;
  if (m_remote_go_away) return errc::remote_go_away;
  if (m_outbound >= m_cfg.max_outbound_streams) return errc::too_many_streams;
  if (m_unacked >= m_cfg.max_ack_backlog) return errc::ack_backlog_full;
  if (m_next_id > std::numeric_limits<StreamId>::max()) return errc::stream_ids_exhausted;
  const auto id = static_cast<StreamId>(m_next_id);
  m_next_id += 2;
  Stream s;
  s.open = Open::syn_sent;
  if (m_have_now) s.syn_time = m_now;
  m_streams.emplace(id, std::move(s));
  ++m_outbound;
  ++m_unacked;
  send_frame(FrameType::window_update, flag::syn, id, 0);
  return id;
}

Result<std::size_t> Engine::write(StreamId id, BytesView in) { return write_frames(id, in, nullptr); }

Result<std::size_t> Engine::write_by_reference(StreamId id, BytesView in,
                                               std::vector<std::pair<std::size_t, BytesView>>& payloads) {
  return write_frames(id, in, &payloads);
}

// Frames as much of `in` as the send window allows; each payload is copied into m_out, or (with
// `refs`) recorded there by reference after its header.
Result<std::size_t> Engine::write_frames(StreamId id, BytesView in,
                                         std::vector<std::pair<std::size_t, BytesView>>* refs) {
  if (m_error) return m_error;
  auto it = m_streams.find(id);
  if (it == m_streams.end()) return errc::unknown_stream;
  Stream& s = it->second;
  if (s.local_fin) return errc::write_after_close;
  const std::size_t n = std::min<std::size_t>(in.size(), s.send_window);
  if (n < in.size()) s.send_blocked = true;
  for (std::size_t off = 0; off < n;) {
    const std::size_t chunk = std::min<std::size_t>(n - off, m_cfg.max_frame_data);
    send_frame(FrameType::data, take_open_flags(s), id, static_cast<std::uint32_t>(chunk));
    if (refs) {
      refs->emplace_back(m_out.size(), in.subspan(off, chunk));
    } else {
      append(m_out, in.subspan(off, chunk));
    }
    off += chunk;
  }
  s.send_window -= static_cast<std::uint32_t>(n);
  return n;
}

Status Engine::close_write(StreamId id) {
  if (m_error) return m_error;
  auto it = m_streams.find(id);
  if (it == m_streams.end()) return errc::unknown_stream;
  Stream& s = it->second;
  if (s.local_fin) return {};
  send_frame(FrameType::window_update, static_cast<std::uint16_t>(take_open_flags(s) | flag::fin), id, 0);
  s.local_fin = true;
  s.send_blocked = false;
  maybe_free(id, s);
  return {};
}

Status Engine::reset(StreamId id) {
  if (m_error) return m_error;
  if (!m_streams.count(id)) return errc::unknown_stream;
  send_frame(FrameType::window_update, flag::rst, id, 0);
  free_stream(id);
  return {};
}

void Engine::consume(StreamId id, std::size_t n, TimePoint now) {
  m_now = now;
  m_have_now = true;
  consume(id, n);
}

void Engine::consume(StreamId id, std::size_t n) {
  auto it = m_streams.find(id);
  if (it == m_streams.end()) return;
  Stream& s = it->second;
  n = std::min(n, s.buffered());
  s.rpos += n;
  if (s.rpos == s.rbuf.size()) {
    s.rbuf.clear();
    s.rpos = 0;
  } else if (s.rpos >= 64 * 1024 && s.rpos * 2 >= s.rbuf.size()) {
    s.rbuf.erase(s.rbuf.begin(), s.rbuf.begin() + static_cast<std::ptrdiff_t>(s.rpos));
    s.rpos = 0;
  }
  if (m_error) return;
  maybe_grant(id, s);
  maybe_free(id, s);
}

Status Engine::set_receive_window(StreamId id, std::uint32_t window) {
  if (m_error) return m_error;
  auto it = m_streams.find(id);
  if (it == m_streams.end()) return errc::unknown_stream;
  Stream& s = it->second;
  grow_window(s, std::min(window, m_cfg.max_window));
  maybe_grant(id, s);
  return {};
}

void Engine::grow_window(Stream& s, std::uint32_t target) {
  if (target <= s.recv_window_size) return;
  const std::uint64_t budget_left =
      m_cfg.window_budget > m_window_extra ? m_cfg.window_budget - m_window_extra : 0;
  const std::uint64_t grow = std::min<std::uint64_t>(target - s.recv_window_size, budget_left);
  s.recv_window_size += static_cast<std::uint32_t>(grow);
  m_window_extra += grow;
}

void Engine::rtt_sample(Duration d) {
  m_rtt = std::max(d, Duration(1));  // a zero sample (virtual time) still counts as measured
}

void Engine::autotune(Stream& s) {
  if (!m_cfg.autotune || !m_have_now || s.recv_window_size >= m_cfg.max_window) return;
  if (m_rtt != Duration::zero() && s.epoch_valid && m_now - s.epoch_start < 2 * m_rtt) {
    // Half the window went by within 2 RTT: the sender waits for credit. Double it.
    const std::uint64_t doubled = std::uint64_t{s.recv_window_size} * 2;
    grow_window(s, static_cast<std::uint32_t>(std::min<std::uint64_t>(doubled, m_cfg.max_window)));
  }
  // Keep the RTT current (one probe at a time): the first sample, and under load the round
  // trip through both sides' queues.
  if (!m_rtt_ping) {
    m_rtt_ping = ++m_ping_counter;
    m_rtt_ping_sent = m_now;
    send_frame(FrameType::ping, flag::syn, 0, *m_rtt_ping);
  }
  s.epoch_start = m_now;
  s.epoch_valid = true;
}

void Engine::maybe_grant(StreamId id, Stream& s) {
  if (s.remote_fin) return;  // the peer sends nothing more: no credit needed
  // Invariant: credit + unread + still-arriving + consumed-not-granted == target window.
  // Bytes of a data frame still arriving were already taken from the credit.
  const std::uint64_t in_flight =
      (m_in_payload && !m_payload_discard && m_cur.stream_id == id) ? m_payload_left : 0;
  const std::uint64_t held = std::uint64_t{s.recv_window} + s.buffered() + in_flight;
  if (held >= s.recv_window_size) return;
  if (s.recv_window_size - held < s.recv_window_size / 2) return;
  autotune(s);  // may raise the target: the update carries the extra credit
  const auto delta = static_cast<std::uint32_t>(s.recv_window_size - held);
  send_frame(FrameType::window_update, take_open_flags(s), id, delta);
  s.recv_window += delta;
}

void Engine::maybe_free(StreamId id, Stream& s) {
  if (s.local_fin && s.remote_fin && s.buffered() == 0) {
    m_events.emplace_back(StreamClosed{id});
    free_stream(id);
  }
}

void Engine::free_stream(StreamId id) {
  auto it = m_streams.find(id);
  if (it == m_streams.end()) return;
  if (it->second.open == Open::syn_sent) --m_unacked;
  m_window_extra -= it->second.recv_window_size - kInitialWindow;
  if (it->second.inbound) --m_inbound; else --m_outbound;
  m_streams.erase(it);
}

Result<std::uint32_t> Engine::ping(TimePoint now) {
  m_now = now;
  m_have_now = true;
  return ping();
}

Result<std::uint32_t> Engine::ping() {
  if (m_error) return m_error;
  if (m_ping_outstanding) return errc::ping_in_flight;
  const std::uint32_t opaque = ++m_ping_counter;
  m_ping_sent = m_now;
  send_frame(FrameType::ping, flag::syn, 0, opaque);
  m_ping_outstanding = opaque;
  return opaque;
}

void Engine::go_away(GoAwayCode code) {
  if (m_local_go_away) return;
  send_frame(FrameType::go_away, 0, 0, static_cast<std::uint32_t>(code));
  m_local_go_away = true;
}

// ------------------------------------------------------------------------- queries

BytesView Engine::readable(StreamId id) const {
  auto it = m_streams.find(id);
  if (it == m_streams.end()) return {};
  return BytesView(it->second.rbuf).subspan(it->second.rpos);
}

std::uint32_t Engine::send_window(StreamId id) const {
  auto it = m_streams.find(id);
  return it == m_streams.end() ? 0 : it->second.send_window;
}

std::uint32_t Engine::receive_window(StreamId id) const {
  auto it = m_streams.find(id);
  return it == m_streams.end() ? 0 : it->second.recv_window_size;
}

std::uint32_t Engine::receive_credit(StreamId id) const {
  auto it = m_streams.find(id);
  return it == m_streams.end() ? 0 : it->second.recv_window;
}

}  // namespace lotus::proto::yamux
