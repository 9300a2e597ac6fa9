// Lotus transactions: the wire format, parsing with bounds, and the Lotus txid.
//
// Wire format (lotusd primitives/transaction.h SerializeTransaction; the same as Bitcoin's
// pre-segwit format): int32 version | CompactSize n | n * (txid32 | u32 index | CompactSize +
// scriptSig | u32 sequence) | CompactSize m | m * (i64 value | CompactSize + scriptPubKey) |
// u32 lock_time, all little endian.
//
// Txid (lotusd primitives/transaction.cpp ComputeTxId) — NOT Bitcoin's hash of the whole
// serialisation:
//   txid = sha256d( i32 version
//                 | inputs_root  | u8 inputs_height    leaves: sha256d(prevout | u32 sequence)
//                 | outputs_root | u8 outputs_height   leaves: sha256d(i64 value | var script)
//                 | u32 lock_time )
// with the Lotus merkle tree of chain/hash.hpp. scriptSigs are not part of the txid, so
// signing does not change it (no third-party malleability). The hash of the full serialisation
// (lotusd GetHash, used in the block merkle tree) is tx_hash().
//
// Parsing never allocates more than the input can justify: counts are checked against the
// bytes left (an input takes >= 41 bytes, an output >= 9) and against Limits before any
// vector is sized; script lengths against the bytes left and Limits. Values are int64 as on
// the wire; range checks (0..MAX_MONEY) are consensus rules, not parsing (check_amounts()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "chain/errc.hpp"
#include "chain/hash.hpp"

namespace lotus::chain {

inline constexpr std::size_t kMaxTxSize = 1'000'000;                 // lotusd MAX_TX_SIZE
inline constexpr std::int64_t kCoin = 1'000'000;                     // 1 XPI in satoshis
inline constexpr std::int64_t kMaxMoney = 2'100'000'000LL * kCoin;   // lotusd MAX_MONEY
inline constexpr std::uint32_t kSequenceFinal = 0xffffffff;

struct OutPoint {
  Hash256 txid{};  // internal byte order (reverse of the displayed hex)
  std::uint32_t index = 0;
  friend bool operator==(const OutPoint&, const OutPoint&) = default;
};

struct TxInput {
  OutPoint prevout;
  Bytes script_sig;
  std::uint32_t sequence = kSequenceFinal;
  friend bool operator==(const TxInput&, const TxInput&) = default;
};

struct TxOutput {
  std::int64_t value = 0;  // satoshis (1 XPI = 1 000 000)
  Bytes script;            // scriptPubKey
  friend bool operator==(const TxOutput&, const TxOutput&) = default;
};

struct Transaction {
  std::int32_t version = 2;  // lotusd CTransaction::CURRENT_VERSION
  std::vector<TxInput> inputs;
  std::vector<TxOutput> outputs;
  std::uint32_t lock_time = 0;
  friend bool operator==(const Transaction&, const Transaction&) = default;
};

struct ParseLimits {
  std::size_t max_size = kMaxTxSize;         // whole transaction
  std::size_t max_inputs = 25'000;           // > what 1 MB can hold (41 bytes each)
  std::size_t max_outputs = 112'000;         // > what 1 MB can hold (9 bytes each)
  std::size_t max_script_size = kMaxTxSize;  // each scriptSig / scriptPubKey
};

// The whole input must be one transaction (errc::trailing_bytes otherwise).
Result<Transaction> parse_transaction(BytesView in, const ParseLimits& limits = {});
// One output as serialised inside a transaction (i64 value | CompactSize + script).
Result<TxOutput> parse_output(BytesView in, const ParseLimits& limits = {});

Bytes serialize(const Transaction& tx);
void serialize_to(Bytes& out, const OutPoint& o);
void serialize_to(Bytes& out, const TxOutput& o);
Bytes serialize(const TxOutput& o);
std::size_t serialized_size(const Transaction& tx);

MerkleRoot inputs_merkle_root(const std::vector<TxInput>& inputs);
MerkleRoot outputs_merkle_root(const std::vector<TxOutput>& outputs);

Hash256 txid(const Transaction& tx);     // Lotus txid (internal order; display: to_display_hex)
Hash256 tx_hash(const Transaction& tx);  // sha256d of the full serialisation

// Every output value in 0..kMaxMoney and their sum too (lotusd CheckTransaction's amount rule).
Status check_amounts(const Transaction& tx);

}  // namespace lotus::chain
