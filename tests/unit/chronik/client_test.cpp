// chronik::Client against the in-process Chronik test server (tests/chronik/support): every
// endpoint, every failure kind with its own error code, failover (also on 5xx and malformed
// answers, unlike chronik-client) and no failover on 404/400, the WebSocket channel.
#include <gtest/gtest.h>

#include "chain/transaction.hpp"
#include "chronik/client.hpp"
#include "chronik/errc.hpp"
#include "chronik/support/chain_model.hpp"
#include "chronik/support/server.hpp"
#include "chronik/support/tls_cert.hpp"
#include "chronik/support/tx_builder.hpp"
#include "runtime/asio.hpp"
#include "runtime/signal.hpp"

namespace lotus::chronik::test {
namespace {

const Hash kNoTx{};  // a txid no chain has

struct Env {
  asio::io_context io;
  ChainModel model;
  TestServer server{io.get_executor(), model};
  Bytes pkh = Bytes(20, 0x42);
  Bytes script = p2pkh(pkh);

  Env() { EXPECT_TRUE(server.start()); }

  std::unique_ptr<Client> client(std::vector<std::string> urls, ClientConfig cfg = {}) {
    cfg.urls = std::move(urls);
    auto c = Client::create(io.get_executor(), std::move(cfg));
    EXPECT_TRUE(c);
    return std::move(*c);
  }

