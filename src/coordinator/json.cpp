#include "coordinator/json.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

namespace lotus::coordinator::json {

const std::error_category& category() noexcept {
  static const TableCategory cat("json", {
      {static_cast<int>(errc::syntax), "json: not valid JSON text"},
      {static_cast<int>(errc::invalid_utf8), "json: text is not valid UTF-8"},
      {static_cast<int>(errc::too_deep), "json: arrays/objects nest too deep"},
      {static_cast<int>(errc::too_many_values), "json: too many values in one document"},
  });
  return cat;
}

// ---- objects -------------------------------------------------------------------------------

bool is_array_index(std::string_view key, std::uint32_t* index) noexcept {
  // Canonical decimal of an integer in [0, 2^32 - 2]: no sign, no leading zero (except "0").
  if (key.empty() || key.size() > 10) return false;
  if (key.size() > 1 && key[0] == '0') return false;
  std::uint64_t v = 0;
  for (char c : key) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v >= 0xFFFFFFFFull) return false;
  if (index) *index = static_cast<std::uint32_t>(v);
  return true;
}

Object& Object::set(std::string key, Value value) {
  if (Value* existing = find(key)) {
    *existing = std::move(value);
    return *this;
  }
  std::uint32_t idx = 0;
  if (is_array_index(key, &idx)) {
    // After the index keys smaller than this one, before everything else.
    auto pos = m_members.begin();
    std::uint32_t other = 0;
    while (pos != m_members.end() && is_array_index(pos->key, &other) && other < idx) ++pos;
    m_members.insert(pos, Member{std::move(key), std::move(value)});
  } else {
    m_members.push_back(Member{std::move(key), std::move(value)});
  }
  return *this;
}

const Value* Object::find(std::string_view key) const {
  for (const auto& m : m_members)
    if (m.key == key) return &m.value;
  return nullptr;
}

Value* Object::find(std::string_view key) {
  for (auto& m : m_members)
    if (m.key == key) return &m.value;
  return nullptr;
}

bool Object::erase(std::string_view key) {
  auto it = std::find_if(m_members.begin(), m_members.end(), [&](const Member& m) { return m.key == key; });
  if (it == m_members.end()) return false;
  m_members.erase(it);
  return true;
}

bool Object::operator==(const Object& other) const { return m_members == other.m_members; }

Object Object::from_ordered(std::vector<Member> members) {
  Object o;
  o.m_members = std::move(members);
  return o;
}

// ---- UTF-8 / WTF-8 -------------------------------------------------------------------------

namespace {

// Decodes one generalised-UTF-8 sequence at s[i]: returns the code point and advances i; a
// surrogate code point (WTF-8) is returned as such when allow_surrogates. Returns -1 (and
// advances by one byte) on an invalid sequence.
long decode_one(std::string_view s, std::size_t& i, bool allow_surrogates) noexcept {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  std::size_t len = 0;
  unsigned long cp = 0;
  unsigned long min = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, cp = b0 & 0x1Fu, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, cp = b0 & 0x0Fu, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, cp = b0 & 0x07u, min = 0x10000;
  } else {
    ++i;
    return -1;
  }
  if (i + len > s.size()) {
    ++i;
    return -1;
  }
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0u) != 0x80u) {
      ++i;
      return -1;
    }
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (!allow_surrogates && cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return -1;
  }
  i += len;
  return static_cast<long>(cp);
}

void encode_wtf8(std::string& out, unsigned long cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool valid_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    if (decode_one(s, i, false) < 0) return false;
  }
  return true;
}

constexpr char kHex[] = "0123456789abcdef";

void append_u_escape(std::string& out, unsigned long unit) {
  out += "\\u";
  out.push_back(kHex[(unit >> 12) & 0xF]);
  out.push_back(kHex[(unit >> 8) & 0xF]);
  out.push_back(kHex[(unit >> 4) & 0xF]);
  out.push_back(kHex[unit & 0xF]);
}

// ---- parser --------------------------------------------------------------------------------

class Parser {
 public:
  Parser(std::string_view text, const ParseLimits& limits) : m_s(text), m_limits(limits) {}

  Result<Value> run() {
    skip_ws();
    LOTUS_TRY(v, value(0));
    skip_ws();
    if (m_i != m_s.size()) return errc::syntax;
    return v;
  }

 private:
  std::string_view m_s;
  const ParseLimits& m_limits;
  std::size_t m_i = 0;
  std::size_t m_values = 0;

  void skip_ws() {
    while (m_i < m_s.size() && (m_s[m_i] == ' ' || m_s[m_i] == '\t' || m_s[m_i] == '\n' || m_s[m_i] == '\r')) ++m_i;
  }
  bool literal(std::string_view word) {
    if (m_s.substr(m_i, word.size()) != word) return false;
    m_i += word.size();
    return true;
  }

