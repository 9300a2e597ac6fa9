// Multiaddr known answers: every expected binary below was derived by hand from the multicodec
// table (protocols.csv) — varint(code) ‖ [varint(len)] ‖ value — and is stated as hex.
#include <gtest/gtest.h>

#include <string>

#include "base/hex.hpp"
#include "base/rng.hpp"
#include "base/varint.hpp"
#include "multiformats/multiaddr.hpp"
#include "multiformats/multibase.hpp"

using namespace lotus;
using namespace lotus::mf;

namespace {
Bytes hex(std::string_view h) { return *from_hex(h); }

// QmYyQSo1… = sha2-256 multihash; 12D3KooWD3… = identity multihash of an Ed25519 key.
const std::string kQm = "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N";
const std::string kQmHex = "12209dff3b17d74cf4d38a50d8b6383e92d181a10395a5e73a726dcccbd21bf6f0b9";
const std::string k12D = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";
const std::string k12DHex = "0024080112202ffa35a99d3a3cfbb17bb7c1dc5561b18a8dcca4df38dc613ea859c37eb1336b";
// certhash: sha2-256 multihash of "cert", base64url.
const std::string kCert = "uEiAGKYQy6AZrKeIiO8wjqpUEtWrlCPq_NDVQiGm5wxkOIg";
const std::string kCertHex = "122006298432e8066b29e2223bcc23aa9504b56ae508fabf3435508869b9c3190e22";

struct Kat {
  std::string text;
  std::string hex;
};

std::vector<Kat> kats() {
  return {
      {"/ip4/127.0.0.1/tcp/4001", "047f000001" "060fa1"},
      {"/ip4/192.0.2.42/tcp/443", "04c000022a" "0601bb"},  // multiaddr spec feature file
      {"/ip4/0.0.0.0/tcp/0/ws", "0400000000" "060000" "dd03"},
      {"/ip4/255.255.255.255/tcp/65535/wss", "04ffffffff" "06ffff" "de03"},
      {"/ip6/::1/udp/4001/quic-v1", "2900000000000000000000000000000001" "91020fa1" "cd03"},
      {"/ip6/2001:db8::1/tcp/0", "2920010db8000000000000000000000001" "060000"},
      {"/ip6zone/eth0/ip6/fe80::1/tcp/1", "2a0465746830" "29fe800000000000000000000000000001" "060001"},
      {"/dns4/example.com/tcp/443/wss", "360b6578616d706c652e636f6d" "0601bb" "de03"},
      {"/dns/localhost/tcp/80/http", "35096c6f63616c686f7374" "060050" "e003"},
      {"/dns6/example.com/udp/53", "370b6578616d706c652e636f6d" "91020035"},
      {"/dnsaddr/bootstrap.libp2p.io", "3813626f6f7473747261702e6c69627032702e696f"},
      {"/ip4/1.2.3.4/tcp/443/tls/sni/example.com/ws",
       "0401020304" "0601bb" "c003" "c1030b6578616d706c652e636f6d" "dd03"},
      {"/ip4/1.2.3.4/tcp/1/noise", "0401020304" "060001" "c603"},
      {"/ip4/1.2.3.4/udp/1/quic", "0401020304" "91020001" "cc03"},
      {"/ip4/1.2.3.4/udp/1/quic-v1/webtransport/certhash/" + kCert + "/p2p/" + kQm,
       "0401020304" "91020001" "cd03" "d103" "d20322" + kCertHex + "a50322" + kQmHex},
      {"/ip4/1.2.3.4/udp/1/webrtc-direct/certhash/" + kCert,
       "0401020304" "91020001" "9802" "d20322" + kCertHex},
      {"/ip4/1.2.3.4/tcp/1/p2p/" + kQm + "/p2p-circuit/webrtc/p2p/" + k12D,
       "0401020304" "060001" "a50322" + kQmHex + "a202" "9902" "a50326" + k12DHex},
      {"/p2p/" + k12D, "a50326" + k12DHex},
      {"/unix/tmp/p2p.sock", "90030d2f746d702f7032702e736f636b"},
      {"/unix/", "9003012f"},
      {"/ip4/10.0.0.1/sctp/5000", "040a000001" "84011388"},
      {"/ip4/10.0.0.1/dccp/65535", "040a000001" "21ffff"},
  };
}
}  // namespace

