// proto/framing: the unsigned-varint length-prefixed framer every protobuf protocol reads
// through (kad, gossipsub, identify): fragmentation at every byte boundary, limits checked on
// the prefix before any body byte is buffered, minimal prefixes, zero-length frames, several
// frames per chunk, sticky errors, and which frames are handed out without a copy.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "base/hex.hpp"
#include "base/rng.hpp"
#include "base/varint.hpp"
#include "proto/framing/length_prefixed.hpp"

namespace lotus::proto::framing {
namespace {

Bytes hx(std::string_view s) { return from_hex(s).value(); }

Bytes body_of(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i);
  return b;
}

// Feeds `wire` in the given chunks; returns the bodies (copied) and the first error.
struct Fed {
  std::vector<Bytes> frames;
  std::error_code error;
};
Fed feed(Reader& r, BytesView wire, const std::vector<std::size_t>& cuts) {
  Fed out;
  std::size_t pos = 0;
  auto run = [&](BytesView chunk) {
    while (true) {
      auto f = r.next(chunk);
      if (!f) {
        out.error = f.error();
        return false;
      }
      if (!*f) {
        EXPECT_TRUE(chunk.empty());  // nullopt only once the chunk is used up
        return true;
      }
      out.frames.emplace_back((*f)->begin(), (*f)->end());
    }
  };
  for (std::size_t cut : cuts) {
    if (!run(wire.subspan(pos, cut - pos))) return out;
    pos = cut;
  }
  run(wire.subspan(pos));
  return out;
}

bool inside(BytesView v, const Bytes& storage) {
  std::less_equal<const std::uint8_t*> le;
  return le(storage.data(), v.data()) && le(v.data() + v.size(), storage.data() + storage.size());
}

const std::vector<Bytes>& sample_bodies() {
  static const std::vector<Bytes> bodies = {body_of(3, 1), Bytes{}, body_of(127, 2), body_of(128, 3),
                                            body_of(300, 4), Bytes{}, body_of(1, 5)};
  return bodies;
}

Bytes sample_wire() {
  Bytes wire;
  for (const auto& b : sample_bodies()) append_frame(wire, b);
  return wire;
}

TEST(Framing, EncoderWritesMinimalPrefixThenBody) {
  EXPECT_EQ(to_hex(encode_frame(hx("0a0b0c"))), "030a0b0c");
  EXPECT_EQ(to_hex(encode_frame({})), "00");
  EXPECT_EQ(to_hex(BytesView(encode_frame(body_of(127, 0))).first(1)), "7f");
  EXPECT_EQ(to_hex(BytesView(encode_frame(body_of(128, 0))).first(2)), "8001");
  EXPECT_EQ(to_hex(BytesView(encode_frame(body_of(300, 0))).first(2)), "ac02");
  Bytes out = hx("ff");
  append_frame(out, hx("01"));
  EXPECT_EQ(to_hex(out), "ff0101");
}

TEST(Framing, EveryTwoWaySplitYieldsTheSameFrames) {
  const Bytes wire = sample_wire();
  for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
    Reader r(1024);
    auto got = feed(r, wire, {cut});
    ASSERT_FALSE(got.error) << cut;
    EXPECT_EQ(got.frames, sample_bodies()) << "cut at " << cut;
    EXPECT_FALSE(r.mid_frame());
    EXPECT_EQ(r.buffered(), 0u);
  }
}

TEST(Framing, ByteByByteAndRandomFragments) {
  const Bytes wire = sample_wire();
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < wire.size(); ++i) every.push_back(i);
  Reader r(1024);
  auto got = feed(r, wire, every);
  ASSERT_FALSE(got.error);
  EXPECT_EQ(got.frames, sample_bodies());

  DeterministicRng rng(42);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::size_t> cuts;
    for (std::size_t pos = 1 + rng.uniform(40); pos < wire.size(); pos += 1 + rng.uniform(40)) cuts.push_back(pos);
    Reader rr(1024);
    auto g = feed(rr, wire, cuts);
    ASSERT_FALSE(g.error);
    EXPECT_EQ(g.frames, sample_bodies()) << round;
  }
}

TEST(Framing, SeveralFramesInOneChunkOnePerCall) {
  const Bytes wire = hx("0161" "00" "026263");
  BytesView in(wire);
  Reader r(16);
  auto a = r.next(in);
  ASSERT_TRUE(a && *a);
  EXPECT_EQ(to_hex(**a), "61");
  EXPECT_EQ(in.size(), 4u);  // consumed up to the end of the frame returned, no further
  auto b = r.next(in);
  ASSERT_TRUE(b && *b);
  EXPECT_TRUE((*b)->empty());
  auto c = r.next(in);
  ASSERT_TRUE(c && *c);
  EXPECT_EQ(to_hex(**c), "6263");
  auto d = r.next(in);
  ASSERT_TRUE(d);
  EXPECT_FALSE(*d);
}

TEST(Framing, ZeroLengthFramesAreFrames) {
  Reader r(0);  // max 0: only empty frames
  const Bytes wire = hx("000000");
  auto got = feed(r, wire, {});
  ASSERT_FALSE(got.error);
  EXPECT_EQ(got.frames.size(), 3u);
  Reader r2(0);
  EXPECT_EQ(feed(r2, hx("01ff"), {}).error, make_error_code(errc::frame_too_large));
}

