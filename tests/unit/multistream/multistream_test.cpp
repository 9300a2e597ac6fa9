#include <gtest/gtest.h>

#include <string>

#include "base/hex.hpp"
#include "base/rng.hpp"
#include "proto/multistream/multistream.hpp"

using namespace lotus;
using namespace lotus::proto::multistream;

namespace {

std::string msg(std::string_view text) {
  Bytes b;
  write_message(b, text);
  return std::string(as_string_view(b));
}
BytesView bv(const std::string& s) { return as_bytes(s); }
std::string drain(Bytes& out) {
  std::string s(as_string_view(out));
  out.clear();
  return s;
}

const std::string kHeader = msg("/multistream/1.0.0");

Listener::Config listener_config(std::vector<std::string> protos) {
  Listener::Config c;
  c.protocols = std::move(protos);
  return c;
}

}  // namespace

TEST(Multistream, ExactMessageBytes) {
  EXPECT_EQ(to_hex(as_bytes(kHeader)), "13" + to_hex(as_bytes("/multistream/1.0.0")) + "0a");
  EXPECT_EQ(to_hex(as_bytes(kHeader)), "132f6d756c746973747265616d2f312e302e300a");
  EXPECT_EQ(to_hex(as_bytes(msg("na"))), "036e610a");  // the spec's example
  EXPECT_EQ(to_hex(as_bytes(msg("ls"))), "036c730a");
  EXPECT_EQ(to_hex(as_bytes(msg("/noise"))), "072f6e6f6973650a");
  // A 200-byte id needs a two-byte varint (201 = 0xc9 0x01).
  const std::string long_id(200, 'a');
  EXPECT_EQ(to_hex(as_bytes(msg(long_id)).first(2)), "c901");
}

TEST(MultistreamDialer, FullModeNaThenSelected) {
  Dialer d({{"/tls/1.0.0", "/noise"}, false});
  ASSERT_TRUE(d.start());
  // Header and first proposal go out together, as js-libp2p does.
  EXPECT_EQ(drain(d.output()), kHeader + msg("/tls/1.0.0"));
  EXPECT_FALSE(d.selected());
  ASSERT_TRUE(d.on_bytes(bv(kHeader)));
  EXPECT_TRUE(d.output().empty());
  ASSERT_TRUE(d.on_bytes(bv(msg("na"))));
  EXPECT_EQ(drain(d.output()), msg("/noise"));
  EXPECT_FALSE(d.done());
  ASSERT_TRUE(d.on_bytes(bv(msg("/noise") + "NOISE-HANDSHAKE")));
  EXPECT_TRUE(d.done());
  EXPECT_EQ(*d.selected(), "/noise");
  EXPECT_EQ(as_string_view(d.take_leftover()), "NOISE-HANDSHAKE");
  EXPECT_EQ(d.on_bytes(bv(std::string("x"))).error(), errc::negotiation_finished);
}

TEST(MultistreamDialer, AllRejected) {
  Dialer d({{"/a", "/b"}, false});
  ASSERT_TRUE(d.start());
  d.output().clear();
  ASSERT_TRUE(d.on_bytes(bv(kHeader + msg("na"))));
  EXPECT_EQ(drain(d.output()), msg("/b"));
  EXPECT_EQ(d.on_bytes(bv(msg("na"))).error(), errc::protocol_not_supported);
  EXPECT_FALSE(d.selected());
  // Failed engines stay failed.
  EXPECT_EQ(d.on_bytes(bv(msg("/b"))).error(), errc::protocol_not_supported);
}

