// DHT resources of the Lotus coordination layer (lotus-wire.md §3): the reference's record
// layout, byte for byte, and the sans-IO book that keeps our own announcements and a bounded
// cache of other nodes' (the I/O side is coordinator::ResourceDirectory,
// coordinator/resources_directory.hpp).
//
// Record layout (§3.1, vectors tests/vectors/dht-keys.json):
//   key   = utf8("resource:" + type + ":" + id)                       (no hashing, no escaping)
//   value = utf8(JSON.stringify({resourceId, resourceType, creatorPeerId, data, createdAt,
//                                expiresAt}))                         (in exactly that order;
//           `data` omitted when undefined, `expiresAt` omitted when not set)
// JSON text is produced as JavaScript's JSON.stringify does it (member order kept, shortest
// round-trip numbers in JS notation, integers beyond 2^53 rounded as JS would read them, only
// '"', '\\' and control characters escaped, lowercase \u00xx).
//
// Where we differ from the reference (and why):
//  * `ttl` is honoured (§12.22): with no `expires_at`, expiresAt = createdAt + ttl. The record
//    layout is unchanged; Config::ttl_sets_expiry = false restores the reference's behaviour.
//  * Types must be non-empty and free of ':' and '/', ids non-empty and their key must not hold
//    two '/' (js kad-dht servers refuse such keys, §3.1); the reference accepts anything.
//  * Our own announcements are bounded (max_own, max_own_per_type — the reference's
//    MAX_DHT_RESOURCES_PER_PEER / _PER_TYPE_PER_PEER — and max_value_bytes, ours), and pass an
//    admission gate the security manager plugs in (AnnounceGate); the reference checks nothing.
//  * Records read from other nodes are checked (JSON object with the layout's members and
//    types, the key's type/id, not expired) before use; the reference trusts them as-is.
//
// Discovery index (our extension; the reference cannot enumerate, §3.3) — the record formats
// here, the mechanism in resources_directory.hpp:
//  * type key   = multihash sha2-256 of utf8("lotus-resource-type:" + type)
//                 = 0x12 0x20 || sha256(...)   (a multihash, so go and js kad-dht servers accept
//                 it as a provider key); every node with live resources of `type` PROVIDEs it.
//  * index      = an ordinary resource record of type "lotus-resource-index", id
//                 "<type>:<creator peer id>", written by that creator only, whose data is
//                 {"type": <type>, "entries": [<announcement object> | {"resourceId": <id>}]}:
//                 the creator's live announcements of `type`, inlined while the value stays
//                 under max_index_bytes, then as bare ids (fetched one by one by readers).
//                 expiresAt = the latest expiry of its entries (omitted if one never expires).
//
// Threading: none (plain data). Time: wall-clock milliseconds passed in by the caller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "base/bytes.hpp"
#include "base/error.hpp"
#include "base/result.hpp"
#include "base/time.hpp"

namespace lotus::coordinator {

enum class resource_errc {
  invalid_type = 1,   // type empty or holding ':' or '/'
  invalid_id,         // id empty, or the key would hold two '/' (refused by js kad-dht servers)
  invalid_data,       // data is not one JSON value (or nests too deep, or is not UTF-8)
  value_too_large,    // the encoded record exceeds Limits::max_value_bytes
  own_limit,          // Limits::max_own announcements of our own already live
  own_type_limit,     // Limits::max_own_per_type announcements of this type already live
  refused,            // the announcement gate (security manager) refused it
  not_found,          // no live record under that key (locally, or in the DHT)
  malformed_record,   // a record read from the DHT is not a resource announcement
  mismatched_record,  // a record's type/id/creator differ from where it was found
  stopped,            // the directory is stopping
};
const std::error_category& resource_category() noexcept;
inline std::error_code make_error_code(resource_errc e) noexcept {
  return {static_cast<int>(e), resource_category()};
}

inline constexpr std::string_view kIndexType = "lotus-resource-index";
inline constexpr std::string_view kTypeKeyPrefix = "lotus-resource-type:";

struct ResourceAnnouncement {
  std::string resource_id;
  std::string resource_type;
  std::string creator_peer_id;
  std::optional<std::string> data;  // JSON text as JSON.stringify writes it; nullopt = undefined
  std::int64_t created_at = 0;      // ms since the Unix epoch
  std::optional<std::int64_t> expires_at;

