// The daemon's SQLite store files (peers.sqlite, dht.sqlite): what to do when one is refused
// at start (damaged, or a table missing), and moving a damaged one aside when the operator
// asked for it (lotus-p2pd --recover-stores).
#pragma once

#include <filesystem>
#include <string>

#include "base/result.hpp"

namespace lotus::node {

// Renames <file>, <file>-wal and <file>-shm to <file>.corrupt-<unix seconds>[-wal|-shm];
// returns the new name of <file>.
Result<std::filesystem::path> move_store_aside(const std::filesystem::path& file);

// "peers.sqlite is damaged (…): restore it from a backup, delete it (…), or start lotus-p2pd
// with --recover-stores to move it aside and start with an empty one"
std::string damaged_store_advice(const std::filesystem::path& file, const std::string& what_is_lost);

}  // namespace lotus::node
