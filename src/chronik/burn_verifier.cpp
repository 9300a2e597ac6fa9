#include "chronik/burn_verifier.hpp"

#include "base/hex.hpp"
#include "chain/script.hpp"
#include "chronik/errc.hpp"

namespace lotus::chronik {

const std::error_category& burn_category() noexcept {
  static const TableCategory cat("burn", {
      {static_cast<int>(burn_errc::not_found), "burn: transaction not found"},
      {static_cast<int>(burn_errc::no_such_output), "burn: the transaction has no output at that index"},
      {static_cast<int>(burn_errc::not_data_output), "burn: the output is not an OP_RETURN data output"},
      {static_cast<int>(burn_errc::wrong_prefix), "burn: LOKAD prefix absent or not the expected one"},
      {static_cast<int>(burn_errc::below_amount), "burn: amount below the minimum"},
      {static_cast<int>(burn_errc::not_mined), "burn: transaction not mined yet"},
      {static_cast<int>(burn_errc::not_confirmed), "burn: fewer confirmations than required"},
      {static_cast<int>(burn_errc::immature), "burn: not matured (fewer confirmations than the maturation period)"},
      {static_cast<int>(burn_errc::invalid_amount), "burn: negative output value"},
  });
  return cat;
}

asio::awaitable<Result<std::int32_t>> BurnVerifier::confirmations_of(const Tx& tx) {
  if (!tx.block) co_return 0;
  auto info = co_await m_client.blockchain_info();
  if (!info) co_return info.error();
  // A lagging server (failover between the two calls) could report a tip below the block: the
  // transaction is in a block, so it has at least one confirmation.
  co_return std::max<std::int32_t>(1, info->tip_height - tx.block->height + 1);
}

asio::awaitable<Result<BurnInfo>> BurnVerifier::inspect_burn(Hash txid, std::uint32_t output_index,
                                                             std::int32_t maturation) {
  auto tx = co_await m_client.tx(txid);
  if (!tx) co_return tx.error() == errc::not_found ? make_error_code(burn_errc::not_found) : tx.error();
  if (output_index >= tx->outputs.size()) co_return burn_errc::no_such_output;
  const auto& out = tx->outputs[output_index];
  if (!chain::is_data_output(out.output_script)) co_return burn_errc::not_data_output;
  if (out.value < 0) co_return burn_errc::invalid_amount;
  auto conf = co_await confirmations_of(*tx);
  if (!conf) co_return conf.error();
  BurnInfo b;
  b.txid = txid;
  b.output_index = output_index;
  b.burn_amount = out.value;
  b.block_height = tx->block ? tx->block->height : -1;
  b.confirmations = *conf;
  b.is_matured = maturation <= 0 || *conf >= maturation;
  b.script = out.output_script;
  b.script_hex = to_hex(out.output_script);
  auto lokad = chain::parse_lokad(out.output_script);
  if (lokad && lokad->has_value()) {
    b.lokad_prefix = (*lokad)->prefix;
    b.lokad_version = (*lokad)->version;
    b.lokad_payload = (*lokad)->payload;
  }
  co_return b;
}

asio::awaitable<Result<BurnInfo>> BurnVerifier::verify_burn(Hash txid, std::uint32_t output_index,
                                                            std::int32_t min_confirmations, std::int32_t maturation,
                                                            BurnPolicy policy) {
  auto b = co_await inspect_burn(txid, output_index, maturation);
  if (!b) co_return b.error();
  if (policy.prefix && (!b->lokad_prefix || *b->lokad_prefix != *policy.prefix)) co_return burn_errc::wrong_prefix;
  if (b->burn_amount < policy.min_amount) co_return burn_errc::below_amount;
  if (b->block_height < 0 && (min_confirmations > 0 || maturation > 0)) co_return burn_errc::not_mined;
  if (b->confirmations < min_confirmations) co_return burn_errc::not_confirmed;
  if (!b->is_matured) co_return burn_errc::immature;
  co_return b;
}

asio::awaitable<Result<BurnVerifier::IdentityBurn>> BurnVerifier::verify_identity_burn(Hash txid,
                                                                                       std::uint32_t output_index,
                                                                                       std::int64_t min_amount,
                                                                                       std::int32_t maturation) {
  BurnPolicy policy;
  policy.prefix = chain::kLtmsPrefix;
  policy.min_amount = min_amount;
  auto b = co_await verify_burn(txid, output_index, 1, maturation, policy);
  if (!b) co_return b.error();
  auto id = chain::parse_ltms_identity(b->script);
  if (!id) co_return id.error();
  IdentityBurn r;
  r.public_key = id->public_key;
  r.identity_id = chain::derive_identity_id_from_txid(txid, output_index);
  r.burn = std::move(*b);
  co_return r;
}

asio::awaitable<Status> BurnVerifier::verify_swapsig_burn(Hash txid, std::int64_t expected_amount, Bytes pool_id,
                                                          std::int32_t min_confirmations,
                                                          chain::SwapSigBurnConfig config) {
  auto tx = co_await m_client.tx(txid);
  if (!tx) co_return tx.error() == errc::not_found ? make_error_code(burn_errc::not_found) : tx.error();
  std::vector<chain::TxOutput> outs;
  outs.reserve(tx->outputs.size());
  for (const auto& o : tx->outputs) outs.push_back(chain::TxOutput{o.value, o.output_script});
  if (auto st = chain::validate_swapsig_burn(outs, expected_amount, pool_id, config); !st) co_return st.error();
  if (min_confirmations > 0) {
    if (!tx->block) co_return burn_errc::not_mined;
    auto conf = co_await confirmations_of(*tx);
    if (!conf) co_return conf.error();
    if (*conf < min_confirmations) co_return burn_errc::not_confirmed;
  }
  co_return Status{};
}

}  // namespace lotus::chronik
