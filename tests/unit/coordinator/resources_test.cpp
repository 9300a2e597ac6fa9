// coordinator resources (lotus-wire.md §3): the record layout byte for byte against the
// reference's captures (tests/vectors/dht-keys.json), JS JSON text, expiry at expiresAt, the
// local queries with filters, the own-announcement limits and gate, the bounded cache, and the
// discovery index format (our extension).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

#include "base/hex.hpp"
#include "coordinator/resource_validator.hpp"
#include "coordinator/resources.hpp"
#include "crypto/hash.hpp"

namespace lotus::coordinator {
namespace {

using Json = nlohmann::ordered_json;

Json vectors() {
  std::ifstream f(std::string(LOTUS_VECTORS_DIR) + "/dht-keys.json");
  EXPECT_TRUE(f.good());
  return Json::parse(f);
}

std::string hex_of(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  }
  return out;
}

std::error_code code(resource_errc e) { return make_error_code(e); }

AnnounceOptions options_of(const Json& c) {
  AnnounceOptions o;
  if (c["options"].is_object()) {
    if (c["options"].contains("expiresAt")) o.expires_at = c["options"]["expiresAt"].get<std::int64_t>();
    if (c["options"].contains("ttl")) o.ttl_ms = c["options"]["ttl"].get<std::int64_t>();
  }
  return o;
}

std::optional<std::string> data_of(const Json& c) {
  if (!c.contains("data")) return std::nullopt;  // undefined: omitted from the value
  return c["data"].dump();
}

TEST(Resources, ReferenceRecordsByteForByte) {
  const Json v = vectors();
  ASSERT_GE(v["cases"].size(), 9u);
  for (const auto& c : v["cases"]) {
    SCOPED_TRACE(c["id"].get<std::string>());
    ResourceLimits lim;
    lim.ttl_sets_expiry = false;  // the reference ignores ttl; our default differs (below)
    ResourceBook book(c["creator_peer_id"].get<std::string>(), lim);
    const auto type = c["resource_type"].get<std::string>(), id = c["resource_id"].get<std::string>();
    const std::int64_t now = c["clock_ms"].get<std::int64_t>();
    auto a = book.announce(type, id, data_of(c), options_of(c), now);
    ASSERT_TRUE(a.has_value()) << a.error().message();
    EXPECT_EQ(hex_of(a->key()), c["key_hex"].get<std::string>());
    EXPECT_EQ(resource_key_bytes(type, id), to_bytes(c["key_text"].get<std::string>()));
    const std::string value = encode_announcement(*a);
    EXPECT_EQ(value, c["value_text"].get<std::string>());
    EXPECT_EQ(hex_of(value), c["value_hex"].get<std::string>());
    // The DHT's validator accepts it; reading it back gives the same record and bytes.
    EXPECT_TRUE(ResourceValidator().validate(to_bytes(a->key()), to_bytes(value)).has_value());
    auto back = parse_announcement(value);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, *a);
    EXPECT_EQ(encode_announcement(*back), value);
    // getResource on the announcer = the vector's object.
    auto got = book.get(type, id, now);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(encode_announcement(*got), c["getResource_on_announcer"].dump());
  }
}

TEST(Resources, TtlSetsExpiryUnlessReferenceMode) {
  const Json v = vectors();
  const Json* ttl_case = nullptr;
  for (const auto& c : v["cases"])
    if (c["id"] == "dht-ttl-ignored") ttl_case = &c;
  ASSERT_NE(ttl_case, nullptr);
  const auto& c = *ttl_case;
  ResourceBook book(c["creator_peer_id"].get<std::string>());  // default: ttl honoured
  const std::int64_t now = c["clock_ms"].get<std::int64_t>();
  auto a = book.announce(c["resource_type"].get<std::string>(), c["resource_id"].get<std::string>(), data_of(c),
                         options_of(c), now);
  ASSERT_TRUE(a.has_value());
  std::string want = c["value_text"].get<std::string>();
  want.insert(want.size() - 1, ",\"expiresAt\":" + std::to_string(now + 60000));
  EXPECT_EQ(encode_announcement(*a), want);
  EXPECT_TRUE(book.get(a->resource_type, a->resource_id, now + 59999).has_value());
  EXPECT_FALSE(book.get(a->resource_type, a->resource_id, now + 60000).has_value());
  // An explicit expiresAt wins over ttl.
  AnnounceOptions both{.ttl_ms = 5, .expires_at = 4102444800000};
  auto b = book.announce("t", "x", std::nullopt, both, now);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->expires_at, 4102444800000);
}

