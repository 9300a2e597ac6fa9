// src/chain/sighash: the layouts of SIGHASH_FORKID and SIGHASH_LOTUS rebuilt field by field
// from the header's description, the flag semantics, refusals, and signing with the Lotus
// Schnorr signer. Agreement with independent implementations (xpi-ts, bitcore-lib-xpi) is
// checked by tests/chain (label interop); agreement with lotusd's own sighash.json was checked
// when this was written (docs/design-notes.md, "Lotus chain primitives").
#include <gtest/gtest.h>

#include "base/hex.hpp"
#include "chain/codec.hpp"
#include "chain/script.hpp"
#include "chain/sighash.hpp"
#include "crypto/lotus/schnorr.hpp"
#include "crypto/lotus/taproot.hpp"

using namespace lotus;
using namespace lotus::chain;
namespace ls = lotus::crypto::lotus_sig;

namespace {

struct Fixture {
  Transaction tx;
  std::vector<TxOutput> spent;
};

Fixture make(std::size_t n_in = 3, std::size_t n_out = 3) {
  Fixture f;
  f.tx.version = 2;
  f.tx.lock_time = 99;
  for (std::size_t i = 0; i < n_in; ++i) {
    TxInput in;
    in.prevout.txid.fill(static_cast<std::uint8_t>(0xa0 + i));
    in.prevout.index = static_cast<std::uint32_t>(i * 3);
    in.sequence = 0xffffff00 + static_cast<std::uint32_t>(i);
    f.tx.inputs.push_back(in);
    Hash160 h{};
    h.fill(static_cast<std::uint8_t>(i));
    f.spent.push_back({static_cast<std::int64_t>(100000 * (i + 1)), p2pkh_script(h)});
  }
  for (std::size_t i = 0; i < n_out; ++i) {
    Hash160 h{};
    h.fill(static_cast<std::uint8_t>(0x40 + i));
    f.tx.outputs.push_back({static_cast<std::int64_t>(5000 * (i + 1)), p2pkh_script(h)});
  }
  return f;
}

Hash256 out_hash(const TxOutput& o) { return sha256d(serialize(o)); }

}  // namespace

TEST(ChainSighash, ForkIdAllLayout) {
  Fixture f = make();
  auto ctx = SighashContext::create(f.tx, f.spent);
  ASSERT_TRUE(ctx);
  Bytes prevouts, seqs, outs;
  for (const auto& i : f.tx.inputs) {
    serialize_to(prevouts, i.prevout);
    put_u32(seqs, i.sequence);
  }
  for (const auto& o : f.tx.outputs) serialize_to(outs, o);
  Bytes pre;
  put_u32(pre, 2);
  append(pre, sha256d(prevouts));
  append(pre, sha256d(seqs));
  serialize_to(pre, f.tx.inputs[1].prevout);
  put_var_bytes(pre, f.spent[1].script);
  put_u64(pre, 200000);
  put_u32(pre, f.tx.inputs[1].sequence);
  append(pre, sha256d(outs));
  put_u32(pre, 99);
  put_u32(pre, 0x41);
  EXPECT_EQ(*ctx->for_input(1, 0x41), sha256d(pre));

  // SINGLE|ANYONECANPAY: zero prevouts/sequences, only the output at the index.
  Bytes pre2;
  put_u32(pre2, 2);
  append(pre2, Hash256{});
  append(pre2, Hash256{});
  serialize_to(pre2, f.tx.inputs[1].prevout);
  put_var_bytes(pre2, f.spent[1].script);
  put_u64(pre2, 200000);
  put_u32(pre2, f.tx.inputs[1].sequence);
  append(pre2, out_hash(f.tx.outputs[1]));
  put_u32(pre2, 99);
  put_u32(pre2, 0xc3);
  EXPECT_EQ(*ctx->for_input(1, 0xc3), sha256d(pre2));
}

