// PeerId against the libp2p/specs peer-ids.md test vectors (PublicKey protobuf hex fixtures).
// Expected ids were computed independently of this code (Python: hashlib + base58/base32 by
// definition) and cross-checked with the spec's own bafz…/Qm… example pair.
#include <gtest/gtest.h>

#include <unordered_set>

#include "base/hex.hpp"
#include "multiformats/cid.hpp"
#include "multiformats/multibase.hpp"
#include "multiformats/multihash.hpp"
#include "multiformats/peer_id.hpp"

using namespace lotus;
using namespace lotus::mf;

namespace {
Bytes hex(std::string_view h) { return *from_hex(h); }

struct Vector {
  const char* name;
  const char* key_pb_hex;
  const char* base58;
  const char* cid;
  bool inlined;
};

const char kRsaPublicKey[] =
    "080012a60430820222300d06092a864886f70d01010105000382020f003082020a0282020100e1beab071d08200bde24eef00d049449b07770ff9910257b2d7d5dda242ce8f0e2f12e1af4b32d9efd2c090f66b0f29986dbb645dae9880089704a94e5066d594162ae6ee8892e6ec70701db0a6c445c04778eb3de1293aa1a23c3825b85c6620a2bc3f82f9b0c309bc0ab3aeb1873282bebd3da03c33e76c21e9beb172fd44c9e43be32e2c99827033cf8d0f0c606f4579326c930eb4e854395ad941256542c793902185153c474bed109d6ff5141ebf9cd256cf58893a37f83729f97e7cb435ec679d2e33901d27bb35aa0d7e20561da08885ef0abbf8e2fb48d6a5487047a9ecb1ad41fa7ed84f6e3e8ecd5d98b3982d2a901b4454991766da295ab78822add5612a2df83bcee814cf50973e80d7ef38111b1bd87da2ae92438a2c8cbcc70b31ee319939a3b9c761dbc13b5c086d6b64bf7ae7dacc14622375d92a8ff9af7eb962162bbddebf90acb32adb5e4e4029f1c96019949ecfbfeffd7ac1e3fbcc6b6168c34be3d5a2e5999fcbb39bba7adbca78eab09b9bc39f7fa4b93411f4cc175e70c0a083e96bfaefb04a9580b4753c1738a6a760ae1afd851a1a4bdad231cf56e9284d832483df215a46c1c21bdf0c6cfe951c18f1ee4078c79c13d63edb6e14feaeffabc90ad317e4875fe648101b0864097e998f0ca3025ef9638cd2b0caecd3770ab54a1d9c6ca959b0f5dcbc90caeefc4135baca6fd475224269bbe1b0203010001";

const Vector kVectors[] = {
    {"ed25519", "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e",
     "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq",
     "bafzaajaiaejcahwr5d5ofrfbis4l5d6uwr57hu5tjodrypfm6yaq6dsc2r2pzyt6", true},
    {"secp256k1", "08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99",
     "16Uiu2HAmLhLvBoYaoZfaMUKuibM6ac163GwKY74c5kiSLg5KvLpY",
     "bafzaajiiaijcca3xo7uzjzcsyilaj6i54cj44qk7kqzpoao5rti2pjx6udtdbp6kte", true},
    {"ecdsa",
     "0803125b3059301306072a8648ce3d020106082a8648ce3d03010703420004de3d300fa36ae0e8f5d530899d83abab44abf3161f"
     "162a4bc901d8e6ecda020e8b6d5f8da30525e71d6851510c098e5c47c646a597fb4dcec034e9f77c409e62",
     "QmVMT29id3TUASyfZZ6k9hmNyc2nYabCo4uMSpDw4zrgDk",
     "bafzbeidigywdclqvl5hxfefwp5onbffcfife7pza57mmfb4tiqmtkdjw64", false},
    {"rsa", kRsaPublicKey, "QmaeANgBs1DTSxWSrPPtobgQuxW8XTfsS4ydbK4rCHzqxG",
     "bafzbeifwzcumbiyql7bhv7fe7mixg6i7aohegq75k234m63bnw6dbicmzu", false},
};
}  // namespace

TEST(PeerId, SpecKeyVectors) {
  for (const auto& v : kVectors) {
    SCOPED_TRACE(v.name);
    const Bytes key = hex(v.key_pb_hex);
    const PeerId id = PeerId::from_public_key(key);
    EXPECT_EQ(id.to_base58(), v.base58);
    EXPECT_EQ(id.to_string(), v.base58);
    EXPECT_EQ(id.to_cid_string(), v.cid);
    if (v.inlined) {
      ASSERT_TRUE(id.inline_public_key());
      EXPECT_EQ(to_hex(*id.inline_public_key()), v.key_pb_hex);
      EXPECT_EQ(to_hex(id.bytes()), "00" + to_hex(Bytes{static_cast<std::uint8_t>(key.size())}) + v.key_pb_hex);
    } else {
      EXPECT_FALSE(id.inline_public_key());
      EXPECT_EQ(id.bytes(), sha2_256_multihash(key));
    }
    for (const char* text : {v.base58, v.cid}) {
      auto p = PeerId::parse(text);
      ASSERT_TRUE(p) << text << ": " << p.error().message();
      EXPECT_EQ(*p, id);
    }
    auto fb = PeerId::from_bytes(id.bytes());
    ASSERT_TRUE(fb);
    EXPECT_EQ(*fb, id);
  }
}

