// Identity keys: libp2p peer-id spec fixtures, RFC 8032 vectors, sign/verify round trips,
// malformed input -> specific errc, key files.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <secp256k1.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "base/hex.hpp"
#include "base/protobuf.hpp"
#include "base/rng.hpp"
#include "crypto/hash.hpp"
#include "crypto/keys.hpp"

namespace lotus::crypto {
namespace {

Bytes H(std::string_view hex) {
  auto b = from_hex(hex);
  EXPECT_TRUE(b.has_value()) << hex;
  return b.value_or(Bytes{});
}

// Independent base58btc encoder, to check ids without relying on the multiformats module.
std::string base58(BytesView in) {
  static constexpr char kAlpha[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  std::vector<int> digits;
  for (auto byte : in) {
    int carry = byte;
    for (auto& d : digits) {
      carry += d * 256;
      d = carry % 58;
      carry /= 58;
    }
    while (carry) {
      digits.push_back(carry % 58);
      carry /= 58;
    }
  }
  std::string out;
  for (auto b : in) {
    if (b != 0) break;
    out.push_back('1');
  }
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) out.push_back(kAlpha[*it]);
  return out;
}

nlohmann::json fixtures() {
  std::ifstream f(std::string(LOTUS_VECTORS_DIR) + "/crypto/peer_id_keys.json");
  return nlohmann::json::parse(f);
}

Bytes expected_multihash(BytesView pb) {
  Bytes mh;
  if (pb.size() <= 42) {
    mh = {0x00, static_cast<std::uint8_t>(pb.size())};
    append(mh, pb);
  } else {
    mh = {0x12, 0x20};
    auto d = sha256(pb);
    append(mh, d);
  }
  return mh;
}

struct SpecCase {
  const char* name;
  KeyType type;
};

class SpecFixture : public ::testing::TestWithParam<SpecCase> {};

TEST_P(SpecFixture, PublicKeyParsesAndDerivesId) {
  const auto j = fixtures();
  const std::string n = GetParam().name;
  const Bytes pub_pb = H(j[n + "_public"].get<std::string>());
  auto pub = PublicKey::from_protobuf(pub_pb);
  ASSERT_TRUE(pub) << pub.error().message();
  EXPECT_EQ(pub->type(), GetParam().type);
  EXPECT_EQ(pub->to_protobuf(), pub_pb);  // canonical re-encoding
  const mf::PeerId id = pub->peer_id();
  EXPECT_EQ(id.bytes(), expected_multihash(pub_pb));
  EXPECT_EQ(base58(id.bytes()), j[n + "_peer_id"].get<std::string>());
  EXPECT_EQ(id.to_base58(), j[n + "_peer_id"].get<std::string>());
  auto parsed = mf::PeerId::parse(j[n + "_peer_id"].get<std::string>());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, id);
}

TEST_P(SpecFixture, PrivateKeyProducesPublicKey) {
  const auto j = fixtures();
  const std::string n = GetParam().name;
  const Bytes priv_pb = H(j[n + "_private"].get<std::string>());
  auto priv = PrivateKey::from_protobuf(priv_pb);
  if (GetParam().type == KeyType::rsa) {
    EXPECT_EQ(priv.error(), errc::unsupported_key_type);  // RSA is verify-only
    return;
  }
  ASSERT_TRUE(priv) << priv.error().message();
  EXPECT_EQ(priv->public_key().to_protobuf(), H(j[n + "_public"].get<std::string>()));
  EXPECT_EQ(priv->to_protobuf(), priv_pb);
  EXPECT_EQ(base58(priv->peer_id().bytes()), j[n + "_peer_id"].get<std::string>());
  auto sig = priv->sign(as_bytes("libp2p"));
  ASSERT_TRUE(sig);
  EXPECT_TRUE(priv->public_key().verify(as_bytes("libp2p"), *sig));
}

INSTANTIATE_TEST_SUITE_P(PeerIdSpec, SpecFixture,
                         ::testing::Values(SpecCase{"ed25519", KeyType::ed25519},
                                           SpecCase{"secp256k1", KeyType::secp256k1},
                                           SpecCase{"ecdsa", KeyType::ecdsa},
                                           SpecCase{"rsa", KeyType::rsa}),
                         [](const auto& p) { return std::string(p.param.name); });

// RFC 8032 section 7.1, tests 1-3.
struct Rfc8032 {
  const char* secret;
  const char* pub;
  const char* msg;
  const char* sig;
};
const Rfc8032 kRfc8032[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b4"
     "6bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d"
     "8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6"
     "594a7c15e9716ed28dc027beceea1ec40a"},
};

