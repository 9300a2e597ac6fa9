// proto/dns: exact bytes of queries, parsing with compression pointers, and every malformed
// input class mapped to its errc.
#include <gtest/gtest.h>

#include "proto/dns/message.hpp"

namespace lotus::proto::dns {
namespace {

Bytes header(std::uint16_t id, std::uint16_t flags, std::uint16_t qd, std::uint16_t an, std::uint16_t ns = 0,
             std::uint16_t ar = 0) {
  Bytes b;
  for (std::uint16_t v : {id, flags, qd, an, ns, ar}) {
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v));
  }
  return b;
}
void add(Bytes& b, std::initializer_list<int> v) {
  for (int x : v) b.push_back(static_cast<std::uint8_t>(x));
}
void add_str(Bytes& b, std::string_view s) { b.insert(b.end(), s.begin(), s.end()); }

// Question "example.com" type t at offset 12.
Bytes with_question(Bytes b, std::uint16_t t = type::txt) {
  add(b, {7});
  add_str(b, "example");
  add(b, {3});
  add_str(b, "com");
  add(b, {0, 0, static_cast<int>(t), 0, 1});
  return b;
}

TEST(DnsMessage, QueryBytesAreExact) {
  auto q = encode_query(0x1234, "example.com", type::a);
  ASSERT_TRUE(q.has_value());
  Bytes expected = header(0x1234, 0x0100, 1, 0);
  expected = with_question(expected, type::a);
  EXPECT_EQ(*q, expected);
  // A trailing dot is the same name.
  auto q2 = encode_query(0x1234, "example.com.", type::a);
  ASSERT_TRUE(q2.has_value());
  EXPECT_EQ(*q2, expected);
}

TEST(DnsMessage, ParsesCompressedAnswers) {
  Bytes b = with_question(header(0xBEEF, 0x8180, 1, 3));
  // TXT record, name = pointer to offset 12, two strings
  add(b, {0xC0, 12, 0, 16, 0, 1, 0, 0, 0x0E, 0x10, 0, 10, 4});
  add_str(b, "abcd");
  add(b, {4});
  add_str(b, "efgh");
  // A record for "www" + pointer to "example.com"
  add(b, {3});
  add_str(b, "www");
  add(b, {0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1});
  // CNAME record: name pointer to "www.example.com" (offset of the previous record name),
  // target "x" + pointer to example.com
  std::size_t www = 0;
  for (std::size_t i = 12; i + 3 < b.size(); ++i)
    if (b[i] == 3 && b[i + 1] == 'w' && b[i + 2] == 'w' && b[i + 3] == 'w') www = i;
  ASSERT_NE(www, 0u);
  add(b, {0xC0, static_cast<int>(www), 0, 5, 0, 1, 0, 0, 0, 60, 0, 4, 1});
  add_str(b, "x");
  add(b, {0xC0, 12});

  auto m = parse(b);
  ASSERT_TRUE(m.has_value()) << m.error().message();
  EXPECT_EQ(m->id, 0xBEEF);
  EXPECT_TRUE(m->response);
  EXPECT_TRUE(m->recursion_available);
  ASSERT_EQ(m->questions.size(), 1u);
  EXPECT_EQ(m->questions[0].name, "example.com");
  ASSERT_EQ(m->answers.size(), 3u);
  EXPECT_EQ(m->answers[0].name, "example.com");
  EXPECT_EQ(m->answers[0].ttl, 3600u);
  EXPECT_EQ(m->answers[0].txt, (std::vector<std::string>{"abcd", "efgh"}));
  EXPECT_EQ(m->answers[1].name, "www.example.com");
  EXPECT_EQ(m->answers[1].type, type::a);
  EXPECT_EQ(m->answers[1].address[0], 10);
  EXPECT_EQ(m->answers[1].address[3], 1);
  EXPECT_EQ(m->answers[2].name, "www.example.com");
  EXPECT_EQ(m->answers[2].target, "x.example.com");
  EXPECT_TRUE(check_response(*m, 0xBEEF, Question{"EXAMPLE.com.", type::txt, kClassIn}).has_value());
}