TEST(Multiaddr, KnownAnswersBothDirections) {
  for (const auto& k : kats()) {
    SCOPED_TRACE(k.text);
    auto t = Multiaddr::parse(k.text);
    ASSERT_TRUE(t) << t.error().message();
    EXPECT_EQ(to_hex(t->to_bytes()), k.hex);
    EXPECT_EQ(t->to_string(), k.text);
    auto b = Multiaddr::from_bytes(hex(k.hex));
    ASSERT_TRUE(b) << b.error().message();
    EXPECT_EQ(b->to_string(), k.text);
    EXPECT_EQ(*b, *t);
  }
}

TEST(Multiaddr, AlternativeTextFormsCanonicalise) {
  const std::pair<std::string, std::string> cases[] = {
      {"/ip6/2001:DB8:0:0:0:0:0:1/tcp/1", "/ip6/2001:db8::1/tcp/1"},
      {"/ipfs/" + kQm, "/p2p/" + kQm},
      {"/p2p/bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe", "/p2p/" + kQm},
      {"/certhash/" + multibase_encode(Base::base58btc, hex(kCertHex)), "/certhash/" + kCert},
      {"/certhash/b" + base32_encode(hex(kCertHex)), "/certhash/" + kCert},
      {"/ip4/1.2.3.4/tcp/80/", "/ip4/1.2.3.4/tcp/80"},
      {"/ws/", "/ws"},
      {"/unix//var//run/", "/unix//var//run/"},
  };
  for (const auto& [in, out] : cases) {
    auto m = Multiaddr::parse(in);
    ASSERT_TRUE(m) << in << ": " << m.error().message();
    EXPECT_EQ(m->to_string(), out) << in;
  }
}

TEST(Multiaddr, Ipv6Rfc5952) {
  const std::pair<const char*, const char*> cases[] = {
      {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
      {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},       // first of equal runs
      {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},    // a single 0 is not compressed
      {"1:0:0:2:0:0:0:3", "1:0:0:2::3"},                   // longest run
      {"::", "::"},
      {"::1", "::1"},
      {"1::", "1::"},
      {"0:0:1:0:0:0:0:0", "0:0:1::"},
      {"::2:3", "::2:3"},  // not glibc's "::0.2.0.3": IPv4-compatible form is deprecated
      {"::ffff:1.2.3.4", "::ffff:1.2.3.4"},
      {"::FFFF:0102:0304", "::ffff:1.2.3.4"},  // IPv4-mapped prints mixed (RFC 5952 §5)
      {"FE80::ABCD", "fe80::abcd"},
      {"1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0"},
      {"abcd:ef01:2345:6789:abcd:ef01:2345:6789", "abcd:ef01:2345:6789:abcd:ef01:2345:6789"},
  };
  for (const auto& [in, out] : cases) {
    auto m = Multiaddr::parse(std::string("/ip6/") + in);
    ASSERT_TRUE(m) << in;
    EXPECT_EQ(m->value_of(proto::ip6), out) << in;
    auto again = Multiaddr::parse(m->to_string());
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, *m);
  }
}

TEST(Multiaddr, MalformedText) {
  struct Case {
    std::string text;
    std::error_code want;
  };
  const Case cases[] = {
      {"", MaErrc::empty},
      {"/", MaErrc::empty},
      {"ip4/1.2.3.4", MaErrc::no_leading_slash},
      {" /ip4/1.2.3.4", MaErrc::no_leading_slash},
      {"/ip5/1.2.3.4", MaErrc::unknown_protocol},
      {"/IP4/1.2.3.4", MaErrc::unknown_protocol},
      {"/ip4/1.2.3.4/tcp/80/garbage", MaErrc::unknown_protocol},
      {"/ip4/1.2.3.4//tcp/80", MaErrc::unknown_protocol},
      {"//", MaErrc::unknown_protocol},
      {"/ip4", MaErrc::missing_value},
      {"/ip4/", MaErrc::missing_value},
      {"/ip4/1.2.3.4/tcp", MaErrc::missing_value},
      {"/ip4/1.2.3.4/tcp/", MaErrc::missing_value},
      {"/unix", MaErrc::missing_value},
      {"/p2p", MaErrc::missing_value},
      {"/ip4/1.2.3", MaErrc::invalid_value},
      {"/ip4/256.0.0.1", MaErrc::invalid_value},
      {"/ip4/01.2.3.4", MaErrc::invalid_value},
      {"/ip4/1.2.3.4 ", MaErrc::invalid_value},
      {"/ip4/::1", MaErrc::invalid_value},
      {"/ip6/1:2", MaErrc::invalid_value},
      {"/ip6/fe80::1%eth0", MaErrc::invalid_value},
      {"/ip6/1.2.3.4", MaErrc::invalid_value},
      {"/ip6/" + std::string(60, '1'), MaErrc::invalid_value},
      {"/tcp/65536", MaErrc::invalid_value},
      {"/tcp/-1", MaErrc::invalid_value},
      {"/tcp/+80", MaErrc::invalid_value},
      {"/tcp/080", MaErrc::invalid_value},
      {"/tcp/8a", MaErrc::invalid_value},
      {"/tcp/1234567", MaErrc::invalid_value},
      {"/udp/99999", MaErrc::invalid_value},
      {"/dns4//tcp/1", MaErrc::invalid_value},
      {"/dns/" + std::string(256, 'a'), MaErrc::invalid_value},
      {"/p2p/notapeerid", MaErrc::invalid_value},
      {"/p2p/bafybeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe", MaErrc::invalid_value},  // dag-pb
      {"/p2p/" + kQm.substr(0, kQm.size() - 1), MaErrc::invalid_value},
      {"/certhash/xyz", MaErrc::invalid_value},
      {"/certhash/u", MaErrc::invalid_value},
      {"/ip4/" + std::string(8192, '1'), MaErrc::too_long},
  };
  for (const auto& c : cases) {
    auto r = Multiaddr::parse(c.text);
    ASSERT_FALSE(r) << c.text;
    EXPECT_EQ(r.error(), c.want) << c.text << ": " << r.error().message();
  }
  // Six 200-byte dns names: fine as text (< 8 KiB) but over 1 KiB in binary.
  std::string big;
  for (int i = 0; i < 6; ++i) big += "/dns/" + std::string(200, 'a');
  EXPECT_EQ(Multiaddr::parse(big).error(), make_error_code(MaErrc::too_long));
  EXPECT_EQ(make_error_code(MaErrc::invalid_value).message(), "multiaddr: invalid value for protocol");
}