TEST(Ed25519, Rfc8032Vectors) {
  for (const auto& v : kRfc8032) {
    Bytes raw = H(v.secret);
    append(raw, H(v.pub));
    auto k = PrivateKey::from_raw(KeyType::ed25519, raw);
    ASSERT_TRUE(k);
    EXPECT_EQ(to_hex(k->public_key().raw()), v.pub);
    auto sig = k->sign(H(v.msg));
    ASSERT_TRUE(sig);
    EXPECT_EQ(to_hex(*sig), v.sig);
    auto pub = PublicKey::from_raw(KeyType::ed25519, H(v.pub));
    ASSERT_TRUE(pub);
    EXPECT_TRUE(pub->verify(H(v.msg), H(v.sig)));
    Bytes bad = H(v.sig);
    bad[10] ^= 1;
    EXPECT_FALSE(pub->verify(H(v.msg), bad));
  }
}

TEST(Ed25519, LegacyNinetySixByteForm) {
  const auto& v = kRfc8032[0];
  Bytes raw = H(v.secret);
  append(raw, H(v.pub));
  append(raw, H(v.pub));
  auto k = PrivateKey::from_raw(KeyType::ed25519, raw);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->to_protobuf().size(), 4u + 64u);  // re-encoded in the preferred 64-byte form
  raw[95] ^= 1;
  EXPECT_EQ(PrivateKey::from_raw(KeyType::ed25519, raw).error(), errc::invalid_private_key);
}

TEST(Ed25519, MismatchedPublicHalfRejected) {
  Bytes raw = H(kRfc8032[0].secret);
  append(raw, H(kRfc8032[1].pub));
  EXPECT_EQ(PrivateKey::from_raw(KeyType::ed25519, raw).error(), errc::invalid_private_key);
  EXPECT_EQ(PrivateKey::from_raw(KeyType::ed25519, Bytes(63, 1)).error(), errc::invalid_private_key);
  EXPECT_EQ(PublicKey::from_raw(KeyType::ed25519, Bytes(31, 1)).error(), errc::invalid_public_key);
  EXPECT_EQ(PublicKey::from_raw(KeyType::ed25519, Bytes(33, 1)).error(), errc::invalid_public_key);
}

class RoundTrip : public ::testing::TestWithParam<KeyType> {};

TEST_P(RoundTrip, SignAfterMovesAndRepeatedSigning) {
  auto k = PrivateKey::generate(GetParam());
  ASSERT_TRUE(k);
  const Bytes msg = to_bytes("sign me twice");
  PrivateKey a(std::move(*k));
  for (int i = 0; i < 3; ++i) {  // the kept OpenSSL key is reusable
    auto sig = a.sign(msg);
    ASSERT_TRUE(sig);
    EXPECT_TRUE(a.public_key().verify(msg, *sig));
  }
  auto other = PrivateKey::generate(GetParam());
  ASSERT_TRUE(other);
  const PublicKey a_pub = a.public_key();
  *other = std::move(a);  // frees other's key, takes a's
  auto sig = other->sign(msg);
  ASSERT_TRUE(sig);
  EXPECT_TRUE(a_pub.verify(msg, *sig));
  if (GetParam() != KeyType::secp256k1) {
    EXPECT_EQ(a.sign(msg).error(), errc::crypto_failure);  // NOLINT(bugprone-use-after-move)
  }
}

