// libp2p perf (`/perf/1.0.0`, libp2p/specs perf/perf.md) on a Host: the server handler and the
// client, both driving the sans-IO engines of proto/perf over host streams.
//
// Server: disabled unless enable_perf_server() is called (the spec says perf must not run on
// public nodes by default). A request above PerfServerConfig::max_download_bytes (or an upload
// above max_upload_bytes) resets the stream at once (perf::errc::download_too_large /
// upload_too_large); nothing is buffered, so a hostile client costs one 64 KiB read buffer.
// Client: run_perf() uploads `upload` bytes, closes its write side, downloads `download`
// bytes, and reports byte counts and the duration of each phase; a progress callback is
// called on the io_context thread at most every `report_interval`.
// Deliberately not done: the time-bounded variant (request 2^64-1 and reset on a timer);
// authorisation of who may run perf against us (callers restrict by protocol enablement only).
#pragma once

#include <cstdint>
#include <functional>
#include <system_error>
#include <utility>

#include "base/result.hpp"
#include "base/time.hpp"
#include "host/host.hpp"
#include "proto/perf/perf.hpp"

namespace lotus::host {

inline constexpr const char* kPerfProtocol = "/perf/1.0.0";

// What a server saw of one perf request (reported after the stream ended).
struct PerfServerRun {
  explicit PerfServerRun(mf::PeerId p) : peer(std::move(p)) {}
  mf::PeerId peer;
  std::uint64_t requested = 0;   // download size asked for (0 if the header never arrived)
  std::uint64_t uploaded = 0;    // payload bytes received from the client
  std::uint64_t downloaded = 0;  // payload bytes handed to the transport for the client
  Duration elapsed{};
  std::error_code error;         // empty when the run completed
};

struct PerfServerConfig {
  std::uint64_t max_download_bytes = std::uint64_t{4} << 30;  // per request
  std::uint64_t max_upload_bytes = ~std::uint64_t{0};
  std::function<void(const PerfServerRun&)> on_run;  // optional, io_context thread
};

// Registers (or replaces) the /perf/1.0.0 handler.
void enable_perf_server(Host& host, PerfServerConfig config = {});
void disable_perf_server(Host& host);

struct PerfResult {
  std::uint64_t uploaded = 0;
  std::uint64_t downloaded = 0;
  Duration upload_time{};    // protocol confirmed → our write side closed (upload handed over)
  Duration download_time{};  // write side closed → the server's FIN with everything received
  Duration total{};          // stream open → done (includes protocol negotiation)
  Duration negotiation{};    // stream open → the server confirmed /perf/1.0.0
};

struct PerfClientOptions {
  Duration report_interval = std::chrono::seconds(1);
  // Called with running totals (payload bytes, elapsed since the start).
  std::function<void(const proto::perf::Progress&)> on_progress;
};

// Runs one perf request against a connected (or dialable, see Host::new_stream) peer.
// Errors: stream/connection errors, or a proto::perf::errc (short_download, too_much_data,
// response_too_early); a server refusal surfaces as a reset (errc::stream_reset).
asio::awaitable<Result<PerfResult>> run_perf(Host& host, mf::PeerId peer, std::uint64_t upload,
                                             std::uint64_t download, PerfClientOptions options = {});

}  // namespace lotus::host
