// Identify wire layer: exact bytes against js-libp2p, limits, malformed input, the
// length-prefixed stream reader (splitting, merging, truncation) and the responder output.
#include <gtest/gtest.h>

#include "base/rng.hpp"
#include "proto/identify/message.hpp"
#include "proto/identify/responder.hpp"
#include "test_util.hpp"

using namespace lotus;
using namespace lotus::proto::identify;
using lotus::test::framed;
using lotus::test::hx;
using lotus::test::js_hex;

namespace {

IdentifyMessage js_message() {
  IdentifyMessage m;
  m.protocol_version = "ipfs/0.1.0";
  m.agent_version = "js-libp2p/3.1.0";
  m.public_key = js_hex("public_key_protobuf");
  m.listen_addrs = {hx("047f000001060fa1"), hx("2900000000000000000000000000000001060fa2dd03")};
  m.observed_addr = js_hex("observed_bytes");
  m.protocols = {"/ipfs/id/1.0.0", "/ipfs/ping/1.0.0"};
  m.signed_peer_record = js_hex("envelope");
  return m;
}

}  // namespace

TEST(IdentifyMessage, ProtocolIds) {
  EXPECT_EQ(kProtocolId, "/ipfs/id/1.0.0");
  EXPECT_EQ(kPushProtocolId, "/ipfs/id/push/1.0.0");
}

TEST(IdentifyMessage, EncodesExactlyAsJsLibp2p) {
  EXPECT_EQ(to_hex(encode_message(js_message())), to_hex(js_hex("identify_message")));
}

TEST(IdentifyMessage, DecodesJsMessage) {
  auto m = decode_message(js_hex("identify_message"));
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(*m, js_message());
}

TEST(IdentifyMessage, ExactBytesOfSmallMessage) {
  IdentifyMessage m;
  m.agent_version = "a";
  m.protocols = {"/x", "/y"};
  m.listen_addrs = {hx("0401020304")};
  m.observed_addr = Bytes{};  // present but empty: written (proto2 presence)
  EXPECT_EQ(to_hex(encode_message(m)), "320161" "12050401020304" "2200" "1a022f78" "1a022f79");
  EXPECT_EQ(to_hex(encode_framed(m)), "14" "320161" "12050401020304" "2200" "1a022f78" "1a022f79");
  auto back = decode_message(encode_message(m));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, m);
  EXPECT_EQ(encode_message(IdentifyMessage{}), Bytes{});
}

TEST(IdentifyMessage, SkipsUnknownFieldsLastOptionalWins) {
  // field 7 (len), field 9 (varint), field 100 (fixed64) are skipped.
  auto m = decode_message(hx("3a01ff" "4801" "a1060102030405060708" "2a0161" "2a0162"));
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->protocol_version, "b");
  EXPECT_FALSE(m->agent_version);
}

TEST(IdentifyMessage, RejectsMalformed) {
  EXPECT_EQ(decode_message(hx("0a05aa")).error(), errc::malformed_message);  // length past end
  EXPECT_EQ(decode_message(hx("2a")).error(), errc::malformed_message);      // truncated tag/len
  EXPECT_EQ(decode_message(hx("0801")).error(), errc::malformed_message);    // publicKey as varint
  EXPECT_EQ(decode_message(hx("1d00000000")).error(), errc::malformed_message);  // protocols as fixed32
  EXPECT_EQ(decode_message(hx("0f")).error(), errc::malformed_message);      // wire type 7
  EXPECT_EQ(decode_message(hx("00")).error(), errc::malformed_message);      // field number 0
  const Bytes js = js_hex("identify_message");
  for (std::size_t n = 1; n < js.size(); ++n) {
    auto r = decode_message(BytesView(js).first(n));
    if (!r) {
      EXPECT_EQ(r.error(), errc::malformed_message) << n;
    }
  }
}

