// The NNG Chronik protocol (the indexer beside lotusd, network XPI) as chronik-client 0.19.0
// speaks it: protobuf messages of package `chronik` (chronik-client proto/chronik.ts). Sans-IO:
// encode to bytes, decode from bytes; the HTTP/WebSocket transport is client.hpp.
//
// Why hand-written over base/protobuf.hpp and not protoc-generated: the project decodes every
// hostile protobuf with its own strict reader (explicit limits, no allocation per scalar field,
// precise errors, fuzzable), protoc is not among the build's dependencies, and the schema is
// small. The schema below is the single place our field numbers live; tests/vectors/chronik/
// messages.json holds bytes produced by chronik-client 0.19.0's own generated code, which our
// decoder and encoder are checked against, and tests/chronik/js runs the npm client against
// our test server (the strongest evidence that the numbers match).
//
//   message BlockchainInfo { bytes tip_hash = 1; int32 tip_height = 2; }
//   message Tx { bytes txid = 1; int32 version = 2; repeated TxInput inputs = 3;
//                repeated TxOutput outputs = 4; uint32 lock_time = 5; SlpTxData slp_tx_data = 6;
//                string slp_error_msg = 7; BlockMetadata block = 8; int64 time_first_seen = 9;
//                Network network = 10; uint32 size = 11; bool is_coinbase = 12; }
//   message TxInput { OutPoint prev_out = 1; bytes input_script = 2; bytes output_script = 3;
//                     int64 value = 4; uint32 sequence_no = 5; SlpBurn slp_burn = 6;
//                     SlpToken slp_token = 7; }
//   message TxOutput { int64 value = 1; bytes output_script = 2; SlpToken slp_token = 3;
//                      OutPoint spent_by = 4; }
//   message OutPoint { bytes txid = 1; uint32 out_idx = 2; }
//   message BlockMetadata { int32 height = 1; bytes hash = 2; int64 timestamp = 3; }
//   message BlockInfo { bytes hash = 1; bytes prev_hash = 2; int32 height = 3; uint32 n_bits = 4;
//                       int64 timestamp = 5; uint64 block_size = 6; uint64 num_txs = 7;
//                       uint64 num_inputs = 8; uint64 num_outputs = 9; int64 sum_input_sats = 10;
//                       int64 sum_coinbase_output_sats = 11; int64 sum_normal_output_sats = 12;
//                       int64 sum_burned_sats = 13; }
//   message BlockDetails { int32 version = 1; bytes merkle_root = 2; uint64 nonce = 3;
//                          int64 median_timestamp = 4; }
//   message Block { BlockInfo block_info = 1; repeated Tx txs = 2; BlockDetails block_details = 3;
//                   bytes raw_header = 4; }
//   message Blocks { repeated BlockInfo blocks = 1; }
//   message Utxo { OutPoint outpoint = 1; int32 block_height = 2; bool is_coinbase = 3;
//                  int64 value = 5; SlpMeta slp_meta = 6; SlpToken slp_token = 7; Network network = 9; }
//   message ScriptUtxos { bytes output_script = 1; repeated Utxo utxos = 2; }
//   message Utxos { repeated ScriptUtxos script_utxos = 1; }
//   message TxHistoryPage { repeated Tx txs = 1; uint32 num_pages = 2; }
//   message BroadcastTxRequest { bytes raw_tx = 1; bool skip_slp_check = 2; }
//   message BroadcastTxResponse { bytes txid = 1; }
//   message Error { string error_code = 1; string msg = 2; bool is_user_error = 3; }
//   message Subscription { string script_type = 1; bytes payload = 2; bool is_subscribe = 3; }
//   message SubscribeMsg { Error error = 1; MsgAddedToMempool AddedToMempool = 2;
//                          MsgRemovedFromMempool RemovedFromMempool = 3; MsgConfirmed Confirmed = 4;
//                          MsgReorg Reorg = 5; MsgBlockConnected BlockConnected = 6;
//                          MsgBlockDisconnected BlockDisconnected = 7; }   // Msg*: bytes = 1
//   enum Network { BCH = 0; XEC = 1; XPI = 2; XRG = 3; }
//
// Not modelled (skipped when decoding, never sent): SLP token data, /token, /validate-utxos,
// /broadcast-txs. Hashes and txids are kept in wire order (the byte order Chronik sends, which
// is the internal order; displayed reversed, as chronik-client's toHexRev does).
//
// Decoding is strict where it matters to callers: a hash or txid field must be 32 bytes, a
// known field must have its declared wire type, and a decode creates at most
// Limits::max_elements repeated elements (so a small body cannot make a huge structure).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace lotus::chronik {

using Hash = std::array<std::uint8_t, 32>;  // wire (internal) byte order

// Display hex (reversed byte order, as block explorers and chronik-client show txids).
std::string to_display_hex(const Hash& h);
std::optional<Hash> hash_from_display_hex(std::string_view hex);

enum class Network : std::int32_t { bch = 0, xec = 1, xpi = 2, xrg = 3 };

struct Limits {
  std::size_t max_elements = 1u << 20;  // repeated elements (txs, inputs, outputs, utxos, …) per decode
};

struct OutPoint {
  Hash txid{};
  std::uint32_t out_idx = 0;
  bool operator==(const OutPoint&) const = default;
};

struct BlockMetadata {
  std::int32_t height = 0;
  Hash hash{};
  std::int64_t timestamp = 0;
  bool operator==(const BlockMetadata&) const = default;
};

struct TxInput {
  OutPoint prev_out;
  Bytes input_script;
  Bytes output_script;  // of the spent output (empty if unknown)
  std::int64_t value = 0;
  std::uint32_t sequence_no = 0;
  bool operator==(const TxInput&) const = default;
};

