// ChainModel: a small Lotus chain for tests — blocks, mempool, UTXO set, mining on demand and
// reorgs — answering in Chronik's messages (chronik/messages.hpp). Plain state, no I/O: the
// test server (server.hpp) serves it over HTTP/WebSocket, tests drive it directly.
//
// Transactions are real Lotus transactions (chain/transaction.hpp): the txid is the Lotus txid,
// broadcasts are parsed from their raw bytes and validated — inputs exist and are unspent
// (confirmed or in the mempool, no double spend with the mempool), output amounts in range and
// inputs >= outputs. Not modelled: scripts are not executed (signatures are not checked), no
// coinbase maturity, no proof of work (block hashes are sha256d of a header-like record),
// no fee policy, no block size limit.
//
// Events (on_event): every change a Chronik server reports over /ws — AddedToMempool,
// RemovedFromMempool, Confirmed, Reorg for a transaction (with the output scripts it touches, so
// that the server can route it to script subscribers), BlockConnected / BlockDisconnected.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "chain/transaction.hpp"
#include "chronik/messages.hpp"

namespace lotus::chronik::test {

enum class model_errc {
  parse_failed = 1,     // raw bytes are not a Lotus transaction
  no_inputs,            // a non-coinbase transaction without inputs
  missing_input,        // an input's outpoint does not exist
  input_spent,          // an input's outpoint is spent (in a block or by a mempool transaction)
  amount_out_of_range,  // output values out of 0..MAX_MONEY
  outputs_exceed_inputs,
  already_known,        // the txid is already in the mempool or the chain
  bad_signature,        // a signature check (when enabled) failed
};
const std::error_category& model_category() noexcept;
inline std::error_code make_error_code(model_errc e) noexcept { return {static_cast<int>(e), model_category()}; }

struct ModelEvent {
  SubscribeMsg::Kind kind = SubscribeMsg::Kind::block_connected;
  Hash hash{};                 // txid or block hash
  std::vector<Bytes> scripts;  // tx events: output scripts of its outputs and of the outputs it spends
};

class ChainModel {
 public:
  // Genesis: a block at height 0 whose coinbase pays 0 to OP_RETURN. `start_time`: the first
  // block's timestamp (each block adds 600 s).
  explicit ChainModel(std::int64_t start_time = 1'700'000'000);

  // Hook to check signatures of a broadcast transaction (tx, spent outputs); nullptr: none.
  using SignatureCheck = std::function<Status(const chain::Transaction&, const std::vector<chain::TxOutput>&)>;
  void set_signature_check(SignatureCheck fn) { m_sigcheck = std::move(fn); }
  // The signature check lotusd makes for the spends our protocols create (chain::verify_inputs
  // over the Lotus sighash: P2PKH with SIGHASH_FORKID or SIGHASH_LOTUS, Taproot key path with
  // SIGHASH_LOTUS): a transaction with an input that does not verify is refused
  // (model_errc::bad_signature; the server answers 400 invalid-tx). Other spend types (P2SH,
  // ECDSA, script path) are refused too — chain::verify_input does not judge them.
  void check_lotus_signatures();
  std::function<void(const ModelEvent&)> on_event;

  // --- changes ---
  // Validates and adds to the mempool; returns the txid.
  Result<Hash> submit(BytesView raw);
  Result<Hash> submit(const chain::Transaction& tx);
  // Mines one block with a coinbase paying `value` to `script` (if non-empty) and the given
  // mempool transactions (all of them when `only` is nullopt), in acceptance order.
  Hash mine(const Bytes& coinbase_script = {}, std::int64_t value = 0,
            const std::optional<std::vector<Hash>>& only = std::nullopt);
  void mine_empty(int n);  // n blocks with no mempool transactions
  // Disconnects the top `depth` blocks: their transactions return to the mempool (Reorg events,
  // coinbases are dropped), except those listed in `drop` (removed: RemovedFromMempool).
  void disconnect(int depth, const std::set<Hash>& drop = {});
  // Removes a mempool transaction (and its mempool descendants).
  void remove_from_mempool(const Hash& txid);

  // A coinbase-funded output for tests: mines a block paying `value` to `script`; returns the
  // outpoint (coinbase txid, 0).
  OutPoint fund(const Bytes& script, std::int64_t value);

  // --- queries (Chronik answers) ---
  BlockchainInfo blockchain_info() const;
  std::int32_t tip_height() const { return static_cast<std::int32_t>(m_blocks.size()) - 1; }
  std::optional<Tx> tx(const Hash& txid) const;
  std::optional<Bytes> raw_tx(const Hash& txid) const;
  std::optional<Block> block(std::int32_t height) const;
  std::optional<Block> block(const Hash& hash) const;
  std::vector<BlockInfo> blocks(std::int32_t start, std::int32_t end) const;
  // Newest first: mempool (latest first), then blocks from the tip down.
  TxHistoryPage history(const std::string& type, BytesView payload, std::uint32_t page, std::uint32_t page_size) const;
  std::vector<ScriptUtxos> utxos(const std::string& type, BytesView payload) const;
  bool in_mempool(const Hash& txid) const { return m_mempool_set.count(txid) != 0; }

  // Does `script` match a Chronik script query (p2pkh, p2sh, p2pk, other, p2tr-commitment,
  // p2tr-state)? False for unknown types.
  static bool script_matches(const std::string& type, BytesView payload, BytesView script);
  static bool known_script_type(const std::string& type);

 private:
  struct TxEntry {
    chain::Transaction tx;
    Bytes raw;
    bool coinbase = false;
    std::int64_t time_first_seen = 0;
    std::optional<std::int32_t> height;  // mined at
    std::uint64_t seq = 0;               // acceptance order
  };
  struct BlockEntry {
    Hash hash{};
    Hash prev{};
    std::int64_t timestamp = 0;
    std::vector<Hash> txids;  // coinbase first
  };
  struct Coin {
    chain::TxOutput out;
  };

  Tx to_chronik(const Hash& txid, const TxEntry& e) const;
  std::vector<Bytes> touched_scripts(const TxEntry& e) const;
  void emit(SubscribeMsg::Kind kind, const Hash& h, std::vector<Bytes> scripts = {});
  Hash connect_block(std::vector<Hash> txids, chain::Transaction coinbase);
  BlockInfo info(std::int32_t height) const;
  Block full_block(std::int32_t height) const;
  std::optional<chain::TxOutput> output_of(const chain::OutPoint& o) const;

  std::int64_t m_start_time;
  std::uint64_t m_seq = 0;
  std::map<Hash, TxEntry> m_txs;             // chain and mempool
  std::vector<BlockEntry> m_blocks;          // index = height
  std::vector<Hash> m_mempool;               // acceptance order
  std::set<Hash> m_mempool_set;
  std::map<std::pair<Hash, std::uint32_t>, std::pair<Hash, std::uint32_t>> m_spent_by;  // outpoint → (txid, input)
  SignatureCheck m_sigcheck;
};

}  // namespace lotus::chronik::test

LOTUS_ERRC_ENUM(lotus::chronik::test::model_errc)
