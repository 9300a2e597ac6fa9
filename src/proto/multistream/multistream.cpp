#include "proto/multistream/multistream.hpp"

#include <algorithm>
#include <utility>

#include "base/varint.hpp"

namespace lotus::proto::multistream {

const std::error_category& category() noexcept {
  static const TableCategory cat("multistream", {
      {static_cast<int>(errc::message_too_long), "message exceeds the protocol id length limit"},
      {static_cast<int>(errc::empty_message), "empty message"},
      {static_cast<int>(errc::missing_newline), "message does not end with a newline"},
      {static_cast<int>(errc::invalid_message), "message is not printable UTF-8"},
      {static_cast<int>(errc::bad_varint), "malformed length prefix"},
      {static_cast<int>(errc::bad_header), "first message is not /multistream/1.0.0"},
      {static_cast<int>(errc::protocol_not_supported), "protocol not supported by remote"},
      {static_cast<int>(errc::unexpected_message), "unexpected reply to a proposal"},
      {static_cast<int>(errc::too_many_attempts), "too many negotiation attempts"},
      {static_cast<int>(errc::negotiation_finished), "bytes fed after negotiation finished"},
      {static_cast<int>(errc::invalid_config), "invalid local configuration"},
      {static_cast<int>(errc::not_started), "dialer not started"},
  });
  return cat;
}

void write_message(Bytes& out, std::string_view text) {
  varint::append(out, text.size() + 1);
  append(out, as_bytes(text));
  out.push_back('\n');
}

namespace {

// Strict UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF) without control characters.
bool printable_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) return false;
      ++i;
      continue;
    }
    std::size_t n;
    std::uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) { n = 1; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { n = 2; cp = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { n = 3; cp = c & 0x07; }
    else return false;
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += n + 1;
  }
  return true;
}

bool valid_protocol(std::string_view p, std::size_t max_len) {
  return !p.empty() && p.size() <= max_len && printable_utf8(p);
}

}  // namespace

Result<std::optional<std::string>> MessageReader::next(bool raw) {
  const BytesView avail = BytesView(m_buf).subspan(m_pos);
  if (avail.empty()) return std::optional<std::string>{};
  varint::Decoded d;
  if (auto ec = varint::decode_uvarint(avail, d)) {
    if (ec == varint::errc::truncated) return std::optional<std::string>{};
    return errc::bad_varint;
  }
  if (d.value == 0) return errc::empty_message;
  if (d.value > m_max_len + 1) return errc::message_too_long;
  const std::size_t len = static_cast<std::size_t>(d.value);
  if (avail.size() - d.length < len) return std::optional<std::string>{};
  const BytesView body = avail.subspan(d.length, len);
  if (body[len - 1] != '\n') return errc::missing_newline;
  std::string text(as_string_view(body.first(len - 1)));
  m_pos += d.length + len;
  if (m_pos == m_buf.size()) {
    m_buf.clear();
    m_pos = 0;
  }
  if (!raw) {
    if (text.empty()) return errc::empty_message;
    if (!printable_utf8(text)) return errc::invalid_message;
  }
  return std::optional<std::string>(std::move(text));
}

void MessageReader::feed(BytesView in) {
  if (m_pos) {  // drop already parsed messages before growing the buffer
    m_buf.erase(m_buf.begin(), m_buf.begin() + static_cast<std::ptrdiff_t>(m_pos));
    m_pos = 0;
  }
  append(m_buf, in);
}

Bytes MessageReader::take_rest() {
  Bytes rest(m_buf.begin() + static_cast<std::ptrdiff_t>(m_pos), m_buf.end());
  m_buf.clear();
  m_pos = 0;
  return rest;
}

Result<std::vector<std::string>> parse_ls_payload(std::string_view payload, std::size_t max_len) {
  std::vector<std::string> out;
  if (payload.empty() || payload.back() != '\n') return errc::missing_newline;
  payload.remove_suffix(1);  // the list message's own trailing newline
  BytesView in = as_bytes(payload);
  while (!in.empty()) {
    varint::Decoded d;
    if (varint::decode_uvarint(in, d)) return errc::bad_varint;
    if (d.value == 0) return errc::empty_message;
    if (d.value > max_len + 1) return errc::message_too_long;
    if (in.size() - d.length < d.value) return errc::bad_varint;
    const BytesView body = in.subspan(d.length, static_cast<std::size_t>(d.value));
    if (body.back() != '\n') return errc::missing_newline;
    std::string_view p = as_string_view(body.first(body.size() - 1));
    if (!valid_protocol(p, max_len)) return errc::invalid_message;
    out.emplace_back(p);
    in = in.subspan(d.length + body.size());
  }
  return out;
}

