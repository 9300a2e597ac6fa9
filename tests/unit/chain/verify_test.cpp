// src/chain/verify: P2PKH and Taproot key-path inputs signed with src/chain + the Lotus Schnorr
// signer verify; every malformed or wrong spend is refused with its own reason.
#include <gtest/gtest.h>

#include "base/hex.hpp"
#include "chain/script.hpp"
#include "chain/verify.hpp"
#include "crypto/lotus/schnorr.hpp"
#include "crypto/lotus/secp.hpp"
#include "crypto/lotus/taproot.hpp"

using namespace lotus;
using namespace lotus::chain;
namespace ls = lotus::crypto::lotus_sig;

namespace {

ls::SecretKey sk(std::string_view hex) { return std::move(*ls::SecretKey::parse(*from_hex(hex))); }

ls::SecretKey tweaked(const ls::SecretKey& k) {
  namespace d = ls::detail;
  d::B32 s{};
  std::copy(k.secret().view().begin(), k.secret().view().end(), s.begin());
  return std::move(*ls::SecretKey::parse(d::scalar_add(s, d::reduce_mod_n(ls::taproot_tweak(k.public_key())))));
}

struct Spend {
  Transaction tx;
  std::vector<TxOutput> spent;
  ls::SecretKey a = sk("b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfef");
  ls::SecretKey b = sk("0b432b2677937381aef05bb02a66ecd012773062cf3fa2549e44f58ed2401710");

  Spend() {
    for (int i = 0; i < 2; ++i) {
      TxInput in;
      in.prevout.txid.fill(static_cast<std::uint8_t>(i + 7));
      tx.inputs.push_back(in);
    }
    spent.push_back({500000, p2pkh_script_for_key(a.public_key().bytes())});
    spent.push_back({700000, taproot_script(ls::taproot_commitment(b.public_key())->bytes())});
    tx.outputs.push_back({1100000, p2pkh_script_for_key(b.public_key().bytes())});
  }
  // Signs both inputs (P2PKH with `p2pkh_type`, Taproot with ALL|LOTUS).
  void sign(std::uint8_t p2pkh_type = sighash::kAllForkId) {
    auto ctx = SighashContext::create(tx, spent);
    const auto s0 = *ls::sign(a, *ctx->for_input(0, p2pkh_type));
    tx.inputs[0].script_sig = p2pkh_script_sig(s0.to_tx_format(p2pkh_type), a.public_key().bytes());
    const auto s1 = *ls::sign(tweaked(b), *ctx->for_input(1, sighash::kAllLotus));
    tx.inputs[1].script_sig = taproot_key_path_script_sig(s1.to_tx_format(sighash::kAllLotus));
  }
  std::error_code check(std::size_t i) const {
    auto ctx = SighashContext::create(tx, spent);
    return verify_input(*ctx, i).error();
  }
};

}  // namespace

TEST(ChainVerify, SignedInputsVerify) {
  for (std::uint8_t t : {sighash::kAllForkId, sighash::kAllLotus}) {
    Spend s;
    s.sign(t);
    auto ctx = SighashContext::create(s.tx, s.spent);
    EXPECT_TRUE(verify_inputs(*ctx)) << int(t);
  }
}

TEST(ChainVerify, Refusals) {
  const auto E = [](errc e) { return make_error_code(e); };
  {
    Spend s;
    s.sign();
    s.tx.outputs[0].value -= 1;  // changes what was signed
    EXPECT_EQ(s.check(0), E(errc::signature_invalid));
    EXPECT_EQ(s.check(1), E(errc::signature_invalid));
  }
  {
    Spend s;
    s.sign();
    s.tx.inputs[0].script_sig = p2pkh_script_sig(Bytes(65, 1), s.b.public_key().bytes());
    EXPECT_EQ(s.check(0), E(errc::public_key_mismatch));
    s.tx.inputs[0].script_sig = p2pkh_script_sig(Bytes(71, 0x30), s.a.public_key().bytes());
    EXPECT_EQ(s.check(0), E(errc::signature_not_schnorr));
    Bytes three = s.tx.inputs[0].script_sig;
    three.push_back(0x51);
    s.tx.inputs[0].script_sig = three;
    EXPECT_EQ(s.check(0), E(errc::script_sig_malformed));
  }
  {
    Spend s;
    s.sign();
    Bytes sig = s.tx.inputs[1].script_sig;  // 41 <65 bytes>
    sig[65] = sighash::kAllForkId;          // Taproot key path with FORKID
    s.tx.inputs[1].script_sig = sig;
    EXPECT_EQ(s.check(1), E(errc::taproot_requires_lotus_sighash));
    sig[65] = 0x65;  // LOTUS with unused bits
    s.tx.inputs[1].script_sig = sig;
    EXPECT_EQ(s.check(1), E(errc::invalid_sighash_type));
    // Non-minimal push of the same signature (PUSHDATA1).
    Bytes nonminimal{op::kPushData1, 65};
    nonminimal.insert(nonminimal.end(), sig.begin() + 1, sig.end());
    nonminimal[66] = sighash::kAllLotus;
    s.tx.inputs[1].script_sig = nonminimal;
    EXPECT_EQ(s.check(1), E(errc::script_sig_malformed));
  }
  {
    Spend s;
    s.sign();
    s.spent[0].script = *data_script({as_bytes("x")});
    EXPECT_EQ(s.check(0), E(errc::unsupported_spend_type));
    auto ctx = SighashContext::create(s.tx);
    EXPECT_EQ(verify_input(*ctx, 0).error(), E(errc::spent_outputs_mismatch));
    EXPECT_EQ(verify_input(*ctx, 5).error(), E(errc::input_index_out_of_range));
  }
}
