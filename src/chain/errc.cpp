#include "chain/errc.hpp"

namespace lotus::chain {

const std::error_category& category() noexcept {
  static const TableCategory cat(
      "chain",
      {
          {static_cast<int>(errc::truncated), "chain: input ended inside a field"},
          {static_cast<int>(errc::trailing_bytes), "chain: bytes left after the transaction"},
          {static_cast<int>(errc::transaction_too_large), "chain: transaction larger than the limit"},
          {static_cast<int>(errc::compact_size_not_canonical), "chain: non-canonical CompactSize"},
          {static_cast<int>(errc::compact_size_too_large), "chain: CompactSize above 0x02000000"},
          {static_cast<int>(errc::too_many_inputs), "chain: input count above the limit or the bytes left"},
          {static_cast<int>(errc::too_many_outputs), "chain: output count above the limit or the bytes left"},
          {static_cast<int>(errc::script_too_large), "chain: script longer than the limit"},
          {static_cast<int>(errc::script_push_truncated), "chain: script push runs past the end of the script"},
          {static_cast<int>(errc::not_data_output), "chain: not an OP_RETURN data output (push-only, <= 223 bytes)"},
          {static_cast<int>(errc::not_p2pkh), "chain: not a P2PKH script"},
          {static_cast<int>(errc::not_taproot), "chain: not a Lotus Taproot script"},
          {static_cast<int>(errc::data_too_large), "chain: data too large to push"},
          {static_cast<int>(errc::address_too_long), "chain: address text too long"},
          {static_cast<int>(errc::address_no_network), "chain: address has no network character"},
          {static_cast<int>(errc::address_base58), "chain: address payload is not base58"},
          {static_cast<int>(errc::address_too_short), "chain: address payload shorter than type + checksum"},
          {static_cast<int>(errc::address_checksum), "chain: address checksum mismatch"},
          {static_cast<int>(errc::address_wrong_token), "chain: address prefix is not \"lotus\""},
          {static_cast<int>(errc::address_unknown_network), "chain: address network is not '_', 'T' or 'R'"},
          {static_cast<int>(errc::address_wrong_network), "chain: address is for another network"},
          {static_cast<int>(errc::address_unknown_type), "chain: address type byte is not 0 or 2"},
          {static_cast<int>(errc::address_unsupported_script), "chain: address script is not P2PKH or P2SH"},
          {static_cast<int>(errc::address_bad_taproot_key), "chain: Taproot address key is not a valid point"},
          {static_cast<int>(errc::input_index_out_of_range), "chain: no input at that index"},
          {static_cast<int>(errc::spent_outputs_mismatch), "chain: spent outputs are not one per input"},
          {static_cast<int>(errc::invalid_sighash_type), "chain: invalid sighash type"},
          {static_cast<int>(errc::unsupported_sighash_algorithm), "chain: sighash algorithm is neither FORKID nor LOTUS"},
          {static_cast<int>(errc::sighash_single_no_output), "chain: SIGHASH_SINGLE without a matching output"},
          {static_cast<int>(errc::amount_out_of_range), "chain: amount out of range"},
          {static_cast<int>(errc::not_lokad), "chain: no 4-byte LOKAD prefix"},
          {static_cast<int>(errc::wrong_lokad_prefix), "chain: wrong LOKAD prefix"},
          {static_cast<int>(errc::wrong_lokad_version), "chain: wrong or missing LOKAD version"},
          {static_cast<int>(errc::missing_public_key), "chain: LOKAD payload does not start with a compressed key"},
          {static_cast<int>(errc::no_burn_output), "chain: no OP_RETURN output"},
          {static_cast<int>(errc::wrong_burn_identifier), "chain: wrong burn identifier"},
          {static_cast<int>(errc::wrong_burn_pool), "chain: burn is for another pool"},
          {static_cast<int>(errc::wrong_burn_version), "chain: wrong burn version"},
          {static_cast<int>(errc::wrong_burn_amount), "chain: burn amount differs from the expected one"},
          {static_cast<int>(errc::unsupported_spend_type), "chain: spent output is neither P2PKH nor Taproot"},
          {static_cast<int>(errc::script_sig_malformed), "chain: scriptSig is not the pushes the spend needs"},
          {static_cast<int>(errc::public_key_mismatch), "chain: public key does not match the P2PKH hash"},
          {static_cast<int>(errc::signature_not_schnorr), "chain: not a 65-byte Schnorr transaction signature"},
          {static_cast<int>(errc::taproot_requires_lotus_sighash), "chain: Taproot key-path signature must use SIGHASH_LOTUS"},
          {static_cast<int>(errc::signature_invalid), "chain: signature does not verify"},
      });
  return cat;
}

}  // namespace lotus::chain
