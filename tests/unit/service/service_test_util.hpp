// Two loopback hosts in one process for the service helper tests (host/drive,
// host/protocol_service): `server` listens, `client` dials it.
#pragma once

#include <memory>
#include <string>

#include "host/host.hpp"
#include "runtime/asio.hpp"
#include "unit/host/test_util.hpp"

namespace lotus::host::testing {

class TwoHosts : public ::testing::Test {
 protected:
  void SetUp() override {
    server = make(server_config());
    auto bound = server->listen(*mf::Multiaddr::parse("/ip4/127.0.0.1/tcp/0"));
    ASSERT_TRUE(bound.has_value());
    server_addr = bound->with_peer_id(server->peer_id());
    client = make({});
  }
  void TearDown() override {
    run(io, stop_hosts());
    client.reset();
    server.reset();
    io.restart();
    io.poll();
  }
  virtual Config server_config() { return {}; }

  asio::awaitable<Result<Stream>> open(std::string protocol) {
    co_return co_await client->new_stream(server_addr, make_protocols(protocol));
  }

  asio::io_context io;
  std::unique_ptr<Host> server, client;
  mf::Multiaddr server_addr;

 private:
  std::unique_ptr<Host> make(Config cfg) {
    auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
    EXPECT_TRUE(key.has_value());
    return std::make_unique<Host>(io, std::move(*key), std::move(cfg));
  }
  asio::awaitable<void> stop_hosts() {
    co_await client->stop();
    co_await server->stop();
  }
};

}  // namespace lotus::host::testing