TEST(Resources, ExpiryExactlyAtExpiresAt) {
  const Json v = vectors();
  for (const auto& e : v["expiry_cases"]) {
    SCOPED_TRACE(e["case"].get<std::string>());
    ResourceBook book("12D3KooWGjwPSGqeX3k6MmnjPEUnJDzTZy6tpVswQBcVmx6Rah4h");
    AnnounceOptions o;
    o.expires_at = e["expiresAt"].get<std::int64_t>();
    ASSERT_TRUE(book.announce("test-session", "expiring-1", "{}", o, 1767225600001).has_value());
    const std::int64_t now = e["clock_ms"].get<std::int64_t>();
    EXPECT_EQ(book.get("test-session", "expiring-1", now).has_value(), e["getResource_returns_entry"].get<bool>());
    // expire() drops exactly what get() no longer returns, and names the type it changed.
    const auto changed = book.expire(now);
    EXPECT_EQ(book.own_count(), e["getResource_returns_entry"].get<bool>() ? 1u : 0u);
    EXPECT_EQ(changed.count("test-session"), e["getResource_returns_entry"].get<bool>() ? 0u : 1u);
  }
}

TEST(Resources, LocalQueriesWithFilters) {
  const Json v = vectors();
  ResourceBook book(v["nodes"]["A"]["peerId"].get<std::string>());
  for (const auto& c : v["cases"])
    ASSERT_TRUE(book.announce(c["resource_type"].get<std::string>(), c["resource_id"].get<std::string>(), data_of(c),
                              options_of(c), c["clock_ms"].get<std::int64_t>())
                    .has_value());
  const std::int64_t now = 1767225700000;
  const auto& q = v["local_resource_queries"];
  auto render = [](const std::vector<ResourceAnnouncement>& rs) {
    std::string out = "[";
    for (std::size_t i = 0; i < rs.size(); ++i) out += (i ? "," : "") + encode_announcement(rs[i]);
    return out + "]";
  };
  EXPECT_EQ(render(book.local("note", {}, now, 100)), q["getLocalResources(\"note\")"].dump());
  EXPECT_EQ(render(book.local("test-session", {{"creatorIndex", "0"}}, now, 100)),
            q["getLocalResources(\"test-session\", {creatorIndex: 0})"].dump());
  EXPECT_EQ(render(book.local("test-session", {{"creatorIndex", "1"}}, now, 100)),
            q["getLocalResources(\"test-session\", {creatorIndex: 1})"].dump());
  // Strict equality: 0 === 0.0, "0" !== 0, objects never equal, data that is not an object
  // never matches a filter; the bound on results holds.
  EXPECT_EQ(book.local("test-session", {{"creatorIndex", "0.0"}}, now, 100).size(), 1u);
  EXPECT_EQ(book.local("test-session", {{"creatorIndex", "\"0\""}}, now, 100).size(), 0u);
  EXPECT_EQ(book.local("test-session", {{"signers", R"(["02aa","03bb"])"}}, now, 100).size(), 0u);
  EXPECT_EQ(book.local("note", {{"x", "1"}}, now, 100).size(), 0u);
  EXPECT_EQ(book.local("note", {}, now, 2).size(), 2u);
  // A type is not a prefix match: "test" does not list "test-type".
  EXPECT_TRUE(book.local("test", {}, now, 100).empty());
}

