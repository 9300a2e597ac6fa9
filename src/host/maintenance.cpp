// Host: the connection manager's maintenance task.
#include "host/host.hpp"

#include "base/log.hpp"
#include "host/detail.hpp"

namespace lotus::host {

// ---------------------------------------------------------------- connection manager
// One maintenance task per host (started by start() or the first connection): trims above
// the high watermark once grace periods allow, and below the low watermark asks the peer
// sources (and, if enabled, the peer store) for more peers.

namespace detail {

asio::awaitable<void> connect_known(std::shared_ptr<Host::Impl> h, mf::PeerId peer) {
  auto r = co_await connect_peer(h, std::move(peer));
  if (!r) LOTUS_LOG(debug, "host", "redial of a known peer failed: " + r.error().message());
}

void dial_known_peers(const std::shared_ptr<Host::Impl>& h, std::size_t wanted, TimePoint now) {
  std::size_t started = 0;
  for (const auto& p : h->peers.peers()) {
    if (started >= wanted) break;
    if (p == h->self || h->find_conn(p) || !h->conn_mgr.may_redial_known(p, now)) continue;
    auto info = h->peers.get(p);
    if (!info || info->addrs.empty()) continue;
    h->conn_mgr.note_known_redial(p, now);
    if (h->scope.spawn(connect_known(h, p), "connmgr.redial")) ++started;
  }
}

asio::awaitable<void> maintenance_task(std::shared_ptr<Host::Impl> h) {
  std::weak_ptr<Host::Impl> w = h;
  const auto cb = h->scope.add_stop_callback([w] {
    if (auto s = w.lock()) s->maint_wake.notify();
  });
  while (!h->stopping) {
    const auto now = Clock::now();
    const auto victims = h->conn_mgr.select_trim(now);
    std::size_t closed = 0;
    for (auto id : victims) {
      auto it = h->conns.find(id);
      if (it == h->conns.end()) continue;
      auto c = it->second;
      LOTUS_LOG(debug, "host", "connection manager trims connection to " + c->remote_peer->to_base58());
      c->close(errc::trimmed, true);
      ++closed;
    }
    h->conn_mgr.note_trimmed(closed);
    h->metrics.connections_trimmed += closed;
    const bool known = h->cfg.conn_manager.dial_known_peers;
    if (auto wanted = h->conn_mgr.discovery_due(now); wanted > 0 && (known || !h->conn_mgr.peer_sources().empty())) {
      h->conn_mgr.mark_discovery(now);
      for (auto& source : h->conn_mgr.peer_sources()) source(wanted);
      if (known && !h->stopping) dial_known_peers(h, wanted, now);
    }
    const auto deadline = std::min(h->conn_mgr.next_trim_deadline(now), now + h->cfg.conn_manager.check_interval);
    (void)co_await h->maint_wake.wait_until(deadline);
  }
  h->scope.remove_stop_callback(cb);
  h->maint_running = false;
}

}  // namespace detail

void Host::Impl::ensure_maintenance() {
  if (maint_running || stopping) return;
  maint_running = scope.spawn(detail::maintenance_task(shared_from_this()), "connmgr.maintenance");
}

}  // namespace lotus::host
