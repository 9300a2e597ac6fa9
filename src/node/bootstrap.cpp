// Bootstrapper (see bootstrap.hpp).
#include "node/bootstrap.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "base/log.hpp"
#include "host/host.hpp"
#include "runtime/asio.hpp"
#include "runtime/dns_resolver.hpp"
#include "runtime/signal.hpp"
#include "runtime/task_scope.hpp"

namespace lotus::node {

Duration Backoff::delay(unsigned failures, Rng& rng) const {
  using Secs = std::chrono::duration<double>;
  const double initial = std::chrono::duration_cast<Secs>(m_cfg.initial).count();
  const double cap = std::chrono::duration_cast<Secs>(m_cfg.max).count();
  // Grow without overflowing: stop multiplying once past the cap.
  double d = initial;
  for (unsigned i = 0; i < failures && d < cap; ++i) d *= m_cfg.multiplier;
  d = std::min(d, cap);
  const double jitter = std::clamp(m_cfg.jitter, 0.0, 1.0);
  if (jitter > 0) {
    // u uniform in [-1, 1] with 2^20 steps.
    const double u = static_cast<double>(rng.uniform(std::uint64_t{1} << 21)) / static_cast<double>(1 << 20) - 1.0;
    d *= 1.0 + jitter * u;
  }
  return std::chrono::duration_cast<Duration>(Secs(std::max(d, 0.0)));
}

struct Bootstrapper::State {
  State(host::Host& h, BootstrapConfig c, runtime::DnsResolver* r)
      : host(h), cfg(std::move(c)), resolver(r), backoff(cfg.backoff), scope(h.io_context().get_executor()) {}

  struct Entry {
    Entry(mf::Multiaddr a, const asio::any_io_executor& ex) : addr(std::move(a)), wake(ex) {}
    mf::Multiaddr addr;
    runtime::Signal wake;
    bool poked = false;
    unsigned failures = 0;
    std::vector<mf::PeerId> peers;                            // resolved bootstrap peers
    std::map<mf::PeerId, std::vector<mf::Multiaddr>> reported;  // last addresses reported
  };

  host::Host& host;
  BootstrapConfig cfg;
  runtime::DnsResolver* resolver;
  Backoff backoff;
  runtime::TaskScope scope;
  DiscoveryCallback on_discovered;
  std::vector<std::unique_ptr<Entry>> entries;
  std::uint64_t listener = 0;
  std::uint64_t source = 0;
  bool started = false;
  bool stopped = false;
  std::uint64_t attempts = 0;

  void wake_all(bool poke) {
    for (auto& e : entries) {
      if (poke) e->poked = true;
      e->wake.notify();
    }
  }

  // Protects the peer, records its addresses and reports it when new or changed.
  void register_peer(Entry& e, const mf::PeerId& peer, std::vector<mf::Multiaddr> addrs) {
    if (peer == host.peer_id()) return;
    if (std::find(e.peers.begin(), e.peers.end(), peer) == e.peers.end()) {
      if (e.peers.size() >= cfg.max_peers_per_entry) return;
      e.peers.push_back(peer);
    }
    if (cfg.protect) host.conn_manager().protect(peer, cfg.protect_tag);
    if (!addrs.empty()) host.peer_store().add_addrs(peer, addrs);
    auto& last = e.reported[peer];
    std::sort(addrs.begin(), addrs.end());
    if (last == addrs && !last.empty()) return;
    last = addrs;
    if (on_discovered) on_discovered(PeerDiscovered{peer, std::move(addrs), e.addr.to_string()});
  }