TEST(ChainSighash, LotusAllLayout) {
  Fixture f = make(3, 5);
  auto ctx = SighashContext::create(f.tx, f.spent);
  ASSERT_TRUE(ctx);
  const std::size_t i = 2;
  Bytes input;
  input.push_back(2);  // spend type: execution data present (P2PKH)
  serialize_to(input, f.tx.inputs[i].prevout);
  put_u32(input, f.tx.inputs[i].sequence);
  serialize_to(input, f.spent[i]);
  std::vector<Hash256> spent_leaves;
  for (const auto& s : f.spent) spent_leaves.push_back(out_hash(s));
  Bytes pre;
  put_u32(pre, 0x61);
  append(pre, sha256d(input));
  put_u32(pre, 0xffffffff);
  append(pre, sha256d(f.spent[i].script));
  put_u32(pre, static_cast<std::uint32_t>(i));
  append(pre, merkle_root(spent_leaves).root);
  put_u64(pre, 600000);
  put_u64(pre, 5000 + 10000 + 15000 + 20000 + 25000);
  put_u32(pre, 2);
  const MerkleRoot ins = inputs_merkle_root(f.tx.inputs), outs = outputs_merkle_root(f.tx.outputs);
  append(pre, ins.root);
  pre.push_back(ins.height);
  append(pre, outs.root);
  pre.push_back(outs.height);
  put_u32(pre, 99);
  EXPECT_EQ(*ctx->for_input(i, 0x61), sha256d(pre));

  // Taproot key path: spend type 0, no execution data.
  std::array<std::uint8_t, 33> q{};
  const Bytes g = *from_hex("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
  std::copy(g.begin(), g.end(), q.begin());
  f.spent[0].script = taproot_script(q);
  auto ctx2 = SighashContext::create(f.tx, f.spent);
  EXPECT_EQ(*ctx2->for_input(0, 0x61), *ctx2->lotus(0, 0x61, std::nullopt));
  EXPECT_NE(*ctx2->for_input(0, 0x61), *ctx2->lotus(0, 0x61, ScriptExecData::for_script(f.spent[0].script)));
}

TEST(ChainSighash, FlagSemantics) {
  Fixture f = make();
  auto ctx = SighashContext::create(f.tx, f.spent);
  Fixture g = f;
  g.tx.inputs[0].sequence ^= 1;  // another input's sequence
  auto ctxg = SighashContext::create(g.tx, g.spent);
  for (std::uint32_t alg : {0x40u, 0x60u}) {
    EXPECT_NE(*ctx->for_input(1, alg | 1), *ctxg->for_input(1, alg | 1));
    EXPECT_EQ(*ctx->for_input(1, alg | 0x80 | 1), *ctxg->for_input(1, alg | 0x80 | 1));
  }
  Fixture o = f;
  o.tx.outputs[2].value += 1;  // an output other than the input's index
  auto ctxo = SighashContext::create(o.tx, o.spent);
  for (std::uint32_t alg : {0x40u, 0x60u}) {
    EXPECT_NE(*ctx->for_input(1, alg | 1), *ctxo->for_input(1, alg | 1));
    EXPECT_EQ(*ctx->for_input(1, alg | 2), *ctxo->for_input(1, alg | 2));  // NONE
    EXPECT_EQ(*ctx->for_input(1, alg | 3), *ctxo->for_input(1, alg | 3));  // SINGLE
  }
}

TEST(ChainSighash, Refusals) {
  Fixture f = make(3, 1);
  auto ctx = SighashContext::create(f.tx, f.spent);
  EXPECT_EQ(ctx->for_input(3, 0x41).error(), make_error_code(errc::input_index_out_of_range));
  EXPECT_EQ(ctx->for_input(0, 0x01).error(), make_error_code(errc::unsupported_sighash_algorithm));
  EXPECT_EQ(ctx->for_input(0, 0x21).error(), make_error_code(errc::unsupported_sighash_algorithm));
  EXPECT_EQ(ctx->for_input(0, 0x40).error(), make_error_code(errc::invalid_sighash_type));
  EXPECT_EQ(ctx->for_input(0, 0x45).error(), make_error_code(errc::invalid_sighash_type));
  EXPECT_EQ(ctx->lotus(0, 0x64, std::nullopt).error(), make_error_code(errc::invalid_sighash_type));
  EXPECT_EQ(ctx->for_input(2, 0x63).error(), make_error_code(errc::sighash_single_no_output));
  EXPECT_TRUE(ctx->for_input(2, 0x43));  // BIP143: hashOutputs = 0
  EXPECT_EQ(SighashContext::create(f.tx, {f.spent[0]}).error(), make_error_code(errc::spent_outputs_mismatch));
  auto no_spent = SighashContext::create(f.tx);
  ASSERT_TRUE(no_spent);
  EXPECT_TRUE(no_spent->forkid(0, 0x41, f.spent[0].script, f.spent[0].value));
  EXPECT_EQ(no_spent->lotus(0, 0x61, std::nullopt).error(), make_error_code(errc::spent_outputs_mismatch));
  EXPECT_EQ(with_replay_protection(0x41), 0xffdead41u);
}

TEST(ChainSighash, SignsWithLotusSchnorr) {
  Fixture f = make(2, 2);
  auto sk = ls::SecretKey::parse(*from_hex("b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfef"));
  ASSERT_TRUE(sk);
  auto q = ls::taproot_commitment(sk->public_key());
  ASSERT_TRUE(q);
  f.spent[0].script = p2pkh_script_for_key(sk->public_key().bytes());
  f.spent[1].script = taproot_script(q->bytes());
  auto ctx = SighashContext::create(f.tx, f.spent);
  const Hash256 m0 = *ctx->for_input(0, sighash::kAllForkId);
  const auto sig0 = *ls::sign(*sk, m0);
  f.tx.inputs[0].script_sig = p2pkh_script_sig(sig0.to_tx_format(sighash::kAllForkId), sk->public_key().bytes());
  EXPECT_TRUE(ls::verify(sk->public_key(), m0, sig0));
  // Filling in scriptSigs changes neither the txid nor any sighash.
  const Hash256 before = txid(f.tx);
  const Hash256 m1 = *ctx->for_input(1, sighash::kAllLotus);
  f.tx.inputs[1].script_sig = taproot_key_path_script_sig(Bytes(65, 0));
  EXPECT_EQ(txid(f.tx), before);
  auto again = SighashContext::create(f.tx, f.spent);
  EXPECT_EQ(*again->for_input(0, sighash::kAllForkId), m0);
  EXPECT_EQ(*again->for_input(1, sighash::kAllLotus), m1);
  EXPECT_EQ(f.tx.inputs[0].script_sig.size(), 1u + 65 + 1 + 33);
}
