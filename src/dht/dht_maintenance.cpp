// Periodic work of dht::Dht, one maintenance task per service: store expiry, bucket refresh,
// republish of what we put/provide, and the routing table's ping-before-evict.
#include <algorithm>

#include "base/rng.hpp"
#include "dht/dht_impl.hpp"

namespace lotus::dht {

namespace detail {

asio::awaitable<void> ping_task(ImplPtr d, kad::PeerInfo peer) {
  kad::Message m;
  m.type = kad::MessageType::ping;
  auto r = co_await rpc(d, peer, std::move(m), true);
  if (d->stopping()) co_return;
  d->table.on_ping_result(peer.id, r && *r && (*r)->type == kad::MessageType::ping, Clock::now());
  d->drain_routing_events();
}

namespace {

asio::awaitable<void> refresh_task(ImplPtr d) {
  ++d->metrics.refreshes;
  d->handler.set_self_addrs(d->self_info().addrs);
  (void)co_await closest_peers(d, d->host.peer_id().bytes());
  // One random-key lookup per bucket up to the deepest non-empty one.
  std::size_t deepest = 0;
  for (std::size_t i = 0; i <= kMaxRefreshCpl; ++i)
    if (!d->table.bucket_peers(i).empty()) deepest = i;
  SystemRng rng;
  for (std::size_t cpl = 0; cpl <= deepest && !d->stopping(); ++cpl) {
    Bytes key(32);
    do rng.fill(key);
    while (kad::common_prefix_length(kad::Key::from_bytes(key), d->table.local_key()) != cpl);
    (void)co_await closest_peers(d, std::move(key));
  }
  d->refreshing = false;
}

asio::awaitable<void> republish_task(ImplPtr d, bool records, bool providers) {
  if (records) {
    auto copy = d->published;
    for (const auto& k : copy) {
      if (d->stopping()) break;
      auto rec = d->records->get(k, Clock::now());
      if (!rec) {  // expired or removed from the store: no longer ours to republish
        d->published.erase(k);
        continue;
      }
      (void)co_await do_put(d, k, std::move(rec->value));
      ++d->metrics.republished;
    }
  }
  if (providers) {
    auto copy = d->provided;
    for (const auto& k : copy) {
      if (d->stopping()) break;
      (void)co_await do_provide(d, k);
      ++d->metrics.republished;
    }
  }
  d->republishing = false;
}

}  // namespace

asio::awaitable<void> maintenance_task(ImplPtr d) {
  while (!d->stopping()) {
    const auto now = Clock::now();
    if (now >= d->next_sweep) {
      d->records->expire(now);
      d->providers.expire(now);
      d->next_sweep = now + d->cfg.sweep_interval;
    }
    if (now >= d->next_refresh) {
      d->next_refresh = now + d->cfg.refresh_interval;
      if (!d->refreshing && d->table.size() > 0) {
        d->refreshing = true;
        if (!d->svc.spawn(refresh_task(d), "dht refresh")) d->refreshing = false;
      }
    }
    const bool rec = now >= d->next_records, prov = now >= d->next_providers;
    if (rec) d->next_records = now + d->cfg.record_republish_interval;
    if (prov) d->next_providers = now + d->cfg.provider_republish_interval;
    if ((rec || prov) && !d->republishing) {
      d->republishing = true;
      if (!d->svc.spawn(republish_task(d, rec, prov), "dht republish")) d->republishing = false;
    }
    d->table.on_timeout(now);
    d->drain_routing_events();
    const TimePoint next = std::min({d->next_sweep, d->next_refresh, d->next_records, d->next_providers,
                                     d->table.deadline()});
    (void)co_await d->maintenance.wait_until(next);
  }
}

}  // namespace detail

void Dht::Impl::drain_routing_events() {
  while (auto ev = table.poll_event()) {
    if (auto* ping = std::get_if<kad::PingRequest>(&*ev)) {
      if (!svc.spawn(detail::ping_task(shared_from_this(), ping->peer), "dht ping"))
        table.on_ping_result(ping->peer.id, false, Clock::now());
    }
  }
}

}  // namespace lotus::dht
