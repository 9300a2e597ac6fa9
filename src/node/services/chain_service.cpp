// Chain access as a service (see chain_service.hpp).
#include "node/services/chain_service.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <deque>
#include <filesystem>

#include "base/hex.hpp"
#include "base/log.hpp"
#include "chain/address.hpp"
#include "chronik/burn_verifier.hpp"
#include "chronik/client.hpp"
#include "chronik/errc.hpp"
#include "chronik/transaction_monitor.hpp"
#include "node/errors.hpp"
#include "node/metrics_text.hpp"
#include "node/services/builtin.hpp"
#include "runtime/signal.hpp"
#include "runtime/task_scope.hpp"

namespace lotus::node {

namespace {

namespace ck = chronik;

constexpr std::int64_t kDefaultWaitMs = 3'600'000;        // tx.wait: one hour
constexpr std::int64_t kMaxWaitMs = 30LL * 24 * 3'600'000;  // and at most 30 days
constexpr std::int64_t kMaxConfirmations = 1'000'000;

// Items of a streaming method, produced by callbacks and tasks, sent by the handler.
struct StreamQueue {
  explicit StreamQueue(const asio::any_io_executor& ex) : sig(ex) {}
  runtime::Signal sig;
  std::deque<Json> items;
  bool overflow = false;
  bool done = false;      // no more items (the handler sends what is queued, then `error`)
  std::error_code error;  // how the stream ends (empty: success)
  std::shared_ptr<ck::CancelToken> cancel;  // tx.wait: cancels the wait when the stream ends

  void push(Json j) {
    if (done || overflow) return;
    if (items.size() >= ChainService::kMaxStreamItems) overflow = true;
    else items.push_back(std::move(j));
    sig.notify();
  }
  void finish(std::error_code ec) {
    if (done) return;
    done = true;
    error = ec;
    sig.notify();
  }
};

// Sends the queue's items until it is done; ends the stream with its error (or overflow). An
// idle stream sends {"heartbeat": true} every `heartbeat`: a client that went away is noticed
// then (the write fails) and its wait or watch ends, instead of holding a Chronik WebSocket
// and a task until the daemon stops.
asio::awaitable<Status> drain(std::shared_ptr<StreamQueue> q, Emit emit, Duration heartbeat) {
  for (;;) {
    while (q->items.empty() && !q->overflow && !q->done) {
      if (co_await q->sig.wait_until(Clock::now() + heartbeat)) continue;
      Json beat = Json::object();  // (not a braced temporary inside co_await: g++ 12)
      beat["heartbeat"] = true;
      auto alive = co_await emit(std::move(beat));
      if (!alive) {
        if (q->cancel) q->cancel->cancel();
        q->done = true;
        co_return Status{};
      }
    }
    if (q->overflow) {
      if (q->cancel) q->cancel->cancel();
      co_return node_errc::stream_overflow;
    }
    if (q->items.empty()) {
      if (q->error) co_return q->error;
      co_return Status{};
    }
    Json item = std::move(q->items.front());
    q->items.pop_front();
    auto st = co_await emit(std::move(item));
    if (!st) {  // the client went away
      if (q->cancel) q->cancel->cancel();
      q->done = true;
      co_return Status{};
    }
  }
}

// chronik::errc values as metric labels and status keys.
const char* errc_name(std::size_t v) {
  static const char* const names[] = {"",          "unreachable", "timeout",     "http_status",
                                      "malformed", "not_found",   "bad_request", "response_too_large",
                                      "tls_certificate_rejected", "invalid_url", "no_urls", "cancelled",
                                      "closed"};
  return v < std::size(names) ? names[v] : "other";
}

std::string hash_hex(const ck::Hash& h) { return ck::to_display_hex(h); }

const char* burn_reason(ck::burn_errc e) {
  switch (e) {
    case ck::burn_errc::not_found: return "not_found";
    case ck::burn_errc::no_such_output: return "no_such_output";
    case ck::burn_errc::not_data_output: return "not_data_output";
    case ck::burn_errc::wrong_prefix: return "wrong_prefix";
    case ck::burn_errc::below_amount: return "below_amount";
    case ck::burn_errc::not_mined: return "not_mined";
    case ck::burn_errc::not_confirmed: return "not_confirmed";
    case ck::burn_errc::immature: return "immature";
    case ck::burn_errc::invalid_amount: return "invalid_amount";
  }
  return "unknown";
}

Json burn_json(const ck::BurnInfo& b) {
  Json j{{"txid", hash_hex(b.txid)},
         {"output_index", b.output_index},
         {"burn_amount", b.burn_amount},
         {"block_height", b.block_height},
         {"confirmations", b.confirmations},
         {"is_matured", b.is_matured},
         {"script", b.script_hex}};
  if (b.lokad_prefix) {
    j["lokad_prefix"] = to_hex(BytesView(b.lokad_prefix->data(), b.lokad_prefix->size()));
    std::string text(b.lokad_prefix->begin(), b.lokad_prefix->end());
    if (std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; }))
      j["lokad_prefix_text"] = text;
  }
  if (b.lokad_version) j["lokad_version"] = *b.lokad_version;
  if (b.lokad_payload) j["lokad_payload"] = to_hex(*b.lokad_payload);
  return j;
}

