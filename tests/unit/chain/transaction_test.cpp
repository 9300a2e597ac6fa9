// src/chain/transaction: wire format, bounded parsing (one errc per failure) and the Lotus txid.
// The txid/tx-hash vector is lotusd's own: the mainnet genesis block (chainparams.cpp
// CreateGenesisBlock) asserts its merkle root, which for one transaction is
// sha256d(tx_hash || txid) — so both hashes must be right to match it.
#include <gtest/gtest.h>

#include <string>

#include "base/hex.hpp"
#include "chain/codec.hpp"
#include "chain/script.hpp"
#include "chain/transaction.hpp"

using namespace lotus;
using namespace lotus::chain;

namespace {

Bytes hx(std::string_view s) {
  auto b = from_hex(s);
  if (!b) throw std::runtime_error("bad hex");
  return *b;
}

// lotusd src/chainparams.cpp CreateGenesisBlock.
Transaction genesis_coinbase() {
  Transaction tx;
  tx.version = 1;
  TxInput in;
  in.prevout.index = 0xffffffff;  // COutPoint null
  push_data(in.script_sig, as_bytes("John 1:1 In the beginning was the Logos"));
  tx.inputs.push_back(in);
  TxOutput o0;
  o0.value = 130 * kCoin;  // SUBSIDY / 2, SUBSIDY = 260 LOTUS
  o0.script = {op::kReturn};
  push_data(o0.script, as_bytes("logos"));  // COINBASE_PREFIX
  o0.script.push_back(op::k0);              // CScript << int(0) is OP_0
  push_data(o0.script, hx("ffe330c4b7643e554c62adcbe0b80537435d888b5c33d5e29a70cdd743e3a093"));
  TxOutput o1;
  o1.value = 130 * kCoin;
  push_data(o1.script, hx("04678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5f"));
  o1.script.push_back(op::kCheckSig);
  tx.outputs = {o0, o1};
  return tx;
}

Transaction sample(std::size_t n_in, std::size_t n_out) {
  Transaction tx;
  for (std::size_t i = 0; i < n_in; ++i) {
    TxInput in;
    in.prevout.txid.fill(static_cast<std::uint8_t>(i + 1));
    in.prevout.index = static_cast<std::uint32_t>(i);
    in.script_sig = Bytes(i * 7, 0xab);
    in.sequence = 0xfffffffe - static_cast<std::uint32_t>(i);
    tx.inputs.push_back(in);
  }
  for (std::size_t i = 0; i < n_out; ++i) {
    Hash160 h{};
    h.fill(static_cast<std::uint8_t>(0x10 + i));
    tx.outputs.push_back({static_cast<std::int64_t>(1000 * (i + 1)), p2pkh_script(h)});
  }
  tx.lock_time = 123456;
  return tx;
}

}  // namespace

TEST(ChainTransaction, GenesisMerkleRootMatchesLotusd) {
  const Transaction tx = genesis_coinbase();
  Bytes leaf;
  append(leaf, tx_hash(tx));
  append(leaf, txid(tx));
  const MerkleRoot block_root = merkle_root({sha256d(leaf)});
  EXPECT_EQ(block_root.height, 1);
  EXPECT_EQ(to_display_hex(block_root.root), "37f392d88f70cdada6d366a25a7ef90b6711bf2d6b5ffea4f39727dcb90af34c");
  // And the serialisation round-trips.
  auto parsed = parse_transaction(serialize(tx));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, tx);
}

TEST(ChainTransaction, TxidIgnoresScriptSigsButHashDoesNot) {
  Transaction a = sample(3, 2);
  Transaction b = a;
  b.inputs[1].script_sig = hx("0102030405");
  EXPECT_EQ(txid(a), txid(b));
  EXPECT_NE(tx_hash(a), tx_hash(b));
  b.inputs[1].sequence ^= 1;
  EXPECT_NE(txid(a), txid(b));
}

TEST(ChainTransaction, TxidIsTheDocumentedConstruction) {
  // Rebuild the preimage by hand from the merkle roots: version | in_root | in_h | out_root |
  // out_h | lock_time, so a change in the field order or widths is caught.
  const Transaction tx = sample(3, 5);
  const MerkleRoot in = inputs_merkle_root(tx.inputs);
  const MerkleRoot out = outputs_merkle_root(tx.outputs);
  EXPECT_EQ(in.height, 3);   // 3 leaves -> 2 -> 1
  EXPECT_EQ(out.height, 4);  // 5 -> 3 -> 2 -> 1
  Bytes pre;
  put_u32(pre, 2);
  append(pre, in.root);
  pre.push_back(3);
  append(pre, out.root);
  pre.push_back(4);
  put_u32(pre, 123456);
  EXPECT_EQ(txid(tx), sha256d(pre));
}

