// Error codes of the signed-envelope / peer-record layer (libp2p RFC 0002, RFC 0003).
#pragma once

#include <system_error>

#include "base/error.hpp"

namespace lotus::proto::record {

enum class errc {
  envelope_too_large = 1,  // encoded envelope exceeds Limits::max_envelope_size
  malformed_envelope,      // envelope protobuf invalid (truncated, bad wire type, …)
  missing_public_key,      // envelope has no public_key field
  invalid_public_key,      // envelope public_key does not parse as a crypto PublicKey
  missing_signature,       // envelope has no signature field
  invalid_signature,       // signature does not verify (tampered, other key or other domain)
  wrong_payload_type,      // payload_type differs from the one the caller expects
  record_too_large,        // peer record payload exceeds Limits::max_record_size
  malformed_record,        // peer record protobuf invalid
  missing_peer_id,         // peer record has no peer_id
  invalid_peer_id,         // peer record peer_id is not a valid peer id multihash
  peer_id_mismatch,        // peer record peer_id differs from the envelope's signing key
  too_many_addresses,      // peer record lists more than Limits::max_addresses
  address_too_long,        // one AddressInfo.multiaddr exceeds Limits::max_address_len
  signing_failed,          // the private key could not sign (seal)
};
const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), category()};
}

}  // namespace lotus::proto::record

LOTUS_ERRC_ENUM(lotus::proto::record::errc)
