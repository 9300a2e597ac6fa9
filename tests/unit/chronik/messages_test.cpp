// The Chronik message codec against bytes made by chronik-client 0.19.0's generated protobuf
// code (tests/chronik/js/make_vectors.mjs → tests/vectors/chronik/messages.json): we decode
// them into the values the generator put in, and our encoder reproduces the same bytes.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/hex.hpp"
#include "base/protobuf.hpp"
#include "chronik/errc.hpp"
#include "chronik/messages.hpp"

namespace lotus::chronik {
namespace {

Bytes vec(const std::string& name) {
  static const nlohmann::json j = [] {
    std::ifstream f(std::string(LOTUS_VECTORS_DIR) + "/chronik/messages.json");
    return nlohmann::json::parse(f);
  }();
  auto b = from_hex(j.at("messages").at(name).get<std::string>());
  EXPECT_TRUE(b.has_value());
  return *b;
}

Hash filled(std::uint8_t v) {
  Hash h;
  h.fill(v);
  return h;
}

Tx expected_tx() {
  Tx t;
  t.txid = filled(0xaa);
  t.version = 2;
  t.lock_time = 500000;
  TxInput in;
  in.prev_out = {filled(0x11), 3};
  in.input_script = {0x51, 0x52};
  in.output_script = {0x76, 0xa9};
  in.value = 123456789012;
  in.sequence_no = 0xfffffffe;
  t.inputs.push_back(in);
  TxOutput o1;
  o1.value = 5000000;
  o1.output_script = {0x6a, 0x04, 0x4c, 0x54, 0x4d, 0x53};
  o1.spent_by = OutPoint{filled(0x22), 1};
  TxOutput o2;
  o2.value = 0;
  o2.output_script = {0x6a};
  t.outputs = {o1, o2};
  t.block = BlockMetadata{4242, filled(0xbb), 1700000000};
  t.time_first_seen = 1699999999;
  t.size = 250;
  t.network = Network::xpi;
  return t;
}

BlockInfo expected_block_info() {
  BlockInfo b;
  b.hash = filled(0xbb);
  b.prev_hash = filled(0xbc);
  b.height = 4242;
  b.n_bits = 0x1d00ffff;
  b.timestamp = 1700000000;
  b.block_size = 1234;
  b.num_txs = 2;
  b.num_inputs = 3;
  b.num_outputs = 4;
  b.sum_input_sats = 100;
  b.sum_coinbase_output_sats = 260000000;
  b.sum_normal_output_sats = 99;
  b.sum_burned_sats = 1;
  return b;
}

TEST(ChronikMessages, BlockchainInfoMatchesChronikClient) {
  auto m = decode_blockchain_info(vec("BlockchainInfo"));
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->tip_hash, filled(0xcc));
  EXPECT_EQ(m->tip_height, 777);
  EXPECT_EQ(encode(*m), vec("BlockchainInfo"));
}

TEST(ChronikMessages, TxMatchesChronikClient) {
  auto m = decode_tx(vec("Tx"));
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(*m, expected_tx());
  EXPECT_EQ(encode(*m), vec("Tx"));

  auto mem = decode_tx(vec("TxMempool"));
  ASSERT_TRUE(mem);
  EXPECT_FALSE(mem->block.has_value());
  auto t = expected_tx();
  t.block.reset();
  EXPECT_EQ(encode(t), vec("TxMempool"));
}

TEST(ChronikMessages, BlockAndBlocksMatchChronikClient) {
  auto b = decode_block(vec("Block"));
  ASSERT_TRUE(b) << b.error().message();
  EXPECT_EQ(b->info, expected_block_info());
  EXPECT_EQ(b->details.version, 1);
  EXPECT_EQ(b->details.merkle_root, filled(0xdd));
  EXPECT_EQ(b->details.nonce, 18446744073709551615ull);  // 64-bit nonce (XPI)
  EXPECT_EQ(b->details.median_timestamp, 1699990000);
  EXPECT_EQ(b->raw_header, (Bytes{1, 2, 3}));
  ASSERT_EQ(b->txs.size(), 1u);
  EXPECT_EQ(b->txs[0], expected_tx());
  EXPECT_EQ(encode(*b), vec("Block"));

  auto bs = decode_blocks(vec("Blocks"));
  ASSERT_TRUE(bs);
  ASSERT_EQ(bs->size(), 2u);
  EXPECT_EQ((*bs)[0], expected_block_info());
  EXPECT_EQ((*bs)[1].height, 0);
  EXPECT_EQ(encode_blocks(*bs), vec("Blocks"));
}

TEST(ChronikMessages, UtxosWithMempoolHeightAndLargeValues) {
  auto u = decode_utxos(vec("Utxos"));
  ASSERT_TRUE(u) << u.error().message();
  ASSERT_EQ(u->size(), 1u);
  EXPECT_EQ((*u)[0].output_script, (Bytes{0x76, 0xa9, 0x14}));
  ASSERT_EQ((*u)[0].utxos.size(), 2u);
  EXPECT_EQ((*u)[0].utxos[0].block_height, -1);  // negative int32: 10-byte varint
  EXPECT_EQ((*u)[0].utxos[0].value, 546);
  EXPECT_EQ((*u)[0].utxos[0].outpoint, (OutPoint{filled(0x11), 3}));
  EXPECT_EQ((*u)[0].utxos[1].block_height, 100);
  EXPECT_TRUE((*u)[0].utxos[1].is_coinbase);
  EXPECT_EQ((*u)[0].utxos[1].value, 9007199254740993);  // above 2^53: a string in js
  EXPECT_EQ(encode_utxos(*u), vec("Utxos"));
}

TEST(ChronikMessages, HistoryBroadcastErrorSubscription) {
  auto p = decode_tx_history_page(vec("TxHistoryPage"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->num_pages, 3u);
  ASSERT_EQ(p->txs.size(), 1u);
  EXPECT_EQ(encode(*p), vec("TxHistoryPage"));

  auto req = decode_broadcast_tx_request(vec("BroadcastTxRequest"));
  ASSERT_TRUE(req);
  EXPECT_EQ(req->raw_tx, (Bytes{1, 0, 0, 0}));
  EXPECT_EQ(encode(BroadcastTxRequest{{1, 0, 0, 0}, false}), vec("BroadcastTxRequest"));
  auto resp = decode_broadcast_tx_response(vec("BroadcastTxResponse"));
  ASSERT_TRUE(resp);
  EXPECT_EQ(*resp, filled(0xaa));
  EXPECT_EQ(encode_broadcast_tx_response(filled(0xaa)), vec("BroadcastTxResponse"));

  auto e = decode_error(vec("Error"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->error_code, "tx-not-found");
  EXPECT_EQ(e->msg, "Transaction not found in the index");
  EXPECT_TRUE(e->is_user_error);
  EXPECT_EQ(encode(*e), vec("Error"));

  auto s = decode_subscription(vec("Subscription"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->script_type, "p2pkh");
  EXPECT_EQ(s->payload, Bytes(20, 0x44));
  EXPECT_TRUE(s->is_subscribe);
  EXPECT_EQ(encode(*s), vec("Subscription"));
  auto u = decode_subscription(vec("Unsubscription"));
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->is_subscribe);
  EXPECT_EQ(encode(*u), vec("Unsubscription"));
}

TEST(ChronikMessages, EverySubscribeMsgKind) {
  const std::pair<const char*, SubscribeMsg::Kind> cases[] = {
      {"MsgAddedToMempool", SubscribeMsg::Kind::added_to_mempool},
      {"MsgRemovedFromMempool", SubscribeMsg::Kind::removed_from_mempool},
      {"MsgConfirmed", SubscribeMsg::Kind::confirmed},
      {"MsgReorg", SubscribeMsg::Kind::reorg},
      {"MsgBlockConnected", SubscribeMsg::Kind::block_connected},
      {"MsgBlockDisconnected", SubscribeMsg::Kind::block_disconnected},
  };
  for (const auto& [name, kind] : cases) {
    auto m = decode_subscribe_msg(vec(name));
    ASSERT_TRUE(m) << name;
    EXPECT_EQ(m->kind, kind) << name;
    const bool block = kind == SubscribeMsg::Kind::block_connected || kind == SubscribeMsg::Kind::block_disconnected;
    EXPECT_EQ(m->hash, filled(block ? 0xbb : 0xaa)) << name;
    EXPECT_EQ(encode(*m), vec(name)) << name;
  }
  auto err = decode_subscribe_msg(vec("MsgError"));
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, SubscribeMsg::Kind::error);
  EXPECT_EQ(err->error.error_code, "invalid-script-type");
  EXPECT_EQ(encode(*err), vec("MsgError"));
}

TEST(ChronikMessages, DisplayHexIsReversed) {
  Hash h{};
  h[0] = 0x01;
  h[31] = 0xff;
  const auto s = to_display_hex(h);
  EXPECT_EQ(s.substr(0, 2), "ff");
  EXPECT_EQ(s.substr(62, 2), "01");
  EXPECT_EQ(hash_from_display_hex(s), h);
  EXPECT_FALSE(hash_from_display_hex("abcd").has_value());
}

TEST(ChronikMessages, RefusesWhatCallersCannotUse) {
  // A txid of 31 bytes.
  Bytes short_txid;
  pb::Writer(short_txid).bytes(1, Bytes(31, 0));
  EXPECT_EQ(decode_tx(short_txid).error(), errc::malformed);
  // A known field with the wrong wire type (tip_height as bytes).
  Bytes wrong;
  pb::Writer(wrong).bytes(2, Bytes{1});
  EXPECT_EQ(decode_blockchain_info(wrong).error(), pb::errc::wrong_wire_type);
  // A Block without block_info / block_details (chronik-client throws as well).
  EXPECT_EQ(decode_block(Bytes{}).error(), errc::malformed);
  // A Utxo without outpoint.
  Bytes utxos;
  {
    Bytes su, u;
    pb::Writer(u).varint(2, 5);
    pb::Writer(su).bytes(2, u);
    pb::Writer(utxos).bytes(1, su);
  }
  EXPECT_EQ(decode_utxos(utxos).error(), errc::malformed);
  // An empty SubscribeMsg, and truncated bytes.
  EXPECT_EQ(decode_subscribe_msg(Bytes{}).error(), errc::malformed);
  auto tx = vec("Tx");
  tx.pop_back();
  EXPECT_TRUE(decode_tx(tx).error());
  // The element bound: a history page of many empty txs.
  Bytes page;
  for (int i = 0; i < 10; ++i) pb::Writer(page).bytes(1, Bytes{});
  EXPECT_TRUE(decode_tx_history_page(page, Limits{.max_elements = 10}));
  EXPECT_EQ(decode_tx_history_page(page, Limits{.max_elements = 9}).error(), errc::malformed);
}

}  // namespace
}  // namespace lotus::chronik
