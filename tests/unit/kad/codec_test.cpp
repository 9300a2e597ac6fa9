#include <gtest/gtest.h>

#include "base/hex.hpp"
#include "base/protobuf.hpp"
#include "kad_test_util.hpp"
#include "proto/kad/errc.hpp"
#include "proto/kad/frame_reader.hpp"

using namespace kadtest;

namespace {

Bytes hex(std::string_view h) { return *from_hex(h); }

}  // namespace

TEST(KadCodec, FindNodeRequestKnownBytes) {
  Message m;
  m.type = MessageType::find_node;
  m.key = to_bytes("abc");
  EXPECT_EQ(to_hex(encode_message(m)), "0804" "1203616263");
  EXPECT_EQ(to_hex(encode_frame(m)), "07" "0804" "1203616263");
  auto d = decode_message(hex("08041203616263"), Limits{});
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(*d, m);
}

TEST(KadCodec, PutValueWithRecordKnownBytes) {
  // PUT_VALUE is enum value 0: proto3 omits it.
  Message m;
  m.key = to_bytes("k");
  m.record = Record{to_bytes("k"), to_bytes("v"), "t"};
  const std::string expect = "12016b" "1a09" "0a016b" "120176" "2a0174";
  EXPECT_EQ(to_hex(encode_message(m)), expect);
  auto d = decode_message(hex(expect), Limits{});
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, m);
}

TEST(KadCodec, ResponseWithPeersKnownBytes) {
  const mf::PeerId id = make_peer(1);
  ASSERT_EQ(id.bytes().size(), 38u);  // identity multihash: 00 24 + 36-byte key protobuf
  Message m;
  m.type = MessageType::get_providers;
  m.key = to_bytes("abc");
  m.closer_peers.push_back(PeerInfo{id, {ip4(1, 2, 3, 4)}, ConnectionType::connected});
  m.provider_peers.push_back(PeerInfo{id, {}, ConnectionType::not_connected});
  m.cluster_level_raw = 2;
  const std::string idh = to_hex(id.bytes());
  const std::string peer1 = "0a26" + idh + "1208" "0401020304060fa1" "1801";
  const std::string peer2 = "0a26" + idh;
  const std::string expect = "0803" "1203616263" "4234" + peer1 + "4a28" + peer2 + "5002";
  EXPECT_EQ(to_hex(encode_message(m)), expect);
  auto d = decode_message(hex(expect), Limits{});
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, m);
}

TEST(KadCodec, NegativeClusterLevelRoundTrips) {
  Message m;
  m.type = MessageType::ping;
  m.cluster_level_raw = -1;
  Bytes b = encode_message(m);
  EXPECT_EQ(to_hex(b), "0805" "50ffffffffffffffffff01");
  EXPECT_EQ(decode_message(b, Limits{})->cluster_level_raw, -1);
}

TEST(KadCodec, UnknownFieldsAndRemovedRecordFieldsAreSkipped) {
  // Record with author (3) and signature (4), message with unknown field 15.
  auto d = decode_message(hex("0801" "1a09" "0a016b" "1a0161" "220173" "7801"), Limits{});
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d->type, MessageType::get_value);
  ASSERT_TRUE(d->record);
  EXPECT_EQ(d->record->key, to_bytes("k"));
  EXPECT_TRUE(d->record->value.empty());
}

TEST(KadCodec, MalformedMessagesGiveSpecificErrors) {
  const Limits lim;
  auto err = [&](std::string_view h) { return decode_message(hex(h), lim).error(); };
  EXPECT_EQ(err("0806"), make_error_code(errc::unknown_message_type));
  EXPECT_EQ(err("08"), make_error_code(pb::errc::truncated));
  EXPECT_EQ(err("0a00"), make_error_code(pb::errc::wrong_wire_type));    // type as bytes
  EXPECT_EQ(err("1001"), make_error_code(pb::errc::wrong_wire_type));    // key as varint
  EXPECT_EQ(err("1205616263"), make_error_code(pb::errc::length_overflow));
  EXPECT_EQ(err("1a00" "1a00"), make_error_code(errc::duplicate_record));
  EXPECT_EQ(err("1a02" "0801"), make_error_code(pb::errc::wrong_wire_type));  // record.key varint
  EXPECT_EQ(err("4202" "0801"), make_error_code(pb::errc::wrong_wire_type));  // peer.id varint
  EXPECT_EQ(err("4202" "1a00"), make_error_code(pb::errc::wrong_wire_type));  // connection as bytes
  EXPECT_EQ(err("4003"), make_error_code(pb::errc::wrong_wire_type));         // closerPeers varint
  EXPECT_EQ(err("5200"), make_error_code(pb::errc::wrong_wire_type));         // clusterLevel bytes
  EXPECT_EQ(err("0f"), make_error_code(pb::errc::bad_wire_type));             // group end
}

