#include "chain/transaction.hpp"

#include "chain/codec.hpp"

namespace lotus::chain {
namespace {

constexpr std::size_t kMinInputSize = 32 + 4 + 1 + 4;  // prevout, empty scriptSig, sequence
constexpr std::size_t kMinOutputSize = 8 + 1;          // value, empty script

Result<Bytes> read_script(Reader& r, const ParseLimits& limits) {
  LOTUS_TRY(n, r.compact_size());
  if (n > limits.max_script_size) return errc::script_too_large;
  if (n > r.remaining()) return errc::truncated;
  LOTUS_TRY(view, r.bytes(static_cast<std::size_t>(n)));
  return Bytes(view.begin(), view.end());
}

Result<TxOutput> read_output(Reader& r, const ParseLimits& limits) {
  TxOutput o;
  LOTUS_TRY(value, r.u64());
  o.value = static_cast<std::int64_t>(value);
  LOTUS_TRY(script, read_script(r, limits));
  o.script = std::move(script);
  return o;
}

}  // namespace

Result<Transaction> parse_transaction(BytesView in, const ParseLimits& limits) {
  if (in.size() > limits.max_size) return errc::transaction_too_large;
  Reader r(in);
  Transaction tx;
  LOTUS_TRY(version, r.u32());
  tx.version = static_cast<std::int32_t>(version);

  LOTUS_TRY(n_in, r.compact_size());
  if (n_in > limits.max_inputs) return errc::too_many_inputs;
  if (n_in > r.remaining() / kMinInputSize) return errc::truncated;
  tx.inputs.reserve(static_cast<std::size_t>(n_in));
  for (std::uint64_t i = 0; i < n_in; ++i) {
    TxInput input;
    LOTUS_TRY(prev, r.bytes(32));
    std::copy(prev.begin(), prev.end(), input.prevout.txid.begin());
    LOTUS_TRY(index, r.u32());
    input.prevout.index = index;
    LOTUS_TRY(script, read_script(r, limits));
    input.script_sig = std::move(script);
    LOTUS_TRY(sequence, r.u32());
    input.sequence = sequence;
    tx.inputs.push_back(std::move(input));
  }

  LOTUS_TRY(n_out, r.compact_size());
  if (n_out > limits.max_outputs) return errc::too_many_outputs;
  if (n_out > r.remaining() / kMinOutputSize) return errc::truncated;
  tx.outputs.reserve(static_cast<std::size_t>(n_out));
  for (std::uint64_t i = 0; i < n_out; ++i) {
    LOTUS_TRY(o, read_output(r, limits));
    tx.outputs.push_back(std::move(o));
  }
  LOTUS_TRY(lock_time, r.u32());
  tx.lock_time = lock_time;
  if (!r.empty()) return errc::trailing_bytes;
  return tx;
}

Result<TxOutput> parse_output(BytesView in, const ParseLimits& limits) {
  Reader r(in);
  LOTUS_TRY(o, read_output(r, limits));
  if (!r.empty()) return errc::trailing_bytes;
  return o;
}

void serialize_to(Bytes& out, const OutPoint& o) {
  append(out, o.txid);
  put_u32(out, o.index);
}

void serialize_to(Bytes& out, const TxOutput& o) {
  put_u64(out, static_cast<std::uint64_t>(o.value));
  put_var_bytes(out, o.script);
}

Bytes serialize(const TxOutput& o) {
  Bytes out;
  serialize_to(out, o);
  return out;
}

std::size_t serialized_size(const Transaction& tx) {
  std::size_t n = 4 + compact_size_length(tx.inputs.size()) + compact_size_length(tx.outputs.size()) + 4;
  for (const auto& i : tx.inputs) n += 36 + compact_size_length(i.script_sig.size()) + i.script_sig.size() + 4;
  for (const auto& o : tx.outputs) n += 8 + compact_size_length(o.script.size()) + o.script.size();
  return n;
}

Bytes serialize(const Transaction& tx) {
  Bytes out;
  out.reserve(serialized_size(tx));
  put_u32(out, static_cast<std::uint32_t>(tx.version));
  put_compact_size(out, tx.inputs.size());
  for (const auto& i : tx.inputs) {
    serialize_to(out, i.prevout);
    put_var_bytes(out, i.script_sig);
    put_u32(out, i.sequence);
  }
  put_compact_size(out, tx.outputs.size());
  for (const auto& o : tx.outputs) serialize_to(out, o);
  put_u32(out, tx.lock_time);
  return out;
}

MerkleRoot inputs_merkle_root(const std::vector<TxInput>& inputs) {
  std::vector<Hash256> leaves;
  leaves.reserve(inputs.size());
  Bytes buf;
  for (const auto& i : inputs) {
    buf.clear();
    serialize_to(buf, i.prevout);
    put_u32(buf, i.sequence);
    leaves.push_back(sha256d(buf));
  }
  return merkle_root(std::move(leaves));
}

MerkleRoot outputs_merkle_root(const std::vector<TxOutput>& outputs) {
  std::vector<Hash256> leaves;
  leaves.reserve(outputs.size());
  Bytes buf;
  for (const auto& o : outputs) {
    buf.clear();
    serialize_to(buf, o);
    leaves.push_back(sha256d(buf));
  }
  return merkle_root(std::move(leaves));
}

Hash256 txid(const Transaction& tx) {
  const MerkleRoot in = inputs_merkle_root(tx.inputs);
  const MerkleRoot out = outputs_merkle_root(tx.outputs);
  Bytes buf;
  buf.reserve(4 + 33 + 33 + 4);
  put_u32(buf, static_cast<std::uint32_t>(tx.version));
  append(buf, in.root);
  put_u8(buf, in.height);
  append(buf, out.root);
  put_u8(buf, out.height);
  put_u32(buf, tx.lock_time);
  return sha256d(buf);
}

Hash256 tx_hash(const Transaction& tx) { return sha256d(serialize(tx)); }

Status check_amounts(const Transaction& tx) {
  std::int64_t sum = 0;
  for (const auto& o : tx.outputs) {
    if (o.value < 0 || o.value > kMaxMoney) return errc::amount_out_of_range;
    sum += o.value;  // both <= kMaxMoney: no overflow
    if (sum > kMaxMoney) return errc::amount_out_of_range;
  }
  return {};
}

}  // namespace lotus::chain