TEST(Multiaddr, MalformedBinary) {
  struct Case {
    std::string hex;
    std::error_code want;
  };
  const Case cases[] = {
      {"", MaErrc::empty},
      {"04", MaErrc::truncated},                  // ip4 without address
      {"047f0000", MaErrc::truncated},            // 3 of 4 address bytes
      {"047f000001060f", MaErrc::truncated},      // 1 of 2 port bytes
      {"29" + std::string(30, '0'), MaErrc::truncated},
      {"ff", MaErrc::truncated},                  // code varint cut
      {"35", MaErrc::truncated},                  // length varint missing
      {"3580", MaErrc::truncated},                // length varint cut
      {"8000", varint::errc::not_minimal},        // non-minimal protocol code
      {"358000", varint::errc::not_minimal},      // non-minimal length
      {"05", MaErrc::unknown_protocol},
      {"047f000001ab02", MaErrc::unknown_protocol},  // 0x12b = 299
      {"3505616263", MaErrc::trailing_data},      // says 5 bytes, 3 left
      {"a50322" + kQmHex.substr(0, 60), MaErrc::trailing_data},
      {"3500", MaErrc::invalid_value},            // empty dns name
      {"35012f", MaErrc::invalid_value},          // '/' inside a name
      {"2a00", MaErrc::invalid_value},            // empty zone
      {"a5030100", MaErrc::invalid_value},        // p2p value is not a multihash
      {"a503021320", MaErrc::invalid_value},
      {"a50302" "1300", MaErrc::invalid_value},   // unsupported hash
      {"a50325" + kQmHex + "ff" + "0000", MaErrc::invalid_value},  // multihash + 3 extra bytes
      {"900303746d70", MaErrc::invalid_value},    // unix path without leading '/'
      {"9003" "00", MaErrc::invalid_value},
      {"d20300", MaErrc::invalid_value},          // empty certhash
      {"9003022f61" "060001", MaErrc::invalid_value},  // /unix/ followed by another component
  };
  for (const auto& c : cases) {
    auto r = Multiaddr::from_bytes(hex(c.hex));
    ASSERT_FALSE(r) << c.hex;
    EXPECT_EQ(r.error(), c.want) << c.hex << ": " << r.error().message();
  }
  Bytes big;
  while (big.size() <= 1024) append(big, hex("047f000001"));
  EXPECT_EQ(Multiaddr::from_bytes(big).error(), make_error_code(MaErrc::too_long));
  // The text of a maximal binary address of 2-byte protocols (7x expansion) still parses.
  Bytes wide;
  while (wide.size() < 1024) append(wide, hex("9802"));
  auto w = Multiaddr::from_bytes(wide);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->to_string().size(), 512u * 14);
  auto wt = Multiaddr::parse(w->to_string());
  ASSERT_TRUE(wt);
  EXPECT_EQ(*wt, *w);
}