TEST(DnsMessage, RoundTrip) {
  Message m;
  m.id = 7;
  m.response = true;
  m.authoritative = true;
  m.rcode = 0;
  m.questions.push_back(Question{"_dnsaddr.boot.example", type::txt, kClassIn});
  Record t;
  t.name = "_dnsaddr.boot.example";
  t.type = type::txt;
  t.ttl = 5;
  t.txt = {"dnsaddr=/ip4/1.2.3.4/tcp/4001", ""};
  m.answers.push_back(t);
  Record a6;
  a6.name = "boot.example";
  a6.type = type::aaaa;
  a6.address[15] = 1;
  m.additionals.push_back(a6);
  auto wire = encode(m);
  ASSERT_TRUE(wire.has_value());
  auto back = parse(*wire);
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(back->id, 7);
  EXPECT_TRUE(back->authoritative);
  ASSERT_EQ(back->answers.size(), 1u);
  EXPECT_EQ(back->answers[0].txt, t.txt);
  ASSERT_EQ(back->additionals.size(), 1u);
  EXPECT_EQ(back->additionals[0].address, a6.address);
  EXPECT_EQ(back->additionals[0].rdata.size(), 16u);
}

std::error_code parse_error(const Bytes& b, Limits l = {}) {
  auto m = parse(b, l);
  return m ? std::error_code{} : m.error();
}

TEST(DnsMessage, RejectsTruncatedInput) {
  const Bytes full = with_question(header(1, 0x8000, 1, 0));
  for (std::size_t n = 0; n < full.size(); ++n) {
    EXPECT_EQ(parse_error(Bytes(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n))),
              make_error_code(errc::truncated))
        << n;
  }
  EXPECT_FALSE(parse_error(full));
  // More answers announced than present.
  EXPECT_EQ(parse_error(with_question(header(1, 0x8000, 1, 2))), make_error_code(errc::truncated));
  // rdlength past the end.
  Bytes b = with_question(header(1, 0x8000, 1, 1));
  add(b, {0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2});
  EXPECT_EQ(parse_error(b), make_error_code(errc::truncated));
}

TEST(DnsMessage, RejectsBadPointersAndLabels) {
  // Forward pointer (to the answer itself).
  Bytes fwd = with_question(header(1, 0x8000, 1, 1));
  const int self = static_cast<int>(fwd.size());
  add(fwd, {0xC0, self, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4});
  EXPECT_EQ(parse_error(fwd), make_error_code(errc::bad_pointer));
  Bytes fwd2 = with_question(header(1, 0x8000, 1, 1));
  add(fwd2, {0xC0, self + 5, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4});
  EXPECT_EQ(parse_error(fwd2), make_error_code(errc::bad_pointer));
  // A loop: "a" then a pointer back to the start of the same name (backwards, but to the run
  // of labels that led to it).
  Bytes loop = header(1, 0x8000, 1, 0);
  add(loop, {1, 'a', 0xC0, 12, 0, 1, 0, 1});
  EXPECT_EQ(parse_error(loop), make_error_code(errc::bad_pointer));
  // Two names: the second points into the first (fine), the first's pointer chain is valid.
  Bytes chain = header(1, 0x8000, 2, 0);
  add(chain, {1, 'a', 0, 0, 1, 0, 1, 1, 'b', 0xC0, 12, 0, 1, 0, 1});
  auto ok = parse(chain);
  ASSERT_TRUE(ok.has_value()) << ok.error().message();
  EXPECT_EQ(ok->questions[1].name, "b.a");
  // 0x40 extended label type.
  Bytes ext = header(1, 0x8000, 1, 0);
  add(ext, {0x41, 'a', 0, 0, 1, 0, 1});
  EXPECT_EQ(parse_error(ext), make_error_code(errc::bad_label));
  // Non-printable octet and '.' inside a label.
  Bytes np = header(1, 0x8000, 1, 0);
  add(np, {2, 'a', 0x01, 0, 0, 1, 0, 1});
  EXPECT_EQ(parse_error(np), make_error_code(errc::bad_label));
  Bytes dot = header(1, 0x8000, 1, 0);
  add(dot, {3, 'a', '.', 'b', 0, 0, 1, 0, 1});
  EXPECT_EQ(parse_error(dot), make_error_code(errc::bad_label));
  // Name longer than 255 octets: 5 labels of 63.
  Bytes lng = header(1, 0x8000, 1, 0);
  for (int i = 0; i < 5; ++i) {
    add(lng, {63});
    lng.insert(lng.end(), 63, 'x');
  }
  add(lng, {0, 0, 1, 0, 1});
  EXPECT_EQ(parse_error(lng), make_error_code(errc::name_too_long));
}

