#include "proto/identify/requester.hpp"

#include <utility>

namespace lotus::proto::identify {

Requester::Requester(mf::PeerId remote, Kind kind, Config config, TimePoint now)
    : m_remote(std::move(remote)),
      m_kind(kind),
      m_config(config),
      m_deadline(now + config.timeout),
      m_reader(config.limits) {}

void Requester::fail(std::error_code ec) {
  m_finished = true;
  m_event = Failed{ec};
}

void Requester::on_bytes(BytesView in, TimePoint now) {
  if (m_finished) return;
  if (now >= m_deadline) return fail(make_error_code(errc::timeout));
  if (auto st = m_reader.on_bytes(in); !st) fail(st.error());
}

void Requester::on_eof(TimePoint now) {
  if (m_finished) return;
  if (now >= m_deadline) return fail(make_error_code(errc::timeout));
  auto msg = m_reader.finish();
  if (!msg) return fail(msg.error());
  auto info = to_info(*msg, m_remote, m_kind, m_config.record_limits);
  if (!info) return fail(info.error());
  m_finished = true;
  m_event = Identified{std::move(*info)};
}

void Requester::on_timeout(TimePoint now) {
  if (!m_finished && now >= m_deadline) fail(make_error_code(errc::timeout));
}

std::optional<Event> Requester::poll_event() {
  return std::exchange(m_event, std::nullopt);
}

}  // namespace lotus::proto::identify
