#include "chronik/messages.hpp"

#include <algorithm>
#include <type_traits>

#include "base/hex.hpp"
#include "base/protobuf.hpp"
#include "chronik/errc.hpp"

namespace lotus::chronik {

namespace {

using pb::Field;
using pb::WireType;

struct Ctx {
  const Limits& limits;
  std::size_t elements = 0;
  std::error_code take() {  // one more repeated element
    if (++elements > limits.max_elements) return errc::malformed;
    return {};
  }
};

std::error_code want(const Field& f, WireType t) {
  return f.type == t ? std::error_code{} : make_error_code(pb::errc::wrong_wire_type);
}

std::error_code get_hash(const Field& f, Hash& out) {
  if (auto ec = want(f, WireType::len)) return ec;
  if (f.bytes.size() != out.size()) return errc::malformed;
  std::copy(f.bytes.begin(), f.bytes.end(), out.begin());
  return {};
}
std::error_code get_bytes(const Field& f, Bytes& out) {
  if (auto ec = want(f, WireType::len)) return ec;
  out.assign(f.bytes.begin(), f.bytes.end());
  return {};
}
std::error_code get_string(const Field& f, std::string& out) {
  if (auto ec = want(f, WireType::len)) return ec;
  out.assign(reinterpret_cast<const char*>(f.bytes.data()), f.bytes.size());
  return {};
}
// int32 as protobuf encodes it (negative values sign-extended to 64 bits); the low 32 bits count.
std::error_code get_i32(const Field& f, std::int32_t& out) {
  if (auto ec = want(f, WireType::varint)) return ec;
  out = static_cast<std::int32_t>(static_cast<std::uint32_t>(f.varint & 0xffffffffu));
  return {};
}
std::error_code get_u32(const Field& f, std::uint32_t& out) {
  if (auto ec = want(f, WireType::varint)) return ec;
  out = static_cast<std::uint32_t>(f.varint & 0xffffffffu);
  return {};
}
std::error_code get_i64(const Field& f, std::int64_t& out) {
  if (auto ec = want(f, WireType::varint)) return ec;
  out = static_cast<std::int64_t>(f.varint);
  return {};
}
std::error_code get_u64(const Field& f, std::uint64_t& out) {
  if (auto ec = want(f, WireType::varint)) return ec;
  out = f.varint;
  return {};
}
std::error_code get_bool(const Field& f, bool& out) {
  if (auto ec = want(f, WireType::varint)) return ec;
  out = f.varint != 0;
  return {};
}
std::error_code get_network(const Field& f, Network& out) {
  std::int32_t v = 0;
  if (auto ec = get_i32(f, v)) return ec;
  out = static_cast<Network>(v);  // unknown values kept as they are (chronik-client throws on them)
  return {};
}

// Runs `on_field` over every field; unknown fields are skipped by the caller's switch default.
template <class F>
std::error_code each(BytesView in, F&& on_field) {
  pb::Reader r(in);
  Field f;
  while (r.next(f)) {
    if (auto ec = on_field(f)) return ec;
  }
  return r.error();
}

std::error_code dec(BytesView in, OutPoint& m);
std::error_code dec(BytesView in, BlockMetadata& m);
std::error_code dec(BytesView in, TxInput& m);
std::error_code dec(BytesView in, TxOutput& m);
std::error_code dec(BytesView in, Tx& m, Ctx& ctx);
std::error_code dec(BytesView in, BlockInfo& m);
std::error_code dec(BytesView in, BlockDetails& m);
std::error_code dec(BytesView in, Utxo& m);
std::error_code dec(BytesView in, ScriptUtxos& m, Ctx& ctx);
std::error_code dec(BytesView in, Error& m);

std::error_code dec(BytesView in, OutPoint& m) {
  bool have_txid = false;
  auto ec = each(in, [&](const Field& f) -> std::error_code {
    switch (f.number) {
      case 1: have_txid = true; return get_hash(f, m.txid);
      case 2: return get_u32(f, m.out_idx);
      default: return {};
    }
  });
  if (!ec && !have_txid) ec = errc::malformed;
  return ec;
}

std::error_code dec(BytesView in, BlockMetadata& m) {
  return each(in, [&](const Field& f) -> std::error_code {
    switch (f.number) {
      case 1: return get_i32(f, m.height);
      case 2: return get_hash(f, m.hash);
      case 3: return get_i64(f, m.timestamp);
      default: return {};
    }
  });
}

template <class T>
std::error_code dec_sub(const Field& f, T& m) {
  if (auto ec = want(f, WireType::len)) return ec;
  return dec(f.bytes, m);
}
template <class T>
std::error_code dec_sub(const Field& f, T& m, Ctx& ctx) {
  if (auto ec = want(f, WireType::len)) return ec;
  return dec(f.bytes, m, ctx);
}
template <class T>
std::error_code dec_push(const Field& f, std::vector<T>& v, Ctx& ctx) {
  if (auto ec = want(f, WireType::len)) return ec;
  if (auto ec = ctx.take()) return ec;
  v.emplace_back();
  if constexpr (std::is_same_v<T, Tx> || std::is_same_v<T, ScriptUtxos>) {
    return dec(f.bytes, v.back(), ctx);
  } else {
    return dec(f.bytes, v.back());
  }
}

std::error_code dec(BytesView in, TxInput& m) {
  bool have_prev = false;
  auto ec = each(in, [&](const Field& f) -> std::error_code {
    switch (f.number) {
      case 1: have_prev = true; return dec_sub(f, m.prev_out);
      case 2: return get_bytes(f, m.input_script);
      case 3: return get_bytes(f, m.output_script);
      case 4: return get_i64(f, m.value);
      case 5: return get_u32(f, m.sequence_no);
      default: return {};
    }
  });
  if (!ec && !have_prev) ec = errc::malformed;  // chronik-client: "Invalid proto, no prevOut"
  return ec;
}

std::error_code dec(BytesView in, TxOutput& m) {
  return each(in, [&](const Field& f) -> std::error_code {
    switch (f.number) {
      case 1: return get_i64(f, m.value);
      case 2: return get_bytes(f, m.output_script);
      case 4: m.spent_by.emplace(); return dec_sub(f, *m.spent_by);
      default: return {};
    }
  });
}

std::error_code dec(BytesView in, Tx& m, Ctx& ctx) {
  return each(in, [&](const Field& f) -> std::error_code {
    switch (f.number) {
      case 1: return get_hash(f, m.txid);
      case 2: return get_i32(f, m.version);
      case 3: return dec_push(f, m.inputs, ctx);
      case 4: return dec_push(f, m.outputs, ctx);
      case 5: return get_u32(f, m.lock_time);
      case 8: m.block.emplace(); return dec_sub(f, *m.block);
      case 9: return get_i64(f, m.time_first_seen);
      case 10: return get_network(f, m.network);
      case 11: return get_u32(f, m.size);
      case 12: return get_bool(f, m.is_coinbase);
      default: return {};
    }
  });
}

std::error_code dec(BytesView in, BlockInfo& m) {
  return each(in, [&](const Field& f) -> std::error_code {
    switch (f.number) {
      case 1: return get_hash(f, m.hash);
      case 2: return get_hash(f, m.prev_hash);
      case 3: return get_i32(f, m.height);
      case 4: return get_u32(f, m.n_bits);
      case 5: return get_i64(f, m.timestamp);
      case 6: return get_u64(f, m.block_size);
      case 7: return get_u64(f, m.num_txs);
      case 8: return get_u64(f, m.num_inputs);
      case 9: return get_u64(f, m.num_outputs);
      case 10: return get_i64(f, m.sum_input_sats);
      case 11: return get_i64(f, m.sum_coinbase_output_sats);
      case 12: return get_i64(f, m.sum_normal_output_sats);
      case 13: return get_i64(f, m.sum_burned_sats);
      default: return {};
    }
  });
}

std::error_code dec(BytesView in, BlockDetails& m) {
  return each(in, [&](const Field& f) -> std::error_code {
    switch (f.number) {
      case 1: return get_i32(f, m.version);
      case 2: return get_hash(f, m.merkle_root);
      case 3: return get_u64(f, m.nonce);
      case 4: return get_i64(f, m.median_timestamp);
      default: return {};
    }
  });
}

std::error_code dec(BytesView in, Utxo& m) {
  bool have_outpoint = false;
  auto ec = each(in, [&](const Field& f) -> std::error_code {
    switch (f.number) {
      case 1: have_outpoint = true; return dec_sub(f, m.outpoint);
      case 2: return get_i32(f, m.block_height);
      case 3: return get_bool(f, m.is_coinbase);
      case 5: return get_i64(f, m.value);
      case 9: return get_network(f, m.network);
      default: return {};
    }
  });
  if (!ec && !have_outpoint) ec = errc::malformed;  // chronik-client: "UTXO outpoint is undefined"
  return ec;
}

std::error_code dec(BytesView in, ScriptUtxos& m, Ctx& ctx) {
  return each(in, [&](const Field& f) -> std::error_code {
    switch (f.number) {
      case 1: return get_bytes(f, m.output_script);
      case 2: return dec_push(f, m.utxos, ctx);
      default: return {};
    }
  });
}

std::error_code dec(BytesView in, Error& m) {
  return each(in, [&](const Field& f) -> std::error_code {
    switch (f.number) {
      case 1: return get_string(f, m.error_code);
      case 2: return get_string(f, m.msg);
      case 3: return get_bool(f, m.is_user_error);
      default: return {};
    }
  });
}

template <class T>
Result<T> finish(std::error_code ec, T&& value) {
  if (ec) return ec;
  return std::forward<T>(value);
}

// ---- encoding ----

void put_hash(pb::Writer& w, std::uint32_t n, const Hash& h) { w.bytes(n, h); }
void put_bytes(pb::Writer& w, std::uint32_t n, BytesView b) {
  if (!b.empty()) w.bytes(n, b);
}
void put_i32(pb::Writer& w, std::uint32_t n, std::int32_t v) {
  if (v != 0) w.varint(n, static_cast<std::uint64_t>(static_cast<std::int64_t>(v)));  // sign-extended
}
void put_u64(pb::Writer& w, std::uint32_t n, std::uint64_t v) {
  if (v != 0) w.varint(n, v);
}
void put_i64(pb::Writer& w, std::uint32_t n, std::int64_t v) { put_u64(w, n, static_cast<std::uint64_t>(v)); }
void put_bool(pb::Writer& w, std::uint32_t n, bool v) {
  if (v) w.boolean(n, true);
}
void put_string(pb::Writer& w, std::uint32_t n, std::string_view s) {
  if (!s.empty()) w.string(n, s);
}
template <class F>
void put_sub(pb::Writer& w, std::uint32_t n, F&& body) {
  Bytes sub;
  pb::Writer sw(sub);
  body(sw);
  w.bytes(n, sub);
}

void enc(pb::Writer& w, const OutPoint& m) {
  put_hash(w, 1, m.txid);
  put_u64(w, 2, m.out_idx);
}
void enc(pb::Writer& w, const BlockMetadata& m) {
  put_i32(w, 1, m.height);
  put_hash(w, 2, m.hash);
  put_i64(w, 3, m.timestamp);
}
void enc(pb::Writer& w, const TxInput& m) {
  put_sub(w, 1, [&](pb::Writer& s) { enc(s, m.prev_out); });
  put_bytes(w, 2, m.input_script);
  put_bytes(w, 3, m.output_script);
  put_i64(w, 4, m.value);
  put_u64(w, 5, m.sequence_no);
}
void enc(pb::Writer& w, const TxOutput& m) {
  put_i64(w, 1, m.value);
  put_bytes(w, 2, m.output_script);
  if (m.spent_by) put_sub(w, 4, [&](pb::Writer& s) { enc(s, *m.spent_by); });
}
void enc(pb::Writer& w, const Tx& m) {
  put_hash(w, 1, m.txid);
  put_i32(w, 2, m.version);
  for (const auto& i : m.inputs) put_sub(w, 3, [&](pb::Writer& s) { enc(s, i); });
  for (const auto& o : m.outputs) put_sub(w, 4, [&](pb::Writer& s) { enc(s, o); });
  put_u64(w, 5, m.lock_time);
  if (m.block) put_sub(w, 8, [&](pb::Writer& s) { enc(s, *m.block); });
  put_i64(w, 9, m.time_first_seen);
  put_u64(w, 11, m.size);
  put_bool(w, 12, m.is_coinbase);
  put_i32(w, 10, static_cast<std::int32_t>(m.network));
}
void enc(pb::Writer& w, const BlockInfo& m) {
  put_hash(w, 1, m.hash);
  put_hash(w, 2, m.prev_hash);
  put_i32(w, 3, m.height);
  put_u64(w, 4, m.n_bits);
  put_i64(w, 5, m.timestamp);
  put_u64(w, 6, m.block_size);
  put_u64(w, 7, m.num_txs);
  put_u64(w, 8, m.num_inputs);
  put_u64(w, 9, m.num_outputs);
  put_i64(w, 10, m.sum_input_sats);
  put_i64(w, 11, m.sum_coinbase_output_sats);
  put_i64(w, 12, m.sum_normal_output_sats);
  put_i64(w, 13, m.sum_burned_sats);
}
void enc(pb::Writer& w, const BlockDetails& m) {
  put_i32(w, 1, m.version);
  put_hash(w, 2, m.merkle_root);
  put_u64(w, 3, m.nonce);
  put_i64(w, 4, m.median_timestamp);
}
void enc(pb::Writer& w, const Utxo& m) {
  put_sub(w, 1, [&](pb::Writer& s) { enc(s, m.outpoint); });
  put_i32(w, 2, m.block_height);
  put_bool(w, 3, m.is_coinbase);
  put_i64(w, 5, m.value);
  put_i32(w, 9, static_cast<std::int32_t>(m.network));
}
void enc(pb::Writer& w, const Error& m) {
  put_string(w, 1, m.error_code);
  put_string(w, 2, m.msg);
  put_bool(w, 3, m.is_user_error);
}

template <class T>
Bytes encode_one(const T& m) {
  Bytes out;
  pb::Writer w(out);
  enc(w, m);
  return out;
}

}  // namespace

std::string to_display_hex(const Hash& h) {
  Hash r = h;
  std::reverse(r.begin(), r.end());
  return to_hex(r);
}

std::optional<Hash> hash_from_display_hex(std::string_view hex) {
  auto b = from_hex(hex);
  if (!b || b->size() != 32) return std::nullopt;
  Hash h;
  std::reverse_copy(b->begin(), b->end(), h.begin());
  return h;
}

const char* to_string(SubscribeMsg::Kind k) noexcept {
  switch (k) {
    case SubscribeMsg::Kind::error: return "Error";
    case SubscribeMsg::Kind::added_to_mempool: return "AddedToMempool";
    case SubscribeMsg::Kind::removed_from_mempool: return "RemovedFromMempool";
    case SubscribeMsg::Kind::confirmed: return "Confirmed";
    case SubscribeMsg::Kind::reorg: return "Reorg";
    case SubscribeMsg::Kind::block_connected: return "BlockConnected";
    case SubscribeMsg::Kind::block_disconnected: return "BlockDisconnected";
  }
  return "?";
}

Result<BlockchainInfo> decode_blockchain_info(BytesView in) {
  BlockchainInfo m;
  auto ec = each(in, [&](const Field& f) -> std::error_code {
    switch (f.number) {
      case 1: return get_hash(f, m.tip_hash);
      case 2: return get_i32(f, m.tip_height);
      default: return {};
    }
  });
  return finish(ec, std::move(m));
}

Result<Tx> decode_tx(BytesView in, const Limits& limits) {
  Ctx ctx{limits};
  Tx m;
  auto ec = dec(in, m, ctx);
  return finish(ec, std::move(m));
}

Result<Block> decode_block(BytesView in, const Limits& limits) {
  Ctx ctx{limits};
  Block m;
  bool have_info = false;
  bool have_details = false;
  auto ec = each(in, [&](const Field& f) -> std::error_code {
    switch (f.number) {
      case 1: have_info = true; return dec_sub(f, m.info);
      case 2: return dec_push(f, m.txs, ctx);
      case 3: have_details = true; return dec_sub(f, m.details);
      case 4: return get_bytes(f, m.raw_header);
      default: return {};
    }
  });
  if (!ec && (!have_info || !have_details)) ec = errc::malformed;  // chronik-client throws too
  return finish(ec, std::move(m));
}

Result<std::vector<BlockInfo>> decode_blocks(BytesView in, const Limits& limits) {
  Ctx ctx{limits};
  std::vector<BlockInfo> v;
  auto ec = each(in, [&](const Field& f) -> std::error_code {
    if (f.number == 1) return dec_push(f, v, ctx);
    return {};
  });
  return finish(ec, std::move(v));
}

Result<std::vector<ScriptUtxos>> decode_utxos(BytesView in, const Limits& limits) {
  Ctx ctx{limits};
  std::vector<ScriptUtxos> v;
  auto ec = each(in, [&](const Field& f) -> std::error_code {
    if (f.number == 1) return dec_push(f, v, ctx);
    return {};
  });
  return finish(ec, std::move(v));
}

Result<TxHistoryPage> decode_tx_history_page(BytesView in, const Limits& limits) {
  Ctx ctx{limits};
  TxHistoryPage m;
  auto ec = each(in, [&](const Field& f) -> std::error_code {
    switch (f.number) {
      case 1: return dec_push(f, m.txs, ctx);
      case 2: return get_u32(f, m.num_pages);
      default: return {};
    }
  });
  return finish(ec, std::move(m));
}

Result<BroadcastTxRequest> decode_broadcast_tx_request(BytesView in) {
  BroadcastTxRequest m;
  auto ec = each(in, [&](const Field& f) -> std::error_code {
    switch (f.number) {
      case 1: return get_bytes(f, m.raw_tx);
      case 2: return get_bool(f, m.skip_slp_check);
      default: return {};
    }
  });
  return finish(ec, std::move(m));
}

Result<Hash> decode_broadcast_tx_response(BytesView in) {
  Hash h{};
  bool have = false;
  auto ec = each(in, [&](const Field& f) -> std::error_code {
    if (f.number == 1) {
      have = true;
      return get_hash(f, h);
    }
    return {};
  });
  if (!ec && !have) ec = errc::malformed;
  return finish(ec, std::move(h));
}

Result<Error> decode_error(BytesView in) {
  Error m;
  auto ec = dec(in, m);
  return finish(ec, std::move(m));
}

Result<Bytes> decode_raw_tx(BytesView in) {
  Bytes raw;
  auto ec = each(in, [&](const Field& f) -> std::error_code {
    if (f.number == 1) return get_bytes(f, raw);
    return {};
  });
  return finish(ec, std::move(raw));
}

Result<Subscription> decode_subscription(BytesView in) {
  Subscription m;
  m.is_subscribe = false;  // proto3 default
  auto ec = each(in, [&](const Field& f) -> std::error_code {
    switch (f.number) {
      case 1: return get_string(f, m.script_type);
      case 2: return get_bytes(f, m.payload);
      case 3: return get_bool(f, m.is_subscribe);
      default: return {};
    }
  });
  return finish(ec, std::move(m));
}

Result<SubscribeMsg> decode_subscribe_msg(BytesView in) {
  SubscribeMsg m;
  bool have = false;
  auto ec = each(in, [&](const Field& f) -> std::error_code {
    if (f.number < 1 || f.number > 7) return {};
    if (auto e = want(f, WireType::len)) return e;
    have = true;
    m = SubscribeMsg{};  // a oneof: the last member present wins
    m.kind = static_cast<SubscribeMsg::Kind>(f.number);
    if (f.number == 1) return dec(f.bytes, m.error);
    bool have_hash = false;
    auto e = each(f.bytes, [&](const Field& g) -> std::error_code {
      if (g.number == 1) {
        have_hash = true;
        return get_hash(g, m.hash);
      }
      return {};
    });
    if (!e && !have_hash) e = errc::malformed;
    return e;
  });
  if (!ec && !have) ec = errc::malformed;
  return finish(ec, std::move(m));
}

Bytes encode(const BlockchainInfo& m) {
  Bytes out;
  pb::Writer w(out);
  put_hash(w, 1, m.tip_hash);
  put_i32(w, 2, m.tip_height);
  return out;
}
Bytes encode(const Tx& m) { return encode_one(m); }
Bytes encode(const Block& m) {
  Bytes out;
  pb::Writer w(out);
  put_sub(w, 1, [&](pb::Writer& s) { enc(s, m.info); });
  put_sub(w, 3, [&](pb::Writer& s) { enc(s, m.details); });
  put_bytes(w, 4, m.raw_header);
  for (const auto& t : m.txs) put_sub(w, 2, [&](pb::Writer& s) { enc(s, t); });
  return out;
}
Bytes encode_blocks(const std::vector<BlockInfo>& m) {
  Bytes out;
  pb::Writer w(out);
  for (const auto& b : m) put_sub(w, 1, [&](pb::Writer& s) { enc(s, b); });
  return out;
}
Bytes encode_utxos(const std::vector<ScriptUtxos>& m) {
  Bytes out;
  pb::Writer w(out);
  for (const auto& su : m) {
    put_sub(w, 1, [&](pb::Writer& s) {
      put_bytes(s, 1, su.output_script);
      for (const auto& u : su.utxos) put_sub(s, 2, [&](pb::Writer& t) { enc(t, u); });
    });
  }
  return out;
}
Bytes encode(const TxHistoryPage& m) {
  Bytes out;
  pb::Writer w(out);
  for (const auto& t : m.txs) put_sub(w, 1, [&](pb::Writer& s) { enc(s, t); });
  put_u64(w, 2, m.num_pages);
  return out;
}
Bytes encode(const BroadcastTxRequest& m) {
  Bytes out;
  pb::Writer w(out);
  put_bytes(w, 1, m.raw_tx);
  put_bool(w, 2, m.skip_slp_check);
  return out;
}
Bytes encode_broadcast_tx_response(const Hash& txid) {
  Bytes out;
  pb::Writer w(out);
  put_hash(w, 1, txid);
  return out;
}
Bytes encode(const Error& m) { return encode_one(m); }
Bytes encode_raw_tx(BytesView raw_tx) {
  Bytes out;
  pb::Writer w(out);
  put_bytes(w, 1, raw_tx);
  return out;
}
Bytes encode(const Subscription& m) {
  Bytes out;
  pb::Writer w(out);
  put_string(w, 1, m.script_type);
  put_bytes(w, 2, m.payload);
  put_bool(w, 3, m.is_subscribe);
  return out;
}
Bytes encode(const SubscribeMsg& m) {
  Bytes out;
  pb::Writer w(out);
  const auto n = static_cast<std::uint32_t>(m.kind);
  if (m.kind == SubscribeMsg::Kind::error) {
    put_sub(w, n, [&](pb::Writer& s) { enc(s, m.error); });
  } else {
    put_sub(w, n, [&](pb::Writer& s) { put_hash(s, 1, m.hash); });
  }
  return out;
}

}  // namespace lotus::chronik
