// Error codes of the Lotus Schnorr / MuSig2 module (lotus::crypto::lotus_sig). Every rejection of
// a malformed key, scalar, point, nonce or signature maps to one specific value.
#pragma once

#include <system_error>

#include "base/error.hpp"

namespace lotus::crypto::lotus_sig {

enum class errc {
  // encodings
  invalid_public_key_length = 1,  // public key is not 33 bytes
  invalid_public_key_prefix,      // first byte is not 0x02/0x03
  public_key_x_out_of_range,      // x >= p
  public_key_not_on_curve,        // x^3 + 7 has no square root mod p
  invalid_secret_key_length,      // secret key is not 32 bytes
  secret_key_zero,                // secret key is 0
  secret_key_out_of_range,        // secret key >= n
  invalid_scalar_length,          // scalar is not 32 bytes
  scalar_out_of_range,            // scalar >= n
  invalid_signature_length,       // signature is neither 64 nor 65 bytes
  signature_looks_like_der,       // 64/65 bytes starting with 0x30 (reference dispatch rule)
  signature_r_out_of_range,       // r >= p
  signature_s_out_of_range,       // s >= n
  invalid_message_length,         // message is not 32 bytes
  invalid_public_nonce_length,    // public nonce is not 66 bytes
  public_nonce_not_on_curve,      // a public nonce point does not decode
  // verification
  signature_mismatch,             // well-formed signature that does not verify
  partial_signature_mismatch,     // well-formed partial signature that does not verify
  // MuSig2 usage
  empty_key_list,                 // key aggregation over zero keys
  too_many_keys,                  // key list longer than kMaxSigners
  aggregate_key_infinity,         // sum of weighted keys is the point at infinity
  aggregate_nonce_infinity,       // R1, R2 or R1 + b*R2 is the point at infinity
  nonce_count_mismatch,           // number of nonces/partials differs from the number of keys
  signer_index_out_of_range,      // index >= number of sorted keys
  signer_key_mismatch,            // secret key does not belong to the sorted key at that index
  nonce_already_used,             // secret nonce was consumed (signed, moved from, or wiped)
  nonce_key_mismatch,             // secret nonce was generated for another secret key
  nonce_aggregate_key_mismatch,   // secret nonce was generated for another aggregate key
  session_key_mismatch,           // session was created for another aggregate key
  aggregate_signature_zero,       // s = 0 after summing the partial signatures
  tweak_out_of_range,             // Taproot tweak reduces to 0 mod n or gives infinity
  invalid_taproot_script,         // not OP_SCRIPTTYPE OP_1 <33-byte key> [<32-byte state>]
  crypto_failure,                 // the underlying library failed unexpectedly
};

const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), category()};
}

}  // namespace lotus::crypto::lotus_sig

LOTUS_ERRC_ENUM(lotus::crypto::lotus_sig::errc)
