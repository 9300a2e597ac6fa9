// The wire side of dht::Dht: one request per outbound stream, several per inbound stream,
// each a varint-framed kad Message read through host::FramedReader.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "base/log.hpp"
#include "dht/dht_impl.hpp"
#include "host/drive.hpp"
#include "proto/kad/errc.hpp"
#include "proto/kad/frame_reader.hpp"
#include "runtime/watchdog.hpp"

namespace lotus::dht::detail {

// RFC 3339 with nanoseconds, as go-libp2p (RFC3339Nano) and js (@libp2p/record) write it.
std::string rfc3339_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count() % 1'000'000'000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[48];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char frac[16];
  const int m = std::snprintf(frac, sizeof frac, ".%09lldZ", static_cast<long long>(ns < 0 ? 0 : ns));
  return std::string(buf, n) + std::string(frac, static_cast<std::size_t>(m));
}

asio::awaitable<Result<std::optional<kad::Message>>> rpc(ImplPtr d, kad::PeerInfo peer, kad::Message req,
                                                         bool expect_reply) {
  using Reply = std::optional<kad::Message>;
  ++d->metrics.outbound_rpcs;
  if (d->stopping()) co_return errc::stopped;
  if (!peer.addrs.empty() && !d->host.is_connected(peer.id)) d->host.peer_store().add_addrs(peer.id, peer.addrs);
  auto s = co_await d->host.new_stream(peer.id, host::make_protocols(d->cfg.protocol_id));
  if (!s) {
    ++d->metrics.outbound_failures;
    co_return s.error();
  }
  auto tracked = d->svc.track(*s);  // reset by stop()
  host::Stream* sp = &*s;
  runtime::Watchdog dog(d->ex, d->cfg.rpc_timeout, [sp] { sp->reset(); });
  Bytes frame;
  kad::encode_frame(req, frame);
  if (auto w = co_await s->write(frame); !w) {
    ++d->metrics.outbound_failures;
    co_return dog.expired() ? std::error_code(errc::query_timeout) : w.error();
  }
  if (!expect_reply) {
    (void)s->close_write();
    co_return Reply{};
  }
  host::FramedReader in(*s, kad::FrameReader(d->cfg.engine.limits), kReadBuf);
  auto reply = co_await in.next();
  if (!dog.expired() && reply && *reply) {
    (void)s->close_write();
    co_return Reply(std::move(**reply));
  }
  ++d->metrics.outbound_failures;
  if (dog.expired()) co_return errc::query_timeout;
  s->reset();
  if (!reply) co_return reply.error();
  co_return in.end_error() ? in.end_error() : std::error_code(errc::bad_response);
}

// Serves one inbound stream: several requests, answered in order. Runs as the host's handler
// task (the host counts the stream against its per-protocol limit); the service's scaffold
// owns `s` (and resets it on stop) for the whole call.
asio::awaitable<void> serve_stream(ImplPtr d, host::Stream& s) {
  if (!d) co_return;
  const mf::PeerId from = s.remote_peer();
  d->learn_server(from);
  host::FramedReader in(s, kad::FrameReader(d->cfg.engine.limits), kReadBuf, d->cfg.inbound_idle_timeout);
  std::size_t handled = 0;
  while (!d->stopping()) {
    auto req = co_await in.next();
    if (!req) {
      ++d->metrics.inbound_errors;
      LOTUS_LOG(debug, "dht", "inbound from " + from.to_string() + ": " + req.error().message());
      d->host.penalize(from, "dht_malformed_request", d->cfg.penalty_malformed);
      s.reset();
      co_return;
    }
    if (!*req) break;  // closed by the remote, reset, or idle too long
    if (++handled > d->cfg.max_requests_per_stream) {
      ++d->metrics.inbound_errors;
      d->host.penalize(from, "dht_stream_request_limit", d->cfg.penalty_malformed);
      s.reset();
      co_return;
    }
    ++d->metrics.inbound_requests;
    if ((*req)->type == kad::MessageType::put_value && (*req)->record) (*req)->record->time_received = rfc3339_now();
    auto reply = d->handler.handle_request(from, **req, Clock::now());
    if (!reply) {
      ++d->metrics.inbound_errors;
      LOTUS_LOG(debug, "dht", "request from " + from.to_string() + " refused: " + reply.error().message());
      // A request over a limit (the sender's quota, its announcement interval, a full store) is
      // refused and counted, not penalized: honest peers reach these limits under load, and
      // penalizing them made healthy nodes ban each other (the 15-minute soak: 5 338 ban
      // refusals between its own daemons). Invalid records and bad keys are penalized.
      const auto e = reply.error();
      const bool over_limit = e == kad::errc::peer_quota_exceeded || e == kad::errc::rate_limited ||
                              e == kad::errc::store_full;
      if (!over_limit) d->host.penalize(from, "dht_refused_request", d->cfg.penalty_refused);
      s.reset();
      co_return;
    }
    if (*reply) {
      Bytes out;
      kad::encode_frame(**reply, out);
      if (!co_await s.write(out)) co_return;
    }
  }
  (void)s.close_write();
}

}  // namespace lotus::dht::detail
