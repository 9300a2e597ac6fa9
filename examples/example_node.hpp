// What both examples build on: one Lotus node in-process — a libp2p host listening on
// 127.0.0.1, the Kademlia DHT (with the resource: record validator), the P2PCoordinator
// (/lotus/message/1.0.0, broadcast, protocol handlers, security manager) and the DHT resource
// directory (announce / discover). The seed's `new P2PCoordinator({listen, enableDHT: true})`
// plus `await coordinator.start()`, in C++.
//
// Everything runs on one asio::io_context thread; the examples are coroutines on it.
#pragma once

#include <chrono>
#include <functional>
#include <iostream>
#include <memory>
#include <string>

#include "coordinator/coordinator.hpp"
#include "coordinator/resource_validator.hpp"
#include "coordinator/resources_directory.hpp"
#include "crypto/keys.hpp"
#include "dht/dht.hpp"
#include "host/host.hpp"
#include "runtime/asio.hpp"
#include "runtime/signal.hpp"

namespace lotus::examples {

struct LotusNode {
  std::string name;  // for the printout
  std::unique_ptr<host::Host> host;
  std::unique_ptr<dht::Dht> dht;
  std::unique_ptr<coordinator::Coordinator> coordinator;
  std::unique_ptr<coordinator::ResourceDirectory> resources;
  mf::Multiaddr address;  // where others dial us (with /p2p/<peer id>)

  // listen: ['/ip4/127.0.0.1/tcp/0'], enableDHT: true — then start.
  static std::unique_ptr<LotusNode> start(asio::io_context& io, std::string name) {
    auto n = std::make_unique<LotusNode>();
    n->name = std::move(name);
    auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
    if (!key) return nullptr;
    n->host = std::make_unique<host::Host>(io, std::move(*key));
    auto bound = n->host->listen(*mf::Multiaddr::parse("/ip4/127.0.0.1/tcp/0"));
    if (!bound) return nullptr;
    n->address = bound->with_peer_id(n->host->peer_id());
    n->dht = std::make_unique<dht::Dht>(*n->host, dht::Config{}, nullptr, coordinator::dht_validators());
    n->coordinator = std::make_unique<coordinator::Coordinator>(*n->host, coordinator::Config{}, nullptr, n->dht.get());
    n->resources = std::make_unique<coordinator::ResourceDirectory>(*n->dht);
    if (!n->dht->start() || !n->coordinator->start() || !n->resources->start()) return nullptr;
    return n;
  }

  // await coordinator.stop() (in reverse order of start).
  asio::awaitable<void> stop() {
    co_await resources->stop();
    co_await coordinator->stop();
    co_await dht->stop();
    co_await host->stop();
  }
};

// Waits until `ready()` holds, re-checking whenever `signal` is notified; false after `timeout`.
inline asio::awaitable<bool> wait_for(runtime::Signal& signal, std::function<bool()> ready,
                                      std::chrono::seconds timeout = std::chrono::seconds(20)) {
  const auto deadline = Clock::now() + timeout;
  while (!ready())
    if (!co_await signal.wait_until(deadline)) co_return ready();
  co_return true;
}

// Runs `example` on a fresh io_context; its return value is the exit code.
inline int run_example(std::function<asio::awaitable<int>(asio::io_context&)> example) {
  asio::io_context io;
  int rc = 1;
  asio::co_spawn(io, example(io), [&](std::exception_ptr e, int r) {
    rc = e ? 1 : r;
    io.stop();
  });
  io.run();
  return rc;
}

}  // namespace lotus::examples
