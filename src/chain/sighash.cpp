#include "chain/sighash.hpp"

#include "chain/codec.hpp"
#include "chain/script.hpp"

namespace lotus::chain {
namespace {

std::uint32_t base_type(std::uint32_t t) { return t & 0x1f; }
bool anyone_can_pay(std::uint32_t t) { return (t & sighash::kAnyoneCanPay) != 0; }

// Sums without range checks (lotusd does none here either; consensus checks amounts elsewhere),
// wrapping instead of signed overflow.
void add_amount(std::int64_t& sum, std::int64_t v) {
  sum = static_cast<std::int64_t>(static_cast<std::uint64_t>(sum) + static_cast<std::uint64_t>(v));
}

}  // namespace

ScriptExecData ScriptExecData::for_script(BytesView executed_script) {
  return ScriptExecData{0xffffffff, sha256d(executed_script)};
}

bool is_defined_sighash_type(std::uint32_t type) noexcept {
  return (type & 0x03) != 0 && (type & sighash::kUnusedMask) == 0;
}

std::uint32_t with_replay_protection(std::uint32_t type) noexcept {
  const std::uint32_t fork = type >> 8;
  const std::uint32_t new_fork = 0xff0000u | (fork ^ 0xdeadu);
  return (new_fork << 8) | (type & 0xff);
}

Result<SighashContext> SighashContext::create(const Transaction& tx, std::vector<TxOutput> spent_outputs) {
  if (!spent_outputs.empty() && spent_outputs.size() != tx.inputs.size()) return errc::spent_outputs_mismatch;
  SighashContext c;
  c.m_tx = &tx;
  Bytes buf;
  for (const auto& i : tx.inputs) serialize_to(buf, i.prevout);
  c.m_hash_prevouts = sha256d(buf);
  buf.clear();
  for (const auto& i : tx.inputs) put_u32(buf, i.sequence);
  c.m_hash_sequence = sha256d(buf);
  buf.clear();
  for (const auto& o : tx.outputs) serialize_to(buf, o);
  c.m_hash_outputs = sha256d(buf);
  c.m_inputs_root = inputs_merkle_root(tx.inputs);
  c.m_outputs_root = outputs_merkle_root(tx.outputs);
  for (const auto& o : tx.outputs) add_amount(c.m_amount_out, o.value);
  std::vector<Hash256> leaves;
  leaves.reserve(spent_outputs.size());
  for (const auto& o : spent_outputs) {
    add_amount(c.m_amount_in, o.value);
    leaves.push_back(sha256d(serialize(o)));
  }
  c.m_spent_root = merkle_root(std::move(leaves));
  c.m_spent = std::move(spent_outputs);
  return c;
}

Result<Hash256> SighashContext::forkid(std::size_t in, std::uint32_t type, BytesView script_code,
                                       std::int64_t amount) const {
  const Transaction& tx = *m_tx;
  if (in >= tx.inputs.size()) return errc::input_index_out_of_range;
  if ((type & sighash::kAlgorithmMask) != sighash::kForkId) return errc::unsupported_sighash_algorithm;
  const std::uint32_t base = base_type(type);
  Hash256 prevouts{}, sequence{}, outputs{};
  if (!anyone_can_pay(type)) prevouts = m_hash_prevouts;
  if (!anyone_can_pay(type) && base != sighash::kSingle && base != sighash::kNone) sequence = m_hash_sequence;
  if (base != sighash::kSingle && base != sighash::kNone) {
    outputs = m_hash_outputs;
  } else if (base == sighash::kSingle && in < tx.outputs.size()) {
    outputs = sha256d(serialize(tx.outputs[in]));
  }
  Bytes pre;
  pre.reserve(4 + 32 + 32 + 36 + 9 + script_code.size() + 8 + 4 + 32 + 4 + 4);
  put_u32(pre, static_cast<std::uint32_t>(tx.version));
  append(pre, prevouts);
  append(pre, sequence);
  serialize_to(pre, tx.inputs[in].prevout);
  put_var_bytes(pre, script_code);
  put_u64(pre, static_cast<std::uint64_t>(amount));
  put_u32(pre, tx.inputs[in].sequence);
  append(pre, outputs);
  put_u32(pre, tx.lock_time);
  put_u32(pre, type);
  return sha256d(pre);
}

Result<Hash256> SighashContext::lotus(std::size_t in, std::uint32_t type,
                                      const std::optional<ScriptExecData>& exec) const {
  const Transaction& tx = *m_tx;
  if (in >= tx.inputs.size()) return errc::input_index_out_of_range;
  if ((type & sighash::kAlgorithmMask) != sighash::kLotus) return errc::unsupported_sighash_algorithm;
  if (!is_defined_sighash_type(type)) return errc::invalid_sighash_type;
  if (m_spent.size() != tx.inputs.size()) return errc::spent_outputs_mismatch;
  const std::uint32_t base = base_type(type);
  if (base == sighash::kSingle && in >= tx.outputs.size()) return errc::sighash_single_no_output;

  Bytes pre;
  put_u32(pre, type);
  {
    Bytes input;
    put_u8(input, static_cast<std::uint8_t>(exec ? 2 : 0));
    serialize_to(input, tx.inputs[in].prevout);
    put_u32(input, tx.inputs[in].sequence);
    serialize_to(input, m_spent[in]);
    append(pre, sha256d(input));
  }
  if (exec) {
    put_u32(pre, exec->codeseparator_pos);
    append(pre, exec->executed_script_hash);
  }
  if (!anyone_can_pay(type)) {
    put_u32(pre, static_cast<std::uint32_t>(in));
    append(pre, m_spent_root.root);
    put_u64(pre, static_cast<std::uint64_t>(m_amount_in));
  }
  if (base == sighash::kAll) put_u64(pre, static_cast<std::uint64_t>(m_amount_out));
  put_u32(pre, static_cast<std::uint32_t>(tx.version));
  if (!anyone_can_pay(type)) {
    append(pre, m_inputs_root.root);
    put_u8(pre, m_inputs_root.height);
  }
  if (base == sighash::kSingle) append(pre, sha256d(serialize(tx.outputs[in])));
  if (base == sighash::kAll) {
    append(pre, m_outputs_root.root);
    put_u8(pre, m_outputs_root.height);
  }
  put_u32(pre, tx.lock_time);
  return sha256d(pre);
}

Result<Hash256> SighashContext::for_input(std::size_t in, std::uint32_t type) const {
  if (in >= m_tx->inputs.size()) return errc::input_index_out_of_range;
  if (!is_defined_sighash_type(type)) return errc::invalid_sighash_type;
  if (m_spent.size() != m_tx->inputs.size()) return errc::spent_outputs_mismatch;
  const TxOutput& spent = m_spent[in];
  switch (type & sighash::kAlgorithmMask) {
    case sighash::kForkId:
      return forkid(in, type, spent.script, spent.value);
    case sighash::kLotus:
      if (match_taproot(spent.script)) return lotus(in, type, std::nullopt);
      return lotus(in, type, ScriptExecData::for_script(spent.script));
    default:
      return errc::unsupported_sighash_algorithm;
  }
}

}  // namespace lotus::chain
