#include "proto/mplex/engine.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>

#include "base/varint.hpp"

namespace lotus::proto::mplex {

const std::error_category& category() noexcept {
  static const TableCategory cat("mplex", {
      {static_cast<int>(errc::bad_flag), "invalid message flag 7"},
      {static_cast<int>(errc::header_overflow), "header varint too long"},
      {static_cast<int>(errc::message_too_large), "message exceeds maximum size"},
      {static_cast<int>(errc::stream_id_too_large), "remote stream number above limit"},
      {static_cast<int>(errc::duplicate_stream), "NewStream for a stream that is already open"},
      {static_cast<int>(errc::too_many_refused_streams), "remote keeps opening streams beyond the limit"},
      {static_cast<int>(errc::unknown_stream_flood), "too many messages for unknown streams"},
      {static_cast<int>(errc::stream_buffer_full), "stream receive buffer full, stream reset"},
      {static_cast<int>(errc::data_after_close), "data received after remote close, stream reset"},
      {static_cast<int>(errc::unknown_stream), "no such stream"},
      {static_cast<int>(errc::write_after_close), "write after close_write"},
      {static_cast<int>(errc::too_many_streams), "outbound stream limit reached"},
      {static_cast<int>(errc::stream_ids_exhausted), "stream numbers exhausted"},
      {static_cast<int>(errc::name_too_long), "stream name longer than the maximum message size"},
  });
  return cat;
}

Engine::Engine(Config config) : m_cfg(config) {
  assert(m_cfg.max_message_size > 0);
  assert(m_cfg.max_stream_number <= kMaxWireStreamNumber);
}

Status Engine::fail(errc e) {
  m_error = make_error_code(e);
  return m_error;
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

bool Engine::over_threshold(Window& w, TimePoint now) const {
  if (m_cfg.disconnect_threshold == 0) return false;
  if (!w.active || now - w.start >= std::chrono::seconds(1) || now < w.start) {
    w.active = true;
    w.start = now;
    w.count = 0;
  }
  return ++w.count > m_cfg.disconnect_threshold;
}

// ------------------------------------------------------------------------- input

Status Engine::on_bytes(BytesView in, TimePoint now) {
  if (m_error) return m_error;
  std::size_t pos = 0;
  while (pos < in.size()) {
    if (m_payload_left > 0) {
      const std::size_t n =
          static_cast<std::size_t>(std::min<std::uint64_t>(m_payload_left, in.size() - pos));
      if (!m_payload_discard) {
        // Only data messages for a live stream get here; the bound was checked on the header.
        Stream& s = m_streams.at(m_payload_stream);
        append(s.rbuf, in.subspan(pos, n));
        m_events.emplace_back(Data{m_payload_stream, n});
      }
      pos += n;
      m_payload_left -= n;
      continue;
    }
    // Header: copy what may belong to it, decode, and give back what did not.
    const std::size_t take = std::min(kMaxHeaderSize - m_hdr_len, in.size() - pos);
    std::copy_n(in.data() + pos, take, m_hdr + m_hdr_len);
    const std::size_t have = m_hdr_len + take;
    varint::Decoded h, l;
    std::error_code ec = varint::decode_protobuf_varint(BytesView(m_hdr, have), h);
    if (!ec) ec = varint::decode_protobuf_varint(BytesView(m_hdr + h.length, have - h.length), l);
    if (ec == varint::errc::truncated) {
      // Both varints fit in kMaxHeaderSize bytes, so truncation means all input was taken.
      m_hdr_len = have;
      pos += take;
      break;
    }
    if (ec) return fail(errc::header_overflow);
    const std::size_t used = h.length + l.length;
    assert(used > m_hdr_len);
    pos += used - m_hdr_len;
    m_hdr_len = 0;
    LOTUS_CHECK(on_header(h.value, l.value, now));
  }
  return {};
}

void Engine::skip_payload(std::uint64_t length) {
  m_payload_left = length;
  m_payload_discard = true;
}

Status Engine::on_header(std::uint64_t header, std::uint64_t length, TimePoint now) {
  const auto flag = static_cast<std::uint8_t>(header & 7);
  const std::uint64_t number = header >> 3;
  if (flag == 7) return fail(errc::bad_flag);
  if (length > m_cfg.max_message_size) return fail(errc::message_too_large);

  if (flag == static_cast<std::uint8_t>(Flag::new_stream)) {
    if (number > m_cfg.max_stream_number) return fail(errc::stream_id_too_large);
    const StreamId id = make_stream_id(number, true);
    if (m_streams.count(id)) return fail(errc::duplicate_stream);
    skip_payload(length);  // the stream name
    if (m_inbound >= m_cfg.max_inbound_streams) {
      append_header(m_out, number, Flag::reset_receiver, 0);
      if (over_threshold(m_refused_window, now)) return fail(errc::too_many_refused_streams);
      return {};
    }
    m_streams.emplace(id, Stream{});
    ++m_inbound;
    m_events.emplace_back(StreamOpened{id});
    return {};
  }

  // Odd flags come from the receiver of the stream, i.e. name a stream we opened.
  const bool by_remote = (flag & 1) == 0;
  const StreamId id = make_stream_id(number, by_remote);
  auto it = m_streams.find(id);
  if (it == m_streams.end()) {
    skip_payload(length);
    if (recently_reset(id)) return {};  // in flight when our Reset left
    if (over_threshold(m_unknown_window, now)) return fail(errc::unknown_stream_flood);
    return {};
  }
  Stream& s = it->second;
  switch (static_cast<Flag>(flag)) {
    case Flag::message_receiver:
    case Flag::message_initiator:
      if (length == 0) return {};
      if (s.remote_fin) {
        skip_payload(length);
        local_reset(id, errc::data_after_close);
        return {};
      }
      if (s.buffered() + length > m_cfg.max_stream_buffer) {
        skip_payload(length);
        local_reset(id, errc::stream_buffer_full);
        return {};
      }
      m_payload_left = length;
      m_payload_discard = false;
      m_payload_stream = id;
      return {};
    case Flag::close_receiver:
    case Flag::close_initiator:
      skip_payload(length);
      if (!s.remote_fin) {
        s.remote_fin = true;
        m_events.emplace_back(RemoteClosed{id});
        maybe_free(id, s);
      }
      return {};
    default:  // reset_receiver, reset_initiator
      skip_payload(length);
      m_events.emplace_back(StreamReset{id, {}});
      free_stream(id);
      return {};
  }
}

// ------------------------------------------------------------------------- commands

void Engine::send(StreamId id, Flag initiator_flag, BytesView data) {
  // Receiver flags are one below the initiator flags.
  const auto flag = static_cast<Flag>(static_cast<std::uint8_t>(initiator_flag) -
                                      (opened_by_remote(id) ? 1 : 0));
  append_message(m_out, stream_number(id), flag, data);
}

Result<StreamId> Engine::open_stream() {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, m_next_number);
  return open_stream(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
}

Result<StreamId> Engine::open_stream(std::string_view name) {
  if (m_error) return m_error;
  if (m_outbound >= m_cfg.max_outbound_streams) return errc::too_many_streams;
  if (m_next_number > m_cfg.max_stream_number) return errc::stream_ids_exhausted;
  if (name.size() > m_cfg.max_message_size) return errc::name_too_long;
  const StreamId id = make_stream_id(m_next_number++, false);
  m_streams.emplace(id, Stream{});
  ++m_outbound;
  append_message(m_out, stream_number(id), Flag::new_stream, as_bytes(name));
  return id;
}

Result<std::size_t> Engine::write(StreamId id, BytesView in) {
  if (m_error) return m_error;
  auto it = m_streams.find(id);
  if (it == m_streams.end()) return errc::unknown_stream;
  if (it->second.local_fin) return errc::write_after_close;
  for (std::size_t off = 0; off < in.size();) {
    const std::size_t chunk = std::min(in.size() - off, m_cfg.max_message_size);
    send(id, Flag::message_initiator, in.subspan(off, chunk));
    off += chunk;
  }
  return in.size();
}

Status Engine::close_write(StreamId id) {
  if (m_error) return m_error;
  auto it = m_streams.find(id);
  if (it == m_streams.end()) return errc::unknown_stream;
  Stream& s = it->second;
  if (s.local_fin) return {};
  s.local_fin = true;
  send(id, Flag::close_initiator, {});
  maybe_free(id, s);
  return {};
}

std::size_t Engine::largest_buffer() const {
  std::size_t m = 0;
  for (const auto& [id, s] : m_streams) m = std::max(m, s.buffered());
  return m;
}

Status Engine::reset(StreamId id) {
  if (m_error) return m_error;
  if (!m_streams.count(id)) return errc::unknown_stream;
  send(id, Flag::reset_initiator, {});
  remember_reset(id);
  free_stream(id);
  return {};
}

void Engine::remember_reset(StreamId id) { m_reset_ids[m_reset_count++ % kResetMemory] = id; }

bool Engine::recently_reset(StreamId id) const {
  const std::size_t n = std::min(m_reset_count, kResetMemory);
  return std::find(m_reset_ids.begin(), m_reset_ids.begin() + static_cast<std::ptrdiff_t>(n), id) !=
         m_reset_ids.begin() + static_cast<std::ptrdiff_t>(n);
}

void Engine::local_reset(StreamId id, errc reason) {
  send(id, Flag::reset_initiator, {});
  m_events.emplace_back(StreamReset{id, make_error_code(reason)});
  remember_reset(id);
  free_stream(id);
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
  maybe_free(id, s);
}

void Engine::maybe_free(StreamId id, Stream& s) {
  if (s.local_fin && s.remote_fin && s.buffered() == 0) {
    m_events.emplace_back(StreamClosed{id});
    free_stream(id);
  }
}

void Engine::free_stream(StreamId id) {
  if (!m_payload_discard && m_payload_left > 0 && m_payload_stream == id) m_payload_discard = true;
  m_streams.erase(id);
  if (opened_by_remote(id)) {
    --m_inbound;
  } else {
    --m_outbound;
  }
}

BytesView Engine::readable(StreamId id) const {
  auto it = m_streams.find(id);
  if (it == m_streams.end()) return {};
  const Stream& s = it->second;
  return BytesView(s.rbuf).subspan(s.rpos);
}

}  // namespace lotus::proto::mplex
