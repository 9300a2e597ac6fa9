// coordinator::json and the P2PMessage envelope against the reference's vectors
// (tests/vectors/p2p-message.json, made by lotus-sdk cebfdf1): every created message byte-exact,
// every received text parsed and re-serialised byte-exact, the de-dup HMAC, the validation and
// size cases; then the JS JSON rules one by one and the refusals with their codes.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/hex.hpp"
#include "coordinator/json.hpp"
#include "coordinator/message.hpp"

namespace lotus::coordinator {
namespace {

const nlohmann::json& vectors() {
  static const nlohmann::json v = [] {
    std::ifstream f(std::string(LOTUS_VECTORS_DIR) + "/p2p-message.json");
    EXPECT_TRUE(f.good()) << "tests/vectors/p2p-message.json missing";
    return nlohmann::json::parse(f);
  }();
  return v;
}

const nlohmann::json& message_vector(std::string_view id) {
  for (const auto& m : vectors()["messages"])
    if (m["id"] == id) return m;
  ADD_FAILURE() << "no vector " << id;
  static const nlohmann::json none;
  return none;
}

// Replays the random bytes the reference drew for one message.
class ReplayRng final : public Rng {
 public:
  explicit ReplayRng(Bytes b) : m_bytes(std::move(b)) {}
  void fill(MutBytesView out) override {
    ASSERT_LE(m_pos + out.size(), m_bytes.size());
    for (auto& o : out) o = m_bytes[m_pos++];
  }
  bool drained() const { return m_pos == m_bytes.size(); }