  // Runs the test body (a coroutine) on the io_context with the server; stops the server after.
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

std::string closed_port_url(asio::io_context& io) {
  // A port nobody listens on: bind, read the port, close.
  asio::ip::tcp::acceptor a(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = a.local_endpoint().port();
  a.close();
  return "http://127.0.0.1:" + std::to_string(port);
}

TEST(ChronikClient, ReadsEveryEndpoint) {
  Env env;
  const OutPoint funded = env.model.fund(env.script, 5'000'000);
  env.model.mine_empty(2);
  const auto t1 = spend({funded}, {{4'000'000, env.script}, {500'000, ltms_burn_script(0x07)}});
  auto c = env.client({env.server.url()});
  env.run([&]() -> asio::awaitable<void> {
    auto info = co_await c->blockchain_info();
    EXPECT_TRUE(info);
    EXPECT_EQ(info->tip_height, 3);
    EXPECT_EQ(info->tip_hash, env.model.blockchain_info().tip_hash);

    // Broadcast: the server computes the Lotus txid.
    auto id = co_await c->broadcast_tx(chain::serialize(t1));
    EXPECT_TRUE(id) << id.error().message();
    EXPECT_EQ(*id, chain::txid(t1));
    auto mem = co_await c->tx(*id);
    EXPECT_TRUE(mem);
    EXPECT_FALSE(mem->block.has_value());
    const auto mined = env.model.mine();

    auto tx = co_await c->tx(*id);
    EXPECT_TRUE(tx);
    EXPECT_EQ(tx->block->height, 4);
    EXPECT_EQ(tx->block->hash, mined);
    EXPECT_EQ(tx->outputs.size(), 2u);
    EXPECT_EQ(tx->outputs[1].value, 500'000);
    EXPECT_EQ(tx->inputs[0].value, 5'000'000);
    EXPECT_EQ(tx->inputs[0].output_script, env.script);
    auto raw = co_await c->raw_tx(*id);
    EXPECT_TRUE(raw);
    EXPECT_EQ(*raw, chain::serialize(t1));

    auto b = co_await c->block_by_height(4);
    EXPECT_TRUE(b);
    EXPECT_EQ(b->info.hash, mined);
    EXPECT_EQ(b->txs.size(), 2u);  // coinbase + t1
    EXPECT_EQ(b->info.sum_burned_sats, 500'000);
    auto bh = co_await c->block_by_hash(mined);
    EXPECT_TRUE(bh);
    EXPECT_EQ(bh->info.height, 4);
    auto bs = co_await c->blocks(1, 4);
    EXPECT_TRUE(bs);
    EXPECT_EQ(bs->size(), 4u);
    EXPECT_EQ(bs->back().hash, mined);

    auto utxos = co_await c->script_utxos("p2pkh", env.pkh);
    EXPECT_TRUE(utxos);
    EXPECT_EQ(utxos->size(), 1u);
    EXPECT_EQ((*utxos)[0].utxos.size(), 1u);
    EXPECT_EQ((*utxos)[0].utxos[0].outpoint, (OutPoint{*id, 0}));
    EXPECT_EQ((*utxos)[0].utxos[0].value, 4'000'000);

    // History, newest first, paged: t1 then the funding coinbase.
    auto p0 = co_await c->script_history("p2pkh", env.pkh, 0, 1);
    EXPECT_TRUE(p0);
    EXPECT_EQ(p0->num_pages, 2u);
    EXPECT_EQ(p0->txs.at(0).txid, *id);
    auto p1 = co_await c->script_history("p2pkh", env.pkh, 1, 1);
    EXPECT_TRUE(p1);
    EXPECT_EQ(p1->txs.at(0).txid, funded.txid);
    EXPECT_TRUE(p1->txs.at(0).is_coinbase);
    EXPECT_TRUE(c->stats().last_ok);
    EXPECT_EQ(c->stats().failovers, 0u);
  });
}

TEST(ChronikClient, NotFoundAndRefusedBroadcastAreAnswersNotFailovers) {
  Env env;
  const OutPoint funded = env.model.fund(env.script, 1'000);
  asio::io_context& io = env.io;
  ChainModel other_model;
  TestServer other(io.get_executor(), other_model);
  ASSERT_TRUE(other.start());
  auto c = env.client({env.server.url(), other.url()});
  env.run([&]() -> asio::awaitable<void> {
    auto missing = co_await c->tx(kNoTx);
    EXPECT_EQ(missing.error(), errc::not_found);
    EXPECT_EQ(c->last_failure().http_status, 404u);
    EXPECT_EQ(c->last_failure().server_error.error_code, "tx-not-found");
    // Outputs above inputs: the server refuses it (400) — not retried elsewhere.
    Bytes overspend = chain::serialize(spend({funded}, {{2'000, env.script}}));
    auto bad = co_await c->broadcast_tx(overspend);
    EXPECT_EQ(bad.error(), errc::bad_request);
    EXPECT_EQ(c->last_failure().server_error.error_code, "invalid-tx");
    // Spending an output that does not exist.
    OutPoint nowhere;
    nowhere.txid[0] = 1;
    Bytes ghost_tx = chain::serialize(spend({nowhere}, {{1, env.script}}));
    auto ghost = co_await c->broadcast_tx(ghost_tx);
    EXPECT_EQ(ghost.error(), errc::bad_request);
    // Not a transaction at all.
    Bytes junk_tx(3, 0x01);
    auto junk = co_await c->broadcast_tx(junk_tx);
    EXPECT_EQ(junk.error(), errc::bad_request);
    EXPECT_EQ(other.requests(), 0u);
    EXPECT_EQ(c->stats().failovers, 0u);
    EXPECT_TRUE(c->stats().last_ok);  // the server answered
    co_await other.stop();
  });
}

TEST(ChronikClient, FailsOverOnRefusedConnection5xxMalformedAndClosed) {
  Env env;
  ChainModel other_model;
  TestServer first(env.io.get_executor(), other_model);
  ASSERT_TRUE(first.start());
  auto c = env.client({first.url(), env.server.url()});
  env.run([&]() -> asio::awaitable<void> {
    const auto want = env.model.blockchain_info().tip_hash;
    // 500 from the first server (chronik-client would throw it to the caller).
    first.set_fault(make_fault(Fault::Kind::server_error));
    auto a = co_await c->blockchain_info();
    EXPECT_TRUE(a);
    EXPECT_EQ(a->tip_hash, want);
    EXPECT_EQ(c->stats().failovers, 1u);
    EXPECT_EQ(c->current_url(), env.server.url());  // the answering URL is tried first next time
    // The working URL stays first: the broken one is not asked again.
    const auto before = first.requests();
    EXPECT_TRUE(co_await c->blockchain_info());
    EXPECT_EQ(first.requests(), before);

    // Now the second breaks in each way; the first (healthy again) answers.
    first.clear_fault();
    for (auto kind : {Fault::Kind::server_error, Fault::Kind::garbage, Fault::Kind::close}) {
      env.server.set_fault(make_fault(kind, 1));
      auto r = co_await c->blockchain_info();
      EXPECT_TRUE(r) << static_cast<int>(kind) << ": " << r.error().message();
      EXPECT_EQ(c->current_url(), first.url());
      env.server.clear_fault();
      first.set_fault(make_fault(Fault::Kind::server_error, 1));  // back to the second
      EXPECT_TRUE(co_await c->blockchain_info());
      EXPECT_EQ(c->current_url(), env.server.url());
    }
    // The first refuses connections.
    first.pause();
    env.server.set_fault(make_fault(Fault::Kind::server_error, 1));
    auto refused = co_await c->blockchain_info();  // second: 500, then first: refused
    EXPECT_EQ(refused.error(), errc::unreachable);
    EXPECT_EQ(c->last_failure().url, first.url());
    EXPECT_TRUE(co_await c->blockchain_info());  // the second again
    co_await first.stop();
  });
}

TEST(ChronikClient, EveryFailureHasItsOwnCode) {
  Env env;
  ClientConfig cfg;
  cfg.timeouts[static_cast<std::size_t>(Endpoint::tx)] = std::chrono::milliseconds(200);
  cfg.max_response[static_cast<std::size_t>(Endpoint::block)] = 64;
  auto c = env.client({env.server.url()}, cfg);
  auto dead = env.client({closed_port_url(env.io)});
  env.run([&]() -> asio::awaitable<void> {
    auto unreachable = co_await dead->blockchain_info();
    EXPECT_EQ(unreachable.error(), errc::unreachable);
    EXPECT_FALSE(dead->stats().last_ok);
    EXPECT_EQ(dead->stats().errors[static_cast<std::size_t>(errc::unreachable)], 1u);

    env.server.set_fault(make_fault(Fault::Kind::slow, -1, std::chrono::seconds(30), "/tx/"));
    auto slow = co_await c->tx(kNoTx);
    EXPECT_EQ(slow.error(), errc::timeout);
    env.server.set_fault(make_fault(Fault::Kind::server_error));
    auto s500 = co_await c->blockchain_info();
    EXPECT_EQ(s500.error(), errc::http_status);
    EXPECT_EQ(c->last_failure().http_status, 500u);
    env.server.set_fault(make_fault(Fault::Kind::garbage));
    auto garbage = co_await c->blockchain_info();
    EXPECT_EQ(garbage.error(), errc::malformed);
    env.server.clear_fault();
    auto big = co_await c->block_by_height(0);  // a block is more than 64 bytes
    EXPECT_EQ(big.error(), errc::response_too_large);
    // https to a plain HTTP server: the TLS handshake fails.
    auto tls = env.client({"https://127.0.0.1:" + std::to_string(env.server.port())});
    auto handshake = co_await tls->blockchain_info();
    EXPECT_EQ(handshake.error(), errc::unreachable);
  });
}

TEST(ChronikClient, StopCancelsCallsInProgress) {
  Env env;
  auto c = env.client({env.server.url()});
  env.server.set_fault(make_fault(Fault::Kind::slow, -1, std::chrono::seconds(30)));
  env.run([&]() -> asio::awaitable<void> {
    asio::steady_timer t(env.io);
    t.expires_after(std::chrono::milliseconds(50));
    t.async_wait([&](auto) { c->stop(); });
    auto r = co_await c->blockchain_info();
    EXPECT_EQ(r.error(), errc::cancelled);
    auto after = co_await c->blockchain_info();
    EXPECT_EQ(after.error(), errc::cancelled);
  });
}

TEST(ChronikClient, ConfigurationErrors) {
  asio::io_context io;
  EXPECT_EQ(Client::create(io.get_executor(), {}).error(), errc::no_urls);
  for (const char* bad : {"chronik.lotusia.org", "https://chronik.lotusia.org/", "ftp://x", "http://", "http://h:0",
                          "http://h:70000", "http://u@h", "http://h/x?y=1"}) {
    EXPECT_EQ(Client::create(io.get_executor(), config_for({bad})).error(), errc::invalid_url) << bad;
  }
  auto u = parse_url("https://chronik.lotusia.org/xpi");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "chronik.lotusia.org");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->path, "/xpi");
  auto v6 = parse_url("http://[::1]:8331");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 8331);
}

TEST(ChronikClient, WebSocketEventsForASubscribedScript) {
  Env env;
  const OutPoint funded = env.model.fund(env.script, 10'000);
  auto c = env.client({closed_port_url(env.io), env.server.url()});  // WS fails over too
  bool subscribed = false;
  runtime::Signal sub_signal(env.io.get_executor());
  env.server.on_subscription = [&] {
    subscribed = true;
    sub_signal.notify();
  };
  env.run([&]() -> asio::awaitable<void> {
    auto ch = co_await c->open_ws();
    EXPECT_TRUE(ch) << ch.error().message();
    if (!ch) co_return;
    EXPECT_EQ((*ch)->url(), env.server.url());
    EXPECT_TRUE(co_await (*ch)->subscribe("p2pkh", env.pkh));
    // Events are routed once the server has applied the subscription.
    while (!subscribed) co_await sub_signal.wait();
    auto id = env.model.submit(spend({funded}, {{9'000, env.script}}));
    EXPECT_TRUE(id);
    auto m1 = co_await (*ch)->next();
    EXPECT_TRUE(m1);
    EXPECT_EQ(m1->kind, SubscribeMsg::Kind::added_to_mempool);
    EXPECT_EQ(m1->hash, *id);
    // A transaction to another script is not sent; the block is.
    const auto other = env.model.fund(p2pkh(Bytes(20, 0x55)), 1);
    (void)other;
    auto m2 = co_await (*ch)->next();
    EXPECT_TRUE(m2);
    EXPECT_EQ(m2->kind, SubscribeMsg::Kind::block_connected);
    const auto mined = env.model.mine();
    auto m3 = co_await (*ch)->next();
    EXPECT_EQ(m3->kind, SubscribeMsg::Kind::confirmed);
    EXPECT_EQ(m3->hash, *id);
    auto m4 = co_await (*ch)->next();
    EXPECT_EQ(m4->kind, SubscribeMsg::Kind::block_connected);
    EXPECT_EQ(m4->hash, mined);
    env.model.disconnect(1);
    auto m5 = co_await (*ch)->next();
    EXPECT_EQ(m5->kind, SubscribeMsg::Kind::reorg);
    EXPECT_EQ(m5->hash, *id);
    auto m6 = co_await (*ch)->next();
    EXPECT_EQ(m6->kind, SubscribeMsg::Kind::block_disconnected);
    EXPECT_EQ(m6->hash, mined);
    // The server drops WebSocket clients: next() reports it.
    env.server.set_ws_enabled(false);
    auto gone = co_await (*ch)->next();
    EXPECT_FALSE(gone);
    auto refused = co_await c->open_ws();
    EXPECT_FALSE(refused);
  });
}

TEST(ChronikClient, HttpsVerifiesTheCertificateChainAndTheName) {
  asio::io_context io;
  ChainModel model;
  const auto cert = make_self_signed_cert();  // localhost / 127.0.0.1
  const auto other = make_self_signed_cert("chronik.example", "10.9.8.7");
  TestServer good(io.get_executor(), model);
  ASSERT_TRUE(good.enable_tls(cert.cert_pem, cert.key_pem));
  ASSERT_TRUE(good.start());
  ChainModel model2;
  TestServer misnamed(io.get_executor(), model2);
  ASSERT_TRUE(misnamed.enable_tls(other.cert_pem, other.key_pem));
  ASSERT_TRUE(misnamed.start());
  EXPECT_EQ(good.url().substr(0, 8), "https://");

  ClientConfig trusting = config_for({good.url()});
  trusting.ca_pem = cert.cert_pem;
  auto ok = Client::create(io.get_executor(), trusting);
  ClientConfig system = config_for({good.url()});  // the system store does not know our CA
  auto untrusted = Client::create(io.get_executor(), system);
  ClientConfig wrong_name = config_for({misnamed.url()});
  wrong_name.ca_pem = other.cert_pem;  // trusted, but issued for another name and address
  auto misnamed_client = Client::create(io.get_executor(), wrong_name);
  ClientConfig lax = config_for({misnamed.url()});
  lax.verify_tls = false;
  auto unverified = Client::create(io.get_executor(), lax);
  ASSERT_TRUE(ok && untrusted && misnamed_client && unverified);
  bool finished = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto info = co_await (*ok)->blockchain_info();
        EXPECT_TRUE(info) << info.error().message();
        EXPECT_EQ(info->tip_hash, model.blockchain_info().tip_hash);
        auto rejected = co_await (*untrusted)->blockchain_info();
        EXPECT_EQ(rejected.error(), errc::tls_certificate_rejected);
        auto mismatch = co_await (*misnamed_client)->blockchain_info();
        EXPECT_EQ(mismatch.error(), errc::tls_certificate_rejected);
        auto anyway = co_await (*unverified)->blockchain_info();
        EXPECT_TRUE(anyway);
        finished = true;
        co_await good.stop();
        co_await misnamed.stop();
      },
      asio::detached);
  io.run_for(std::chrono::seconds(60));
  EXPECT_TRUE(finished);
}

}  // namespace
}  // namespace lotus::chronik::test
