#include "crypto/lotus/errors.hpp"

namespace lotus::crypto::lotus_sig {

const std::error_category& category() noexcept {
  static const TableCategory cat(
      "lotus_sig",
      {
          {int(errc::invalid_public_key_length), "lotus_sig: public key must be 33 bytes (compressed)"},
          {int(errc::invalid_public_key_prefix), "lotus_sig: public key prefix must be 0x02 or 0x03"},
          {int(errc::public_key_x_out_of_range), "lotus_sig: public key x coordinate >= p"},
          {int(errc::public_key_not_on_curve), "lotus_sig: public key is not on the curve"},
          {int(errc::invalid_secret_key_length), "lotus_sig: secret key must be 32 bytes"},
          {int(errc::secret_key_zero), "lotus_sig: secret key is zero"},
          {int(errc::secret_key_out_of_range), "lotus_sig: secret key >= group order"},
          {int(errc::invalid_scalar_length), "lotus_sig: scalar must be 32 bytes"},
          {int(errc::scalar_out_of_range), "lotus_sig: scalar >= group order"},
          {int(errc::invalid_signature_length), "lotus_sig: signature must be 64 or 65 bytes"},
          {int(errc::signature_looks_like_der), "lotus_sig: signature starts with 0x30 (DER) where Schnorr is required"},
          {int(errc::signature_r_out_of_range), "lotus_sig: signature r >= field prime"},
          {int(errc::signature_s_out_of_range), "lotus_sig: signature s >= group order"},
          {int(errc::invalid_message_length), "lotus_sig: message must be a 32-byte hash"},
          {int(errc::invalid_public_nonce_length), "lotus_sig: public nonce must be 66 bytes (two compressed points)"},
          {int(errc::public_nonce_not_on_curve), "lotus_sig: public nonce point is invalid"},
          {int(errc::signature_mismatch), "lotus_sig: signature does not verify"},
          {int(errc::partial_signature_mismatch), "lotus_sig: partial signature does not verify"},
          {int(errc::empty_key_list), "lotus_sig: key aggregation needs at least one key"},
          {int(errc::too_many_keys), "lotus_sig: too many keys for key aggregation"},
          {int(errc::aggregate_key_infinity), "lotus_sig: aggregate key is the point at infinity"},
          {int(errc::aggregate_nonce_infinity), "lotus_sig: aggregate nonce is the point at infinity"},
          {int(errc::nonce_count_mismatch), "lotus_sig: number of nonces or partial signatures does not match the signers"},
          {int(errc::signer_index_out_of_range), "lotus_sig: signer index out of range"},
          {int(errc::signer_key_mismatch), "lotus_sig: secret key does not match the signer's public key"},
          {int(errc::nonce_already_used), "lotus_sig: secret nonce already used or invalid"},
          {int(errc::nonce_key_mismatch), "lotus_sig: secret nonce belongs to another key"},
          {int(errc::nonce_aggregate_key_mismatch), "lotus_sig: secret nonce belongs to another aggregate key"},
          {int(errc::session_key_mismatch), "lotus_sig: session belongs to another aggregate key"},
          {int(errc::aggregate_signature_zero), "lotus_sig: aggregate signature s is zero"},
          {int(errc::tweak_out_of_range), "lotus_sig: taproot tweak is invalid"},
          {int(errc::invalid_taproot_script), "lotus_sig: not a Lotus Taproot output script"},
          {int(errc::crypto_failure), "lotus_sig: underlying crypto library failed"},
      });
  return cat;
}

}  // namespace lotus::crypto::lotus_sig
