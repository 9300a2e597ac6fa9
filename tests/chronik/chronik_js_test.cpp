// The pinned npm chronik-client 0.19.0 (what the reference uses) against our Chronik test
// server: it must read the same blocks, transactions, UTXOs and history our client reads, fail
// over from a refused URL, get a 404 as an error, and receive the WebSocket events of its
// subscription. Values are compared as chronik-client presents them (display-order hex, int64
// as decimal strings): our client's results are converted to that shape here.
//
// Fails (never skips) when node or the npm packages are missing: run scripts/setup.sh.
#include <cstdio>
#include <filesystem>
#include <future>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/hex.hpp"
#include "chain/script.hpp"
#include "chronik/client.hpp"
#include "chronik/errc.hpp"
#include "chronik/support/chain_model.hpp"
#include "chronik/support/server.hpp"
#include "chronik/support/tx_builder.hpp"
#include "runtime/asio.hpp"

namespace lotus::chronik::test {
namespace {

const Hash kNoTx{};  // a txid no chain has

using json = nlohmann::json;

std::string s64(std::int64_t v) { return std::to_string(v); }
std::string u64(std::uint64_t v) { return std::to_string(v); }

json js_outpoint(const OutPoint& o) { return {{"txid", to_display_hex(o.txid)}, {"outIdx", o.out_idx}}; }

json js_tx(const Tx& t) {
  json j;
  j["txid"] = to_display_hex(t.txid);
  j["version"] = t.version;
  j["inputs"] = json::array();
  for (const auto& in : t.inputs) {
    json i = {{"prevOut", js_outpoint(in.prev_out)},
              {"inputScript", to_hex(in.input_script)},
              {"value", s64(in.value)},
              {"sequenceNo", in.sequence_no}};
    if (!in.output_script.empty()) i["outputScript"] = to_hex(in.output_script);
    j["inputs"].push_back(i);
  }
  j["outputs"] = json::array();
  for (const auto& o : t.outputs) {
    json x = {{"value", s64(o.value)}, {"outputScript", to_hex(o.output_script)}};
    if (o.spent_by) x["spentBy"] = js_outpoint(*o.spent_by);
    j["outputs"].push_back(x);
  }
  j["lockTime"] = t.lock_time;
  if (t.block) {
    j["block"] = {{"height", t.block->height}, {"hash", to_display_hex(t.block->hash)}, {"timestamp", s64(t.block->timestamp)}};
  }
  j["timeFirstSeen"] = s64(t.time_first_seen);
  j["size"] = t.size;
  j["isCoinbase"] = t.is_coinbase;
  j["network"] = "XPI";
  return j;
}

json js_block_info(const BlockInfo& b) {
  return {{"hash", to_display_hex(b.hash)},
          {"prevHash", to_display_hex(b.prev_hash)},
          {"height", b.height},
          {"nBits", b.n_bits},
          {"timestamp", s64(b.timestamp)},
          {"blockSize", u64(b.block_size)},
          {"numTxs", u64(b.num_txs)},
          {"numInputs", u64(b.num_inputs)},
          {"numOutputs", u64(b.num_outputs)},
          {"sumInputSats", s64(b.sum_input_sats)},
          {"sumCoinbaseOutputSats", s64(b.sum_coinbase_output_sats)},
          {"sumNormalOutputSats", s64(b.sum_normal_output_sats)},
          {"sumBurnedSats", s64(b.sum_burned_sats)}};
}

json js_block(const Block& b) {
  json j;
  j["blockInfo"] = js_block_info(b.info);
  j["blockDetails"] = {{"version", b.details.version},
                       {"merkleRoot", to_display_hex(b.details.merkle_root)},
                       {"nonce", u64(b.details.nonce)},
                       {"medianTimestamp", s64(b.details.median_timestamp)}};
  j["rawHeader"] = to_hex(b.raw_header);
  j["txs"] = json::array();
  for (const auto& t : b.txs) j["txs"].push_back(js_tx(t));
  return j;
}

json js_utxos(const std::vector<ScriptUtxos>& v) {
  json j = json::array();
  for (const auto& su : v) {
    json us = json::array();
    for (const auto& u : su.utxos) {
      us.push_back({{"outpoint", js_outpoint(u.outpoint)},
                    {"blockHeight", u.block_height},
                    {"isCoinbase", u.is_coinbase},
                    {"value", s64(u.value)},
                    {"network", "XPI"}});
    }
    j.push_back({{"outputScript", to_hex(su.output_script)}, {"utxos", us}});
  }
  return j;
}

// What our client reads (on its own io_context, against the server running on its thread).
struct OurView {
  json read;
  std::error_code not_found;
};

OurView read_with_our_client(const std::string& url, Hash txid, Bytes pkh) {
  asio::io_context io;
  OurView v;
  auto client = Client::create(io.get_executor(), config_for({"http://127.0.0.1:1", url}));
  EXPECT_TRUE(client);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto& c = **client;
        auto info = co_await c.blockchain_info();
        EXPECT_TRUE(info) << info.error().message();
        if (!info) co_return;
        auto block = co_await c.block_by_height(info->tip_height);
        auto blocks = co_await c.blocks(0, info->tip_height);
        auto tx = co_await c.tx(txid);
        auto utxos = co_await c.script_utxos("p2pkh", pkh);
        auto history = co_await c.script_history("p2pkh", pkh, 0, 2);
        auto missing = co_await c.tx(kNoTx);
        EXPECT_TRUE(block && blocks && tx && utxos && history);
        if (!block || !blocks || !tx || !utxos || !history) co_return;
        v.read["info"] = {{"tipHash", to_display_hex(info->tip_hash)}, {"tipHeight", info->tip_height}};
        v.read["block"] = js_block(*block);
        v.read["blocks"] = json::array();
        for (const auto& b : *blocks) v.read["blocks"].push_back(js_block_info(b));
        v.read["tx"] = js_tx(*tx);
        v.read["utxos"] = js_utxos(*utxos);
        json h = {{"numPages", history->num_pages}, {"txs", json::array()}};
        for (const auto& t : history->txs) h["txs"].push_back(js_tx(t));
        v.read["history"] = h;
        v.not_found = missing.error();
        EXPECT_GE(c.stats().failovers, 1u);  // the refused first URL
      },
      asio::detached);
  io.run();
  return v;
}

