// Wire layer of signed envelopes and peer records (no key handling): exact bytes against
// js-libp2p generated vectors, limits and malformed input.
#include <gtest/gtest.h>

#include "proto/record/envelope.hpp"
#include "proto/record/peer_record.hpp"
#include "test_util.hpp"

using namespace lotus;
using namespace lotus::proto::record;
using lotus::test::hx;
using lotus::test::js_hex;

TEST(EnvelopeWire, DecodesJsEnvelopeAndReencodesIdentically) {
  const Bytes bytes = js_hex("envelope");
  auto e = decode_envelope(bytes);
  ASSERT_TRUE(e) << e.error().message();
  EXPECT_EQ(e->public_key, js_hex("public_key_protobuf"));
  EXPECT_EQ(e->payload_type, hx("0301"));
  EXPECT_EQ(e->payload, js_hex("peer_record_payload"));
  EXPECT_EQ(e->signature, js_hex("signature"));
  EXPECT_EQ(encode_envelope(*e), bytes);
}

TEST(EnvelopeWire, ExactEncodingOfSmallEnvelope) {
  Envelope e{hx("0801"), hx("0301"), hx("aabb"), hx("cc")};
  // 0a 02 0801 | 12 02 0301 | 1a 02 aabb | 2a 01 cc   (signature is field 5, not the RFC's 4)
  EXPECT_EQ(to_hex(encode_envelope(e)), "0a02080112020301" "1a02aabb" "2a01cc");
  // Empty fields are omitted (proto3), as js-libp2p does.
  EXPECT_EQ(to_hex(encode_envelope(Envelope{{}, {}, hx("01"), {}})), "1a0101");
}

TEST(EnvelopeWire, SigningBufferLayout) {
  // uvarint(len(domain)) ‖ domain ‖ uvarint(len(type)) ‖ type ‖ uvarint(len(payload)) ‖ payload
  EXPECT_EQ(to_hex(signing_buffer("ab", hx("0301"), hx("ff"))), "02" "6162" "02" "0301" "01" "ff");
  EXPECT_EQ(to_hex(signing_buffer("", {}, {})), "000000");
  const Bytes big(200, 0x11);
  const Bytes sb = signing_buffer(kPeerRecordDomain, kPeerRecordPayloadType, big);
  ASSERT_EQ(sb.size(), 1 + 18 + 1 + 2 + 2 + 200u);
  EXPECT_EQ(sb[0], 18);  // "libp2p-peer-record"
  EXPECT_EQ(as_string_view(BytesView(sb).subspan(1, 18)), "libp2p-peer-record");
  EXPECT_EQ(to_hex(BytesView(sb).subspan(19, 5)), "020301c801");  // 200 = c8 01
}

