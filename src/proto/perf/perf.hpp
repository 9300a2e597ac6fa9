// libp2p perf (`/perf/1.0.0`), sans-IO, one engine per stream. Spec: libp2p/specs perf/perf.md.
//
//   client → server: u64 big-endian (bytes the client wants back) | upload bytes… | close-write
//   server → client: download bytes… (exactly the number requested) | close
//
// Payload bytes are never buffered: outgoing data is a view into a shared, read-only zero
// buffer (pending_output()/advance_output(n), so the driver writes directly from it and reports
// how much the transport accepted); incoming data is only counted. Progress events carry the
// byte totals so far for intermediate reports, emitted at most every Config::report_interval
// (deadline()/on_timeout() let the driver report while idle). Payload content is not checked
// (the spec does not define it; js sends zeros, so do we).
// Deliberately not done: stream open/close (the driver closes the write side when
// send_done() turns true), overall timeouts, the timer-driven benchmark variant (the client
// asks for 2^64-1 bytes and the driver resets the stream when its own timer fires), and peer
// authorisation (the spec says perf must not be enabled on public nodes by default; the host
// decides who may open the protocol).
//
// Client:  Idle ─start()─> Uploading (header, then upload_bytes zeros)
//            ─all handed to the transport (send_done: driver closes write)─> Downloading
//            ─on_eof() with exactly download_bytes received─> Done (+Finished)
// Server:  ReadHeader ─8 bytes─> Draining (+RequestReceived; upload discarded)
//            ─on_eof()─> Sending (download_bytes zeros)
//            ─all handed to the transport (send_done: driver closes)─> Done (+Finished)
// Any error ─> Failed (final; the driver resets the stream).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>
#include <system_error>
#include <variant>

#include "base/bytes.hpp"
#include "base/error.hpp"
#include "base/result.hpp"
#include "base/time.hpp"

namespace lotus::proto::perf {

inline constexpr std::string_view kProtocolId = "/perf/1.0.0";
inline constexpr std::size_t kHeaderSize = 8;
inline constexpr std::size_t kZeroChunk = 64 * 1024;

enum class errc {
  short_header = 1,    // server: the client closed its write side before the 8-byte header
  download_too_large,  // server: request above Config::max_download_bytes
  upload_too_large,    // server: the client uploaded more than Config::max_upload_bytes
  data_after_eof,      // bytes delivered after on_eof()
  response_too_early,  // client: server data or EOF before our upload was complete
  too_much_data,       // client: the server sent more bytes than requested
  short_download,      // client: the server closed before sending all requested bytes
  failed,              // the engine already failed
};
const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

struct Config {
  std::size_t chunk_size = kZeroChunk;      // largest pending_output() view (1..kZeroChunk)
  Duration report_interval = std::chrono::seconds(1);  // Progress cadence; 0 = no reports
  std::uint64_t max_download_bytes = std::uint64_t{1} << 32;  // server: largest request served
  std::uint64_t max_upload_bytes = ~std::uint64_t{0};         // server: largest upload accepted
};

// Totals so far (payload bytes, excluding the 8-byte header), for intermediate reports.
struct Progress {
  std::uint64_t uploaded;
  std::uint64_t downloaded;
  Duration elapsed;
};
struct RequestReceived { std::uint64_t download_bytes; };  // server: header parsed
struct Finished {                                          // run complete
  std::uint64_t uploaded;
  std::uint64_t downloaded;
  Duration elapsed;
};
using Event = std::variant<Progress, RequestReceived, Finished>;

// Shared state of both directions: counters, progress timer, events, failure.
class EngineBase {
 public:
  std::optional<Event> poll_event();
  // Next time a Progress report is due (kNever when reports are off or the run is over).
  TimePoint deadline() const { return m_next_report; }
  Status on_timeout(TimePoint now);
  std::uint64_t uploaded() const { return m_uploaded; }
  std::uint64_t downloaded() const { return m_downloaded; }
  bool finished() const { return m_finished; }
  std::error_code error() const { return m_error; }

 protected:
  explicit EngineBase(Config config);
  void begin(TimePoint now);
  void maybe_report(TimePoint now);
  void finish(TimePoint now);
  Status fail(errc e);

  Config m_cfg;
  bool m_started = false;
  bool m_finished = false;
  TimePoint m_start{};
  TimePoint m_next_report = kNever;
  std::uint64_t m_uploaded = 0;
  std::uint64_t m_downloaded = 0;
  std::deque<Event> m_events;  // ≤ one per input/command call plus Finished
  std::error_code m_error;
};

class Client : public EngineBase {
 public:
  Client(std::uint64_t upload_bytes, std::uint64_t download_bytes, Config config = {});

  void start(TimePoint now);  // once; makes the header and upload available
  // What to write next: the rest of the header, then ≤ chunk_size zeros; empty when all was
  // handed over (or before start()/after failure). Valid until the next call on the engine.
  BytesView pending_output() const;
  // The transport accepted n ≤ pending_output().size() bytes.
  void advance_output(std::size_t n, TimePoint now);
  // Header and upload fully handed over: the driver closes the write side now.
  bool send_done() const { return m_started && m_header_sent == kHeaderSize && m_uploaded == m_upload_target; }

  Status on_bytes(BytesView in, TimePoint now);  // counts; too_much_data / response_too_early
  Status on_eof(TimePoint now);                  // -> Finished | short_download

 private:
  std::uint64_t m_upload_target;
  std::uint64_t m_download_target;
  std::array<std::uint8_t, kHeaderSize> m_header{};
  std::size_t m_header_sent = 0;
  bool m_eof = false;
};

class Server : public EngineBase {
 public:
  explicit Server(Config config = {});

  // Header bytes, then upload bytes (discarded). The clock starts at the first call.
  Status on_bytes(BytesView in, TimePoint now);
  Status on_eof(TimePoint now);  // client closed its write side: short_header or start sending
  // ≤ chunk_size zeros once sending; empty otherwise.
  BytesView pending_output() const;
  void advance_output(std::size_t n, TimePoint now);
  // All requested bytes handed over: the driver closes the stream now.
  bool send_done() const { return m_eof && m_header_len == kHeaderSize && m_downloaded == m_download_target; }
  std::uint64_t requested() const { return m_download_target; }  // 0 until the header is in

 private:
  std::array<std::uint8_t, kHeaderSize> m_header{};
  std::size_t m_header_len = 0;
  std::uint64_t m_download_target = 0;
  bool m_eof = false;
};

}  // namespace lotus::proto::perf

LOTUS_ERRC_ENUM(lotus::proto::perf::errc)
