// SqliteRecordStore: put/get/replace/remove, expiry by TTL, bounds, persistence across reopen
// with wall-clock conversion (virtual steady time + injected wall clock), use by the Dht.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "dht/dht.hpp"
#include "dht/sqlite_record_store.hpp"
#include "proto/kad/errc.hpp"

namespace lotus::dht {
namespace {

using proto::kad::Record;
namespace kad = proto::kad;

Bytes b(std::string_view s) { return Bytes(s.begin(), s.end()); }
const TimePoint t0 = TimePoint{} + std::chrono::hours(1000);
constexpr std::int64_t kWall0 = 1'700'000'000'000;  // Unix ms at t0

struct TempDb {
  std::string path;
  TempDb() {
    path = (std::filesystem::temp_directory_path() /
            ("lotus_kad_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".sqlite"))
               .string();
    std::filesystem::remove(path);
  }
  ~TempDb() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
};

std::unique_ptr<SqliteRecordStore> open_at(const std::string& path, TimePoint now, std::int64_t wall,
                                           SqliteRecordStoreConfig cfg = {}) {
  auto s = SqliteRecordStore::open(path, cfg, now, [wall] { return wall; });
  EXPECT_TRUE(s.has_value());
  return s ? std::move(*s) : nullptr;
}

TEST(SqliteRecordStore, PutGetReplaceRemove) {
  auto s = open_at(":memory:", t0, kWall0);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->size(), 0u);
  EXPECT_FALSE(s->get(b("k"), t0));
  ASSERT_TRUE(s->put(Record{b("k"), b("v1"), "2026-01-01T00:00:00Z"}, t0).has_value());
  auto r = s->get(b("k"), t0);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (Record{b("k"), b("v1"), "2026-01-01T00:00:00Z"}));
  ASSERT_TRUE(s->put(Record{b("k"), b("v2"), ""}, t0).has_value());
  EXPECT_EQ(s->get(b("k"), t0)->value, b("v2"));
  EXPECT_EQ(s->size(), 1u);
  // Binary keys with NUL bytes, empty value.
  const Bytes bin = {0, 1, 0, 2};
  ASSERT_TRUE(s->put(Record{bin, {}, ""}, t0).has_value());
  ASSERT_TRUE(s->get(bin, t0));
  EXPECT_TRUE(s->get(bin, t0)->value.empty());
  EXPECT_TRUE(s->remove(b("k")));
  EXPECT_FALSE(s->remove(b("k")));
  EXPECT_FALSE(s->get(b("k"), t0));
  EXPECT_EQ(s->size(), 1u);
}

TEST(SqliteRecordStore, ExpiryAndBounds) {
  SqliteRecordStoreConfig cfg;
  cfg.ttl = std::chrono::hours(48);
  cfg.max_records = 2;
  cfg.max_record_bytes = 100;
  auto s = open_at(":memory:", t0, kWall0, cfg);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->put(Record{b("big"), Bytes(98, 'x'), ""}, t0).error(), make_error_code(kad::errc::value_too_large));
  ASSERT_TRUE(s->put(Record{b("a"), b("1"), ""}, t0).has_value());
  ASSERT_TRUE(s->put(Record{b("b"), b("2"), ""}, t0 + std::chrono::hours(10)).has_value());
  EXPECT_EQ(s->put(Record{b("c"), b("3"), ""}, t0 + std::chrono::hours(20)).error(),
            make_error_code(kad::errc::store_full));
  ASSERT_TRUE(s->put(Record{b("a"), b("1b"), ""}, t0 + std::chrono::hours(20)).has_value());  // replace ok at capacity
  // a now expires at t0+68h, b at t0+58h.
  EXPECT_TRUE(s->get(b("b"), t0 + std::chrono::hours(57)));
  EXPECT_FALSE(s->get(b("b"), t0 + std::chrono::hours(58)));
  EXPECT_EQ(s->size(), 2u);  // not swept yet
  // At capacity a put of a new key sweeps expired rows first.
  ASSERT_TRUE(s->put(Record{b("c"), b("3"), ""}, t0 + std::chrono::hours(59)).has_value());
  EXPECT_EQ(s->size(), 2u);
  EXPECT_EQ(s->expire(t0 + std::chrono::hours(68)), 1u);  // a
  EXPECT_EQ(s->size(), 1u);
}

TEST(SqliteRecordStore, SurvivesReopenWithWallClock) {
  TempDb db;
  {
    auto s = open_at(db.path, t0, kWall0);
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->put(Record{b("resource:x:1"), b("{}"), "t"}, t0).has_value());
    ASSERT_TRUE(s->put(Record{b("short"), b("v"), "t"}, t0 - std::chrono::hours(40)).has_value());  // expires t0+8h
  }
  constexpr std::int64_t kHour = 3'600'000;
  {
    // Process restart: a different steady epoch, 7 h of wall time later.
    const TimePoint other = TimePoint{} + std::chrono::hours(5);
    auto s = open_at(db.path, other, kWall0 + 7 * kHour);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->size(), 2u);
    auto r = s->get(b("resource:x:1"), other);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->value, b("{}"));
    EXPECT_EQ(r->time_received, "t");
    EXPECT_TRUE(s->get(b("short"), other));
    EXPECT_FALSE(s->get(b("short"), other + std::chrono::hours(1)));
  }
  {
    auto s = open_at(db.path, t0, kWall0 + 49 * kHour);
    ASSERT_TRUE(s);
    EXPECT_FALSE(s->get(b("resource:x:1"), t0));
    EXPECT_EQ(s->expire(t0), 2u);
    EXPECT_EQ(s->size(), 0u);
  }
}

TEST(SqliteRecordStore, OpenFailsOnBadPathAndGarbageFile) {
  auto bad = SqliteRecordStore::open("/nonexistent-dir/x/y.sqlite", {}, t0);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), make_error_code(errc::store_io));
  TempDb db;
  {
    std::FILE* f = std::fopen(db.path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const std::string junk(4096, 'J');
    std::fwrite(junk.data(), 1, junk.size(), f);
    std::fclose(f);
  }
  auto garbage = SqliteRecordStore::open(db.path, {}, t0);
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error(), make_error_code(errc::store_corrupt));  // refused at open, by its integrity check
}

}  // namespace
}  // namespace lotus::dht
