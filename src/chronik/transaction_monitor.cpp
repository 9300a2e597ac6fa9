#include "chronik/transaction_monitor.hpp"

#include <algorithm>
#include <map>

#include "chain/script.hpp"
#include "chronik/errc.hpp"
#include "runtime/signal.hpp"

namespace lotus::chronik {

const std::error_category& monitor_category() noexcept {
  static const TableCategory cat("chronik-monitor", {
      {static_cast<int>(monitor_errc::deadline), "monitor: deadline passed before enough confirmations"},
      {static_cast<int>(monitor_errc::reorged), "monitor: the transaction left the chain (reorg)"},
      {static_cast<int>(monitor_errc::dropped), "monitor: the transaction is no longer known"},
      {static_cast<int>(monitor_errc::unsupported_script), "monitor: script cannot be queried"},
  });
  return cat;
}

const char* to_string(WatchEvent::Kind k) noexcept {
  switch (k) {
    case WatchEvent::Kind::added_to_mempool: return "added-to-mempool";
    case WatchEvent::Kind::confirmed: return "confirmed";
    case WatchEvent::Kind::reorg: return "reorg";
    case WatchEvent::Kind::removed_from_mempool: return "removed-from-mempool";
  }
  return "?";
}

std::pair<std::string, Bytes> script_query(BytesView s) {
  if (auto h = chain::match_p2pkh(s)) return {"p2pkh", Bytes(h->begin(), h->end())};
  if (auto h = chain::match_p2sh(s)) return {"p2sh", Bytes(h->begin(), h->end())};
  if (auto t = chain::match_taproot(s)) return {"p2tr-commitment", Bytes(t->commitment.begin(), t->commitment.end())};
  return {"other", Bytes(s.begin(), s.end())};
}

namespace {

struct WaitState {
  explicit WaitState(const asio::any_io_executor& ex) : wake(ex) {}
  runtime::Signal wake;
  std::unique_ptr<WsChannel> ch;
  Hash txid{};
  bool done = false;
  bool ws_failed = false;
  bool reorg_event = false;  // a Reorg(txid) arrived over /ws
};

asio::awaitable<void> wait_ws_reader(std::shared_ptr<WaitState> st) {
  while (!st->done && st->ch) {
    auto m = co_await st->ch->next();
    if (!m) {
      st->ws_failed = true;
      st->wake.notify();
      break;
    }
    if (m->kind == SubscribeMsg::Kind::reorg && m->hash == st->txid) st->reorg_event = true;
    st->wake.notify();  // any block or tx event: look again
  }
}

Confirmation confirmation_of(const Tx& tx, std::int32_t tip, std::int32_t required) {
  Confirmation c;
  c.txid = tx.txid;
  if (tx.block) {
    c.block_height = tx.block->height;
    c.confirmations = std::max<std::int32_t>(1, tip - tx.block->height + 1);
  }
  c.is_confirmed = required <= 0 || c.confirmations >= required;
  return c;
}

}  // namespace

struct TransactionMonitor::WatchState {
  explicit WatchState(const asio::any_io_executor& ex) : wake(ex) {}
  std::uint64_t id = 0;
  Bytes script;
  std::string type;
  Bytes payload;
  std::function<void(const WatchEvent&)> on_event;
  std::function<void(bool)> on_transport;
  std::map<Hash, bool> known;  // txid → mined
  runtime::Signal wake;
  std::unique_ptr<WsChannel> ch;
  bool on_ws = false;
  bool stopped = false;
  void report(WatchEvent::Kind k, const Hash& txid, bool ws) {
    if (on_event && !stopped) on_event(WatchEvent{k, txid, ws});
  }
  void stop() {
    stopped = true;
    if (ch) ch->close();
    wake.notify();
  }
};

TransactionMonitor::TransactionMonitor(const asio::any_io_executor& ex, Client& client, MonitorConfig config)
    : m_ex(ex), m_client(client), m_cfg(config), m_scope(ex) {}

TransactionMonitor::~TransactionMonitor() { stop(); }

void TransactionMonitor::stop() {
  for (auto& w : m_watches) w->stop();
  m_watches.clear();
  m_scope.request_stop();
}

asio::awaitable<void> TransactionMonitor::join() { co_await m_scope.join(); }

asio::awaitable<Result<Confirmation>> TransactionMonitor::check_confirmations(Hash txid, std::int32_t required) {
  auto tx = co_await m_client.tx(txid);
  if (!tx) co_return tx.error();
  std::int32_t tip = 0;
  if (tx->block) {
    auto info = co_await m_client.blockchain_info();
    if (!info) co_return info.error();
    tip = info->tip_height;
  }
  co_return confirmation_of(*tx, tip, required);
}

asio::awaitable<std::vector<Result<Confirmation>>> TransactionMonitor::batch_check_confirmations(
    std::vector<Hash> txids, std::int32_t required) {
  std::vector<Result<Confirmation>> out;
  out.reserve(txids.size());
  // One tip for the whole batch (the reference asks once per transaction).
  auto info = co_await m_client.blockchain_info();
  for (const auto& id : txids) {
    if (!info) {
      out.emplace_back(info.error());
      continue;
    }
    auto tx = co_await m_client.tx(id);
    if (!tx) {
      out.emplace_back(tx.error());
      continue;
    }
    out.emplace_back(confirmation_of(*tx, info->tip_height, required));
  }
  co_return out;
}

asio::awaitable<Result<Confirmation>> TransactionMonitor::wait_for_confirmations(
    Hash txid, std::int32_t required, TimePoint deadline, std::shared_ptr<CancelToken> cancel,
    std::function<void(const Confirmation&)> progress) {
  auto st = std::make_shared<WaitState>(m_ex);
  st->txid = txid;
  if (cancel) {
    std::weak_ptr<WaitState> weak = st;
    cancel->set_wake([weak] {
      if (auto s = weak.lock()) s->wake.notify();
    });
  }
  // Pushed wake-ups: every client gets block events; the transaction's own Reorg needs a
  // subscription to one of its scripts (made once the transaction is known).
  if (auto ch = co_await m_client.open_ws()) {
    st->ch = std::move(*ch);
    if (!m_scope.spawn(wait_ws_reader(st), "chronik-wait-ws")) st->ch.reset();
  }
  bool subscribed = false;
  bool seen = false;
  bool seen_mined = false;
  std::optional<Confirmation> last;
  Result<Confirmation> result = make_error_code(monitor_errc::deadline);
  for (;;) {
    if (cancel && cancel->cancelled()) {
      result = errc::cancelled;
      break;
    }
    auto tx = co_await m_client.tx(txid);
    std::optional<Confirmation> c;
    if (tx) {
      std::int32_t tip = 0;
      bool ok = true;
      if (tx->block) {
        auto info = co_await m_client.blockchain_info();
        ok = info.has_value();
        if (ok) tip = info->tip_height;
      }
      if (ok) c = confirmation_of(*tx, tip, required);
      if (st->ch && !subscribed && !st->ws_failed && !tx->outputs.empty()) {
        auto query = script_query(tx->outputs.front().output_script);  // (no structured binding in coroutines: g++ 12)
        subscribed = static_cast<bool>(co_await st->ch->subscribe(std::move(query.first), std::move(query.second)));
      }
    } else if (tx.error() == errc::cancelled) {
      result = errc::cancelled;
      break;
    } else if (tx.error() == errc::not_found && seen) {
      result = monitor_errc::dropped;
      break;
    }
    if (c) {
      seen = true;
      if (!last || last->block_height != c->block_height || last->confirmations != c->confirmations) {
        if (progress) progress(*c);
      }
      last = c;
      if (c->block_height >= 0) {
        seen_mined = true;
      } else if (seen_mined) {
        result = monitor_errc::reorged;
        break;
      }
      if (st->reorg_event && seen_mined) {
        result = monitor_errc::reorged;
        break;
      }
      if (c->is_confirmed) {
        result = *c;
        break;
      }
    }
    const auto now = Clock::now();
    if (now >= deadline) {
      result = monitor_errc::deadline;
      break;
    }
    co_await st->wake.wait_until(std::min(deadline, now + m_cfg.poll_interval));
  }
  st->done = true;
  if (st->ch) st->ch->close();
  if (cancel) cancel->set_wake({});
  co_return result;
}

asio::awaitable<Result<Hash>> TransactionMonitor::broadcast(Bytes raw_tx) {
  co_return co_await m_client.broadcast_tx(std::move(raw_tx));
}

asio::awaitable<Result<std::vector<Utxo>>> TransactionMonitor::utxos(Bytes output_script) {
  auto query = script_query(output_script);
  auto groups = co_await m_client.script_utxos(std::move(query.first), std::move(query.second));
  if (!groups) co_return groups.error();
  std::vector<Utxo> out;
  for (const auto& g : *groups) {
    if (g.output_script != output_script) continue;  // p2tr-commitment may group several scripts
    out.insert(out.end(), g.utxos.begin(), g.utxos.end());
  }
  co_return out;
}

std::uint64_t TransactionMonitor::watch_script(Bytes output_script, std::function<void(const WatchEvent&)> on_event,
                                              std::function<void(bool)> on_transport) {
  auto w = std::make_shared<WatchState>(m_ex);
  w->id = ++m_next_watch;
  auto [type, payload] = script_query(output_script);
  w->type = std::move(type);
  w->payload = std::move(payload);
  w->script = std::move(output_script);
  w->on_event = std::move(on_event);
  w->on_transport = std::move(on_transport);
  m_watches.push_back(w);
  m_scope.spawn(run_watch(w), "chronik-watch");
  return w->id;
}

void TransactionMonitor::unwatch(std::uint64_t id) {
  auto it = std::find_if(m_watches.begin(), m_watches.end(), [&](const auto& w) { return w->id == id; });
  if (it == m_watches.end()) return;
  (*it)->stop();
  m_watches.erase(it);
}

std::size_t TransactionMonitor::watches_on_ws() const {
  return static_cast<std::size_t>(std::count_if(m_watches.begin(), m_watches.end(), [](const auto& w) { return w->on_ws; }));
}

asio::awaitable<Status> TransactionMonitor::poll_watch(WatchState& w, bool report) {
  auto page = co_await m_client.script_history(w.type, w.payload, 0, m_cfg.history_page_size);
  if (!page) co_return page.error();
  std::map<Hash, bool> now;
  for (const auto& t : page->txs) now[t.txid] = t.block.has_value();
  for (const auto& entry : now) {  // (no structured bindings in coroutines: g++ 12)
    const Hash& id = entry.first;
    const bool mined = entry.second;
    auto it = w.known.find(id);
    if (it == w.known.end()) {
      if (report) w.report(mined ? WatchEvent::Kind::confirmed : WatchEvent::Kind::added_to_mempool, id, false);
    } else if (it->second && !mined) {
      if (report) w.report(WatchEvent::Kind::reorg, id, false);
    } else if (!it->second && mined) {
      if (report) w.report(WatchEvent::Kind::confirmed, id, false);
    }
  }
  if (page->num_pages <= 1) {  // the whole history is in view: what is missing has gone
    for (const auto& entry : w.known) {
      if (!now.count(entry.first) && report) w.report(WatchEvent::Kind::removed_from_mempool, entry.first, false);
    }
    w.known = std::move(now);
  } else {
    for (const auto& entry : now) w.known[entry.first] = entry.second;
  }
  co_return Status{};
}

asio::awaitable<void> TransactionMonitor::run_watch(std::shared_ptr<WatchState> w) {
  // Baseline: what the script already has is not news.
  while (!w->stopped) {
    if (co_await poll_watch(*w, false)) break;
    co_await w->wake.wait_until(Clock::now() + m_cfg.poll_interval);
  }
  TimePoint next_ws_try = Clock::now();
  bool polling_reported = false;  // on_transport(false) said once, not at every failed retry
  while (!w->stopped) {
    if (Clock::now() >= next_ws_try) {
      auto ch = co_await m_client.open_ws();
      const bool subscribed = ch && !w->stopped && co_await (*ch)->subscribe(w->type, w->payload);
      if (!subscribed && !polling_reported && !w->stopped) {
        polling_reported = true;  // the WebSocket is not available from the start: polling
        if (w->on_transport) w->on_transport(false);
      }
      if (subscribed) {
        w->ch = std::move(*ch);
        (void)co_await poll_watch(*w, true);  // what happened while we were not subscribed
        w->on_ws = true;
        if (w->on_transport && !w->stopped) w->on_transport(true);
        while (!w->stopped) {
          auto m = co_await w->ch->next();
          if (!m) break;
          auto it = w->known.find(m->hash);
          switch (m->kind) {
            case SubscribeMsg::Kind::added_to_mempool:
              if (it == w->known.end()) {
                w->known[m->hash] = false;
                w->report(WatchEvent::Kind::added_to_mempool, m->hash, true);
              }
              break;
            case SubscribeMsg::Kind::confirmed:
              if (it == w->known.end() || !it->second) {
                w->known[m->hash] = true;
                w->report(WatchEvent::Kind::confirmed, m->hash, true);
              }
              break;
            case SubscribeMsg::Kind::reorg:
              w->known[m->hash] = false;
              w->report(WatchEvent::Kind::reorg, m->hash, true);
              break;
            case SubscribeMsg::Kind::removed_from_mempool:
              if (it != w->known.end()) w->known.erase(it);
              w->report(WatchEvent::Kind::removed_from_mempool, m->hash, true);
              break;
            default:
              break;
          }
        }
        w->on_ws = false;
        w->ch.reset();
        polling_reported = true;
        if (w->on_transport && !w->stopped) w->on_transport(false);
      }
      next_ws_try = Clock::now() + m_cfg.ws_retry_interval;
    }
    if (w->stopped) break;
    (void)co_await poll_watch(*w, true);
    co_await w->wake.wait_until(std::min(next_ws_try, Clock::now() + m_cfg.poll_interval));
  }
}

}  // namespace lotus::chronik
