// The layer check: reads every .hpp/.cpp under <root>/src and <root>/apps, maps each file to
// its layer by path, and reports each #include that breaks the layering rules (DESIGN.md §1):
//
//  * an include of a higher layer ("upward") or of a sibling on the same row of the table;
//  * an include a layer bans (Boost/Asio/nlohmann in the sans-IO layers), unless an exception
//    names that file and include;
//  * a public header (installed by `cmake --install`) that includes an internal one (not
//    installed: the installed header would not compile). A header is internal when one of its
//    lines is exactly kInternalMarker (cmake/LotusInstall.cmake reads the same marker);
//  * a file in a folder the table does not know (src/<new folder> needs a row).
//
// The rules themselves (the layer table, bans, exceptions) are data: layer_table.cpp.
//
// What is an include: a `#include "..."` or `#include <...>` line outside comments. Quoted
// paths resolve like the compiler does: next to the including file first, then rooted at src/
// ("host/host.hpp" is src/host/host.hpp, whether or not it exists). An angle-bracket include
// counts as a project include only if it names an existing file under src/ whose first folder
// is a layer. Not handled (on purpose, none of it occurs here): includes through macros,
// #if 0 blocks, include paths other than src/ and the including file's folder.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace lotus::layers {

// A line exactly like this one (first line after the file comment, by convention) marks a
// header internal: not installed, and public headers must not include it.
inline constexpr std::string_view kInternalMarker = "// lotus-p2p: internal header (not installed)";

// Includes a set of layers must not use: a path ending in '/' bans everything under it
// ("boost/"), any other path bans that include exactly ("runtime/asio.hpp").
struct Ban {
  std::vector<std::string> layers;
  std::vector<std::string> includes;
  std::string why;
};

// An include allowed despite a ban (it must say why, and it is reported as stale once the
// file no longer has that include).
struct Exception {
  std::string file;     // relative to the root, e.g. "src/proto/kad/resource_validator.cpp"
  std::string include;  // as written, e.g. "nlohmann/json.hpp"
  std::string why;
};

struct Rules {
  // Top to bottom. A layer may include its own files and the files of every layer on a later
  // row. Layers on the same row are siblings: neither may include the other. "apps" is the
  // apps/ tree; every other name is a folder under src/.
  std::vector<std::vector<std::string>> rows;
  std::vector<Ban> bans;
  std::vector<Exception> exceptions;
};

// The project's rules (layer_table.cpp).
const Rules& project_rules();

struct Violation {
  std::string file;  // relative to the root, '/'-separated
  int line = 0;      // 1-based; 0 when the violation is about a whole folder
  std::string message;
  // "file:line: message" (or "file: message" for a folder)
  std::string to_string() const;
  bool operator==(const Violation&) const = default;
};

struct Report {
  std::vector<Violation> violations;  // in file order, then line order
  std::vector<Exception> unused_exceptions;
  std::size_t files_scanned = 0;
  std::size_t includes_checked = 0;
  std::vector<std::string> internal_headers;  // relative paths, sorted
};

Report check_tree(const std::filesystem::path& root, const Rules& rules);

// True if the file has a line that is exactly kInternalMarker.
bool is_internal_header(const std::filesystem::path& file);

}  // namespace lotus::layers
