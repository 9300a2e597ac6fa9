#include <gtest/gtest.h>

#include "base/rng.hpp"
#include "crypto/keys.hpp"
#include "proto/gossipsub/signing.hpp"

using namespace lotus;
using namespace lotus::proto::gossipsub;

namespace {

crypto::PrivateKey key(crypto::KeyType t, std::uint64_t seed) {
  DeterministicRng rng(seed);
  return std::move(crypto::PrivateKey::generate(t, rng)).value();
}

Message unsigned_msg() {
  Message m;
  m.data = to_bytes("hello");
  m.topic = "topic";
  m.seqno = Bytes{0, 0, 0, 0, 0, 0, 0, 1};
  return m;
}

TEST(GossipsubSigning, PayloadIsPrefixedProtobufWithoutSignatureAndKey) {
  Message m = unsigned_msg();
  m.from = Bytes{1, 2};
  m.signature = Bytes{9};
  m.key = Bytes{8};
  Bytes expect = to_bytes("libp2p-pubsub:");
  append(expect, Bytes{0x0a, 0x02, 1, 2, 0x12, 0x05, 'h', 'e', 'l', 'l', 'o', 0x1a, 0x08, 0, 0, 0, 0, 0, 0, 0, 1,
                       0x22, 0x05, 't', 'o', 'p', 'i', 'c'});
  EXPECT_EQ(signing_payload(m), expect);
  EXPECT_EQ(default_message_id(m), (Bytes{1, 2, 0, 0, 0, 0, 0, 0, 0, 1}));
}

TEST(GossipsubSigning, Ed25519SignAndVerify) {
  auto k = key(crypto::KeyType::ed25519, 1);
  Message m = unsigned_msg();
  ASSERT_TRUE(sign_message(m, k));
  EXPECT_EQ(*m.from, k.peer_id().bytes());
  EXPECT_FALSE(m.key.has_value());  // inlined in the identity peer id
  EXPECT_TRUE(check_signature_policy(m, SignaturePolicy::strict_sign));
  EXPECT_EQ(check_signature_policy(m, SignaturePolicy::strict_no_sign).error(), errc::unexpected_signature);

  Message bad = m;
  bad.data.push_back('!');
  EXPECT_EQ(check_signature_policy(bad, SignaturePolicy::strict_sign).error(), errc::invalid_signature);
  bad = m;
  (*bad.signature)[0] ^= 1;
  EXPECT_EQ(check_signature_policy(bad, SignaturePolicy::strict_sign).error(), errc::invalid_signature);
  bad = m;
  bad.topic = "other";
  EXPECT_EQ(check_signature_policy(bad, SignaturePolicy::strict_sign).error(), errc::invalid_signature);
  bad = m;
  bad.signature->clear();
  EXPECT_EQ(check_signature_policy(bad, SignaturePolicy::strict_sign).error(), errc::invalid_signature);
  // Signed by someone else, claiming to be k.
  auto other = key(crypto::KeyType::ed25519, 2);
  bad = m;
  Message forged = unsigned_msg();
  ASSERT_TRUE(sign_message(forged, other));
  bad.signature = forged.signature;
  EXPECT_EQ(check_signature_policy(bad, SignaturePolicy::strict_sign).error(), errc::invalid_signature);
}

TEST(GossipsubSigning, Secp256k1SignAndVerify) {
  auto k = key(crypto::KeyType::secp256k1, 3);
  Message m = unsigned_msg();
  ASSERT_TRUE(sign_message(m, k));
  EXPECT_FALSE(m.key.has_value());
  EXPECT_TRUE(check_signature_policy(m, SignaturePolicy::strict_sign));
  m.data.push_back('x');
  EXPECT_EQ(check_signature_policy(m, SignaturePolicy::strict_sign).error(), errc::invalid_signature);
}

TEST(GossipsubSigning, EcdsaKeyTravelsInKeyField) {
  auto k = key(crypto::KeyType::ecdsa, 4);
  Message m = unsigned_msg();
  ASSERT_TRUE(sign_message(m, k));
  ASSERT_TRUE(m.key.has_value());  // sha256 peer id: key must be sent
  EXPECT_TRUE(check_signature_policy(m, SignaturePolicy::strict_sign));
  Message bad = m;
  bad.key.reset();
  EXPECT_EQ(check_signature_policy(bad, SignaturePolicy::strict_sign).error(), errc::missing_key);
  bad = m;
  bad.key = key(crypto::KeyType::ecdsa, 5).public_key().to_protobuf();  // not matching `from`
  EXPECT_EQ(check_signature_policy(bad, SignaturePolicy::strict_sign).error(), errc::invalid_key);
  bad = m;
  bad.key = Bytes{1, 2, 3};
  EXPECT_EQ(check_signature_policy(bad, SignaturePolicy::strict_sign).error(), errc::invalid_key);
}

TEST(GossipsubSigning, PolicyFieldChecks) {
  auto k = key(crypto::KeyType::ed25519, 6);
  Message m = unsigned_msg();
  ASSERT_TRUE(sign_message(m, k));
  Message bad = m;
  bad.seqno.reset();
  EXPECT_EQ(check_signature_policy(bad, SignaturePolicy::strict_sign).error(), errc::missing_signature);
  bad = m;
  bad.signature.reset();
  EXPECT_EQ(check_signature_policy(bad, SignaturePolicy::strict_sign).error(), errc::missing_signature);
  bad = m;
  bad.seqno->pop_back();
  EXPECT_EQ(check_signature_policy(bad, SignaturePolicy::strict_sign).error(), errc::invalid_seqno);
  bad = m;
  bad.from = Bytes{0x12, 0x01, 0x00};  // sha2-256 multihash with a 1-byte digest
  EXPECT_EQ(check_signature_policy(bad, SignaturePolicy::strict_sign).error(), errc::invalid_from);

  Message plain;
  plain.data = to_bytes("x");
  plain.topic = "t";
  EXPECT_TRUE(check_signature_policy(plain, SignaturePolicy::strict_no_sign));
  EXPECT_EQ(check_signature_policy(plain, SignaturePolicy::strict_sign).error(), errc::missing_signature);
  plain.seqno = Bytes{1};
  EXPECT_EQ(check_signature_policy(plain, SignaturePolicy::strict_no_sign).error(), errc::unexpected_signature);
}

}  // namespace
