// Small helpers to build the transactions chain-access tests put on the ChainModel (unsigned:
// the model checks structure and amounts, not scripts, unless a signature check is set).
#pragma once

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "chain/lokad.hpp"
#include "chain/script.hpp"
#include "chain/transaction.hpp"
#include "chronik/messages.hpp"

namespace lotus::chronik::test {

inline Bytes p2pkh(BytesView pkh20) {
  chain::Hash160 h{};
  std::copy_n(pkh20.begin(), std::min<std::size_t>(pkh20.size(), h.size()), h.begin());
  return chain::p2pkh_script(h);
}

// A transaction spending `ins` (sequence final, empty scriptSigs) to `outs` (value, script).
inline chain::Transaction spend(const std::vector<OutPoint>& ins, const std::vector<std::pair<std::int64_t, Bytes>>& outs,
                                std::uint32_t lock_time = 0) {
  chain::Transaction tx;
  for (const auto& o : ins) {
    chain::TxInput in;
    in.prevout.txid = o.txid;
    in.prevout.index = o.out_idx;
    tx.inputs.push_back(in);
  }
  for (const auto& [v, s] : outs) tx.outputs.push_back(chain::TxOutput{v, s});
  tx.lock_time = lock_time;
  return tx;
}

// An LTMS identity burn script (OP_RETURN 04 LTMS 01 01 21 <key33>) for the key 02|fill...
inline Bytes ltms_burn_script(std::uint8_t fill) {
  std::array<std::uint8_t, 33> key{};
  key.fill(fill);
  key[0] = 0x02;
  return *chain::ltms_identity_script(key);
}

}  // namespace lotus::chronik::test
