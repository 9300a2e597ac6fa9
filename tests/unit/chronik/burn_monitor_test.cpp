// BurnVerifier and TransactionMonitor against the Chronik test server: a burn found, refused for
// each reason, maturing as blocks are mined; a confirmation wait satisfied, timed out, cancelled
// and interrupted by a reorg, pushed by the WebSocket and, with it cut, by polling; an address
// watch over the WebSocket and by polling; failover; UTXOs; batch checks.
#include <gtest/gtest.h>

#include "chain/lokad.hpp"
#include "chain/swapsig_burn.hpp"
#include "chain/transaction.hpp"
#include "chronik/burn_verifier.hpp"
#include "chronik/client.hpp"
#include "chronik/errc.hpp"
#include "chronik/support/chain_model.hpp"
#include "chronik/support/server.hpp"
#include "chronik/support/tx_builder.hpp"
#include "chronik/transaction_monitor.hpp"
#include "runtime/asio.hpp"
#include "runtime/signal.hpp"

namespace lotus::chronik::test {
namespace {

constexpr std::int64_t kXpi = 1'000'000;

BurnPolicy ltms_policy_of(std::int64_t min_amount) {
  BurnPolicy p;
  p.prefix = chain::kLtmsPrefix;
  p.min_amount = min_amount;
  return p;
}

MonitorConfig monitor_config(Duration poll, Duration ws_retry = std::chrono::seconds(30)) {
  MonitorConfig c;
  c.poll_interval = poll;
  c.ws_retry_interval = ws_retry;
  return c;
}

struct Env {
  asio::io_context io;
  ChainModel model;
  TestServer server{io.get_executor(), model};
  Bytes pkh = Bytes(20, 0x42);
  Bytes script = p2pkh(pkh);
  std::unique_ptr<Client> client;