TEST(PeerId, SpecStringExamples) {
  auto a = PeerId::parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
  auto b = PeerId::parse("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe");
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(b->to_base58(), "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
  EXPECT_EQ(a->to_cid_string(), "bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe");
  auto c = PeerId::parse("12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA");
  ASSERT_TRUE(c);
  EXPECT_EQ(to_hex(c->bytes()), "0024080112202ffa35a99d3a3cfbb17bb7c1dc5561b18a8dcca4df38dc613ea859c37eb1336b");
  EXPECT_EQ(c->to_cid_string(), "bafzaajaiaejcal72gwuz2or47oyxxn6b3rkwdmmkrxgkjxzy3rqt5kczyn7lcm3l");
  // Any supported multibase of the CID is accepted.
  const Bytes cid = Cid(multicodec::libp2p_key, c->bytes()).to_bytes();
  for (Base base : {Base::base58btc, Base::base64url, Base::base16}) {
    auto p = PeerId::parse(multibase_encode(base, cid));
    ASSERT_TRUE(p);
    EXPECT_EQ(*p, *c);
  }
}

TEST(PeerId, Boundary42Bytes) {
  // A 42-byte key protobuf is inlined, a 43-byte one is hashed.
  Bytes k42 = hex("08011226");  // Type=Ed25519, Data: 38 bytes -> 4 + 38 = 42
  k42.resize(42, 0xab);
  Bytes k43 = hex("08011227");
  k43.resize(43, 0xab);
  EXPECT_EQ(PeerId::from_public_key(k42).bytes()[0], 0x00);
  EXPECT_EQ(PeerId::from_public_key(k42).bytes().size(), 44u);
  EXPECT_EQ(PeerId::from_public_key(k43).bytes()[0], 0x12);
  EXPECT_TRUE(PeerId::from_bytes(PeerId::from_public_key(k42).bytes()));
  // An identity multihash of 43 bytes is not a peer id.
  EXPECT_EQ(PeerId::from_bytes(identity_multihash(k43)).error(), make_error_code(PeerIdErrc::identity_too_long));
}

TEST(PeerId, Malformed) {
  struct Case {
    std::string text;
    std::error_code want;
  };
  const Case cases[] = {
      {"", PeerIdErrc::invalid_text},
      {"xyz", PeerIdErrc::invalid_text},
      {"Qm", PeerIdErrc::unsupported_hash},                                // decodes to 0x1ed… (not sha2-256 code)
      {"QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5", PeerIdErrc::unsupported_hash},  // decodes to 0x50…
      {"QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx50", BaseErrc::invalid_character},
      // identity multihash declaring 36 bytes but carrying 35 / sha2-256 with one byte too many
      {base58btc_encode(hex("0024080112202ffa35a99d3a3cfbb17bb7c1dc5561b18a8dcca4df38dc613ea859c37eb133")),
       MhErrc::truncated},
      // a sha2-256 multihash with one byte too many no longer reads "Qm…": not a peer id text
      {base58btc_encode(hex("12209dff3b17d74cf4d38a50d8b6383e92d181a10395a5e73a726dcccbd21bf6f0b900")),
       PeerIdErrc::invalid_text},
      {"bafybeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe", PeerIdErrc::wrong_codec},  // dag-pb
      {"bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqx", BaseErrc::invalid_length},
      {"Bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe", PeerIdErrc::invalid_text},
      {std::string(kMaxPeerIdText + 1, '1'), PeerIdErrc::too_long},
  };
  for (const auto& c : cases) {
    auto r = PeerId::parse(c.text);
    ASSERT_FALSE(r) << c.text;
    EXPECT_EQ(r.error(), c.want) << c.text << ": " << r.error().message();
  }
  // Multihash-level checks.
  EXPECT_EQ(PeerId::from_bytes(hex("1320")).error(), make_error_code(PeerIdErrc::unsupported_hash));
  EXPECT_EQ(PeerId::from_bytes(hex("000101")).error(), make_error_code(PeerIdErrc::invalid_public_key));
  EXPECT_EQ(PeerId::from_bytes(hex("0000")).error(), make_error_code(PeerIdErrc::invalid_public_key));
  EXPECT_EQ(PeerId::from_bytes(hex("0004080112ff")).error(), make_error_code(PeerIdErrc::invalid_public_key));
  EXPECT_TRUE(PeerId::from_bytes(hex("000408011200")));  // structurally fine (empty Data)
  // sha2-256 multihash with a trailing byte, as bytes.
  EXPECT_EQ(PeerId::from_bytes(hex("12209dff3b17d74cf4d38a50d8b6383e92d181a10395a5e73a726dcccbd21bf6f0b900")).error(),
            make_error_code(MhErrc::length_mismatch));
}

TEST(PeerId, HashAndOrdering) {
  std::unordered_set<PeerId> set;
  for (const auto& v : kVectors) set.insert(PeerId::from_public_key(hex(v.key_pb_hex)));
  set.insert(PeerId::from_public_key(hex(kVectors[0].key_pb_hex)));
  EXPECT_EQ(set.size(), 4u);
  EXPECT_EQ(std::hash<PeerId>{}(PeerId::from_public_key(hex(kVectors[1].key_pb_hex))),
            std::hash<PeerId>{}(*PeerId::parse(kVectors[1].base58)));
  EXPECT_LT(PeerId::from_public_key(hex(kVectors[0].key_pb_hex)), PeerId::from_public_key(hex(kVectors[2].key_pb_hex)));
}
