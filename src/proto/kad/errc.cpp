#include "proto/kad/errc.hpp"

namespace lotus::proto::kad {

const std::error_category& category() noexcept {
  static const TableCategory cat("kad", {
      {static_cast<int>(errc::message_too_large), "message length exceeds the limit"},
      {static_cast<int>(errc::bad_length_prefix), "malformed message length prefix"},
      {static_cast<int>(errc::unknown_message_type), "unknown message type"},
      {static_cast<int>(errc::key_too_large), "key longer than the limit"},
      {static_cast<int>(errc::value_too_large), "record value longer than the limit"},
      {static_cast<int>(errc::duplicate_record), "record field appears twice"},
      {static_cast<int>(errc::missing_key), "request lacks its key"},
      {static_cast<int>(errc::missing_record), "PUT_VALUE lacks its record"},
      {static_cast<int>(errc::record_key_mismatch), "record key differs from the message key"},
      {static_cast<int>(errc::outdated_record), "stored record is better than the one put"},
      {static_cast<int>(errc::no_validator), "no validator for the key's namespace"},
      {static_cast<int>(errc::invalid_pk_record), "/pk/ record is not the key's public key"},
      {static_cast<int>(errc::provider_not_sender), "ADD_PROVIDER names no provider equal to the sender"},
      {static_cast<int>(errc::store_full), "store at capacity"},
      {static_cast<int>(errc::unexpected_response_type), "response type differs from the request"},
      {static_cast<int>(errc::peer_quota_exceeded), "the peer's quota of stored records or provided keys is used up"},
      {static_cast<int>(errc::rate_limited), "the peer announced this key again within the minimum interval"},
  });
  return cat;
}

}  // namespace lotus::proto::kad