TEST(ChainTransaction, MerkleTreePadsWithZeroNotDuplicate) {
  Hash256 a{}, b{}, c{};
  a.fill(1);
  b.fill(2);
  c.fill(3);
  const auto pair = [](const Hash256& l, const Hash256& r) {
    Bytes x(l.begin(), l.end());
    append(x, r);
    return sha256d(x);
  };
  const MerkleRoot r = merkle_root({a, b, c});
  EXPECT_EQ(r.height, 3);
  EXPECT_EQ(r.root, pair(pair(a, b), pair(c, Hash256{})));
  EXPECT_EQ(merkle_root({}), (MerkleRoot{Hash256{}, 0}));
  EXPECT_EQ(merkle_root({a}), (MerkleRoot{a, 1}));
}

TEST(ChainTransaction, RoundTripsAndRejectsEveryTruncation) {
  const Transaction tx = sample(4, 3);
  const Bytes wire = serialize(tx);
  EXPECT_EQ(wire.size(), serialized_size(tx));
  auto back = parse_transaction(wire);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, tx);
  for (std::size_t n = 0; n < wire.size(); ++n) {
    auto r = parse_transaction(BytesView(wire.data(), n));
    ASSERT_FALSE(r) << n;
    EXPECT_EQ(r.error(), make_error_code(errc::truncated)) << n;
  }
  Bytes longer = wire;
  longer.push_back(0);
  EXPECT_EQ(parse_transaction(longer).error(), make_error_code(errc::trailing_bytes));
}

TEST(ChainTransaction, CountsAreCheckedBeforeAllocation) {
  // version | CompactSize 0x02000000 inputs and nothing else: must not reserve 33M inputs.
  Bytes w;
  put_u32(w, 2);
  put_compact_size(w, 0x02000000);
  ParseLimits big;
  big.max_inputs = 1u << 30;
  EXPECT_EQ(parse_transaction(w, big).error(), make_error_code(errc::truncated));
  EXPECT_EQ(parse_transaction(w).error(), make_error_code(errc::too_many_inputs));
  Bytes w2;
  put_u32(w2, 2);
  put_compact_size(w2, 0x02000001);
  EXPECT_EQ(parse_transaction(w2).error(), make_error_code(errc::compact_size_too_large));

  Bytes w3;
  put_u32(w3, 2);
  put_compact_size(w3, 0);
  put_compact_size(w3, 200'000);
  EXPECT_EQ(parse_transaction(w3).error(), make_error_code(errc::too_many_outputs));
}

TEST(ChainTransaction, NonCanonicalCompactSizeRejected) {
  Bytes w;
  put_u32(w, 2);
  w.insert(w.end(), {0xfd, 0x01, 0x00});  // 1 as a 3-byte CompactSize
  EXPECT_EQ(parse_transaction(w).error(), make_error_code(errc::compact_size_not_canonical));
  const Bytes b4 = hx("feffff0000"), b8 = hx("ffffffffff00000000"), b3 = hx("fd0001");
  Reader r4(b4);
  EXPECT_EQ(r4.compact_size().error(), make_error_code(errc::compact_size_not_canonical));
  Reader r8(b8);
  EXPECT_EQ(r8.compact_size().error(), make_error_code(errc::compact_size_not_canonical));
  Reader ok(b3);
  EXPECT_EQ(*ok.compact_size(), 256u);
}

TEST(ChainTransaction, ScriptAndSizeLimits) {
  Transaction tx = sample(1, 1);
  tx.outputs[0].script = Bytes(5000, 0x51);
  const Bytes wire = serialize(tx);
  ParseLimits l;
  l.max_script_size = 4999;
  EXPECT_EQ(parse_transaction(wire, l).error(), make_error_code(errc::script_too_large));
  l = {};
  l.max_size = wire.size() - 1;
  EXPECT_EQ(parse_transaction(wire, l).error(), make_error_code(errc::transaction_too_large));
  EXPECT_TRUE(parse_transaction(wire));
}

TEST(ChainTransaction, AmountChecks) {
  Transaction tx = sample(1, 2);
  EXPECT_TRUE(check_amounts(tx));
  tx.outputs[0].value = -1;
  EXPECT_EQ(check_amounts(tx).error(), make_error_code(errc::amount_out_of_range));
  tx.outputs[0].value = kMaxMoney;
  tx.outputs[1].value = 1;
  EXPECT_EQ(check_amounts(tx).error(), make_error_code(errc::amount_out_of_range));
}

TEST(ChainTransaction, DisplayHexIsReversed) {
  Hash256 h{};
  h[0] = 0xaa;
  h[31] = 0x01;
  const std::string s = to_display_hex(h);
  EXPECT_EQ(s.substr(0, 2), "01");
  EXPECT_EQ(s.substr(62), "aa");
  EXPECT_EQ(*from_display_hex(s), h);
  EXPECT_FALSE(from_display_hex(s.substr(2)));
  EXPECT_FALSE(from_display_hex(std::string(64, 'g')));
}
