// What the node refuses to do quietly: replace an identity that should exist (a dangling
// symlink, a FIFO, a missing key in a used data directory), open a damaged or half-dropped
// store, or grow its peer table, its local DHT keys or a slow subscriber's queue without bound.
// Each case starts a real node::Node (or the store it opens) in a temporary data directory.
#include <gtest/gtest.h>
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LOTUS_UNDER_ASAN 1
#endif
#endif
#if !defined(LOTUS_UNDER_ASAN) && defined(__SANITIZE_ADDRESS__)
#define LOTUS_UNDER_ASAN 1
#endif
#if LOTUS_UNDER_ASAN
#include <sanitizer/allocator_interface.h>
#else
#define LOTUS_UNDER_ASAN 0
#include <malloc.h>
#endif
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "coordinator/resource_validator.hpp"
#include "dht/dht.hpp"
#include "dht/sqlite_record_store.hpp"
#include "host/host.hpp"
#include "node/control_client.hpp"
#include "node/errors.hpp"
#include "node/node.hpp"
#include "node/peer_db.hpp"
#include "pubsub/pubsub.hpp"
#include "runtime/asio.hpp"

namespace lotus::node {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Bytes of heap this process holds live right now. Not RSS: freed memory is not always given
// back to the kernel, and under AddressSanitizer it sits in the quarantine (256 MiB by default),
// so RSS measures the allocator rather than us. ASan's allocator counts its live bytes itself;
// glibc's mallinfo2 counts arena chunks in use plus mmap'd chunks.
std::size_t live_heap_kib() {
#if LOTUS_UNDER_ASAN
  return __sanitizer_get_current_allocated_bytes() / 1024;
#else
  const struct mallinfo2 mi = ::mallinfo2();
  return (mi.uordblks + mi.hblkhd) / 1024;
#endif
}

class NodeDir : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lotus-hardening-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir = tmpl;
    guard.emplace(io.get_executor());
    thread = std::thread([this] { io.run(); });
  }
  void TearDown() override {
    guard.reset();
    io.stop();
    if (thread.joinable()) thread.join();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  LoadedConfig config(std::vector<std::pair<std::string, std::string>> extra = {}) {
    ConfigSources s;
    s.data_dir = dir;
    s.flags = {{"listen", "/ip4/127.0.0.1/tcp/0"}, {"api-listen", "off"}, {"peer-store-redial", "0"}};
    for (auto& e : extra) s.flags.push_back(std::move(e));
    auto l = load_config_from_text(s, std::nullopt, "none");
    EXPECT_TRUE(l) << (l ? "" : l.error().message);
    return *l;
  }
  template <class F>
  auto on_io(F f) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto fut = task.get_future();
    asio::post(io, [&task] { task(); });
    return fut.get();
  }
  // Starts a node; returns the start error (empty on success) and stops it again.
  std::pair<std::error_code, std::string> start_once(NodeOptions opt = {}, std::vector<std::pair<std::string, std::string>> extra = {}) {
    Node n(io, config(std::move(extra)), std::move(opt));
    auto st = on_io([&] { return n.start(); });
    std::pair<std::error_code, std::string> out{st ? std::error_code{} : st.error(), n.error_message()};
    std::promise<void> done;
    asio::co_spawn(io, n.stop(), [&done](std::exception_ptr) { done.set_value(); });
    done.get_future().wait();
    return out;
  }
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
  std::thread thread;
  fs::path dir;
};

// ------------------------------------------------------------------------------ identity