TEST(MultistreamDialer, LazySelectsAtOnceAndConfirms) {
  Dialer d({{"/yamux/1.0.0"}, true});
  ASSERT_TRUE(d.start());
  EXPECT_EQ(drain(d.output()), kHeader + msg("/yamux/1.0.0"));
  ASSERT_TRUE(d.selected());
  EXPECT_EQ(*d.selected(), "/yamux/1.0.0");
  EXPECT_TRUE(d.optimistic());
  EXPECT_FALSE(d.done());
  // Fragmented echoes, followed by application data from the remote.
  const std::string reply = kHeader + msg("/yamux/1.0.0") + "APP";
  for (char c : reply.substr(0, reply.size() - 3)) ASSERT_TRUE(d.on_bytes(bv(std::string(1, c))));
  EXPECT_TRUE(d.done());
  EXPECT_TRUE(d.take_leftover().empty());
  EXPECT_EQ(d.on_bytes(bv(std::string("APP"))).error(), errc::negotiation_finished);
}

TEST(MultistreamDialer, LazyNaSurfacesAsNotSupported) {
  Dialer d({{"/x/1"}, true});
  ASSERT_TRUE(d.start());
  ASSERT_TRUE(d.selected());  // the caller already wrote data optimistically
  d.output().clear();
  ASSERT_TRUE(d.on_bytes(bv(kHeader)));
  EXPECT_EQ(d.on_bytes(bv(msg("na"))).error(), errc::protocol_not_supported);
  EXPECT_TRUE(d.output().empty());  // no second proposal in lazy mode
}

TEST(MultistreamDialer, ConfigAndOrderingErrors) {
  EXPECT_EQ(Dialer({{"/a", "/b"}, true}).start().error(), errc::invalid_config);
  EXPECT_EQ(Dialer({{}, false}).start().error(), errc::invalid_config);
  EXPECT_EQ(Dialer({{"bad\nid"}, false}).start().error(), errc::invalid_config);
  EXPECT_EQ(Dialer({{"na"}, false}).start().error(), errc::invalid_config);
  Dialer d({{"/a"}, false});
  EXPECT_EQ(d.on_bytes(bv(kHeader)).error(), errc::not_started);
}

TEST(MultistreamDialer, BadHeaderAndUnexpectedReply) {
  {
    Dialer d({{"/a"}, false});
    ASSERT_TRUE(d.start());
    EXPECT_EQ(d.on_bytes(bv(msg("/multistream/2.0.0"))).error(), errc::bad_header);
  }
  {
    Dialer d({{"/a"}, false});
    ASSERT_TRUE(d.start());
    EXPECT_EQ(d.on_bytes(bv(kHeader + msg("/b"))).error(), errc::unexpected_message);
  }
}

TEST(MultistreamListener, HeaderNaLsAndSelect) {
  Listener l(listener_config({"/noise", "/yamux/1.0.0"}));
  ASSERT_TRUE(l.on_bytes(bv(kHeader)));
  EXPECT_EQ(drain(l.output()), kHeader);
  ASSERT_TRUE(l.on_bytes(bv(msg("/tls/1.0.0"))));
  EXPECT_EQ(drain(l.output()), msg("na"));
  ASSERT_TRUE(l.on_bytes(bv(msg("ls"))));
  const std::string ls = drain(l.output());
  // Payload: each id as its own framed line, then the list's trailing newline.
  const std::string payload = msg("/noise") + msg("/yamux/1.0.0") + "\n";
  EXPECT_EQ(ls, std::string(1, static_cast<char>(payload.size())) + payload);
  EXPECT_EQ(to_hex(as_bytes(ls)), "17072f6e6f6973650a0d2f79616d75782f312e302e300a0a");
  auto parsed = parse_ls_payload(std::string_view(ls).substr(1), kDefaultMaxProtocolLen);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, (std::vector<std::string>{"/noise", "/yamux/1.0.0"}));
  EXPECT_FALSE(l.done());
  ASSERT_TRUE(l.on_bytes(bv(msg("/yamux/1.0.0") + std::string("\x00\x01", 2))));
  EXPECT_EQ(drain(l.output()), msg("/yamux/1.0.0"));
  EXPECT_TRUE(l.done());
  EXPECT_EQ(*l.selected(), "/yamux/1.0.0");
  EXPECT_EQ(to_hex(l.take_leftover()), "0001");
}

