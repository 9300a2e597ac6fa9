// src/chain/address: the Lotus XAddress format. Fixed strings are lotusd's own test expectations
// (src/test/dstencode_tests.cpp, xaddress_tests.cpp); the cross-check against xpi-ts and
// bitcore-lib-xpi for keys on all three networks is tests/chain (label interop).
#include <gtest/gtest.h>

#include "base/hex.hpp"
#include "chain/address.hpp"
#include "chain/codec.hpp"
#include "chain/script.hpp"
#include "crypto/hash.hpp"
#include "multiformats/multibase.hpp"

using namespace lotus;
using namespace lotus::chain;

namespace {
Hash160 lotusd_hash() {
  Hash160 h{};
  const Bytes b = *from_hex("76a04053bda0a88bda5177b86a15c3b29f559873");
  std::copy(b.begin(), b.end(), h.begin());
  return h;
}
}  // namespace

TEST(ChainAddress, LotusdVectors) {
  const Bytes pkh = p2pkh_script(lotusd_hash());
  const Bytes sh = p2sh_script(lotusd_hash());
  EXPECT_EQ(*address_from_script(pkh, Network::mainnet), "lotus_16PSJLk9W86KAZp26x3uM176w6N9vUU8YNQQnQTHN");
  EXPECT_EQ(*address_from_script(sh, Network::mainnet), "lotus_1PrQz5R11Ae1YcbvUpGDSvzPP2GsVw6E7mthMV");
  auto a = parse_address("lotus_16PSJLk9W86KAZp26x3uM176w6N9vUU8YNQQnQTHN", Network::mainnet);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->script, pkh);
  auto b = parse_address("lotus_1PrQz5R11Ae1YcbvUpGDSvzPP2GsVw6E7mthMV");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->script, sh);
  // Decodes and re-encodes to itself.
  auto c = decode_address_content("lotus_1PrQxBkWiRorG9kcMKvFq3hoRdN8XLUy4YzAHe");
  ASSERT_TRUE(c);
  EXPECT_EQ(encode_address_content(*c), "lotus_1PrQxBkWiRorG9kcMKvFq3hoRdN8XLUy4YzAHe");
  EXPECT_EQ(decode_address_content("lotusabcfdsafdsafdsfdasfdsa").error(), make_error_code(errc::address_no_network));
  EXPECT_EQ(decode_address_content("lotus_fdasf").error(), make_error_code(errc::address_too_short));
}

TEST(ChainAddress, NetworksAndTypes) {
  const Bytes pkh = p2pkh_script(lotusd_hash());
  for (Network n : {Network::mainnet, Network::testnet, Network::regtest}) {
    const std::string s = *address_from_script(pkh, n);
    EXPECT_EQ(s.substr(0, 6), std::string("lotus") + static_cast<char>(n));
    auto back = parse_address(s, n);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->network, n);
    EXPECT_EQ(back->script, pkh);
  }
  const std::string main = *address_from_script(pkh, Network::mainnet);
  EXPECT_EQ(parse_address(main, Network::testnet).error(), make_error_code(errc::address_wrong_network));

  // Taproot: type 2 with the 33-byte commitment; an off-curve key is refused.
  std::array<std::uint8_t, 33> q{};
  const Bytes g = *from_hex("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
  std::copy(g.begin(), g.end(), q.begin());
  const Bytes tap = taproot_script(q);
  const std::string ta = *address_from_script(tap, Network::mainnet);
  auto tc = decode_address_content(ta);
  ASSERT_TRUE(tc);
  EXPECT_EQ(tc->type, 2);
  EXPECT_EQ(tc->payload, g);
  EXPECT_EQ(parse_address(ta)->script, tap);
  AddressContent bad{"lotus", '_', 2, Bytes(33, 0x02)};
  bad.payload[1] = 0xff;
  bad.payload.back() = 0xff;  // x >= p
  std::fill(bad.payload.begin() + 1, bad.payload.end(), 0xff);
  EXPECT_EQ(parse_address(encode_address_content(bad)).error(), make_error_code(errc::address_bad_taproot_key));
  // A state-carrying Taproot script has its commitment's address (as lotusd).
  Hash256 st{};
  EXPECT_EQ(*address_from_script(taproot_script(q, st), Network::mainnet), ta);

  // Refusals, each with its reason.
  EXPECT_EQ(address_from_script(*from_hex("6a0101"), Network::mainnet).error(),
            make_error_code(errc::address_unsupported_script));
  EXPECT_EQ(parse_address(encode_address_content({"lotus", '_', 0, Bytes(20, 1)})).error(),
            make_error_code(errc::address_unsupported_script));
  EXPECT_EQ(parse_address(encode_address_content({"lotus", '_', 7, pkh})).error(),
            make_error_code(errc::address_unknown_type));
  EXPECT_EQ(parse_address(encode_address_content({"bitcoin", '_', 0, pkh})).error(),
            make_error_code(errc::address_wrong_token));
  EXPECT_EQ(parse_address(encode_address_content({"lotus", 'X', 0, pkh})).error(),
            make_error_code(errc::address_unknown_network));
  std::string flipped = main;
  flipped.back() = flipped.back() == 'N' ? 'M' : 'N';
  EXPECT_EQ(parse_address(flipped).error(), make_error_code(errc::address_checksum));
  EXPECT_EQ(parse_address("lotus_0OIl").error(), make_error_code(errc::address_base58));
  EXPECT_EQ(parse_address(std::string(kMaxAddressLength + 1, 'a')).error(), make_error_code(errc::address_too_long));
}

TEST(ChainAddress, LegacyChecksumAccepted) {
  // lotusd <= 1.0.1 committed to sha256(CompactSize+"lotus" || net || type || CompactSize+payload);
  // build such an address by hand and check that it still decodes (as lotusd and xpi-ts do).
  const Bytes pkh = p2pkh_script(lotusd_hash());
  Bytes pre;
  put_var_bytes(pre, as_bytes("lotus"));
  pre.push_back('_');
  pre.push_back(0);
  put_var_bytes(pre, pkh);
  const auto sum = crypto::sha256(pre);
  Bytes raw{0};
  append(raw, pkh);
  raw.insert(raw.end(), sum.begin(), sum.begin() + 4);
  const std::string legacy = "lotus_" + mf::base58btc_encode(raw);
  auto a = parse_address(legacy);
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->script, pkh);
  // Re-encoding uses the current checksum.
  EXPECT_EQ(*address_from_script(pkh, Network::mainnet), "lotus_16PSJLk9W86KAZp26x3uM176w6N9vUU8YNQQnQTHN");
  EXPECT_NE(legacy, "lotus_16PSJLk9W86KAZp26x3uM176w6N9vUU8YNQQnQTHN");
}
