// libp2p ping (`/ipfs/ping/1.0.0`), sans-IO. Spec: libp2p/specs ping/ping.md.
//
// The initiator (Outbound) writes 32 random bytes; the responder (Inbound) echoes every
// 32-byte block; the initiator checks the echo and reports the round trip measured between
// the `now` given to start() and the `now` given to the on_bytes() that completed the echo.
// Several pings may be sent one after another on the same stream (start() again after Pong).
// Not done here: stream opening/closing, the interval between pings (the driver's job).
//
// Outbound states:   Idle --start()--> AwaitEcho --32 bytes equal--> Idle (+Pong{rtt})
//                                          |-- bytes differ   --> Failed (mismatch)
//                                          '-- now ≥ deadline --> Failed (timeout)
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
#include "base/rng.hpp"
#include "base/time.hpp"

namespace lotus::proto::ping {

inline constexpr std::string_view kProtocolId = "/ipfs/ping/1.0.0";
inline constexpr std::size_t kPayloadSize = 32;

enum class errc {
  mismatch = 1,     // the echo differs from what we sent
  timeout,          // no complete echo before the deadline
  unexpected_data,  // bytes arrived while no ping was outstanding
  busy,             // start() while a ping is outstanding
  failed,           // engine already failed
};
const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

struct Config {
  Duration timeout = std::chrono::seconds(20);
};

struct Pong {
  Duration rtt;
};
using Event = std::variant<Pong>;

class Outbound {
 public:
  // `rng` must outlive the engine (SystemRng in production, DeterministicRng in tests).
  explicit Outbound(Rng& rng, Config config = {});

  Status start(TimePoint now);                  // writes 32 random bytes to output()
  Status on_bytes(BytesView in, TimePoint now);  // -> Pong event | mismatch | unexpected_data
  Status on_timeout(TimePoint now);             // -> timeout once now ≥ deadline()
  TimePoint deadline() const { return m_deadline; }  // kNever when idle

  Bytes& output() { return m_out; }
  std::optional<Event> poll_event();
  bool failed() const { return static_cast<bool>(m_error); }

 private:
  Status fail(errc e);
  Rng& m_rng;
  Config m_cfg;
  std::array<std::uint8_t, kPayloadSize> m_sent{};
  std::size_t m_received = 0;  // bytes of the echo compared so far
  bool m_outstanding = false;
  TimePoint m_started{};
  TimePoint m_deadline = kNever;
  Bytes m_out;
  std::optional<Event> m_event;
  std::error_code m_error;
};

// Echoes each complete 32-byte block; keeps at most 31 bytes of an incomplete one.
class Inbound {
 public:
  Status on_bytes(BytesView in, TimePoint now);
  Bytes& output() { return m_out; }

 private:
  std::array<std::uint8_t, kPayloadSize> m_block{};
  std::size_t m_len = 0;
  Bytes m_out;
};

}  // namespace lotus::proto::ping

LOTUS_ERRC_ENUM(lotus::proto::ping::errc)