TEST(KadCodec, SizeLimits) {
  Limits lim;
  lim.max_key_size = 4;
  lim.max_value_size = 2;
  lim.max_message_size = 16;
  EXPECT_EQ(decode_message(hex("1205" "6162636465"), lim).error(), make_error_code(errc::key_too_large));
  EXPECT_TRUE(decode_message(hex("1204" "61626364"), lim));
  EXPECT_EQ(decode_message(hex("1a07" "0a0561626364ff"), lim).error(), make_error_code(errc::key_too_large));
  EXPECT_EQ(decode_message(hex("1a05" "1203616263"), lim).error(), make_error_code(errc::value_too_large));
  EXPECT_EQ(decode_message(Bytes(17, 0), lim).error(), make_error_code(errc::message_too_large));
}

TEST(KadCodec, PeerAndAddrLimitsDropAndCount) {
  Limits lim;
  lim.max_peers = 3;
  lim.max_addrs_per_peer = 2;
  Message m;
  m.type = MessageType::find_node;
  for (int i = 0; i < 5; ++i)
    m.closer_peers.push_back(info(make_peer(static_cast<std::uint64_t>(i)),
                                  {ip4(1, 1, 1, 1), ip4(2, 2, 2, 2), ip4(3, 3, 3, 3)}));
  m.provider_peers.push_back(info(make_peer(9)));
  DecodeReport rep;
  auto d = decode_message(encode_message(m), lim, &rep);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->closer_peers.size(), 3u);
  EXPECT_EQ(d->closer_peers[2].id, make_peer(2));
  EXPECT_EQ(d->closer_peers[0].addrs.size(), 2u);
  EXPECT_EQ(d->provider_peers.size(), 1u);  // separate budget
  EXPECT_EQ(rep.dropped_peers, 2u);
  EXPECT_EQ(rep.dropped_addrs, 3u);
}

TEST(KadCodec, InvalidPeerIdsAndAddrsAreSkippedAndCounted) {
  const std::string good = to_hex(make_peer(3).bytes());
  // Peer without id; peer with a sha1 multihash id; good peer with one bad and one good addr;
  // unknown connection type reads as NOT_CONNECTED.
  const std::string p1 = "1208" "0401020304060fa1";
  const std::string p2 = "0a04" "11020102";
  const std::string p3 = "0a26" + good + "1202" "ff00" "1208" "0401020304060fa1" "1809";
  DecodeReport rep;
  auto d = decode_message(hex("420a" + p1 + "4206" + p2 + "4238" + p3), Limits{}, &rep);
  ASSERT_TRUE(d) << d.error().message();
  ASSERT_EQ(d->closer_peers.size(), 1u);
  EXPECT_EQ(d->closer_peers[0].id, make_peer(3));
  ASSERT_EQ(d->closer_peers[0].addrs.size(), 1u);
  EXPECT_EQ(d->closer_peers[0].addrs[0], ip4(1, 2, 3, 4));
  EXPECT_EQ(d->closer_peers[0].connection, ConnectionType::not_connected);
  EXPECT_EQ(rep.invalid_peers, 2u);
  EXPECT_EQ(rep.invalid_addrs, 1u);
}