TEST_P(RoundTrip, SignVerifyAndProtobuf) {
  auto k = PrivateKey::generate(GetParam());
  ASSERT_TRUE(k) << k.error().message();
  EXPECT_EQ(k->type(), GetParam());
  const Bytes msg = to_bytes("noise-libp2p-static-key:0123456789abcdef0123456789abcdef");
  auto sig = k->sign(msg);
  ASSERT_TRUE(sig);
  EXPECT_TRUE(k->public_key().verify(msg, *sig));
  Bytes other = msg;
  other.back() ^= 1;
  EXPECT_FALSE(k->public_key().verify(other, *sig));
  Bytes bad_sig = *sig;
  bad_sig[bad_sig.size() / 2] ^= 0x10;
  EXPECT_FALSE(k->public_key().verify(msg, bad_sig));
  EXPECT_FALSE(k->public_key().verify(msg, {}));
  EXPECT_FALSE(k->public_key().verify(msg, BytesView(*sig).first(sig->size() - 1)));

  auto pub2 = PublicKey::from_protobuf(k->public_key().to_protobuf());
  ASSERT_TRUE(pub2);
  EXPECT_EQ(*pub2, k->public_key());
  EXPECT_EQ(pub2->peer_id(), k->peer_id());
  Bytes pb = k->to_protobuf();
  auto k2 = PrivateKey::from_protobuf(pb);
  secure_wipe(pb);
  ASSERT_TRUE(k2);
  EXPECT_EQ(k2->public_key(), k->public_key());
  // Other key of the same type does not verify.
  auto k3 = PrivateKey::generate(GetParam());
  ASSERT_TRUE(k3);
  EXPECT_FALSE(k3->public_key().verify(msg, *sig));
  // Move keeps the key usable.
  PrivateKey moved = std::move(*k3);
  auto sig3 = moved.sign(msg);
  ASSERT_TRUE(sig3);
  EXPECT_TRUE(moved.public_key().verify(msg, *sig3));
}

INSTANTIATE_TEST_SUITE_P(Types, RoundTrip,
                         ::testing::Values(KeyType::ed25519, KeyType::secp256k1, KeyType::ecdsa),
                         [](const auto& p) { return std::string(to_string(p.param)); });

TEST(Generate, DeterministicRngGivesSameKey) {
  for (auto t : {KeyType::ed25519, KeyType::secp256k1}) {
    DeterministicRng a(42), b(42);
    auto k1 = PrivateKey::generate(t, a);
    auto k2 = PrivateKey::generate(t, b);
    ASSERT_TRUE(k1 && k2);
    EXPECT_EQ(k1->public_key(), k2->public_key());
  }
  EXPECT_EQ(PrivateKey::generate(KeyType::rsa).error(), errc::unsupported_key_type);
}

// ---- secp256k1 specifics ------------------------------------------------------------------------

TEST(Secp256k1, HighSSignatureRejectedLikeJsLibp2p) {
  DeterministicRng rng(3);
  auto k = PrivateKey::generate(KeyType::secp256k1, rng);
  ASSERT_TRUE(k);
  const Bytes msg = to_bytes("hello");
  auto sig = k->sign(msg);
  ASSERT_TRUE(sig);
  // Build the malleated (r, n - s) signature.
  secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  secp256k1_ecdsa_signature s;
  ASSERT_EQ(secp256k1_ecdsa_signature_parse_der(ctx, &s, sig->data(), sig->size()), 1);
  std::uint8_t compact[64];
  secp256k1_ecdsa_signature_serialize_compact(ctx, compact, &s);
  const Bytes order = H("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int d = order[static_cast<std::size_t>(i)] - compact[32 + i] - borrow;
    borrow = d < 0;
    compact[32 + i] = static_cast<std::uint8_t>(d + (borrow ? 256 : 0));
  }
  secp256k1_ecdsa_signature high;
  ASSERT_EQ(secp256k1_ecdsa_signature_parse_compact(ctx, &high, compact), 1);
  Bytes der(72);
  std::size_t n = der.size();
  ASSERT_EQ(secp256k1_ecdsa_signature_serialize_der(ctx, der.data(), &n, &high), 1);
  der.resize(n);
  secp256k1_context_destroy(ctx);
  EXPECT_NE(der, *sig);
  EXPECT_FALSE(k->public_key().verify(msg, der));
  EXPECT_TRUE(k->public_key().verify(msg, *sig));
}