 private:
  Bytes m_bytes;
  std::size_t m_pos = 0;
};

ReplayRng rng_for(const nlohmann::json& v) {
  Bytes all;
  for (const auto& h : v["random_bytes_drawn"]) append(all, *from_hex(h.get<std::string>()));
  return ReplayRng(all);
}

std::string peer(const char* name) { return vectors()["peers"][name].get<std::string>(); }
std::int64_t clock_of(const nlohmann::json& v) { return v["clock_ms"].get<std::int64_t>(); }

json::Object obj(std::initializer_list<std::pair<const char*, json::Value>> members) {
  json::Object o;
  for (const auto& [k, v] : members) o.set(k, v);
  return o;
}

void expect_vector(const char* id, const P2PMessage& m, ReplayRng& rng) {
  const auto& v = message_vector(id);
  const std::string wire = serialize(m);
  EXPECT_EQ(wire, v["serialized_text"].get<std::string>()) << id;
  EXPECT_EQ(to_hex(as_bytes(wire)), v["serialized_hex"].get<std::string>()) << id;
  EXPECT_EQ(wire.size(), v["serialized_length"].get<std::size_t>()) << id;
  EXPECT_EQ(m.message_id, v["message_id"].get<std::string>()) << id;
  EXPECT_EQ(compute_message_hash(m), v["compute_message_hash"].get<std::string>()) << id;
  EXPECT_EQ(validate_message(m, clock_of(v)).has_value(), v["validate_message_at_clock"].get<bool>()) << id;
  EXPECT_EQ(validate_message_size(m), v["validate_message_size_default"].get<bool>()) << id;
  EXPECT_TRUE(rng.drained()) << id;
  // What a receiver makes of these bytes re-serialises to the same bytes.
  auto back = parse_message(wire);
  ASSERT_TRUE(back) << id << ": " << back.error().message();
  EXPECT_EQ(serialize(*back), wire) << id;
  if (std::string_view(id) != "msg-json-numbers") {  // NaN, Infinity, -0 do not survive JSON (as in JS)
    EXPECT_EQ(*back, m) << id;
    EXPECT_EQ(to_json(m), *json::parse(wire)) << id;
  }
}

TEST(P2PMessageVectors, CreatedMessagesAreByteExact) {
  const auto a = peer("PEER_A"), b = peer("PEER_B");
  {
    const auto& v = message_vector("msg-generic");
    auto rng = rng_for(v);
    auto m = create_message("data-message", obj({{"hello", "world"}, {"n", 42}}), a, clock_of(v), rng);
    expect_vector("msg-generic", m, rng);
  }
  {
    const auto& v = message_vector("msg-all-options");
    auto rng = rng_for(v);
    MessageOptions o;
    o.to = b;
    o.protocol = "musig2";
    o.signature = Bytes{0x00, 0x01, 0xff, 0x7f};
    auto m = create_message("data-message", obj({{"k", "v"}}), a, clock_of(v), rng, o);
    expect_vector("msg-all-options", m, rng);
  }
  {
    const auto& v = message_vector("msg-handshake-metadata");
    auto rng = rng_for(v);
    auto meta = obj({{"version", "0.1.37"}, {"roles", json::Array{"signer"}}});
    expect_vector("msg-handshake-metadata", create_handshake(a, json::Value(meta), clock_of(v), rng), rng);
  }
  {
    const auto& v = message_vector("msg-handshake-plain");
    auto rng = rng_for(v);
    expect_vector("msg-handshake-plain", create_handshake(a, std::nullopt, clock_of(v), rng), rng);
  }
  {
    const auto& v = message_vector("msg-heartbeat");
    auto rng = rng_for(v);
    expect_vector("msg-heartbeat", create_heartbeat(b, clock_of(v), rng), rng);
  }
  {
    const auto& v = message_vector("msg-disconnect-reason");
    auto rng = rng_for(v);
    expect_vector("msg-disconnect-reason", create_disconnect(a, "shutting down", clock_of(v), rng), rng);
  }
  {
    const auto& v = message_vector("msg-disconnect-plain");
    auto rng = rng_for(v);
    expect_vector("msg-disconnect-plain", create_disconnect(a, std::nullopt, clock_of(v), rng), rng);
  }
  {
    const auto& v = message_vector("msg-error-context");
    auto rng = rng_for(v);
    auto ctx = obj({{"sessionId", "837c9fb78c58315d"}, {"code", 42}});
    expect_vector("msg-error-context", create_error(b, "bad nonce", json::Value(ctx), clock_of(v), rng), rng);
  }
  {
    const auto& v = message_vector("msg-error-plain");
    auto rng = rng_for(v);
    expect_vector("msg-error-plain", create_error(b, "oops", std::nullopt, clock_of(v), rng), rng);
  }
  {
    const auto& v = message_vector("msg-json-escaping");
    auto rng = rng_for(v);
    // U+0000-style controls, DEL, é, 😀, U+2028, and a lone surrogate (WTF-8 ED A0 80).
    const std::string text = "q\"b\\s/<>&\n\t\x01\x1f\x7f \xc3\xa9 \xf0\x9f\x98\x80 \xe2\x80\xa8 \xed\xa0\x80 end";
    auto m = create_message("data-message", obj({{"text", text}}), a, clock_of(v), rng);
    expect_vector("msg-json-escaping", m, rng);
  }
  {
    const auto& v = message_vector("msg-json-numbers");
    auto rng = rng_for(v);
    json::Object p;
    p.set("zero", 0);
    p.set("negzero", -0.0);
    p.set("onehalf", 1.5);
    p.set("tenth", 0.1);
    p.set("big", 1e21);
    p.set("small", 1e-7);
    p.set("large", 123456789012345678901.0);
    p.set("unsafe", 9007199254740993.0);  // 2^53 + 1 rounds to 2^53
    p.set("nan", std::numeric_limits<double>::quiet_NaN());
    p.set("inf", std::numeric_limits<double>::infinity());
    p.set("nul", nullptr);
    p.set("arr", json::Array{1, nullptr, "x"});
    p.set("nested", obj({{"b", 2}, {"a", 1}}));
    auto m = create_message("data-message", std::move(p), a, clock_of(v), rng);
    expect_vector("msg-json-numbers", m, rng);
  }
  for (const char* id : {"musig2-nonce-commit", "musig2-nonce-share", "musig2-partial-sig-share"}) {
    // Payloads as the reference built them (taken from its text), envelope made here.
    const auto& v = message_vector(id);
    auto rng = rng_for(v);
    auto ref = parse_message(v["serialized_text"].get<std::string>());
    ASSERT_TRUE(ref);
    MessageOptions o;
    o.protocol = "musig2";
    auto m = create_message(ref->type, *ref->payload, a, clock_of(v), rng, o);
    expect_vector(id, m, rng);
  }
}

TEST(P2PMessageVectors, EveryMessageVectorCovered) {
  EXPECT_EQ(vectors()["messages"].size(), 14u);  // the 14 checked above
}

TEST(P2PMessageVectors, ValidateCases) {
  for (const auto& c : vectors()["validate_cases"]) {
    const auto id = c["id"].get<std::string>();
    const auto text = c["wire_text"].get<std::string>();
    auto m = deserialize_and_validate(text, clock_of(c));
    if (c["deserialize"] == "throws") {
      ASSERT_FALSE(m) << id;
      EXPECT_EQ(m.error(), message_errc::not_json) << id;
      continue;
    }
    EXPECT_TRUE(json::parse(text)) << id;  // JSON.parse succeeded in the reference
    EXPECT_EQ(m.has_value(), c["validateMessage"].get<bool>()) << id << ": " << m.error().message();
  }
}

TEST(P2PMessageVectors, ValidateCasesGiveSpecificReasons) {
  auto reason = [](std::string_view id) {
    for (const auto& c : vectors()["validate_cases"])
      if (c["id"] == id) return deserialize_and_validate(c["wire_text"].get<std::string>(), clock_of(c)).error();
    ADD_FAILURE() << id;
    return std::error_code{};
  };
  EXPECT_EQ(reason("invalid-age-300001"), message_errc::clock_skew);
  EXPECT_EQ(reason("invalid-future-300001"), message_errc::clock_skew);
  EXPECT_EQ(reason("invalid-timestamp-zero"), message_errc::invalid_timestamp);
  EXPECT_EQ(reason("invalid-timestamp-string"), message_errc::invalid_timestamp);
  EXPECT_EQ(reason("invalid-missing-type"), message_errc::invalid_type);
  EXPECT_EQ(reason("invalid-empty-type"), message_errc::invalid_type);
  EXPECT_EQ(reason("invalid-type-number"), message_errc::invalid_type);
  EXPECT_EQ(reason("invalid-empty-from"), message_errc::invalid_from);
  EXPECT_EQ(reason("invalid-from-array"), message_errc::invalid_from);
  EXPECT_EQ(reason("invalid-missing-messageId"), message_errc::invalid_message_id);
  EXPECT_EQ(reason("invalid-json"), message_errc::not_json);
  EXPECT_EQ(reason("invalid-json-array"), message_errc::not_an_object);
}

TEST(P2PMessageVectors, SizeCases) {
  for (const auto& c : vectors()["size_cases"]) {
    P2PMessage m;
    m.type = "data-message";
    m.from = peer("PEER_A");
    m.payload = obj({{"pad", std::string(c["pad_length"].get<std::size_t>(), 'a')}});
    m.timestamp = 1767225601012;
    m.message_id = "mjuq5tc0-0123456789abcdef";
    EXPECT_EQ(serialize(m).size(), c["serialized_length"].get<std::size_t>()) << c["id"];
    const bool ok = c["max_size_argument"].is_number()
                        ? validate_message_size(m, c["max_size_argument"].get<std::size_t>())
                        : validate_message_size(m);
    EXPECT_EQ(ok, c["validateMessageSize"].get<bool>()) << c["id"];
  }
}

TEST(P2PMessageVectors, LiveWireCaptureParsesToTheSameBytes) {
  for (const auto& c : vectors()["live_wire_capture"]["captures"]) {
    const auto bytes = *from_hex(c["bytes_received_hex"].get<std::string>());
    auto m = parse_message(as_string_view(bytes));
    ASSERT_TRUE(m);
    EXPECT_EQ(serialize(*m), as_string_view(bytes));
    EXPECT_EQ(m->to, peer("PEER_B"));
  }
  // The coordinator's envelopes too (member order built inline by the MuSig2 coordinator).
  for (const auto& e : vectors()["musig2_coordinator_envelopes"]["advertise_signer"]["broadcast_envelopes"]) {
    const auto text = e["text"].get<std::string>();
    auto m = parse_message(text);
    ASSERT_TRUE(m);
    EXPECT_EQ(serialize(*m), text);
  }
}

TEST(P2PMessage, MessageIdIsBase36ClockDashHex) {
  EXPECT_EQ(to_base36(1767225600000), "mjuohs00");
  EXPECT_EQ(to_base36(0), "0");
  EXPECT_EQ(to_base36(35), "z");
  ReplayRng rng(Bytes{1, 2, 3, 4, 5, 6, 7, 8});
  EXPECT_EQ(make_message_id(36, rng), "10-0102030405060708");
}

TEST(P2PMessage, ShapeRefusalsHaveSpecificCodes) {
  const std::string base = R"("from":"a","messageId":"m","timestamp":5)";
  EXPECT_EQ(parse_message("").error(), message_errc::empty);
  EXPECT_EQ(parse_message("{").error(), message_errc::not_json);
  EXPECT_EQ(parse_message("\xff").error(), message_errc::not_json);
  EXPECT_EQ(parse_message("\"x\"").error(), message_errc::not_an_object);
  EXPECT_EQ(parse_message(R"({"type":"t",)" + base + R"(,"to":5})").error(), message_errc::invalid_to);
  EXPECT_EQ(parse_message(R"({"type":"t",)" + base + R"(,"protocol":null})").error(), message_errc::invalid_protocol);
  EXPECT_EQ(parse_message(R"({"type":"t","from":"a","messageId":"m","timestamp":true})").error(),
            message_errc::invalid_timestamp);
  std::string deep = R"({"type":"t",)" + base + R"(,"payload":)" + std::string(70, '[') + std::string(70, ']') + "}";
  EXPECT_EQ(parse_message(deep).error(), message_errc::too_deep);
  // Extra members are ignored (and dropped on re-serialisation), as the reference ignores them.
  auto m = parse_message(R"({"x":1,"type":"t",)" + base + "}");
  ASSERT_TRUE(m);
  EXPECT_EQ(serialize(*m), R"({"type":"t","from":"a","timestamp":5,"messageId":"m"})");
  // Validation of locally built messages.
  P2PMessage local = *m;
  EXPECT_TRUE(validate_message(local, 5));
  EXPECT_EQ(validate_message(local, 5 + kMaxClockSkewMs + 1).error(), message_errc::clock_skew);
  local.timestamp = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(validate_message(local, 5).error(), message_errc::invalid_timestamp);
  local.timestamp = std::numeric_limits<double>::infinity();
  EXPECT_EQ(validate_message(local, 5).error(), message_errc::clock_skew);
}

// ---- JS JSON rules --------------------------------------------------------------------------

std::string roundtrip(std::string_view text) {
  auto v = json::parse(text);
  EXPECT_TRUE(v) << text << ": " << v.error().message();
  return v ? json::stringify(*v) : std::string();
}

TEST(JsJson, NumbersPrintAsJavaScriptDoes) {
  const std::pair<double, const char*> cases[] = {
      {0.0, "0"},        {-0.0, "0"},          {1.0, "1"},           {-1.5, "-1.5"},
      {0.1, "0.1"},      {1e21, "1e+21"},      {1e20, "100000000000000000000"},
      {1e-6, "0.000001"}, {1e-7, "1e-7"},      {1.5e-7, "1.5e-7"},   {123e-20, "1.23e-18"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},        {5e-324, "5e-324"},
      {0.000123, "0.000123"}, {123.456, "123.456"}, {1767225601012.5, "1767225601012.5"},
      {9007199254740993.0, "9007199254740992"}, {2.5e21, "2.5e+21"}, {-1e-7, "-1e-7"},
  };
  for (const auto& [d, text] : cases) {
    std::string out;
    json::number_to(out, d);
    EXPECT_EQ(out, text);
  }
  EXPECT_EQ(json::number_to_string(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(json::stringify(json::Value(-std::numeric_limits<double>::infinity())), "null");
  // Parsing then printing: exponent forms, overflow to Infinity (null), underflow to 0.
  EXPECT_EQ(roundtrip("[1E2,1e+2,-0,0.10,1e400,-1e400,1e-400,12345678901234567890123]"),
            "[100,100,0,0.1,null,null,0,1.2345678901234568e+22]");
}

TEST(JsJson, StringsEscapeLikeJsonStringify) {
  EXPECT_EQ(roundtrip(R"(["\u0000\u001F\u007f\/\b\f\n\r\t\"\\"])"), "[\"\\u0000\\u001f\x7f/\\b\\f\\n\\r\\t\\\"\\\\\"]");
  // Surrogates: a pair of escapes is one character (raw UTF-8); lone ones stay escaped.
  EXPECT_EQ(roundtrip(R"(["\ud83d\ude00","\uD800","\udc00x","\ud800\ud800"])"),
            "[\"\xf0\x9f\x98\x80\",\"\\ud800\",\"\\udc00x\",\"\\ud800\\ud800\"]");
  EXPECT_EQ(roundtrip("[\"\xe2\x80\xa8\xc3\xa9\"]"), "[\"\xe2\x80\xa8\xc3\xa9\"]");
  // Bytes that are not UTF-8 in a C++ string print as U+FFFD (never as invalid output).
  EXPECT_EQ(json::stringify(json::Value(std::string("a\xff"))), "\"a\xef\xbf\xbd\"");
}

TEST(JsJson, ObjectsKeepJavaScriptPropertyOrder) {
  EXPECT_EQ(roundtrip(R"({"b":1,"a":2,"10":3,"2":4,"01":5,"-1":6,"4294967295":7,"4294967294":8})"),
            R"({"2":4,"10":3,"4294967294":8,"b":1,"a":2,"01":5,"-1":6,"4294967295":7})");
  // A duplicate key keeps its first position and its last value.
  EXPECT_EQ(roundtrip(R"({"a":1,"b":2,"a":3})"), R"({"a":3,"b":2})");
  std::string many = "{";
  for (int i = 0; i < 20; ++i) many += "\"k" + std::to_string(i % 12) + "\":" + std::to_string(i) + ",";
  many += "\"z\":0}";
  EXPECT_EQ(roundtrip(many),
            R"({"k0":12,"k1":13,"k2":14,"k3":15,"k4":16,"k5":17,"k6":18,"k7":19,"k8":8,"k9":9,"k10":10,"k11":11,"z":0})");
  json::Object o;
  o.set("x", 1).set("5", 2).set("1", 3).set("x", 4);
  EXPECT_EQ(json::stringify(o), R"({"1":3,"5":2,"x":4})");
  EXPECT_TRUE(o.erase("5"));
  EXPECT_EQ(json::stringify(o), R"({"1":3,"x":4})");
}

TEST(JsJson, RefusesWhatIsNotJson) {
  for (const char* bad : {"", " ", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "+1", "-", "1e", "tru", "nul",
                          "\"abc", "\"\\x\"", "\"\\u12g4\"", "\"a\nb\"", "[1] 2", "NaN", "Infinity", "'a'",
                          "{a:1}", "\xef\xbb\xbf{}"}) {
    auto v = json::parse(bad);
    EXPECT_FALSE(v) << bad;
    if (!v) {
      EXPECT_EQ(v.error(), json::errc::syntax) << bad;
    }
  }
  EXPECT_EQ(json::parse("\"\xc0\xaf\"").error(), json::errc::invalid_utf8);  // overlong
  EXPECT_EQ(json::parse("\"\xed\xa0\x80\"").error(), json::errc::invalid_utf8);  // raw surrogate
  EXPECT_EQ(json::parse(std::string(65, '[') + std::string(65, ']')).error(), json::errc::too_deep);
  EXPECT_TRUE(json::parse(std::string(64, '[') + std::string(64, ']')));
  json::ParseLimits tight;
  tight.max_values = 3;
  EXPECT_EQ(json::parse("[1,2,3]", tight).error(), json::errc::too_many_values);
  EXPECT_EQ(roundtrip(" \t\r\n{ \"a\" : [ true , false , null ] } \n"), R"({"a":[true,false,null]})");
}

}  // namespace
}  // namespace lotus::coordinator
