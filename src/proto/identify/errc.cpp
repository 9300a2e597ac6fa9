#include "proto/identify/errc.hpp"

namespace lotus::proto::identify {

const std::error_category& category() noexcept {
  static const TableCategory cat(
      "identify",
      {
          {static_cast<int>(errc::bad_length_prefix), "malformed message length prefix"},
          {static_cast<int>(errc::message_too_large), "message exceeds size limit"},
          {static_cast<int>(errc::too_many_messages), "too many messages on one stream"},
          {static_cast<int>(errc::truncated), "stream ended inside a message"},
          {static_cast<int>(errc::no_message), "stream ended before any message"},
          {static_cast<int>(errc::malformed_message), "message protobuf malformed"},
          {static_cast<int>(errc::too_many_protocols), "too many protocols"},
          {static_cast<int>(errc::protocol_too_long), "protocol id exceeds size limit"},
          {static_cast<int>(errc::too_many_addresses), "too many listen addresses"},
          {static_cast<int>(errc::address_too_long), "address exceeds size limit"},
          {static_cast<int>(errc::field_too_long), "version string exceeds size limit"},
          {static_cast<int>(errc::missing_public_key), "response has no public key"},
          {static_cast<int>(errc::invalid_public_key), "public key invalid"},
          {static_cast<int>(errc::peer_id_mismatch),
           "public key does not match the remote peer id"},
          {static_cast<int>(errc::record_peer_mismatch), "signed peer record is for another peer"},
          {static_cast<int>(errc::timeout), "timed out"},
      });
  return cat;
}

}  // namespace lotus::proto::identify
