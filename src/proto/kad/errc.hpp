// Error codes of the Kademlia DHT engine layer (proto/kad).
#pragma once

#include <system_error>

#include "base/error.hpp"

namespace lotus::proto::kad {

enum class errc {
  message_too_large = 1,     // frame length above Limits::max_message_size
  bad_length_prefix,         // frame length varint not minimal or longer than 9 bytes
  input_backlog,             // FrameReader fed more than it may buffer without next() calls
  unknown_message_type,      // Message.type outside 0..5
  key_too_large,             // Message.key or Record.key longer than Limits::max_key_size
  value_too_large,           // Record.value longer than Limits::max_value_size
  duplicate_record,          // the singular Message.record field appears twice
  missing_key,               // request without the key its type needs
  missing_record,            // PUT_VALUE without a record
  record_key_mismatch,       // PUT_VALUE record.key differs from the message key
  outdated_record,           // PUT_VALUE loses against the record already stored
  no_validator,              // no validator registered for the key's namespace
  invalid_pk_record,         // /pk/ record: value is no public key or does not hash to the key
  invalid_resource_key,      // Lotus resource key is not resource:<type>:<id>
  invalid_resource_value,    // Lotus resource value is not a JSON object (or nests too deep)
  provider_not_sender,       // ADD_PROVIDER lists no provider equal to the sender
  store_full,                // record or provider store at capacity
  unexpected_response_type,  // a lookup response of another type than the request
};
const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

}  // namespace lotus::proto::kad

LOTUS_ERRC_ENUM(lotus::proto::kad::errc)
