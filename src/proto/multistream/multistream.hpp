// multistream-select 1.0 (`/multistream/1.0.0`), sans-IO.
//
// Spec: libp2p/specs connections/README.md ("multistream-select") and
// multiformats/multistream-select. Every message is
//     uvarint(len) ‖ utf8 text ‖ '\n'        (len counts the newline)
//
// Implemented: dialer (full negotiation over a list of proposals, or lazy/optimistic mode
// with exactly one protocol, as js-libp2p does), listener (predicate or set of supported
// protocols, "na", "ls", bounded number of attempts).
// Not implemented: the simultaneous-open extension (`/libp2p/simultaneous-connect`); the
// dialer does not send "ls" itself.
//
// "ls" reply format (the spec's text is ambiguous; this is what rust-multistream-select
// emits and keeps the "every message ends with \n" rule): one framed message whose payload
// is, for each protocol, uvarint(len(p)+1) ‖ p ‖ '\n', followed by a final '\n'.
//
// Usage (both engines): feed every received byte to on_bytes(); after every call drain
// output() (bytes to write) and look at selected()/done(). Once done(), the bytes received
// after the negotiation belong to the next protocol: take them with take_leftover(). Calling
// on_bytes() after done() is an error (negotiation_finished) so nothing is buffered without
// bound. Errors are final: the engine stays failed and the caller closes/resets the stream.
// Lazy dialer: drain output() (header + proposal) before writing application data, and keep
// feeding received bytes to on_bytes() until done() — an "na" then surfaces as
// protocol_not_supported (the caller resets the stream; the data it wrote is lost).
// "ls" lists Listener::Config::protocols only (a predicate cannot be enumerated).
//
// Dialer states:
//
//   Idle --start()--> AwaitHeader --"/multistream/1.0.0"--> AwaitReply
//                                                            |  "<p_i>" -> Done
//                                                            |  "na"    -> next proposal
//                                                            |             written (stays in
//                                                            |             AwaitReply) or, if
//                                                            v             none left, Failed
//   lazy mode: selected() is set by start(); the echoes only confirm (done()).
//
// Listener states:
//
//   AwaitHeader --header--> (header echoed) AwaitProposal --supported p--> Done (p echoed)
//                                             |  unsupported -> "na"  (attempt++)
//                                             |  "ls"        -> list  (attempt++)
//                                             v  attempts > max_attempts -> Failed
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "base/bytes.hpp"
#include "base/error.hpp"
#include "base/result.hpp"

namespace lotus::proto::multistream {

inline constexpr std::string_view kProtocolId = "/multistream/1.0.0";
inline constexpr std::string_view kNa = "na";
inline constexpr std::string_view kLs = "ls";
inline constexpr std::size_t kDefaultMaxProtocolLen = 1024;

enum class errc {
  message_too_long = 1,    // a message's text exceeds max_protocol_len
  empty_message,           // length 0, or only "\n"
  missing_newline,         // the message does not end with '\n'
  invalid_message,         // not UTF-8, or contains control characters
  bad_varint,              // length prefix not a minimal uvarint
  bad_header,              // first message is not /multistream/1.0.0
  protocol_not_supported,  // remote answered "na" to every proposal
  unexpected_message,      // dialer: reply is neither the proposal nor "na"
  too_many_attempts,       // listener: more than max_attempts proposals
  negotiation_finished,    // on_bytes() after done()
  invalid_config,          // bad local configuration (no protocol, lazy with != 1 ...)
  not_started,             // dialer: on_bytes() before start()
};
const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

// Appends one framed message: uvarint(len(text)+1) ‖ text ‖ '\n'.
void write_message(Bytes& out, std::string_view text);

// Incremental message parser shared by both engines. Keeps at most one incomplete message
// (≤ 9 + max_len + 1 bytes) between calls.
class MessageReader {
 public:
  explicit MessageReader(std::size_t max_len) : m_max_len(max_len) {}
  void feed(BytesView in);
  // Next complete message's text (without '\n'), nullopt if more bytes are needed.
  // `raw` skips text validation (used for the "ls" payload).
  Result<std::optional<std::string>> next(bool raw = false);
  // Bytes not yet parsed; clears the reader.
  Bytes take_rest();

 private:
  std::size_t m_max_len;
  Bytes m_buf;
  std::size_t m_pos = 0;
};

// Decodes the payload of an "ls" reply (see header comment) into protocol ids.
Result<std::vector<std::string>> parse_ls_payload(std::string_view payload, std::size_t max_len);

class Dialer {
 public:
  struct Config {
    std::vector<std::string> protocols;  // in order of preference
    bool lazy = false;                   // optimistic: only with exactly one protocol
    std::size_t max_protocol_len = kDefaultMaxProtocolLen;
  };

  explicit Dialer(Config config);

  // Writes header + first proposal to output(). Lazy: selected() is set on return.
  Status start();
  Status on_bytes(BytesView in);

  Bytes& output() { return m_out; }
  // The agreed protocol (lazy: the optimistic choice, set by start()).
  const std::optional<std::string>& selected() const { return m_selected; }
  bool optimistic() const { return m_cfg.lazy; }
  // The remote confirmed selected(): negotiation finished.
  bool done() const { return m_state == State::done; }
  Bytes take_leftover();

 private:
  enum class State { idle, await_header, await_reply, done, failed };
  Status fail(std::error_code ec);
  Config m_cfg;
  State m_state = State::idle;
  std::size_t m_index = 0;  // proposal awaiting an answer
  MessageReader m_reader;
  Bytes m_out;
  Bytes m_leftover;
  std::optional<std::string> m_selected;
  std::error_code m_error;
};

class Listener {
 public:
  struct Config {
    // Supported protocols, in the order "ls" reports them.
    std::vector<std::string> protocols;
    // Optional extra match function (e.g. version ranges); a proposal is accepted if it is
    // in `protocols` or the predicate returns true.
    std::function<bool(std::string_view)> supports;
    std::size_t max_protocol_len = kDefaultMaxProtocolLen;
    std::size_t max_attempts = 32;  // "na" + "ls" replies before giving up
  };

  explicit Listener(Config config);

  Status on_bytes(BytesView in);
  Bytes& output() { return m_out; }
  const std::optional<std::string>& selected() const { return m_selected; }
  bool done() const { return m_state == State::done; }
  Bytes take_leftover();

 private:
  enum class State { await_header, await_proposal, done, failed };
  Status fail(std::error_code ec);
  bool is_supported(std::string_view p) const;
  Config m_cfg;
  State m_state = State::await_header;
  std::size_t m_attempts = 0;
  MessageReader m_reader;
  Bytes m_out;
  Bytes m_leftover;
  std::optional<std::string> m_selected;
  std::error_code m_error;
};

}  // namespace lotus::proto::multistream

LOTUS_ERRC_ENUM(lotus::proto::multistream::errc)