TEST(Resources, JsJsonText) {
  auto n = [](std::string_view in) {
    auto r = normalize_json(in);
    EXPECT_TRUE(r.has_value()) << in;
    return r ? *r : std::string("<error>");
  };
  EXPECT_EQ(n(R"( { "b" : 1 , "a" : [ true , null , "x" ] } )"), R"({"b":1,"a":[true,null,"x"]})");
  // JS property order: integer-like keys first, ascending; a duplicate keeps its first place
  // and its last value.
  EXPECT_EQ(n(R"({"b":1,"10":2,"a":3,"2":4,"01":5,"4294967295":6,"4294967294":7})"),
            R"({"2":4,"10":2,"4294967294":7,"b":1,"a":3,"01":5,"4294967295":6})");
  EXPECT_EQ(n(R"({"a":1,"b":2,"a":3})"), R"({"a":3,"b":2})");
  EXPECT_EQ(n("1.0"), "1");
  EXPECT_EQ(n("-0"), "0");
  EXPECT_EQ(n("1e21"), "1e+21");
  EXPECT_EQ(n("1e20"), "100000000000000000000");
  EXPECT_EQ(n("0.000001"), "0.000001");
  EXPECT_EQ(n("1.5e-7"), "1.5e-7");
  EXPECT_EQ(n("0.1"), "0.1");
  EXPECT_EQ(n("123.456"), "123.456");
  EXPECT_EQ(n("-2.5E+3"), "-2500");
  EXPECT_EQ(n("12345678901234567890"), "12345678901234567000");  // as JS reads it
  EXPECT_EQ(n("9007199254740991"), "9007199254740991");
  EXPECT_EQ(n("-9007199254740993"), "-9007199254740992");
  EXPECT_EQ(n(R"("\u00e9\ud83d\ude00")"), "\"\xc3\xa9\xf0\x9f\x98\x80\"");
  EXPECT_EQ(n(R"("a\/b\u0001\u001F\b\f\n\r\t\"\\ \u2028")"), "\"a/b\\u0001\\u001f\\b\\f\\n\\r\\t\\\"\\\\ \xe2\x80\xa8\"");
  for (std::string_view bad : {"", "{", "[1,]", "{\"a\":1}x", "nul", "\"\xff\""})
    EXPECT_EQ(normalize_json(bad).error(), code(resource_errc::invalid_data)) << bad;
  EXPECT_EQ(normalize_json(std::string(33, '[') + std::string(33, ']')).error(), code(resource_errc::invalid_data));
  EXPECT_TRUE(normalize_json(std::string(32, '[') + std::string(32, ']')).has_value());
}

TEST(Resources, ParseRejectsWhatIsNotAnAnnouncement) {
  const std::string ok = R"({"resourceId":"i","resourceType":"t","creatorPeerId":"p","createdAt":5})";
  auto a = parse_announcement(ok);
  ASSERT_TRUE(a.has_value());
  EXPECT_FALSE(a->data.has_value());
  EXPECT_FALSE(a->expires_at.has_value());
  for (std::string_view bad : {
           R"([1])",
           R"({"resourceType":"t","creatorPeerId":"p","createdAt":5})",
           R"({"resourceId":1,"resourceType":"t","creatorPeerId":"p","createdAt":5})",
           R"({"resourceId":"i","resourceType":"t","creatorPeerId":"p"})",
           R"({"resourceId":"i","resourceType":"t","creatorPeerId":"p","createdAt":"5"})",
           R"({"resourceId":"i","resourceType":"t","creatorPeerId":"p","createdAt":5,"expiresAt":"x"})",
           R"({"resourceId":"i","resourceType":"t","creatorPeerId":"p","createdAt":1e300})",
           R"({"resourceId":"","resourceType":"t","creatorPeerId":"p","createdAt":5})",
           R"({"resourceId":"i","resourceType":"a:b","creatorPeerId":"p","createdAt":5})",
           "not json",
       })
    EXPECT_EQ(parse_announcement(bad).error(), code(resource_errc::malformed_record)) << bad;
  // expiresAt null = not set (JS `if (expiresAt && …)`).
  auto n = parse_announcement(R"({"resourceId":"i","resourceType":"t","creatorPeerId":"p","createdAt":5,"expiresAt":null})");
  ASSERT_TRUE(n.has_value());
  EXPECT_FALSE(n->expires_at.has_value());
}

