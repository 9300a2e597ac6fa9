// BurnVerifier: is output N of transaction T a burn the protocols accept? (lotus-wire.md §6.1,
// §6.3, §9.3; the reference's lib/p2p/blockchain-utils.ts BurnVerifier.)
//
// inspect_burn() returns what the reference's verifyBurnTransaction returns (txid, output index,
// amount, block height, confirmations, matured, script, LOKAD prefix/version/payload) for a
// data output, mined or not. verify_burn() additionally enforces a policy and says why it
// refuses — one burn_errc per reason — where the reference returns null for everything:
//
//   not_found        no such transaction (Chronik 404)
//   no_such_output   the transaction has no output at that index
//   not_data_output  the output is not OP_RETURN + pushes (<= 223 bytes)
//   wrong_prefix     the LOKAD prefix is absent or differs from the expected one
//   below_amount     the burned amount is below the minimum
//   not_mined        the transaction is in the mempool (and min_confirmations > 0)
//   not_confirmed    mined, but fewer confirmations than min_confirmations
//   immature         fewer confirmations than the maturation period
//
// Differences from the reference, on purpose: mempool burns are accepted when min_confirmations
// is 0 (the reference never accepts them); maturation is enforced by verify_burn (the reference
// only reports it); network failures are chronik::errc values, never a null. LOKAD parsing and
// the identity id are chain/lokad.hpp's (the reference's rules bit for bit, including the
// one-byte output index in the identity id).
//
// Threading: as the Client it uses (one io_context thread); the Client must outlive it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/result.hpp"
#include "chain/lokad.hpp"
#include "chain/swapsig_burn.hpp"
#include "chronik/client.hpp"

namespace lotus::chronik {

enum class burn_errc {
  not_found = 1,
  no_such_output,
  not_data_output,
  wrong_prefix,
  below_amount,
  not_mined,
  not_confirmed,
  immature,
  invalid_amount,  // a negative output value (a broken server)
};
const std::error_category& burn_category() noexcept;
inline std::error_code make_error_code(burn_errc e) noexcept { return {static_cast<int>(e), burn_category()}; }

struct BurnInfo {
  Hash txid{};
  std::uint32_t output_index = 0;
  std::int64_t burn_amount = 0;     // satoshis (1 XPI = 1 000 000)
  std::int32_t block_height = -1;   // -1: in the mempool
  std::int32_t confirmations = 0;   // tip − height + 1; 0 in the mempool
  bool is_matured = false;          // maturation == 0 || confirmations >= maturation
  Bytes script;
  std::string script_hex;
  std::optional<chain::LokadPrefix> lokad_prefix;
  std::optional<std::uint8_t> lokad_version;
  std::optional<Bytes> lokad_payload;
};

struct BurnPolicy {
  std::optional<chain::LokadPrefix> prefix;  // required LOKAD prefix (none: any data output)
  std::int64_t min_amount = 0;               // satoshis
};

class BurnVerifier {
 public:
  explicit BurnVerifier(Client& client) : m_client(client) {}

  // The reference's default maturation period is 100; MuSig2 identities use 144.
  asio::awaitable<Result<BurnInfo>> inspect_burn(Hash txid, std::uint32_t output_index, std::int32_t maturation = 100);
  asio::awaitable<Result<BurnInfo>> verify_burn(Hash txid, std::uint32_t output_index, std::int32_t min_confirmations,
                                                std::int32_t maturation, BurnPolicy policy = {});

  // MuSig2 identity burn (§6.3): LTMS prefix, version 1 as an explicit one-byte push, a 02/03
  // key first in the payload, >= 50 XPI, >= maturation (144) confirmations. The key errors are
  // chain::errc (wrong_lokad_version, missing_public_key).
  struct IdentityBurn {
    BurnInfo burn;
    std::array<std::uint8_t, 33> public_key{};
    Hash identity_id{};  // chain::derive_identity_id_from_txid(txid, output_index)
  };
  asio::awaitable<Result<IdentityBurn>> verify_identity_burn(Hash txid, std::uint32_t output_index,
                                                             std::int64_t min_amount = 50'000'000,
                                                             std::int32_t maturation = 144);

  // SwapSig pool burn (§9.3): the transaction's first OP_RETURN output carries exactly
  // `expected_amount` and the pool id (chain::validate_swapsig_burn's checks, each its chain::errc),
  // and it has at least `min_confirmations`.
  asio::awaitable<Status> verify_swapsig_burn(Hash txid, std::int64_t expected_amount, Bytes pool_id,
                                              std::int32_t min_confirmations, chain::SwapSigBurnConfig config);
  // With the reference's DEFAULT_BURN_CONFIG. (Not a default argument: g++ 12 destroys class-type
  // default arguments of coroutines twice.)
  asio::awaitable<Status> verify_swapsig_burn(Hash txid, std::int64_t expected_amount, Bytes pool_id,
                                              std::int32_t min_confirmations = 1) {
    return verify_swapsig_burn(txid, expected_amount, std::move(pool_id), min_confirmations, chain::SwapSigBurnConfig{});
  }

 private:
  asio::awaitable<Result<std::int32_t>> confirmations_of(const Tx& tx);
  Client& m_client;
};

}  // namespace lotus::chronik

LOTUS_ERRC_ENUM(lotus::chronik::burn_errc)
