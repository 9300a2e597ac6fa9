// The persistent peer store service (peer_store.enabled): see peer_store_service.cpp.
#pragma once

#include <cstdint>
#include <memory>

#include "multiformats/peer_id.hpp"
#include "node/peer_db.hpp"
#include "node/service.hpp"

namespace lotus::node {

class PeerStoreService final : public Service {
 public:
  PeerStoreService(std::uint32_t redial, std::size_t max_peers);
  ~PeerStoreService() override;
  std::string_view name() const override { return "peer_store"; }
  Status start(ServiceContext& ctx) override;
  asio::awaitable<void> stop() override;
  asio::awaitable<void> after_host_stopped() override;

  std::optional<Json> status() const override;
  PeerDb* db();
  // Rows in peers.sqlite (the `known` peers metric), nullopt when unreadable.
  std::optional<std::size_t> known_peers() const;
  // A dial the user asked for failed (control API): counted against the peer's record.
  void note_dial_failure(const mf::PeerId& peer);

  struct State;

 private:
  std::uint32_t m_redial;
  std::size_t m_max_peers;
  std::shared_ptr<State> m_state;
};

ServiceFactory peer_store_service();

}  // namespace lotus::node
