// Signature hashes of Lotus consensus (lotusd src/script/interpreter.cpp SignatureHash, the
// authority; sighashtype.h for the type byte):
//
//   type byte = base (ALL 1 | NONE 2 | SINGLE 3) | algorithm (FORKID 0x40 | LOTUS 0x60)
//               [| ANYONECANPAY 0x80]; bits 0x1c must be 0. Hashed as a uint32 whose upper 24
//               bits (the fork value) are 0 on Lotus; the functions take that uint32.
//
//   SIGHASH_FORKID (SignatureHashBIP143): BIP143 over the Bitcoin-format fields:
//     sha256d( version | hashPrevouts | hashSequence | prevout | var scriptCode | i64 amount |
//              sequence | hashOutputs | lock_time | u32 type )
//     hashPrevouts = sha256d(all prevouts) unless ANYONECANPAY; hashSequence = sha256d(all
//     sequences) only for ALL without ANYONECANPAY; hashOutputs = sha256d(all outputs) for ALL,
//     sha256d(output[i]) for SINGLE with i < #outputs, else zero.
//
//   SIGHASH_LOTUS (SignatureHashLotus; needed for Taproot key-path spends; enabled again by
//   the Second Samuel upgrade, 2025-12-21 15:03 UTC, MTP 1766329380):
//     sha256d( u32 type
//            | sha256d(u8 spend_type | prevout | u32 sequence | spent_output[i])
//                 spend_type = 2 when script execution data is given (non-Taproot spends),
//                 0 for a Taproot key-path spend
//            | [u32 codeseparator_pos | executed_script_hash]        if execution data
//            | [u32 i | spent_outputs_root | i64 sum(spent amounts)] unless ANYONECANPAY
//            | [i64 sum(output amounts)]                              if ALL
//            | i32 version
//            | [inputs_root | u8 inputs_height]                      unless ANYONECANPAY
//            | [sha256d(output[i])]                                  if SINGLE (error if none)
//            | [outputs_root | u8 outputs_height]                    if ALL
//            | u32 lock_time )
//     with the Lotus merkle trees of chain/hash.hpp; spent_outputs_root is the tree over
//     sha256d(spent output) per input. For a plain script (P2PKH) spent with SIGHASH_LOTUS the
//     execution data is {0xffffffff, sha256d(scriptPubKey)} (ScriptExecutionData with no
//     OP_CODESEPARATOR executed).
//
// The resulting Hash256 is signed as-is (lotusd: pubkey.VerifySchnorr(sighash, sig) with the
// uint256's bytes), e.g. crypto::lotus_sig::sign(key, hash), and the 65-byte signature is
// r || s || type byte.
//
// Not implemented: the legacy (pre-FORKID) algorithm, which Lotus consensus never accepts
// for new signatures, and the replay-protection fork value. lotusd (11.4.14) turns
// SCRIPT_ENABLE_REPLAY_PROTECTION on at the NEXT upgrade's time (Second Kings, MTP
// 1798074180, 2026-12-24 01:03 UTC) so that a node not upgraded by then leaves the network;
// upgraded releases move that time to the following upgrade. Live-chain signatures never
// use it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "base/result.hpp"
#include "chain/errc.hpp"
#include "chain/hash.hpp"
#include "chain/transaction.hpp"

namespace lotus::chain {

namespace sighash {
inline constexpr std::uint8_t kAll = 0x01;
inline constexpr std::uint8_t kNone = 0x02;
inline constexpr std::uint8_t kSingle = 0x03;
inline constexpr std::uint8_t kForkId = 0x40;
inline constexpr std::uint8_t kLotus = 0x60;
inline constexpr std::uint8_t kAnyoneCanPay = 0x80;
inline constexpr std::uint8_t kAlgorithmMask = 0x60;
inline constexpr std::uint8_t kUnusedMask = 0x1c;
inline constexpr std::uint8_t kAllForkId = kAll | kForkId;  // 0x41
inline constexpr std::uint8_t kAllLotus = kAll | kLotus;    // 0x61
}  // namespace sighash

// What script execution contributes to a SIGHASH_LOTUS hash (lotusd ScriptExecutionData).
struct ScriptExecData {
  std::uint32_t codeseparator_pos = 0xffffffff;
  Hash256 executed_script_hash{};
  // For a plain script with no OP_CODESEPARATOR executed: {0xffffffff, sha256d(script)}.
  static ScriptExecData for_script(BytesView executed_script);
};

// Everything per transaction a signer or verifier needs, computed once (lotusd
// PrecomputedTransactionData). spent_outputs: the output each input spends, in input order;
// required for SIGHASH_LOTUS (may be empty if only FORKID hashes are computed).
class SighashContext {
 public:
  static Result<SighashContext> create(const Transaction& tx, std::vector<TxOutput> spent_outputs = {});

  // SIGHASH_FORKID: script_code is the script being executed (the spent scriptPubKey for
  // P2PKH), amount the value of the spent output.
  // Like lotusd SignatureHashBIP143 this does not judge the base type; for_input() does.
  Result<Hash256> forkid(std::size_t input_index, std::uint32_t type, BytesView script_code,
                         std::int64_t amount) const;
  // SIGHASH_LOTUS: exec = nullopt for a Taproot key-path spend, ScriptExecData otherwise.
  Result<Hash256> lotus(std::size_t input_index, std::uint32_t type,
                        const std::optional<ScriptExecData>& exec) const;
  // Dispatch on the algorithm bits as lotusd SignatureHash does; for FORKID the script code and
  // amount are those of spent_outputs[input_index], for LOTUS exec is derived from that
  // output's script unless it is a Taproot output (key path). Covers P2PKH and Taproot
  // key-path inputs, the spends our protocols create.
  // Also refuses undefined types (is_defined_sighash_type), as lotusd's signature encoding
  // check does before hashing.
  Result<Hash256> for_input(std::size_t input_index, std::uint32_t type) const;

  const Transaction& transaction() const noexcept { return *m_tx; }
  bool has_spent_outputs() const noexcept { return m_spent.size() == m_tx->inputs.size(); }
  // Precondition: has_spent_outputs() and i < number of inputs.
  const TxOutput& spent_output(std::size_t i) const noexcept { return m_spent[i]; }

 private:
  const Transaction* m_tx = nullptr;  // must outlive the context
  std::vector<TxOutput> m_spent;
  Hash256 m_hash_prevouts{}, m_hash_sequence{}, m_hash_outputs{};
  MerkleRoot m_inputs_root, m_outputs_root, m_spent_root;
  std::int64_t m_amount_in = 0, m_amount_out = 0;  // wrapping sums, as lotusd's (unchecked) Amount sums
};

// Base type ALL/NONE/SINGLE and no unused bits (lotusd SigHashType::isDefined + the
// SignatureHashLotus check); the algorithm is checked by the hash functions.
bool is_defined_sighash_type(std::uint32_t type) noexcept;

// The type as lotusd hashes it under SCRIPT_ENABLE_REPLAY_PROTECTION (fork value
// 0xff0000 | (fork ^ 0xdead) in the upper 24 bits). Not active on the live chain; see above.
std::uint32_t with_replay_protection(std::uint32_t type) noexcept;

}  // namespace lotus::chain
