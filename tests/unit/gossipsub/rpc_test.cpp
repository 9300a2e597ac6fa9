#include <gtest/gtest.h>

#include "base/hex.hpp"
#include "base/protobuf.hpp"
#include "base/varint.hpp"
#include "proto/gossipsub/frame_decoder.hpp"
#include "proto/gossipsub/rpc.hpp"

using namespace lotus;
using namespace lotus::proto::gossipsub;

namespace {

Bytes b(std::initializer_list<int> v) {
  Bytes out;
  for (int x : v) out.push_back(static_cast<std::uint8_t>(x));
  return out;
}

Rpc full_rpc() {
  Rpc r;
  r.subscriptions = {{true, "a"}, {false, "b"}};
  Message m;
  m.from = b({1});
  m.data = b({2, 3});
  m.seqno = b({0, 0, 0, 0, 0, 0, 0, 9});
  m.topic = "a";
  m.signature = b({5});
  m.key = b({6});
  r.publish.push_back(m);
  r.control.ihave.push_back({"a", {b({1}), b({2})}});
  r.control.iwant.push_back({{b({3})}});
  r.control.graft.push_back({"a"});
  r.control.prune.push_back({"b", {{b({7}), b({8})}, {b({9}), std::nullopt}}, 60});
  r.control.idontwant.push_back({{b({4})}});
  return r;
}

TEST(GossipsubRpc, SubscriptionBytes) {
  Rpc r;
  r.subscriptions.push_back({true, "a"});
  EXPECT_EQ(encode(r), b({0x0a, 0x05, 0x08, 0x01, 0x12, 0x01, 0x61}));
}

TEST(GossipsubRpc, MessageBytesOmitAbsentOptionals) {
  Message m;
  m.from = b({1});
  m.data = b({2});
  m.seqno = b({3});
  m.topic = "t";
  Bytes out;
  encode(m, out);
  EXPECT_EQ(out, b({0x0a, 0x01, 0x01, 0x12, 0x01, 0x02, 0x1a, 0x01, 0x03, 0x22, 0x01, 0x74}));
  m.signature = b({4});
  m.key = b({5});
  EXPECT_EQ(encode_for_signing(m), out);  // signature and key are not signed
}

TEST(GossipsubRpc, ControlBytes) {
  Rpc r;
  r.control.graft.push_back({"t"});
  EXPECT_EQ(encode(r), b({0x1a, 0x05, 0x1a, 0x03, 0x0a, 0x01, 0x74}));
  Rpc p;
  p.control.prune.push_back({"t", {{b({0xaa}), std::nullopt}}, 60});
  // control{prune{topic "t", peers{peerID aa}, backoff 60}}
  EXPECT_EQ(encode(p), b({0x1a, 0x0c, 0x22, 0x0a, 0x0a, 0x01, 0x74, 0x12, 0x03, 0x0a, 0x01, 0xaa, 0x18, 0x3c}));
  Rpc d;
  d.control.idontwant.push_back({{b({0x01, 0x02})}});
  EXPECT_EQ(encode(d), b({0x1a, 0x06, 0x2a, 0x04, 0x0a, 0x02, 0x01, 0x02}));
}

TEST(GossipsubRpc, RoundTrip) {
  const Rpc r = full_rpc();
  auto d = decode_rpc(encode(r));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(*d, r);
}

TEST(GossipsubRpc, EmptyRpcIsEmpty) {
  EXPECT_TRUE(encode(Rpc{}).empty());
  auto d = decode_rpc({});
  ASSERT_TRUE(d.has_value());
  EXPECT_TRUE(d->empty());
}

TEST(GossipsubRpc, UnknownFieldsAreSkippedAndControlMerges) {
  Bytes in = encode(full_rpc());
  Bytes extra = b({0x48, 0x05, 0x1a, 0x05, 0x1a, 0x03, 0x0a, 0x01, 0x74});  // field 9 varint; 2nd control
  append(in, extra);
  auto d = decode_rpc(in);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->control.graft.size(), 2u);
  EXPECT_EQ(d->control.graft[1].topic, "t");
}

TEST(GossipsubRpc, MalformedInputs) {
  Bytes enc = encode(full_rpc());
  Bytes trunc(enc.begin(), enc.end() - 1);
  EXPECT_EQ(decode_rpc(trunc).error(), pb::errc::length_overflow);
  EXPECT_EQ(decode_rpc(b({0x0a})).error(), pb::errc::truncated);
  EXPECT_EQ(decode_rpc(b({0x08, 0x01})).error(), pb::errc::wrong_wire_type);  // subscriptions as varint
  // Message without topic.
  EXPECT_EQ(decode_rpc(b({0x12, 0x03, 0x12, 0x01, 0x00})).error(), errc::missing_topic);
  // Topic as varint in SubOpts.
  EXPECT_EQ(decode_rpc(b({0x0a, 0x02, 0x10, 0x01})).error(), pb::errc::wrong_wire_type);
  // Backoff as bytes.
  EXPECT_EQ(decode_rpc(b({0x1a, 0x05, 0x22, 0x03, 0x1a, 0x01, 0x00})).error(), pb::errc::wrong_wire_type);
  // Group wire type.
  EXPECT_EQ(decode_rpc(b({0x0b})).error(), pb::errc::bad_wire_type);
}

