// perf protocol on a Host (see perf_service.hpp).
#include "host/perf_service.hpp"

#include <memory>
#include <utility>

#include "base/log.hpp"
#include "runtime/asio.hpp"

namespace lotus::host {

namespace perf = proto::perf;

namespace {

constexpr std::size_t kReadBuffer = 64 * 1024;

template <class Engine, class F>
void drain_events(Engine& e, F&& on_progress) {
  while (auto ev = e.poll_event()) {
    if (auto* p = std::get_if<perf::Progress>(&*ev)) on_progress(*p);
  }
}

asio::awaitable<void> serve_perf(std::shared_ptr<const PerfServerConfig> cfg, Stream s) {
  perf::Config pc;
  pc.max_download_bytes = cfg->max_download_bytes;
  pc.max_upload_bytes = cfg->max_upload_bytes;
  pc.report_interval = Duration::zero();
  perf::Server engine(pc);
  PerfServerRun run(s.remote_peer());
  const TimePoint start = Clock::now();
  auto report = [&](std::error_code ec) {
    run.requested = engine.requested();
    run.uploaded = engine.uploaded();
    run.downloaded = engine.downloaded();
    run.elapsed = Clock::now() - start;
    run.error = ec;
    if (ec) LOTUS_LOG(debug, "perf", "request from " + run.peer.to_string() + " failed: " + ec.message());
    if (cfg->on_run) cfg->on_run(run);
  };

  Bytes buf(kReadBuffer);
  while (true) {
    auto r = co_await s.read_some(MutBytesView(buf));
    if (!r) {
      report(r.error());
      co_return;
    }
    const TimePoint now = Clock::now();
    Status st = *r == 0 ? engine.on_eof(now) : engine.on_bytes(BytesView(buf.data(), *r), now);
    if (!st) {
      s.reset();  // too large a request/upload, or a protocol violation: refuse at once
      report(st.error());
      co_return;
    }
    if (*r == 0) break;
  }
  while (!engine.send_done()) {
    const BytesView out = engine.pending_output();
    if (auto w = co_await s.write(out); !w) {
      report(w.error());
      co_return;
    }
    engine.advance_output(out.size(), Clock::now());
  }
  if (auto c = s.close_write(); !c) {
    report(c.error());
    co_return;
  }
  report({});
}

}  // namespace

void enable_perf_server(Host& host, PerfServerConfig config) {
  auto cfg = std::make_shared<const PerfServerConfig>(std::move(config));
  host.set_stream_handler(kPerfProtocol, [cfg](Stream s) { return serve_perf(cfg, std::move(s)); });
}

void disable_perf_server(Host& host) { host.remove_stream_handler(kPerfProtocol); }

asio::awaitable<Result<PerfResult>> run_perf(Host& host, mf::PeerId peer, std::uint64_t upload,
                                             std::uint64_t download, PerfClientOptions options) {
  const TimePoint start = Clock::now();
  auto protocols = make_protocols(kPerfProtocol);
  auto opened = co_await host.new_stream(peer, std::move(protocols));
  if (!opened) co_return opened.error();
  Stream s = std::move(*opened);
  // Wait for the server's confirmation before uploading: with lazy negotiation a refusing
  // server would see our upload as garbage and reset, hiding protocol_not_supported.
  if (auto confirmed = co_await s.read_some(MutBytesView{}); !confirmed) co_return confirmed.error();
  const TimePoint upload_start = Clock::now();

  perf::Config pc;
  pc.report_interval = options.on_progress ? options.report_interval : Duration::zero();
  perf::Client engine(upload, download, pc);
  auto progress = [&](const perf::Progress& p) {
    if (options.on_progress) options.on_progress(p);
  };
  engine.start(upload_start);
  while (!engine.send_done()) {
    const BytesView out = engine.pending_output();
    if (auto w = co_await s.write(out); !w) co_return w.error();
    engine.advance_output(out.size(), Clock::now());
    drain_events(engine, progress);
  }
  if (auto c = s.close_write(); !c) co_return c.error();
  const TimePoint uploaded_at = Clock::now();

  Bytes buf(kReadBuffer);
  while (!engine.finished()) {
    auto r = co_await s.read_some(MutBytesView(buf));
    if (!r) co_return r.error();
    const TimePoint now = Clock::now();
    Status st = *r == 0 ? engine.on_eof(now) : engine.on_bytes(BytesView(buf.data(), *r), now);
    drain_events(engine, progress);
    if (!st) {
      s.reset();
      co_return st.error();
    }
  }
  const TimePoint done = Clock::now();
  PerfResult res;
  res.uploaded = engine.uploaded();
  res.downloaded = engine.downloaded();
  res.upload_time = uploaded_at - upload_start;
  res.download_time = done - uploaded_at;
  res.total = done - start;
  res.negotiation = upload_start - start;
  co_return res;
}

}  // namespace lotus::host
