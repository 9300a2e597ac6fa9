#include "node/store_files.hpp"

#include <chrono>
#include <system_error>

#include "node/errors.hpp"

namespace lotus::node {

Result<std::filesystem::path> move_store_aside(const std::filesystem::path& file) {
  const auto secs =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::filesystem::path aside = file.string() + ".corrupt-" + std::to_string(secs);
  std::error_code ec;
  std::filesystem::rename(file, aside, ec);
  if (ec) return ec;
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::filesystem::path side = file.string() + suffix;
    if (std::filesystem::exists(side, ec)) std::filesystem::rename(side, aside.string() + suffix, ec);
  }
  return aside;
}

std::string damaged_store_advice(const std::filesystem::path& file, const std::string& what_is_lost) {
  return file.string() + " is damaged (integrity check failed or a table is missing): restore it from a backup, " +
         "delete it (" + what_is_lost + "), or start lotus-p2pd with --recover-stores to move it aside and start " +
         "with an empty one";
}

}  // namespace lotus::node