TEST(IdentifyMessage, EnforcesLimits) {
  Limits l;
  l.max_protocols = 2;
  l.max_protocol_len = 3;
  l.max_listen_addrs = 1;
  l.max_addr_len = 2;
  l.max_version_len = 2;
  l.max_message_size = 64;
  EXPECT_TRUE(decode_message(hx("1a022f78" "1a03616263" "12020102" "22020102" "2a026162" "32026162"), l));
  EXPECT_EQ(decode_message(hx("1a0161" "1a0162" "1a0163"), l).error(), errc::too_many_protocols);
  EXPECT_EQ(decode_message(hx("1a0461626364"), l).error(), errc::protocol_too_long);
  EXPECT_EQ(decode_message(hx("1200" "1200"), l).error(), errc::too_many_addresses);
  EXPECT_EQ(decode_message(hx("1203010203"), l).error(), errc::address_too_long);
  EXPECT_EQ(decode_message(hx("2203010203"), l).error(), errc::address_too_long);
  EXPECT_EQ(decode_message(hx("2a03616263"), l).error(), errc::field_too_long);
  EXPECT_EQ(decode_message(hx("3203616263"), l).error(), errc::field_too_long);
  EXPECT_EQ(decode_message(Bytes(65, 0), l).error(), errc::message_too_large);
  // Defaults: 8 KiB message, 1000 protocols of ≤ 1 KiB.
  const Limits d;
  EXPECT_EQ(d.max_message_size, 8192u);
  EXPECT_EQ(d.max_protocols, 1000u);
  EXPECT_EQ(d.max_protocol_len, 1024u);
  IdentifyMessage big;
  big.protocols.assign(1, std::string(1025, 'p'));
  EXPECT_EQ(decode_message(encode_message(big)).error(), errc::protocol_too_long);
  big.protocols.assign(1001, "/p");
  EXPECT_EQ(decode_message(encode_message(big)).error(), errc::too_many_protocols);
  EXPECT_EQ(decode_message(Bytes(8193, 0)).error(), errc::message_too_large);
}

TEST(IdentifyMessage, MergeChunkAppendsRepeatedAndOverwritesOptionals) {
  IdentifyMessage a;
  a.agent_version = "old";
  a.protocol_version = "pv";
  a.protocols = {"/a"};
  a.listen_addrs = {hx("01")};
  IdentifyMessage b;
  b.agent_version = "new";
  b.protocols = {"/b", "/c"};
  b.signed_peer_record = hx("ee");
  ASSERT_TRUE(merge_chunk(a, std::move(b)));
  EXPECT_EQ(a.agent_version, "new");
  EXPECT_EQ(a.protocol_version, "pv");
  EXPECT_EQ(a.protocols, (std::vector<std::string>{"/a", "/b", "/c"}));
  EXPECT_EQ(a.listen_addrs, std::vector<Bytes>{hx("01")});
  EXPECT_EQ(a.signed_peer_record, hx("ee"));

  Limits l;
  l.max_protocols = 3;
  IdentifyMessage c;
  c.protocols = {"/d"};
  c.agent_version = "x";
  const IdentifyMessage before = a;
  EXPECT_EQ(merge_chunk(a, std::move(c), l).error(), errc::too_many_protocols);
  EXPECT_EQ(a, before);  // unchanged on error
  l.max_listen_addrs = 1;
  IdentifyMessage d;
  d.listen_addrs = {hx("02")};
  EXPECT_EQ(merge_chunk(a, std::move(d), l).error(), errc::too_many_addresses);
}

TEST(MessageReader, ReadsOneMessageFedByteByByte) {
  const Bytes wire = framed(js_hex("identify_message"));
  ASSERT_EQ(to_hex(BytesView(wire).first(2)), "d702");  // 343-byte body: two-byte prefix
  MessageReader r;
  for (std::uint8_t b : wire) ASSERT_TRUE(r.on_bytes(BytesView(&b, 1)));
  EXPECT_EQ(r.messages(), 1u);
  auto m = r.finish();
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, js_message());
}

TEST(MessageReader, MergesMessageSplitAcrossTwoChunks) {
  // go-libp2p style: everything but the signed record first, then the record alone.
  IdentifyMessage first = js_message();
  first.signed_peer_record.reset();
  IdentifyMessage second;
  second.signed_peer_record = js_hex("envelope");
  Bytes wire = encode_framed(first);
  append(wire, encode_framed(second));
  // Feed in random fragments.
  DeterministicRng rng(7);
  for (int round = 0; round < 50; ++round) {
    MessageReader r;
    std::size_t pos = 0;
    while (pos < wire.size()) {
      const std::size_t n = std::min<std::size_t>(1 + rng.uniform(40), wire.size() - pos);
      ASSERT_TRUE(r.on_bytes(BytesView(wire).subspan(pos, n)));
      pos += n;
    }
    EXPECT_EQ(r.messages(), 2u);
    auto m = r.finish();
    ASSERT_TRUE(m);
    EXPECT_EQ(*m, js_message());
  }
}

