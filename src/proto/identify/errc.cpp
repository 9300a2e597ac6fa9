#include "proto/identify/errc.hpp"

namespace lotus::proto::identify {

const std::error_category& category() noexcept {
  static const TableCategory cat(
      "identify",
      {
          {static_cast<int>(errc::bad_length_prefix), "identify: malformed message length prefix"},
          {static_cast<int>(errc::message_too_large), "identify: message exceeds size limit"},
          {static_cast<int>(errc::too_many_messages), "identify: too many messages on one stream"},
          {static_cast<int>(errc::truncated), "identify: stream ended inside a message"},
          {static_cast<int>(errc::no_message), "identify: stream ended before any message"},
          {static_cast<int>(errc::malformed_message), "identify: message protobuf malformed"},
          {static_cast<int>(errc::too_many_protocols), "identify: too many protocols"},
          {static_cast<int>(errc::protocol_too_long), "identify: protocol id exceeds size limit"},
          {static_cast<int>(errc::too_many_addresses), "identify: too many listen addresses"},
          {static_cast<int>(errc::address_too_long), "identify: address exceeds size limit"},
          {static_cast<int>(errc::field_too_long), "identify: version string exceeds size limit"},
          {static_cast<int>(errc::missing_public_key), "identify: response has no public key"},
          {static_cast<int>(errc::invalid_public_key), "identify: public key invalid"},
          {static_cast<int>(errc::peer_id_mismatch), "identify: public key does not match the remote peer id"},
          {static_cast<int>(errc::record_peer_mismatch), "identify: signed peer record is for another peer"},
          {static_cast<int>(errc::timeout), "identify: timed out"},
      });
  return cat;
}

}  // namespace lotus::proto::identify
