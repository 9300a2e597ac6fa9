// The P2PMessage envelope of the Lotus SDK (lotus-wire.md §2.1–§2.3, lib/p2p/protocol.ts):
// create, serialise, parse, validate, the de-duplication hash, and the utility messages
// (handshake, heartbeat, disconnect, error). Sans-IO: the wall clock (ms since the epoch, what
// Date.now() returns) and the randomness are passed in.
//
// Wire form: utf8(JSON.stringify(message)), members in the order type, from, to, payload,
// timestamp, messageId, signature, protocol, absent ones omitted (json.hpp gives the exact
// JS text). Byte-exact with shared/vectors/p2p-message.json.
//
// Where we differ from the reference (lotus-wire.md §12), on purpose:
//   * parse_message refuses, with a specific errc, what the reference would let through to
//     later code untyped: a `to` or `protocol` that is not a string, text that is not UTF-8,
//     nesting deeper than 64 levels. (The reference itself only ever sends strings there.)
//   * validate_message is the reference's rule set (non-empty type/from/messageId, non-zero
//     numeric timestamp within ±300 000 ms) but reports which rule failed.
//   * The de-duplication key is the reference's HMAC (compute_message_hash) because TS nodes
//     and our own seen-set must agree on what is "the same message"; it does not cover the
//     payload (§12 item 15) — the receiver bounds the damage with the clock window and an
//     expiring seen-set (coordinator), not with this hash.
//   * `signature` is carried as the JSON value it is on the wire ({"type":"Buffer","data":[…]}
//     when a Node Buffer was set); like the reference we never treat it as authentication. The
//     authenticated sender is the connection's peer id, which the coordinator hands to handlers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "base/bytes.hpp"
#include "base/error.hpp"
#include "base/result.hpp"
#include "base/rng.hpp"
#include "coordinator/json.hpp"

namespace lotus::coordinator {

enum class message_errc {
  not_json = 1,           // the bytes are not JSON text (or not UTF-8)
  too_deep,               // JSON nests deeper than the message parser allows
  not_an_object,          // the JSON value is not an object
  invalid_type,           // `type` missing, not a string, or empty
  invalid_from,           // `from` missing, not a string, or empty
  invalid_message_id,     // `messageId` missing, not a string, or empty
  invalid_timestamp,      // `timestamp` missing, not a number, or 0
  clock_skew,             // |now - timestamp| > the allowed skew (300 000 ms)
  invalid_to,             // `to` present but not a string
  invalid_protocol,       // `protocol` present but not a string
  too_large,              // serialised size above the limit
  empty,                  // an empty stream (the reference ignores it silently)
};
const std::error_category& message_category() noexcept;
inline std::error_code make_error_code(message_errc e) noexcept {
  return {static_cast<int>(e), message_category()};
}

inline constexpr std::string_view kMessageProtocolId = "/lotus/message/1.0.0";
inline constexpr std::size_t kMaxStreamMessageBytes = 100'000;    // the receivers' cap (§2.2)
inline constexpr std::size_t kDefaultMaxMessageSize = 1'048'576;  // validateMessageSize default
inline constexpr std::int64_t kMaxClockSkewMs = 300'000;          // validateMessage window
inline constexpr std::string_view kMessageHashKey = "lotus-lib-p2p-message-hash-key";

// BaseMessageType (lib/p2p/types.ts).
namespace message_type {
inline constexpr std::string_view peer_handshake = "peer-handshake";
inline constexpr std::string_view peer_disconnect = "peer-disconnect";
inline constexpr std::string_view peer_heartbeat = "peer-heartbeat";
inline constexpr std::string_view dht_announce = "dht-announce";
inline constexpr std::string_view dht_query = "dht-query";
inline constexpr std::string_view dht_response = "dht-response";
inline constexpr std::string_view data_message = "data-message";
inline constexpr std::string_view data_broadcast = "data-broadcast";
inline constexpr std::string_view error = "error";
}  // namespace message_type

struct P2PMessage {
  std::string type;
  std::string from;                      // self-declared sender (never trusted)
  std::optional<std::string> to;         // informational target
  std::optional<json::Value> payload;    // nullopt: absent (JS undefined)
  double timestamp = 0;                  // ms since the epoch (a JS number)
  std::string message_id;
  std::optional<json::Value> signature;  // as on the wire; see above
  std::optional<std::string> protocol;   // routing key: name of a protocol handler

  bool operator==(const P2PMessage&) const = default;
};

struct MessageOptions {
  std::optional<std::string> to;
  std::optional<std::string> protocol;
  std::optional<Bytes> signature;  // encoded as Node encodes a Buffer
};

// Date.now().toString(36) + "-" + hex(8 random bytes).
std::string make_message_id(std::int64_t now_ms, Rng& rng);
// base36 of a non-negative integer (Number.prototype.toString(36)).
std::string to_base36(std::int64_t v);

// createMessage(type, payload, from, options) with Date.now() == now_ms.
P2PMessage create_message(std::string type, json::Value payload, std::string from, std::int64_t now_ms,
                          Rng& rng, MessageOptions options = {});

// Utility messages (lib/p2p/protocol.ts): from = peer_id, no protocol.
P2PMessage create_handshake(const std::string& peer_id, std::optional<json::Value> metadata,
                            std::int64_t now_ms, Rng& rng);
P2PMessage create_heartbeat(const std::string& peer_id, std::int64_t now_ms, Rng& rng);
P2PMessage create_disconnect(const std::string& peer_id, std::optional<std::string> reason,
                             std::int64_t now_ms, Rng& rng);
P2PMessage create_error(const std::string& peer_id, std::string error, std::optional<json::Value> context,
                        std::int64_t now_ms, Rng& rng);

// {"type":"Buffer","data":[…]}: how Node's JSON.stringify writes a Buffer.
json::Value buffer_json(BytesView bytes);

// The message as a JSON object in wire member order, and its wire text.
json::Value to_json(const P2PMessage& m);
std::string serialize(const P2PMessage& m);
void serialize_to(std::string& out, const P2PMessage& m);

// Text as received → a message with typed fields. Checks the shape only (the types and
// non-emptiness validate_message would check; not the clock): not_json, too_deep,
// not_an_object, invalid_type, invalid_from, invalid_message_id, invalid_timestamp,
// invalid_to, invalid_protocol. Members other than the eight are ignored (as the reference
// ignores them), so re-serialising drops them.
Result<P2PMessage> parse_message(std::string_view text);
Result<P2PMessage> from_json(const json::Value& v);

// validateMessage with Date.now() == now_ms (for locally built messages too): the field rules
// above plus |now - timestamp| <= max_skew_ms (clock_skew).
Status validate_message(const P2PMessage& m, std::int64_t now_ms, std::int64_t max_skew_ms = kMaxClockSkewMs);

// parse_message then validate_message.
Result<P2PMessage> deserialize_and_validate(std::string_view text, std::int64_t now_ms,
                                            std::int64_t max_skew_ms = kMaxClockSkewMs);

// validateMessageSize: serialised byte length <= max_size.
bool validate_message_size(const P2PMessage& m, std::size_t max_size = kDefaultMaxMessageSize);

// computeMessageHash: hex HMAC-SHA256(key "lotus-lib-p2p-message-hash-key",
// utf8(type) || utf8(from) || utf8(to or "") || utf8(messageId)).
std::string compute_message_hash(const P2PMessage& m);

}  // namespace lotus::coordinator

LOTUS_ERRC_ENUM(lotus::coordinator::message_errc)
