// The Chronik test server with ChainModel::check_lotus_signatures: broadcasts are judged as
// lotusd judges the spends our protocols create (chain::verify_inputs over the Lotus sighash).
// Transactions signed with src/chain's sighash and the Lotus Schnorr signer are accepted (P2PKH
// with SIGHASH_FORKID and SIGHASH_LOTUS, Taproot key path); a flipped signature byte, a
// signature by another key, a wrong sighash type and a missing signature are refused with 400.
#include <gtest/gtest.h>

#include "base/hex.hpp"
#include "chain/script.hpp"
#include "chain/sighash.hpp"
#include "chain/transaction.hpp"
#include "chronik/client.hpp"
#include "chronik/errc.hpp"
#include "chronik/support/chain_model.hpp"
#include "chronik/support/server.hpp"
#include "chronik/support/tx_builder.hpp"
#include "crypto/lotus/schnorr.hpp"
#include "crypto/lotus/secp.hpp"
#include "crypto/lotus/taproot.hpp"
#include "runtime/asio.hpp"

namespace lotus::chronik::test {
namespace {

namespace ls = lotus::crypto::lotus_sig;
namespace sighash = chain::sighash;

ls::SecretKey key(std::string_view hex) { return std::move(*ls::SecretKey::parse(*from_hex(hex))); }

// The key-path secret of a Taproot output for `k` (its key tweaked by the commitment).
ls::SecretKey tweaked(const ls::SecretKey& k) {
  namespace d = ls::detail;
  d::B32 s{};
  std::copy(k.secret().view().begin(), k.secret().view().end(), s.begin());
  return std::move(*ls::SecretKey::parse(d::scalar_add(s, d::reduce_mod_n(ls::taproot_tweak(k.public_key())))));
}

struct SigEnv {
  asio::io_context io;
  ChainModel model;
  TestServer server{io.get_executor(), model};
  ls::SecretKey a = key("b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfef");
  ls::SecretKey b = key("0b432b2677937381aef05bb02a66ecd012773062cf3fa2549e44f58ed2401710");
  Bytes script_a = chain::p2pkh_script_for_key(a.public_key().bytes());
  Bytes taproot_b = chain::taproot_script(ls::taproot_commitment(b.public_key())->bytes());

  SigEnv() {
    model.check_lotus_signatures();
    EXPECT_TRUE(server.start());
  }

  // A spend of `from` (paying `value` to `script`) to a p2pkh of `a`, unsigned.
  struct Spend {
    chain::Transaction tx;
    std::vector<chain::TxOutput> spent;
  };
  Spend spend_of(const Bytes& script, std::int64_t value) {
    const OutPoint o = model.fund(script, value);
    Spend s;
    s.tx = spend({o}, {{value - 1000, script_a}});
    s.spent.push_back(chain::TxOutput{value, script});
    return s;
  }
  static Bytes p2pkh_sig(const Spend& s, const ls::SecretKey& k, std::uint8_t type) {
    auto ctx = chain::SighashContext::create(s.tx, s.spent);
    const auto sig = *ls::sign(k, *ctx->for_input(0, type));
    return chain::p2pkh_script_sig(sig.to_tx_format(type), k.public_key().bytes());
  }

  template <class Fn>
  void run(Fn fn) {
    bool finished = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await fn();
          finished = true;
          co_await server.stop();
        },
        asio::detached);
    io.run_for(std::chrono::seconds(60));
    EXPECT_TRUE(finished) << "the test body did not finish";
  }
};

TEST(ChronikTestServer, AcceptsValidLotusSignaturesAndRefusesBadOnes) {
  SigEnv env;
  auto forkid = env.spend_of(env.script_a, 10'000'000);
  forkid.tx.inputs[0].script_sig = SigEnv::p2pkh_sig(forkid, env.a, sighash::kAllForkId);
  auto lotus = env.spend_of(env.script_a, 11'000'000);
  lotus.tx.inputs[0].script_sig = SigEnv::p2pkh_sig(lotus, env.a, sighash::kAllLotus);
  auto taproot = env.spend_of(env.taproot_b, 12'000'000);
  {
    auto ctx = chain::SighashContext::create(taproot.tx, taproot.spent);
    const auto sig = *ls::sign(tweaked(env.b), *ctx->for_input(0, sighash::kAllLotus));
    taproot.tx.inputs[0].script_sig = chain::taproot_key_path_script_sig(sig.to_tx_format(sighash::kAllLotus));
  }
  // Refused: a flipped byte in the signature's s, a valid signature by another key (its key
  // does not hash to the output), FORKID on a Taproot key path, and no signature at all.
  auto flipped = env.spend_of(env.script_a, 13'000'000);
  flipped.tx.inputs[0].script_sig = SigEnv::p2pkh_sig(flipped, env.a, sighash::kAllForkId);
  flipped.tx.inputs[0].script_sig[40] ^= 0x01;
  auto other_key = env.spend_of(env.script_a, 14'000'000);
  other_key.tx.inputs[0].script_sig = SigEnv::p2pkh_sig(other_key, env.b, sighash::kAllForkId);
  auto taproot_forkid = env.spend_of(env.taproot_b, 15'000'000);
  {
    auto ctx = chain::SighashContext::create(taproot_forkid.tx, taproot_forkid.spent);
    const Bytes code = taproot_forkid.spent[0].script;
    const auto h = *ctx->forkid(0, sighash::kAllForkId, code, taproot_forkid.spent[0].value);
    const auto sig = *ls::sign(tweaked(env.b), h);
    taproot_forkid.tx.inputs[0].script_sig = chain::taproot_key_path_script_sig(sig.to_tx_format(sighash::kAllForkId));
  }
  auto unsigned_tx = env.spend_of(env.script_a, 16'000'000);

  // The model directly: the specific outcome.
  EXPECT_EQ(env.model.submit(flipped.tx).error(), model_errc::bad_signature);
  EXPECT_EQ(env.model.submit(other_key.tx).error(), model_errc::bad_signature);
  EXPECT_EQ(env.model.submit(taproot_forkid.tx).error(), model_errc::bad_signature);
  EXPECT_EQ(env.model.submit(unsigned_tx.tx).error(), model_errc::bad_signature);

  // Through the Chronik protocol, as a client broadcasts.
  auto client = std::move(*Client::create(env.io.get_executor(), config_for({env.server.url()})));
  env.run([&]() -> asio::awaitable<void> {
    for (const auto* good : {&forkid, &lotus, &taproot}) {
      auto id = co_await client->broadcast_tx(chain::serialize(good->tx));
      EXPECT_TRUE(id) << id.error().message();
      if (id) {
        EXPECT_EQ(*id, chain::txid(good->tx));
      }
    }
    for (const auto* bad : {&flipped, &other_key, &taproot_forkid, &unsigned_tx}) {
      auto r = co_await client->broadcast_tx(chain::serialize(bad->tx));
      EXPECT_EQ(r.error(), errc::bad_request);
      EXPECT_EQ(client->last_failure().http_status, 400u);
      EXPECT_EQ(client->last_failure().server_error.error_code, "invalid-tx");
      EXPECT_NE(client->last_failure().server_error.msg.find("signature"), std::string::npos)
          << client->last_failure().server_error.msg;
    }
    EXPECT_TRUE(env.model.in_mempool(chain::txid(forkid.tx)));
    EXPECT_TRUE(env.model.in_mempool(chain::txid(taproot.tx)));
    EXPECT_FALSE(env.model.in_mempool(chain::txid(flipped.tx)));
  });
}

}  // namespace
}  // namespace lotus::chronik::test
