// Persistent peer store of the daemon: what we know about other peers survives restarts, so a
// restarted node redials the peers it was connected to.
//
// One SQLite database (<data dir>/peers.sqlite, WAL journal, synchronous=NORMAL): a crash or
// SIGTERM at any point leaves the last committed batch intact (WAL + one transaction per
// batch). Writes are batched: record_*() only update an in-memory pending map (bounded by
// Limits::max_pending; reaching it flushes), flush() writes every pending change in one
// transaction. The table is bounded to Limits::max_peers rows: peers that never gave us a
// dialable address (throwaway identities that only connected in) go first, then the least
// recently seen. open() refuses a damaged file (PRAGMA quick_check) or one whose schema
// version promises a table that is missing (node_errc::db_corrupt) — never recreated silently —
// and creates the file with mode 0600.
//
//   table peers(peer_id TEXT PRIMARY KEY, addrs TEXT (JSON array), protocols TEXT (JSON array),
//               agent TEXT, last_seen INTEGER (unix ms), last_connected INTEGER (unix ms),
//               failures INTEGER)   -- PRAGMA user_version = 1
//
// Single-threaded (the daemon's io_context thread). Not done: schema migrations beyond
// version 1 (a newer database is refused), encryption at rest (nothing secret is stored).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/result.hpp"

struct sqlite3;

namespace lotus::node {

struct PeerRecord {
  std::string peer_id;                 // base58 / CIDv1 text form
  std::vector<std::string> addrs;      // dialable multiaddrs without /p2p/
  std::vector<std::string> protocols;
  std::string agent;
  std::int64_t last_seen_ms = 0;       // last connection opened or identify (unix ms)
  std::int64_t last_connected_ms = 0;  // last successful connection (unix ms)
  std::uint32_t failures = 0;          // consecutive failed dials since the last success
  bool operator==(const PeerRecord&) const = default;
};

class PeerDb {
 public:
  struct Limits {
    std::size_t max_peers = 1000;
    std::size_t max_pending = 1024;
    std::size_t max_addrs = 32;
    std::size_t max_protocols = 128;
    std::size_t max_text = 512;  // agent and each address/protocol, longer values are cut/dropped
  };

  // Opens (creating if needed) the database file. node_errc::db_open_failed on failure.
  static Result<PeerDb> open(const std::filesystem::path& file, Limits limits);
  static Result<PeerDb> open(const std::filesystem::path& file) { return open(file, Limits{}); }
  PeerDb(PeerDb&&) noexcept;
  PeerDb& operator=(PeerDb&&) noexcept;
  ~PeerDb();  // does NOT flush: call flush() first (the daemon does at stop)

  // A connection to the peer completed (resets failures).
  void record_connected(const std::string& peer, const std::string& addr, std::int64_t now_ms);
  // Identify told us its listen addresses, protocols and agent (replaces the stored lists).
  void record_identified(const std::string& peer, std::vector<std::string> addrs,
                         std::vector<std::string> protocols, std::string agent, std::int64_t now_ms);
  // A dial to a known peer failed.
  void record_dial_failure(const std::string& peer, std::int64_t now_ms);
  void forget(const std::string& peer);

  std::size_t pending() const noexcept;
  // Writes every pending change in one transaction (rolled back on error).
  Status flush();

  Result<std::vector<PeerRecord>> load_all() const;
  // Rows in the table (what the `known` peers metric reports).
  Result<std::size_t> rows() const;
  // Peers to redial at start: connected at least once, fewer than max_failures consecutive
  // failures, with an address; most recently connected first, at most `n`.
  Result<std::vector<PeerRecord>> redial_candidates(std::size_t n, std::uint32_t max_failures = 5) const;

 private:
  struct Pending;
  PeerDb(sqlite3* db, Limits limits);
  void maybe_autoflush();
  Pending& pending_for(const std::string& peer);
  sqlite3* m_db = nullptr;
  Limits m_limits;
  std::map<std::string, std::unique_ptr<Pending>> m_pending;
};

}  // namespace lotus::node
