// Known answers for base58btc (Bitcoin Core's base58_encode_decode vectors), base32/base64url
// (RFC 4648 §10), the multibase spec's "yes mani !" examples, and strict-decoding errors.
#include <gtest/gtest.h>

#include <string>

#include "base/hex.hpp"
#include "base/rng.hpp"
#include "multiformats/multibase.hpp"

using namespace lotus;
using namespace lotus::mf;

namespace {
Bytes hex(std::string_view h) { return *from_hex(h); }
}  // namespace

TEST(Base58, BitcoinVectors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", ""},
      {"61", "2g"},
      {"626262", "a3gV"},
      {"636363", "aPEr"},
      {"73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"},
      {"00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"},
      {"516b6fcd0f", "ABnLTmg"},
      {"bf4f89001e670274dd", "3SEo3LWLoPntC"},
      {"572e4794", "3EFU7m"},
      {"ecac89cad93923c02321", "EJDM8drfXA6uyA"},
      {"10c8511e", "Rt5zm"},
      {"00000000000000000000", "1111111111"},
  };
  for (const auto& [h, enc] : cases) {
    EXPECT_EQ(base58btc_encode(hex(h)), enc) << h;
    auto d = base58btc_decode(enc);
    ASSERT_TRUE(d) << enc;
    EXPECT_EQ(to_hex(*d), h);
  }
  EXPECT_EQ(base58btc_encode(as_bytes("Hello World!")), "2NEpo7TZRRrLZSi2U");
}

TEST(Base32, Rfc4648Vectors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", ""},           {"f", "my"},          {"fo", "mzxq"},          {"foo", "mzxw6"},
      {"foob", "mzxw6yq"}, {"fooba", "mzxw6ytb"}, {"foobar", "mzxw6ytboi"},
  };
  for (const auto& [plain, enc] : cases) {
    EXPECT_EQ(base32_encode(as_bytes(plain)), enc);
    auto d = base32_decode(enc);
    ASSERT_TRUE(d) << enc;
    EXPECT_EQ(as_string_view(*d), plain);
  }
}

TEST(Base64url, Rfc4648Vectors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"}, {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, enc] : cases) {
    EXPECT_EQ(base64url_encode(as_bytes(plain)), enc);
    auto d = base64url_decode(enc);
    ASSERT_TRUE(d) << enc;
    EXPECT_EQ(as_string_view(*d), plain);
  }
  EXPECT_EQ(base64url_encode(hex("fbff")), "-_8");  // the two url-safe characters
  EXPECT_EQ(base16_encode(as_bytes("foobar")), "666f6f626172");
}

TEST(Multibase, SpecExamples) {
  const Bytes m = to_bytes("yes mani !");
  EXPECT_EQ(multibase_encode(Base::base58btc, m), "z7paNL19xttacUY");
  EXPECT_EQ(multibase_encode(Base::base32, m), "bpfsxgidnmfxgsibb");
  EXPECT_EQ(multibase_encode(Base::base64url, m), "ueWVzIG1hbmkgIQ");
  EXPECT_EQ(multibase_encode(Base::base16, m), "f796573206d616e692021");
  for (const char* s : {"z7paNL19xttacUY", "bpfsxgidnmfxgsibb", "ueWVzIG1hbmkgIQ", "f796573206d616e692021"}) {
    Base which{};
    auto d = multibase_decode(s, &which);
    ASSERT_TRUE(d) << s;
    EXPECT_EQ(*d, m);
    EXPECT_EQ(static_cast<char>(which), s[0]);
  }
}

TEST(Multibase, MalformedInputs) {
  struct Case {
    const char* text;
    BaseErrc want;
  };
  const Case cases[] = {
      {"", BaseErrc::unknown_prefix},
      {"Bpfsxgidnmfxgsibb", BaseErrc::unknown_prefix},  // uppercase base32 not supported
      {"Qm", BaseErrc::unknown_prefix},                 // CIDv0 / bare base58 has no prefix
      {"z0", BaseErrc::invalid_character},              // '0' not in the Bitcoin alphabet
      {"zO", BaseErrc::invalid_character},
      {"zl", BaseErrc::invalid_character},
      {"zI", BaseErrc::invalid_character},
      {"z2g ", BaseErrc::invalid_character},
      {"bMZXQ", BaseErrc::invalid_character},       // uppercase inside 'b'
      {"bmzxq====", BaseErrc::invalid_character},   // padding not allowed
      {"bmzxw6y1", BaseErrc::invalid_character},    // '1' not in base32
      {"bm", BaseErrc::invalid_length},             // 1 char = 5 bits, no byte
      {"bmzx", BaseErrc::invalid_length},           // 3 chars
      {"bmzxw6y", BaseErrc::invalid_length},        // 6 chars
      {"mz", BaseErrc::unknown_prefix},             // 'm' (base64 padded) not supported
      {"bmz", BaseErrc::nonzero_padding_bits},      // "f" is "my"; 'z' sets unused bits
      {"uZh", BaseErrc::nonzero_padding_bits},      // "f" is "Zg"
      {"uZ", BaseErrc::invalid_length},
      {"uZm9+", BaseErrc::invalid_character},       // standard base64 alphabet rejected
      {"uZg==", BaseErrc::invalid_character},
      {"f6", BaseErrc::invalid_length},
      {"f6G", BaseErrc::invalid_character},
      {"f6F", BaseErrc::invalid_character},         // 'f' is lowercase hex only
  };
  for (const auto& c : cases) {
    auto r = multibase_decode(c.text);
    ASSERT_FALSE(r) << c.text;
    EXPECT_EQ(r.error(), make_error_code(c.want)) << c.text << ": " << r.error().message();
  }
  EXPECT_EQ(base58btc_decode(std::string(kMaxBase58Text + 1, '2')).error(), make_error_code(BaseErrc::too_long));
  EXPECT_EQ(base32_decode(std::string(kMaxMultibaseText + 8, 'a')).error(), make_error_code(BaseErrc::too_long));
  EXPECT_EQ(make_error_code(BaseErrc::invalid_character).message(), "multibase: character outside the base's alphabet");
}

TEST(Multibase, RoundTripProperty) {
  DeterministicRng rng(42);
  for (int i = 0; i < 500; ++i) {
    Bytes b(rng.uniform(80));
    rng.fill(b);
    if (!b.empty() && rng.uniform(4) == 0) b[0] = 0;  // exercise base58 leading zeros
    for (Base base : {Base::base58btc, Base::base32, Base::base64url, Base::base16}) {
      const std::string s = multibase_encode(base, b);
      auto d = multibase_decode(s);
      ASSERT_TRUE(d) << s;
      EXPECT_EQ(*d, b) << s;
    }
  }
}
