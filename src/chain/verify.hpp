// Verification of the spends our protocols create, as lotusd's interpreter judges them
// (script/interpreter.cpp VerifyScript / VerifyTaprootSpend, script/sigencoding.cpp), for the
// two output types in use:
//   P2PKH           scriptSig = <65-byte sig> <33-byte key>, both minimal direct pushes and
//                   nothing else (SIGPUSHONLY, MINIMALDATA, CLEANSTACK); hash160(key) must be
//                   the output's hash; the sighash type byte must be defined and FORKID or
//                   LOTUS (FORKID is mandatory on Lotus); Lotus Schnorr over the sighash.
//   Taproot key path scriptSig = <65-byte sig> alone; the type must be SIGHASH_LOTUS; Lotus
//                   Schnorr under the 33-byte commitment in the output.
// Not covered (errc::unsupported_spend_type / signature_not_schnorr): ECDSA signatures,
// uncompressed keys, P2SH and other scripts, Taproot script-path spends. Lotus Schnorr
// signatures are 64 bytes + the type byte; lotusd also accepts ECDSA (DER) for P2PKH, which
// this refuses rather than mis-verifies.
#pragma once

#include <cstddef>

#include "base/result.hpp"
#include "chain/errc.hpp"
#include "chain/sighash.hpp"

namespace lotus::chain {

// The context must have been created with the spent outputs (one per input).
Status verify_input(const SighashContext& ctx, std::size_t input_index);
// Every input; the first failure is returned with nothing else (callers that need the index
// loop over verify_input themselves).
Status verify_inputs(const SighashContext& ctx);

}  // namespace lotus::chain