TEST(MultistreamListener, LazyDialerDataInSameChunk) {
  Listener l(listener_config({"/echo/1.0.0"}));
  ASSERT_TRUE(l.on_bytes(bv(kHeader + msg("/echo/1.0.0") + "hello")));
  EXPECT_EQ(drain(l.output()), kHeader + msg("/echo/1.0.0"));
  EXPECT_EQ(as_string_view(l.take_leftover()), "hello");
}

TEST(MultistreamListener, Predicate) {
  Listener::Config c;
  c.supports = [](std::string_view p) { return p.rfind("/kad/", 0) == 0; };
  Listener l(c);
  ASSERT_TRUE(l.on_bytes(bv(kHeader + msg("/kad/1.0.0"))));
  EXPECT_EQ(*l.selected(), "/kad/1.0.0");
}

TEST(MultistreamListener, BoundedAttempts) {
  Listener::Config c = listener_config({"/a"});
  c.max_attempts = 3;
  Listener l(c);
  ASSERT_TRUE(l.on_bytes(bv(kHeader)));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(l.on_bytes(bv(msg("/nope"))));
  EXPECT_EQ(l.on_bytes(bv(msg("/nope"))).error(), errc::too_many_attempts);
  EXPECT_EQ(l.on_bytes(bv(msg("/a"))).error(), errc::too_many_attempts);
}

TEST(MultistreamListener, DefaultAttemptLimitIs32) {
  Listener l(listener_config({"/a"}));
  std::string in = kHeader;
  for (int i = 0; i < 32; ++i) in += msg("/nope");
  ASSERT_TRUE(l.on_bytes(bv(in)));
  EXPECT_EQ(l.on_bytes(bv(msg("ls"))).error(), errc::too_many_attempts);
}

TEST(MultistreamListener, ControlWordsAreNotSelectable) {
  Listener l(listener_config({"/a"}));
  ASSERT_TRUE(l.on_bytes(bv(kHeader)));
  l.output().clear();
  ASSERT_TRUE(l.on_bytes(bv(msg("/multistream/1.0.0") + msg("na"))));
  EXPECT_EQ(drain(l.output()), msg("na") + msg("na"));
}

TEST(MultistreamMalformed, SpecificErrors) {
  struct Case {
    std::string in;
    errc want;
  };
  const std::vector<Case> cases = {
      {std::string("\x00", 1), errc::empty_message},
      {std::string("\x01\n"), errc::empty_message},
      {std::string("\x03" "abc"), errc::missing_newline},
      {std::string("\x80\x00", 2), errc::bad_varint},                      // non-minimal
      {std::string("\x82\x08"), errc::message_too_long},                   // 1026 > 1024 + 1
      {std::string("\x04\xff\xfe\x01\n"), errc::invalid_message},           // not UTF-8
      {std::string("\x04" "a\x01" "b\n"), errc::invalid_message},           // control char
      {std::string("\x04" "a\nb\n"), errc::invalid_message},                // embedded newline
      {std::string("\x04\xc0\xaf" "a\n"), errc::invalid_message},           // overlong
      {std::string("\x04\xed\xa0\x80" "\n"), errc::invalid_message},        // surrogate
      {msg("/tls"), errc::bad_header},
  };
  for (const auto& c : cases) {
    Listener l(listener_config({"/a"}));
    EXPECT_EQ(l.on_bytes(bv(c.in)).error(), c.want) << to_hex(as_bytes(c.in));
    Dialer d({{"/a"}, false});
    ASSERT_TRUE(d.start());
    EXPECT_EQ(d.on_bytes(bv(c.in)).error(), c.want) << to_hex(as_bytes(c.in));
  }
  // The same garbage as a proposal, after a valid header.
  Listener l(listener_config({"/a"}));
  EXPECT_EQ(l.on_bytes(bv(kHeader + "\x03" "abc")).error(), errc::missing_newline);
}

