// PeerDb: batching, merge rules, bounds, redial candidates, persistence across reopen, schema
// version check, and that an interrupted (never flushed) batch leaves the last commit intact.
#include "node/peer_db.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "node/errors.hpp"

namespace lotus::node {
namespace {

namespace fs = std::filesystem;

class PeerDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lotus-peerdb-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir = tmpl;
    file = dir / "peers.sqlite";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  PeerDb open(PeerDb::Limits limits = {}) {
    auto db = PeerDb::open(file, limits);
    EXPECT_TRUE(db) << (db ? "" : db.error().message());
    return std::move(*db);
  }
  static std::vector<PeerRecord> all(const PeerDb& db) {
    auto r = db.load_all();
    EXPECT_TRUE(r);
    return r ? *r : std::vector<PeerRecord>{};
  }
  fs::path dir;
  fs::path file;
};

TEST_F(PeerDbTest, WritesAreBatchedUntilFlush) {
  auto db = open();
  db.record_connected("A", "/ip4/1.2.3.4/tcp/1", 1000);
  db.record_connected("B", "/ip4/1.2.3.5/tcp/2", 1001);
  EXPECT_EQ(db.pending(), 2u);
  EXPECT_TRUE(all(db).empty());  // nothing written yet
  ASSERT_TRUE(db.flush());
  EXPECT_EQ(db.pending(), 0u);
  const auto rows = all(db);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (PeerRecord{"A", {"/ip4/1.2.3.4/tcp/1"}, {}, "", 1000, 1000, 0}));
  EXPECT_EQ(rows[1], (PeerRecord{"B", {"/ip4/1.2.3.5/tcp/2"}, {}, "", 1001, 1001, 0}));
  ASSERT_TRUE(db.flush());  // empty flush is a no-op
}

// A damaged or edited file can hold rows larger than anything we write: they are read within
// the same bounds (addresses, protocols, agent), and an absurd list column reads as empty.
TEST_F(PeerDbTest, OversizedRowsAreReadWithinTheBounds) {
  {
    auto db = open();
    db.record_connected("A", "/ip4/1.2.3.4/tcp/1", 1000);
    ASSERT_TRUE(db.flush());
  }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &raw), SQLITE_OK);
  std::string addrs = "[", protos = "[";
  for (int i = 0; i < 1000; ++i) {
    addrs += std::string(i ? "," : "") + "\"/ip4/10.0.0.1/tcp/" + std::to_string(i) + "\"";
    protos += std::string(i ? "," : "") + "\"/p/" + std::to_string(i) + "\"";
  }
  addrs += "]";
  protos += "]";
  const std::string huge = "[\"" + std::string(300 * 1024, 'x') + "\"]";
  const std::string sql = "UPDATE peers SET addrs = '" + addrs + "', protocols = '" + protos + "', agent = '" +
                          std::string(5000, 'a') + "' WHERE peer_id = 'A';" +
                          "INSERT INTO peers (peer_id, addrs, protocols, agent, last_seen, last_connected, failures) "
                          "VALUES ('B', '" + huge + "', '[]', '', 1, 1, 0);";
  ASSERT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(raw);
  sqlite3_close(raw);
  PeerDb::Limits lim;
  auto db = open(lim);
  const auto rows = all(db);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].addrs.size(), lim.max_addrs);
  EXPECT_EQ(rows[0].addrs[0], "/ip4/10.0.0.1/tcp/0");
  EXPECT_EQ(rows[0].protocols.size(), lim.max_protocols);
  EXPECT_EQ(rows[0].agent.size(), lim.max_text);
  EXPECT_TRUE(rows[1].addrs.empty());
}

TEST_F(PeerDbTest, MergesConnectionsIdentifyAndFailuresAcrossBatches) {
  auto db = open();
  db.record_connected("A", "/ip4/1.2.3.4/tcp/1", 1000);
  ASSERT_TRUE(db.flush());
  db.record_identified("A", {"/ip4/1.2.3.4/tcp/1", "/ip4/10.0.0.1/tcp/1"}, {"/ipfs/id/1.0.0", "/ipfs/ping/1.0.0"},
                       "js-libp2p/3", 2000);
  ASSERT_TRUE(db.flush());
  auto rows = all(db);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (PeerRecord{"A",
                                 {"/ip4/1.2.3.4/tcp/1", "/ip4/10.0.0.1/tcp/1"},
                                 {"/ipfs/id/1.0.0", "/ipfs/ping/1.0.0"},
                                 "js-libp2p/3",
                                 2000,
                                 1000,
                                 0}));
  // A new connection address goes first; identify's lists are kept.
  db.record_connected("A", "/ip4/5.6.7.8/tcp/9", 3000);
  db.record_dial_failure("A", 3100);  // same batch, after the success: counts
  ASSERT_TRUE(db.flush());
  rows = all(db);
  EXPECT_EQ(rows[0].addrs, (std::vector<std::string>{"/ip4/5.6.7.8/tcp/9", "/ip4/1.2.3.4/tcp/1", "/ip4/10.0.0.1/tcp/1"}));
  EXPECT_EQ(rows[0].last_connected_ms, 3000);
  EXPECT_EQ(rows[0].failures, 1u);
  db.record_dial_failure("A", 4000);
  db.record_dial_failure("A", 4001);
  ASSERT_TRUE(db.flush());
  EXPECT_EQ(all(db)[0].failures, 3u);
  db.record_connected("A", "/ip4/5.6.7.8/tcp/9", 5000);  // success resets
  ASSERT_TRUE(db.flush());
  EXPECT_EQ(all(db)[0].failures, 0u);
}

