#include "proto/perf/perf.hpp"

#include <algorithm>
#include <cassert>

namespace lotus::proto::perf {

namespace {
// The payload source: read-only zeros shared by every engine.
constexpr std::array<std::uint8_t, kZeroChunk> kZeros{};

BytesView zeros(std::uint64_t remaining, std::size_t chunk) {
  return BytesView(kZeros.data(), static_cast<std::size_t>(std::min<std::uint64_t>(remaining, chunk)));
}
}  // namespace

const std::error_category& category() noexcept {
  static const TableCategory cat("perf", {
      {static_cast<int>(errc::short_header), "stream closed before the 8-byte request header"},
      {static_cast<int>(errc::download_too_large), "requested download exceeds the server limit"},
      {static_cast<int>(errc::upload_too_large), "upload exceeds the server limit"},
      {static_cast<int>(errc::data_after_eof), "data after end of stream"},
      {static_cast<int>(errc::response_too_early), "server responded before the upload was complete"},
      {static_cast<int>(errc::too_much_data), "server sent more bytes than requested"},
      {static_cast<int>(errc::short_download), "server closed before sending all requested bytes"},
      {static_cast<int>(errc::failed), "engine already failed"},
  });
  return cat;
}

// ------------------------------------------------------------------------- shared

EngineBase::EngineBase(Config config) : m_cfg(config) {
  assert(m_cfg.chunk_size > 0 && m_cfg.chunk_size <= kZeroChunk);
}

std::optional<Event> EngineBase::poll_event() {
  if (m_events.empty()) return std::nullopt;
  Event e = m_events.front();
  m_events.pop_front();
  return e;
}

void EngineBase::begin(TimePoint now) {
  if (m_started) return;
  m_started = true;
  m_start = now;
  if (m_cfg.report_interval > Duration::zero()) m_next_report = now + m_cfg.report_interval;
}

void EngineBase::maybe_report(TimePoint now) {
  if (m_finished || m_error || now < m_next_report) return;
  m_events.emplace_back(Progress{m_uploaded, m_downloaded, now - m_start});
  m_next_report = now + m_cfg.report_interval;
}

Status EngineBase::on_timeout(TimePoint now) {
  if (m_error) return errc::failed;
  maybe_report(now);
  return {};
}

void EngineBase::finish(TimePoint now) {
  m_finished = true;
  m_next_report = kNever;
  m_events.emplace_back(Finished{m_uploaded, m_downloaded, now - m_start});
}

Status EngineBase::fail(errc e) {
  m_error = make_error_code(e);
  m_next_report = kNever;
  return m_error;
}

// ------------------------------------------------------------------------- client

Client::Client(std::uint64_t upload_bytes, std::uint64_t download_bytes, Config config)
    : EngineBase(config), m_upload_target(upload_bytes), m_download_target(download_bytes) {
  for (std::size_t i = 0; i < kHeaderSize; ++i)
    m_header[i] = static_cast<std::uint8_t>(download_bytes >> (8 * (kHeaderSize - 1 - i)));
}

void Client::start(TimePoint now) {
  assert(!m_started);
  begin(now);
}

BytesView Client::pending_output() const {
  if (!m_started || m_error) return {};
  if (m_header_sent < kHeaderSize)
    return BytesView(m_header.data() + m_header_sent, kHeaderSize - m_header_sent);
  return zeros(m_upload_target - m_uploaded, m_cfg.chunk_size);
}

void Client::advance_output(std::size_t n, TimePoint now) {
  assert(n <= pending_output().size());
  if (m_header_sent < kHeaderSize) {
    m_header_sent += n;
  } else {
    m_uploaded += n;
  }
  maybe_report(now);
}

Status Client::on_bytes(BytesView in, TimePoint now) {
  if (m_error) return errc::failed;
  if (in.empty()) return {};
  if (m_eof) return fail(errc::data_after_eof);
  if (!send_done()) return fail(errc::response_too_early);
  if (in.size() > m_download_target - m_downloaded) return fail(errc::too_much_data);
  m_downloaded += in.size();
  maybe_report(now);
  return {};
}

Status Client::on_eof(TimePoint now) {
  if (m_error) return errc::failed;
  if (m_eof) return {};
  m_eof = true;
  if (!send_done()) return fail(errc::response_too_early);
  if (m_downloaded != m_download_target) return fail(errc::short_download);
  finish(now);
  return {};
}

// ------------------------------------------------------------------------- server

Server::Server(Config config) : EngineBase(config) {}

Status Server::on_bytes(BytesView in, TimePoint now) {
  if (m_error) return errc::failed;
  if (in.empty()) return {};
  if (m_eof) return fail(errc::data_after_eof);
  begin(now);
  if (m_header_len < kHeaderSize) {
    const std::size_t n = std::min(kHeaderSize - m_header_len, in.size());
    std::copy_n(in.data(), n, m_header.data() + m_header_len);
    m_header_len += n;
    in = in.subspan(n);
    if (m_header_len == kHeaderSize) {
      std::uint64_t v = 0;
      for (const std::uint8_t b : m_header) v = (v << 8) | b;
      if (v > m_cfg.max_download_bytes) return fail(errc::download_too_large);
      m_download_target = v;
      m_events.emplace_back(RequestReceived{v});
    }
  }
  if (in.size() > m_cfg.max_upload_bytes - m_uploaded) return fail(errc::upload_too_large);
  m_uploaded += in.size();
  maybe_report(now);
  return {};
}

Status Server::on_eof(TimePoint now) {
  if (m_error) return errc::failed;
  if (m_eof) return {};
  begin(now);
  m_eof = true;
  if (m_header_len < kHeaderSize) return fail(errc::short_header);
  if (send_done()) finish(now);
  return {};
}

BytesView Server::pending_output() const {
  if (!m_eof || m_error || m_header_len < kHeaderSize) return {};
  return zeros(m_download_target - m_downloaded, m_cfg.chunk_size);
}

void Server::advance_output(std::size_t n, TimePoint now) {
  assert(n <= pending_output().size());
  if (n == 0) return;
  m_downloaded += n;
  if (send_done()) {
    finish(now);
  } else {
    maybe_report(now);
  }
}

}  // namespace lotus::proto::perf