// ---------------------------------------------------------------- Dialer

Dialer::Dialer(Config config) : m_cfg(std::move(config)), m_reader(m_cfg.max_protocol_len) {}

Status Dialer::fail(std::error_code ec) {
  m_state = State::failed;
  m_error = ec;
  return ec;
}

Status Dialer::start() {
  if (m_state != State::idle) return errc::invalid_config;
  if (m_cfg.protocols.empty() || (m_cfg.lazy && m_cfg.protocols.size() != 1))
    return fail(errc::invalid_config);
  for (const auto& p : m_cfg.protocols) {
    if (!valid_protocol(p, m_cfg.max_protocol_len) || p == kNa || p == kLs)
      return fail(errc::invalid_config);
  }
  write_message(m_out, kProtocolId);
  write_message(m_out, m_cfg.protocols[0]);
  if (m_cfg.lazy) m_selected = m_cfg.protocols[0];
  m_state = State::await_header;
  return {};
}

Status Dialer::on_bytes(BytesView in) {
  switch (m_state) {
    case State::idle: return errc::not_started;
    case State::done: return errc::negotiation_finished;
    case State::failed: return m_error;
    default: break;
  }
  m_reader.feed(in);
  while (m_state == State::await_header || m_state == State::await_reply) {
    auto msg = m_reader.next();
    if (!msg) return fail(msg.error());
    if (!*msg) return {};
    const std::string& text = **msg;
    if (m_state == State::await_header) {
      if (text != kProtocolId) return fail(errc::bad_header);
      m_state = State::await_reply;
      continue;
    }
    const std::string& proposal = m_cfg.protocols[m_index];
    if (text == proposal) {
      m_selected = proposal;
      m_state = State::done;
      m_leftover = m_reader.take_rest();
      return {};
    }
    if (text != kNa) return fail(errc::unexpected_message);
    if (m_cfg.lazy || ++m_index == m_cfg.protocols.size()) {
      return fail(errc::protocol_not_supported);
    }
    write_message(m_out, m_cfg.protocols[m_index]);
  }
  return {};
}

Bytes Dialer::take_leftover() { return std::exchange(m_leftover, {}); }

// ---------------------------------------------------------------- Listener

Listener::Listener(Config config) : m_cfg(std::move(config)), m_reader(m_cfg.max_protocol_len) {}

Status Listener::fail(std::error_code ec) {
  m_state = State::failed;
  m_error = ec;
  return ec;
}

bool Listener::is_supported(std::string_view p) const {
  if (p == kProtocolId || p == kNa || p == kLs) return false;
  if (std::find(m_cfg.protocols.begin(), m_cfg.protocols.end(), p) != m_cfg.protocols.end())
    return true;
  return m_cfg.supports && m_cfg.supports(p);
}

Status Listener::on_bytes(BytesView in) {
  switch (m_state) {
    case State::done: return errc::negotiation_finished;
    case State::failed: return m_error;
    default: break;
  }
  m_reader.feed(in);
  while (m_state == State::await_header || m_state == State::await_proposal) {
    auto msg = m_reader.next();
    if (!msg) return fail(msg.error());
    if (!*msg) return {};
    const std::string& text = **msg;
    if (m_state == State::await_header) {
      if (text != kProtocolId) return fail(errc::bad_header);
      write_message(m_out, kProtocolId);
      m_state = State::await_proposal;
      continue;
    }
    if (is_supported(text)) {
      write_message(m_out, text);
      m_selected = text;
      m_state = State::done;
      m_leftover = m_reader.take_rest();
      return {};
    }
    if (++m_attempts > m_cfg.max_attempts) return fail(errc::too_many_attempts);
    if (text == kLs) {
      std::string payload;
      Bytes line;
      for (const auto& p : m_cfg.protocols) {
        line.clear();
        write_message(line, p);
        payload.append(as_string_view(line));
      }
      payload.push_back('\n');
      varint::append(m_out, payload.size());
      append(m_out, as_bytes(payload));
    } else {
      write_message(m_out, kNa);
    }
  }
  return {};
}

Bytes Listener::take_leftover() { return std::exchange(m_leftover, {}); }

}  // namespace lotus::proto::multistream
