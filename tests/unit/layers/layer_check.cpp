#include "layer_check.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>

namespace lotus::layers {

namespace fs = std::filesystem;

std::string Violation::to_string() const {
  std::ostringstream s;
  s << file;
  if (line > 0) s << ':' << line;
  s << ": " << message;
  return s.str();
}

namespace {

std::vector<std::string> read_lines(const fs::path& file) {
  std::vector<std::string> lines;
  std::ifstream in(file, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
  }
  return lines;
}

bool has_marker(const std::vector<std::string>& lines) {
  return std::any_of(lines.begin(), lines.end(), [](const std::string& l) {
    std::string_view v = l;
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return v == kInternalMarker;
  });
}

bool is_source(const fs::path& p) {
  const auto ext = p.extension().string();
  return ext == ".hpp" || ext == ".h" || ext == ".cpp" || ext == ".cc" || ext == ".ipp";
}

bool is_header(std::string_view rel) {
  return rel.ends_with(".hpp") || rel.ends_with(".h") || rel.ends_with(".ipp");
}

// Where a line starts, for the purpose of finding #include lines that are not commented out.
// Tracks block comments and raw string literals (both may span lines); ordinary string and
// character literals end on their line.
class LexState {
 public:
  bool in_code() const { return m_state == State::code; }

  void advance(std::string_view line) {
    std::size_t i = 0;
    while (i < line.size()) {
      switch (m_state) {
        case State::block_comment: {
          const auto end = line.find("*/", i);
          if (end == std::string_view::npos) return;
          i = end + 2;
          m_state = State::code;
          break;
        }
        case State::raw_string: {
          const std::string close = ")" + m_raw_delim + "\"";
          const auto end = line.find(close, i);
          if (end == std::string_view::npos) return;
          i = end + close.size();
          m_state = State::code;
          break;
        }
        case State::code: {
          const char c = line[i];
          if (c == '/' && i + 1 < line.size() && line[i + 1] == '/') return;  // line comment
          if (c == '/' && i + 1 < line.size() && line[i + 1] == '*') {
            m_state = State::block_comment;
            i += 2;
          } else if (c == 'R' && i + 1 < line.size() && line[i + 1] == '"' && raw_prefix_ok(line, i)) {
            const auto open = line.find('(', i + 2);
            if (open == std::string_view::npos) return;  // malformed; give up on this line
            m_raw_delim = std::string(line.substr(i + 2, open - (i + 2)));
            m_state = State::raw_string;
            i = open + 1;
          } else if (c == '"' || c == '\'') {
            i = skip_literal(line, i);
          } else {
            ++i;
          }
          break;
        }
      }
    }
  }

 private:
  enum class State { code, block_comment, raw_string };

  static bool ident_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }
  // R" starts a raw string when R is a whole token or ends a u8/u/U/L prefix.
  static bool raw_prefix_ok(std::string_view line, std::size_t r) {
    std::size_t start = r;
    while (start > 0 && ident_char(line[start - 1])) --start;
    const auto prefix = line.substr(start, r - start);
    return prefix.empty() || prefix == "u8" || prefix == "u" || prefix == "U" || prefix == "L";
  }
  static std::size_t skip_literal(std::string_view line, std::size_t open) {
    const char quote = line[open];
    // A digit separator (1'000) is not a character literal.
    if (quote == '\'' && open > 0 && ident_char(line[open - 1])) return open + 1;
    std::size_t i = open + 1;
    while (i < line.size()) {
      if (line[i] == '\\') {
        i += 2;
      } else if (line[i] == quote) {
        return i + 1;
      } else {
        ++i;
      }
    }
    return line.size();
  }

  State m_state = State::code;
  std::string m_raw_delim;
};

struct Include {
  int line = 0;
  bool quoted = false;
  std::string path;  // as written between the delimiters
};

std::optional<Include> parse_include(std::string_view line, int number) {
  std::size_t i = 0;
  auto skip_ws = [&] {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  };
  skip_ws();
  if (i >= line.size() || line[i] != '#') return std::nullopt;
  ++i;
  skip_ws();
  if (line.substr(i, 7) != "include") return std::nullopt;
  i += 7;
  skip_ws();
  if (i >= line.size() || (line[i] != '"' && line[i] != '<')) return std::nullopt;
  const char close = line[i] == '"' ? '"' : '>';
  const auto end = line.find(close, i + 1);
  if (end == std::string_view::npos) return std::nullopt;
  return Include{number, close == '"', std::string(line.substr(i + 1, end - i - 1))};
}

// The layer of a root-relative path: "apps" for apps/..., <x> for src/<x>/...; nullopt for
// paths that are in neither (including files directly in src/).
std::optional<std::string> layer_folder(std::string_view rel) {
  if (rel.starts_with("apps/")) return std::string("apps");
  if (!rel.starts_with("src/")) return std::nullopt;
  rel.remove_prefix(4);
  const auto slash = rel.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  return std::string(rel.substr(0, slash));
}

bool banned(const Ban& ban, std::string_view include) {
  return std::any_of(ban.includes.begin(), ban.includes.end(), [&](const std::string& b) {
    return b.ends_with('/') ? include.starts_with(b) : include == b;
  });
}

class Checker {
 public:
  Checker(const fs::path& root, const Rules& rules) : m_root(root), m_rules(rules) {
    for (std::size_t r = 0; r < rules.rows.size(); ++r)
      for (const auto& name : rules.rows[r]) m_rank[name] = static_cast<int>(r);
  }

