// Fuzz the two SQLite stores a daemon opens from its data directory — the peer DB (peers.sqlite)
// and the DHT record store (dht.sqlite) — with damaged files: the first byte picks the store,
// the rest is the file. Opening either returns a store or an error; nothing crashes. An opened
// peer DB loads its rows within its bounds; an opened record store answers a get and an expire.
// Seeds: real files written by the stores (tests/fuzz/corpus/fuzz_store_open), so mutations
// reach the schema and row checks rather than stopping at the SQLite header.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "dht/sqlite_record_store.hpp"
#include "node/peer_db.hpp"

using namespace lotus;

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
std::string scratch_file() {
  static const std::string path = [] {
    const auto dir = std::filesystem::temp_directory_path() / ("lotus-fuzz-store-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return (dir / "store.sqlite").string();
  }();
  return path;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string path = scratch_file();
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::remove((path + suffix).c_str());
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
  }
  if (data[0] & 1) {
    node::PeerDb::Limits limits;
    auto db = node::PeerDb::open(path, limits);
    if (db) {
      auto rows = db->load_all();
      if (rows) {
        for (const auto& r : *rows) {
          check(r.addrs.size() <= limits.max_addrs);
          check(r.protocols.size() <= limits.max_protocols);
        }
      }
    }
  } else {
    auto store = dht::SqliteRecordStore::open(path, {}, TimePoint{});
    if (store) {
      const Bytes key = {'k'};
      (void)(*store)->get(key, TimePoint{});
      (void)(*store)->expire(TimePoint{} + std::chrono::hours(48));
    }
  }
  return 0;
}