struct TxOutput {
  std::int64_t value = 0;
  Bytes output_script;
  std::optional<OutPoint> spent_by;  // txid + input index of the spender
  bool operator==(const TxOutput&) const = default;
};

struct Tx {
  Hash txid{};
  std::int32_t version = 0;
  std::vector<TxInput> inputs;
  std::vector<TxOutput> outputs;
  std::uint32_t lock_time = 0;
  std::optional<BlockMetadata> block;  // absent: in the mempool
  std::int64_t time_first_seen = 0;
  std::uint32_t size = 0;
  bool is_coinbase = false;
  Network network = Network::bch;
  bool operator==(const Tx&) const = default;
};

struct BlockchainInfo {
  Hash tip_hash{};
  std::int32_t tip_height = 0;
  bool operator==(const BlockchainInfo&) const = default;
};

struct BlockInfo {
  Hash hash{};
  Hash prev_hash{};
  std::int32_t height = 0;
  std::uint32_t n_bits = 0;
  std::int64_t timestamp = 0;
  std::uint64_t block_size = 0;
  std::uint64_t num_txs = 0;
  std::uint64_t num_inputs = 0;
  std::uint64_t num_outputs = 0;
  std::int64_t sum_input_sats = 0;
  std::int64_t sum_coinbase_output_sats = 0;
  std::int64_t sum_normal_output_sats = 0;
  std::int64_t sum_burned_sats = 0;
  bool operator==(const BlockInfo&) const = default;
};

struct BlockDetails {
  std::int32_t version = 0;
  Hash merkle_root{};
  std::uint64_t nonce = 0;
  std::int64_t median_timestamp = 0;
  bool operator==(const BlockDetails&) const = default;
};

struct Block {
  BlockInfo info;  // required by chronik-client (it throws without): malformed when absent
  BlockDetails details;
  Bytes raw_header;
  std::vector<Tx> txs;
  bool operator==(const Block&) const = default;
};

struct Utxo {
  OutPoint outpoint;
  std::int32_t block_height = 0;  // -1: in the mempool (0 when absent, as proto3 decodes it)
  bool is_coinbase = false;
  std::int64_t value = 0;
  Network network = Network::bch;
  bool operator==(const Utxo&) const = default;
};

struct ScriptUtxos {
  Bytes output_script;
  std::vector<Utxo> utxos;
  bool operator==(const ScriptUtxos&) const = default;
};

struct TxHistoryPage {
  std::vector<Tx> txs;
  std::uint32_t num_pages = 0;
  bool operator==(const TxHistoryPage&) const = default;
};

struct BroadcastTxRequest {
  Bytes raw_tx;
  bool skip_slp_check = false;
};

struct Error {  // the body of every non-200 answer
  std::string error_code;  // e.g. "tx-not-found"
  std::string msg;
  bool is_user_error = false;
  bool operator==(const Error&) const = default;
};

struct Subscription {
  std::string script_type;  // "p2pkh", "p2sh", "p2pk", "other", "p2tr-commitment", "p2tr-state"
  Bytes payload;
  bool is_subscribe = true;
  bool operator==(const Subscription&) const = default;
};

struct SubscribeMsg {
  enum class Kind : std::uint8_t {
    error = 1,
    added_to_mempool,
    removed_from_mempool,
    confirmed,
    reorg,
    block_connected,
    block_disconnected,
  };
  Kind kind = Kind::error;
  Hash hash{};  // txid (tx events) or block hash (block events)
  Error error;  // kind == error
  bool operator==(const SubscribeMsg&) const = default;
};
const char* to_string(SubscribeMsg::Kind k) noexcept;  // "AddedToMempool", … as chronik-client names them

// Decoders: pb::errc for wire-format faults, errc::malformed for a well-formed message with a
// wrong-length hash, a missing required sub-message, or an unknown SubscribeMsg.
Result<BlockchainInfo> decode_blockchain_info(BytesView in);
Result<Tx> decode_tx(BytesView in, const Limits& limits = {});
Result<Block> decode_block(BytesView in, const Limits& limits = {});
Result<std::vector<BlockInfo>> decode_blocks(BytesView in, const Limits& limits = {});
Result<std::vector<ScriptUtxos>> decode_utxos(BytesView in, const Limits& limits = {});
Result<TxHistoryPage> decode_tx_history_page(BytesView in, const Limits& limits = {});
Result<BroadcastTxRequest> decode_broadcast_tx_request(BytesView in);
Result<Hash> decode_broadcast_tx_response(BytesView in);
Result<Error> decode_error(BytesView in);
Result<Bytes> decode_raw_tx(BytesView in);  // RawTx { bytes raw_tx = 1; } (/raw-tx, in-node Chronik's message)
Result<Subscription> decode_subscription(BytesView in);
Result<SubscribeMsg> decode_subscribe_msg(BytesView in);

// Encoders (proto3: default values are omitted, as protobufjs does).
Bytes encode(const BlockchainInfo& m);
Bytes encode(const Tx& m);
Bytes encode(const Block& m);
Bytes encode_blocks(const std::vector<BlockInfo>& m);
Bytes encode_utxos(const std::vector<ScriptUtxos>& m);
Bytes encode(const TxHistoryPage& m);
Bytes encode(const BroadcastTxRequest& m);
Bytes encode_broadcast_tx_response(const Hash& txid);
Bytes encode(const Error& m);
Bytes encode_raw_tx(BytesView raw_tx);
Bytes encode(const Subscription& m);
Bytes encode(const SubscribeMsg& m);

}  // namespace lotus::chronik