TEST(MessageReader, RepeatedFieldsAcrossMessagesAppend) {
  MessageReader r;
  ASSERT_TRUE(r.on_bytes(hx("04" "1a022f61" "07" "1a022f62" "2a0178")));
  auto m = r.finish();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->protocols, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(m->protocol_version, "x");
}

TEST(MessageReader, ZeroLengthMessageIsAnEmptyMessage) {
  MessageReader r;
  ASSERT_TRUE(r.on_bytes(hx("00")));
  auto m = r.finish();
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, IdentifyMessage{});
}

TEST(MessageReader, EofErrors) {
  {
    MessageReader r;
    EXPECT_EQ(r.finish().error(), errc::no_message);
  }
  {
    MessageReader r;
    ASSERT_TRUE(r.on_bytes(hx("05" "2a03")));  // body cut
    EXPECT_EQ(r.finish().error(), errc::truncated);
  }
  {
    MessageReader r;
    ASSERT_TRUE(r.on_bytes(hx("02" "2a00" "d4")));  // second prefix cut
    EXPECT_EQ(r.finish().error(), errc::truncated);
  }
}

TEST(MessageReader, RejectsOversizeBadPrefixAndTooManyMessagesStickily) {
  {
    MessageReader r;  // 8193 = 81 40
    EXPECT_EQ(r.on_bytes(hx("8140")).error(), errc::message_too_large);
    EXPECT_EQ(r.on_bytes(hx("00")).error(), errc::message_too_large);  // sticky
    EXPECT_EQ(r.finish().error(), errc::message_too_large);
  }
  {
    MessageReader r;  // exactly 8192 = 80 40 is accepted
    EXPECT_TRUE(r.on_bytes(hx("8040")));
  }
  {
    MessageReader r;
    EXPECT_EQ(r.on_bytes(hx("8000")).error(), errc::bad_length_prefix);  // not minimal
  }
  {
    MessageReader r;
    EXPECT_EQ(r.on_bytes(hx("ffffffffffffffffff01")).error(), errc::bad_length_prefix);
  }
  {
    Limits l;
    l.max_messages = 3;
    MessageReader r(l);
    EXPECT_TRUE(r.on_bytes(hx("000000")));
    EXPECT_EQ(r.on_bytes(hx("00")).error(), errc::too_many_messages);
  }
  {
    MessageReader r;
    EXPECT_EQ(r.on_bytes(hx("02" "0801")).error(), errc::malformed_message);
    EXPECT_EQ(r.finish().error(), errc::malformed_message);
  }
  {
    Limits l;
    l.max_protocols = 1;
    MessageReader r(l);
    EXPECT_EQ(r.on_bytes(hx("03" "1a0161" "03" "1a0162")).error(), errc::too_many_protocols);
  }
}

TEST(Responder, WritesOneFramedMessageThenIsDone) {
  auto resp = Responder::create(js_message());
  ASSERT_TRUE(resp);
  EXPECT_FALSE(resp->done());
  EXPECT_EQ(resp->deadline(), kNever);
  EXPECT_EQ(resp->take_output(), framed(js_hex("identify_message")));
  EXPECT_TRUE(resp->done());
  EXPECT_TRUE(resp->take_output().empty());
}

TEST(Responder, RefusesMessageOverLimit) {
  IdentifyMessage m;
  m.agent_version = std::string(8192 - 3, 'a');  // 32 fe3f <8189 bytes> = 8192 bytes
  EXPECT_EQ(encode_message(m).size(), 8192u);
  EXPECT_TRUE(Responder::create(m));
  m.agent_version->push_back('a');
  EXPECT_EQ(Responder::create(m).error(), errc::message_too_large);
  Limits big;
  big.max_message_size = 16384;
  EXPECT_TRUE(Responder::create(m, big));
}

TEST(Responder, OutputRoundTripsThroughReader) {
  auto resp = Responder::create(js_message());
  ASSERT_TRUE(resp);
  MessageReader r;
  ASSERT_TRUE(r.on_bytes(resp->take_output()));
  auto m = r.finish();
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, js_message());
}

TEST(IdentifyErrc, MessagesAreSpecific) {
  EXPECT_EQ(make_error_code(errc::peer_id_mismatch).message(),
            "identify: public key does not match the remote peer id");
  EXPECT_STREQ(make_error_code(errc::timeout).category().name(), "identify");
}
