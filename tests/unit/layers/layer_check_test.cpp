// The layer check on the real tree (LOTUS_SOURCE_DIR) and on small trees the tests write
// themselves, so that each rule is shown failing on a planted include.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "layer_check.hpp"

namespace fs = std::filesystem;
using lotus::layers::check_tree;
using lotus::layers::project_rules;
using lotus::layers::Report;
using lotus::layers::Violation;

namespace {

std::string describe(const std::vector<Violation>& vs) {
  std::string out;
  for (const auto& v : vs) out += "  " + v.to_string() + "\n";
  return out;
}

// A scratch source tree under the system temp directory, removed at the end of the test.
class Tree {
 public:
  Tree() {
    static std::atomic<int> counter{0};
    m_root = fs::temp_directory_path() /
             ("lotus_layers_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(m_root);
    fs::create_directories(m_root);
  }
  ~Tree() {
    std::error_code ec;
    fs::remove_all(m_root, ec);
  }
  Tree(const Tree&) = delete;
  Tree& operator=(const Tree&) = delete;

  void write(const std::string& rel, const std::string& text) {
    const fs::path p = m_root / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
  }
  Report check() const { return check_tree(m_root, project_rules()); }
  Report check(const lotus::layers::Rules& rules) const { return check_tree(m_root, rules); }

 private:
  fs::path m_root;
};

// This source tree, checked once for the tests that look at it.
const Report& real_tree() {
  static const Report report = check_tree(LOTUS_SOURCE_DIR, project_rules());
  return report;
}

}  // namespace

TEST(Layers, RealTreePasses) {
  const Report& r = real_tree();
  EXPECT_TRUE(r.violations.empty()) << r.violations.size() << " layering violation(s) in " LOTUS_SOURCE_DIR ":\n"
                                    << describe(r.violations);
  // It really looked: the tree has well over a hundred files and their includes.
  EXPECT_GT(r.files_scanned, 100u);
  EXPECT_GT(r.includes_checked, 500u);
}

TEST(Layers, RealTreeHasNoStaleExceptions) {
  const Report& r = real_tree();
  for (const auto& e : r.unused_exceptions)
    ADD_FAILURE() << "stale exception in tests/unit/layers/layer_table.cpp: " << e.file << " no longer includes "
                  << e.include << " (" << e.why << "); remove the entry";
}

TEST(Layers, InstallAndCheckUseTheSameMarker) {
  EXPECT_EQ(lotus::layers::kInternalMarker, std::string_view(LOTUS_INTERNAL_HEADER_MARKER));
}

TEST(Layers, RealTreeMarksInternalHeaders) {
  // The marker is found (the install skips exactly these); host/detail.hpp is the canonical one.
  const Report& r = real_tree();
  EXPECT_NE(std::find(r.internal_headers.begin(), r.internal_headers.end(), "src/host/detail.hpp"),
            r.internal_headers.end());
  std::string list;
  for (const auto& h : r.internal_headers) list += " " + h;
  RecordProperty("internal_headers", list);
}

// The planted violations of the brief, each reported with its file and line, and nothing else.
TEST(Layers, PlantedUpwardSiblingAndBannedIncludesAreReported) {
  Tree t;
  t.write("src/proto/x/planted.hpp",
          "// planted: a sans-IO engine that reaches up into the host\n"
          "#pragma once\n"
          "#include \"host/host.hpp\"\n");
  t.write("src/base/planted.cpp",
          "#include \"base/result.hpp\"\n"
          "#include <boost/asio.hpp>\n");
  t.write("src/dht/planted.cpp",
          "#include \"dht/dht.hpp\"\n"
          "#include \"host/host.hpp\"\n"
          "\n"
          "#include \"pubsub/pubsub.hpp\"\n");
  const Report r = t.check();
  const std::vector<Violation> expected{
      {"src/base/planted.cpp", 2,
       "layer base must not include <boost/asio.hpp>: Boost/Asio belong to runtime and the layers above it; "
       "the layers below are sans-IO (DESIGN.md §1, §3)"},
      {"src/dht/planted.cpp", 4, "layer dht includes \"pubsub/pubsub.hpp\" of sibling layer pubsub"},
      {"src/proto/x/planted.hpp", 3, "layer proto includes \"host/host.hpp\" of higher layer host"},
  };
  EXPECT_EQ(r.violations, expected) << "got:\n" << describe(r.violations);
  EXPECT_EQ(r.files_scanned, 3u);
  ASSERT_EQ(r.violations.size(), 3u);
  EXPECT_EQ(r.violations[2].to_string(),
            "src/proto/x/planted.hpp:3: layer proto includes \"host/host.hpp\" of higher layer host");
}

TEST(Layers, AsioWrapperAndJsonAreBannedBelowRuntime) {
  Tree t;
  t.write("src/crypto/a.cpp", "#include \"runtime/asio.hpp\"\n");
  t.write("src/multiformats/b.hpp", "#pragma once\n#include \"runtime/asio_fwd.hpp\"\n");
  t.write("src/proto/kad/other.cpp", "#include <nlohmann/json.hpp>\n");
  // The layers above may use all of it.
  t.write("src/runtime/c.cpp", "#include <boost/asio.hpp>\n#include \"runtime/asio.hpp\"\n");
  t.write("src/node/d.cpp", "#include <nlohmann/json.hpp>\n#include <boost/beast/http.hpp>\n");
  const Report r = t.check();
  ASSERT_EQ(r.violations.size(), 3u) << describe(r.violations);
  EXPECT_EQ(r.violations[0].file, "src/crypto/a.cpp");
  EXPECT_EQ(r.violations[0].line, 1);
  EXPECT_TRUE(r.violations[0].message.starts_with("layer crypto must not include \"runtime/asio.hpp\": "));
  EXPECT_EQ(r.violations[1].file, "src/multiformats/b.hpp");
  EXPECT_EQ(r.violations[1].line, 2);
  EXPECT_EQ(r.violations[2].file, "src/proto/kad/other.cpp");
  EXPECT_TRUE(r.violations[2].message.starts_with("layer proto must not include <nlohmann/json.hpp>: JSON belongs"));
  EXPECT_TRUE(r.unused_exceptions.empty());
}

TEST(Layers, AnExceptionAllowsOneIncludeAndIsReportedOnceStale) {
  Tree t;
  t.write("src/proto/kad/legacy.cpp", "#include <nlohmann/json.hpp>\n");
  t.write("src/proto/kad/other.cpp", "#include <nlohmann/json.hpp>\n");
  auto rules = project_rules();
  rules.exceptions.push_back({"src/proto/kad/legacy.cpp", "nlohmann/json.hpp", "moving up"});
  rules.exceptions.push_back({"src/proto/kad/gone.cpp", "nlohmann/json.hpp", "already moved"});
  const Report r = t.check(rules);
  ASSERT_EQ(r.violations.size(), 1u) << describe(r.violations);
  EXPECT_EQ(r.violations[0].file, "src/proto/kad/other.cpp");  // the exception covers one file only
  ASSERT_EQ(r.unused_exceptions.size(), 1u);
  EXPECT_EQ(r.unused_exceptions[0].file, "src/proto/kad/gone.cpp");
}

TEST(Layers, DownwardAndSameLayerIncludesPass) {
  Tree t;
  t.write("apps/tool/commands.hpp", "#pragma once\n#include \"node/node.hpp\"\n");
  t.write("apps/tool/main.cpp", "#include \"commands.hpp\"\n#include \"runtime/asio.hpp\"\n#include <cstdio>\n");
  t.write("src/node/n.cpp", "#include \"coordinator/c.hpp\"\n#include \"dht/dht.hpp\"\n#include \"pubsub/pubsub.hpp\"\n");
  t.write("src/coordinator/c.hpp", "#pragma once\n#include \"dht/dht.hpp\"\n#include \"base/bytes.hpp\"\n");
  t.write("src/proto/kad/k.cpp", "#include \"proto/noise/n.hpp\"\n#include \"crypto/keys.hpp\"\n");
  t.write("src/base/b.hpp", "#pragma once\n#include <vector>\n#include \"base/result.hpp\"\n");
  const Report r = t.check();
  EXPECT_TRUE(r.violations.empty()) << describe(r.violations);
  EXPECT_EQ(r.files_scanned, 6u);
}

TEST(Layers, CoordinatorSitsBetweenNodeAndTheServices) {
  Tree t;
  t.write("src/coordinator/c.cpp",
          "#include \"dht/dht.hpp\"\n"
          "#include \"node/node.hpp\"\n");
  t.write("src/dht/d.cpp", "#include \"coordinator/c.hpp\"\n");
  const Report r = t.check();
  const std::vector<Violation> expected{
      {"src/coordinator/c.cpp", 2, "layer coordinator includes \"node/node.hpp\" of higher layer node"},
      {"src/dht/d.cpp", 1, "layer dht includes \"coordinator/c.hpp\" of higher layer coordinator"},
  };
  EXPECT_EQ(r.violations, expected) << describe(r.violations);
}

TEST(Layers, UnknownFolderNeedsARow) {
  Tree t;
  t.write("src/unlisted/a.hpp", "#pragma once\n");
  t.write("src/unlisted/a.cpp", "#include \"unlisted/a.hpp\"\n");
  t.write("src/stray.hpp", "#pragma once\n");
  const Report r = t.check();
  const std::vector<Violation> expected{
      {"src/stray.hpp", 0, "not in a layer folder (src/<layer>/... or apps/...)"},
      {"src/unlisted", 0,
       "folder src/unlisted is not in the layer table (tests/unit/layers/layer_table.cpp): add it to the row of its layer"},
  };
  EXPECT_EQ(r.violations, expected) << describe(r.violations);
}

TEST(Layers, CommentedOutIncludesAreIgnored) {
  Tree t;
  t.write("src/proto/p.cpp",
          "// #include \"host/host.hpp\"\n"
          "/* an old version:\n"
          "#include \"host/host.hpp\"\n"
          "*/\n"
          "const char* glob = \"src/*.hpp\";  // a string is not a comment\n"
          "const char* raw = R\"x(\n"
          "#include \"host/host.hpp\"\n"
          ")x\";\n"
          "#include \"runtime/tcp.hpp\"\n");
  const Report r = t.check();
  const std::vector<Violation> expected{
      {"src/proto/p.cpp", 9, "layer proto includes \"runtime/tcp.hpp\" of higher layer runtime"},
  };
  EXPECT_EQ(r.violations, expected) << describe(r.violations);
}

TEST(Layers, PublicHeaderMustNotIncludeInternalHeader) {
  Tree t;
  const std::string marker(lotus::layers::kInternalMarker);
  t.write("src/host/detail.hpp", "// host internals\n" + marker + "\n#pragma once\n");
  t.write("src/host/impl.hpp", "// more internals\n" + marker + "\n#pragma once\n#include \"host/detail.hpp\"\n");
  t.write("src/host/host.hpp", "#pragma once\n#include \"base/result.hpp\"\n#include \"host/detail.hpp\"\n");
  t.write("src/host/host.cpp", "#include \"host/detail.hpp\"\n");       // sources may
  t.write("src/node/node.hpp", "#pragma once\n#include \"host/impl.hpp\"\n");  // across layers too
  // Mentioning the marker is not being marked: only a line that is exactly the marker counts.
  t.write("src/base/doc.hpp", "#pragma once\n// see \"" + marker + "\"\n");
  t.write("src/base/user.hpp", "#pragma once\n#include \"base/doc.hpp\"\n");
  const Report r = t.check();
  const std::string why =
      " (it is not installed, so the installed header would not compile): make it public or mark this header "
      "internal";
  const std::vector<Violation> expected{
      {"src/host/host.hpp", 3, "public header includes internal header \"host/detail.hpp\"" + why},
      {"src/node/node.hpp", 2, "public header includes internal header \"host/impl.hpp\"" + why},
  };
  EXPECT_EQ(r.violations, expected) << describe(r.violations);
  EXPECT_EQ(r.internal_headers, (std::vector<std::string>{"src/host/detail.hpp", "src/host/impl.hpp"}));
}

TEST(Layers, AngleBracketProjectIncludesCount) {
  Tree t;
  t.write("src/host/host.hpp", "#pragma once\n");
  t.write("src/proto/p.hpp", "#pragma once\n#include <host/host.hpp>\n#include <proto/missing.hpp>\n");
  const Report r = t.check();
  const std::vector<Violation> expected{
      {"src/proto/p.hpp", 2, "layer proto includes <host/host.hpp> of higher layer host"},
  };
  EXPECT_EQ(r.violations, expected) << describe(r.violations);
}
