#include "coordinator/message.hpp"

#include <algorithm>
#include <cmath>

#include "base/hex.hpp"
#include "crypto/hash.hpp"

namespace lotus::coordinator {

const std::error_category& message_category() noexcept {
  static const TableCategory cat("p2p-message", {
      {static_cast<int>(message_errc::not_json), "p2p message: not JSON text"},
      {static_cast<int>(message_errc::too_deep), "p2p message: JSON nests too deep"},
      {static_cast<int>(message_errc::not_an_object), "p2p message: not a JSON object"},
      {static_cast<int>(message_errc::invalid_type), "p2p message: type missing, not a string or empty"},
      {static_cast<int>(message_errc::invalid_from), "p2p message: from missing, not a string or empty"},
      {static_cast<int>(message_errc::invalid_message_id), "p2p message: messageId missing, not a string or empty"},
      {static_cast<int>(message_errc::invalid_timestamp), "p2p message: timestamp missing, not a number or zero"},
      {static_cast<int>(message_errc::clock_skew), "p2p message: timestamp outside the allowed clock skew"},
      {static_cast<int>(message_errc::invalid_to), "p2p message: to is not a string"},
      {static_cast<int>(message_errc::invalid_protocol), "p2p message: protocol is not a string"},
      {static_cast<int>(message_errc::too_large), "p2p message: larger than the size limit"},
      {static_cast<int>(message_errc::empty), "p2p message: empty stream"},
  });
  return cat;
}

std::string to_base36(std::int64_t v) {
  if (v <= 0) return v == 0 ? "0" : "-" + to_base36(-v);
  std::string out;
  while (v > 0) {
    const auto d = static_cast<int>(v % 36);
    out.push_back(static_cast<char>(d < 10 ? '0' + d : 'a' + d - 10));
    v /= 36;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::string make_message_id(std::int64_t now_ms, Rng& rng) {
  std::uint8_t rnd[8];
  rng.fill(rnd);
  return to_base36(now_ms) + "-" + to_hex(rnd);
}

json::Value buffer_json(BytesView bytes) {
  json::Array data;
  data.reserve(bytes.size());
  for (auto b : bytes) data.emplace_back(static_cast<int>(b));
  json::Object o;
  o.set("type", "Buffer");
  o.set("data", std::move(data));
  return o;
}

P2PMessage create_message(std::string type, json::Value payload, std::string from, std::int64_t now_ms,
                          Rng& rng, MessageOptions options) {
  P2PMessage m;
  m.type = std::move(type);
  m.from = std::move(from);
  m.to = std::move(options.to);
  m.payload = std::move(payload);
  m.timestamp = static_cast<double>(now_ms);
  m.message_id = make_message_id(now_ms, rng);
  if (options.signature) m.signature = buffer_json(*options.signature);
  m.protocol = std::move(options.protocol);
  return m;
}

P2PMessage create_handshake(const std::string& peer_id, std::optional<json::Value> metadata,
                            std::int64_t now_ms, Rng& rng) {
  json::Object p;
  p.set("peerId", peer_id);
  p.set("timestamp", now_ms);
  if (metadata) p.set("metadata", std::move(*metadata));
  return create_message(std::string(message_type::peer_handshake), std::move(p), peer_id, now_ms, rng);
}

P2PMessage create_heartbeat(const std::string& peer_id, std::int64_t now_ms, Rng& rng) {
  json::Object p;
  p.set("timestamp", now_ms);
  return create_message(std::string(message_type::peer_heartbeat), std::move(p), peer_id, now_ms, rng);
}

P2PMessage create_disconnect(const std::string& peer_id, std::optional<std::string> reason,
                             std::int64_t now_ms, Rng& rng) {
  json::Object p;
  if (reason) p.set("reason", std::move(*reason));
  p.set("timestamp", now_ms);
  return create_message(std::string(message_type::peer_disconnect), std::move(p), peer_id, now_ms, rng);
}

P2PMessage create_error(const std::string& peer_id, std::string error, std::optional<json::Value> context,
                        std::int64_t now_ms, Rng& rng) {
  json::Object p;
  p.set("error", std::move(error));
  if (context) p.set("context", std::move(*context));
  p.set("timestamp", now_ms);
  return create_message(std::string(message_type::error), std::move(p), peer_id, now_ms, rng);
}

void serialize_to(std::string& out, const P2PMessage& m) {
  // Direct emission in wire order (no intermediate object): the hot path of every send.
  out += "{\"type\":";
  json::quote_to(out, m.type);
  out += ",\"from\":";
  json::quote_to(out, m.from);
  if (m.to) {
    out += ",\"to\":";
    json::quote_to(out, *m.to);
  }
  if (m.payload) {
    out += ",\"payload\":";
    json::stringify_to(out, *m.payload);
  }
  out += ",\"timestamp\":";
  json::number_to(out, m.timestamp);
  out += ",\"messageId\":";
  json::quote_to(out, m.message_id);
  if (m.signature) {
    out += ",\"signature\":";
    json::stringify_to(out, *m.signature);
  }
  if (m.protocol) {
    out += ",\"protocol\":";
    json::quote_to(out, *m.protocol);
  }
  out.push_back('}');
}

std::string serialize(const P2PMessage& m) {
  std::string out;
  serialize_to(out, m);
  return out;
}

json::Value to_json(const P2PMessage& m) {
  json::Object o;
  o.set("type", m.type);
  o.set("from", m.from);
  if (m.to) o.set("to", *m.to);
  if (m.payload) o.set("payload", *m.payload);
  o.set("timestamp", m.timestamp);
  o.set("messageId", m.message_id);
  if (m.signature) o.set("signature", *m.signature);
  if (m.protocol) o.set("protocol", *m.protocol);
  return o;
}

namespace {

bool non_empty_string(const json::Value* v) { return v && v->is_string() && !v->as_string().empty(); }

}  // namespace

Result<P2PMessage> from_json(const json::Value& v) {
  if (!v.is_object()) return message_errc::not_an_object;
  const auto* type = v.find("type");
  const auto* from = v.find("from");
  const auto* id = v.find("messageId");
  const auto* ts = v.find("timestamp");
  const auto* to = v.find("to");
  const auto* protocol = v.find("protocol");
  // The reference's order of checks: type, from, messageId, timestamp.
  if (!non_empty_string(type)) return message_errc::invalid_type;
  if (!non_empty_string(from)) return message_errc::invalid_from;
  if (!non_empty_string(id)) return message_errc::invalid_message_id;
  if (!ts || !ts->is_number() || ts->as_number() == 0) return message_errc::invalid_timestamp;
  if (to && !to->is_string()) return message_errc::invalid_to;
  if (protocol && !protocol->is_string()) return message_errc::invalid_protocol;
  P2PMessage m;
  m.type = type->as_string();
  m.from = from->as_string();
  if (to) m.to = to->as_string();
  if (const auto* p = v.find("payload")) m.payload = *p;
  m.timestamp = ts->as_number();
  m.message_id = id->as_string();
  if (const auto* s = v.find("signature")) m.signature = *s;
  if (protocol) m.protocol = protocol->as_string();
  return m;
}

Result<P2PMessage> parse_message(std::string_view text) {
  if (text.empty()) return message_errc::empty;
  auto v = json::parse(text);
  if (!v) return v.error() == json::errc::too_deep ? message_errc::too_deep : message_errc::not_json;
  return from_json(*v);
}

Status validate_message(const P2PMessage& m, std::int64_t now_ms, std::int64_t max_skew_ms) {
  if (m.type.empty()) return message_errc::invalid_type;
  if (m.from.empty()) return message_errc::invalid_from;
  if (m.message_id.empty()) return message_errc::invalid_message_id;
  if (m.timestamp == 0 || std::isnan(m.timestamp)) return message_errc::invalid_timestamp;
  if (!(std::fabs(static_cast<double>(now_ms) - m.timestamp) <= static_cast<double>(max_skew_ms)))
    return message_errc::clock_skew;
  return {};
}

Result<P2PMessage> deserialize_and_validate(std::string_view text, std::int64_t now_ms, std::int64_t max_skew_ms) {
  LOTUS_TRY(m, parse_message(text));
  LOTUS_CHECK(validate_message(m, now_ms, max_skew_ms));
  return m;
}

bool validate_message_size(const P2PMessage& m, std::size_t max_size) { return serialize(m).size() <= max_size; }

std::string compute_message_hash(const P2PMessage& m) {
  std::string data;
  data.reserve(m.type.size() + m.from.size() + (m.to ? m.to->size() : 0) + m.message_id.size());
  data += m.type;
  data += m.from;
  if (m.to) data += *m.to;
  data += m.message_id;
  const auto mac = crypto::hmac_sha256(as_bytes(kMessageHashKey), as_bytes(data));
  return to_hex(mac);
}

}  // namespace lotus::coordinator
