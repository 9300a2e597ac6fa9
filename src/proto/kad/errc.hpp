// Error codes of the Kademlia DHT engine layer (proto/kad).
#pragma once

#include <system_error>

#include "base/error.hpp"

namespace lotus::proto::kad {

// Values are explicit and never reused: the control API reports errors as "kad.<value>".
// Retired: 3 (input_backlog: FrameReader no longer buffers more than one partial frame),
// 14 and 15 (invalid_resource_key/value: the Lotus resource validator is coordinator's).
enum class errc {
  message_too_large = 1,     // frame length above Limits::max_message_size
  bad_length_prefix = 2,     // frame length varint not minimal or longer than 9 bytes
  unknown_message_type = 4,  // Message.type outside 0..5
  key_too_large = 5,         // Message.key or Record.key longer than Limits::max_key_size
  value_too_large = 6,       // Record.value longer than Limits::max_value_size
  duplicate_record = 7,      // the singular Message.record field appears twice
  missing_key = 8,           // request without the key its type needs
  missing_record = 9,        // PUT_VALUE without a record
  record_key_mismatch = 10,  // PUT_VALUE record.key differs from the message key
  outdated_record = 11,      // PUT_VALUE loses against the record already stored
  no_validator = 12,         // no validator registered for the key's namespace
  invalid_pk_record = 13,    // /pk/ record: value is no public key or does not hash to the key
  provider_not_sender = 16,  // ADD_PROVIDER lists no provider equal to the sender
  store_full = 17,           // record or provider store at capacity
  unexpected_response_type = 18,  // a lookup response of another type than the request
  peer_quota_exceeded = 19,  // the sender's records/bytes/provided keys in our store at its quota
  rate_limited = 20,         // the sender announced this key within min_announce_interval
};
const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

}  // namespace lotus::proto::kad

LOTUS_ERRC_ENUM(lotus::proto::kad::errc)
