// LOKAD data outputs and burn-based identities (lotus-wire.md §6.1, §6.3, §8.11; vectors in
// tests/vectors/burn.json).
//
// LOKAD layout: OP_RETURN <4-byte prefix> <1-byte version> <payload pushes...>. Parsed exactly
// as the reference's BurnVerifier does, on a script that is a data output (is_data_output):
//   * there must be >= 3 opcodes (OP_RETURN included) and opcode 1 must push exactly 4 bytes,
//     else there is no LOKAD data at all;
//   * version: opcode 2 if it pushes exactly one byte (OP_1..OP_16 push nothing: no version);
//   * payload: the concatenated data of the pushes from opcode 3 on (OP_0 contributes an empty
//     push; OP_1..OP_16 nothing); absent if no opcode from 3 on is a push.
//
// MuSig2 identity burn ("LTMS", §6.3): OP_RETURN 04 "LTMS" 01 01 21 <P33> [more pushes].
// Identity id (§6.1): sha256(txid bytes IN DISPLAY ORDER (the hex as given, not reversed) ||
// one byte output_index & 0xff) — the reference's deriveIdentityId, reproduced bit for bit,
// including the index truncation (outputs 0 and 256 share an id).
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "chain/errc.hpp"
#include "chain/hash.hpp"

namespace lotus::chain {

using LokadPrefix = std::array<std::uint8_t, 4>;
inline constexpr LokadPrefix kLtmsPrefix{0x4c, 0x54, 0x4d, 0x53};  // "LTMS"
inline constexpr std::uint8_t kLtmsVersion = 1;

struct LokadData {
  LokadPrefix prefix{};
  std::optional<std::uint8_t> version;
  std::optional<Bytes> payload;
  friend bool operator==(const LokadData&, const LokadData&) = default;
};

// errc::not_data_output if the script is not a data output; a data output without LOKAD
// fields gives nullopt (the reference returns the burn with the LOKAD fields undefined).
Result<std::optional<LokadData>> parse_lokad(BytesView script);

// The reference's verifyLokadPrefix: opcode 1 pushes exactly `prefix` (no data-output check).
bool has_lokad_prefix(BytesView script, const LokadPrefix& prefix);

// The reference's parsePublicKeyFromLokad: the first 33 bytes when the payload has >= 33 bytes
// and starts with 02/03 (not checked to be on the curve).
std::optional<std::array<std::uint8_t, 33>> public_key_from_lokad_payload(BytesView payload);

// sha256(txid_display || byte(output_index)). txid_display: the 32 bytes of the txid hex as
// written (to_display_hex order).
Hash256 derive_identity_id(const Hash256& txid_display, std::uint32_t output_index);
// Same from the internal-order txid (what txid() returns).
Hash256 derive_identity_id_from_txid(const Hash256& txid_internal, std::uint32_t output_index);

// --- LTMS identity burn ---
// OP_RETURN 04 "LTMS" 01 <version> 21 <key33> [push extra] — errc::data_too_large if > 223 bytes.
Result<Bytes> ltms_identity_script(const std::array<std::uint8_t, 33>& public_key, BytesView extra = {},
                                   std::uint8_t version = kLtmsVersion);
struct LtmsIdentity {
  std::array<std::uint8_t, 33> public_key{};
  Bytes payload;  // the whole LOKAD payload (key first)
};
// Checks prefix LTMS, version (explicit 1-byte push equal to `version`) and a 02/03 key at the
// start of the payload, each failure with its own errc.
Result<LtmsIdentity> parse_ltms_identity(BytesView script, std::uint8_t version = kLtmsVersion);

// sha256(identity_id) — the message an identity key signs at registration (§8.11).
Hash256 identity_registration_message(const Hash256& identity_id);
// sha256(identity_id || "KEY_ROTATION" || new_key33) — signed by the old and the new key.
Hash256 key_rotation_message(const Hash256& identity_id, const std::array<std::uint8_t, 33>& new_key);

}  // namespace lotus::chain
