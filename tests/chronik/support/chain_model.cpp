#include "chronik/support/chain_model.hpp"

#include <algorithm>
#include <cstring>
#include <tuple>
#include <climits>

#include "base/error.hpp"
#include "chain/hash.hpp"
#include "chain/script.hpp"
#include "chain/sighash.hpp"
#include "chain/verify.hpp"

namespace lotus::chronik::test {

const std::error_category& model_category() noexcept {
  static const TableCategory cat("chain-model", {
      {static_cast<int>(model_errc::parse_failed), "transaction does not parse"},
      {static_cast<int>(model_errc::no_inputs), "transaction has no inputs"},
      {static_cast<int>(model_errc::missing_input), "input spends an output that does not exist"},
      {static_cast<int>(model_errc::input_spent), "input spends an output that is already spent"},
      {static_cast<int>(model_errc::amount_out_of_range), "output amount out of range"},
      {static_cast<int>(model_errc::outputs_exceed_inputs), "outputs exceed inputs"},
      {static_cast<int>(model_errc::already_known), "transaction already known"},
      {static_cast<int>(model_errc::bad_signature), "signature check failed"},
  });
  return cat;
}

namespace {

void put_le(Bytes& out, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

}  // namespace

ChainModel::ChainModel(std::int64_t start_time) : m_start_time(start_time) {
  mine(Bytes{0x6a}, 0);  // genesis
}

bool ChainModel::known_script_type(const std::string& type) {
  return type == "p2pkh" || type == "p2sh" || type == "p2pk" || type == "other" || type == "p2tr-commitment" ||
         type == "p2tr-state";
}

bool ChainModel::script_matches(const std::string& type, BytesView payload, BytesView script) {
  auto eq = [&](const Bytes& s) { return s.size() == script.size() && std::equal(s.begin(), s.end(), script.begin()); };
  if (type == "p2pkh" && payload.size() == 20) {
    chain::Hash160 h;
    std::copy(payload.begin(), payload.end(), h.begin());
    return eq(chain::p2pkh_script(h));
  }
  if (type == "p2sh" && payload.size() == 20) {
    chain::Hash160 h;
    std::copy(payload.begin(), payload.end(), h.begin());
    return eq(chain::p2sh_script(h));
  }
  if (type == "p2pk" && (payload.size() == 33 || payload.size() == 65)) {
    Bytes s;
    chain::push_data(s, payload);
    s.push_back(chain::op::kCheckSig);
    return eq(s);
  }
  if (type == "other") return payload.size() == script.size() && std::equal(payload.begin(), payload.end(), script.begin());
  if (type == "p2tr-commitment" || type == "p2tr-state") {
    auto t = chain::match_taproot(script);
    if (!t) return false;
    if (type == "p2tr-commitment") {
      return payload.size() == 33 && std::equal(payload.begin(), payload.end(), t->commitment.begin());
    }
    return t->state && payload.size() == 32 && std::equal(payload.begin(), payload.end(), t->state->begin());
  }
  return false;
}

std::optional<chain::TxOutput> ChainModel::output_of(const chain::OutPoint& o) const {
  auto it = m_txs.find(o.txid);
  if (it == m_txs.end() || o.index >= it->second.tx.outputs.size()) return std::nullopt;
  return it->second.tx.outputs[o.index];
}

void ChainModel::emit(SubscribeMsg::Kind kind, const Hash& h, std::vector<Bytes> scripts) {
  if (on_event) on_event(ModelEvent{kind, h, std::move(scripts)});
}

std::vector<Bytes> ChainModel::touched_scripts(const TxEntry& e) const {
  std::vector<Bytes> out;
  for (const auto& o : e.tx.outputs) out.push_back(o.script);
  if (!e.coinbase) {
    for (const auto& in : e.tx.inputs) {
      if (auto spent = output_of(in.prevout)) out.push_back(spent->script);
    }
  }
  return out;
}

Result<Hash> ChainModel::submit(BytesView raw) {
  auto tx = chain::parse_transaction(raw);
  if (!tx) return model_errc::parse_failed;
  return submit(*tx);
}

Result<Hash> ChainModel::submit(const chain::Transaction& tx) {
  const Hash id = chain::txid(tx);
  if (m_txs.count(id)) return model_errc::already_known;
  if (tx.inputs.empty()) return model_errc::no_inputs;
  if (!chain::check_amounts(tx)) return model_errc::amount_out_of_range;
  std::set<std::pair<Hash, std::uint32_t>> seen;
  std::vector<chain::TxOutput> spent;
  std::int64_t in_sum = 0;
  for (const auto& in : tx.inputs) {
    auto out = output_of(in.prevout);
    if (!out) return model_errc::missing_input;
    const auto key = std::make_pair(in.prevout.txid, in.prevout.index);
    if (m_spent_by.count(key) || !seen.insert(key).second) return model_errc::input_spent;
    in_sum += out->value;
    spent.push_back(*out);
  }
  std::int64_t out_sum = 0;
  for (const auto& o : tx.outputs) out_sum += o.value;
  if (out_sum > in_sum) return model_errc::outputs_exceed_inputs;
  if (m_sigcheck) {
    if (auto st = m_sigcheck(tx, spent); !st) return model_errc::bad_signature;
  }
  TxEntry e;
  e.tx = tx;
  e.raw = chain::serialize(tx);
  e.time_first_seen = m_start_time + 600LL * static_cast<std::int64_t>(m_blocks.size());
  e.seq = ++m_seq;
  for (std::uint32_t i = 0; i < tx.inputs.size(); ++i) {
    m_spent_by[{tx.inputs[i].prevout.txid, tx.inputs[i].prevout.index}] = {id, i};
  }
  auto scripts = touched_scripts(e);
  m_txs.emplace(id, std::move(e));
  m_mempool.push_back(id);
  m_mempool_set.insert(id);
  emit(SubscribeMsg::Kind::added_to_mempool, id, std::move(scripts));
  return id;
}

Hash ChainModel::connect_block(std::vector<Hash> txids, chain::Transaction coinbase) {
  const auto height = static_cast<std::int32_t>(m_blocks.size());
  const Hash cb_id = chain::txid(coinbase);
  TxEntry cb;
  cb.tx = std::move(coinbase);
  cb.raw = chain::serialize(cb.tx);
  cb.coinbase = true;
  cb.height = height;
  cb.seq = ++m_seq;
  cb.time_first_seen = 0;
  m_txs[cb_id] = std::move(cb);
  txids.insert(txids.begin(), cb_id);

  BlockEntry b;
  b.prev = m_blocks.empty() ? Hash{} : m_blocks.back().hash;
  b.timestamp = m_start_time + 600LL * height;
  b.txids = txids;
  Bytes header;
  append(header, b.prev);
  append(header, chain::merkle_root(txids).root);
  put_le(header, static_cast<std::uint64_t>(b.timestamp), 8);
  put_le(header, static_cast<std::uint32_t>(height), 4);
  b.hash = chain::sha256d(header);
  m_blocks.push_back(b);

  for (const auto& id : txids) {
    auto& e = m_txs.at(id);
    e.height = height;
    if (id != cb_id) {
      m_mempool.erase(std::remove(m_mempool.begin(), m_mempool.end(), id), m_mempool.end());
      m_mempool_set.erase(id);
      emit(SubscribeMsg::Kind::confirmed, id, touched_scripts(e));
    }
  }
  emit(SubscribeMsg::Kind::block_connected, b.hash);
  return b.hash;
}

Hash ChainModel::mine(const Bytes& coinbase_script, std::int64_t value, const std::optional<std::vector<Hash>>& only) {
  chain::Transaction cb;
  cb.version = 1;
  chain::TxInput in;
  in.prevout.index = 0xffffffff;
  const auto height = static_cast<std::uint32_t>(m_blocks.size());
  put_le(in.script_sig, height, 4);
  cb.inputs.push_back(in);
  cb.outputs.push_back(chain::TxOutput{value, coinbase_script.empty() ? Bytes{0x51} : coinbase_script});
  cb.lock_time = height;  // the Lotus txid leaves scriptSigs out: this keeps coinbase txids unique
  std::vector<Hash> txids;
  for (const auto& id : m_mempool) {
    if (!only || std::find(only->begin(), only->end(), id) != only->end()) txids.push_back(id);
  }
  return connect_block(std::move(txids), std::move(cb));
}

void ChainModel::mine_empty(int n) {
  for (int i = 0; i < n; ++i) mine({}, 0, std::vector<Hash>{});
}

void ChainModel::check_lotus_signatures() {
  set_signature_check([](const chain::Transaction& tx, const std::vector<chain::TxOutput>& spent) -> Status {
    auto ctx = chain::SighashContext::create(tx, spent);
    if (!ctx) return ctx.error();
    return chain::verify_inputs(*ctx);
  });
}

OutPoint ChainModel::fund(const Bytes& script, std::int64_t value) {
  mine(script, value, std::vector<Hash>{});
  return OutPoint{m_blocks.back().txids.front(), 0};
}

void ChainModel::remove_from_mempool(const Hash& txid) {
  if (!m_mempool_set.count(txid)) return;
  // Descendants first.
  const auto& e = m_txs.at(txid);
  for (std::uint32_t i = 0; i < e.tx.outputs.size(); ++i) {
    auto it = m_spent_by.find({txid, i});
    if (it != m_spent_by.end()) remove_from_mempool(it->second.first);
  }
  auto node = m_txs.find(txid);
  auto scripts = touched_scripts(node->second);
  for (const auto& in : node->second.tx.inputs) m_spent_by.erase({in.prevout.txid, in.prevout.index});
  m_txs.erase(node);
  m_mempool.erase(std::remove(m_mempool.begin(), m_mempool.end(), txid), m_mempool.end());
  m_mempool_set.erase(txid);
  emit(SubscribeMsg::Kind::removed_from_mempool, txid, std::move(scripts));
}

void ChainModel::disconnect(int depth, const std::set<Hash>& drop) {
  for (int d = 0; d < depth && m_blocks.size() > 1; ++d) {
    BlockEntry b = m_blocks.back();
    m_blocks.pop_back();
    std::vector<Hash> back_to_mempool;
    for (std::size_t i = 1; i < b.txids.size(); ++i) {
      auto& e = m_txs.at(b.txids[i]);
      e.height.reset();
      back_to_mempool.push_back(b.txids[i]);
      emit(SubscribeMsg::Kind::reorg, b.txids[i], touched_scripts(e));
    }
    m_mempool.insert(m_mempool.begin(), back_to_mempool.begin(), back_to_mempool.end());
    m_mempool_set.insert(back_to_mempool.begin(), back_to_mempool.end());
    // The coinbase leaves; whatever spent it leaves with it.
    const Hash cb = b.txids.front();
    const auto outs = m_txs.at(cb).tx.outputs.size();
    for (std::uint32_t i = 0; i < outs; ++i) {
      auto it = m_spent_by.find({cb, i});
      if (it != m_spent_by.end()) remove_from_mempool(it->second.first);
    }
    m_txs.erase(cb);
    emit(SubscribeMsg::Kind::block_disconnected, b.hash);
  }
  for (const auto& id : drop) remove_from_mempool(id);
}

BlockchainInfo ChainModel::blockchain_info() const { return {m_blocks.back().hash, tip_height()}; }

Tx ChainModel::to_chronik(const Hash& txid, const TxEntry& e) const {
  Tx t;
  t.txid = txid;
  t.version = e.tx.version;
  for (const auto& in : e.tx.inputs) {
    TxInput ti;
    ti.prev_out = {in.prevout.txid, in.prevout.index};
    ti.input_script = in.script_sig;
    ti.sequence_no = in.sequence;
    if (!e.coinbase) {
      if (auto spent = output_of(in.prevout)) {
        ti.output_script = spent->script;
        ti.value = spent->value;
      }
    }
    t.inputs.push_back(std::move(ti));
  }
  for (std::uint32_t i = 0; i < e.tx.outputs.size(); ++i) {
    TxOutput to;
    to.value = e.tx.outputs[i].value;
    to.output_script = e.tx.outputs[i].script;
    auto it = m_spent_by.find({txid, i});
    if (it != m_spent_by.end()) to.spent_by = OutPoint{it->second.first, it->second.second};
    t.outputs.push_back(std::move(to));
  }
  t.lock_time = e.tx.lock_time;
  if (e.height) {
    const auto& b = m_blocks.at(static_cast<std::size_t>(*e.height));
    t.block = BlockMetadata{*e.height, b.hash, b.timestamp};
  }
  t.time_first_seen = e.time_first_seen;
  t.size = static_cast<std::uint32_t>(e.raw.size());
  t.is_coinbase = e.coinbase;
  t.network = Network::xpi;
  return t;
}

std::optional<Tx> ChainModel::tx(const Hash& txid) const {
  auto it = m_txs.find(txid);
  if (it == m_txs.end()) return std::nullopt;
  return to_chronik(txid, it->second);
}

std::optional<Bytes> ChainModel::raw_tx(const Hash& txid) const {
  auto it = m_txs.find(txid);
  if (it == m_txs.end()) return std::nullopt;
  return it->second.raw;
}

BlockInfo ChainModel::info(std::int32_t height) const {
  const auto& b = m_blocks.at(static_cast<std::size_t>(height));
  BlockInfo i;
  i.hash = b.hash;
  i.prev_hash = b.prev;
  i.height = height;
  i.n_bits = 0x1d00ffff;
  i.timestamp = b.timestamp;
  i.block_size = 160;
  i.num_txs = b.txids.size();
  for (std::size_t k = 0; k < b.txids.size(); ++k) {
    const auto& e = m_txs.at(b.txids[k]);
    i.block_size += e.raw.size();
    i.num_inputs += e.tx.inputs.size();
    i.num_outputs += e.tx.outputs.size();
    for (const auto& o : e.tx.outputs) {
      if (k == 0) {
        i.sum_coinbase_output_sats += o.value;
      } else {
        i.sum_normal_output_sats += o.value;
      }
      if (!o.script.empty() && o.script[0] == chain::op::kReturn) i.sum_burned_sats += o.value;
    }
    if (k != 0) {
      for (const auto& in : e.tx.inputs) {
        if (auto spent = output_of(in.prevout)) i.sum_input_sats += spent->value;
      }
    }
  }
  return i;
}

Block ChainModel::full_block(std::int32_t height) const {
  const auto& b = m_blocks.at(static_cast<std::size_t>(height));
  Block blk;
  blk.info = info(height);
  blk.details.version = 1;
  blk.details.merkle_root = chain::merkle_root(b.txids).root;
  blk.details.nonce = static_cast<std::uint64_t>(height);
  blk.details.median_timestamp = b.timestamp;
  append(blk.raw_header, b.prev);
  append(blk.raw_header, blk.details.merkle_root);
  put_le(blk.raw_header, static_cast<std::uint64_t>(b.timestamp), 8);
  put_le(blk.raw_header, static_cast<std::uint32_t>(height), 4);
  for (const auto& id : b.txids) blk.txs.push_back(to_chronik(id, m_txs.at(id)));
  return blk;
}

std::optional<Block> ChainModel::block(std::int32_t height) const {
  if (height < 0 || height > tip_height()) return std::nullopt;
  return full_block(height);
}

std::optional<Block> ChainModel::block(const Hash& hash) const {
  for (std::size_t h = 0; h < m_blocks.size(); ++h) {
    if (m_blocks[h].hash == hash) return full_block(static_cast<std::int32_t>(h));
  }
  return std::nullopt;
}

std::vector<BlockInfo> ChainModel::blocks(std::int32_t start, std::int32_t end) const {
  std::vector<BlockInfo> v;
  for (std::int32_t h = std::max(start, 0); h <= std::min(end, tip_height()); ++h) v.push_back(info(h));
  return v;
}

TxHistoryPage ChainModel::history(const std::string& type, BytesView payload, std::uint32_t page,
                                  std::uint32_t page_size) const {
  auto touches = [&](const TxEntry& e) {
    for (const auto& s : touched_scripts(e)) {
      if (script_matches(type, payload, s)) return true;
    }
    return false;
  };
  std::vector<Hash> ids;
  for (auto it = m_mempool.rbegin(); it != m_mempool.rend(); ++it) {
    if (touches(m_txs.at(*it))) ids.push_back(*it);
  }
  for (auto h = static_cast<std::int64_t>(m_blocks.size()) - 1; h >= 0; --h) {
    const auto& txids = m_blocks[static_cast<std::size_t>(h)].txids;
    for (auto it = txids.rbegin(); it != txids.rend(); ++it) {
      if (touches(m_txs.at(*it))) ids.push_back(*it);
    }
  }
  TxHistoryPage p;
  if (page_size == 0) return p;
  p.num_pages = static_cast<std::uint32_t>((ids.size() + page_size - 1) / page_size);
  const std::size_t from = static_cast<std::size_t>(page) * page_size;
  for (std::size_t i = from; i < ids.size() && i < from + page_size; ++i) p.txs.push_back(*tx(ids[i]));
  return p;
}

std::vector<ScriptUtxos> ChainModel::utxos(const std::string& type, BytesView payload) const {
  std::map<Bytes, std::vector<Utxo>> by_script;
  for (const auto& [id, e] : m_txs) {
    for (std::uint32_t i = 0; i < e.tx.outputs.size(); ++i) {
      const auto& o = e.tx.outputs[i];
      if (m_spent_by.count({id, i}) || !script_matches(type, payload, o.script)) continue;
      Utxo u;
      u.outpoint = {id, i};
      u.block_height = e.height ? *e.height : -1;
      u.is_coinbase = e.coinbase;
      u.value = o.value;
      u.network = Network::xpi;
      by_script[o.script].push_back(u);
    }
  }
  std::vector<ScriptUtxos> out;
  for (auto& [script, us] : by_script) {
    std::sort(us.begin(), us.end(), [](const Utxo& a, const Utxo& b) {
      const auto ha = a.block_height < 0 ? INT32_MAX : a.block_height;
      const auto hb = b.block_height < 0 ? INT32_MAX : b.block_height;
      if (ha != hb) return ha < hb;
      return std::tie(a.outpoint.txid, a.outpoint.out_idx) < std::tie(b.outpoint.txid, b.outpoint.out_idx);
    });
    out.push_back(ScriptUtxos{script, std::move(us)});
  }
  return out;
}

}  // namespace lotus::chronik::test