TEST(MultistreamMalformed, LengthLimitIsConfigurableAndExact) {
  const std::string id1024 = "/" + std::string(1023, 'p');
  {
    Listener l(listener_config({id1024}));
    ASSERT_TRUE(l.on_bytes(bv(kHeader + msg(id1024))));
    EXPECT_EQ(*l.selected(), id1024);
  }
  {
    Listener l(listener_config({"/a"}));
    ASSERT_TRUE(l.on_bytes(bv(kHeader)));
    // Rejected as soon as the length prefix is seen, before the body arrives.
    Bytes prefix;
    write_message(prefix, id1024 + "x");
    EXPECT_EQ(l.on_bytes(BytesView(prefix).first(2)).error(), errc::message_too_long);
  }
  {
    Listener::Config c = listener_config({"/abc"});
    c.max_protocol_len = 4;
    Listener l(c);
    ASSERT_TRUE(l.on_bytes(bv(kHeader.substr(0, 0))));
    // Even the header exceeds a 4-byte limit: the limit applies to every message.
    EXPECT_EQ(l.on_bytes(bv(kHeader)).error(), errc::message_too_long);
  }
  EXPECT_EQ(Dialer({{id1024 + "x"}, false}).start().error(), errc::invalid_config);
}

TEST(MultistreamMalformed, LsPayload) {
  EXPECT_EQ(parse_ls_payload("", 1024).error(), errc::missing_newline);
  EXPECT_EQ(parse_ls_payload("\x03" "ab", 1024).error(), errc::missing_newline);
  EXPECT_EQ(parse_ls_payload("\x05" "ab\n\n", 1024).error(), errc::bad_varint);
  auto empty = parse_ls_payload("\n", 1024);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

// Dialer and listener back to back, bytes fragmented at random.
TEST(MultistreamPair, RandomFragmentation) {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    DeterministicRng rng(seed);
    const bool lazy = seed % 2 == 0;
    Dialer d(lazy ? Dialer::Config{{"/yamux/1.0.0"}, true}
                  : Dialer::Config{{"/a/1", "/b/1", "/yamux/1.0.0"}, false});
    Listener l(listener_config({"/mplex/6.7.0", "/yamux/1.0.0"}));
    ASSERT_TRUE(d.start());
    Bytes to_l = std::exchange(d.output(), {});
    // The dialer's application data right behind the negotiation (allowed once selected).
    if (lazy) append(to_l, as_bytes("dialer-data"));
    Bytes to_d;
    bool dialer_sent_data = lazy;
    for (int round = 0; round < 10000 && !(d.done() && l.done()); ++round) {
      auto feed = [&](Bytes& q, auto& eng) {
        if (q.empty() || eng.done()) return;
        std::size_t n = 1 + rng.uniform(std::min<std::size_t>(q.size(), 7));
        ASSERT_TRUE(eng.on_bytes(BytesView(q).first(n))) << seed;
        q.erase(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(n));
      };
      feed(to_l, l);
      append(to_d, l.output());
      l.output().clear();
      if (l.done()) {
        Bytes left = l.take_leftover();
        left.insert(left.end(), to_l.begin(), to_l.end());
        to_l = left;
      }
      feed(to_d, d);
      append(to_l, d.output());
      d.output().clear();
      if (d.done() && !dialer_sent_data) {
        append(to_l, as_bytes("dialer-data"));
        dialer_sent_data = true;
      }
    }
    ASSERT_TRUE(d.done() && l.done()) << seed;
    EXPECT_EQ(*d.selected(), "/yamux/1.0.0");
    EXPECT_EQ(*l.selected(), "/yamux/1.0.0");
    EXPECT_EQ(as_string_view(to_l), "dialer-data") << seed;
  }
}