TEST_F(NodeDir, ADanglingSymlinkIsNotReplacedByANewIdentity) {
  fs::create_symlink(dir / "vault" / "identity.key", dir / "identity.key");  // the vault is not mounted
  auto [ec, msg] = start_once();
  EXPECT_EQ(ec, make_error_code(node_errc::identity_not_a_file));
  EXPECT_NE(msg.find("is a symbolic link to " + (dir / "vault" / "identity.key").string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("--init-identity"), std::string::npos) << msg;
  EXPECT_TRUE(fs::is_symlink(dir / "identity.key"));  // untouched
  EXPECT_FALSE(fs::exists(dir / "vault"));
}

TEST_F(NodeDir, AFifoAsIdentityIsRefusedWithoutBlocking) {
  ASSERT_EQ(::mkfifo((dir / "identity.key").c_str(), 0600), 0);
  auto [ec, msg] = start_once();
  EXPECT_EQ(ec, make_error_code(node_errc::identity_not_a_file));
  EXPECT_NE(msg.find("is not a regular file (a FIFO)"), std::string::npos) << msg;
}

TEST_F(NodeDir, AMissingKeyBesideAPeerStoreIsRefusedUnlessInitIdentity) {
  auto [ec0, msg0] = start_once();  // first start: creates identity.key and peers.sqlite
  ASSERT_FALSE(ec0) << msg0;
  ASSERT_TRUE(fs::exists(dir / "peers.sqlite"));
  fs::remove(dir / "identity.key");
  auto [ec, msg] = start_once();
  EXPECT_EQ(ec, make_error_code(node_errc::identity_missing));
  EXPECT_NE(msg.find("identity " + (dir / "identity.key").string() + " is missing, but this data directory has been used"),
            std::string::npos)
      << msg;
  EXPECT_FALSE(fs::exists(dir / "identity.key"));
  NodeOptions init;
  init.init_identity = true;
  auto [ec2, msg2] = start_once(std::move(init));
  EXPECT_FALSE(ec2) << msg2;
  EXPECT_TRUE(fs::exists(dir / "identity.key"));
}

TEST_F(NodeDir, StoreFilesAreOwnerOnly) {
  auto [ec, msg] = start_once();
  ASSERT_FALSE(ec) << msg;
  for (const char* f : {"identity.key", "peers.sqlite", "dht.sqlite"}) {
    struct stat st {};
    ASSERT_EQ(::stat((dir / f).c_str(), &st), 0) << f;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << f;
  }
}

// ------------------------------------------------------------------------------ stores

// Overwrites the middle of a database file (interior pages) with garbage.
void damage(const fs::path& file) {
  const auto size = fs::file_size(file);
  ASSERT_GT(size, 16384u) << file;
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(size / 2));
  const std::string junk(8192, '\x5a');
  f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
}

void sql(const fs::path& file, const char* statement) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, statement, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

void fill_peer_store(const fs::path& file, int n) {
  auto db = PeerDb::open(file, PeerDb::Limits{.max_peers = 100000});
  ASSERT_TRUE(db);
  for (int i = 0; i < n; ++i)
    db->record_identified("peer-" + std::to_string(i), {"/ip4/10.0.0.1/tcp/" + std::to_string(1000 + i)}, {"/x/1.0.0"},
                          std::string(200, 'a'), 1000 + i);
  ASSERT_TRUE(db->flush());
}

TEST_F(NodeDir, ADamagedPeerStoreStopsTheStartAndCanBeMovedAside) {
  auto [ec0, msg0] = start_once();
  ASSERT_FALSE(ec0) << msg0;
  fill_peer_store(dir / "peers.sqlite", 2000);
  sql(dir / "peers.sqlite", "PRAGMA wal_checkpoint(TRUNCATE)");
  damage(dir / "peers.sqlite");
  auto [ec, msg] = start_once();
  EXPECT_EQ(ec, make_error_code(node_errc::db_corrupt));
  EXPECT_NE(msg.find((dir / "peers.sqlite").string() + " is damaged"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--recover-stores"), std::string::npos) << msg;
  NodeOptions recover;
  recover.recover_stores = true;
  auto [ec2, msg2] = start_once(std::move(recover));
  EXPECT_FALSE(ec2) << msg2;
  bool moved = false;
  for (const auto& e : fs::directory_iterator(dir))
    moved = moved || e.path().filename().string().rfind("peers.sqlite.corrupt-", 0) == 0;
  EXPECT_TRUE(moved);
  auto fresh = PeerDb::open(dir / "peers.sqlite");
  ASSERT_TRUE(fresh);
  EXPECT_EQ(*fresh->rows(), 0u);
}

TEST_F(NodeDir, ADroppedTableIsNotRecreatedSilently) {
  auto [ec0, msg0] = start_once();
  ASSERT_FALSE(ec0) << msg0;
  sql(dir / "peers.sqlite", "DROP TABLE peers");
  auto [ec, msg] = start_once();
  EXPECT_EQ(ec, make_error_code(node_errc::db_corrupt)) << msg;
  fs::remove(dir / "peers.sqlite");  // the operator deletes it: known peers are relearned
  sql(dir / "dht.sqlite", "DROP TABLE kad_records");
  auto [ec2, msg2] = start_once();
  EXPECT_EQ(ec2, make_error_code(dht::errc::store_corrupt)) << msg2;
  EXPECT_NE(msg2.find((dir / "dht.sqlite").string() + " is damaged"), std::string::npos) << msg2;
}

TEST_F(NodeDir, ADamagedDhtStoreIsRefused) {
  {
    auto store = dht::SqliteRecordStore::open((dir / "dht.sqlite").string(), {}, Clock::now());
    ASSERT_TRUE(store);
    for (int i = 0; i < 500; ++i)
      ASSERT_TRUE((*store)->put(proto::kad::Record{to_bytes("k" + std::to_string(i)), Bytes(300, 7), ""}, Clock::now()));
  }
  damage(dir / "dht.sqlite");
  auto again = dht::SqliteRecordStore::open((dir / "dht.sqlite").string(), {}, Clock::now());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), make_error_code(dht::errc::store_corrupt));
}