TEST(EnvelopeWire, SkipsUnknownFieldsAndLastValueWins) {
  // field 4 (the RFC's signature number) is unknown to implementations and skipped.
  auto e = decode_envelope(hx("2201ee" "1a0101" "1a0102" "2a01cc" "3001"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->payload, hx("02"));
  EXPECT_EQ(e->signature, hx("cc"));
  EXPECT_TRUE(e->public_key.empty());
}

TEST(EnvelopeWire, RejectsMalformedInput) {
  EXPECT_EQ(decode_envelope(hx("0a05aabb")).error(), errc::malformed_envelope);    // length past end
  EXPECT_EQ(decode_envelope(hx("0a")).error(), errc::malformed_envelope);          // truncated
  EXPECT_EQ(decode_envelope(hx("0801")).error(), errc::malformed_envelope);        // field 1 as varint
  EXPECT_EQ(decode_envelope(hx("2d01020304")).error(), errc::malformed_envelope);  // sig as fixed32
  EXPECT_EQ(decode_envelope(hx("0b")).error(), errc::malformed_envelope);          // group wire type
  EXPECT_EQ(decode_envelope(hx("ffffffffffffffffffff7f")).error(), errc::malformed_envelope);
  // Every strict prefix of a valid envelope that cuts a field is rejected, none crashes.
  const Bytes bytes = js_hex("envelope");
  for (std::size_t n = 1; n < bytes.size(); ++n) {
    auto r = decode_envelope(BytesView(bytes).first(n));
    if (r) continue;  // a prefix ending on a field boundary is a valid (shorter) envelope
    EXPECT_EQ(r.error(), errc::malformed_envelope) << n;
  }
  EXPECT_TRUE(decode_envelope({}));  // empty = all fields absent; open() rejects it later
}

TEST(EnvelopeWire, EnforcesSizeLimit) {
  Envelope e{{}, {}, Bytes(100, 1), {}};
  const Bytes bytes = encode_envelope(e);
  Limits l;
  l.max_envelope_size = bytes.size();
  EXPECT_TRUE(decode_envelope(bytes, l));
  l.max_envelope_size = bytes.size() - 1;
  EXPECT_EQ(decode_envelope(bytes, l).error(), errc::envelope_too_large);
  EXPECT_EQ(decode_envelope(Bytes(8 * 1024 + 1, 0)).error(), errc::envelope_too_large);
}

TEST(PeerRecordWire, DecodesJsRecordAndReencodesIdentically) {
  const Bytes payload = js_hex("peer_record_payload");
  auto m = decode_peer_record(payload);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->peer_id, js_hex("peer_id_bytes"));
  EXPECT_EQ(m->seq, 1700000000000u);
  ASSERT_EQ(m->addresses.size(), 2u);
  EXPECT_EQ(to_hex(m->addresses[0]), "047f000001060fa1");
  EXPECT_EQ(to_hex(m->addresses[1]), "2900000000000000000000000000000001060fa2dd03");
  EXPECT_EQ(encode_peer_record(*m), payload);
}

TEST(PeerRecordWire, ExactEncoding) {
  PeerRecordMessage m{hx("0001aa"), 300, {hx("047f000001"), {}}};
  // 0a 03 0001aa | 10 ac02 | 1a 07 (0a 05 047f000001) | 1a 00
  EXPECT_EQ(to_hex(encode_peer_record(m)), "0a030001aa" "10ac02" "1a070a05047f000001" "1a00");
  EXPECT_EQ(encode_peer_record(PeerRecordMessage{}), Bytes{});
  auto back = decode_peer_record(encode_peer_record(m));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, m);
}

TEST(PeerRecordWire, RejectsMalformedAndOverLimit) {
  EXPECT_EQ(decode_peer_record(hx("1201")).error(), errc::malformed_record);      // len field cut short
  EXPECT_EQ(decode_peer_record(hx("1200")).error(), errc::malformed_record);      // seq with len wire type
  EXPECT_EQ(decode_peer_record(hx("1a020a")).error(), errc::malformed_record);    // AddressInfo truncated inside
  EXPECT_EQ(decode_peer_record(hx("1a020801")).error(), errc::malformed_record);  // AddressInfo.multiaddr as varint
  EXPECT_EQ(decode_peer_record(hx("0801")).error(), errc::malformed_record);      // peer_id as varint
  EXPECT_EQ(decode_peer_record(hx("150000803f")).error(), errc::malformed_record);  // seq as fixed32
  Limits l;
  l.max_addresses = 2;
  EXPECT_TRUE(decode_peer_record(hx("1a00" "1a00"), l));
  EXPECT_EQ(decode_peer_record(hx("1a00" "1a00" "1a00"), l).error(), errc::too_many_addresses);
  l.max_address_len = 3;
  EXPECT_TRUE(decode_peer_record(hx("1a050a03010203"), l));
  EXPECT_EQ(decode_peer_record(hx("1a060a0401020304"), l).error(), errc::address_too_long);
  l.max_record_size = 4;
  EXPECT_EQ(decode_peer_record(hx("1a060a0401020304"), l).error(), errc::record_too_large);
}

TEST(RecordErrc, MessagesAreSpecific) {
  EXPECT_EQ(make_error_code(errc::invalid_signature).message(),
            "record: signed envelope signature invalid for this domain");
  EXPECT_STREQ(make_error_code(errc::peer_id_mismatch).category().name(), "record");
}