TEST(Secp256k1, MalformedKeys) {
  EXPECT_EQ(PublicKey::from_raw(KeyType::secp256k1, Bytes(32, 2)).error(), errc::invalid_public_key);
  Bytes not_on_curve(33, 0xff);
  not_on_curve[0] = 0x02;
  EXPECT_EQ(PublicKey::from_raw(KeyType::secp256k1, not_on_curve).error(), errc::invalid_public_key);
  auto k = PrivateKey::generate(KeyType::secp256k1);
  ASSERT_TRUE(k);
  Bytes wrong_prefix = k->public_key().raw();
  wrong_prefix[0] = 0x04;
  EXPECT_EQ(PublicKey::from_raw(KeyType::secp256k1, wrong_prefix).error(), errc::invalid_public_key);
  EXPECT_EQ(PrivateKey::from_raw(KeyType::secp256k1, Bytes(32, 0)).error(), errc::invalid_private_key);
  EXPECT_EQ(PrivateKey::from_raw(KeyType::secp256k1, Bytes(32, 0xff)).error(),
            errc::invalid_private_key);
  EXPECT_EQ(PrivateKey::from_raw(KeyType::secp256k1, Bytes(31, 1)).error(), errc::invalid_private_key);
  // Non-DER signature bytes.
  EXPECT_FALSE(k->public_key().verify(as_bytes("m"), Bytes(64, 1)));
}

// ---- ECDSA / RSA specifics --------------------------------------------------------------------

Bytes spki_of(EVP_PKEY* k) {
  unsigned char* buf = nullptr;
  const int n = i2d_PUBKEY(k, &buf);
  Bytes out(buf, buf + n);
  OPENSSL_free(buf);
  return out;
}

TEST(Ecdsa, MalformedKeys) {
  auto j = fixtures();
  const Bytes pb = H(j["ecdsa_public"].get<std::string>());
  const Bytes spki(pb.begin() + 4, pb.end());
  ASSERT_TRUE(PublicKey::from_raw(KeyType::ecdsa, spki));
  Bytes trailing = spki;
  trailing.push_back(0);
  EXPECT_EQ(PublicKey::from_raw(KeyType::ecdsa, trailing).error(), errc::invalid_public_key);
  Bytes off_curve = spki;
  off_curve.back() ^= 1;
  EXPECT_EQ(PublicKey::from_raw(KeyType::ecdsa, off_curve).error(), errc::invalid_public_key);
  EXPECT_EQ(PublicKey::from_raw(KeyType::ecdsa, BytesView(spki).first(20)).error(),
            errc::invalid_public_key);
  // A P-384 key is not accepted.
  EVP_PKEY* p384 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  ASSERT_NE(p384, nullptr);
  EXPECT_EQ(PublicKey::from_raw(KeyType::ecdsa, spki_of(p384)).error(), errc::invalid_public_key);
  EVP_PKEY_free(p384);
  EXPECT_EQ(PrivateKey::from_raw(KeyType::ecdsa, Bytes(40, 0x30)).error(), errc::invalid_private_key);
  // ECPrivateKey whose embedded public key does not belong to the scalar (found by fuzzing).
  Bytes priv = H(j["ecdsa_private"].get<std::string>());
  ASSERT_TRUE(PrivateKey::from_protobuf(priv));
  priv[4 + 7 + 10] ^= 1;  // a scalar byte
  EXPECT_EQ(PrivateKey::from_protobuf(priv).error(), errc::invalid_private_key);
  EXPECT_EQ(PublicKey::from_raw(KeyType::ecdsa, Bytes(9000, 0x30)).error(), errc::key_too_large);
  // An Ed25519 SPKI under the ECDSA type.
  EVP_PKEY* ed = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  EXPECT_EQ(PublicKey::from_raw(KeyType::ecdsa, spki_of(ed)).error(), errc::invalid_public_key);
  EXPECT_EQ(PublicKey::from_raw(KeyType::rsa, spki_of(ed)).error(), errc::invalid_public_key);
  EVP_PKEY_free(ed);
}

