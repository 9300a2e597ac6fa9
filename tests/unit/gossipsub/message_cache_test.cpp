// The message cache's bounds: windows shift out at heartbeats, and a burst of large messages
// beyond max_bytes pushes the oldest out early (they are no longer answered to IWANT).
#include <gtest/gtest.h>

#include "proto/gossipsub/message_cache.hpp"

namespace lotus::proto::gossipsub {
namespace {

Message msg(std::size_t size, std::uint8_t tag) {
  Message m;
  m.topic = "t";
  m.data = Bytes(size, tag);
  return m;
}
MessageId id(std::uint8_t n) { return MessageId{n}; }

TEST(MessageCache, ByteBoundEvictsTheOldestFirst) {
  MessageCache c(5, 3, 10);
  c.put(id(1), msg(4, 1));
  c.put(id(2), msg(4, 2));
  EXPECT_EQ(c.bytes(), 8u);
  c.shift();
  c.put(id(3), msg(4, 3));  // 12 > 10: the oldest (1) leaves
  EXPECT_EQ(c.get(id(1)), nullptr);
  ASSERT_NE(c.get(id(2)), nullptr);
  ASSERT_NE(c.get(id(3)), nullptr);
  EXPECT_EQ(c.bytes(), 8u);
  c.put(id(4), msg(20, 4));  // larger than the bound: everything older goes, it stays
  EXPECT_EQ(c.get(id(2)), nullptr);
  EXPECT_EQ(c.get(id(3)), nullptr);
  ASSERT_NE(c.get(id(4)), nullptr);
  EXPECT_EQ(c.bytes(), 20u);
  // Gossip ids list only what is still cached.
  EXPECT_EQ(c.gossip_ids("t"), std::vector<MessageId>{id(4)});
  for (int i = 0; i < 5; ++i) c.shift();
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.bytes(), 0u);
}

}  // namespace
}  // namespace lotus::proto::gossipsub