TEST(Resources, TypeAndIdRules) {
  ResourceBook book("me");
  EXPECT_EQ(book.announce("", "i", std::nullopt, {}, 1).error(), code(resource_errc::invalid_type));
  EXPECT_EQ(book.announce("a:b", "i", std::nullopt, {}, 1).error(), code(resource_errc::invalid_type));
  EXPECT_EQ(book.announce("a/b", "i", std::nullopt, {}, 1).error(), code(resource_errc::invalid_type));
  EXPECT_EQ(book.announce("t", "", std::nullopt, {}, 1).error(), code(resource_errc::invalid_id));
  EXPECT_EQ(book.announce("t", "a/b/c", std::nullopt, {}, 1).error(), code(resource_errc::invalid_id));
  EXPECT_TRUE(book.announce("t", "a/b:c", std::nullopt, {}, 1).has_value());  // one '/' is fine
  EXPECT_EQ(book.announce("t", "i", "{oops", {}, 1).error(), code(resource_errc::invalid_data));
  EXPECT_EQ(std::string(resource_category().name()), "coordinator.resources");
  EXPECT_EQ(make_error_code(resource_errc::own_type_limit).message(),
            "coordinator.resources: too many resources of this type announced by this node");
}

TEST(Resources, OwnLimitsAndGate) {
  ResourceLimits lim;
  lim.max_own = 5;
  lim.max_own_per_type = 3;
  lim.max_value_bytes = 200;
  ResourceBook book("me", lim);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(book.announce("a", std::to_string(i), std::nullopt, {}, 10).has_value());
  EXPECT_EQ(book.announce("a", "3", std::nullopt, {}, 10).error(), code(resource_errc::own_type_limit));
  // Replacing one of ours is not a new one.
  EXPECT_TRUE(book.announce("a", "1", "2", {}, 11).has_value());
  ASSERT_TRUE(book.announce("b", "0", std::nullopt, {}, 10).has_value());
  ASSERT_TRUE(book.announce("c", "0", std::nullopt, AnnounceOptions{.ttl_ms = std::nullopt, .expires_at = 20}, 10).has_value());
  EXPECT_EQ(book.announce("d", "0", std::nullopt, {}, 10).error(), code(resource_errc::own_limit));
  // Once c:0 expired it no longer counts.
  EXPECT_TRUE(book.announce("d", "0", std::nullopt, {}, 20).has_value());
  EXPECT_EQ(book.announce("e", "0", "\"" + std::string(200, 'x') + "\"", {}, 20).error(),
            code(resource_errc::value_too_large));
  // The gate sees what would be announced and its refusal is returned as is.
  ResourceBook gated("me");
  std::string seen;
  AnnounceGate gate = [&](const AnnounceRequest& r) -> Status {
    seen = std::string(r.peer) + "|" + std::string(r.type) + "|" + std::string(r.id) + "|" + r.data.value_or("-") +
           "|" + std::to_string(r.value_bytes);
    if (r.type == "spam") return resource_errc::refused;
    return {};
  };
  ASSERT_TRUE(gated.announce("ok", "1", "[1]", {}, 7, gate).has_value());
  EXPECT_EQ(seen, "me|ok|1|[1]|" +
                      std::to_string(std::string(R"({"resourceId":"1","resourceType":"ok","creatorPeerId":"me","data":[1],"createdAt":7})").size()));
  EXPECT_EQ(gated.announce("spam", "1", std::nullopt, {}, 7, gate).error(), code(resource_errc::refused));
  EXPECT_FALSE(gated.get("spam", "1", 7).has_value());
  EXPECT_TRUE(gated.withdraw("ok", "1"));
  EXPECT_FALSE(gated.withdraw("ok", "1"));
  EXPECT_FALSE(gated.get("ok", "1", 7).has_value());
}

TEST(Resources, CacheIsBoundedAndNeverEvictsOwn) {
  ResourceLimits lim;
  lim.max_cache = 3;
  ResourceBook book("me", lim);
  ASSERT_TRUE(book.announce("t", "mine", std::nullopt, {}, 1).has_value());
  for (int i = 0; i < 5; ++i)
    book.cache(ResourceAnnouncement{std::to_string(i), "t", "other", std::nullopt, 1, std::nullopt}, 1);
  EXPECT_EQ(book.cached_count(), 3u);
  EXPECT_EQ(book.own_count(), 1u);
  EXPECT_FALSE(book.get("t", "0", 1).has_value());  // oldest evicted
  EXPECT_FALSE(book.get("t", "1", 1).has_value());
  EXPECT_TRUE(book.get("t", "4", 1).has_value());
  EXPECT_TRUE(book.get("t", "mine", 1).has_value());
  // A record of another node under our key does not replace ours; expired ones are not kept.
  book.cache(ResourceAnnouncement{"mine", "t", "other", std::nullopt, 2, std::nullopt}, 2);
  EXPECT_EQ(book.get("t", "mine", 2)->creator_peer_id, "me");
  book.cache(ResourceAnnouncement{"old", "t", "other", std::nullopt, 1, 5}, 5);
  EXPECT_FALSE(book.get("t", "old", 5).has_value());
  EXPECT_EQ(book.local("t", {}, 2, 10).front().resource_id, "mine");  // ours first
}