Json confirmation_json(const ck::Confirmation& c, std::int32_t required) {
  return Json{{"txid", hash_hex(c.txid)},
              {"block_height", c.block_height},
              {"confirmations", c.confirmations},
              {"required", required},
              {"confirmed", c.is_confirmed}};
}

Result<ck::Hash> txid_field(const Json& req) {
  auto it = req.find("txid");
  if (it == req.end() || !it->is_string()) return node_errc::bad_request;
  auto h = ck::hash_from_display_hex(it->get<std::string>());
  if (!h) return node_errc::bad_request;
  return *h;
}

// An optional integer field in [min, max]; `def` when absent.
Result<std::int64_t> int_field(const Json& req, const char* name, std::int64_t def, std::int64_t min, std::int64_t max) {
  auto it = req.find(name);
  if (it == req.end() || it->is_null()) return def;
  if (!it->is_number_integer()) return node_errc::bad_request;
  const auto v = it->get<std::int64_t>();
  if (v < min || v > max) return node_errc::bad_request;
  return v;
}

// "LTMS" (4 printable characters) or 8 hex digits.
std::optional<chain::LokadPrefix> parse_prefix(const std::string& text) {
  chain::LokadPrefix p{};
  if (text.size() == 8) {
    if (auto b = from_hex(text); b && b->size() == 4) {
      std::copy(b->begin(), b->end(), p.begin());
      return p;
    }
  }
  if (text.size() == 4 && std::all_of(text.begin(), text.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
    std::copy(text.begin(), text.end(), p.begin());
    return p;
  }
  return std::nullopt;
}

// tx.wait's task: the monitor's wait, its progress and outcome into the queue.
asio::awaitable<void> run_wait(ck::TransactionMonitor* monitor, ck::Hash txid, std::int32_t required,
                               TimePoint deadline, std::shared_ptr<StreamQueue> q) {
  std::shared_ptr<StreamQueue> queue = q;
  auto r = co_await monitor->wait_for_confirmations(
      txid, required, deadline, q->cancel,
      [queue, required](const ck::Confirmation& c) { queue->push(confirmation_json(c, required)); });
  q->finish(r ? std::error_code{} : r.error());
}

}  // namespace

struct ChainService::State {
  explicit State(const asio::any_io_executor& e) : ex(e), scope(e) {}
  asio::any_io_executor ex;
  Duration heartbeat = std::chrono::seconds(5);  // max(1 s, chain.poll_interval_ms)
  runtime::TaskScope scope;
  std::unique_ptr<ck::BurnVerifier> verifier;
  std::unique_ptr<ck::TransactionMonitor> monitor;
  std::vector<std::weak_ptr<StreamQueue>> streams;
  bool stopped = false;
  std::uint64_t waits = 0, watches = 0, burn_checks = 0;

  // nullptr when ChainService::kMaxStreams are open.
  std::shared_ptr<StreamQueue> new_stream() {
    std::erase_if(streams, [](const auto& w) { return w.expired(); });
    if (streams.size() >= ChainService::kMaxStreams) return nullptr;
    auto q = std::make_shared<StreamQueue>(ex);
    streams.push_back(q);
    return q;
  }
};

