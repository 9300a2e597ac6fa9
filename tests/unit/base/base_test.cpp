#include <gtest/gtest.h>

#include "base/hex.hpp"
#include "base/protobuf.hpp"
#include "base/result.hpp"
#include "base/rng.hpp"
#include "base/varint.hpp"

using namespace lotus;

TEST(Varint, RoundTripAndSizes) {
  for (std::uint64_t v : {0ULL, 1ULL, 127ULL, 128ULL, 300ULL, 16383ULL, 16384ULL, (1ULL << 63) - 1}) {
    Bytes b;
    varint::append(b, v);
    EXPECT_EQ(b.size(), varint::encoded_size(v));
    varint::Decoded d;
    ASSERT_FALSE(varint::decode_uvarint(b, d)) << v;
    EXPECT_EQ(d.value, v);
    EXPECT_EQ(d.length, b.size());
  }
  Bytes b300;
  varint::append(b300, 300);
  EXPECT_EQ(to_hex(b300), "ac02");
}

TEST(Varint, RejectsNonMinimalTruncatedAndOverlong) {
  varint::Decoded d;
  EXPECT_EQ(varint::decode_uvarint(*from_hex("8000"), d), varint::errc::not_minimal);
  EXPECT_EQ(varint::decode_uvarint(*from_hex("ff"), d), varint::errc::truncated);
  EXPECT_EQ(varint::decode_uvarint({}, d), varint::errc::truncated);
  // 9 continuation bytes: too long for multiformats, fine for protobuf if terminated.
  EXPECT_EQ(varint::decode_uvarint(*from_hex("ffffffffffffffffff01"), d), varint::errc::overflow);
  EXPECT_FALSE(varint::decode_protobuf_varint(*from_hex("ffffffffffffffffff01"), d));
  EXPECT_EQ(d.value, UINT64_MAX);
  EXPECT_EQ(varint::decode_protobuf_varint(*from_hex("ffffffffffffffffff02"), d), varint::errc::overflow);
  // protobuf accepts non-minimal.
  EXPECT_FALSE(varint::decode_protobuf_varint(*from_hex("8000"), d));
}

TEST(Protobuf, WriteReadAndErrors) {
  Bytes msg;
  pb::Writer w(msg);
  w.varint(1, 150);
  w.string(2, "testing");
  w.fixed32(3, 0xdeadbeef);
  w.fixed64(4, 42);
  pb::Reader r(msg);
  pb::Field f;
  int n = 0;
  while (r.next(f)) {
    ++n;
    switch (f.number) {
      case 1: EXPECT_EQ(f.varint, 150u); break;
      case 2: EXPECT_EQ(as_string_view(f.bytes), "testing"); break;
      case 3: EXPECT_EQ(f.varint, 0xdeadbeefu); break;
      case 4: EXPECT_EQ(f.varint, 42u); break;
      default: ADD_FAILURE() << "unexpected field " << f.number;
    }
  }
  EXPECT_FALSE(r.error());
  EXPECT_EQ(n, 4);
  EXPECT_EQ(to_hex(Bytes(msg.begin(), msg.begin() + 3)), "089601");

  auto err_of = [](std::string_view hex) {
    auto b = *from_hex(hex);
    pb::Reader rr(b);
    pb::Field ff;
    while (rr.next(ff)) {
    }
    return rr.error();
  };
  EXPECT_EQ(err_of("1205616263"), pb::errc::length_overflow);
  EXPECT_EQ(err_of("0b"), pb::errc::bad_wire_type);
  EXPECT_EQ(err_of("00"), pb::errc::bad_field_number);
  EXPECT_EQ(err_of("08"), pb::errc::truncated);
  EXPECT_EQ(err_of("0d0102"), pb::errc::truncated);
}

static Result<int> parse_positive(int v) {
  if (v <= 0) return pb::errc::invalid_value;
  return v;
}
static Result<int> doubled(int v) {
  LOTUS_TRY(x, parse_positive(v));
  return x * 2;
}

TEST(Result, PropagatesErrorsWithMessages) {
  EXPECT_EQ(*doubled(4), 8);
  auto r = doubled(-1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), pb::errc::invalid_value);
  EXPECT_EQ(r.error().message(), "protobuf: field value out of range");
}

TEST(Rng, DeterministicIsReproducible) {
  DeterministicRng a(7), b(7), c(8);
  EXPECT_EQ(a.next_u64(), b.next_u64());
  EXPECT_NE(a.next_u64(), c.next_u64());
  for (int i = 0; i < 1000; ++i) EXPECT_LT(a.uniform(10), 10u);
}
