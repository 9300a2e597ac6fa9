// Lotus Taproot (lib/bitcore/taproot.ts at cebfdf1): the TapTweak commitment and the Lotus
// Taproot output script. Used by the MuSig2 key-path variant (musig2.hpp Session::create_taproot).
//
// Deviations from BIP341: the internal key is the 33-byte compressed key (not x-only) and the
// commitment Q' = P + t*G keeps its own parity in its 33-byte encoding (no negation); a
// key-path-only output commits to 32 zero bytes as merkle root (BIP341: empty string); t is
// used mod n (BIP341 fails for t >= n; here t = 0 mod n or Q' = infinity is an error).
// Script: OP_SCRIPTTYPE (0x62) OP_1 (0x51) 0x21 <Q'33> [0x20 <state32>] — 36 or 69 bytes,
// spent on the key path with a Lotus Schnorr signature and sighash 0x61 (ALL|LOTUS).
// Not implemented: script-path spending (TapLeaf/TapBranch, control blocks) and addresses.
#pragma once

#include <optional>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "crypto/lotus/schnorr.hpp"

namespace lotus::crypto::lotus_sig {

inline constexpr std::uint8_t kOpScriptType = 0x62;
inline constexpr std::uint8_t kOp1 = 0x51;

// t = TaggedHash("TapTweak", internal33 || merkle_root), unreduced as the reference keeps it.
Bytes32 taproot_tweak(const PublicKey& internal_key, const Bytes32& merkle_root = {});
// Q' = internal + (t mod n)*G.
Result<PublicKey> taproot_commitment(const PublicKey& internal_key, const Bytes32& merkle_root = {});

Bytes taproot_script_pubkey(const PublicKey& commitment, const std::optional<Bytes32>& state = std::nullopt);

struct TaprootScript {
  PublicKey commitment;
  std::optional<Bytes32> state;
};
Result<TaprootScript> parse_taproot_script(BytesView script);

}  // namespace lotus::crypto::lotus_sig
