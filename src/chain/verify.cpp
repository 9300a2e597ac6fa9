#include "chain/verify.hpp"

#include "chain/script.hpp"
#include "crypto/lotus/schnorr.hpp"

namespace lotus::chain {
namespace {

// A push of exactly n bytes (n in 1..75) encoded minimally, i.e. as the direct push opcode n.
bool is_direct_push(const ScriptOp& op, std::size_t n) {
  return op.is_push && op.opcode == n && op.data.size() == n;
}

}  // namespace

Status verify_input(const SighashContext& ctx, std::size_t in) {
  const Transaction& tx = ctx.transaction();
  if (in >= tx.inputs.size()) return errc::input_index_out_of_range;
  const BytesView script_sig = tx.inputs[in].script_sig;
  auto ops = parse_script(script_sig);
  if (!ops) return errc::script_sig_malformed;

  auto check_sig = [&](BytesView sig65, const std::array<std::uint8_t, 33>& key, bool taproot) -> Status {
    if (sig65.size() != 65) return errc::signature_not_schnorr;
    const std::uint32_t type = sig65[64];
    if (!is_defined_sighash_type(type)) return errc::invalid_sighash_type;
    const std::uint32_t alg = type & sighash::kAlgorithmMask;
    if (taproot && alg != sighash::kLotus) return errc::taproot_requires_lotus_sighash;
    if (alg != sighash::kForkId && alg != sighash::kLotus) return errc::unsupported_sighash_algorithm;
    LOTUS_TRY(hash, ctx.for_input(in, type));
    const Status st = crypto::lotus_sig::verify_bytes(key, hash, sig65);
    if (st) return {};
    if (st.error() == make_error_code(crypto::lotus_sig::errc::signature_mismatch)) return errc::signature_invalid;
    return st.error();  // the key or signature encoding, with the crypto module's reason
  };

  if (!ctx.has_spent_outputs()) return errc::spent_outputs_mismatch;
  const TxOutput& spent = ctx.spent_output(in);
  if (auto h = match_p2pkh(spent.script)) {
    if (ops->size() != 2 || !(*ops)[0].is_push || !is_direct_push((*ops)[1], 33))
      return errc::script_sig_malformed;
    if ((*ops)[0].data.size() == 65 && !is_direct_push((*ops)[0], 65)) return errc::script_sig_malformed;
    const BytesView key = (*ops)[1].data;
    if (hash160(key) != *h) return errc::public_key_mismatch;
    std::array<std::uint8_t, 33> k{};
    std::copy(key.begin(), key.end(), k.begin());
    return check_sig((*ops)[0].data, k, false);
  }
  if (auto t = match_taproot(spent.script)) {
    if (ops->size() != 1 || !(*ops)[0].is_push) return errc::script_sig_malformed;
    if ((*ops)[0].data.size() == 65 && !is_direct_push((*ops)[0], 65)) return errc::script_sig_malformed;
    return check_sig((*ops)[0].data, t->commitment, true);
  }
  return errc::unsupported_spend_type;
}

Status verify_inputs(const SighashContext& ctx) {
  for (std::size_t i = 0; i < ctx.transaction().inputs.size(); ++i) LOTUS_CHECK(verify_input(ctx, i));
  return {};
}

}  // namespace lotus::chain