  bool all_connected(const Entry& e) const {
    if (e.peers.empty()) return false;
    return std::all_of(e.peers.begin(), e.peers.end(), [&](const mf::PeerId& p) { return host.is_connected(p); });
  }
};

namespace {

using State = Bootstrapper::State;

asio::awaitable<Result<std::vector<mf::Multiaddr>>> resolve_entry(std::shared_ptr<State> st, mf::Multiaddr addr) {
  const auto code = addr.components().front().code;
  const bool dns = code == mf::proto::dns || code == mf::proto::dns4 || code == mf::proto::dns6;
  if (code == mf::proto::dnsaddr) {
    if (st->resolver == nullptr) co_return runtime::DnsErrc::no_servers;
    co_return co_await st->resolver->resolve(addr);
  }
  if (dns && st->resolver != nullptr) co_return co_await st->resolver->resolve(addr);
  std::vector<mf::Multiaddr> as_is;  // (no braced list in a coroutine: g++ 12)
  as_is.push_back(std::move(addr));
  co_return as_is;
}

// One resolve + dial round. Returns whether every peer of the entry is connected afterwards.
asio::awaitable<bool> dial_round(std::shared_ptr<State> st, State::Entry* e) {
  auto targets = co_await resolve_entry(st, e->addr);
  if (!targets) {
    LOTUS_LOG(info, "bootstrap", "cannot resolve " + e->addr.to_string() + ": " + targets.error().message());
    co_return false;
  }
  // Group by peer id; addresses without /p2p/ are dialed to learn who answers.
  std::map<mf::PeerId, std::vector<mf::Multiaddr>> by_peer;
  std::vector<mf::Multiaddr> anonymous;
  for (const auto& t : *targets) {
    if (auto id = t.peer_id()) {
      auto& v = by_peer[*id];
      if (v.size() < st->cfg.max_addrs_per_peer) v.push_back(t.without_peer_id());
    } else if (anonymous.size() < st->cfg.max_addrs_per_peer) {
      anonymous.push_back(t);
    }
  }
  for (auto& [peer, addrs] : by_peer) st->register_peer(*e, peer, addrs);
  for (auto& [peer, addrs] : by_peer) {
    if (st->stopped) co_return false;
    if (st->host.is_connected(peer) || std::find(e->peers.begin(), e->peers.end(), peer) == e->peers.end()) continue;
    for (const auto& a : addrs) {
      ++st->attempts;
      auto r = co_await st->host.dial(a.with_peer_id(peer));
      if (st->stopped) co_return false;
      if (r) break;
      LOTUS_LOG(debug, "bootstrap", "dial " + a.to_string() + " failed: " + r.error().message());
    }
  }
  for (const auto& a : anonymous) {
    if (st->stopped) co_return false;
    ++st->attempts;
    auto r = co_await st->host.dial(a);
    if (st->stopped) co_return false;
    if (r) {
      std::vector<mf::Multiaddr> one;
      one.push_back(a);
      st->register_peer(*e, r->remote_peer, std::move(one));
    }
  }
  co_return st->all_connected(*e);
}

// Waits until `deadline`, a poke, or stop.
asio::awaitable<void> wait_backoff(std::shared_ptr<State> st, State::Entry* e, TimePoint deadline) {
  while (!st->stopped && !e->poked && Clock::now() < deadline) (void)co_await e->wake.wait_until(deadline);
}

asio::awaitable<void> entry_task(std::shared_ptr<State> st, std::size_t index) {
  auto* e = st->entries[index].get();
  while (!st->stopped) {
    e->poked = false;
    const bool ok = co_await dial_round(st, e);
    if (st->stopped) break;
    if (ok) {
      e->failures = 0;
      while (!st->stopped && !e->poked && st->all_connected(*e)) co_await e->wake.wait();
      if (st->stopped) break;
      if (e->poked) continue;
      // A bootstrap peer disconnected: redial after the first backoff step.
      co_await wait_backoff(st, e, Clock::now() + st->backoff.delay(0, SystemRng::instance()));
      continue;
    }
    const auto delay = st->backoff.delay(e->failures, SystemRng::instance());
    if (e->failures < 64) ++e->failures;
    co_await wait_backoff(st, e, Clock::now() + delay);
  }
}

}  // namespace

Bootstrapper::Bootstrapper(host::Host& host, BootstrapConfig config, runtime::DnsResolver* resolver)
    : m_state(std::make_shared<State>(host, std::move(config), resolver)) {
  const auto ex = host.io_context().get_executor();
  for (const auto& a : m_state->cfg.peers) {
    if (a.empty()) continue;
    m_state->entries.push_back(std::make_unique<State::Entry>(a, ex));
  }
}

Bootstrapper::~Bootstrapper() { stop(); }

void Bootstrapper::set_discovery_callback(DiscoveryCallback cb) { m_state->on_discovered = std::move(cb); }

void Bootstrapper::start() {
  auto& st = *m_state;
  if (st.started || st.stopped) return;
  st.started = true;
  std::weak_ptr<State> w = m_state;
  st.listener = st.host.add_event_listener([w](const host::Event& ev) {
    if (!std::holds_alternative<host::PeerDisconnected>(ev)) return;
    if (auto s = w.lock()) s->wake_all(false);
  });
  st.source = st.host.conn_manager().add_peer_source([w](std::size_t) {
    if (auto s = w.lock()) s->wake_all(true);
  });
  for (std::size_t i = 0; i < st.entries.size(); ++i) st.scope.spawn(entry_task(m_state, i), "bootstrap.entry");
}

void Bootstrapper::stop() {
  auto& st = *m_state;
  if (st.stopped) return;
  st.stopped = true;
  if (st.started) {
    st.host.remove_event_listener(st.listener);
    st.host.conn_manager().remove_peer_source(st.source);
  }
  st.wake_all(false);
  st.scope.request_stop();
}

asio::awaitable<void> Bootstrapper::join() {
  auto st = m_state;  // keep the scope alive while waiting
  co_await st->scope.join();
}

std::vector<mf::PeerId> Bootstrapper::peers() const {
  std::vector<mf::PeerId> out;
  for (auto& e : m_state->entries)
    for (auto& p : e->peers)
      if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  return out;
}

std::uint64_t Bootstrapper::attempts() const { return m_state->attempts; }

}  // namespace lotus::node