  // The reference's rule (§3.3, dht-keys.json expiry_cases): gone exactly at expiresAt.
  bool live(std::int64_t now_ms) const noexcept { return !expires_at || *expires_at > now_ms; }
  std::string key() const;
  bool operator==(const ResourceAnnouncement&) const = default;
};

struct AnnounceOptions {
  std::optional<std::int64_t> ttl_ms;      // honoured unless Limits::ttl_sets_expiry is false
  std::optional<std::int64_t> expires_at;  // absolute ms; wins over ttl
};

// One filter: data[key] === value, with `value` as JSON text (the reference's strict equality:
// only primitives can match; an object or array filter value matches nothing).
using ResourceFilters = std::vector<std::pair<std::string, std::string>>;

struct ResourceLimits {
  std::size_t max_own = 100;              // MAX_DHT_RESOURCES_PER_PEER
  std::size_t max_own_per_type = 20;      // MAX_DHT_RESOURCES_PER_TYPE_PER_PEER
  std::size_t max_value_bytes = 32 * 1024;  // ours: one encoded record (kad allows 60 KiB)
  std::size_t max_index_bytes = 48 * 1024;  // ours: inline announcements up to this, then ids
  std::size_t max_cache = 1024;           // records of other nodes kept
  bool ttl_sets_expiry = true;
};

// "resource:" + type + ":" + id, and its bytes.
std::string resource_key(std::string_view type, std::string_view id);
Bytes resource_key_bytes(std::string_view type, std::string_view id);
Status check_type(std::string_view type);
Status check_type_id(std::string_view type, std::string_view id);

// JSON.stringify(JSON.parse(text)): one JSON value in, its JS text out (errc invalid_data).
Result<std::string> normalize_json(std::string_view text);
// JSON.stringify of a string value (with the quotes).
std::string js_string(std::string_view s);

// The value text of a record (§3.1 layout).
std::string encode_announcement(const ResourceAnnouncement& a);
// Parses a record value (malformed_record when it is not an object with string resourceId,
// resourceType, creatorPeerId, numeric createdAt and optional numeric expiresAt).
Result<ResourceAnnouncement> parse_announcement(std::string_view value);
// data[key] === value for every filter (data must be an object unless filters are empty).
bool matches(const ResourceAnnouncement& a, const ResourceFilters& filters);

// The provider key of a type (multihash sha2-256, see above).
Bytes type_provider_key(std::string_view type);
// Index record id and key of (type, creator).
std::string index_id(std::string_view type, std::string_view creator);

// An index record for `entries` (all of `type`, by `creator`): inline while it fits
// `max_bytes`, then bare ids.
ResourceAnnouncement build_index(std::string_view type, std::string_view creator,
                                 const std::vector<ResourceAnnouncement>& entries, std::int64_t now_ms,
                                 std::size_t max_bytes);
struct ParsedIndex {
  std::vector<ResourceAnnouncement> inline_entries;  // checked: type, creator
  std::vector<std::string> ids;                      // to be fetched one by one
};
// Checks an index record read from the DHT against where it was found (`type`, `creator`
// = the provider the DHT named): mismatched_record / malformed_record.
Result<ParsedIndex> parse_index(const ResourceAnnouncement& index, std::string_view type,
                                std::string_view creator);

// The hook the security manager plugs in: may an announcement of (type, id, data) by `peer`
// (our own id for our announcements) go ahead? An error (its reason) refuses it.
struct AnnounceRequest {
  std::string_view peer;
  std::string_view type;
  std::string_view id;
  const std::optional<std::string>& data;
  std::size_t value_bytes;
};
using AnnounceGate = std::function<Status(const AnnounceRequest&)>;

// Our own announcements and a bounded cache of other nodes' records, by key. Own records are
// never evicted (they are bounded by the limits); cached ones are evicted oldest-first.
class ResourceBook {
 public:
  ResourceBook(std::string self_peer, ResourceLimits limits = {}) : m_self(std::move(self_peer)), m_limits(limits) {}

  // Checks and records our announcement (replacing ours under the same key). `gate` may be
  // empty. Errors: invalid_type/_id/_data, value_too_large, own_limit, own_type_limit, the
  // gate's error.
  Result<ResourceAnnouncement> announce(std::string_view type, std::string_view id,
                                        const std::optional<std::string>& data_json, const AnnounceOptions& opts,
                                        std::int64_t now_ms, const AnnounceGate& gate = {});
  // Withdraws our announcement; false if we had none. `removed`: receives it.
  bool withdraw(std::string_view type, std::string_view id, ResourceAnnouncement* removed = nullptr);
  // Keeps a live record of another node (ignored if it is expired or one of ours).
  void cache(ResourceAnnouncement a, std::int64_t now_ms);

  // The live record under (type, id), ours or cached (the reference's getResource).
  std::optional<ResourceAnnouncement> get(std::string_view type, std::string_view id, std::int64_t now_ms) const;
  // Live records of `type` matching `filters`, ours first, at most `max`
  // (the reference's getLocalResources).
  std::vector<ResourceAnnouncement> local(std::string_view type, const ResourceFilters& filters,
                                          std::int64_t now_ms, std::size_t max) const;
  // Our live announcements of `type`.
  std::vector<ResourceAnnouncement> own_of(std::string_view type, std::int64_t now_ms) const;
  std::set<std::string> own_types() const;

  // Drops expired records (expiresAt <= now); returns the types of our own that lost one.
  // `removed_own`: receives our own expired announcements.
  std::set<std::string> expire(std::int64_t now_ms, std::vector<ResourceAnnouncement>* removed_own = nullptr);

  std::size_t own_count() const noexcept;     // ours, expired ones included until expire()
  std::size_t cached_count() const noexcept;
  const std::string& self() const noexcept { return m_self; }
  const ResourceLimits& limits() const noexcept { return m_limits; }

 private:
  struct Entry {
    ResourceAnnouncement a;
    bool own = false;
    std::uint64_t seq = 0;  // insertion order of cached entries
  };
  std::size_t live_own(std::string_view type, std::int64_t now_ms) const;  // type "" = all

  std::string m_self;
  ResourceLimits m_limits;
  std::map<std::string, Entry, std::less<>> m_entries;  // by key
  std::uint64_t m_seq = 0;
};

}  // namespace lotus::coordinator

LOTUS_ERRC_ENUM(lotus::coordinator::resource_errc)
