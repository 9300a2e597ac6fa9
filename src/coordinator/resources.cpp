#include "coordinator/resources.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "coordinator/json.hpp"
#include "coordinator/resource_validator.hpp"
#include "crypto/hash.hpp"

namespace lotus::coordinator {

const std::error_category& resource_category() noexcept {
  static const TableCategory cat("coordinator.resources", {
      {static_cast<int>(resource_errc::invalid_type), "resource type is empty or holds ':' or '/'"},
      {static_cast<int>(resource_errc::invalid_id), "resource id is empty or its key holds two '/'"},
      {static_cast<int>(resource_errc::invalid_data), "resource data is not one JSON value (or nests too deep)"},
      {static_cast<int>(resource_errc::value_too_large), "resource record exceeds the size limit"},
      {static_cast<int>(resource_errc::own_limit), "too many resources announced by this node"},
      {static_cast<int>(resource_errc::own_type_limit), "too many resources of this type announced by this node"},
      {static_cast<int>(resource_errc::refused), "resource announcement refused by the security manager"},
      {static_cast<int>(resource_errc::not_found), "no live resource under that key"},
      {static_cast<int>(resource_errc::malformed_record), "DHT record is not a resource announcement"},
      {static_cast<int>(resource_errc::mismatched_record), "DHT record does not match the key or provider it was found under"},
      {static_cast<int>(resource_errc::stopped), "the resource directory is stopping"},
  });
  return cat;
}

namespace {

using Json = nlohmann::ordered_json;
constexpr std::size_t kMaxDepth = 32;             // as the DHT's resource validator
constexpr std::size_t kMaxIndexEntries = 256;     // read from another node's index
constexpr double kMaxSafeInteger = 9007199254740992.0;  // 2^53


std::optional<Json> parse(std::string_view text) {
  if (json_depth(text) > kMaxDepth) return std::nullopt;
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

// Number, string and key order as JSON.stringify writes them: coordinator/json.
void js_number(double v, std::string& out) { json::number_to(out, v); }
void js_string_to(std::string_view s, std::string& out) { json::quote_to(out, s); }
std::optional<std::uint32_t> array_index(std::string_view k) {
  std::uint32_t index = 0;
  if (!json::is_array_index(k, &index)) return std::nullopt;
  return index;
}

void js_dump(const Json& j, std::string& out) {
  switch (j.type()) {
    case Json::value_t::null: out += "null"; break;
    case Json::value_t::boolean: out += j.get<bool>() ? "true" : "false"; break;
    case Json::value_t::number_integer: {
      const auto v = j.get<std::int64_t>();
      if (static_cast<double>(v) >= kMaxSafeInteger || static_cast<double>(v) <= -kMaxSafeInteger)
        js_number(static_cast<double>(v), out);  // JS reads it as the nearest double
      else
        out += std::to_string(v);
      break;
    }
    case Json::value_t::number_unsigned: {
      const auto v = j.get<std::uint64_t>();
      if (static_cast<double>(v) >= kMaxSafeInteger)
        js_number(static_cast<double>(v), out);
      else
        out += std::to_string(v);
      break;
    }
    case Json::value_t::number_float: js_number(j.get<double>(), out); break;
    case Json::value_t::string: js_string_to(j.get_ref<const std::string&>(), out); break;
    case Json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& e : j) {
        if (!first) out += ',';
        first = false;
        js_dump(e, out);
      }
      out += ']';
      break;
    }
    case Json::value_t::object: {
      // JS property order: array-index keys ("0" … "4294967294", canonical decimal) first in
      // ascending numeric order, then the other keys in insertion order (a duplicate key keeps
      // its first position and its last value, as JSON.parse does — so does ordered_json).
      const auto& members = j.get_ref<const Json::object_t&>();
      std::vector<std::pair<std::uint32_t, const Json::object_t::value_type*>> indexed;
      for (const auto& kv : members)
        if (auto n = array_index(kv.first)) indexed.emplace_back(*n, &kv);
      std::sort(indexed.begin(), indexed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      out += '{';
      bool first = true;
      auto member = [&](const Json::object_t::value_type& kv) {
        if (!first) out += ',';
        first = false;
        js_string_to(kv.first, out);
        out += ':';
        js_dump(kv.second, out);
      };
      for (const auto& [n, kv] : indexed) member(*kv);
      for (const auto& kv : members)
        if (!array_index(kv.first)) member(kv);
      out += '}';
      break;
    }
    default: out += "null"; break;  // binary / discarded: not produced by the parser
  }
}

std::string dump(const Json& j) {
  std::string out;
  js_dump(j, out);
  return out;
}

std::optional<std::int64_t> ms_of(const Json& j) {
  if (!j.is_number()) return std::nullopt;
  const double d = j.get<double>();
  if (!std::isfinite(d) || std::fabs(d) > kMaxSafeInteger) return std::nullopt;
  return static_cast<std::int64_t>(std::floor(d));
}

// JS `a === b` for two JSON values: primitives only.
bool strict_equal(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
  if (a.is_string() && b.is_string()) return a.get_ref<const std::string&>() == b.get_ref<const std::string&>();
  if (a.is_boolean() && b.is_boolean()) return a.get<bool>() == b.get<bool>();
  return a.is_null() && b.is_null();
}

Result<ResourceAnnouncement> from_json(const Json& j) {
  if (!j.is_object()) return resource_errc::malformed_record;
  ResourceAnnouncement a;
  auto str = [&](const char* name, std::string& out) {
    auto it = j.find(name);
    if (it == j.end() || !it->is_string()) return false;
    out = it->get<std::string>();
    return true;
  };
  if (!str("resourceId", a.resource_id) || !str("resourceType", a.resource_type) ||
      !str("creatorPeerId", a.creator_peer_id))
    return resource_errc::malformed_record;
  auto created = j.find("createdAt");
  if (created == j.end()) return resource_errc::malformed_record;
  auto c = ms_of(*created);
  if (!c) return resource_errc::malformed_record;
  a.created_at = *c;
  if (auto ex = j.find("expiresAt"); ex != j.end() && !ex->is_null()) {
    auto e = ms_of(*ex);
    if (!e) return resource_errc::malformed_record;
    a.expires_at = *e;
  }
  if (auto d = j.find("data"); d != j.end()) a.data = dump(*d);
  if (!check_type_id(a.resource_type, a.resource_id)) return resource_errc::malformed_record;
  return a;
}

}  // namespace

std::string ResourceAnnouncement::key() const { return resource_key(resource_type, resource_id); }

std::string resource_key(std::string_view type, std::string_view id) {
  std::string k = "resource:";
  k.append(type);
  k += ':';
  k.append(id);
  return k;
}

Bytes resource_key_bytes(std::string_view type, std::string_view id) { return to_bytes(resource_key(type, id)); }

Status check_type(std::string_view type) {
  if (type.empty() || type.find_first_of(":/") != std::string_view::npos) return resource_errc::invalid_type;
  return {};
}

Status check_type_id(std::string_view type, std::string_view id) {
  LOTUS_CHECK(check_type(type));
  if (id.empty() || std::count(id.begin(), id.end(), '/') >= 2) return resource_errc::invalid_id;
  return {};
}

Result<std::string> normalize_json(std::string_view text) {
  auto j = parse(text);
  if (!j) return resource_errc::invalid_data;
  return dump(*j);
}

std::string js_string(std::string_view s) {
  std::string out;
  js_string_to(s, out);
  return out;
}

std::string encode_announcement(const ResourceAnnouncement& a) {
  std::string out = "{\"resourceId\":";
  js_string_to(a.resource_id, out);
  out += ",\"resourceType\":";
  js_string_to(a.resource_type, out);
  out += ",\"creatorPeerId\":";
  js_string_to(a.creator_peer_id, out);
  if (a.data) {
    out += ",\"data\":";
    out += *a.data;
  }
  out += ",\"createdAt\":";
  out += std::to_string(a.created_at);
  if (a.expires_at) {
    out += ",\"expiresAt\":";
    out += std::to_string(*a.expires_at);
  }
  out += '}';
  return out;
}

Result<ResourceAnnouncement> parse_announcement(std::string_view value) {
  auto j = parse(value);
  if (!j) return resource_errc::malformed_record;
  return from_json(*j);
}

bool matches(const ResourceAnnouncement& a, const ResourceFilters& filters) {
  if (filters.empty()) return true;
  if (!a.data) return false;
  auto d = parse(*a.data);
  if (!d || !d->is_object()) return false;
  for (const auto& [key, value] : filters) {
    auto it = d->find(key);
    if (it == d->end()) return false;
    auto want = parse(value);
    if (!want || !strict_equal(*it, *want)) return false;
  }
  return true;
}

Bytes type_provider_key(std::string_view type) {
  std::string pre(kTypeKeyPrefix);
  pre.append(type);
  const auto digest = crypto::sha256(as_bytes(pre));
  Bytes key = {0x12, 0x20};
  key.insert(key.end(), digest.begin(), digest.end());
  return key;
}

std::string index_id(std::string_view type, std::string_view creator) {
  std::string id(type);
  id += ':';
  id.append(creator);
  return id;
}

ResourceAnnouncement build_index(std::string_view type, std::string_view creator,
                                 const std::vector<ResourceAnnouncement>& entries, std::int64_t now_ms,
                                 std::size_t max_bytes) {
  ResourceAnnouncement idx;
  idx.resource_id = index_id(type, creator);
  idx.resource_type = std::string(kIndexType);
  idx.creator_peer_id = std::string(creator);
  idx.created_at = now_ms;
  // The envelope around `data` with the largest numbers it can hold, so the final value
  // stays under max_bytes whatever the entries' expiries are.
  ResourceAnnouncement probe = idx;
  probe.data = "";
  probe.created_at = 9007199254740991;
  probe.expires_at = 9007199254740991;
  std::size_t used = encode_announcement(probe).size();
  std::string data = "{\"type\":" + js_string(type) + ",\"entries\":[";
  used += data.size() + 2;  // "]}"
  bool first = true, all_expire = !entries.empty();
  std::int64_t latest = 0;
  for (const auto& e : entries) {
    std::string item = encode_announcement(e);
    if (used + item.size() + 1 > max_bytes) item = "{\"resourceId\":" + js_string(e.resource_id) + "}";
    if (used + item.size() + 1 > max_bytes) continue;  // not even the id fits: left out
    used += item.size() + (first ? 0 : 1);
    if (!first) data += ',';
    first = false;
    data += item;
    if (e.expires_at)
      latest = std::max(latest, *e.expires_at);
    else
      all_expire = false;
  }
  data += "]}";
  idx.data = std::move(data);
  if (all_expire) idx.expires_at = latest;
  return idx;
}

Result<ParsedIndex> parse_index(const ResourceAnnouncement& index, std::string_view type, std::string_view creator) {
  if (index.resource_type != kIndexType || index.resource_id != index_id(type, creator) ||
      index.creator_peer_id != creator)
    return resource_errc::mismatched_record;
  if (!index.data) return resource_errc::malformed_record;
  auto d = parse(*index.data);
  if (!d || !d->is_object()) return resource_errc::malformed_record;
  auto t = d->find("type");
  auto entries = d->find("entries");
  if (t == d->end() || !t->is_string() || entries == d->end() || !entries->is_array())
    return resource_errc::malformed_record;
  if (t->get_ref<const std::string&>() != type) return resource_errc::mismatched_record;
  ParsedIndex out;
  std::size_t n = 0;
  for (const auto& e : *entries) {
    if (++n > kMaxIndexEntries) break;
    if (!e.is_object()) return resource_errc::malformed_record;
    if (e.size() == 1 && e.contains("resourceId")) {
      const auto& id = e["resourceId"];
      if (!id.is_string() || !check_type_id(type, id.get_ref<const std::string&>()))
        return resource_errc::malformed_record;
      out.ids.push_back(id.get<std::string>());
      continue;
    }
    LOTUS_TRY(a, from_json(e));
    if (a.resource_type != type || a.creator_peer_id != creator) return resource_errc::mismatched_record;
    out.inline_entries.push_back(std::move(a));
  }
  return out;
}

// ---- ResourceBook -----------------------------------------------------------------------

std::size_t ResourceBook::own_count() const noexcept {
  return static_cast<std::size_t>(
      std::count_if(m_entries.begin(), m_entries.end(), [](const auto& kv) { return kv.second.own; }));
}

std::size_t ResourceBook::cached_count() const noexcept { return m_entries.size() - own_count(); }

std::size_t ResourceBook::live_own(std::string_view type, std::int64_t now_ms) const {
  std::size_t n = 0;
  for (const auto& [key, e] : m_entries)
    if (e.own && e.a.live(now_ms) && (type.empty() || e.a.resource_type == type)) ++n;
  return n;
}

Result<ResourceAnnouncement> ResourceBook::announce(std::string_view type, std::string_view id,
                                                    const std::optional<std::string>& data_json,
                                                    const AnnounceOptions& opts, std::int64_t now_ms,
                                                    const AnnounceGate& gate) {
  LOTUS_CHECK(check_type_id(type, id));
  ResourceAnnouncement a;
  a.resource_type = std::string(type);
  a.resource_id = std::string(id);
  a.creator_peer_id = m_self;
  if (data_json) {
    LOTUS_TRY(norm, normalize_json(*data_json));
    a.data = std::move(norm);
  }
  a.created_at = now_ms;
  if (opts.expires_at)
    a.expires_at = opts.expires_at;
  else if (opts.ttl_ms && m_limits.ttl_sets_expiry)
    a.expires_at = now_ms + *opts.ttl_ms;
  const std::string key = a.key();
  const std::size_t bytes = encode_announcement(a).size();
  if (bytes > m_limits.max_value_bytes) return resource_errc::value_too_large;
  auto it = m_entries.find(key);
  const bool replacing = it != m_entries.end() && it->second.own && it->second.a.live(now_ms);
  if (!replacing) {
    if (live_own({}, now_ms) >= m_limits.max_own) return resource_errc::own_limit;
    if (live_own(type, now_ms) >= m_limits.max_own_per_type) return resource_errc::own_type_limit;
  }
  if (gate) LOTUS_CHECK(gate(AnnounceRequest{m_self, type, id, a.data, bytes}));
  m_entries[key] = Entry{a, true, 0};
  return a;
}

bool ResourceBook::withdraw(std::string_view type, std::string_view id, ResourceAnnouncement* removed) {
  auto it = m_entries.find(resource_key(type, id));
  if (it == m_entries.end() || !it->second.own) return false;
  if (removed) *removed = it->second.a;
  m_entries.erase(it);
  return true;
}

void ResourceBook::cache(ResourceAnnouncement a, std::int64_t now_ms) {
  if (!a.live(now_ms) || m_limits.max_cache == 0) return;
  std::string key = a.key();
  auto it = m_entries.find(key);
  if (it != m_entries.end()) {
    if (it->second.own) return;
    it->second.a = std::move(a);
    it->second.seq = ++m_seq;
    return;
  }
  if (cached_count() >= m_limits.max_cache) {
    auto oldest = m_entries.end();
    for (auto i = m_entries.begin(); i != m_entries.end(); ++i)
      if (!i->second.own && (oldest == m_entries.end() || i->second.seq < oldest->second.seq)) oldest = i;
    if (oldest != m_entries.end()) m_entries.erase(oldest);
  }
  m_entries.emplace(std::move(key), Entry{std::move(a), false, ++m_seq});
}

std::optional<ResourceAnnouncement> ResourceBook::get(std::string_view type, std::string_view id,
                                                      std::int64_t now_ms) const {
  auto it = m_entries.find(resource_key(type, id));
  if (it == m_entries.end() || !it->second.a.live(now_ms)) return std::nullopt;
  return it->second.a;
}

std::vector<ResourceAnnouncement> ResourceBook::local(std::string_view type, const ResourceFilters& filters,
                                                      std::int64_t now_ms, std::size_t max) const {
  std::vector<ResourceAnnouncement> own, cached;
  const std::string prefix = resource_key(type, "");
  for (auto it = m_entries.lower_bound(prefix); it != m_entries.end() && it->first.starts_with(prefix); ++it) {
    const auto& e = it->second;
    if (e.a.resource_type != type || !e.a.live(now_ms) || !matches(e.a, filters)) continue;
    (e.own ? own : cached).push_back(e.a);
  }
  own.insert(own.end(), cached.begin(), cached.end());
  if (own.size() > max) own.resize(max);
  return own;
}

std::vector<ResourceAnnouncement> ResourceBook::own_of(std::string_view type, std::int64_t now_ms) const {
  std::vector<ResourceAnnouncement> out;
  const std::string prefix = resource_key(type, "");
  for (auto it = m_entries.lower_bound(prefix); it != m_entries.end() && it->first.starts_with(prefix); ++it)
    if (it->second.own && it->second.a.resource_type == type && it->second.a.live(now_ms))
      out.push_back(it->second.a);
  return out;
}

std::set<std::string> ResourceBook::own_types() const {
  std::set<std::string> out;
  for (const auto& [key, e] : m_entries)
    if (e.own) out.insert(e.a.resource_type);
  return out;
}

std::set<std::string> ResourceBook::expire(std::int64_t now_ms, std::vector<ResourceAnnouncement>* removed_own) {
  std::set<std::string> changed;
  for (auto it = m_entries.begin(); it != m_entries.end();) {
    if (it->second.a.live(now_ms)) {
      ++it;
      continue;
    }
    if (it->second.own) {
      changed.insert(it->second.a.resource_type);
      if (removed_own) removed_own->push_back(std::move(it->second.a));
    }
    it = m_entries.erase(it);
  }
  return changed;
}

}  // namespace lotus::coordinator
