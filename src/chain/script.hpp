// Lotus output scripts: the opcode reader (lotusd CScript::GetOp / the reference's Script
// chunks) and the script forms our protocols create and recognise:
//   P2PKH          OP_DUP OP_HASH160 <20> OP_EQUALVERIFY OP_CHECKSIG          76 a9 14 .. 88 ac
//   P2SH           OP_HASH160 <20> OP_EQUAL                                   a9 14 .. 87
//   Taproot        OP_SCRIPTTYPE OP_1 <33 commitment> [<32 state>]           62 51 21 .. [20 ..]
//                  (lotusd script/taproot.cpp IsPayToTaproot; key-path spends only here)
//   data output    OP_RETURN <push>...  (the reference's Script.isDataOut: the script is at
//                  most 223 bytes and every opcode after OP_RETURN is <= OP_16 or a PUSHDATA)
//
// Pushes are encoded as the reference's Script.add(Buffer) does: a direct push 0x01..0x4b for
// 1..75 bytes — also for a single byte, so a version 0x01 is `01 01`, never OP_1 (0x51) —
// OP_PUSHDATA1/2/4 above, OP_0 for empty data.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "chain/errc.hpp"
#include "chain/hash.hpp"

namespace lotus::chain {

namespace op {
inline constexpr std::uint8_t k0 = 0x00;
inline constexpr std::uint8_t kPushData1 = 0x4c;
inline constexpr std::uint8_t kPushData2 = 0x4d;
inline constexpr std::uint8_t kPushData4 = 0x4e;
inline constexpr std::uint8_t k1 = 0x51;
inline constexpr std::uint8_t k16 = 0x60;
inline constexpr std::uint8_t kScriptType = 0x62;  // Lotus OP_SCRIPTTYPE (was OP_VERIF)
inline constexpr std::uint8_t kReturn = 0x6a;
inline constexpr std::uint8_t kDup = 0x76;
inline constexpr std::uint8_t kEqual = 0x87;
inline constexpr std::uint8_t kEqualVerify = 0x88;
inline constexpr std::uint8_t kHash160 = 0xa9;
inline constexpr std::uint8_t kCheckSig = 0xac;
}  // namespace op

inline constexpr std::size_t kMaxDataOutputSize = 223;  // reference isDataOut / lotusd MAX_OP_RETURN_RELAY

// One opcode of a script. For push opcodes (0x00..0x4e) `data` is the pushed bytes (a view
// into the script) and `is_push` is true; for any other opcode `data` is empty.
struct ScriptOp {
  std::uint8_t opcode = 0;
  bool is_push = false;
  BytesView data;
};

// Splits a script into opcodes; errc::script_push_truncated if a push runs past the end.
// Bounded by the script: at most script.size() entries.
Result<std::vector<ScriptOp>> parse_script(BytesView script);

// Appends a push of `data` in the reference's encoding (see the header comment).
void push_data(Bytes& script, BytesView data);

// --- P2PKH / P2SH ---
Bytes p2pkh_script(const Hash160& pubkey_hash);
Bytes p2pkh_script_for_key(BytesView public_key33);  // hash160 of the key
std::optional<Hash160> match_p2pkh(BytesView script);
Bytes p2sh_script(const Hash160& script_hash);
std::optional<Hash160> match_p2sh(BytesView script);
// scriptSig spending P2PKH: <65-byte signature with sighash byte> <33-byte key>.
Bytes p2pkh_script_sig(BytesView signature, BytesView public_key33);

// --- Taproot (Lotus) ---
struct TaprootOutput {
  std::array<std::uint8_t, 33> commitment{};
  std::optional<Hash256> state;
};
Bytes taproot_script(const std::array<std::uint8_t, 33>& commitment,
                     const std::optional<Hash256>& state = std::nullopt);
// Layout only (lotusd IsPayToTaproot); does not check that the commitment is on the curve.
std::optional<TaprootOutput> match_taproot(BytesView script);
// Key-path spend: the scriptSig is the single push <65-byte signature with sighash byte>.
Bytes taproot_key_path_script_sig(BytesView signature);

// --- OP_RETURN data outputs ---
// OP_RETURN followed by one push per element; errc::data_too_large if the script would
// exceed kMaxDataOutputSize (it could not be recognised as a data output).
Result<Bytes> data_script(const std::vector<BytesView>& pushes);
// The reference's Script.isDataOut(): OP_RETURN first, <= 223 bytes, rest push-only.
bool is_data_output(BytesView script);

enum class ScriptType { p2pkh, p2sh, taproot, data, other };
ScriptType classify(BytesView script);

}  // namespace lotus::chain