namespace {

// A probe at start: reachability and the tip, in the log (the daemon does not wait for it).
asio::awaitable<void> probe(ck::Client* client) {
  auto info = co_await client->blockchain_info();
  if (info) {
    LOTUS_LOG(info, "chain", "Chronik reachable at " + client->current_url() + ": tip " +
                                 std::to_string(info->tip_height) + " " + ck::to_display_hex(info->tip_hash));
  } else if (info.error() != ck::errc::cancelled) {
    const auto& f = client->last_failure();
    LOTUS_LOG(warn, "chain", "Chronik not reachable (" + info.error().message() + (f.url.empty() ? "" : " at " + f.url) +
                                 "); chain commands will fail until it is");
  }
}

asio::awaitable<Result<Json>> chain_info(ck::Client* client) {
  auto info = co_await client->blockchain_info();
  if (!info) co_return info.error();
  co_return Json{{"tip_height", info->tip_height}, {"tip_hash", ck::to_display_hex(info->tip_hash)},
                 {"url", client->current_url()}};
}

asio::awaitable<Result<Json>> burn_verify(ck::BurnVerifier* v, ChainService::State* st, Json req) {
  auto txid = txid_field(req);
  auto index = int_field(req, "output_index", -1, 0, 0xffffffffLL);
  auto min_conf = int_field(req, "min_confirmations", 1, 0, kMaxConfirmations);
  auto maturation = int_field(req, "maturation", 100, 0, kMaxConfirmations);
  auto min_amount = int_field(req, "min_amount", 0, 0, INT64_MAX);
  if (!txid || !index || *index < 0 || !min_conf || !maturation || !min_amount) co_return node_errc::bad_request;
  ck::BurnPolicy policy;
  policy.min_amount = *min_amount;
  if (auto it = req.find("prefix"); it != req.end() && !it->is_null()) {
    if (!it->is_string()) co_return node_errc::bad_request;
    auto p = parse_prefix(it->get<std::string>());
    if (!p) co_return node_errc::bad_request;
    policy.prefix = *p;
  }
  ++st->burn_checks;
  const auto out_index = static_cast<std::uint32_t>(*index);
  auto r = co_await v->verify_burn(*txid, out_index, static_cast<std::int32_t>(*min_conf),
                                   static_cast<std::int32_t>(*maturation), policy);
  if (r) co_return Json{{"verified", true}, {"burn", burn_json(*r)}};
  if (r.error().category() != ck::burn_category()) co_return r.error();  // Chronik failed: not a refusal
  const auto why = static_cast<ck::burn_errc>(r.error().value());
  Json out{{"verified", false}, {"reason", burn_reason(why)}, {"message", r.error().message()}};
  // What the burn is, when it is a data output at all: the numbers behind the refusal.
  if (why != ck::burn_errc::not_found && why != ck::burn_errc::no_such_output && why != ck::burn_errc::not_data_output) {
    auto info = co_await v->inspect_burn(*txid, out_index, static_cast<std::int32_t>(*maturation));
    if (info) out["burn"] = burn_json(*info);
  }
  co_return out;
}

asio::awaitable<Status> tx_wait(ChainService::State* st, Json req, Emit emit) {
  auto txid = txid_field(req);
  auto required = int_field(req, "confirmations", 1, 1, kMaxConfirmations);
  auto timeout = int_field(req, "timeout_ms", kDefaultWaitMs, 1, kMaxWaitMs);
  if (!txid || !required || !timeout) co_return node_errc::bad_request;
  if (st->stopped) co_return ck::errc::cancelled;
  auto q = st->new_stream();
  if (!q) co_return node_errc::overloaded;
  q->cancel = std::make_shared<ck::CancelToken>();
  ++st->waits;
  const TimePoint deadline = Clock::now() + std::chrono::milliseconds(*timeout);
  if (!st->scope.spawn(run_wait(st->monitor.get(), *txid, static_cast<std::int32_t>(*required), deadline, q),
                       "chain-tx-wait"))
    co_return ck::errc::cancelled;
  co_return co_await drain(q, std::move(emit), st->heartbeat);
}

asio::awaitable<Status> address_watch(ChainService::State* st, Json req, Emit emit) {
  auto it = req.find("address");
  if (it == req.end() || !it->is_string()) co_return node_errc::bad_request;
  const std::string address = it->get<std::string>();
  auto parsed = chain::parse_address(address);
  if (!parsed) co_return parsed.error();
  if (st->stopped) co_return ck::errc::cancelled;
  auto q = st->new_stream();
  if (!q) co_return node_errc::overloaded;
  ++st->watches;
  q->push(Json{{"watching", address}, {"script", to_hex(parsed->script)}});
  std::shared_ptr<StreamQueue> queue = q;
  const auto id = st->monitor->watch_script(
      parsed->script,
      [queue](const ck::WatchEvent& e) {
        queue->push(Json{{"event", ck::to_string(e.kind)},
                         {"txid", ck::to_display_hex(e.txid)},
                         {"via", e.via_ws ? "ws" : "poll"}});
      },
      [queue](bool on_ws) { queue->push(Json{{"transport", on_ws ? "ws" : "poll"}}); });
  auto result = co_await drain(q, std::move(emit), st->heartbeat);
  if (!st->stopped) st->monitor->unwatch(id);
  co_return result;
}

}  // namespace