// The table stays at its bound under 3,000 throwaway identities (inbound only, no dialable
// address): they go first, the peers with addresses stay; the count survives a reopen.
TEST_F(NodeDir, ThePeerTableStaysBoundedUnderThrowawayIdentities) {
  const auto file = dir / "peers.sqlite";
  {
    auto db = PeerDb::open(file, PeerDb::Limits{.max_peers = 500});
    ASSERT_TRUE(db);
    for (int i = 0; i < 20; ++i)
      db->record_identified("good-" + std::to_string(i), {"/ip4/10.0.0.2/tcp/" + std::to_string(4000 + i)}, {}, "a",
                            1);
    ASSERT_TRUE(db->flush());
    for (int i = 0; i < 3000; ++i) {
      db->record_connected("throwaway-" + std::to_string(i), "", 100 + i);  // inbound: no address
      if (i % 100 == 99) {
        ASSERT_TRUE(db->flush());
      }
    }
    ASSERT_TRUE(db->flush());
    EXPECT_EQ(*db->rows(), 500u);
  }
  auto db = PeerDb::open(file, PeerDb::Limits{.max_peers = 500});
  ASSERT_TRUE(db);
  EXPECT_EQ(*db->rows(), 500u);
  auto all = db->load_all();
  ASSERT_TRUE(all);
  int good = 0;
  for (const auto& r : *all) good += r.peer_id.rfind("good-", 0) == 0 ? 1 : 0;
  EXPECT_EQ(good, 20);  // the dialable peers were kept although older
}

// The node's `known` peers metric is the table's row count (it used to be the in-memory peer
// store's, which forgot rows at every restart).
TEST_F(NodeDir, TheKnownPeersMetricAgreesWithTheTable) {
  auto [ec0, msg0] = start_once();
  ASSERT_FALSE(ec0) << msg0;
  fill_peer_store(dir / "peers.sqlite", 300);
  Node n(io, config(), {});
  ASSERT_TRUE(on_io([&] { return n.start(); })) << n.error_message();
  EXPECT_EQ(on_io([&] { return n.metrics_snapshot().peers_known; }), 300u);
  std::promise<void> done;
  asio::co_spawn(io, n.stop(), [&done](std::exception_ptr) { done.set_value(); });
  done.get_future().wait();
}

// ------------------------------------------------------------------------------ memory

