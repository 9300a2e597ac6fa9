// Known-answer tests for the crypto primitives: SHA-256, HMAC (RFC 4231), HKDF (RFC 5869),
// Noise HKDF, X25519 (RFC 7748), ChaCha20-Poly1305 (RFC 8439).
#include <gtest/gtest.h>

#include "base/hex.hpp"
#include "base/rng.hpp"
#include "crypto/aead.hpp"
#include "crypto/hash.hpp"
#include "crypto/keys.hpp"
#include "crypto/x25519.hpp"

namespace lotus::crypto {
namespace {

Bytes H(std::string_view hex) {
  auto b = from_hex(hex);
  EXPECT_TRUE(b.has_value()) << hex;
  return b.value_or(Bytes{});
}
template <class C>
std::string hexof(const C& c) {
  return to_hex(BytesView(c.data(), c.size()));
}

TEST(Sha256, OneShotAndIncremental) {
  EXPECT_EQ(hexof(sha256(as_bytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hexof(sha256({})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 h;
  h.update(as_bytes("a")).update({}).update(as_bytes("bc"));
  EXPECT_EQ(hexof(h.finish()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // finish() resets.
  EXPECT_EQ(hexof(h.finish()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 moved = std::move(h);
  moved.update(as_bytes("abc"));
  EXPECT_EQ(moved.finish(), sha256(as_bytes("abc")));
}

TEST(HmacSha256, Rfc4231Case1And2) {
  EXPECT_EQ(hexof(hmac_sha256(Bytes(20, 0x0b), as_bytes("Hi There"))),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hexof(hmac_sha256(as_bytes("Jefe"), as_bytes("what do ya want for nothing?"))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Hkdf, Rfc5869Case1) {
  Bytes okm(42);
  hkdf_sha256(H("000102030405060708090a0b0c"), Bytes(22, 0x0b), H("f0f1f2f3f4f5f6f7f8f9"), okm);
  EXPECT_EQ(to_hex(okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(Hkdf, Rfc5869Case3EmptySaltAndInfo) {
  Bytes okm(42);
  hkdf_sha256({}, Bytes(22, 0x0b), {}, okm);
  EXPECT_EQ(to_hex(okm),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(Hkdf, NoiseFormMatchesRfc5869) {
  // Noise HKDF(ck, ikm) is RFC 5869 with salt = ck and empty info; case 3 has a zero salt.
  SecretBytes<32> a, b, c;
  noise_hkdf(Bytes(32, 0), Bytes(22, 0x0b), a, b);
  Bytes joined(64);
  std::copy_n(a.data(), 32, joined.begin());
  std::copy_n(b.data(), 32, joined.begin() + 32);
  EXPECT_EQ(to_hex(BytesView(joined).first(42)),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
  // Three outputs extend the two.
  SecretBytes<32> a3, b3;
  noise_hkdf(Bytes(32, 0), Bytes(22, 0x0b), a3, b3, c);
  EXPECT_EQ(to_hex(a3.view()), to_hex(a.view()));
  EXPECT_EQ(to_hex(b3.view()), to_hex(b.view()));
  Bytes ref(96);
  hkdf_sha256({}, Bytes(22, 0x0b), {}, ref);
  EXPECT_EQ(to_hex(c.view()), to_hex(BytesView(ref).subspan(64)));
}

TEST(X25519, Rfc7748Section5_2) {
  SecretBytes<32> k(H("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"));
  auto r = x25519(k, H("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"));
  ASSERT_TRUE(r);
  EXPECT_EQ(to_hex(r->view()), "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
}

TEST(X25519, Rfc7748Section6_1) {
  SecretBytes<32> a(H("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
  SecretBytes<32> b(H("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
  const auto pa = x25519_public_key(a);
  const auto pb = x25519_public_key(b);
  EXPECT_EQ(hexof(pa), "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  EXPECT_EQ(hexof(pb), "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  auto s1 = x25519(a, pb);
  auto s2 = x25519(b, pa);
  ASSERT_TRUE(s1 && s2);
  EXPECT_EQ(to_hex(s1->view()), "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  EXPECT_EQ(to_hex(s2->view()), to_hex(s1->view()));
}

TEST(X25519, RejectsLowOrderPointAndBadLength) {
  DeterministicRng rng(1);
  auto kp = x25519_generate(rng);
  EXPECT_EQ(x25519(kp.secret(), Bytes(32, 0)).error(), errc::invalid_public_key);
  Bytes one(32, 0);
  one[0] = 1;
  EXPECT_EQ(x25519(kp.secret(), one).error(), errc::invalid_public_key);
  EXPECT_EQ(x25519(kp.secret(), Bytes(31, 9)).error(), errc::invalid_public_key);
  EXPECT_EQ(x25519(kp.secret(), Bytes(33, 9)).error(), errc::invalid_public_key);
}

TEST(X25519, KeyPairDhMatchesFreeFunctionAndMovesOwnership) {
  DeterministicRng r(3);
  const auto B = [](const SecretBytes<32>& x) { return Bytes(x.view().begin(), x.view().end()); };
  auto a = x25519_generate(r);
  auto b = x25519_generate(r);
  auto ab = a.dh(b.public_key());
  auto ba = x25519(b, a.public_key());
  auto ref = x25519(a.secret(), b.public_key());
  ASSERT_TRUE(ab && ba && ref);
  EXPECT_EQ(B(*ab), B(*ref));
  EXPECT_EQ(B(*ba), B(*ref));
  EXPECT_EQ(a.dh(Bytes(32, 0)).error(), errc::invalid_public_key);
  EXPECT_EQ(a.dh(Bytes(31, 9)).error(), errc::invalid_public_key);
  const auto pub = a.public_key();
  X25519KeyPair moved(std::move(a));
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from state is specified
  EXPECT_EQ(B(a.secret()), Bytes(32, 0));
  EXPECT_EQ(a.dh(b.public_key()).error(), errc::crypto_failure);
  EXPECT_EQ(moved.public_key(), pub);
  EXPECT_EQ(B(*moved.dh(b.public_key())), B(*ref));
  X25519KeyPair assigned;
  EXPECT_TRUE(assigned.empty());
  assigned = std::move(moved);
  EXPECT_EQ(B(*assigned.dh(b.public_key())), B(*ref));
  assigned = {};  // reset wipes and frees
  EXPECT_TRUE(assigned.empty());
  auto c = X25519KeyPair::from_secret(b.secret().clone());
  EXPECT_EQ(c.public_key(), b.public_key());
}

TEST(X25519, GenerateIsDeterministicPerRng) {
  DeterministicRng r1(7), r2(7);
  auto a = x25519_generate(r1);
  auto b = x25519_generate(r2);
  EXPECT_EQ(a.public_key(), b.public_key());
  EXPECT_EQ(a.public_key(), x25519_public_key(a.secret()));
}

constexpr std::string_view kSunscreen =
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, "
    "sunscreen would be it.";

TEST(ChaChaPoly, Rfc8439Section2_8_2) {
  SecretBytes<32> key(H("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"));
  ChaChaPoly c(key);
  Bytes nonce = H("070000004041424344454647");
  Bytes data = to_bytes(kSunscreen);
  std::array<std::uint8_t, 16> tag{};
  c.encrypt_raw(std::span<const std::uint8_t, 12>(nonce.data(), 12), H("50515253c0c1c2c3c4c5c6c7"),
                data, tag);
  EXPECT_EQ(to_hex(data),
            "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da"
            "92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585"
            "808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116");
  EXPECT_EQ(hexof(tag), "1ae10b594f09e26a7e902ecbd0600691");
  // The same context encrypts again with the same result (key kept, nonce reset).
  Bytes again = to_bytes(kSunscreen);
  std::array<std::uint8_t, 16> tag2{};
  c.encrypt_raw(std::span<const std::uint8_t, 12>(nonce.data(), 12), H("50515253c0c1c2c3c4c5c6c7"),
                again, tag2);
  EXPECT_EQ(again, data);
  EXPECT_EQ(tag2, tag);
}

TEST(ChaChaPoly, NoiseNonceLayoutAndRoundTrip) {
  SecretBytes<32> key(H("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"));
  ChaChaPoly enc(key), dec(key), raw(key);
  const std::uint64_t n = 0x0807060504030201ULL;
  Bytes a = to_bytes(kSunscreen), b = a;
  std::array<std::uint8_t, 16> ta{}, tb{};
  enc.encrypt(n, as_bytes("ad"), a, ta);
  const Bytes iv = H("000000000102030405060708");  // 4 zero bytes ‖ little-endian counter
  raw.encrypt_raw(std::span<const std::uint8_t, 12>(iv.data(), 12), as_bytes("ad"), b, tb);
  EXPECT_EQ(a, b);
  EXPECT_EQ(ta, tb);
  // Interleave decrypts on one context at different nonces.
  Bytes c0 = to_bytes("zero"), c1 = to_bytes("one");
  std::array<std::uint8_t, 16> t0{}, t1{};
  enc.encrypt(0, {}, c0, t0);
  enc.encrypt(1, {}, c1, t1);
  EXPECT_TRUE(dec.decrypt(1, {}, c1, t1));
  EXPECT_TRUE(dec.decrypt(0, {}, c0, t0));
  EXPECT_EQ(as_string_view(c0), "zero");
  EXPECT_EQ(as_string_view(c1), "one");
  EXPECT_TRUE(dec.decrypt(n, as_bytes("ad"), a, ta));
  EXPECT_EQ(as_string_view(a), kSunscreen);
}

TEST(ChaChaPoly, TamperFailsAndWipes) {
  SecretBytes<32> key(Bytes(32, 0x42));
  ChaChaPoly c(key);
  Bytes msg = to_bytes("attack at dawn");
  std::array<std::uint8_t, 16> tag{};
  c.encrypt(5, as_bytes("hdr"), msg, tag);
  const Bytes ct = msg;
  for (std::size_t i = 0; i < ct.size(); ++i) {
    Bytes m = ct;
    m[i] ^= 1;
    EXPECT_FALSE(c.decrypt(5, as_bytes("hdr"), m, tag));
    EXPECT_EQ(m, Bytes(m.size(), 0));
  }
  Bytes m = ct;
  auto t = tag;
  t[15] ^= 0x80;
  EXPECT_FALSE(c.decrypt(5, as_bytes("hdr"), m, t));
  m = ct;
  EXPECT_FALSE(c.decrypt(6, as_bytes("hdr"), m, tag));
  m = ct;
  EXPECT_FALSE(c.decrypt(5, as_bytes("hdX"), m, tag));
  m = ct;
  EXPECT_TRUE(c.decrypt(5, as_bytes("hdr"), m, tag));
  // Empty plaintext: the tag alone authenticates.
  Bytes empty;
  c.encrypt(9, {}, empty, tag);
  EXPECT_TRUE(c.decrypt(9, {}, empty, tag));
  EXPECT_FALSE(c.decrypt(10, {}, empty, tag));
}

}  // namespace
}  // namespace lotus::crypto
