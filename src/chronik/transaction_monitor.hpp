// TransactionMonitor: confirmations, waiting for N confirmations, watching a script for new
// transactions, broadcasting, UTXOs (lotus-wire.md §6.2; the reference's TransactionMonitor,
// with its defects fixed: UTXOs are queried by the script's hash/key — not the whole script as
// a "p2pkh payload" —, errors are specific codes — never null —, waits are cancellable, pushed by
// the WebSocket when it is up and polled when it is not, and a transaction that leaves the chain
// is reported).
//
// Waiting for confirmations (wait_for_confirmations):
//
//   check ─▶ enough? ─yes─▶ done
//     ▲        │no
//     │        ▼
//     └── wake-up: a block event on /ws (BlockConnected/Disconnected, sent to every client),
//         or the poll interval, whichever first — until the deadline (monitor_errc::deadline),
//         a cancel() (errc::cancelled), or a reorg that takes the transaction out of the chain
//         after it was seen in a block (monitor_errc::reorged), or its disappearance
//         (monitor_errc::dropped). Transient Chronik failures are retried until the deadline.
//
// Watching a script (watch_script): a baseline of its history first (not reported), then the
// WebSocket subscription's events (AddedToMempool, Confirmed, Reorg, RemovedFromMempool). When
// the WebSocket fails, the history is polled every poll_interval and compared with what is
// known (new → added/confirmed, left a block → reorg, gone → removed); the WebSocket is tried
// again every ws_retry_interval. Events carry how they were seen (ws or poll).
//
// Threading: one io_context thread; the Client must outlive the monitor. Before destroying the
// monitor, call stop() (ends watches and the WebSocket readers of waits) and co_await join()
// (its tasks refer to it).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "base/error.hpp"
#include "base/result.hpp"
#include "base/time.hpp"
#include "chronik/client.hpp"
#include "runtime/task_scope.hpp"

namespace lotus::chronik {

enum class monitor_errc {
  deadline = 1,  // the deadline passed before the transaction had enough confirmations
  reorged,       // the transaction left the chain (reorg) while we waited
  dropped,       // the transaction is no longer known to the server
  unsupported_script,  // utxos/watch: a script Chronik cannot be queried by
};
const std::error_category& monitor_category() noexcept;
inline std::error_code make_error_code(monitor_errc e) noexcept { return {static_cast<int>(e), monitor_category()}; }

struct Confirmation {
  Hash txid{};
  std::int32_t block_height = -1;  // -1: in the mempool
  std::int32_t confirmations = 0;
  bool is_confirmed = false;  // confirmations >= required
};

struct MonitorConfig {
  Duration poll_interval = std::chrono::seconds(5);       // the reference: 5 s (SwapSig 3 s)
  Duration ws_retry_interval = std::chrono::seconds(30);  // watch: how often to retry the WebSocket
  std::uint32_t history_page_size = 50;                   // watch polling: newest page of history
};

// Cancels a wait: cancel() makes it return errc::cancelled at once.
class CancelToken {
 public:
  void cancel() {
    m_cancelled = true;
    if (m_wake) m_wake();
  }
  bool cancelled() const noexcept { return m_cancelled; }
  void set_wake(std::function<void()> fn) { m_wake = std::move(fn); }

 private:
  bool m_cancelled = false;
  std::function<void()> m_wake;
};

struct WatchEvent {
  enum class Kind : std::uint8_t { added_to_mempool, confirmed, reorg, removed_from_mempool };
  Kind kind = Kind::added_to_mempool;
  Hash txid{};
  bool via_ws = false;  // false: found by polling
};
const char* to_string(WatchEvent::Kind k) noexcept;

// Chronik's script query (type + payload) for an output script: p2pkh/p2sh by the 20-byte hash,
// Taproot by the commitment, anything else as "other" with the whole script.
std::pair<std::string, Bytes> script_query(BytesView output_script);

class TransactionMonitor {
 public:
  TransactionMonitor(const asio::any_io_executor& ex, Client& client, MonitorConfig config = {});
  ~TransactionMonitor();

  asio::awaitable<Result<Confirmation>> check_confirmations(Hash txid, std::int32_t required = 1);
  // One result per txid, in order (each its own success or error).
  asio::awaitable<std::vector<Result<Confirmation>>> batch_check_confirmations(std::vector<Hash> txids,
                                                                              std::int32_t required = 1);
  // Returns the Confirmation once confirmations >= required; `progress` sees every change.
  asio::awaitable<Result<Confirmation>> wait_for_confirmations(Hash txid, std::int32_t required, TimePoint deadline,
                                                               std::shared_ptr<CancelToken> cancel,
                                                               std::function<void(const Confirmation&)> progress);
  // Without cancellation or progress. (Overloads, not default arguments: g++ 12 destroys
  // class-type default arguments of coroutines twice.)
  asio::awaitable<Result<Confirmation>> wait_for_confirmations(Hash txid, std::int32_t required, TimePoint deadline) {
    return wait_for_confirmations(txid, required, deadline, nullptr, std::function<void(const Confirmation&)>{});
  }
  asio::awaitable<Result<Hash>> broadcast(Bytes raw_tx);
  asio::awaitable<Result<std::vector<Utxo>>> utxos(Bytes output_script);

  // Starts watching; events go to `on_event` (on the io_context thread). `on_transport` hears
  // whenever the watch switches between the WebSocket (true: subscribed and caught up) and
  // polling (false), and false once when the first WebSocket attempt fails. Returns a watch id.
  std::uint64_t watch_script(Bytes output_script, std::function<void(const WatchEvent&)> on_event,
                             std::function<void(bool on_ws)> on_transport = {});
  void unwatch(std::uint64_t id);
  // Number of active watches using the WebSocket (the others poll).
  std::size_t watches_on_ws() const;

  void stop();
  asio::awaitable<void> join();

 private:
  struct WatchState;
  asio::awaitable<void> run_watch(std::shared_ptr<WatchState> w);
  asio::awaitable<Status> poll_watch(WatchState& w, bool report);

  asio::any_io_executor m_ex;
  Client& m_client;
  MonitorConfig m_cfg;
  runtime::TaskScope m_scope;
  std::uint64_t m_next_watch = 0;
  std::vector<std::shared_ptr<WatchState>> m_watches;
};

}  // namespace lotus::chronik

LOTUS_ERRC_ENUM(lotus::chronik::monitor_errc)
