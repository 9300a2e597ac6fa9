#include "proto/kad/errc.hpp"

namespace lotus::proto::kad {

const std::error_category& category() noexcept {
  static const TableCategory cat("kad", {
      {static_cast<int>(errc::message_too_large), "kad: message length exceeds the limit"},
      {static_cast<int>(errc::bad_length_prefix), "kad: malformed message length prefix"},
      {static_cast<int>(errc::input_backlog), "kad: too much unread input buffered"},
      {static_cast<int>(errc::unknown_message_type), "kad: unknown message type"},
      {static_cast<int>(errc::key_too_large), "kad: key longer than the limit"},
      {static_cast<int>(errc::value_too_large), "kad: record value longer than the limit"},
      {static_cast<int>(errc::duplicate_record), "kad: record field appears twice"},
      {static_cast<int>(errc::missing_key), "kad: request lacks its key"},
      {static_cast<int>(errc::missing_record), "kad: PUT_VALUE lacks its record"},
      {static_cast<int>(errc::record_key_mismatch), "kad: record key differs from the message key"},
      {static_cast<int>(errc::outdated_record), "kad: stored record is better than the one put"},
      {static_cast<int>(errc::no_validator), "kad: no validator for the key's namespace"},
      {static_cast<int>(errc::invalid_pk_record), "kad: /pk/ record is not the key's public key"},
      {static_cast<int>(errc::invalid_resource_key), "kad: resource key is not resource:<type>:<id>"},
      {static_cast<int>(errc::invalid_resource_value), "kad: resource value is not a JSON object"},
      {static_cast<int>(errc::provider_not_sender), "kad: ADD_PROVIDER names no provider equal to the sender"},
      {static_cast<int>(errc::store_full), "kad: store at capacity"},
      {static_cast<int>(errc::unexpected_response_type), "kad: response type differs from the request"},
  });
  return cat;
}

}  // namespace lotus::proto::kad
