// Error codes of the identify / identify-push engines.
#pragma once

#include <system_error>

#include "base/error.hpp"

namespace lotus::proto::identify {

enum class errc {
  bad_length_prefix = 1,  // the uvarint length prefix is malformed or not minimal
  message_too_large,      // a message (received or to send) exceeds Limits::max_message_size
  too_many_messages,      // more than Limits::max_messages length-prefixed messages on one stream
  truncated,              // the stream ended inside a length-prefixed message
  no_message,             // the stream ended before any message
  malformed_message,      // the Identify protobuf is invalid
  too_many_protocols,     // more than Limits::max_protocols protocols
  protocol_too_long,      // one protocol id exceeds Limits::max_protocol_len
  too_many_addresses,     // more than Limits::max_listen_addrs listen addresses
  address_too_long,       // a listen/observed address exceeds Limits::max_addr_len
  field_too_long,         // protocolVersion/agentVersion exceeds Limits::max_version_len
  missing_public_key,     // identify response without publicKey
  invalid_public_key,     // publicKey does not parse
  peer_id_mismatch,       // publicKey's peer id is not the connection's remote peer
  record_peer_mismatch,   // signed peer record was issued by another peer than the remote
  timeout,                // no complete answer before the deadline
};
const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), category()};
}

}  // namespace lotus::proto::identify

LOTUS_ERRC_ENUM(lotus::proto::identify::errc)
