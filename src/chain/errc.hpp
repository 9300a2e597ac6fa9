// Error codes of the Lotus chain primitives (src/chain): transaction and script parsing,
// addresses, signature hashes and the burn formats. One specific value per refusal.
#pragma once

#include <system_error>

#include "base/error.hpp"

namespace lotus::chain {

enum class errc {
  // transaction encoding
  truncated = 1,                // input ended inside a field
  trailing_bytes,               // bytes left after the transaction
  transaction_too_large,        // input longer than the configured maximum (default 1 MB)
  compact_size_not_canonical,   // a shorter CompactSize encoding exists (lotusd rejects it)
  compact_size_too_large,       // CompactSize above 0x02000000 (lotusd MAX_SIZE)
  too_many_inputs,              // input count above the limit or above what the bytes can hold
  too_many_outputs,             // output count above the limit or above what the bytes can hold
  script_too_large,             // scriptSig / scriptPubKey longer than the limit
  // scripts
  script_push_truncated,        // a push opcode runs past the end of the script
  not_data_output,              // not OP_RETURN + pushes, or longer than 223 bytes
  not_p2pkh,                    // not OP_DUP OP_HASH160 <20> OP_EQUALVERIFY OP_CHECKSIG
  not_taproot,                  // not OP_SCRIPTTYPE OP_1 <33> [<32>]
  data_too_large,               // a push or OP_RETURN payload too large to encode
  // addresses
  address_too_long,             // text longer than kMaxAddressLength
  address_no_network,           // no network character ('_', 'T', 'R', upper case, digit)
  address_base58,               // payload is not base58
  address_too_short,            // fewer than 5 payload bytes (type + checksum)
  address_checksum,             // neither the current nor the legacy checksum matches
  address_wrong_token,          // prefix is not "lotus"
  address_unknown_network,      // network character is not '_', 'T' or 'R'
  address_wrong_network,        // network differs from the one required
  address_unknown_type,         // type byte is not 0 (script) or 2 (Taproot)
  address_unsupported_script,   // type-0 payload is not a P2PKH/P2SH script
  address_bad_taproot_key,      // type-2 payload is not a valid 33-byte commitment
  // signature hashes
  input_index_out_of_range,     // no input at that index
  spent_outputs_mismatch,       // spent outputs missing or not one per input
  invalid_sighash_type,         // base type not ALL/NONE/SINGLE, or unused bits set
  unsupported_sighash_algorithm,// legacy (no FORKID) or reserved 0x20 algorithm
  sighash_single_no_output,     // SIGHASH_LOTUS|SINGLE without an output at the input index
  amount_out_of_range,          // amount negative or sums overflow
  // burns
  not_lokad,                    // no 4-byte LOKAD prefix push after OP_RETURN
  wrong_lokad_prefix,           // LOKAD prefix differs from the expected one
  wrong_lokad_version,          // version is not an explicit 1-byte push of the expected value
  missing_public_key,           // payload does not start with a 02/03 33-byte key
  no_burn_output,               // no OP_RETURN output in the transaction
  wrong_burn_identifier,        // first push is not the expected SwapSig identifier
  wrong_burn_pool,              // pool id push differs from the expected pool
  wrong_burn_version,           // version push differs from the expected version
  wrong_burn_amount,            // burn output value differs from the expected amount
  // input verification
  unsupported_spend_type,       // spent output is neither P2PKH nor Taproot (key path)
  script_sig_malformed,         // scriptSig is not exactly the minimal pushes the spend needs
  public_key_mismatch,          // P2PKH: hash160 of the pushed key differs from the output's
  signature_not_schnorr,        // not 64 bytes + sighash byte (ECDSA signatures unsupported)
  taproot_requires_lotus_sighash,  // Taproot key-path signature without SIGHASH_LOTUS
  signature_invalid,            // well-formed signature that does not verify
};

const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

}  // namespace lotus::chain

LOTUS_ERRC_ENUM(lotus::chain::errc)