ChainService::ChainService(const LoadedConfig& loaded) : m_loaded(loaded) {}
ChainService::~ChainService() = default;

Status ChainService::start(ServiceContext& ctx) {
  const auto& c = m_loaded.config.chain;
  const auto ex = ctx.io.get_executor();
  m_state = std::make_shared<State>(ex);
  if (c.chronik_urls.empty()) {
    ctx.report.push_back("chain: off (no chain.chronik_urls; chain commands answer that chain access is off)");
    return Status{};
  }
  ck::ClientConfig cc = ck::config_for(c.chronik_urls);
  if (c.timeout_ms > 0) cc.timeouts.fill(std::chrono::milliseconds(c.timeout_ms));
  if (!c.ca_file.empty()) {
    const std::filesystem::path p(c.ca_file);
    cc.ca_file = (p.is_absolute() ? p : m_loaded.data_dir / p).string();
  }
  auto client = ck::Client::create(ex, std::move(cc));
  if (!client) {
    return ctx.fail(client.error(), "chain: cannot set up the Chronik client (chain.chronik_urls, chain.ca_file): " +
                                        client.error().message());
  }
  m_client = std::move(*client);
  ck::MonitorConfig mc;
  mc.poll_interval = std::chrono::milliseconds(c.poll_interval_ms);
  m_state->heartbeat = std::max<Duration>(std::chrono::seconds(1), mc.poll_interval);
  m_state->verifier = std::make_unique<ck::BurnVerifier>(*m_client);
  m_state->monitor = std::make_unique<ck::TransactionMonitor>(ex, *m_client, mc);
  std::string urls;
  for (const auto& u : c.chronik_urls) urls += (urls.empty() ? "" : ", ") + u;
  ctx.report.push_back("chain: Chronik " + urls);
  m_state->scope.spawn(probe(m_client.get()), "chain-probe");
  return Status{};
}

asio::awaitable<void> ChainService::stop() {
  if (!m_state) co_return;
  m_state->stopped = true;
  if (m_state->monitor) m_state->monitor->stop();
  if (m_client) m_client->stop();
  for (auto& w : m_state->streams) {
    if (auto q = w.lock()) {
      if (q->cancel) q->cancel->cancel();
      q->finish(ck::errc::cancelled);
    }
  }
  m_state->scope.request_stop();
  co_await m_state->scope.join();
  if (m_state->monitor) co_await m_state->monitor->join();
}

void ChainService::add_methods(ControlRouter& r) {
  if (!m_client || !m_state) {
    auto off_unary = [](Json) -> asio::awaitable<Result<Json>> { co_return node_errc::chain_off; };
    auto off_stream = [](Json, Emit) -> asio::awaitable<Status> { co_return node_errc::chain_off; };
    r.add({"chain.info", "the chain tip from Chronik {} -> {tip_height, tip_hash, url}", off_unary, {}});
    r.add({"burn.verify", "verify a burn output (chain access is off)", off_unary, {}});
    r.add({"tx.wait", "wait for confirmations (chain access is off)", {}, off_stream});
    r.add({"address.watch", "watch an address (chain access is off)", {}, off_stream});
    return;
  }
  ck::Client* client = m_client.get();
  State* st = m_state.get();
  ck::BurnVerifier* v = m_state->verifier.get();
  r.add({"chain.info", "the chain tip from Chronik {} -> {tip_height, tip_hash, url}",
         [client](Json) { return chain_info(client); }, {}});
  r.add({"burn.verify",
         "verify a burn {txid, output_index, min_confirmations=1, maturation=100, prefix?, min_amount=0} -> "
         "{verified, reason?, message?, burn?}",
         [v, st](Json req) { return burn_verify(v, st, std::move(req)); }, {}});
  r.add({"tx.wait",
         "wait for confirmations {txid, confirmations=1, timeout_ms=3600000} -> stream of {txid, block_height, "
         "confirmations, required, confirmed}",
         {}, [st](Json req, Emit emit) { return tx_wait(st, std::move(req), std::move(emit)); }});
  r.add({"address.watch",
         "watch an address for new transactions {address} -> stream of {watching, script} | {transport} | "
         "{event, txid, via}",
         {}, [st](Json req, Emit emit) { return address_watch(st, std::move(req), std::move(emit)); }});
}

