#include "node/control_dht.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>

#include "dht/dht.hpp"
#include "multiformats/cid.hpp"
#include "multiformats/peer_id.hpp"
#include "runtime/asio.hpp"

namespace lotus::node {

const std::error_category& control_category() noexcept {
  static const TableCategory cat("control", {
      {static_cast<int>(control_errc::bad_request), "missing or ill-typed request field"},
      {static_cast<int>(control_errc::bad_base64), "field is not valid base64"},
      {static_cast<int>(control_errc::bad_peer_id), "peer id does not parse"},
      {static_cast<int>(control_errc::bad_cid), "CID does not parse"},
  });
  return cat;
}

namespace {
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}  // namespace

std::string base64_encode(BytesView in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
    for (int s = 18; s >= 0; s -= 6) out.push_back(kB64[(v >> s) & 63]);
  }
  if (const std::size_t rest = in.size() - i; rest > 0) {
    std::uint32_t v = std::uint32_t{in[i]} << 16;
    if (rest == 2) v |= std::uint32_t{in[i + 1]} << 8;
    out.push_back(kB64[(v >> 18) & 63]);
    out.push_back(kB64[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kB64[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

Result<Bytes> base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return control_errc::bad_base64;
  Bytes out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const char* p = std::find(kB64, kB64 + 64, c);
    if (p == kB64 + 64) return control_errc::bad_base64;
    acc = (acc << 6) | static_cast<std::uint32_t>(p - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xff));
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) return control_errc::bad_base64;  // non-canonical tail
  return out;
}

namespace {

// Strict UTF-8 (no overlongs, surrogates or code points above U+10FFFF): what Json::dump accepts.
bool valid_utf8(BytesView v) {
  std::size_t i = 0;
  while (i < v.size()) {
    const std::uint8_t c = v[i];
    std::size_t n = 0;
    std::uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c < 0x80) {
      n = 0;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (v.size() - i - 1 < n) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const std::uint8_t x = v[i + k];
      if (k == 1 ? (x < lo || x > hi) : (x & 0xC0) != 0x80) return false;
    }
    i += n + 1;
  }
  return true;
}

Bytes utf8(const std::string& s) { return Bytes(s.begin(), s.end()); }

// A string field as bytes, or its *_b64 variant decoded.
Result<Bytes> bytes_field(const Json& req, const std::string& name) {
  if (auto it = req.find(name); it != req.end()) {
    if (!it->is_string()) return control_errc::bad_request;
    return utf8(it->get<std::string>());
  }
  if (auto it = req.find(name + "_b64"); it != req.end()) {
    if (!it->is_string()) return control_errc::bad_request;
    return base64_decode(it->get<std::string>());
  }
  return control_errc::bad_request;
}

// Provider key: "key" / "key_b64", or the multihash of "cid".
Result<Bytes> content_key(const Json& req) {
  if (auto it = req.find("cid"); it != req.end()) {
    if (!it->is_string()) return control_errc::bad_request;
    auto cid = mf::Cid::parse(it->get<std::string>());
    if (!cid) return control_errc::bad_cid;
    return cid->multihash();
  }
  return bytes_field(req, "key");
}

Json stats_json(const dht::QueryStats& s) {
  return Json{{"hops", s.hops},
              {"queried", s.queried},
              {"rpcs", s.rpcs},
              {"failures", s.failures},
              {"elapsed_ms", std::chrono::duration_cast<std::chrono::milliseconds>(s.elapsed).count()}};
}

Json peer_json(const proto::kad::PeerInfo& p) {
  Json addrs = Json::array();
  for (const auto& a : p.addrs) addrs.push_back(a.to_string());
  return Json{{"id", p.id.to_string()}, {"addrs", addrs}};
}

Json put_json(const dht::PutResult& r) {
  return Json{{"stored", r.stored}, {"attempted", r.attempted}, {"stats", stats_json(r.stats)}};
}

}  // namespace

void register_dht_methods(ControlRouter& router, dht::Dht& dht) {
  dht::Dht* d = &dht;
  router.add({"dht.put", "store a value under a key in the DHT",
              [d](Json req) -> asio::awaitable<Result<Json>> {
                auto key = bytes_field(req, "key");
                if (!key) co_return key.error();
                auto value = bytes_field(req, "value");
                if (!value) co_return value.error();
                auto r = co_await d->put_value(std::move(*key), std::move(*value));
                if (!r) co_return r.error();
                co_return put_json(*r);
              },
              {}});
  router.add({"dht.get", "fetch the best value for a key from the DHT",
              [d](Json req) -> asio::awaitable<Result<Json>> {
                auto key = bytes_field(req, "key");
                if (!key) co_return key.error();
                auto r = co_await d->get_value(*key);
                if (!r) co_return r.error();
                Json out{{"key_b64", base64_encode(*key)},
                         {"value_b64", base64_encode(r->record.value)},
                         {"records_seen", r->records_seen},
                         {"corrected", r->corrected},
                         {"stats", stats_json(r->stats)}};
                if (valid_utf8(*key)) out["key"] = std::string(key->begin(), key->end());
                if (valid_utf8(r->record.value)) out["value"] = std::string(r->record.value.begin(), r->record.value.end());
                co_return out;
              },
              {}});
  router.add({"dht.provide", "announce this node as a provider of a key",
              [d](Json req) -> asio::awaitable<Result<Json>> {
                auto key = content_key(req);
                if (!key) co_return key.error();
                auto r = co_await d->provide(std::move(*key));
                if (!r) co_return r.error();
                co_return put_json(*r);
              },
              {}});
  router.add({"dht.findprovs", "find providers of a key",
              [d](Json req) -> asio::awaitable<Result<Json>> {
                auto key = content_key(req);
                if (!key) co_return key.error();
                std::size_t limit = 20;
                if (auto it = req.find("limit"); it != req.end()) {
                  // JSON integers parse as signed or unsigned depending on the producer.
                  if (!it->is_number_integer() || it->get<std::int64_t>() < 1 || it->get<std::int64_t>() > 1000)
                    co_return control_errc::bad_request;
                  limit = static_cast<std::size_t>(it->get<std::int64_t>());
                }
                auto r = co_await d->find_providers(std::move(*key), limit);
                if (!r) co_return r.error();
                Json provs = Json::array();
                for (const auto& p : r->providers) provs.push_back(peer_json(p));
                co_return Json{{"providers", provs}, {"stats", stats_json(r->stats)}};
              },
              {}});
  router.add({"dht.findpeer", "find the addresses of a peer",
              [d](Json req) -> asio::awaitable<Result<Json>> {
                auto it = req.find("peer");
                if (it == req.end() || !it->is_string()) co_return control_errc::bad_request;
                auto peer = mf::PeerId::parse(it->get<std::string>());
                if (!peer) co_return control_errc::bad_peer_id;
                auto r = co_await d->find_peer(*peer);
                if (!r) co_return r.error();
                Json out = peer_json(r->peer);
                out["stats"] = stats_json(r->stats);
                co_return out;
              },
              {}});
}

}  // namespace lotus::node
