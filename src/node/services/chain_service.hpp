// Chain access as a service of the daemon: a chronik::Client built from chain.chronik_urls
// (with chain.timeout_ms, chain.ca_file), the BurnVerifier and TransactionMonitor over it
// (chain.poll_interval_ms), their control methods, a status section and chain_* metrics.
//
// The service always exists; without URLs it is "off" and every chain method fails with
// node_errc::chain_off, whose message says which key to set.
//
// Control methods (JSON in/out):
//   chain.info     {}  -> {tip_height, tip_hash, url}                 (GET /blockchain-info)
//   burn.verify    {txid, output_index, min_confirmations=1, maturation=100, prefix?, min_amount=0}
//                  -> {verified: true, burn}  |  {verified: false, reason, message, burn?}
//                  `prefix`: 8 hex digits or 4 ASCII characters (LTMS); `burn` has the reference's
//                  fields (lotus-wire.md §6.1); `reason` is the burn_errc ("burn.immature", …);
//                  a Chronik failure (unreachable, timeout, …) is an error reply, not a refusal.
//   tx.wait        {txid, confirmations=1, timeout_ms=3600000}  streaming:
//                  {txid, block_height, confirmations, required, confirmed} at every change, the
//                  last one with confirmed = true; the stream ends with an error for
//                  monitor.deadline / monitor.reorged / monitor.dropped / chronik.cancelled.
//   address.watch  {address}  streaming: {watching, script} first, then {transport: "ws"|"poll"}
//                  whenever the watch switches (ws: subscribed and caught up), and
//                  {event: added_to_mempool|confirmed|reorg|removed_from_mempool, txid, via}.
// Streams are bounded (kMaxStreamItems unsent items; beyond: the stream ends with
// node.stream_overflow; at most kMaxStreams at once: node.overloaded) and end when the service
// stops. An idle stream sends {"heartbeat": true} every max(1 s, chain.poll_interval_ms), so a
// client that went away is noticed within that time and its wait or watch ends.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "node/service.hpp"

namespace lotus::chronik {
class Client;
class BurnVerifier;
class TransactionMonitor;
}  // namespace lotus::chronik

namespace lotus::node {

class ChainService final : public Service {
 public:
  static constexpr std::size_t kMaxStreamItems = 1024;
  static constexpr std::size_t kMaxStreams = 256;  // tx.wait + address.watch at once (node.overloaded beyond)

  explicit ChainService(const LoadedConfig& loaded);
  ~ChainService() override;
  std::string_view name() const override { return "chain"; }
  Status start(ServiceContext& ctx) override;
  asio::awaitable<void> stop() override;
  void add_methods(ControlRouter& r) override;
  std::optional<Json> status() const override;
  void metrics(PromWriter& w) const override;

  bool enabled() const noexcept { return m_client != nullptr; }
  chronik::Client* client() noexcept { return m_client.get(); }

  struct State;  // internal (chain_service.cpp)

 private:
  const LoadedConfig& m_loaded;
  std::unique_ptr<chronik::Client> m_client;
  std::shared_ptr<State> m_state;
};

ServiceFactory chain_service();

}  // namespace lotus::node