TEST_F(PeerDbTest, ForgetDeletesAndLaterRecordsRevive) {
  auto db = open();
  db.record_connected("A", "/ip4/1.2.3.4/tcp/1", 1000);
  db.record_connected("B", "/ip4/1.2.3.4/tcp/2", 1000);
  ASSERT_TRUE(db.flush());
  db.forget("A");
  ASSERT_TRUE(db.flush());
  auto rows = all(db);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].peer_id, "B");
  db.forget("B");
  db.record_connected("B", "/ip4/9.9.9.9/tcp/2", 2000);  // revived in the same batch: a merge onto the stored row
  ASSERT_TRUE(db.flush());
  rows = all(db);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].addrs.front(), "/ip4/9.9.9.9/tcp/2");
}

TEST_F(PeerDbTest, BoundsListsTextAndRows) {
  PeerDb::Limits lim;
  lim.max_peers = 3;
  lim.max_addrs = 2;
  lim.max_protocols = 2;
  lim.max_text = 16;
  auto db = open(lim);
  db.record_identified("A", {"/a", "", std::string(17, 'x'), "/b", "/c"}, {"/p1", "/p2", "/p3"},
                       std::string(40, 'g'), 10);
  ASSERT_TRUE(db.flush());
  auto rows = all(db);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].addrs, (std::vector<std::string>{"/a", "/b"}));  // empty and over-long dropped, then cut
  EXPECT_EQ(rows[0].protocols, (std::vector<std::string>{"/p1", "/p2"}));
  EXPECT_EQ(rows[0].agent, std::string(16, 'g'));
  // Five peers into a table of three: the least recently seen go.
  for (int i = 0; i < 5; ++i) db.record_connected("P" + std::to_string(i), "/x", 100 + i);
  ASSERT_TRUE(db.flush());
  rows = all(db);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].peer_id, "P2");
  EXPECT_EQ(rows[1].peer_id, "P3");
  EXPECT_EQ(rows[2].peer_id, "P4");
}

TEST_F(PeerDbTest, PendingMapIsBoundedByAutoFlush) {
  PeerDb::Limits lim;
  lim.max_pending = 4;
  auto db = open(lim);
  for (int i = 0; i < 3; ++i) db.record_connected("P" + std::to_string(i), "/x", 1);
  EXPECT_EQ(db.pending(), 3u);
  db.record_connected("P3", "/x", 1);  // reaches the bound: flushed
  EXPECT_EQ(db.pending(), 0u);
  EXPECT_EQ(all(db).size(), 4u);
}

TEST_F(PeerDbTest, RedialCandidatesAreConnectedFewFailuresWithAddrsNewestFirst) {
  auto db = open();
  db.record_connected("old", "/ip4/1.1.1.1/tcp/1", 1000);
  db.record_connected("new", "/ip4/2.2.2.2/tcp/1", 3000);
  db.record_connected("mid", "/ip4/3.3.3.3/tcp/1", 2000);
  db.record_identified("never", {"/ip4/4.4.4.4/tcp/1"}, {}, "", 5000);  // never connected
  db.record_connected("flaky", "/ip4/5.5.5.5/tcp/1", 4000);
  ASSERT_TRUE(db.flush());
  for (int i = 0; i < 5; ++i) db.record_dial_failure("flaky", 4100 + i);
  ASSERT_TRUE(db.flush());
  auto c = db.redial_candidates(10);
  ASSERT_TRUE(c);
  ASSERT_EQ(c->size(), 3u);
  EXPECT_EQ((*c)[0].peer_id, "new");
  EXPECT_EQ((*c)[1].peer_id, "mid");
  EXPECT_EQ((*c)[2].peer_id, "old");
  auto two = db.redial_candidates(2);
  ASSERT_TRUE(two);
  EXPECT_EQ(two->size(), 2u);
  auto lenient = db.redial_candidates(10, 6);
  ASSERT_TRUE(lenient);
  EXPECT_EQ(lenient->size(), 4u);  // flaky (5 failures) allowed now
}

TEST_F(PeerDbTest, ReopenKeepsCommittedBatchesAndDropsUnflushedOnes) {
  {
    auto db = open();
    db.record_connected("A", "/ip4/1.2.3.4/tcp/1", 1000);
    db.record_identified("A", {"/ip4/1.2.3.4/tcp/1"}, {"/ipfs/ping/1.0.0"}, "agent", 1500);
    ASSERT_TRUE(db.flush());
    db.record_connected("B", "/ip4/1.2.3.5/tcp/1", 2000);  // never flushed (like a crash)
  }
  auto db = open();
  const auto rows = all(db);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (PeerRecord{"A", {"/ip4/1.2.3.4/tcp/1"}, {"/ipfs/ping/1.0.0"}, "agent", 1500, 1000, 0}));
  // The database passes SQLite's own consistency check.
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw, "PRAGMA integrity_check", -1, &s, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "ok");
  sqlite3_finalize(s);
  sqlite3_close(raw);
}

TEST_F(PeerDbTest, RefusesNewerSchemaAndUnopenablePaths) {
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "PRAGMA user_version = 7", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
  }
  auto db = PeerDb::open(file);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error(), make_error_code(node_errc::db_open_failed));
  auto bad = PeerDb::open(dir / "missing-dir" / "peers.sqlite");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), make_error_code(node_errc::db_open_failed));
}

}  // namespace
}  // namespace lotus::node
