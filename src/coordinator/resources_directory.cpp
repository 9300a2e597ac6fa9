#include "coordinator/resources_directory.hpp"

#include <algorithm>
#include <chrono>

#include "host/protocol_service.hpp"
#include "runtime/asio.hpp"
#include "runtime/signal.hpp"

namespace lotus::coordinator {

struct ResourceDirectory::State {
  State(dht::Dht& d, ResourceConfig c)
      : dht(d),
        cfg(std::move(c)),
        book(d.host().peer_id().to_base58(), cfg.limits),
        svc(d.host()),
        wake(d.host().io_context().get_executor()) {}

  struct TypeState {
    bool dirty = false;     // our index of the type is out of date in the DHT
    bool flushing = false;  // a PUT of it is running
    bool provided = false;  // we PROVIDE the type key
    TimePoint last_put = TimePoint::min();
  };

  dht::Dht& dht;
  ResourceConfig cfg;
  ResourceBook book;
  host::ProtocolService svc;  // owns the maintenance task
  runtime::Signal wake;
  DirectoryMetrics metrics;
  std::map<std::string, TypeState, std::less<>> types;  // types of ours (bounded by max_own)
  TimePoint next_cleanup = kNever;
  bool started = false;

  std::int64_t now_ms() const {
    if (cfg.wall_ms) return cfg.wall_ms();
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  TimePoint due(const TypeState& t) const {
    return t.last_put == TimePoint::min() ? TimePoint::min() : t.last_put + cfg.index_interval;
  }
};

namespace {

using StatePtr = std::shared_ptr<ResourceDirectory::State>;

// PUTs our index of `type` (and PROVIDEs the type key the first time). Returns whether the
// index reached a peer. Re-entrancy: one flush per type at a time.
asio::awaitable<bool> flush_index(StatePtr st, std::string type) {
  {
    auto& ts = st->types[type];
    if (ts.flushing) co_return false;
    ts.flushing = true;
    ts.dirty = false;
    ts.last_put = Clock::now();
  }
  const auto own = st->book.own_of(type, st->now_ms());
  const auto idx = build_index(type, st->book.self(), own, st->now_ms(), st->cfg.limits.max_index_bytes);
  auto put = co_await st->dht.put_value(to_bytes(idx.key()), to_bytes(encode_announcement(idx)));
  bool ok = put.has_value() && put->stored > 0;
  if (ok) ++st->metrics.index_puts;
  bool provided = st->types[type].provided;
  if (ok && !provided && !own.empty() && !st->svc.stopping()) {
    auto p = co_await st->dht.provide(type_provider_key(type));
    provided = p.has_value() && p->stored > 0;
  }
  auto& ts = st->types[type];
  ts.flushing = false;
  ts.provided = provided;
  if (!ok || (!provided && !own.empty())) ts.dirty = true;  // retried when due again
  if (ts.dirty) st->wake.notify();
  co_return ok;
}

asio::awaitable<void> maintain_once(StatePtr st) {
  const auto now = Clock::now();
  if (now >= st->next_cleanup) {
    st->next_cleanup = now + st->cfg.cleanup_interval;
    const std::size_t before = st->book.own_count() + st->book.cached_count();
    std::vector<ResourceAnnouncement> gone;
    for (const auto& type : st->book.expire(st->now_ms(), &gone)) st->types[type].dirty = true;
    st->metrics.expired += before - (st->book.own_count() + st->book.cached_count());
    if (st->cfg.on_removed)
      for (const auto& a : gone) st->cfg.on_removed(a);
    // Forget types we no longer announce once their (empty) index went out.
    const auto own_types = st->book.own_types();
    for (auto it = st->types.begin(); it != st->types.end();) {
      if (!it->second.dirty && !it->second.flushing && !own_types.count(it->first))
        it = st->types.erase(it);
      else
        ++it;
    }
  }
  std::vector<std::string> due;
  for (const auto& [type, ts] : st->types)
    if (ts.dirty && !ts.flushing && st->due(ts) <= now) due.push_back(type);
  for (auto& type : due) {
    if (st->svc.stopping()) co_return;
    (void)co_await flush_index(st, std::move(type));
  }
}

asio::awaitable<void> maintenance_task(StatePtr st) {
  while (!st->svc.stopping()) {
    co_await maintain_once(st);
    TimePoint next = st->next_cleanup;
    for (const auto& [type, ts] : st->types)
      if (ts.dirty && !ts.flushing) next = std::min(next, std::max(st->due(ts), Clock::now()));
    (void)co_await st->wake.wait_until(next);
  }
}

// The record under `key` from the DHT: the best value, parsed and checked against the key.
asio::awaitable<Result<ResourceAnnouncement>> fetch(StatePtr st, std::string type, std::string id,
                                                    DiscoverStats& stats) {
  ++stats.lookups;
  auto got = co_await st->dht.get_value(resource_key_bytes(type, id), st->cfg.value_quorum);
  if (!got) {
    if (got.error() == make_error_code(dht::errc::not_found)) co_return resource_errc::not_found;
    co_return got.error();
  }
  auto a = parse_announcement(as_string_view(got->record.value));
  if (!a) co_return a.error();
  if (a->resource_type != type || a->resource_id != id) co_return resource_errc::mismatched_record;
  co_return *a;
}

}  // namespace

ResourceDirectory::ResourceDirectory(dht::Dht& dht, ResourceConfig config)
    : m_state(std::make_shared<State>(dht, std::move(config))) {}

ResourceDirectory::~ResourceDirectory() { m_state->svc.request_stop(); }

Status ResourceDirectory::start() {
  auto st = m_state;
  if (st->started) return {};
  if (st->svc.stopping()) return resource_errc::stopped;
  st->started = true;
  st->next_cleanup = Clock::now() + st->cfg.cleanup_interval;
  st->svc.on_stop([weak = std::weak_ptr<State>(st)] {
    if (auto s = weak.lock()) s->wake.notify();
  });
  if (!st->svc.spawn(maintenance_task(st), "resource maintenance")) return resource_errc::stopped;
  return {};
}

asio::awaitable<void> ResourceDirectory::stop() {
  auto st = m_state;
  co_await st->svc.stop();
}

asio::awaitable<Result<AnnounceResult>> ResourceDirectory::announce_resource(std::string type, std::string id,
                                                                           std::optional<std::string> data_json,
                                                                           AnnounceOptions options) {
  auto st = m_state;
  if (st->svc.stopping()) co_return resource_errc::stopped;
  auto a = st->book.announce(type, id, data_json, options, st->now_ms(), st->cfg.gate);
  if (!a) {
    ++st->metrics.announce_refused;
    co_return a.error();
  }
  ++st->metrics.announced;
  AnnounceResult out;
  out.announcement = *a;
  st->types[type].dirty = true;
  auto put = co_await st->dht.put_value(to_bytes(a->key()), to_bytes(encode_announcement(*a)));
  if (put) {
    out.stored = put->stored;
    out.published = put->stored > 0;
  }
  if (st->svc.stopping()) co_return out;
  const auto& ts = st->types[type];
  if (ts.dirty && !ts.flushing && st->due(ts) <= Clock::now())
    out.index_published = co_await flush_index(st, type);
  else
    st->wake.notify();  // the maintenance task PUTs it when due
  co_return out;
}

asio::awaitable<bool> ResourceDirectory::withdraw_resource(std::string type, std::string id) {
  auto st = m_state;
  ResourceAnnouncement gone;
  if (!st->book.withdraw(type, id, &gone)) co_return false;
  if (st->cfg.on_removed) st->cfg.on_removed(gone);
  st->types[type].dirty = true;
  const auto& ts = st->types[type];
  if (!st->svc.stopping() && !ts.flushing && st->due(ts) <= Clock::now())
    (void)co_await flush_index(st, type);
  else
    st->wake.notify();
  co_return true;
}

std::optional<ResourceAnnouncement> ResourceDirectory::get_resource(std::string_view type, std::string_view id) const {
  return m_state->book.get(type, id, m_state->now_ms());
}

std::vector<ResourceAnnouncement> ResourceDirectory::get_local_resources(std::string_view type,
                                                                         const ResourceFilters& filters) const {
  return m_state->book.local(type, filters, m_state->now_ms(), m_state->cfg.max_results);
}

asio::awaitable<Result<ResourceAnnouncement>> ResourceDirectory::discover_resource(std::string type, std::string id) {
  auto st = m_state;
  if (auto c = check_type_id(type, id); !c) co_return c.error();
  if (auto local = st->book.get(type, id, st->now_ms())) co_return *local;
  if (st->svc.stopping()) co_return resource_errc::stopped;
  DiscoverStats stats;
  auto a = co_await fetch(st, type, id, stats);
  if (!a) co_return a.error();
  if (!a->live(st->now_ms())) co_return resource_errc::not_found;
  if (st->cfg.accept) {
    if (auto ok = st->cfg.accept(*a); !ok) {
      ++st->metrics.records_refused;
      co_return ok.error();
    }
  }
  st->book.cache(*a, st->now_ms());
  co_return *a;
}

asio::awaitable<Result<DiscoverResult>> ResourceDirectory::discover_resources(std::string type,
                                                                             ResourceFilters filters) {
  auto st = m_state;
  if (auto c = check_type(type); !c) co_return c.error();
  if (st->svc.stopping()) co_return resource_errc::stopped;
  ++st->metrics.discoveries;
  DiscoverResult out;
  auto& stats = out.stats;
  const std::uint64_t rpcs0 = st->dht.metrics().outbound_rpcs, fail0 = st->dht.metrics().outbound_failures;
  std::map<std::string, ResourceAnnouncement> found;  // by key
  auto admit = [&](ResourceAnnouncement a) {
    if (!a.live(st->now_ms()) || (st->cfg.accept && !st->cfg.accept(a))) {
      ++stats.refused;
      ++st->metrics.records_refused;
      return;
    }
    if (!matches(a, filters)) return;
    auto key = a.key();
    found.emplace(std::move(key), std::move(a));
  };
  // Ours first (they are in no index we would read).
  for (auto& a : st->book.own_of(type, st->now_ms()))
    if (matches(a, filters)) found.emplace(a.key(), std::move(a));

  const std::string self = st->book.self();
  ++stats.lookups;
  auto provs = co_await st->dht.find_providers(type_provider_key(type), st->cfg.max_providers);
  if (provs) {
    stats.providers = provs->providers.size();
    std::size_t fetches = 0;
    for (const auto& p : provs->providers) {
      if (st->svc.stopping()) co_return resource_errc::stopped;
      if (found.size() >= st->cfg.max_results) break;
      const std::string creator = p.id.to_base58();
      if (creator == self) continue;
      auto idx = co_await fetch(st, std::string(kIndexType), index_id(type, creator), stats);
      if (!idx) {
        if (idx.error() != make_error_code(resource_errc::not_found)) ++stats.refused;
        continue;
      }
      auto parsed = parse_index(*idx, type, creator);
      if (!parsed) {
        ++stats.refused;
        ++st->metrics.records_refused;
        continue;
      }
      ++stats.indexes;
      for (auto& e : parsed->inline_entries) admit(std::move(e));
      for (const auto& id : parsed->ids) {
        if (found.count(resource_key(type, id)) || fetches >= st->cfg.max_fetches) continue;
        ++fetches;
        auto a = co_await fetch(st, type, id, stats);
        if (!a) continue;
        ++stats.fetched;
        if (a->creator_peer_id != creator) {
          ++stats.refused;
          continue;
        }
        admit(std::move(*a));
      }
    }
  }  // a failed lookup is not an error of discovery: what we know locally is still an answer
  stats.rpcs = static_cast<std::size_t>(st->dht.metrics().outbound_rpcs - rpcs0);
  stats.failures = static_cast<std::size_t>(st->dht.metrics().outbound_failures - fail0);
  const auto now = st->now_ms();
  for (auto& [key, a] : found) {
    if (a.creator_peer_id != self) st->book.cache(a, now);
    if (out.resources.size() < st->cfg.max_results) out.resources.push_back(std::move(a));
  }
  co_return out;
}

asio::awaitable<void> ResourceDirectory::maintain() {
  m_state->next_cleanup = Clock::now();
  co_await maintain_once(m_state);
  m_state->wake.notify();  // the task recomputes its deadline
}

const ResourceBook& ResourceDirectory::book() const { return m_state->book; }
const DirectoryMetrics& ResourceDirectory::metrics() const { return m_state->metrics; }
const ResourceConfig& ResourceDirectory::config() const { return m_state->cfg; }

}  // namespace lotus::coordinator