  Result<Value> value(std::size_t depth) {
    if (++m_values > m_limits.max_values) return errc::too_many_values;
    if (m_i >= m_s.size()) return errc::syntax;
    switch (m_s[m_i]) {
      case '{': return object(depth + 1);
      case '[': return array(depth + 1);
      case '"': {
        LOTUS_TRY(s, string());
        return Value(std::move(s));
      }
      case 't': if (literal("true")) return Value(true); return errc::syntax;
      case 'f': if (literal("false")) return Value(false); return errc::syntax;
      case 'n': if (literal("null")) return Value(nullptr); return errc::syntax;
      default: return number();
    }
  }

  Result<Value> array(std::size_t depth) {
    if (depth > m_limits.max_depth) return errc::too_deep;
    ++m_i;  // '['
    Array out;
    skip_ws();
    if (m_i < m_s.size() && m_s[m_i] == ']') {
      ++m_i;
      return Value(std::move(out));
    }
    for (;;) {
      skip_ws();
      LOTUS_TRY(v, value(depth));
      out.push_back(std::move(v));
      skip_ws();
      if (m_i >= m_s.size()) return errc::syntax;
      if (m_s[m_i] == ',') {
        ++m_i;
        continue;
      }
      if (m_s[m_i] == ']') {
        ++m_i;
        return Value(std::move(out));
      }
      return errc::syntax;
    }
  }

  Result<Value> object(std::size_t depth) {
    if (depth > m_limits.max_depth) return errc::too_deep;
    ++m_i;  // '{'
    std::vector<Member> members;
    std::unordered_map<std::string, std::size_t> index;  // only used past a few members
    skip_ws();
    if (m_i < m_s.size() && m_s[m_i] == '}') {
      ++m_i;
      return Value(Object{});
    }
    for (;;) {
      skip_ws();
      if (m_i >= m_s.size() || m_s[m_i] != '"') return errc::syntax;
      LOTUS_TRY(key, string());
      skip_ws();
      if (m_i >= m_s.size() || m_s[m_i] != ':') return errc::syntax;
      ++m_i;
      skip_ws();
      LOTUS_TRY(v, value(depth));
      // A duplicate key keeps its first position and takes the last value (JSON.parse).
      std::size_t* dup = nullptr;
      std::size_t linear = 0;
      if (members.size() < 8) {
        for (linear = 0; linear < members.size(); ++linear)
          if (members[linear].key == key) break;
        if (linear < members.size()) dup = &linear;
      } else {
        if (index.empty())
          for (std::size_t k = 0; k < members.size(); ++k) index.emplace(members[k].key, k);
        auto it = index.find(key);
        if (it != index.end()) dup = &it->second;
      }
      if (dup) {
        members[*dup].value = std::move(v);
      } else {
        if (!index.empty() || members.size() >= 8) index.emplace(key, members.size());
        members.push_back(Member{std::move(key), std::move(v)});
      }
      skip_ws();
      if (m_i >= m_s.size()) return errc::syntax;
      if (m_s[m_i] == ',') {
        ++m_i;
        continue;
      }
      if (m_s[m_i] == '}') {
        ++m_i;
        break;
      }
      return errc::syntax;
    }
    // JS property order: array-index keys first, ascending; the rest keep insertion order.
    auto split = std::stable_partition(members.begin(), members.end(),
                                       [](const Member& m) { return is_array_index(m.key); });
    std::sort(members.begin(), split, [](const Member& a, const Member& b) {
      std::uint32_t x = 0, y = 0;
      is_array_index(a.key, &x);
      is_array_index(b.key, &y);
      return x < y;
    });
    return Value(Object::from_ordered(std::move(members)));
  }

  int hex4(unsigned long& out) {
    if (m_i + 4 > m_s.size()) return -1;
    unsigned long v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = m_s[m_i + static_cast<std::size_t>(k)];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<unsigned long>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned long>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<unsigned long>(c - 'A' + 10);
      else return -1;
    }
    m_i += 4;
    out = v;
    return 0;
  }

  Result<std::string> string() {
    ++m_i;  // '"'
    std::string out;
    for (;;) {
      if (m_i >= m_s.size()) return errc::syntax;
      const auto c = static_cast<unsigned char>(m_s[m_i]);
      if (c == '"') {
        ++m_i;
        return out;
      }
      if (c < 0x20) return errc::syntax;  // raw control characters are not allowed
      if (c != '\\') {
        out.push_back(static_cast<char>(c));  // the input was checked to be UTF-8 up front
        ++m_i;
        continue;
      }
      ++m_i;
      if (m_i >= m_s.size()) return errc::syntax;
      const char e = m_s[m_i++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          unsigned long unit = 0;
          if (hex4(unit) < 0) return errc::syntax;
          if (unit >= 0xD800 && unit <= 0xDBFF && m_i + 6 <= m_s.size() && m_s[m_i] == '\\' &&
              m_s[m_i + 1] == 'u') {
            // A following low-surrogate escape pairs with it into one code point.
            const std::size_t save = m_i;
            m_i += 2;
            unsigned long low = 0;
            if (hex4(low) == 0 && low >= 0xDC00 && low <= 0xDFFF) {
              encode_wtf8(out, 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
              break;
            }
            m_i = save;
          }
          encode_wtf8(out, unit);  // lone surrogates become WTF-8
          break;
        }
        default: return errc::syntax;
      }
    }
  }

  Result<Value> number() {
    const std::size_t start = m_i;
    auto digit = [&] { return m_i < m_s.size() && m_s[m_i] >= '0' && m_s[m_i] <= '9'; };
    if (m_i < m_s.size() && m_s[m_i] == '-') ++m_i;
    if (!digit()) return errc::syntax;
    if (m_s[m_i] == '0') {
      ++m_i;
    } else {
      while (digit()) ++m_i;
    }
    if (m_i < m_s.size() && m_s[m_i] == '.') {
      ++m_i;
      if (!digit()) return errc::syntax;
      while (digit()) ++m_i;
    }
    if (m_i < m_s.size() && (m_s[m_i] == 'e' || m_s[m_i] == 'E')) {
      ++m_i;
      if (m_i < m_s.size() && (m_s[m_i] == '+' || m_s[m_i] == '-')) ++m_i;
      if (!digit()) return errc::syntax;
      while (digit()) ++m_i;
    }
    const std::string_view text = m_s.substr(start, m_i - start);
    double d = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (ec == std::errc::result_out_of_range) {
      // Overflow → ±Infinity, underflow → ±0, as JS does; strtod tells which (C locale: the
      // grammar above admits no locale-dependent characters but '.', which C uses).
      const std::string copy(text);
      d = std::strtod(copy.c_str(), nullptr);
    } else if (ec != std::errc{} || ptr != text.data() + text.size()) {
      return errc::syntax;
    }
    return Value(d);
  }
};

}  // namespace