TEST(GossipsubRpc, LimitsAreEnforced) {
  Limits l;
  l.max_subscriptions = 1;
  l.max_messages = 0;
  l.max_message_ids = 1;
  l.max_topic_size = 1;
  l.max_control_entries = 1;
  l.max_prune_peers = 1;
  l.max_message_id_size = 1;
  Rpc r;
  r.subscriptions = {{true, "a"}, {true, "b"}};
  EXPECT_EQ(decode_rpc(encode(r), l).error(), errc::too_many_subscriptions);
  r = {};
  r.subscriptions = {{true, "ab"}};
  EXPECT_EQ(decode_rpc(encode(r), l).error(), errc::topic_too_long);
  r = {};
  r.publish.push_back(Message{});
  EXPECT_EQ(decode_rpc(encode(r), l).error(), errc::too_many_messages);
  r = {};
  r.control.iwant.push_back({{b({1}), b({2})}});
  EXPECT_EQ(decode_rpc(encode(r), l).error(), errc::too_many_message_ids);
  r = {};
  r.control.idontwant.push_back({{b({1, 2})}});
  EXPECT_EQ(decode_rpc(encode(r), l).error(), errc::message_id_too_long);
  r = {};
  r.control.ihave = {{"a", {}}, {"b", {}}};
  EXPECT_EQ(decode_rpc(encode(r), l).error(), errc::too_many_control);
  r = {};
  r.control.prune.push_back({"a", {{b({1}), std::nullopt}, {b({2}), std::nullopt}}, std::nullopt});
  EXPECT_EQ(decode_rpc(encode(r), l).error(), errc::too_many_prune_peers);
  Limits small;
  small.max_rpc_size = 3;
  r = {};
  r.subscriptions = {{true, "a"}};
  EXPECT_EQ(decode_rpc(encode(r), small).error(), errc::rpc_too_large);
}

TEST(GossipsubFrame, ByteByByteAndBatched) {
  const Rpc r = full_rpc();
  Bytes frame = encode_frame(r);
  const Bytes body = encode(r);
  ASSERT_EQ(frame.size(), body.size() + 1);
  EXPECT_EQ(frame[0], body.size());
  FrameDecoder dec;
  for (std::size_t i = 0; i < frame.size(); ++i) {
    BytesView in(&frame[i], 1);
    auto got = dec.next(in);
    ASSERT_TRUE(got);
    if (i + 1 < frame.size()) {
      EXPECT_FALSE(got->has_value());
    } else {
      ASSERT_TRUE(got->has_value());
      EXPECT_EQ(**got, r);
    }
  }
  Bytes two = frame;
  append(two, encode_frame(Rpc{}));  // an empty RPC is a single 0x00 byte
  append(two, frame);
  BytesView in(two);
  EXPECT_EQ(*dec.next(in).value(), r);
  EXPECT_TRUE(dec.next(in).value()->empty());
  EXPECT_EQ(*dec.next(in).value(), r);
  EXPECT_FALSE(dec.next(in).value().has_value());
}

TEST(GossipsubFrame, OversizedAndMalformedFramesFailSticky) {
  auto first = [](FrameDecoder& d, const Bytes& wire) {
    BytesView in(wire);
    return d.next(in);
  };
  Limits l;
  l.max_rpc_size = 100;
  FrameDecoder dec(l);
  EXPECT_EQ(first(dec, b({0x65})).error(), errc::rpc_too_large);  // 101
  EXPECT_TRUE(dec.failed());
  EXPECT_EQ(first(dec, b({0x00})).error(), errc::rpc_too_large);
  FrameDecoder d2;
  EXPECT_EQ(first(d2, b({0x02, 0x0a, 0x05})).error(), pb::errc::length_overflow);
  FrameDecoder d3;
  auto partial = first(d3, b({0x80}));  // partial varint: wait for more
  ASSERT_TRUE(partial);
  EXPECT_FALSE(partial->has_value());
  FrameDecoder d4;
  EXPECT_EQ(first(d4, b({0x80, 0x00})).error(), varint::errc::not_minimal);
}

}  // namespace

namespace {

TEST(GossipsubRpc, SplitRespectsLimits) {
  Limits l;
  l.max_messages = 2;
  l.max_message_ids = 3;
  l.max_rpc_size = 64;
  Rpc r;
  r.subscriptions = {{true, "a"}};
  r.control.idontwant.push_back({{Bytes{1}, Bytes{2}, Bytes{3}, Bytes{4}, Bytes{5}}});
  for (int i = 0; i < 5; ++i) {
    Message m;
    m.topic = "a";
    m.data = Bytes(static_cast<std::size_t>(i == 4 ? 100 : 10), static_cast<std::uint8_t>(i));  // #4 too big
    r.publish.push_back(m);
  }
  auto parts = split_rpc(r, l);
  ASSERT_EQ(parts.size(), 2u);  // sub + control + 2 messages (62 bytes) | 2 messages
  EXPECT_EQ(parts[0].subscriptions.size(), 1u);
  EXPECT_EQ(parts[0].publish.size(), 2u);
  EXPECT_EQ(encode(parts[0]).size(), 62u);
  EXPECT_TRUE(parts[1].subscriptions.empty());
  EXPECT_TRUE(parts[1].control.empty());
  ASSERT_EQ(parts[0].control.idontwant.size(), 2u);
  EXPECT_EQ(parts[0].control.idontwant[0].ids.size(), 3u);
  EXPECT_EQ(parts[0].control.idontwant[1].ids.size(), 2u);
  std::size_t msgs = 0;
  for (const auto& p : parts) {
    EXPECT_TRUE(decode_rpc(encode(p), l).has_value());
    msgs += p.publish.size();
  }
  EXPECT_EQ(msgs, 4u);  // the oversized one is dropped
  // Nothing to split: one part, unchanged.
  Rpc small;
  small.subscriptions = {{true, "b"}};
  auto one = split_rpc(small, l);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0], small);
}

}  // namespace
