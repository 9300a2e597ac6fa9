// src/chain/script: the opcode reader, push encoding and the output forms.
#include <gtest/gtest.h>

#include "base/hex.hpp"
#include "chain/script.hpp"
#include "crypto/lotus/taproot.hpp"

using namespace lotus;
using namespace lotus::chain;

TEST(ChainScript, PushEncodingFollowsTheReference) {
  const auto enc = [](std::size_t n) {
    Bytes s;
    push_data(s, Bytes(n, 7));
    return s;
  };
  EXPECT_EQ(enc(0), Bytes{0x00});
  EXPECT_EQ(enc(1)[0], 0x01);  // never OP_1..OP_16
  EXPECT_EQ(enc(75)[0], 75);
  const Bytes e76 = enc(76), e256 = enc(256), e64k = enc(65536);
  EXPECT_EQ(Bytes(e76.begin(), e76.begin() + 2), (Bytes{0x4c, 76}));
  EXPECT_EQ(Bytes(e256.begin(), e256.begin() + 3), (Bytes{0x4d, 0x00, 0x01}));
  EXPECT_EQ(Bytes(e64k.begin(), e64k.begin() + 5), (Bytes{0x4e, 0x00, 0x00, 0x01, 0x00}));
  for (std::size_t n : {0u, 1u, 75u, 76u, 255u, 256u, 65536u}) {
    const Bytes s = enc(n);
    auto ops = parse_script(s);
    ASSERT_TRUE(ops);
    ASSERT_EQ(ops->size(), 1u);
    EXPECT_TRUE((*ops)[0].is_push);
    EXPECT_EQ((*ops)[0].data.size(), n);
  }
}

TEST(ChainScript, TruncatedPushesAreErrors) {
  for (const char* s : {"01", "4c", "4c02ff", "4d01", "4d0100", "4e010000", "4e02000000ff", "6a0402"}) {
    auto r = parse_script(*from_hex(s));
    ASSERT_FALSE(r) << s;
    EXPECT_EQ(r.error(), make_error_code(errc::script_push_truncated)) << s;
  }
  auto ok = parse_script(*from_hex("76a9"));
  ASSERT_TRUE(ok);
  EXPECT_FALSE((*ok)[0].is_push);
}

TEST(ChainScript, P2pkhAndP2sh) {
  const Bytes key = *from_hex("0364981f9e8831aeea424516668cdaced073e18c2fe6287d8b9ccc63bf13ba8367");
  const Bytes s = p2pkh_script_for_key(key);
  EXPECT_EQ(s.size(), 25u);
  EXPECT_EQ(to_hex(s).substr(0, 6), "76a914");
  EXPECT_EQ(to_hex(s).substr(46), "88ac");
  ASSERT_TRUE(match_p2pkh(s));
  EXPECT_EQ(*match_p2pkh(s), hash160(key));
  EXPECT_EQ(classify(s), ScriptType::p2pkh);
  Hash160 hh{};
  EXPECT_EQ(classify(p2sh_script(hh)), ScriptType::p2sh);
  EXPECT_FALSE(match_p2pkh(p2sh_script(hh)));
  // hash160 of a well-known key (Bitcoin's generator point G, compressed).
  EXPECT_EQ(to_hex(hash160(*from_hex("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"))),
            "751e76e8199196d454941c45d1b3a323f1433bd6");
}

TEST(ChainScript, TaprootMatchesTheCryptoModule) {
  auto key = crypto::lotus_sig::PublicKey::parse(
      *from_hex("0364981f9e8831aeea424516668cdaced073e18c2fe6287d8b9ccc63bf13ba8367"));
  ASSERT_TRUE(key);
  auto q = crypto::lotus_sig::taproot_commitment(*key);
  ASSERT_TRUE(q);
  const Bytes ours = taproot_script(q->bytes());
  EXPECT_EQ(ours, crypto::lotus_sig::taproot_script_pubkey(*q));
  auto m = match_taproot(ours);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->commitment, q->bytes());
  EXPECT_FALSE(m->state);
  Hash256 st{};
  st.fill(9);
  const Bytes with_state = taproot_script(q->bytes(), st);
  EXPECT_EQ(with_state.size(), 69u);
  EXPECT_EQ(match_taproot(with_state)->state, st);
  EXPECT_EQ(classify(with_state), ScriptType::taproot);
  Bytes bad = with_state;
  bad[36] = 31;
  EXPECT_FALSE(match_taproot(bad));
  EXPECT_FALSE(match_taproot(BytesView(ours.data(), 35)));
}

TEST(ChainScript, DataOutputs) {
  EXPECT_TRUE(is_data_output(*from_hex("6a")));
  EXPECT_TRUE(is_data_output(*from_hex("6a0051604c0100")));   // OP_0, OP_1, OP_16, PUSHDATA1
  EXPECT_FALSE(is_data_output(*from_hex("6a61")));            // OP_NOP is not push-only
  EXPECT_FALSE(is_data_output(*from_hex("6a04aabb")));        // truncated push
  EXPECT_FALSE(is_data_output(*from_hex("516a")));            // OP_RETURN not first
  Bytes big{op::kReturn, op::kPushData1, 220};
  big.resize(223, 0x07);
  EXPECT_TRUE(is_data_output(big));
  big.push_back(0x07);  // 224 bytes, push now malformed anyway; make it well formed:
  Bytes big2{op::kReturn, op::kPushData1, 221};
  big2.resize(224, 0x07);
  EXPECT_FALSE(is_data_output(big2));
  auto s = data_script({as_bytes("LTMS"), as_bytes("\x01")});
  ASSERT_TRUE(s);
  EXPECT_EQ(to_hex(*s), "6a044c544d530101");
  const Bytes too_big(222, 1);
  EXPECT_EQ(data_script({too_big}).error(), make_error_code(errc::data_too_large));
  const Bytes fits(220, 1);
  EXPECT_TRUE(data_script({fits}));
}