Result<Value> parse(std::string_view text, const ParseLimits& limits) {
  if (!valid_utf8(text)) return errc::invalid_utf8;
  return Parser(text, limits).run();
}

// ---- stringify -----------------------------------------------------------------------------

void quote_to(std::string& out, std::string_view s) {
  out.push_back('"');
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (c < 0x20) append_u_escape(out, c);
          else out.push_back(static_cast<char>(c));
      }
      ++i;
      continue;
    }
    const std::size_t start = i;
    const long cp = decode_one(s, i, true);
    if (cp < 0) {
      out += "\xEF\xBF\xBD";  // not UTF-8: U+FFFD, as Node decodes such bytes
      continue;
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      // A high surrogate directly followed by a low one is one character (UTF-16 pairing).
      std::size_t j = i;
      if (j < s.size()) {
        const long next = decode_one(s, j, true);
        if (next >= 0xDC00 && next <= 0xDFFF) {
          encode_wtf8(out, 0x10000 + ((static_cast<unsigned long>(cp) - 0xD800) << 10) +
                               (static_cast<unsigned long>(next) - 0xDC00));
          i = j;
          continue;
        }
      }
      append_u_escape(out, static_cast<unsigned long>(cp));
      continue;
    }
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
      append_u_escape(out, static_cast<unsigned long>(cp));
      continue;
    }
    out.append(s.substr(start, i - start));
  }
  out.push_back('"');
}

void number_to(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  if (d == 0) {  // 0 and -0
    out.push_back('0');
    return;
  }
  // Shortest round-trip digits in scientific form: "-d.ddde±x".
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  assert(r.ec == std::errc{});
  std::string_view sci(buf, static_cast<std::size_t>(r.ptr - buf));
  if (sci.front() == '-') {
    out.push_back('-');
    sci.remove_prefix(1);
  }
  const std::size_t epos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, epos))
    if (c != '.') digits.push_back(c);
  int exp10 = 0;
  std::string_view es = sci.substr(epos + 1);
  if (es.front() == '+') es.remove_prefix(1);
  std::from_chars(es.data(), es.data() + es.size(), exp10);
  // ECMAScript Number::toString: k digits, n = exponent + 1.
  const int k = static_cast<int>(digits.size());
  const int n = exp10 + 1;
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, 0, static_cast<std::size_t>(n));
    out.push_back('.');
    out.append(digits, static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out.push_back(digits[0]);
    if (k > 1) {
      out.push_back('.');
      out.append(digits, 1);
    }
    out.push_back('e');
    out.push_back(n - 1 >= 0 ? '+' : '-');
    out += std::to_string(std::abs(n - 1));
  }
}

std::string number_to_string(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  std::string out;
  number_to(out, d);
  return out;
}

void stringify_to(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::null: out += "null"; return;
    case Value::Kind::boolean: out += v.as_bool() ? "true" : "false"; return;
    case Value::Kind::number: number_to(out, v.as_number()); return;
    case Value::Kind::string: quote_to(out, v.as_string()); return;
    case Value::Kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& e : v.as_array()) {
        if (!first) out.push_back(',');
        first = false;
        stringify_to(out, e);
      }
      out.push_back(']');
      return;
    }
    case Value::Kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& m : v.as_object().members()) {
        if (!first) out.push_back(',');
        first = false;
        quote_to(out, m.key);
        out.push_back(':');
        stringify_to(out, m.value);
      }
      out.push_back('}');
      return;
    }
  }
}

std::string stringify(const Value& value) {
  std::string out;
  stringify_to(out, value);
  return out;
}

}  // namespace lotus::coordinator::json