// 4,000 distinct local puts of 59 KiB (236 MB of values) leave the live heap within a bound: the values
// live in the record store (SQLite, on disk), not in a second in-memory copy.
TEST_F(NodeDir, LocalPutsDoNotHoldTheirValuesInMemory) {
  auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
  host::Host h(io, std::move(*key));
  auto store = dht::SqliteRecordStore::open((dir / "dht.sqlite").string(), {}, Clock::now());
  ASSERT_TRUE(store);
  dht::Config dc;
  dc.max_local_keys = 5000;
  dht::Dht d(h, dc, std::move(*store), coordinator::dht_validators());
  ASSERT_TRUE(on_io([&] { return d.start(); }));
  const std::size_t before = live_heap_kib();
  std::promise<int> done;
  asio::co_spawn(
      io,
      [](dht::Dht* dht) -> asio::awaitable<int> {
        int quota = 0;
        // 59 KiB values (kad's limit is 60 KiB): 4,000 of them are 236 MB.
        const std::string value = "{\"d\":\"" + std::string(59 * 1024 - 8, 'x') + "\"}";
        for (int i = 0; i < 4000; ++i) {
          // No peers: each put is stored locally, then fails with no_peers.
          auto r = co_await dht->put_value(to_bytes("resource:test:" + std::to_string(i)), to_bytes(value));
          if (!r && r.error() == dht::errc::local_quota) ++quota;
        }
        co_return quota;
      }(&d),
      [&done](std::exception_ptr, int q) { done.set_value(q); });
  EXPECT_EQ(done.get_future().get(), 0);
  EXPECT_EQ(d.record_store().size(), 4000u);
  const std::size_t after = live_heap_kib();
  EXPECT_LT(after - std::min(after, before), 64u * 1024) << "live heap grew by " << (after - before) << " KiB";
  std::promise<void> stopped;
  asio::co_spawn(io, [](dht::Dht* dht, host::Host* host) -> asio::awaitable<void> {
    co_await dht->stop();
    co_await host->stop();
  }(&d, &h), [&stopped](std::exception_ptr) { stopped.set_value(); });
  stopped.get_future().wait();
}

// Keys of our own are bounded (dht.max_local_keys): the next one is refused with its reason.
TEST_F(NodeDir, LocalKeysAreBounded) {
  auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
  host::Host h(io, std::move(*key));
  dht::Config dc;
  dc.max_local_keys = 10;
  dht::Dht d(h, dc, nullptr, coordinator::dht_validators());
  ASSERT_TRUE(on_io([&] { return d.start(); }));
  std::promise<std::vector<std::error_code>> done;
  asio::co_spawn(
      io,
      [](dht::Dht* dht) -> asio::awaitable<std::vector<std::error_code>> {
        std::vector<std::error_code> out;
        for (int i = 0; i < 12; ++i) {
          auto r = co_await dht->put_value(to_bytes("resource:t:" + std::to_string(i)), to_bytes("{}"));
          out.push_back(r ? std::error_code{} : r.error());
        }
        auto again = co_await dht->put_value(to_bytes("resource:t:3"), to_bytes("{\"v\":2}"));  // an own key: fine
        out.push_back(again ? std::error_code{} : again.error());
        co_return out;
      }(&d),
      [&done](std::exception_ptr, std::vector<std::error_code> v) { done.set_value(std::move(v)); });
  const auto errs = done.get_future().get();
  for (int i = 0; i < 10; ++i) EXPECT_EQ(errs[static_cast<std::size_t>(i)], make_error_code(dht::errc::no_peers)) << i;
  EXPECT_EQ(errs[10], make_error_code(dht::errc::local_quota));
  EXPECT_EQ(errs[11], make_error_code(dht::errc::local_quota));
  EXPECT_EQ(errs[12], make_error_code(dht::errc::no_peers));
  std::promise<void> stopped;
  asio::co_spawn(io, [](dht::Dht* dht, host::Host* host) -> asio::awaitable<void> {
    co_await dht->stop();
    co_await host->stop();
  }(&d, &h), [&stopped](std::exception_ptr) { stopped.set_value(); });
  stopped.get_future().wait();
}

