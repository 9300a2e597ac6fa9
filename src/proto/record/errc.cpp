#include "proto/record/errc.hpp"

namespace lotus::proto::record {

const std::error_category& category() noexcept {
  static const TableCategory cat(
      "record",
      {
          {static_cast<int>(errc::envelope_too_large), "signed envelope exceeds size limit"},
          {static_cast<int>(errc::malformed_envelope), "signed envelope protobuf malformed"},
          {static_cast<int>(errc::missing_public_key), "signed envelope has no public key"},
          {static_cast<int>(errc::invalid_public_key), "signed envelope public key invalid"},
          {static_cast<int>(errc::missing_signature), "signed envelope has no signature"},
          {static_cast<int>(errc::invalid_signature),
           "signed envelope signature invalid for this domain"},
          {static_cast<int>(errc::wrong_payload_type), "signed envelope payload type unexpected"},
          {static_cast<int>(errc::record_too_large), "peer record exceeds size limit"},
          {static_cast<int>(errc::malformed_record), "peer record protobuf malformed"},
          {static_cast<int>(errc::missing_peer_id), "peer record has no peer id"},
          {static_cast<int>(errc::invalid_peer_id), "peer record peer id invalid"},
          {static_cast<int>(errc::peer_id_mismatch),
           "peer record peer id does not match the signing key"},
          {static_cast<int>(errc::too_many_addresses), "peer record has too many addresses"},
          {static_cast<int>(errc::address_too_long), "peer record address exceeds size limit"},
          {static_cast<int>(errc::signing_failed), "signing the envelope failed"},
      });
  return cat;
}

}  // namespace lotus::proto::record
