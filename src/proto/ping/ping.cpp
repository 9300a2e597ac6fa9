#include "proto/ping/ping.hpp"

#include <algorithm>
#include <utility>

namespace lotus::proto::ping {

const std::error_category& category() noexcept {
  static const TableCategory cat("ping", {
      {static_cast<int>(errc::mismatch), "echoed payload differs from the one sent"},
      {static_cast<int>(errc::timeout), "no echo before the deadline"},
      {static_cast<int>(errc::unexpected_data), "data received while no ping was outstanding"},
      {static_cast<int>(errc::busy), "a ping is already outstanding"},
      {static_cast<int>(errc::failed), "engine already failed"},
  });
  return cat;
}

Outbound::Outbound(Rng& rng, Config config) : m_rng(rng), m_cfg(config) {}

Status Outbound::fail(errc e) {
  m_error = make_error_code(e);
  m_outstanding = false;
  m_deadline = kNever;
  return m_error;
}

Status Outbound::start(TimePoint now) {
  if (m_error) return m_error;
  if (m_outstanding) return errc::busy;
  m_rng.fill(m_sent);
  append(m_out, m_sent);
  m_received = 0;
  m_outstanding = true;
  m_started = now;
  m_deadline = now + m_cfg.timeout;
  return {};
}

Status Outbound::on_bytes(BytesView in, TimePoint now) {
  if (m_error) return m_error;
  if (in.empty()) return {};
  if (!m_outstanding) return fail(errc::unexpected_data);
  const std::size_t n = std::min(in.size(), kPayloadSize - m_received);
  if (!std::equal(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(n),
                  m_sent.begin() + static_cast<std::ptrdiff_t>(m_received)))
    return fail(errc::mismatch);
  m_received += n;
  if (m_received < kPayloadSize) return {};
  m_outstanding = false;
  m_deadline = kNever;
  m_event = Pong{now - m_started};
  if (n < in.size()) return fail(errc::unexpected_data);
  return {};
}

Status Outbound::on_timeout(TimePoint now) {
  if (m_error) return m_error;
  if (m_outstanding && now >= m_deadline) return fail(errc::timeout);
  return {};
}

std::optional<Event> Outbound::poll_event() { return std::exchange(m_event, std::nullopt); }

Status Inbound::on_bytes(BytesView in, TimePoint) {
  while (!in.empty()) {
    const std::size_t n = std::min(in.size(), kPayloadSize - m_len);
    std::copy_n(in.begin(), n, m_block.begin() + static_cast<std::ptrdiff_t>(m_len));
    m_len += n;
    in = in.subspan(n);
    if (m_len == kPayloadSize) {
      append(m_out, m_block);
      m_len = 0;
    }
  }
  return {};
}

}  // namespace lotus::proto::ping
