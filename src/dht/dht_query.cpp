// Queries of dht::Dht: iterative lookups (one kad::Lookup per disjoint path, their RPCs as
// tasks of the service) and the operations built on them.
#include <algorithm>
#include <utility>

#include "dht/dht_impl.hpp"
#include "proto/kad/errc.hpp"

namespace lotus::dht {

namespace detail {

namespace {

void merge_stats(QueryStats& into, const kad::LookupStats& s) {
  into.hops = std::max(into.hops, s.hops);
  into.queried += s.responses;
  into.rpcs += s.rpcs;
  into.failures += s.failures + s.timeouts;
}

kad::PeerInfo with_known_addrs(Dht::Impl& d, kad::PeerInfo p) {
  if (p.addrs.empty())
    if (auto known = d.host.peer_store().get(p.id)) p.addrs = known->addrs;
  return p;
}

asio::awaitable<void> lookup_rpc(ImplPtr d, std::shared_ptr<QueryState> q, std::size_t index, kad::Request req) {
  auto r = co_await rpc(d, req.peer, std::move(req.message), true);
  const auto now = Clock::now();
  if (d->stopping()) co_return;
  if (r && *r) {
    kad::PeerInfo responder = with_known_addrs(*d, req.peer);
    (void)d->table.update(responder, true, now);
    if (q->wanted && !q->found) {
      if (responder.id == *q->wanted) {
        q->found = responder;
      } else {
        for (const auto& p : (*r)->closer_peers)
          if (p.id == *q->wanted && !p.addrs.empty()) q->found = p;
      }
    }
    if (!q->done) q->lookups[index].on_response(req.peer.id, std::move(**r), now);
  } else {
    (void)d->table.remove(req.peer.id, now);
    if (!q->done) q->lookups[index].on_failure(req.peer.id, now);
  }
  d->drain_routing_events();
  q->sig.notify();
}

// Runs the query's lookups until all finished, the wanted peer is found, the deadline passes
// or the service stops.
asio::awaitable<void> run_query(ImplPtr d, std::shared_ptr<QueryState> q) {
  const auto deadline = Clock::now() + d->cfg.query_timeout;
  d->queries.push_back(q);
  ++d->metrics.queries;
  for (auto& l : q->lookups) l.start(Clock::now());
  while (true) {
    bool all_done = true;
    TimePoint next = deadline;
    for (std::size_t i = 0; i < q->lookups.size(); ++i) {
      auto& l = q->lookups[i];
      while (auto req = l.poll_request()) {
        const mf::PeerId id = req->peer.id;
        if (!d->svc.spawn(lookup_rpc(d, q, i, std::move(*req)), "dht lookup rpc")) l.on_failure(id, Clock::now());
      }
      all_done = all_done && l.finished();
      next = std::min(next, l.deadline());
    }
    if (all_done || q->found || d->stopping() || Clock::now() >= deadline) break;
    (void)co_await q->sig.wait_until(next);
    for (auto& l : q->lookups) l.on_timeout(Clock::now());
  }
  q->done = true;
  std::erase_if(d->queries, [](const auto& w) { return w.expired(); });
}

asio::awaitable<void> fan_rpc(ImplPtr d, std::shared_ptr<FanOut> f, kad::PeerInfo peer, kad::Message m,
                              bool expect_reply) {
  auto r = co_await rpc(d, peer, m, expect_reply);
  bool ok = r.has_value();
  if (ok && expect_reply)
    ok = *r && (*r)->type == m.type && (*r)->record.has_value() == m.record.has_value() &&
         (!m.record || ((*r)->record->key == m.record->key && (*r)->record->value == m.record->value));
  ++(ok ? f->ok : f->failed);
  --f->pending;
  f->sig.notify();
}

// Sends `m` to every peer concurrently; waits for all (or the query deadline).
asio::awaitable<std::pair<std::size_t, std::size_t>> fan_out(ImplPtr d, std::vector<kad::PeerInfo> peers,
                                                             kad::Message m, bool expect_reply) {
  auto f = std::make_shared<FanOut>(d->ex);
  d->fanouts.push_back(f);
  for (auto& p : peers) {
    ++f->pending;
    if (!d->svc.spawn(fan_rpc(d, f, std::move(p), m, expect_reply), "dht fan-out rpc")) {
      --f->pending;
      ++f->failed;
    }
  }
  const auto deadline = Clock::now() + d->cfg.query_timeout;
  while (f->pending > 0 && !d->stopping()) {
    if (!co_await f->sig.wait_until(deadline)) break;
  }
  std::erase_if(d->fanouts, [](const auto& w) { return w.expired(); });
  co_return std::pair{f->ok, f->failed + f->pending};
}

std::shared_ptr<QueryState> make_query(Dht::Impl& d, kad::LookupKind kind, const Bytes& key,
                                       std::vector<kad::PeerInfo> seeds, kad::LookupConfig lc) {
  auto q = std::make_shared<QueryState>(d.ex);
  const std::size_t paths = std::max<std::size_t>(1, std::min(d.cfg.disjoint_paths, seeds.size()));
  std::vector<std::vector<kad::PeerInfo>> split(paths);
  for (std::size_t i = 0; i < seeds.size(); ++i) split[i % paths].push_back(std::move(seeds[i]));
  for (auto& s : split) q->lookups.emplace_back(kind, key, d.host.peer_id(), std::move(s), lc, &d.validators);
  return q;
}

// Closest responders over all paths, nearest first, at most k.
std::vector<kad::PeerInfo> merged_closest(const QueryState& q, const kad::Key& target, std::size_t k) {
  std::vector<kad::PeerInfo> all;
  for (const auto& l : q.lookups)
    for (const auto& p : l.result().closest)
      if (std::none_of(all.begin(), all.end(), [&](const auto& x) { return x.id == p.id; })) all.push_back(p);
  std::sort(all.begin(), all.end(), [&](const auto& a, const auto& b) {
    return target.distance(kad::Key::from_peer(a.id)) < target.distance(kad::Key::from_peer(b.id));
  });
  if (all.size() > k) all.erase(all.begin() + static_cast<std::ptrdiff_t>(k), all.end());
  return all;
}

QueryStats stats_of(const QueryState& q, TimePoint started) {
  QueryStats s;
  for (const auto& l : q.lookups) merge_stats(s, l.stats());
  s.elapsed = Clock::now() - started;
  return s;
}

}  // namespace

asio::awaitable<Result<PeersResult>> closest_peers(ImplPtr d, Bytes key) {
  const auto t0 = Clock::now();
  const kad::Key target = kad::Key::from_bytes(key);
  auto seeds = d->seeds(target, d->cfg.k);
  if (seeds.empty()) co_return errc::no_peers;
  auto q = make_query(*d, kad::LookupKind::find_node, key, std::move(seeds), d->lookup_config());
  co_await run_query(d, q);
  if (d->stopping()) co_return errc::stopped;
  PeersResult out{merged_closest(*q, target, d->cfg.k), stats_of(*q, t0)};
  if (out.peers.empty()) co_return errc::no_response;
  co_return out;
}

asio::awaitable<Result<PutResult>> do_put(ImplPtr d, Bytes key, Bytes value) {
  const auto t0 = Clock::now();
  const auto& lim = d->cfg.engine.limits;
  if (key.empty()) co_return errc::empty_key;
  if (key.size() > lim.max_key_size || value.size() > lim.max_value_size)
    co_return errc::record_too_large;
  if (auto v = d->validators.validate(key, value); !v) co_return v.error();
  // Our own keys are bounded (the value itself lives only in the record store, which the
  // republish reads back; it used to be copied here too, and never freed).
  if (!d->published.count(key) && d->published.size() + d->provided.size() >= d->cfg.max_local_keys)
    co_return errc::local_quota;
  kad::Record rec{key, value, rfc3339_now()};
  if (auto st = d->records->put(rec, Clock::now()); !st) co_return st.error();
  d->published.insert(key);
  auto peers = co_await closest_peers(d, key);
  if (!peers) co_return peers.error();
  kad::Message m;
  m.type = kad::MessageType::put_value;
  m.key = key;
  m.record = kad::Record{key, value, {}};
  PutResult out;
  out.attempted = peers->peers.size();
  auto [ok, failed] = co_await fan_out(d, std::move(peers->peers), std::move(m), true);
  out.stored = ok;
  out.stats = peers->stats;
  out.stats.rpcs += out.attempted;
  out.stats.failures += failed;
  out.stats.elapsed = Clock::now() - t0;
  if (out.stored == 0) co_return errc::not_stored;
  co_return out;
}

asio::awaitable<Result<PutResult>> do_provide(ImplPtr d, Bytes key) {
  const auto t0 = Clock::now();
  if (key.empty()) co_return errc::empty_key;
  if (key.size() > d->cfg.engine.limits.max_key_size) co_return errc::record_too_large;
  if (!d->provided.count(key) && d->published.size() + d->provided.size() >= d->cfg.max_local_keys)
    co_return errc::local_quota;
  const kad::PeerInfo me = d->self_info();
  if (auto st = d->providers.add(key, me, Clock::now()); !st) co_return st.error();
  d->provided.insert(key);
  auto peers = co_await closest_peers(d, key);
  if (!peers) co_return peers.error();
  kad::Message m;
  m.type = kad::MessageType::add_provider;
  m.key = key;
  m.provider_peers.push_back(me);
  PutResult out;
  out.attempted = peers->peers.size();
  auto [ok, failed] = co_await fan_out(d, std::move(peers->peers), std::move(m), false);
  out.stored = ok;
  out.stats = peers->stats;
  out.stats.rpcs += out.attempted;
  out.stats.failures += failed;
  out.stats.elapsed = Clock::now() - t0;
  if (out.stored == 0) co_return errc::not_stored;
  co_return out;
}

}  // namespace detail

using namespace detail;

asio::awaitable<Result<std::size_t>> Dht::bootstrap() {
  auto d = m_impl;
  if (d->stopping()) co_return errc::stopped;
  for (const auto& c : d->host.connections()) d->learn_server(c.remote_peer);
  if (d->table.size() == 0) co_return errc::no_peers;
  d->handler.set_self_addrs(d->self_info().addrs);
  auto r = co_await closest_peers(d, d->host.peer_id().bytes());
  if (!r) co_return r.error();
  co_return d->table.size();
}

asio::awaitable<Result<PeersResult>> Dht::get_closest_peers(Bytes key) {
  co_return co_await closest_peers(m_impl, std::move(key));
}

asio::awaitable<Result<PeerResult>> Dht::find_peer(mf::PeerId peer) {
  auto d = m_impl;
  const auto t0 = Clock::now();
  if (d->stopping()) co_return errc::stopped;
  if (peer == d->host.peer_id()) co_return PeerResult{d->self_info(), {}};
  const Bytes key = peer.bytes();
  const kad::Key target = kad::Key::from_bytes(key);
  auto seeds = d->seeds(target, d->cfg.k);
  if (seeds.empty()) co_return errc::no_peers;
  auto q = make_query(*d, kad::LookupKind::find_node, key, std::move(seeds), d->lookup_config());
  q->wanted = peer;
  co_await run_query(d, q);
  if (d->stopping()) co_return errc::stopped;
  if (q->found) co_return PeerResult{*q->found, stats_of(*q, t0)};
  // Not announced by any server (e.g. a client-mode peer), but we may know it directly.
  if (auto known = d->host.peer_store().get(peer); known && !known->addrs.empty() && d->host.is_connected(peer))
    co_return PeerResult{kad::PeerInfo{peer, known->addrs, kad::ConnectionType::connected}, stats_of(*q, t0)};
  co_return errc::not_found;
}

asio::awaitable<Result<PutResult>> Dht::put_value(Bytes key, Bytes value) {
  co_return co_await do_put(m_impl, std::move(key), std::move(value));
}

asio::awaitable<Result<ValueResult>> Dht::get_value(Bytes key, std::size_t quorum) {
  auto d = m_impl;
  const auto t0 = Clock::now();
  if (d->stopping()) co_return errc::stopped;
  if (key.empty()) co_return errc::empty_key;
  if (key.size() > d->cfg.engine.limits.max_key_size) co_return errc::record_too_large;
  if (!d->validators.find(key)) co_return proto::kad::errc::no_validator;
  const kad::Key target = kad::Key::from_bytes(key);
  std::vector<kad::Record> found;
  std::vector<mf::PeerId> holders;  // parallel to found; our id for the local record
  if (auto local = d->records->get(key, Clock::now()); local && d->validators.validate(key, local->value)) {
    found.push_back(*local);
    holders.push_back(d->host.peer_id());
  }
  auto seeds = d->seeds(target, d->cfg.k);
  const bool no_seeds = seeds.empty();
  std::shared_ptr<QueryState> q;
  if (!no_seeds) {
    auto lc = d->lookup_config();
    lc.value_quorum = quorum ? quorum : d->cfg.value_quorum;
    q = make_query(*d, kad::LookupKind::get_value, key, std::move(seeds), lc);
    co_await run_query(d, q);
    if (d->stopping()) co_return errc::stopped;
    for (const auto& l : q->lookups)
      for (const auto& fr : l.result().records) {
        found.push_back(fr.record);
        holders.push_back(fr.from);
      }
  }
  if (found.empty()) co_return no_seeds ? errc::no_peers : errc::not_found;
  std::vector<BytesView> values;
  for (const auto& r : found) values.push_back(r.value);
  auto best = d->validators.select(key, values);
  if (!best) co_return best.error();
  ValueResult out;
  out.record = found[*best];
  out.records_seen = found.size();
  if (q) {
    out.stats = stats_of(*q, t0);
    // Correct stale holders: peers that returned another value, and the closest that had none.
    std::vector<kad::PeerInfo> stale;
    for (std::size_t i = 0; i < found.size(); ++i)
      if (found[i].value != out.record.value && holders[i] != d->host.peer_id())
        stale.push_back(with_known_addrs(*d, kad::PeerInfo{holders[i], {}, kad::ConnectionType::not_connected}));
    for (const auto& l : q->lookups)
      for (const auto& p : l.result().peers_without_record)
        if (std::none_of(stale.begin(), stale.end(), [&](const auto& x) { return x.id == p.id; }))
          stale.push_back(p);
    if (!stale.empty()) {
      kad::Message m;
      m.type = kad::MessageType::put_value;
      m.key = key;
      m.record = kad::Record{key, out.record.value, {}};
      out.corrected = stale.size();
      out.stats.rpcs += stale.size();
      auto f = std::make_shared<FanOut>(d->ex);  // fire and forget: nobody waits on it
      for (auto& p : stale) (void)d->svc.spawn(fan_rpc(d, f, std::move(p), m, true), "dht correction");
    }
  }
  out.stats.elapsed = Clock::now() - t0;
  co_return out;
}

asio::awaitable<Result<PutResult>> Dht::provide(Bytes key) { co_return co_await do_provide(m_impl, std::move(key)); }

asio::awaitable<Result<ProvidersResult>> Dht::find_providers(Bytes key, std::size_t limit) {
  auto d = m_impl;
  const auto t0 = Clock::now();
  if (d->stopping()) co_return errc::stopped;
  if (key.empty()) co_return errc::empty_key;
  if (key.size() > d->cfg.engine.limits.max_key_size) co_return errc::record_too_large;
  limit = std::max<std::size_t>(1, limit);
  ProvidersResult out;
  auto add = [&](const kad::PeerInfo& p) {
    if (out.providers.size() >= limit) return;
    if (std::none_of(out.providers.begin(), out.providers.end(), [&](const auto& x) { return x.id == p.id; }))
      out.providers.push_back(p);
  };
  for (const auto& p : d->providers.get(key, Clock::now(), limit)) add(p);
  if (out.providers.size() < limit) {
    auto seeds = d->seeds(kad::Key::from_bytes(key), d->cfg.k);
    if (seeds.empty() && out.providers.empty()) co_return errc::no_peers;
    if (!seeds.empty()) {
      auto lc = d->lookup_config();
      lc.provider_quorum = limit - out.providers.size();
      lc.max_providers = std::max(lc.max_providers, limit);
      auto q = make_query(*d, kad::LookupKind::get_providers, key, std::move(seeds), lc);
      co_await run_query(d, q);
      if (d->stopping()) co_return errc::stopped;
      for (const auto& l : q->lookups)
        for (const auto& p : l.result().providers) add(p);
      out.stats = stats_of(*q, t0);
    }
  }
  out.stats.elapsed = Clock::now() - t0;
  co_return out;
}

}  // namespace lotus::dht