  explicit Env(std::vector<std::string> extra_first = {}) {
    EXPECT_TRUE(server.start());
    extra_first.push_back(server.url());
    client = std::move(*Client::create(io.get_executor(), config_for(extra_first)));
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

  // A mined transaction: funding → {change to our script, `burn_value` to `burn_script`}.
  Hash burn_tx(const Bytes& burn_script, std::int64_t burn_value, bool mine = true) {
    const OutPoint f = model.fund(script, 200 * kXpi);
    auto id = model.submit(spend({f}, {{100 * kXpi, script}, {burn_value, burn_script}}));
    EXPECT_TRUE(id) << id.error().message();
    if (mine) model.mine();
    return *id;
  }
};

TEST(BurnVerifier, IdentityBurnMaturesAsBlocksAreMined) {
  Env env;
  const Bytes burn = ltms_burn_script(0x09);
  const Hash id = env.burn_tx(burn, 60 * kXpi);
  BurnVerifier v(*env.client);
  env.run([&]() -> asio::awaitable<void> {
    const BurnPolicy policy = ltms_policy_of(50 * kXpi);
    for (int conf = 1; conf < 3; ++conf) {
      auto r = co_await v.verify_burn(id, 1, 1, 3, policy);
      EXPECT_EQ(r.error(), burn_errc::immature) << conf;
      auto info = co_await v.inspect_burn(id, 1, 3);
      EXPECT_TRUE(info);
      EXPECT_EQ(info->confirmations, conf);
      EXPECT_FALSE(info->is_matured);
      env.model.mine();
    }
    auto ok = co_await v.verify_burn(id, 1, 1, 3, policy);
    EXPECT_TRUE(ok) << ok.error().message();
    EXPECT_EQ(ok->txid, id);
    EXPECT_EQ(ok->output_index, 1u);
    EXPECT_EQ(ok->burn_amount, 60 * kXpi);
    EXPECT_EQ(ok->confirmations, 3);
    EXPECT_TRUE(ok->is_matured);
    EXPECT_EQ(ok->block_height, env.model.tip_height() - 2);
    EXPECT_EQ(ok->script, burn);
    EXPECT_EQ(ok->lokad_prefix, chain::kLtmsPrefix);
    EXPECT_EQ(ok->lokad_version, 1);
    EXPECT_EQ(ok->lokad_payload.value_or(Bytes{}).size(), 33u);

    auto ident = co_await v.verify_identity_burn(id, 1, 50 * kXpi, 3);
    EXPECT_TRUE(ident) << ident.error().message();
    EXPECT_EQ(ident->identity_id, chain::derive_identity_id_from_txid(id, 1));
    EXPECT_EQ(ident->public_key[0], 0x02);
    EXPECT_EQ(ident->public_key[1], 0x09);
    auto young = co_await v.verify_identity_burn(id, 1);  // the default: 144 blocks
    EXPECT_EQ(young.error(), burn_errc::immature);
  });
}

TEST(BurnVerifier, EachRefusalHasItsReason) {
  Env env;
  const Hash ltms = env.burn_tx(ltms_burn_script(0x03), 10 * kXpi);
  Bytes other_prefix{0x6a, 0x04, 'A', 'B', 'C', 'D', 0x01, 0x01};
  const Hash wrong = env.burn_tx(other_prefix, 60 * kXpi);
  const Hash plain = env.burn_tx(Bytes{0x6a, 0x02, 0xbe, 0xef}, 60 * kXpi);  // no LOKAD fields
  const Hash mempool = env.burn_tx(ltms_burn_script(0x04), 60 * kXpi, /*mine=*/false);
  BurnVerifier v(*env.client);
  env.run([&]() -> asio::awaitable<void> {
    const BurnPolicy ltms_policy = ltms_policy_of(50 * kXpi);
    Hash unknown{};
    unknown[0] = 7;
    EXPECT_EQ((co_await v.verify_burn(unknown, 1, 1, 0, ltms_policy)).error(), burn_errc::not_found);
    EXPECT_EQ((co_await v.verify_burn(ltms, 9, 1, 0, ltms_policy)).error(), burn_errc::no_such_output);
    EXPECT_EQ((co_await v.verify_burn(ltms, 0, 1, 0, ltms_policy)).error(), burn_errc::not_data_output);
    EXPECT_EQ((co_await v.verify_burn(wrong, 1, 1, 0, ltms_policy)).error(), burn_errc::wrong_prefix);
    EXPECT_EQ((co_await v.verify_burn(plain, 1, 1, 0, ltms_policy)).error(), burn_errc::wrong_prefix);
    EXPECT_EQ((co_await v.verify_burn(ltms, 1, 1, 0, ltms_policy)).error(), burn_errc::below_amount);
    EXPECT_EQ((co_await v.verify_burn(mempool, 1, 1, 0, ltms_policy)).error(), burn_errc::not_mined);
    // `ltms` has 6 confirmations (five blocks were mined after it).
    EXPECT_EQ((co_await v.verify_burn(ltms, 1, 7, 0, BurnPolicy{})).error(), burn_errc::not_confirmed);
    EXPECT_EQ((co_await v.verify_burn(ltms, 1, 1, 7, BurnPolicy{})).error(), burn_errc::immature);
    EXPECT_TRUE(co_await v.verify_burn(ltms, 1, 6, 6, BurnPolicy{}));
    // What the reference never does: a mempool burn when the caller asks for 0 confirmations.
    auto pending = co_await v.verify_burn(mempool, 1, 0, 0, ltms_policy);
    EXPECT_TRUE(pending);
    EXPECT_EQ(pending->block_height, -1);
    EXPECT_EQ(pending->confirmations, 0);
    // A data output without LOKAD fields is still a burn when no prefix is required.
    auto any = co_await v.verify_burn(plain, 1, 1, 0, BurnPolicy{});
    EXPECT_TRUE(any);
    EXPECT_FALSE(any->lokad_prefix.has_value());
    // Chronik failures are not burn refusals: they keep their own code.
    env.server.set_fault(make_fault(Fault::Kind::server_error));
    EXPECT_EQ((co_await v.verify_burn(ltms, 1, 1, 0, ltms_policy)).error(), errc::http_status);
    env.server.clear_fault();
  });
}

TEST(BurnVerifier, SwapSigPoolBurn) {
  Env env;
  const Bytes pool(32, 0xab);
  const std::int64_t amount = chain::swapsig_burn_amount(5 * kXpi);
  auto out = chain::swapsig_burn_output(amount, pool);
  ASSERT_TRUE(out);
  const Hash id = env.burn_tx(out->script, amount);
  BurnVerifier v(*env.client);
  env.run([&]() -> asio::awaitable<void> {
    EXPECT_TRUE(co_await v.verify_swapsig_burn(id, amount, pool));
    EXPECT_EQ((co_await v.verify_swapsig_burn(id, amount + 1, pool)).error(), chain::errc::wrong_burn_amount);
    EXPECT_EQ((co_await v.verify_swapsig_burn(id, amount, Bytes(32, 0xcd))).error(), chain::errc::wrong_burn_pool);
    EXPECT_EQ((co_await v.verify_swapsig_burn(id, amount, pool, 2)).error(), burn_errc::not_confirmed);
  });
}

struct Progress {
  std::vector<std::pair<std::int32_t, std::int32_t>> seen;  // (height, confirmations)
};

TEST(TransactionMonitor, WaitIsSatisfiedAsBlocksArrive) {
  for (bool ws : {true, false}) {
    Env env;
    env.server.set_ws_enabled(ws);  // without the WebSocket the wait polls
    const Hash id = env.burn_tx(Bytes{0x6a}, 0, /*mine=*/false);
    TransactionMonitor mon(env.io.get_executor(), *env.client, monitor_config(std::chrono::milliseconds(ws ? 60'000 : 20)));
    env.run([&]() -> asio::awaitable<void> {
      Progress p;
      auto r = co_await mon.wait_for_confirmations(id, 2, Clock::now() + std::chrono::seconds(30), nullptr,
                                                   [&](const Confirmation& c) {
                                                     p.seen.emplace_back(c.block_height, c.confirmations);
                                                     if (!c.is_confirmed) env.model.mine();  // one block per step
                                                   });
      EXPECT_TRUE(r) << r.error().message();
      EXPECT_EQ(r->confirmations, 2);
      EXPECT_TRUE(r->is_confirmed);
      const auto h = env.model.tip_height() - 1;
      EXPECT_EQ(p.seen, (std::vector<std::pair<std::int32_t, std::int32_t>>{{-1, 0}, {h, 1}, {h, 2}})) << ws;
      mon.stop();
      co_await mon.join();
    });
  }
}

TEST(TransactionMonitor, WaitTimesOutIsCancelledAndIsInterruptedByAReorg) {
  Env env;
  const Hash stuck = env.burn_tx(Bytes{0x6a}, 0, false);
  TransactionMonitor mon(env.io.get_executor(), *env.client, monitor_config(std::chrono::milliseconds(20)));
  env.run([&]() -> asio::awaitable<void> {
    auto late = co_await mon.wait_for_confirmations(stuck, 1, Clock::now() + std::chrono::milliseconds(200));
    EXPECT_EQ(late.error(), monitor_errc::deadline);

    auto token = std::make_shared<CancelToken>();
    auto cancelled = co_await mon.wait_for_confirmations(stuck, 1, Clock::now() + std::chrono::seconds(30), token,
                                                         [&](const Confirmation&) { token->cancel(); });
    EXPECT_EQ(cancelled.error(), errc::cancelled);

    // Mined once, then the block is disconnected and the transaction dropped from it.
    int step = 0;
    auto reorged = co_await mon.wait_for_confirmations(stuck, 3, Clock::now() + std::chrono::seconds(30), nullptr,
                                                       [&](const Confirmation& c) {
                                                         if (step++ == 0) {
                                                           env.model.mine();
                                                         } else if (c.confirmations == 1) {
                                                           env.model.disconnect(1);
                                                         }
                                                       });
    EXPECT_EQ(reorged.error(), monitor_errc::reorged);
    EXPECT_TRUE(env.model.in_mempool(stuck));
    mon.stop();
    co_await mon.join();
  });
}

TEST(TransactionMonitor, ChecksBroadcastsUtxosAndFailsOver) {
  asio::io_context probe;
  asio::ip::tcp::acceptor a(probe, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const std::string dead = "http://127.0.0.1:" + std::to_string(a.local_endpoint().port());
  a.close();
  Env env({dead});  // the first URL refuses connections
  const Hash mined = env.burn_tx(Bytes{0x6a}, 0);
  const OutPoint f = env.model.fund(env.script, 10 * kXpi);
  TransactionMonitor mon(env.io.get_executor(), *env.client);
  env.run([&]() -> asio::awaitable<void> {
    Bytes raw = chain::serialize(spend({f}, {{4 * kXpi, env.script}, {5 * kXpi, env.script}}));
    auto sent = co_await mon.broadcast(raw);
    EXPECT_TRUE(sent) << sent.error().message();
    std::vector<Hash> ids;
    ids.push_back(mined);
    ids.push_back(*sent);
    Hash unknown{};
    unknown[0] = 9;
    ids.push_back(unknown);
    auto batch = co_await mon.batch_check_confirmations(ids, 2);
    EXPECT_EQ(batch.size(), 3u);
    EXPECT_TRUE(batch[0]);
    EXPECT_EQ(batch[0]->confirmations, 2);
    EXPECT_TRUE(batch[0]->is_confirmed);
    EXPECT_TRUE(batch[1]);
    EXPECT_EQ(batch[1]->block_height, -1);
    EXPECT_FALSE(batch[1]->is_confirmed);
    EXPECT_EQ(batch[2].error(), errc::not_found);
    EXPECT_GE(env.client->stats().failovers, 1u);

    // UTXOs by the key hash (the reference passed the whole script as the p2pkh payload).
    auto u = co_await mon.utxos(env.script);
    EXPECT_TRUE(u);
    std::int64_t total = 0;
    for (const auto& x : *u) total += x.value;
    // 100 XPI change of the burn transaction + the two new outputs.
    EXPECT_EQ(total, 100 * kXpi + 9 * kXpi);
    EXPECT_EQ(u->size(), 3u);
    auto none = co_await mon.utxos(p2pkh(Bytes(20, 0x01)));
    EXPECT_TRUE(none);
    EXPECT_TRUE(none->empty());
  });
}

TEST(TransactionMonitor, WatchesAScriptOverTheWebSocketThenByPolling) {
  Env env;
  const OutPoint f1 = env.model.fund(env.script, 10 * kXpi);  // history before the watch: not reported
  TransactionMonitor mon(env.io.get_executor(), *env.client,
                         monitor_config(std::chrono::milliseconds(20), std::chrono::hours(1)));
  std::vector<WatchEvent> events;
  runtime::Signal got(env.io.get_executor());
  int ws_up = 0;  // transport changes: +1 on the WebSocket, counted
  std::vector<bool> transports;
  auto wait_events = [&](std::size_t n) -> asio::awaitable<bool> {
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (events.size() < n) {
      if (!co_await got.wait_until(deadline)) co_return false;
    }
    co_return true;
  };
  env.run([&]() -> asio::awaitable<void> {
    mon.watch_script(
        env.script,
        [&](const WatchEvent& e) {
          events.push_back(e);
          got.notify();
        },
        [&](bool on_ws) {
          transports.push_back(on_ws);
          ws_up += on_ws ? 1 : 0;
          got.notify();
        });
    while (ws_up == 0) co_await got.wait();
    EXPECT_EQ(mon.watches_on_ws(), 1u);
    auto t1 = env.model.submit(spend({f1}, {{9 * kXpi, env.script}}));
    EXPECT_TRUE(co_await wait_events(1));
    env.model.mine();
    EXPECT_TRUE(co_await wait_events(2));
    env.model.disconnect(1);
    EXPECT_TRUE(co_await wait_events(3));
    EXPECT_EQ(events.size(), 3u);
    for (const auto& e : events) {
      EXPECT_TRUE(e.via_ws);
      EXPECT_EQ(e.txid, *t1);
    }
    EXPECT_EQ(events[0].kind, WatchEvent::Kind::added_to_mempool);
    EXPECT_EQ(events[1].kind, WatchEvent::Kind::confirmed);
    EXPECT_EQ(events[2].kind, WatchEvent::Kind::reorg);

    // The WebSocket is cut: the watch goes on by polling.
    env.server.set_ws_enabled(false);
    env.model.mine();  // t1 confirmed again
    EXPECT_TRUE(co_await wait_events(4));
    EXPECT_EQ(events[3].kind, WatchEvent::Kind::confirmed);
    EXPECT_EQ(events[3].txid, *t1);
    EXPECT_FALSE(events[3].via_ws);
    EXPECT_EQ(mon.watches_on_ws(), 0u);
    EXPECT_EQ(transports, (std::vector<bool>{true, false}));
    auto t2 = env.model.submit(spend({OutPoint{*t1, 0}}, {{8 * kXpi, env.script}}));
    EXPECT_TRUE(co_await wait_events(5));
    EXPECT_EQ(events[4].kind, WatchEvent::Kind::added_to_mempool);
    EXPECT_EQ(events[4].txid, *t2);
    EXPECT_FALSE(events[4].via_ws);
    env.model.remove_from_mempool(*t2);
    EXPECT_TRUE(co_await wait_events(6));
    EXPECT_EQ(events[5].kind, WatchEvent::Kind::removed_from_mempool);
    mon.stop();
    co_await mon.join();
  });
}

}  // namespace
}  // namespace lotus::chronik::test