  Report run() {
    std::vector<std::string> files;
    for (const char* top : {"src", "apps"}) {
      const fs::path dir = m_root / top;
      std::error_code ec;
      if (!fs::is_directory(dir, ec)) continue;
      for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file(ec) && is_source(it->path()))
          files.push_back(it->path().lexically_relative(m_root).generic_string());
      }
    }
    std::sort(files.begin(), files.end());

    std::set<std::string> unknown_folders;
    std::vector<bool> exception_used(m_rules.exceptions.size(), false);
    for (const auto& rel : files) {
      ++m_report.files_scanned;
      const auto folder = layer_folder(rel);
      if (!folder) {
        add(rel, 0, "not in a layer folder (src/<layer>/... or apps/...)");
        continue;
      }
      if (!m_rank.contains(*folder)) {
        if (unknown_folders.insert(*folder).second)
          add("src/" + *folder, 0,
              "folder src/" + *folder + " is not in the layer table (tests/unit/layers/layer_table.cpp): "
              "add it to the row of its layer");
        continue;
      }
      check_file(rel, *folder, exception_used);
    }
    for (std::size_t i = 0; i < m_rules.exceptions.size(); ++i)
      if (!exception_used[i]) m_report.unused_exceptions.push_back(m_rules.exceptions[i]);
    for (const auto& [rel, internal] : m_internal_cache)
      if (internal) m_report.internal_headers.push_back(rel);
    std::sort(m_report.internal_headers.begin(), m_report.internal_headers.end());
    return std::move(m_report);
  }

 private:
  void add(std::string file, int line, std::string message) {
    m_report.violations.push_back(Violation{std::move(file), line, std::move(message)});
  }

  // Root-relative path of the file a quoted include names: next to the includer if such a file
  // exists, else rooted at src/. Angle includes: rooted at src/ if the file exists there.
  std::optional<std::string> resolve(const std::string& includer, const Include& inc) const {
    std::error_code ec;
    if (inc.quoted) {
      const fs::path local = (fs::path(includer).parent_path() / inc.path).lexically_normal();
      if (fs::is_regular_file(m_root / local, ec)) return local.generic_string();
      return (fs::path("src") / inc.path).lexically_normal().generic_string();
    }
    const fs::path rooted = (fs::path("src") / inc.path).lexically_normal();
    if (fs::is_regular_file(m_root / rooted, ec)) return rooted.generic_string();
    return std::nullopt;
  }

  bool internal(const std::string& rel) {
    auto it = m_internal_cache.find(rel);
    if (it != m_internal_cache.end()) return it->second;
    std::error_code ec;
    const fs::path p = m_root / rel;
    const bool marked = fs::is_regular_file(p, ec) && has_marker(read_lines(p));
    m_internal_cache.emplace(rel, marked);
    return marked;
  }

  void check_file(const std::string& rel, const std::string& layer, std::vector<bool>& exception_used) {
    const auto lines = read_lines(m_root / rel);
    const bool public_header = rel.starts_with("src/") && is_header(rel) && !internal(rel);
    const int rank = m_rank.at(layer);
    LexState lex;
    for (std::size_t n = 0; n < lines.size(); ++n) {
      const int number = static_cast<int>(n + 1);
      const auto inc = lex.in_code() ? parse_include(lines[n], number) : std::nullopt;
      lex.advance(lines[n]);
      if (!inc) continue;
      ++m_report.includes_checked;
      const std::string shown = inc->quoted ? "\"" + inc->path + "\"" : "<" + inc->path + ">";

      // Bans first: they say more than "upward" would for runtime/asio.hpp.
      bool reported = false;
      for (const auto& ban : m_rules.bans) {
        if (std::find(ban.layers.begin(), ban.layers.end(), layer) == ban.layers.end() || !banned(ban, inc->path))
          continue;
        bool excepted = false;
        for (std::size_t e = 0; e < m_rules.exceptions.size(); ++e) {
          if (m_rules.exceptions[e].file == rel && m_rules.exceptions[e].include == inc->path) {
            exception_used[e] = true;
            excepted = true;
          }
        }
        if (!excepted && !reported) {
          add(rel, number, "layer " + layer + " must not include " + shown + ": " + ban.why);
          reported = true;
        }
      }
      if (reported) continue;

      const auto target = resolve(rel, *inc);
      if (!target) continue;  // a system or third-party header
      const auto target_layer = layer_folder(*target);
      if (!target_layer || !m_rank.contains(*target_layer)) continue;  // not ours (or an unknown folder: reported there)
      const int target_rank = m_rank.at(*target_layer);
      if (*target_layer != layer) {
        if (target_rank < rank) {
          add(rel, number, "layer " + layer + " includes " + shown + " of higher layer " + *target_layer);
          continue;
        }
        if (target_rank == rank) {
          add(rel, number, "layer " + layer + " includes " + shown + " of sibling layer " + *target_layer);
          continue;
        }
      }
      if (public_header && internal(*target)) {
        add(rel, number,
            "public header includes internal header " + shown +
                " (it is not installed, so the installed header would not compile): make it public or "
                "mark this header internal");
      }
    }
  }

  fs::path m_root;
  const Rules& m_rules;
  std::map<std::string, int> m_rank;
  std::map<std::string, bool> m_internal_cache;
  Report m_report;
};

}  // namespace

bool is_internal_header(const fs::path& file) { return has_marker(read_lines(file)); }

Report check_tree(const fs::path& root, const Rules& rules) { return Checker(root, rules).run(); }

}  // namespace lotus::layers