TEST(DnsMessage, RejectsBadRdataAndSizes) {
  Bytes a5 = with_question(header(1, 0x8000, 1, 1));
  add(a5, {0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 1, 0, 5, 1, 2, 3, 4, 5});
  EXPECT_EQ(parse_error(a5), make_error_code(errc::bad_rdata));
  Bytes aaaa = with_question(header(1, 0x8000, 1, 1));
  add(aaaa, {0xC0, 12, 0, 28, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4});
  EXPECT_EQ(parse_error(aaaa), make_error_code(errc::bad_rdata));
  Bytes txt = with_question(header(1, 0x8000, 1, 1));
  add(txt, {0xC0, 12, 0, 16, 0, 1, 0, 0, 0, 1, 0, 3, 5, 'a', 'b'});  // string overruns rdata
  EXPECT_EQ(parse_error(txt), make_error_code(errc::bad_rdata));
  Bytes empty_txt = with_question(header(1, 0x8000, 1, 1));
  add(empty_txt, {0xC0, 12, 0, 16, 0, 1, 0, 0, 0, 1, 0, 0});
  EXPECT_EQ(parse_error(empty_txt), make_error_code(errc::bad_rdata));
  Bytes cname = with_question(header(1, 0x8000, 1, 1));
  add(cname, {0xC0, 12, 0, 5, 0, 1, 0, 0, 0, 1, 0, 2, 1, 'x', 0});  // name runs past the rdata
  EXPECT_EQ(parse_error(cname), make_error_code(errc::bad_rdata));
  Bytes cname2 = with_question(header(1, 0x8000, 1, 1));
  add(cname2, {0xC0, 12, 0, 5, 0, 1, 0, 0, 0, 1, 0, 4, 1, 'x', 0, 7});  // name ends before rdata end
  EXPECT_EQ(parse_error(cname2), make_error_code(errc::bad_rdata));
  // Trailing bytes.
  Bytes trail = with_question(header(1, 0x8000, 1, 0));
  trail.push_back(0);
  EXPECT_EQ(parse_error(trail), make_error_code(errc::trailing_data));
  // Record count over the limit, message over the limit.
  EXPECT_EQ(parse_error(with_question(header(1, 0x8000, 1, 600))), make_error_code(errc::too_many_records));
  Limits small;
  small.max_message = 20;
  EXPECT_EQ(parse_error(with_question(header(1, 0x8000, 1, 0)), small), make_error_code(errc::message_too_large));
}

TEST(DnsMessage, EncoderValidatesNames) {
  EXPECT_EQ(encode_query(1, "a..b", type::a).error(), make_error_code(errc::bad_label));
  EXPECT_EQ(encode_query(1, std::string(64, 'a') + ".com", type::a).error(), make_error_code(errc::label_too_long));
  std::string lng;
  for (int i = 0; i < 5; ++i) lng += std::string(60, 'a') + ".";
  EXPECT_EQ(encode_query(1, lng, type::a).error(), make_error_code(errc::name_too_long));
  EXPECT_EQ(encode_query(1, "sp ace.com", type::a).error(), make_error_code(errc::bad_label));
  auto root = encode_query(1, "", type::a);
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->size(), 12u + 5u);
}

TEST(DnsMessage, CheckResponse) {
  const Question q{"example.com", type::a, kClassIn};
  Message r;
  r.id = 9;
  r.response = true;
  r.questions.push_back(q);
  EXPECT_TRUE(check_response(r, 9, q).has_value());
  EXPECT_EQ(check_response(r, 10, q).error(), make_error_code(errc::id_mismatch));
  auto nq = r;
  nq.response = false;
  EXPECT_EQ(check_response(nq, 9, q).error(), make_error_code(errc::not_a_response));
  auto other = r;
  other.questions[0].name = "example.org";
  EXPECT_EQ(check_response(other, 9, q).error(), make_error_code(errc::question_mismatch));
  auto nx = r;
  nx.rcode = 3;
  EXPECT_EQ(check_response(nx, 9, q).error(), make_error_code(errc::name_error));
  auto sf = r;
  sf.rcode = 2;
  EXPECT_EQ(check_response(sf, 9, q).error(), make_error_code(errc::server_failure));
  EXPECT_EQ(make_error_code(errc::bad_pointer).message(), "dns: compression pointer does not point backwards");
}

}  // namespace
}  // namespace lotus::proto::dns