// A pubsub.sub client that never reads: the daemon's memory for it stays at the stream bound
// while ~200 MB are published to the topic, and the stream is cut (slow_subscriber).
TEST_F(NodeDir, ASlowSubscriberIsCutAtItsBound) {
  Node n(io, config({{"api-listen", "127.0.0.1:0"}, {"api-max-stream-buffer-kib", "4096"}}), {});
  ASSERT_TRUE(on_io([&] { return n.start(); })) << n.error_message();
  const auto ep = *n.api_endpoint();
  const auto token = default_api_token(ep, std::nullopt, dir.string(), {});
  ASSERT_TRUE(token);
  // The subscriber: a raw connection that sends the request and then never reads.
  asio::io_context cio;
  asio::ip::tcp::socket sub(cio);
  sub.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), ep.port));
  sub.set_option(asio::socket_base::receive_buffer_size(4096));
  const std::string body = R"({"topic":"t"})";
  asio::write(sub, asio::buffer("POST /api/v1/pubsub.sub HTTP/1.1\r\nHost: " + ep.to_string() +
                                "\r\nAuthorization: Bearer " + *token +
                                "\r\nContent-Type: application/json\r\nContent-Length: " +
                                std::to_string(body.size()) + "\r\n\r\n" + body));
  // Wait (deadline) until the subscription exists.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (on_io([&] { return n.pubsub()->topics(); }).empty()) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
    std::this_thread::yield();
  }
  const std::size_t before = live_heap_kib();
  const Bytes message(900 * 1024, 'm');  // under GossipSub's 1 MiB message limit
  for (int i = 0; i < 220; ++i) {  // 198 MB; emitSelf delivers our own publications to our subscriber
    auto id = on_io([&] { return n.pubsub()->publish("t", message); });
    ASSERT_TRUE(id) << id.error().message();
  }
  // Let the io thread deliver what it queued.
  (void)on_io([] { return 0; });
  const std::size_t after = live_heap_kib();
  EXPECT_LT(after - std::min(after, before), 64u * 1024) << "live heap grew by " << (after - before) << " KiB";
  EXPECT_GT(on_io([&] { return n.pubsub()->stats().deliveries_dropped; }), 0u);
  std::promise<void> done;
  asio::co_spawn(io, n.stop(), [&done](std::exception_ptr) { done.set_value(); });
  done.get_future().wait();
}

// Streaming requests whose clients went away (a killed `lotus-p2p pubsub sub`, a script that
// closes the connection) end within a heartbeat even when no event ever arrives for them, so
// they cannot hold every control API session (api.max_connections) and lock the API out.
// Found by fuzz_control_api: 64 abandoned pubsub.sub streams on quiet topics wedged it.
TEST_F(NodeDir, AbandonedStreamsOnQuietTopicsDoNotLockTheControlApi) {
  Node n(io, config({{"api-listen", "127.0.0.1:0"}, {"api-max-connections", "4"}}), {});
  ASSERT_TRUE(on_io([&] { return n.start(); })) << n.error_message();
  const auto ep = *n.api_endpoint();
  const auto token = default_api_token(ep, std::nullopt, dir.string(), {});
  ASSERT_TRUE(token);
  asio::io_context cio;
  for (int i = 0; i < 12; ++i) {  // 3 x the session limit, half pubsub.sub, half p2p.messages
    asio::ip::tcp::socket s(cio);
    s.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), ep.port));
    const bool sub = i % 2 == 0;
    const std::string body = sub ? R"({"topic":"quiet-)" + std::to_string(i) + R"("})" : std::string("{}");
    asio::write(s, asio::buffer(std::string("POST /api/v1/") + (sub ? "pubsub.sub" : "p2p.messages") +
                                " HTTP/1.1\r\nHost: " + ep.to_string() + "\r\nAuthorization: Bearer " + *token +
                                "\r\nContent-Type: application/json\r\nContent-Length: " +
                                std::to_string(body.size()) + "\r\n\r\n" + body));
    // The response header arrives (the stream started), then the client goes away.
    asio::streambuf head;
    boost::system::error_code ec;
    asio::read_until(s, head, "\r\n\r\n", ec);
    ASSERT_FALSE(ec) << "stream " << i << ": " << ec.message();
    s.close();
  }
  // A fresh call is answered: the abandoned streams ended and gave their sessions back.
  ControlClient client(ep, 30s, *token);
  auto r = client.call("id");
  ASSERT_TRUE(r) << r.error.message;
  EXPECT_TRUE((*r.value).contains("peer_id")) << r.value->dump();
  std::promise<void> done;
  asio::co_spawn(io, n.stop(), [&done](std::exception_ptr) { done.set_value(); });
  done.get_future().wait();
}

}  // namespace
}  // namespace lotus::node