TEST(KadFrameReader, ReassemblesFragmentsAndBackToBackFrames) {
  Message a;
  a.type = MessageType::find_node;
  a.key = to_bytes("target");
  Message b;
  b.type = MessageType::ping;
  Bytes wire = encode_frame(a);
  encode_frame(b, wire);
  FrameReader r;
  for (std::size_t i = 0; i < wire.size(); ++i) {
    BytesView in = BytesView(wire).subspan(i, 1);
    auto m = r.next(in);
    ASSERT_TRUE(m);
    EXPECT_TRUE(in.empty());
    if (i + 1 == encode_frame(a).size()) {
      ASSERT_TRUE(*m);
      EXPECT_EQ(**m, a);
    } else if (i + 1 == wire.size()) {
      ASSERT_TRUE(*m);
      EXPECT_EQ(**m, b);
    } else {
      EXPECT_FALSE(*m) << i;
    }
  }
  EXPECT_EQ(r.buffered(), 0u);
  // Both frames in one chunk: one message per call.
  FrameReader r2;
  BytesView in(wire);
  auto m1 = r2.next(in);
  auto m2 = r2.next(in);
  auto m3 = r2.next(in);
  ASSERT_TRUE(m1 && *m1 && m2 && *m2 && m3);
  EXPECT_EQ(**m1, a);
  EXPECT_EQ(**m2, b);
  EXPECT_FALSE(*m3);
}

TEST(KadFrameReader, EmptyFrameIsAnEmptyPutValue) {
  FrameReader r;
  const Bytes wire = hex("00");
  BytesView in(wire);
  auto m = r.next(in);
  ASSERT_TRUE(m && *m);
  EXPECT_EQ(**m, Message{});
}

TEST(KadFrameReader, OversizedLengthRejectedBeforeBody) {
  Limits lim;
  lim.max_message_size = 100;
  auto first = [](FrameReader& r, std::string_view h) {
    const Bytes wire = hex(h);
    BytesView in(wire);
    return r.next(in);
  };
  FrameReader r(lim);
  EXPECT_TRUE(first(r, "64"));  // 100: fine
  FrameReader r2(lim);
  EXPECT_EQ(first(r2, "65").error(), make_error_code(errc::message_too_large));
  EXPECT_EQ(first(r2, "00").error(), make_error_code(errc::message_too_large));  // stays failed
  EXPECT_EQ(r2.buffered(), 0u);
  FrameReader r3;
  EXPECT_EQ(first(r3, "ffffffffffffffffff01").error(), make_error_code(errc::bad_length_prefix));
  FrameReader r4;
  EXPECT_EQ(first(r4, "8000").error(), make_error_code(errc::bad_length_prefix));  // not minimal
}

TEST(KadFrameReader, BuffersAtMostOnePartialFrame) {
  Message ping;
  ping.type = MessageType::ping;
  Bytes wire;
  for (int i = 0; i < 4; ++i) encode_frame(ping, wire);
  const Bytes next = encode_frame(ping);
  wire.insert(wire.end(), next.begin(), next.end() - 1);  // a fifth frame, cut
  FrameReader r;
  BytesView in(wire);
  int got = 0;
  while (true) {
    auto m = r.next(in);
    ASSERT_TRUE(m);
    if (!*m) break;
    ++got;
  }
  EXPECT_EQ(got, 4);
  EXPECT_EQ(r.buffered(), next.size() - 2);  // the cut frame's body so far
}

TEST(KadFrameReader, MalformedBodyFailsReader) {
  FrameReader r;
  const Bytes bad = hex("020806"), more = hex("00");
  BytesView in(bad);
  EXPECT_EQ(r.next(in).error(), make_error_code(errc::unknown_message_type));
  in = more;
  EXPECT_EQ(r.next(in).error(), make_error_code(errc::unknown_message_type));
}

TEST(KadKey, DistanceAndPrefix) {
  Key a, b;
  EXPECT_EQ(common_prefix_length(a, b), 256u);
  b.bytes[0] = 0x80;
  EXPECT_EQ(common_prefix_length(a, b), 0u);
  b.bytes[0] = 0x01;
  EXPECT_EQ(common_prefix_length(a, b), 7u);
  b.bytes[0] = 0;
  b.bytes[31] = 1;
  EXPECT_EQ(common_prefix_length(a, b), 255u);
  Key c;
  c.bytes[30] = 1;
  EXPECT_LT(a.distance(b), a.distance(c));  // big-endian comparison
  EXPECT_EQ(b.distance(c), c.distance(b));
  EXPECT_EQ(to_hex(Key::from_bytes(to_bytes("abc")).bytes),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");  // SHA-256("abc")
  EXPECT_EQ(Key::from_peer(make_peer(1)).bytes, Key::from_bytes(make_peer(1).bytes()).bytes);
}
