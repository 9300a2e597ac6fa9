// The SwapSig pool burn (lotus-wire.md §9.3; reference lib/p2p/swapsig/burn.ts; vectors in
// tests/vectors/burn.json). Not a LOKAD output: there is no 4-byte prefix.
//
//   script  = OP_RETURN <push "SWAPSIG_BURN"> [<push pool id> if pool_id_in_burn] <push 1: version>
//             e.g. 6a 0c 535741505349475f4255524e 20 <pool32> 01 01 (49 bytes)
//   amount  = clamp(floor(swap_amount * percentage), minimum, maximum) — computed in IEEE double
//             as the reference does (with 0.001 it equals integer division by 1000; burn.json
//             checks both).
//   validate: the FIRST output whose script starts with OP_RETURN is the burn (a later valid
//             burn is not looked for); value == expected, >= 4 opcodes (3 without pool id),
//             opcode 1 == identifier, opcode 2 == pool id, the next opcode's first byte ==
//             version; extra pushes after it are ignored.
// Deviation: the reference compares the pool id as hex strings, so an expected id in upper
// case never matches; we compare bytes.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "chain/errc.hpp"
#include "chain/transaction.hpp"

namespace lotus::chain {

struct SwapSigBurnConfig {
  double burn_percentage = 0.001;
  std::int64_t minimum_burn = 100;
  std::int64_t maximum_burn = 10'000;
  std::string burn_identifier = "SWAPSIG_BURN";
  bool pool_id_in_burn = true;
  std::uint8_t version = 1;
};

// clamp(floor(swap_amount * burn_percentage), minimum_burn, maximum_burn).
std::int64_t swapsig_burn_amount(std::int64_t swap_amount, const SwapSigBurnConfig& config = {});

Result<Bytes> swapsig_burn_script(BytesView pool_id, const SwapSigBurnConfig& config = {});
Result<TxOutput> swapsig_burn_output(std::int64_t amount, BytesView pool_id, const SwapSigBurnConfig& config = {});

// Success, or the specific reason the transaction's outputs do not carry the expected burn.
Status validate_swapsig_burn(std::span<const TxOutput> outputs, std::int64_t expected_amount,
                             BytesView expected_pool_id, const SwapSigBurnConfig& config = {});

}  // namespace lotus::chain
