// Identify requester, and identify-push receiver (libp2p specs identify/README.md): the side
// that READS length-prefixed Identify message(s) until the remote closes, merges them
// (MessageReader), validates the result (to_info) and reports one event. Sans-IO.
//
//   [reading] --on_bytes--> [reading] --on_eof--> Identified{info} | Failed{errc}
//       \--bad input / on_timeout past deadline--> Failed{errc}
//   after the event: [finished]; further input is ignored, deadline() == kNever.
//
// Kind::identify requires a publicKey (as js-libp2p); Kind::push accepts partial messages
// (merge the result into what you know with merge_push). The driver resets the stream on
// Failed and closes it on Identified. The requester never writes.
#pragma once

#include <optional>
#include <system_error>
#include <variant>

#include "base/bytes.hpp"
#include "base/time.hpp"
#include "multiformats/peer_id.hpp"
#include "proto/identify/info.hpp"
#include "proto/identify/message.hpp"

namespace lotus::proto::identify {

struct Config {
  Limits limits;
  record::Limits record_limits;
  Duration timeout = std::chrono::seconds(5);  // js-libp2p's default
};

struct Identified {
  IdentifyInfo info;
};
struct Failed {
  std::error_code error;
};
using Event = std::variant<Identified, Failed>;

class Requester {
 public:
  // `remote` is the connection's authenticated remote peer (from the security handshake).
  Requester(mf::PeerId remote, Kind kind, Config config, TimePoint now);

  void on_bytes(BytesView in, TimePoint now);
  void on_eof(TimePoint now);      // the remote closed its write side
  void on_timeout(TimePoint now);  // fails with errc::timeout if now ≥ deadline()
  TimePoint deadline() const noexcept { return m_finished ? kNever : m_deadline; }

  // Exactly one event over the engine's life (Identified or Failed).
  std::optional<Event> poll_event();
  bool finished() const noexcept { return m_finished; }

 private:
  void fail(std::error_code ec);

  mf::PeerId m_remote;
  Kind m_kind;
  Config m_config;
  TimePoint m_deadline;
  MessageReader m_reader;
  bool m_finished = false;
  std::optional<Event> m_event;
};

}  // namespace lotus::proto::identify
