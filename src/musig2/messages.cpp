#include "musig2/messages.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "base/hex.hpp"
#include "crypto/lotus/musig2.hpp"
#include "crypto/lotus/schnorr.hpp"

namespace lotus::musig2 {

const std::error_category& wire_category() noexcept {
  static const TableCategory cat("musig2-wire", {
      {static_cast<int>(wire_errc::not_an_object), "musig2 message: payload is not an object"},
      {static_cast<int>(wire_errc::missing_field), "musig2 message: a required field is missing"},
      {static_cast<int>(wire_errc::wrong_type), "musig2 message: a field has the wrong JSON type"},
      {static_cast<int>(wire_errc::empty_string), "musig2 message: a required string is empty"},
      {static_cast<int>(wire_errc::string_too_long), "musig2 message: a string is too long"},
      {static_cast<int>(wire_errc::not_an_integer), "musig2 message: a number is not an integer in [0, 2^53)"},
      {static_cast<int>(wire_errc::out_of_range), "musig2 message: an integer is out of range"},
      {static_cast<int>(wire_errc::invalid_hex), "musig2 message: invalid hex string"},
      {static_cast<int>(wire_errc::odd_length_hex), "musig2 message: hex string of odd length"},
      {static_cast<int>(wire_errc::invalid_length), "musig2 message: a byte field has the wrong length"},
      {static_cast<int>(wire_errc::invalid_point_prefix), "musig2 message: point prefix is not 02/03"},
      {static_cast<int>(wire_errc::point_x_out_of_range), "musig2 message: point x >= p"},
      {static_cast<int>(wire_errc::point_not_on_curve), "musig2 message: point is not on the curve"},
      {static_cast<int>(wire_errc::uncompressed_public_key), "musig2 message: uncompressed public key"},
      {static_cast<int>(wire_errc::scalar_out_of_range), "musig2 message: partial signature >= n"},
      {static_cast<int>(wire_errc::invalid_signature), "musig2 message: signature r >= p or s >= n"},
      {static_cast<int>(wire_errc::too_many_items), "musig2 message: an array is too long"},
      {static_cast<int>(wire_errc::too_few_signers), "musig2 message: empty signer list"},
      {static_cast<int>(wire_errc::duplicate_signer), "musig2 message: duplicate signer key"},
      {static_cast<int>(wire_errc::signers_not_sorted), "musig2 message: session signers are not sorted"},
      {static_cast<int>(wire_errc::invalid_id), "musig2 message: malformed session or request id"},
      {static_cast<int>(wire_errc::unknown_transaction_type), "musig2 message: unknown transaction type"},
      {static_cast<int>(wire_errc::invalid_amount_range), "musig2 message: minAmount > maxAmount"},
      {static_cast<int>(wire_errc::unknown_election_method), "musig2 message: unknown election method"},
      {static_cast<int>(wire_errc::inconsistent), "musig2 message: fields contradict each other"},
      {static_cast<int>(wire_errc::invalid_code), "musig2 message: validation-error code is not VALIDATION_ERROR"},
  });
  return cat;
}

namespace {

namespace ls = crypto::lotus_sig;

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Hex → bytes: non-empty, hex digits only (either case), even length.
Result<Bytes> decode_hex(std::string_view hex, bool allow_empty = false) {
  if (hex.empty()) {
    if (allow_empty) return Bytes{};
    return wire_errc::invalid_hex;
  }
  for (char c : hex)
    if (hex_digit(c) < 0) return wire_errc::invalid_hex;
  if (hex.size() % 2 != 0) return wire_errc::odd_length_hex;
  Bytes out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<std::uint8_t>(hex_digit(hex[2 * i]) * 16 + hex_digit(hex[2 * i + 1]));
  return out;
}

std::string hex_of(BytesView b) { return to_hex(b); }

bool is_lower_hex(std::string_view s, std::size_t len) noexcept {
  if (s.size() != len) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::error_code map_point_error(std::error_code ec) {
  if (ec == ls::errc::invalid_public_key_prefix) return wire_errc::invalid_point_prefix;
  if (ec == ls::errc::public_key_x_out_of_range) return wire_errc::point_x_out_of_range;
  if (ec == ls::errc::public_key_not_on_curve) return wire_errc::point_not_on_curve;
  if (ec == ls::errc::invalid_public_key_length) return wire_errc::invalid_length;
  return wire_errc::point_not_on_curve;
}

Result<PublicKey> point_from_bytes(BytesView b) {
  if (b.size() != 33) return wire_errc::invalid_length;
  auto pk = ls::PublicKey::parse(b);
  if (!pk) return map_point_error(pk.error());
  return pk->bytes();
}

// Reads the members of one object, remembering the first failing field's name.
class Reader {
 public:
  Reader(const json::Value& v, std::string* bad_field) : m_bad(bad_field) {
    if (v.is_object()) m_obj = &v.as_object();
  }
  bool is_object() const { return m_obj != nullptr; }

  std::error_code fail(std::string_view field, std::error_code ec) {
    if (m_bad) *m_bad = std::string(field);
    return ec;
  }

  // The member, or nullptr when absent (JS undefined). A null member is present and fails the
  // type checks, as `typeof null` does in validation.ts.
  const json::Value* get(std::string_view key) const { return m_obj ? m_obj->find(key) : nullptr; }

  Result<std::string> string(std::string_view key, std::size_t max_chars) {
    const json::Value* v = get(key);
    if (!v) return fail(key, wire_errc::missing_field);
    if (!v->is_string()) return fail(key, wire_errc::wrong_type);
    if (v->as_string().empty()) return fail(key, wire_errc::empty_string);
    if (v->as_string().size() > max_chars) return fail(key, wire_errc::string_too_long);
    return v->as_string();
  }

  Result<std::int64_t> integer(std::string_view key, std::int64_t max = kMaxSafeInteger) {
    const json::Value* v = get(key);
    if (!v) return fail(key, wire_errc::missing_field);
    if (!v->is_number()) return fail(key, wire_errc::wrong_type);
    return integer_value(key, *v, max);
  }

  Result<std::int64_t> integer_value(std::string_view key, const json::Value& v, std::int64_t max) {
    const double d = v.as_number();
    if (!std::isfinite(d) || d < 0 || d > static_cast<double>(kMaxSafeInteger) || std::floor(d) != d)
      return fail(key, wire_errc::not_an_integer);
    const auto i = static_cast<std::int64_t>(d);
    if (i > max) return fail(key, wire_errc::out_of_range);
    return i;
  }

  Result<std::string> id(std::string_view key, std::size_t hex_len) {
    auto s = string(key, 1024);
    if (!s) return s.error();
    if (!is_lower_hex(*s, hex_len)) return fail(key, wire_errc::invalid_id);
    return s;
  }

  Result<PublicKey> point(std::string_view key) {
    auto s = string(key, 1024);
    if (!s) return s.error();
    auto p = deserialize_public_key(*s);
    if (!p) return fail(key, p.error());
    return p;
  }

  Result<Signature64> signature(std::string_view key) {
    auto s = string(key, 1024);
    if (!s) return s.error();
    auto sig = deserialize_signature(*s);
    if (!sig) return fail(key, sig.error());
    return sig;
  }

  Result<Bytes32> bytes32(std::string_view key) {
    auto s = string(key, 1024);
    if (!s) return s.error();
    auto b = decode_hex(*s);
    if (!b) return fail(key, b.error());
    if (b->size() != 32) return fail(key, wire_errc::invalid_length);
    Bytes32 out{};
    std::copy(b->begin(), b->end(), out.begin());
    return out;
  }

  // A 32-byte message (empty string → missing as in validation.ts, which requires non-empty).
  Result<Bytes32> message(std::string_view key) { return bytes32(key); }

  // An optional object kept verbatim.
  Result<std::optional<json::Value>> optional_object(std::string_view key) {
    const json::Value* v = get(key);
    if (!v) return std::optional<json::Value>{};
    if (!v->is_object()) return fail(key, wire_errc::not_an_object);
    return std::optional<json::Value>(*v);
  }

  Result<std::vector<PublicKey>> key_list(std::string_view key) {
    const json::Value* v = get(key);
    if (!v) return fail(key, wire_errc::missing_field);
    if (!v->is_array()) return fail(key, wire_errc::wrong_type);
    const auto& a = v->as_array();
    if (a.empty()) return fail(key, wire_errc::too_few_signers);
    if (a.size() > kMaxWireSigners) return fail(key, wire_errc::too_many_items);
    std::vector<PublicKey> out;
    out.reserve(a.size());
    for (const auto& e : a) {
      if (!e.is_string()) return fail(key, wire_errc::wrong_type);
      auto p = deserialize_public_key(e.as_string());
      if (!p) return fail(key, p.error());
      out.push_back(*p);
    }
    auto sorted = out;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
      return fail(key, wire_errc::duplicate_signer);
    return out;
  }

 private:
  const json::Object* m_obj = nullptr;
  std::string* m_bad;
};

json::Value num(std::int64_t i) { return json::Value(i); }
json::Value num(std::size_t i) { return json::Value(static_cast<std::uint64_t>(i)); }

json::Value key_array(const std::vector<PublicKey>& keys) {
  json::Array a;
  a.reserve(keys.size());
  for (const auto& k : keys) a.emplace_back(serialize_point(k));
  return a;
}

std::string sig_hex(const Signature64& s) { return hex_of(BytesView(s.data(), s.size())); }
std::string b32_hex(const Bytes32& b) { return hex_of(BytesView(b.data(), b.size())); }

}  // namespace

// ---- field encodings ----------------------------------------------------------------------

std::string serialize_point(const PublicKey& p) { return hex_of(BytesView(p.data(), p.size())); }

Result<PublicKey> deserialize_point(std::string_view hex) {
  auto b = decode_hex(hex);
  if (!b) return b.error();
  return point_from_bytes(*b);
}

Result<PublicKey> deserialize_public_key(std::string_view hex) {
  auto b = decode_hex(hex);
  if (!b) return b.error();
  if (b->size() == 65) return wire_errc::uncompressed_public_key;
  return point_from_bytes(*b);
}

json::Value serialize_public_nonce(const PublicNonce& n) {
  json::Object o;
  o.set("R1", serialize_point(n.r1));
  o.set("R2", serialize_point(n.r2));
  return o;
}

Result<PublicNonce> deserialize_public_nonce(const json::Value& v, std::string* bad_field) {
  Reader r(v, bad_field);
  if (!r.is_object()) return r.fail("publicNonce", wire_errc::not_an_object);
  LOTUS_TRY(r1, r.point("R1"));
  LOTUS_TRY(r2, r.point("R2"));
  return PublicNonce{r1, r2};
}

std::string serialize_scalar(const Bytes32& s) { return b32_hex(s); }

Result<Bytes32> deserialize_scalar(std::string_view hex) {
  auto b = decode_hex(hex);
  if (!b) return b.error();
  if (b->size() > 32) return wire_errc::invalid_length;
  Bytes32 out{};
  std::copy(b->begin(), b->end(), out.begin() + static_cast<std::ptrdiff_t>(32 - b->size()));
  return out;
}

Result<Bytes32> deserialize_partial_sig(std::string_view hex) {
  auto s = deserialize_scalar(hex);
  if (!s) return s.error();
  auto checked = ls::parse_partial_signature(BytesView(s->data(), s->size()));
  if (!checked) return wire_errc::scalar_out_of_range;
  return *s;
}

std::string serialize_message(BytesView m) { return hex_of(m); }

Result<Bytes> deserialize_message(std::string_view hex) { return decode_hex(hex, /*allow_empty=*/true); }

Result<Signature64> deserialize_signature(std::string_view hex) {
  auto b = decode_hex(hex);
  if (!b) return b.error();
  if (b->size() != 64) return wire_errc::invalid_length;
  if (!ls::Signature::parse(*b)) return wire_errc::invalid_signature;
  Signature64 out{};
  std::copy(b->begin(), b->end(), out.begin());
  return out;
}

// ---- transaction types, criteria ----------------------------------------------------------

std::string_view to_string(TransactionType t) noexcept {
  switch (t) {
    case TransactionType::spend: return "spend";
    case TransactionType::swap: return "swap";
    case TransactionType::coinjoin: return "coinjoin";
    case TransactionType::custody: return "custody";
    case TransactionType::escrow: return "escrow";
    case TransactionType::channel: return "channel";
  }
  return "spend";
}

Result<TransactionType> parse_transaction_type(std::string_view s) {
  for (auto t : {TransactionType::spend, TransactionType::swap, TransactionType::coinjoin, TransactionType::custody,
                 TransactionType::escrow, TransactionType::channel})
    if (to_string(t) == s) return t;
  return wire_errc::unknown_transaction_type;
}

json::Value SignerCriteria::to_json() const {
  json::Object o;
  json::Array types;
  for (auto t : transaction_types) types.emplace_back(std::string(to_string(t)));
  o.set("transactionTypes", std::move(types));
  if (min_amount) o.set("minAmount", num(*min_amount));
  if (max_amount) o.set("maxAmount", num(*max_amount));
  return o;
}

namespace {

Result<SignerCriteria> parse_criteria(const json::Value& v, std::string* bad_field) {
  Reader r(v, bad_field);
  if (!r.is_object()) return r.fail("criteria", wire_errc::not_an_object);
  SignerCriteria c;
  const json::Value* types = r.get("transactionTypes");
  if (!types) return r.fail("transactionTypes", wire_errc::missing_field);
  if (!types->is_array()) return r.fail("transactionTypes", wire_errc::wrong_type);
  if (types->as_array().size() > 6) return r.fail("transactionTypes", wire_errc::too_many_items);
  for (const auto& t : types->as_array()) {
    if (!t.is_string()) return r.fail("transactionTypes", wire_errc::wrong_type);
    auto tt = parse_transaction_type(t.as_string());
    if (!tt) return r.fail("transactionTypes", tt.error());
    if (std::find(c.transaction_types.begin(), c.transaction_types.end(), *tt) != c.transaction_types.end())
      return r.fail("transactionTypes", wire_errc::inconsistent);
    c.transaction_types.push_back(*tt);
  }
  if (r.get("minAmount")) {
    LOTUS_TRY(a, r.integer("minAmount"));
    c.min_amount = a;
  }
  if (r.get("maxAmount")) {
    LOTUS_TRY(a, r.integer("maxAmount"));
    c.max_amount = a;
  }
  if (c.min_amount && c.max_amount && *c.min_amount > *c.max_amount)
    return r.fail("maxAmount", wire_errc::invalid_amount_range);
  return c;
}

}  // namespace

// ---- signer advertisement -----------------------------------------------------------------

std::string SignerAdvertisement::criteria_text() const {
  return json::stringify(wire_criteria ? *wire_criteria : criteria.to_json());
}

json::Value SignerAdvertisement::build() const {
  json::Object o;
  o.set("peerId", peer_id);
  json::Array addrs;
  for (const auto& a : multiaddrs) addrs.emplace_back(a);
  o.set("multiaddrs", std::move(addrs));
  o.set("publicKey", serialize_point(public_key));
  o.set("criteria", wire_criteria ? *wire_criteria : criteria.to_json());
  if (metadata) o.set("metadata", *metadata);
  o.set("timestamp", num(timestamp));
  o.set("expiresAt", num(expires_at));
  o.set("signature", sig_hex(signature));
  return o;
}

Result<SignerAdvertisement> parse_signer_advertisement(const json::Value& v, std::string* bad_field) {
  Reader r(v, bad_field);
  if (!r.is_object()) return r.fail("payload", wire_errc::not_an_object);
  SignerAdvertisement a;
  LOTUS_TRY(peer, r.string("peerId", kMaxPeerIdChars));
  a.peer_id = std::move(peer);
  const json::Value* addrs = r.get("multiaddrs");
  if (!addrs) return r.fail("multiaddrs", wire_errc::missing_field);
  if (!addrs->is_array()) return r.fail("multiaddrs", wire_errc::wrong_type);
  if (addrs->as_array().size() > kMaxMultiaddrs) return r.fail("multiaddrs", wire_errc::too_many_items);
  for (const auto& m : addrs->as_array()) {
    if (!m.is_string()) return r.fail("multiaddrs", wire_errc::wrong_type);
    if (m.as_string().empty()) return r.fail("multiaddrs", wire_errc::empty_string);
    if (m.as_string().size() > kMaxMultiaddrChars) return r.fail("multiaddrs", wire_errc::string_too_long);
    a.multiaddrs.push_back(m.as_string());
  }
  LOTUS_TRY(pk, r.point("publicKey"));
  a.public_key = pk;
  const json::Value* crit = r.get("criteria");
  if (!crit) return r.fail("criteria", wire_errc::missing_field);
  LOTUS_TRY(c, parse_criteria(*crit, bad_field));
  a.criteria = std::move(c);
  a.wire_criteria = *crit;
  LOTUS_TRY(meta, r.optional_object("metadata"));
  a.metadata = std::move(meta);
  LOTUS_TRY(ts, r.integer("timestamp"));
  a.timestamp = ts;
  LOTUS_TRY(exp, r.integer("expiresAt"));
  a.expires_at = exp;
  if (a.expires_at < a.timestamp) return r.fail("expiresAt", wire_errc::inconsistent);
  LOTUS_TRY(sig, r.signature("signature"));
  a.signature = sig;
  return a;
}

// ---- signer unavailable -------------------------------------------------------------------

json::Value SignerUnavailable::build() const {
  json::Object o;
  o.set("peerId", peer_id);
  o.set("publicKey", serialize_point(public_key));
  return o;
}

Result<SignerUnavailable> parse_signer_unavailable(const json::Value& v, std::string* bad_field) {
  Reader r(v, bad_field);
  if (!r.is_object()) return r.fail("payload", wire_errc::not_an_object);
  LOTUS_TRY(peer, r.string("peerId", kMaxPeerIdChars));
  LOTUS_TRY(pk, r.point("publicKey"));
  return SignerUnavailable{std::move(peer), pk};
}

// ---- participant joined -------------------------------------------------------------------

json::Value ParticipantJoined::build() const {
  json::Object o;
  o.set("requestId", request_id);
  o.set("participantIndex", num(participant_index));
  o.set("participantPeerId", participant_peer_id);
  o.set("participantPublicKey", serialize_point(participant_public_key));
  o.set("timestamp", num(timestamp));
  o.set("signature", sig_hex(signature));
  return o;
}

Result<ParticipantJoined> parse_participant_joined(const json::Value& v, std::string* bad_field) {
  Reader r(v, bad_field);
  if (!r.is_object()) return r.fail("payload", wire_errc::not_an_object);
  ParticipantJoined p;
  LOTUS_TRY(id, r.id("requestId", 64));
  p.request_id = std::move(id);
  LOTUS_TRY(idx, r.integer("participantIndex", static_cast<std::int64_t>(kMaxWireSigners) - 1));
  p.participant_index = static_cast<std::size_t>(idx);
  LOTUS_TRY(peer, r.string("participantPeerId", kMaxPeerIdChars));
  p.participant_peer_id = std::move(peer);
  LOTUS_TRY(pk, r.point("participantPublicKey"));
  p.participant_public_key = pk;
  LOTUS_TRY(ts, r.integer("timestamp"));
  p.timestamp = ts;
  LOTUS_TRY(sig, r.signature("signature"));
  p.signature = sig;
  return p;
}

// ---- signing request ----------------------------------------------------------------------

json::Value SigningRequest::build() const {
  json::Object o;
  o.set("requestId", request_id);
  o.set("requiredPublicKeys", key_array(required_public_keys));
  o.set("message", b32_hex(message));
  o.set("creatorPeerId", creator_peer_id);
  o.set("creatorPublicKey", serialize_point(creator_public_key));
  o.set("createdAt", num(created_at));
  o.set("expiresAt", num(expires_at));
  if (metadata) o.set("metadata", *metadata);
  o.set("creatorSignature", sig_hex(creator_signature));
  o.set("creatorParticipation", creator_participation.build());
  return o;
}

Result<SigningRequest> parse_signing_request(const json::Value& v, std::string* bad_field) {
  Reader r(v, bad_field);
  if (!r.is_object()) return r.fail("payload", wire_errc::not_an_object);
  SigningRequest q;
  LOTUS_TRY(id, r.id("requestId", 64));
  q.request_id = std::move(id);
  LOTUS_TRY(keys, r.key_list("requiredPublicKeys"));
  q.required_public_keys = std::move(keys);
  LOTUS_TRY(msg, r.message("message"));
  q.message = msg;
  LOTUS_TRY(peer, r.string("creatorPeerId", kMaxPeerIdChars));
  q.creator_peer_id = std::move(peer);
  LOTUS_TRY(pk, r.point("creatorPublicKey"));
  q.creator_public_key = pk;
  LOTUS_TRY(created, r.integer("createdAt"));
  q.created_at = created;
  LOTUS_TRY(exp, r.integer("expiresAt"));
  q.expires_at = exp;
  if (q.expires_at < q.created_at) return r.fail("expiresAt", wire_errc::inconsistent);
  LOTUS_TRY(meta, r.optional_object("metadata"));
  q.metadata = std::move(meta);
  LOTUS_TRY(sig, r.signature("creatorSignature"));
  q.creator_signature = sig;
  const json::Value* part = r.get("creatorParticipation");
  if (!part) return r.fail("creatorParticipation", wire_errc::missing_field);
  std::string inner;
  auto p = parse_participant_joined(*part, &inner);
  if (!p) return r.fail("creatorParticipation." + inner, p.error());
  q.creator_participation = std::move(*p);
  // Ours: the creator is one of the signers, and its participation says so.
  const auto it = std::find(q.required_public_keys.begin(), q.required_public_keys.end(), q.creator_public_key);
  if (it == q.required_public_keys.end()) return r.fail("creatorPublicKey", wire_errc::inconsistent);
  const auto creator_index = static_cast<std::size_t>(it - q.required_public_keys.begin());
  const auto& cp = q.creator_participation;
  if (cp.request_id != q.request_id || cp.participant_index != creator_index ||
      cp.participant_public_key != q.creator_public_key || cp.participant_peer_id != q.creator_peer_id)
    return r.fail("creatorParticipation", wire_errc::inconsistent);
  return q;
}

// ---- session ready / join -----------------------------------------------------------------

json::Value SessionReady::build() const {
  json::Object o;
  o.set("requestId", request_id);
  o.set("sessionId", session_id);
  o.set("participantIndex", num(participant_index));
  o.set("participantPeerId", participant_peer_id);
  return o;
}

Result<SessionReady> parse_session_ready(const json::Value& v, std::string* bad_field) {
  Reader r(v, bad_field);
  if (!r.is_object()) return r.fail("payload", wire_errc::not_an_object);
  SessionReady s;
  LOTUS_TRY(rid, r.id("requestId", 64));
  s.request_id = std::move(rid);
  LOTUS_TRY(sid, r.id("sessionId", 16));
  s.session_id = std::move(sid);
  LOTUS_TRY(idx, r.integer("participantIndex", static_cast<std::int64_t>(kMaxWireSigners) - 1));
  s.participant_index = static_cast<std::size_t>(idx);
  LOTUS_TRY(peer, r.string("participantPeerId", kMaxPeerIdChars));
  s.participant_peer_id = std::move(peer);
  return s;
}

json::Value SessionJoin::build() const {
  json::Object o;
  o.set("sessionId", session_id);
  o.set("signerIndex", num(signer_index));
  o.set("sequenceNumber", num(sequence_number));
  o.set("timestamp", num(timestamp));
  o.set("publicKey", serialize_point(public_key));
  return o;
}

namespace {
// sessionId, signerIndex, sequenceNumber: common head of the round messages.
struct RoundHead {
  std::string session_id;
  std::size_t signer_index = 0;
  std::int64_t sequence_number = 0;
};
Result<RoundHead> read_head(Reader& r) {
  RoundHead h;
  LOTUS_TRY(sid, r.id("sessionId", 16));
  h.session_id = std::move(sid);
  LOTUS_TRY(idx, r.integer("signerIndex", static_cast<std::int64_t>(kMaxWireSigners) - 1));
  h.signer_index = static_cast<std::size_t>(idx);
  LOTUS_TRY(seq, r.integer("sequenceNumber"));
  h.sequence_number = seq;
  return h;
}
}  // namespace

Result<SessionJoin> parse_session_join(const json::Value& v, std::string* bad_field) {
  Reader r(v, bad_field);
  if (!r.is_object()) return r.fail("payload", wire_errc::not_an_object);
  LOTUS_TRY(h, read_head(r));
  LOTUS_TRY(ts, r.integer("timestamp"));
  LOTUS_TRY(pk, r.point("publicKey"));
  return SessionJoin{std::move(h.session_id), h.signer_index, h.sequence_number, ts, pk};
}

// ---- rounds -------------------------------------------------------------------------------

json::Value NonceCommit::build() const {
  json::Object o;
  o.set("sessionId", session_id);
  o.set("signerIndex", num(signer_index));
  o.set("sequenceNumber", num(sequence_number));
  o.set("commitment", b32_hex(commitment));
  return o;
}

Result<NonceCommit> parse_nonce_commit(const json::Value& v, std::string* bad_field) {
  Reader r(v, bad_field);
  if (!r.is_object()) return r.fail("payload", wire_errc::not_an_object);
  LOTUS_TRY(h, read_head(r));
  LOTUS_TRY(c, r.bytes32("commitment"));
  return NonceCommit{std::move(h.session_id), h.signer_index, h.sequence_number, c};
}

json::Value NonceShare::build() const {
  json::Object o;
  o.set("sessionId", session_id);
  o.set("signerIndex", num(signer_index));
  o.set("sequenceNumber", num(sequence_number));
  o.set("timestamp", num(timestamp));
  o.set("publicNonce", serialize_public_nonce(public_nonce));
  return o;
}

Result<NonceShare> parse_nonce_share(const json::Value& v, std::string* bad_field) {
  Reader r(v, bad_field);
  if (!r.is_object()) return r.fail("payload", wire_errc::not_an_object);
  LOTUS_TRY(h, read_head(r));
  LOTUS_TRY(ts, r.integer("timestamp"));
  const json::Value* n = r.get("publicNonce");
  if (!n) return r.fail("publicNonce", wire_errc::missing_field);
  std::string inner;
  auto nonce = deserialize_public_nonce(*n, &inner);
  if (!nonce) return r.fail(n->is_object() ? "publicNonce." + inner : std::string("publicNonce"), nonce.error());
  return NonceShare{std::move(h.session_id), h.signer_index, h.sequence_number, ts, *nonce};
}

json::Value PartialSigShare::build() const {
  json::Object o;
  o.set("sessionId", session_id);
  o.set("signerIndex", num(signer_index));
  o.set("sequenceNumber", num(sequence_number));
  o.set("timestamp", num(timestamp));
  o.set("partialSig", serialize_scalar(partial_sig));
  return o;
}

Result<PartialSigShare> parse_partial_sig_share(const json::Value& v, std::string* bad_field) {
  Reader r(v, bad_field);
  if (!r.is_object()) return r.fail("payload", wire_errc::not_an_object);
  LOTUS_TRY(h, read_head(r));
  LOTUS_TRY(ts, r.integer("timestamp"));
  LOTUS_TRY(text, r.string("partialSig", 64));
  auto s = deserialize_partial_sig(text);
  if (!s) return r.fail("partialSig", s.error());
  return PartialSigShare{std::move(h.session_id), h.signer_index, h.sequence_number, ts, *s};
}

// ---- abort / validation error -------------------------------------------------------------

json::Value SessionAbort::build() const {
  json::Object o;
  o.set("sessionId", session_id);
  o.set("reason", reason);
  return o;
}

Result<SessionAbort> parse_session_abort(const json::Value& v, std::string* bad_field) {
  Reader r(v, bad_field);
  if (!r.is_object()) return r.fail("payload", wire_errc::not_an_object);
  LOTUS_TRY(sid, r.id("sessionId", 16));
  LOTUS_TRY(reason, r.string("reason", kMaxReasonChars));
  return SessionAbort{std::move(sid), std::move(reason)};
}

json::Value ValidationError::build() const {
  json::Object o;
  o.set("sessionId", session_id);
  o.set("error", error);
  o.set("code", "VALIDATION_ERROR");
  return o;
}

Result<ValidationError> parse_validation_error(const json::Value& v, std::string* bad_field) {
  Reader r(v, bad_field);
  if (!r.is_object()) return r.fail("payload", wire_errc::not_an_object);
  LOTUS_TRY(sid, r.id("sessionId", 16));
  LOTUS_TRY(err, r.string("error", kMaxReasonChars));
  LOTUS_TRY(code, r.string("code", 64));
  if (code != "VALIDATION_ERROR") return r.fail("code", wire_errc::invalid_code);
  return ValidationError{std::move(sid), std::move(err)};
}

// ---- session announcement -----------------------------------------------------------------

json::Value SessionAnnouncement::build() const {
  json::Object o;
  o.set("sessionId", session_id);
  o.set("signers", key_array(signers));
  o.set("creatorIndex", num(creator_index));
  o.set("message", b32_hex(message));
  o.set("requiredSigners", num(required_signers));
  if (metadata) o.set("metadata", *metadata);
  if (election) {
    json::Object e;
    e.set("coordinatorIndex", num(election->coordinator_index));
    e.set("electionMethod", std::string(to_string(election->method)));
    e.set("electionProof", b32_hex(election->proof));
    o.set("election", std::move(e));
  }
  o.set("creatorSignature", sig_hex(creator_signature));
  return o;
}

Result<SessionAnnouncement> parse_session_announcement(const json::Value& v, std::string* bad_field) {
  Reader r(v, bad_field);
  if (!r.is_object()) return r.fail("payload", wire_errc::not_an_object);
  SessionAnnouncement a;
  LOTUS_TRY(sid, r.id("sessionId", 16));
  a.session_id = std::move(sid);
  LOTUS_TRY(signers, r.key_list("signers"));
  if (!std::is_sorted(signers.begin(), signers.end())) return r.fail("signers", wire_errc::signers_not_sorted);
  a.signers = std::move(signers);
  const auto max_index = static_cast<std::int64_t>(a.signers.size()) - 1;
  LOTUS_TRY(ci, r.integer("creatorIndex", max_index));
  a.creator_index = static_cast<std::size_t>(ci);
  LOTUS_TRY(msg, r.message("message"));
  a.message = msg;
  LOTUS_TRY(req, r.integer("requiredSigners"));
  if (static_cast<std::size_t>(req) != a.signers.size()) return r.fail("requiredSigners", wire_errc::inconsistent);
  a.required_signers = static_cast<std::size_t>(req);
  LOTUS_TRY(meta, r.optional_object("metadata"));
  a.metadata = std::move(meta);
  if (const json::Value* e = r.get("election")) {
    if (!e->is_object()) return r.fail("election", wire_errc::not_an_object);
    Reader er(*e, bad_field);
    SessionElection el;
    LOTUS_TRY(idx, er.integer("coordinatorIndex", max_index));
    el.coordinator_index = static_cast<std::size_t>(idx);
    LOTUS_TRY(method, er.string("electionMethod", 64));
    auto m = parse_election_method(method);
    if (!m) return er.fail("electionMethod", wire_errc::unknown_election_method);
    el.method = *m;
    LOTUS_TRY(proof, er.bytes32("electionProof"));
    el.proof = proof;
    a.election = el;
  }
  LOTUS_TRY(sig, r.signature("creatorSignature"));
  a.creator_signature = sig;
  return a;
}

// ---- directory index ----------------------------------------------------------------------

json::Value DirectoryIndexEntry::build() const {
  json::Object o;
  o.set("publicKey", serialize_point(public_key));
  o.set("peerId", peer_id);
  o.set("transactionType", std::string(to_string(transaction_type)));
  o.set("timestamp", num(timestamp));
  o.set("signature", sig_hex(signature));
  return o;
}

json::Value DirectoryIndex::build() const {
  json::Object o;
  json::Array a;
  a.reserve(entries.size());
  for (const auto& e : entries) a.push_back(e.build());
  o.set("entries", std::move(a));
  o.set("lastUpdated", num(last_updated));
  o.set("version", num(version));
  return o;
}

Result<DirectoryIndex> parse_directory_index(const json::Value& v, std::string* bad_field) {
  Reader r(v, bad_field);
  if (!r.is_object()) return r.fail("payload", wire_errc::not_an_object);
  DirectoryIndex d;
  const json::Value* entries = r.get("entries");
  if (!entries) return r.fail("entries", wire_errc::missing_field);
  if (!entries->is_array()) return r.fail("entries", wire_errc::wrong_type);
  if (entries->as_array().size() > kMaxDirectoryEntries) return r.fail("entries", wire_errc::too_many_items);
  for (const auto& ev : entries->as_array()) {
    Reader er(ev, bad_field);
    if (!er.is_object()) return r.fail("entries", wire_errc::not_an_object);
    DirectoryIndexEntry e;
    LOTUS_TRY(pk, er.point("publicKey"));
    e.public_key = pk;
    LOTUS_TRY(peer, er.string("peerId", kMaxPeerIdChars));
    e.peer_id = std::move(peer);
    LOTUS_TRY(tt, er.string("transactionType", 64));
    auto t = parse_transaction_type(tt);
    if (!t) return er.fail("transactionType", t.error());
    e.transaction_type = *t;
    LOTUS_TRY(ts, er.integer("timestamp"));
    e.timestamp = ts;
    LOTUS_TRY(sig, er.signature("signature"));
    e.signature = sig;
    d.entries.push_back(std::move(e));
  }
  LOTUS_TRY(lu, r.integer("lastUpdated"));
  d.last_updated = lu;
  LOTUS_TRY(ver, r.integer("version"));
  d.version = ver;
  return d;
}

}  // namespace lotus::musig2