TEST(Framing, WholeFramesInAChunkAreNotCopied) {
  const Bytes wire = hx("03616263" "03646566");
  // Both frames inside the chunk: views of the chunk itself.
  {
    Reader r(16);
    BytesView in(wire);
    auto a = r.next(in);
    ASSERT_TRUE(a && *a);
    EXPECT_EQ((*a)->data(), wire.data() + 1);
    auto b = r.next(in);
    ASSERT_TRUE(b && *b);
    EXPECT_EQ((*b)->data(), wire.data() + 5);
  }
  // A frame split across chunks is assembled in the reader (one copy); the next frame, whole
  // in the second chunk, is a view of that chunk again.
  {
    Reader r(16);
    Bytes chunk(wire.begin(), wire.begin() + 3);
    BytesView in(chunk);
    auto a = r.next(in);
    ASSERT_TRUE(a && !*a);
    EXPECT_TRUE(r.mid_frame());
    EXPECT_EQ(r.buffered(), 2u);  // the body so far; the prefix was decoded in place
    chunk.assign(wire.begin() + 3, wire.end());
    in = BytesView(chunk);
    a = r.next(in);
    ASSERT_TRUE(a && *a);
    const BytesView body = **a;
    EXPECT_FALSE(inside(body, chunk));  // assembled in the reader
    EXPECT_EQ(to_hex(body), "616263");
    auto b = r.next(in);  // the second frame lies inside the chunk: a view of it
    ASSERT_TRUE(b && *b);
    EXPECT_EQ((*b)->data(), chunk.data() + 2);
    EXPECT_EQ(to_hex(**b), "646566");
  }
}

TEST(Framing, OversizeLengthFailsBeforeAnyBodyByte) {
  Reader r(100);
  BytesView in;
  const Bytes ok = hx("64");  // 100: accepted, waits for the body
  in = ok;
  auto a = r.next(in);
  ASSERT_TRUE(a && !*a);
  EXPECT_TRUE(r.mid_frame());

  const Bytes big = hx("65" "000102");  // 101
  Reader r2(100);
  in = big;
  EXPECT_EQ(r2.next(in).error(), make_error_code(errc::frame_too_large));
  EXPECT_EQ(r2.buffered(), 0u);

  // 256 MiB announced, the prefix split over two chunks: refused on the prefix's last byte.
  Reader r3(64 * 1024);
  const Bytes p1 = hx("808080"), p2 = hx("8001" "aaaa");
  in = p1;
  ASSERT_TRUE(r3.next(in));
  EXPECT_EQ(r3.buffered(), 3u);
  in = p2;
  EXPECT_EQ(r3.next(in).error(), make_error_code(errc::frame_too_large));
  EXPECT_EQ(r3.buffered(), 0u);
}

TEST(Framing, NonMinimalAndOverlongPrefixesAreRejected) {
  for (std::size_t split = 0; split <= 2; ++split) {
    Reader r(1 << 20);
    const Bytes wire = hx("8000");  // 0 in two bytes
    EXPECT_EQ(feed(r, wire, {split}).error, make_error_code(varint::errc::not_minimal)) << split;
  }
  {
    Reader r(1 << 20);
    EXPECT_EQ(feed(r, hx("818000"), {}).error, make_error_code(varint::errc::not_minimal));
  }
  // Nine continuation bytes: longer than a multiformats varint may be, whatever follows.
  const Bytes overlong = hx("ffffffffffffffffff01");
  for (std::size_t split = 0; split <= overlong.size(); ++split) {
    Reader r(1 << 20);
    EXPECT_EQ(feed(r, overlong, {split}).error, make_error_code(varint::errc::overflow)) << split;
  }
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < overlong.size(); ++i) every.push_back(i);
  Reader r(1 << 20);
  EXPECT_EQ(feed(r, overlong, every).error, make_error_code(varint::errc::overflow));
}

TEST(Framing, ErrorsAreSticky) {
  Reader r(4);
  const Bytes bad = hx("05");
  BytesView in(bad);
  EXPECT_EQ(r.next(in).error(), make_error_code(errc::frame_too_large));
  const Bytes good = hx("0161");
  in = good;
  EXPECT_EQ(r.next(in).error(), make_error_code(errc::frame_too_large));
  EXPECT_EQ(r.error(), make_error_code(errc::frame_too_large));
  BytesView none;
  EXPECT_EQ(r.next(none).error(), make_error_code(errc::frame_too_large));
}

TEST(Framing, TruncationIsVisibleAsMidFrame) {
  Reader r(16);
  auto got = feed(r, hx("0461"), {});
  ASSERT_FALSE(got.error);
  EXPECT_TRUE(got.frames.empty());
  EXPECT_TRUE(r.mid_frame());
  Reader r2(16);
  got = feed(r2, hx("80"), {});  // inside the prefix
  EXPECT_TRUE(r2.mid_frame());
  Reader r3(16);
  got = feed(r3, hx("0161"), {});
  EXPECT_FALSE(r3.mid_frame());
}

}  // namespace
}  // namespace lotus::proto::framing