TEST(ChronikJs, ChronikClientReadsWhatOurClientReads) {
  const std::string node = LOTUS_NODE_EXECUTABLE;
  ASSERT_FALSE(node.empty()) << "node not found at configure time: install nodejs (scripts/setup.sh)";
  const std::filesystem::path js_dir = LOTUS_CHRONIK_JS_DIR;
  ASSERT_TRUE(std::filesystem::exists(js_dir / "node_modules" / "chronik-client" / "package.json"))
      << "chronik-client is not installed in " << js_dir << ": run scripts/setup.sh";

  // A chain: a coinbase to our key hash, a spend with a change output and an LTMS burn (mined),
  // and a mempool spend of the change.
  ChainModel model;
  const Bytes pkh(20, 0x42);
  const Bytes script = p2pkh(pkh);
  const OutPoint funded = model.fund(script, 5'000'000);
  model.mine_empty(3);
  const auto t1 = spend({funded}, {{3'000'000, script}, {1'000'000, ltms_burn_script(0x02)}});
  auto id1 = model.submit(t1);
  ASSERT_TRUE(id1) << id1.error().message();
  model.mine();
  const auto t2 = spend({OutPoint{*id1, 0}}, {{2'900'000, script}});
  auto id2 = model.submit(t2);
  ASSERT_TRUE(id2);

  asio::io_context server_io;
  TestServer server(server_io.get_executor(), model);
  std::promise<void> subscribed_p;
  auto subscribed = subscribed_p.get_future();
  server.on_subscription = [&subscribed_p, fired = false]() mutable {
    if (!fired) subscribed_p.set_value();
    fired = true;
  };
  ASSERT_TRUE(server.start());
  std::thread server_thread([&] {
    auto guard = asio::make_work_guard(server_io);
    server_io.run();
  });
  struct Join {
    asio::io_context& io;
    TestServer& s;
    std::thread& t;
    ~Join() {
      asio::post(io, [this] { s.request_stop(); io.stop(); });
      t.join();
    }
  } join{server_io, server, server_thread};
  // Runs `fn` on the server's thread and waits for its result.
  auto on_server = [&](auto fn) {
    std::promise<decltype(fn())> p;
    asio::post(server_io, [&] { p.set_value(fn()); });
    return p.get_future().get();
  };

  const OurView ours = read_with_our_client(server.url(), *id1, pkh);
  EXPECT_EQ(ours.not_found, errc::not_found);

  const std::string cmd = node + " " + (js_dir / "read_chain.mjs").string() + " " + server.url() + " " +
                          to_display_hex(*id1) + " " + to_hex(pkh) + " 3 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string line;
  char buf[65536];
  json read;
  std::vector<json> events;
  Hash id3{};
  Hash mined{};
  bool done = false;
  while (fgets(buf, sizeof buf, p)) {
    line += buf;
    if (line.empty() || line.back() != '\n') continue;
    json j = json::parse(line, nullptr, false);
    line.clear();
    ASSERT_FALSE(j.is_discarded()) << "node printed: " << buf;
    const auto step = j.value("step", "");
    ASSERT_NE(step, "error") << j.dump();
    if (step == "read") read = j;
    if (step == "ws-ready") {
      // Wait until the server has the subscription, then mine (Confirmed t2 + BlockConnected) and
      // broadcast a new spend to the script (AddedToMempool).
      ASSERT_EQ(subscribed.wait_for(std::chrono::seconds(20)), std::future_status::ready);
      ASSERT_EQ(on_server([&] { return server.ws_subscriptions(); }), 1u);
      mined = on_server([&] { return model.mine(); });
      id3 = on_server([&] { return *model.submit(spend({OutPoint{*id2, 0}}, {{2'800'000, script}})); });
    }
    if (step == "event") events.push_back(j["msg"]);
    if (step == "done") done = true;
  }
  const int rc = pclose(p);
  EXPECT_EQ(rc, 0);
  ASSERT_TRUE(done);

  EXPECT_EQ(read["info"], ours.read["info"]);
  EXPECT_EQ(read["block"], ours.read["block"]);
  EXPECT_EQ(read["byHashHeight"], ours.read["info"]["tipHeight"]);
  EXPECT_EQ(read["blocks"], ours.read["blocks"]);
  EXPECT_EQ(read["tx"], ours.read["tx"]);
  EXPECT_EQ(read["utxos"], ours.read["utxos"]);
  EXPECT_EQ(read["history"], ours.read["history"]);
  EXPECT_NE(read["notFound"].get<std::string>().find("tx-not-found"), std::string::npos) << read["notFound"];
  // And the values are the chain's, not just equal to each other.
  EXPECT_EQ(read["tx"]["outputs"][1]["value"], "1000000");
  EXPECT_EQ(read["tx"]["outputs"][0]["spentBy"]["txid"], to_display_hex(*id2));
  EXPECT_EQ(read["utxos"][0]["utxos"][0]["blockHeight"], -1);  // t2's output, in the mempool

  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0], (json{{"type", "Confirmed"}, {"txid", to_display_hex(*id2)}}));
  EXPECT_EQ(events[1], (json{{"type", "BlockConnected"}, {"blockHash", to_display_hex(mined)}}));
  EXPECT_EQ(events[2], (json{{"type", "AddedToMempool"}, {"txid", to_display_hex(id3)}}));
}

}  // namespace
}  // namespace lotus::chronik::test
