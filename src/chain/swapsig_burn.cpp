#include "chain/swapsig_burn.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "chain/script.hpp"

namespace lotus::chain {

std::int64_t swapsig_burn_amount(std::int64_t swap_amount, const SwapSigBurnConfig& c) {
  const double product = std::floor(static_cast<double>(swap_amount) * c.burn_percentage);
  // Clamp in double first: a product beyond int64 must not be converted (UB).
  const double clamped = std::max(static_cast<double>(c.minimum_burn),
                                  std::min(product, static_cast<double>(c.maximum_burn)));
  return static_cast<std::int64_t>(clamped);
}

Result<Bytes> swapsig_burn_script(BytesView pool_id, const SwapSigBurnConfig& c) {
  const std::array<std::uint8_t, 1> v{c.version};
  std::vector<BytesView> pushes{as_bytes(c.burn_identifier)};
  if (c.pool_id_in_burn) pushes.push_back(pool_id);
  pushes.push_back(v);
  return data_script(pushes);
}

Result<TxOutput> swapsig_burn_output(std::int64_t amount, BytesView pool_id, const SwapSigBurnConfig& c) {
  LOTUS_TRY(script, swapsig_burn_script(pool_id, c));
  return TxOutput{amount, std::move(script)};
}

Status validate_swapsig_burn(std::span<const TxOutput> outputs, std::int64_t expected_amount,
                             BytesView expected_pool_id, const SwapSigBurnConfig& c) {
  const auto it = std::find_if(outputs.begin(), outputs.end(), [](const TxOutput& o) {
    return !o.script.empty() && o.script[0] == op::kReturn;
  });
  if (it == outputs.end()) return errc::no_burn_output;
  if (it->value != expected_amount) return errc::wrong_burn_amount;
  LOTUS_TRY(ops, parse_script(it->script));
  const std::size_t need = c.pool_id_in_burn ? 4 : 3;
  if (ops.size() < need) return errc::not_data_output;
  const auto equal = [](BytesView a, BytesView b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); };
  if (!equal(ops[1].data, as_bytes(c.burn_identifier))) return errc::wrong_burn_identifier;
  std::size_t next = 2;
  if (c.pool_id_in_burn) {
    if (!equal(ops[2].data, expected_pool_id)) return errc::wrong_burn_pool;
    next = 3;
  }
  if (ops[next].data.empty() || ops[next].data[0] != c.version) return errc::wrong_burn_version;
  return {};
}

}  // namespace lotus::chain