TEST(Multiaddr, Accessors) {
  auto m = Multiaddr::parse("/ip4/1.2.3.4/tcp/4001/p2p/" + kQm + "/p2p-circuit/p2p/" + k12D);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->components().size(), 5u);
  EXPECT_EQ(m->value_of(proto::ip4), "1.2.3.4");
  EXPECT_EQ(m->value_of(proto::tcp), "4001");
  EXPECT_EQ(m->value_of(proto::p2p), kQm);  // first
  EXPECT_EQ(m->value_of(proto::p2p_circuit), "");
  EXPECT_EQ(m->value_of(proto::udp), std::nullopt);
  ASSERT_TRUE(m->peer_id());
  EXPECT_EQ(m->peer_id()->to_base58(), k12D);  // the target, not the relay
  EXPECT_EQ(m->without_peer_id().to_string(), "/ip4/1.2.3.4/tcp/4001/p2p/" + kQm + "/p2p-circuit");
  EXPECT_FALSE(m->without_peer_id().peer_id());  // a relay address without target has no peer id

  auto relay = *PeerId::parse(kQm);
  auto base = *Multiaddr::parse("/ip4/1.2.3.4/tcp/4001");
  EXPECT_FALSE(base.peer_id());
  EXPECT_EQ(base.with_peer_id(relay).to_string(), "/ip4/1.2.3.4/tcp/4001/p2p/" + kQm);
  EXPECT_EQ(base.with_peer_id(relay).with_peer_id(*PeerId::parse(k12D)).to_string(),
            "/ip4/1.2.3.4/tcp/4001/p2p/" + k12D);  // replaces
  EXPECT_EQ(base.with_peer_id(relay).peer_id(), relay);
  EXPECT_EQ(base.without_peer_id(), base);
  EXPECT_EQ(base.encapsulate(*Multiaddr::parse("/ws")).to_string(), "/ip4/1.2.3.4/tcp/4001/ws");
  EXPECT_EQ(*Multiaddr::parse("/unix/tmp/x")->value_of(proto::unix_), "/tmp/x");
  EXPECT_TRUE(Multiaddr().empty());
  EXPECT_TRUE(*Multiaddr::parse("/ip4/1.2.3.4") < *Multiaddr::parse("/ip4/1.2.3.5"));
}

TEST(Multiaddr, RoundTripProperty) {
  DeterministicRng rng(7);
  const std::string ids[] = {kQm, k12D};
  auto pick = [&](std::uint64_t n) { return rng.uniform(n); };
  for (int iter = 0; iter < 2000; ++iter) {
    std::string text;
    const std::uint64_t n = 1 + pick(6);
    for (std::uint64_t i = 0; i < n; ++i) {
      switch (pick(12)) {
        case 0: text += "/ip4/" + std::to_string(pick(256)) + "." + std::to_string(pick(256)) + ".0." + std::to_string(pick(256)); break;
        case 1: {
          Bytes a(16);
          rng.fill(a);
          for (std::size_t k = 0; k < 16; k += 2)
            if (pick(2)) a[k] = a[k + 1] = 0;  // zero groups for compression
          Multiaddr m;
          m.push(Component{proto::ip6, a});
          text += m.to_string();
          break;
        }
        case 2: text += "/tcp/" + std::to_string(pick(65536)); break;
        case 3: text += "/udp/" + std::to_string(pick(65536)); break;
        case 4: text += "/dns4/h" + std::to_string(pick(1000)) + ".example"; break;
        case 5: text += "/p2p/" + ids[pick(2)]; break;
        case 6: text += pick(2) ? "/ws" : "/wss"; break;
        case 7: text += pick(2) ? "/quic-v1" : "/webtransport"; break;
        case 8: {
          Bytes c(1 + pick(40));
          rng.fill(c);
          text += "/certhash/" + multibase_encode(Base::base64url, c);
          break;
        }
        case 9: text += "/p2p-circuit"; break;
        case 10: text += "/sni/s" + std::to_string(pick(100)) + ".example"; break;
        default: text += pick(2) ? "/noise" : "/tls"; break;
      }
    }
    if (pick(10) == 0) text += "/unix/run/" + std::to_string(pick(100)) + ".sock";
    auto m = Multiaddr::parse(text);
    ASSERT_TRUE(m) << text << ": " << m.error().message();
    EXPECT_EQ(m->to_string(), text);
    auto b = Multiaddr::from_bytes(m->to_bytes());
    ASSERT_TRUE(b) << text;
    EXPECT_EQ(*b, *m);
    auto t = Multiaddr::parse(b->to_string());
    ASSERT_TRUE(t);
    EXPECT_EQ(*t, *m);
  }
}
