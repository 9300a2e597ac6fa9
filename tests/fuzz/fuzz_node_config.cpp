// Fuzz the daemon configuration loader: arbitrary bytes as the TOML file, and as the value of
// an environment variable and a flag. Properties: never crashes or throws; a configuration
// that loads renders (print-config) to TOML that loads back to the same rendering.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "node/config.hpp"

namespace {

std::string strip_comments(const std::string& text) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.rfind("#", 0) == 0) continue;
    if (auto c = line.find("  # "); c != std::string::npos) line.resize(c);
    out += line + "\n";
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lotus::node;
  if (size == 0) return 0;
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  static const char* const kEnv[] = {"P2P_MAX_CONNECTIONS", "LOTUS_P2P_LISTEN", "LOTUS_P2P_METADATA",
                                     "LOTUS_P2P_DHT_PROTOCOL"};
  static const char* const kFlags[] = {"bootstrap-peer", "metadata", "profile", "dht-server"};
  ConfigSources s;
  s.env["HOME"] = "/home/fuzz";
  std::optional<std::string> file;
  switch (data[0] % 3) {
    case 0: file = input; break;
    case 1: s.env[kEnv[(data[0] / 3) % 4]] = input; break;
    default: s.flags.emplace_back(kFlags[(data[0] / 3) % 4], input); break;
  }
  auto first = load_config_from_text(s, file, "/fuzz.toml");
  if (!first) {
    if (first.error().message.empty()) std::abort();
    return 0;
  }
  const std::string text = render_config(*first);
  auto second = load_config_from_text(ConfigSources{{}, {{"HOME", "/home/fuzz"}}, {}, {}}, text, "/out.toml");
  if (!second) std::abort();
  if (strip_comments(render_config(*second)) != strip_comments(text)) std::abort();
  return 0;
}