TEST(Resources, TypeKeyAndIndex) {
  // The provider key: multihash sha2-256 of "lotus-resource-type:<type>".
  const Bytes k = type_provider_key("musig2-session");
  ASSERT_EQ(k.size(), 34u);
  EXPECT_EQ(k[0], 0x12);
  EXPECT_EQ(k[1], 0x20);
  const auto d = crypto::sha256(as_bytes("lotus-resource-type:musig2-session"));
  EXPECT_TRUE(std::equal(d.begin(), d.end(), k.begin() + 2));

  std::vector<ResourceAnnouncement> own = {
      {"s1", "swap", "P", R"({"n":1})", 100, 5000},
      {"s2", "swap", "P", std::nullopt, 101, 7000},
  };
  auto idx = build_index("swap", "P", own, 200, 48 * 1024);
  EXPECT_EQ(idx.key(), "resource:lotus-resource-index:swap:P");
  EXPECT_EQ(encode_announcement(idx),
            R"({"resourceId":"swap:P","resourceType":"lotus-resource-index","creatorPeerId":"P","data":{"type":"swap","entries":[)"
            R"({"resourceId":"s1","resourceType":"swap","creatorPeerId":"P","data":{"n":1},"createdAt":100,"expiresAt":5000},)"
            R"({"resourceId":"s2","resourceType":"swap","creatorPeerId":"P","createdAt":101,"expiresAt":7000}]},"createdAt":200,"expiresAt":7000})");
  EXPECT_TRUE(ResourceValidator().validate(to_bytes(idx.key()), to_bytes(encode_announcement(idx))).has_value());
  auto parsed = parse_index(idx, "swap", "P");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->inline_entries, own);
  EXPECT_TRUE(parsed->ids.empty());
  // Found under another type or provider: refused.
  EXPECT_EQ(parse_index(idx, "swap", "Q").error(), code(resource_errc::mismatched_record));
  EXPECT_EQ(parse_index(idx, "other", "P").error(), code(resource_errc::mismatched_record));
  // An entry of another creator inside P's index: refused.
  auto forged = idx;
  forged.data = R"({"type":"swap","entries":[{"resourceId":"s1","resourceType":"swap","creatorPeerId":"Q","createdAt":1}]})";
  EXPECT_EQ(parse_index(forged, "swap", "P").error(), code(resource_errc::mismatched_record));
  forged.data = R"({"type":"swap","entries":[5]})";
  EXPECT_EQ(parse_index(forged, "swap", "P").error(), code(resource_errc::malformed_record));

  // Over the byte budget: the first entry inline, the second by id; one that never expires
  // leaves the index without expiresAt.
  own[1].expires_at.reset();
  const std::size_t first_inline = encode_announcement(build_index("swap", "P", {own[0]}, 200, 48 * 1024)).size();
  auto small = build_index("swap", "P", own, 200, first_inline + 60);
  EXPECT_LE(encode_announcement(small).size(), first_inline + 60);
  EXPECT_FALSE(small.expires_at.has_value());
  auto sp = parse_index(small, "swap", "P");
  ASSERT_TRUE(sp.has_value());
  ASSERT_EQ(sp->inline_entries.size(), 1u);
  EXPECT_EQ(sp->inline_entries[0].resource_id, "s1");
  EXPECT_EQ(sp->ids, std::vector<std::string>{"s2"});
  // An empty index (everything withdrawn) is valid and lists nothing.
  auto empty = build_index("swap", "P", {}, 300, 48 * 1024);
  EXPECT_EQ(*empty.data, R"({"type":"swap","entries":[]})");
  auto ep = parse_index(empty, "swap", "P");
  ASSERT_TRUE(ep.has_value());
  EXPECT_TRUE(ep->inline_entries.empty() && ep->ids.empty());
}

}  // namespace
}  // namespace lotus::coordinator
