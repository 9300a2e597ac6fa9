// JSON exactly as JavaScript sees it: JSON.parse and JSON.stringify of the Lotus SDK reference
// (lotus-wire.md §2.3). The reference signs and de-duplicates over JSON text, so a node that
// re-serialises what it received, or builds a message a TypeScript node must verify, has to
// produce the very bytes V8 would:
//
//   * no whitespace; object members in JS property order — array-index keys ("0", "1", …,
//     canonical decimal below 2^32 - 1) first in ascending numeric order, then the other keys
//     in insertion order (for parsed text: first appearance; a duplicate key keeps the first
//     position and the last value, as JSON.parse does);
//   * strings escape only '"', '\\' and U+0000–U+001F (\b \f \n \r \t short, the others as
//     lowercase \u00xx), lone surrogates as lowercase \udxxx, everything else raw UTF-8
//     ('/' and U+007F, U+2028 are not escaped);
//   * numbers are IEEE doubles printed as Number.prototype.toString does (shortest round
//     trip; exponent form from 1e21 and below 1e-6; -0 prints 0; NaN/±Infinity print null).
//
// Strings are kept as UTF-8, generalised to WTF-8 so that a lone surrogate that arrived as
// "\ud800" survives a round trip (JS strings are UTF-16). A high+low surrogate escape pair is
// one code point, as in JS.
//
// What we refuse although JSON.parse would accept it (each is a specific errc, never an
// exception): input that is not valid UTF-8 (Node would substitute U+FFFD; the reference never
// produces such bytes), nesting deeper than ParseLimits::max_depth, more than max_members
// values in total. Everything the reference can produce is accepted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include "base/error.hpp"
#include "base/result.hpp"

namespace lotus::coordinator::json {

enum class errc {
  syntax = 1,    // not JSON text (JSON.parse would throw)
  invalid_utf8,  // the bytes are not UTF-8
  too_deep,      // arrays/objects nest deeper than ParseLimits::max_depth
  too_many_values,  // more values than ParseLimits::max_values
};
const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

class Value;
struct Member;
using Array = std::vector<Value>;

// A JS object: members in JS property order (see above). Small objects, linear lookups.
class Object {
 public:
  // Special members are defined below Member (which must be complete for them).
  Object();
  ~Object();
  Object(const Object&);
  Object(Object&&) noexcept;
  Object& operator=(const Object&);
  Object& operator=(Object&&) noexcept;
  // Adds or replaces `key` (a replaced member keeps its position), keeping the JS order.
  Object& set(std::string key, Value value);
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  bool erase(std::string_view key);
  const std::vector<Member>& members() const { return m_members; }
  std::size_t size() const;
  bool empty() const;
  bool operator==(const Object& other) const;

  // The parser's bulk path: members already unique, in JS order.
  static Object from_ordered(std::vector<Member> members);

 private:
  std::vector<Member> m_members;
};

// True for the canonical array-index strings that JS orders first ("0", "7", "4294967294").
bool is_array_index(std::string_view key, std::uint32_t* index = nullptr) noexcept;

class Value {
 public:
  enum class Kind { null, boolean, number, string, array, object };

  Value() = default;  // null
  Value(std::nullptr_t) {}                                          // NOLINT
  Value(bool b) : m_v(b) {}                                         // NOLINT
  Value(double d) : m_v(d) {}                                       // NOLINT
  Value(int i) : m_v(static_cast<double>(i)) {}                     // NOLINT
  Value(std::int64_t i) : m_v(static_cast<double>(i)) {}            // NOLINT
  Value(std::uint64_t i) : m_v(static_cast<double>(i)) {}           // NOLINT
  Value(std::string s) : m_v(std::move(s)) {}                       // NOLINT
  Value(std::string_view s) : m_v(std::string(s)) {}                // NOLINT
  Value(const char* s) : m_v(std::string(s)) {}                     // NOLINT
  Value(Array a) : m_v(std::move(a)) {}                             // NOLINT
  Value(Object o) : m_v(std::move(o)) {}                            // NOLINT

  Kind kind() const noexcept { return static_cast<Kind>(m_v.index()); }
  bool is_null() const noexcept { return kind() == Kind::null; }
  bool is_bool() const noexcept { return kind() == Kind::boolean; }
  bool is_number() const noexcept { return kind() == Kind::number; }
  bool is_string() const noexcept { return kind() == Kind::string; }
  bool is_array() const noexcept { return kind() == Kind::array; }
  bool is_object() const noexcept { return kind() == Kind::object; }

  // Preconditions: the matching is_*() (asserted).
  bool as_bool() const { return std::get<bool>(m_v); }
  double as_number() const { return std::get<double>(m_v); }
  const std::string& as_string() const { return std::get<std::string>(m_v); }
  const Array& as_array() const { return std::get<Array>(m_v); }
  Array& as_array() { return std::get<Array>(m_v); }
  const Object& as_object() const { return std::get<Object>(m_v); }
  Object& as_object() { return std::get<Object>(m_v); }

  // Object member lookup; nullptr when not an object or absent.
  const Value* find(std::string_view key) const {
    return is_object() ? as_object().find(key) : nullptr;
  }

  bool operator==(const Value& other) const { return m_v == other.m_v; }

 private:
  std::variant<std::monostate, bool, double, std::string, Array, Object> m_v;
};

struct Member {
  std::string key;
  Value value;
  bool operator==(const Member& o) const { return key == o.key && value == o.value; }
};

inline Object::Object() = default;
inline Object::~Object() = default;
inline Object::Object(const Object&) = default;
inline Object::Object(Object&&) noexcept = default;
inline Object& Object::operator=(const Object&) = default;
inline Object& Object::operator=(Object&&) noexcept = default;
inline std::size_t Object::size() const { return m_members.size(); }
inline bool Object::empty() const { return m_members.empty(); }

struct ParseLimits {
  std::size_t max_depth = 64;         // nesting of arrays/objects
  std::size_t max_values = 1u << 20;  // values of all kinds in one document
};

// JSON.parse over UTF-8 text. Leading/trailing JSON whitespace allowed; anything else after
// the value is errc::syntax.
Result<Value> parse(std::string_view text, const ParseLimits& limits = {});

// JSON.stringify(value).
std::string stringify(const Value& value);
void stringify_to(std::string& out, const Value& value);
// The JSON form of one string (with quotes) / one number (NaN, ±Infinity → "null").
void quote_to(std::string& out, std::string_view wtf8);
void number_to(std::string& out, double d);
// String(d): the JS Number→String conversion ("NaN", "Infinity", "-Infinity" for those).
std::string number_to_string(double d);

}  // namespace lotus::coordinator::json

LOTUS_ERRC_ENUM(lotus::coordinator::json::errc)
