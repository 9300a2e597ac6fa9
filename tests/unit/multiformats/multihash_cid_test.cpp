#include <gtest/gtest.h>

#include "base/hex.hpp"
#include "base/varint.hpp"
#include "multiformats/cid.hpp"
#include "multiformats/multihash.hpp"

using namespace lotus;
using namespace lotus::mf;

namespace {
Bytes hex(std::string_view h) { return *from_hex(h); }
}  // namespace

TEST(Multihash, Sha256KnownAnswer) {
  // SHA-256("abc") from FIPS 180-2.
  EXPECT_EQ(to_hex(sha2_256_multihash(as_bytes("abc"))),
            "1220ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(to_hex(identity_multihash(as_bytes("hi"))), "00026869");
  const Bytes in = hex("00026869");
  auto mh = decode_multihash(in);
  ASSERT_TRUE(mh);
  EXPECT_EQ(mh->code, hash_code::identity);
  EXPECT_EQ(as_string_view(mh->digest), "hi");
  EXPECT_EQ(mh->size, 4u);
  // Prefix parsing leaves trailing bytes to the caller.
  const Bytes in2 = hex("00026869ff");
  auto p = decode_multihash_prefix(in2);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->size, 4u);
}

TEST(Multihash, Malformed) {
  struct Case {
    const char* hex;
    std::error_code want;
  };
  const Case cases[] = {
      {"", MhErrc::truncated},
      {"00", MhErrc::truncated},
      {"0003aabb", MhErrc::truncated},
      {"1220aa", MhErrc::truncated},
      {"1221" "000000000000000000000000000000000000000000000000000000000000000000", MhErrc::length_mismatch},
      {"121f" "00000000000000000000000000000000000000000000000000000000000000", MhErrc::length_mismatch},
      {"00026869ff", MhErrc::length_mismatch},  // trailing byte
      {"1320", MhErrc::unknown_code},           // sha2-512 is not supported
      {"30", MhErrc::unknown_code},             // 0x30: a code we do not know, before any length
      {"8000", varint::errc::not_minimal},      // non-minimal code varint
      {"008108", MhErrc::digest_too_long},      // 1025-byte identity digest declared
  };
  for (const auto& c : cases) {
    auto r = decode_multihash(hex(c.hex));
    ASSERT_FALSE(r) << c.hex;
    EXPECT_EQ(r.error(), c.want) << c.hex << ": " << r.error().message();
  }
}

TEST(Cid, SpecPeerIdExample) {
  // peer-ids.md: bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe is the CID form of
  // QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N (sha2-256 multihash 1220 9dff3b…).
  auto c = Cid::parse("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->codec(), multicodec::libp2p_key);
  EXPECT_EQ(to_hex(c->multihash()), "12209dff3b17d74cf4d38a50d8b6383e92d181a10395a5e73a726dcccbd21bf6f0b9");
  EXPECT_EQ(to_hex(c->to_bytes()), "017212209dff3b17d74cf4d38a50d8b6383e92d181a10395a5e73a726dcccbd21bf6f0b9");
  EXPECT_EQ(c->to_string(), "bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe");
  // The same CID in other bases.
  for (Base b : {Base::base58btc, Base::base64url, Base::base16}) {
    auto again = Cid::parse(c->to_string(b));
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, *c);
  }
  EXPECT_EQ(c->to_string(Base::base16), "f017212209dff3b17d74cf4d38a50d8b6383e92d181a10395a5e73a726dcccbd21bf6f0b9");
}

TEST(Cid, Malformed) {
  struct Case {
    const char* hex;
    std::error_code want;
  };
  const Case cases[] = {
      {"", CidErrc::truncated},
      {"01", CidErrc::truncated},
      {"0172", MhErrc::truncated},
      {"12209dff3b17d74cf4d38a50d8b6383e92d181a10395a5e73a726dcccbd21bf6f0b9", CidErrc::unsupported_version},
      {"0072", CidErrc::unsupported_version},
      {"02720000", CidErrc::unsupported_version},
      {"018000", varint::errc::not_minimal},
      {"01721320", MhErrc::unknown_code},
      {"0172000101ff", MhErrc::length_mismatch},
  };
  for (const auto& c : cases) {
    auto r = Cid::from_bytes(hex(c.hex));
    ASSERT_FALSE(r) << c.hex;
    EXPECT_EQ(r.error(), c.want) << c.hex << ": " << r.error().message();
  }
  EXPECT_EQ(Cid::parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N").error(), make_error_code(BaseErrc::unknown_prefix));
  EXPECT_EQ(Cid::from_bytes(Bytes(kMaxCidSize + 1, 1)).error(), make_error_code(CidErrc::too_long));
}