Bytes fake_rsa_spki(int bits) {
  // A public key with an arbitrary odd modulus of `bits` bits (OpenSSL does not check primality
  // of public moduli) — enough to exercise size limits without slow key generation.
  Bytes nbytes(static_cast<std::size_t>(bits / 8), 0xc5);
  nbytes[0] = 0xff;
  nbytes.back() |= 1;
  BIGNUM* n = BN_bin2bn(nbytes.data(), static_cast<int>(nbytes.size()), nullptr);
  BIGNUM* e = BN_new();
  BN_set_word(e, 65537);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* k = nullptr;
  EVP_PKEY_fromdata_init(ctx);
  EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params);
  Bytes out = spki_of(k);
  EVP_PKEY_free(k);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(n);
  BN_free(e);
  return out;
}

TEST(Rsa, VerifyPkcs1Sha256) {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048));
  ASSERT_NE(k, nullptr);
  const Bytes msg = to_bytes("rsa message");
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, k), 1);
  std::size_t n = 0;
  ASSERT_EQ(EVP_DigestSign(md, nullptr, &n, msg.data(), msg.size()), 1);
  Bytes sig(n);
  ASSERT_EQ(EVP_DigestSign(md, sig.data(), &n, msg.data(), msg.size()), 1);
  EVP_MD_CTX_free(md);
  auto pub = PublicKey::from_raw(KeyType::rsa, spki_of(k));
  EVP_PKEY_free(k);
  ASSERT_TRUE(pub);
  EXPECT_TRUE(pub->verify(msg, sig));
  sig[3] ^= 1;
  EXPECT_FALSE(pub->verify(msg, sig));
  EXPECT_EQ(pub->peer_id().bytes()[0], 0x12);  // sha2-256 multihash
}

TEST(Rsa, SizeLimits) {
  EXPECT_TRUE(PublicKey::from_raw(KeyType::rsa, fake_rsa_spki(2048)));
  EXPECT_TRUE(PublicKey::from_raw(KeyType::rsa, fake_rsa_spki(8192)));
  EXPECT_EQ(PublicKey::from_raw(KeyType::rsa, fake_rsa_spki(8192 + 64)).error(), errc::key_too_large);
  EXPECT_EQ(PublicKey::from_raw(KeyType::rsa, fake_rsa_spki(1024)).error(), errc::invalid_public_key);
  EXPECT_EQ(PublicKey::from_raw(KeyType::rsa, Bytes(8193, 0x30)).error(), errc::key_too_large);
  EXPECT_EQ(PublicKey::from_raw(KeyType::rsa, Bytes(100, 0x30)).error(), errc::invalid_public_key);
}

// ---- protobuf envelope ----------------------------------------------------------------------------