std::optional<Json> ChainService::status() const {
  if (!m_client) return Json{{"enabled", false}};
  const auto& s = m_client->stats();
  Json errors = Json::object();
  for (std::size_t i = 1; i < s.errors.size(); ++i) {
    if (s.errors[i] == 0) continue;
    errors[errc_name(i)] = s.errors[i];
  }
  Json j{{"enabled", true},
         {"urls", m_loaded.config.chain.chronik_urls},
         {"current_url", m_client->current_url()},
         {"reachable", s.last_ok},
         {"requests", s.requests},
         {"attempts", s.attempts},
         {"failovers", s.failovers},
         {"errors", errors},
         {"latency_ms_avg", s.latency_count ? 1000.0 * s.latency_seconds_sum / static_cast<double>(s.latency_count) : 0.0},
         {"waits", m_state->waits},
         {"watches", m_state->watches},
         {"watches_on_ws", m_state->monitor->watches_on_ws()},
         {"burn_checks", m_state->burn_checks},
         {"streams_active", std::count_if(m_state->streams.begin(), m_state->streams.end(),
                                          [](const auto& w) { return !w.expired(); })}};
  const auto& f = m_client->last_failure();
  if (f.error) {
    Json lf{{"url", f.url}, {"endpoint", ck::to_string(f.endpoint)}, {"error", f.error.message()}};
    if (f.http_status) lf["http_status"] = f.http_status;
    j["last_failure"] = std::move(lf);
  }
  return j;
}

void ChainService::metrics(PromWriter& w) const {
  w.family("chain_enabled", "gauge", "1 when chain access (chain.chronik_urls) is configured.");
  w.u("chain_enabled", m_client ? 1 : 0);
  if (!m_client) return;
  const auto& s = m_client->stats();
  w.family("chain_reachable", "gauge", "1 when the last Chronik call succeeded.");
  w.u("chain_reachable", s.last_ok ? 1 : 0);
  w.family("chain_requests_total", "counter", "Chronik calls (a call that failed over counts once).");
  w.u("chain_requests_total", s.requests);
  w.family("chain_attempts_total", "counter", "HTTP exchanges with Chronik servers (every URL tried).");
  w.u("chain_attempts_total", s.attempts);
  w.family("chain_failovers_total", "counter", "Attempts that moved on to the next Chronik URL.");
  w.u("chain_failovers_total", s.failovers);
  w.family("chain_errors_total", "counter", "Chronik calls that failed, by kind.");
  for (auto e : {ck::errc::unreachable, ck::errc::timeout, ck::errc::http_status, ck::errc::malformed,
                 ck::errc::not_found, ck::errc::bad_request, ck::errc::response_too_large,
                 ck::errc::tls_certificate_rejected, ck::errc::cancelled, ck::errc::closed}) {
    const auto i = static_cast<std::size_t>(e);
    w.u("chain_errors_total", i < s.errors.size() ? s.errors[i] : 0, {{"kind", errc_name(i)}});
  }
  w.family("chain_request_latency_seconds", "summary", "Latency of successful Chronik calls.");
  w.d("chain_request_latency_seconds_sum", s.latency_seconds_sum);
  w.u("chain_request_latency_seconds_count", s.latency_count);
}

ServiceFactory chain_service() {
  return {"chain", {}, [](const LoadedConfig& l, const NodeOptions&) -> std::unique_ptr<Service> {
            return std::make_unique<ChainService>(l);
          }};
}

}  // namespace lotus::node