TEST(KeyProtobuf, MalformedEnvelopes) {
  const Bytes good = H("080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e");
  ASSERT_TRUE(PublicKey::from_protobuf(good));
  EXPECT_EQ(PublicKey::from_protobuf({}).error(), errc::invalid_key_protobuf);
  EXPECT_EQ(PublicKey::from_protobuf(H("0801")).error(), errc::invalid_key_protobuf);  // no Data
  EXPECT_EQ(PublicKey::from_protobuf(BytesView(good).subspan(2)).error(),
            errc::invalid_key_protobuf);  // no Type
  EXPECT_EQ(PublicKey::from_protobuf(BytesView(good).first(good.size() - 1)).error(),
            errc::invalid_key_protobuf);  // truncated
  Bytes wrong_wire = good;
  wrong_wire[0] = 0x0a;  // Type as bytes
  EXPECT_EQ(PublicKey::from_protobuf(wrong_wire).error(), errc::invalid_key_protobuf);
  Bytes type4 = good;
  type4[1] = 4;
  EXPECT_EQ(PublicKey::from_protobuf(type4).error(), errc::unsupported_key_type);
  Bytes unknown_field = good;
  unknown_field.insert(unknown_field.end(), {0x18, 0x05});  // field 3 varint: skipped
  auto k = PublicKey::from_protobuf(unknown_field);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->to_protobuf(), good);
  Bytes short_data = H("0801121f") ;
  short_data.resize(4 + 31, 7);
  EXPECT_EQ(PublicKey::from_protobuf(short_data).error(), errc::invalid_public_key);
  EXPECT_EQ(PrivateKey::from_protobuf(H("0801")).error(), errc::invalid_key_protobuf);
  EXPECT_EQ(PrivateKey::from_protobuf(H("08001200")).error(), errc::unsupported_key_type);
  EXPECT_EQ(std::error_code(errc::invalid_signature).message(), "crypto: signature invalid");
}

// ---- key files ------------------------------------------------------------------------------------

class KeyFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "lotus_keyfile_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    m_dir = tmpl;
  }
  void TearDown() override {
    for (const char* f : {"/key", "/garbage"}) ::unlink((m_dir + f).c_str());
    ::rmdir(m_dir.c_str());
  }
  std::string m_dir;
};

TEST_F(KeyFile, RoundTripAndMode) {
  for (auto t : {KeyType::ed25519, KeyType::secp256k1, KeyType::ecdsa}) {
    auto k = PrivateKey::generate(t);
    ASSERT_TRUE(k);
    const std::string path = m_dir + "/key";
    ASSERT_TRUE(k->save_file(path));
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto loaded = PrivateKey::load_file(path);
    ASSERT_TRUE(loaded) << loaded.error().message();
    EXPECT_EQ(loaded->public_key(), k->public_key());
    EXPECT_EQ(loaded->to_protobuf(), k->to_protobuf());
  }
}

TEST_F(KeyFile, RefusesGroupOrOtherReadable) {
  auto k = PrivateKey::generate(KeyType::ed25519);
  ASSERT_TRUE(k);
  const std::string path = m_dir + "/key";
  ASSERT_TRUE(k->save_file(path));
  for (mode_t m : {0640, 0604, 0660, 0644}) {
    ASSERT_EQ(::chmod(path.c_str(), m), 0);
    EXPECT_EQ(PrivateKey::load_file(path).error(), errc::key_file_permissions) << m;
  }
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
  EXPECT_TRUE(PrivateKey::load_file(path));
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  // Overwrite (atomic rename over an existing file).
  auto k2 = PrivateKey::generate(KeyType::ed25519);
  ASSERT_TRUE(k2);
  ASSERT_TRUE(k2->save_file(path));
  EXPECT_EQ(PrivateKey::load_file(path)->public_key(), k2->public_key());
}

TEST_F(KeyFile, MissingGarbageAndDirectory) {
  EXPECT_EQ(PrivateKey::load_file(m_dir + "/nope").error(), errc::key_file_io);
  EXPECT_EQ(PrivateKey::load_file(m_dir).error(), errc::key_file_io);
  const std::string path = m_dir + "/garbage";
  {
    std::ofstream f(path);
    f << "not a key";
  }
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  EXPECT_EQ(PrivateKey::load_file(path).error(), errc::invalid_key_protobuf);
  {
    std::ofstream f(path);
    f << std::string(20000, 'x');
  }
  EXPECT_EQ(PrivateKey::load_file(path).error(), errc::key_too_large);
  auto k = PrivateKey::generate(KeyType::ed25519);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->save_file(m_dir + "/no/such/dir/key").error(), errc::key_file_io);
}

}  // namespace
}  // namespace lotus::crypto
