// P2PCoordinator over the host (see coordinator.hpp).
#include "coordinator/coordinator.hpp"

#include <algorithm>
#include <chrono>
#include <exception>

#include "base/log.hpp"
#include "coordinator/intake.hpp"
#include "coordinator/seen_set.hpp"
#include "dht/dht.hpp"
#include "host/drive.hpp"
#include "host/protocol_service.hpp"
#include "pubsub/pubsub.hpp"
#include "runtime/asio.hpp"
#include "runtime/signal.hpp"

namespace lotus::coordinator {

const std::error_category& coordinator_category() noexcept {
  static const TableCategory cat("p2p-coordinator", {
      {static_cast<int>(coordinator_errc::stopped), "coordinator: not running"},
      {static_cast<int>(coordinator_errc::gossipsub_disabled), "coordinator: GossipSub not enabled in config"},
      {static_cast<int>(coordinator_errc::protocol_registered), "coordinator: protocol already registered"},
      {static_cast<int>(coordinator_errc::unknown_protocol), "coordinator: protocol not registered"},
      {static_cast<int>(coordinator_errc::message_too_large), "coordinator: message larger than the size limit"},
      {static_cast<int>(coordinator_errc::invalid_message), "coordinator: message fails validation"},
      {static_cast<int>(coordinator_errc::self), "coordinator: cannot send to ourselves"},
      {static_cast<int>(coordinator_errc::duplicate), "coordinator: message already seen"},
      {static_cast<int>(coordinator_errc::bad_request), "coordinator: malformed request"},
      {static_cast<int>(coordinator_errc::slow_consumer), "coordinator: message stream reader too slow, stream cut"},
  });
  return cat;
}

asio::awaitable<void> ProtocolHandler::handle_stream(host::Stream& stream) {
  stream.reset();
  co_return;
}

namespace {
constexpr std::size_t kReadChunk = 16 * 1024;

bool relayed(const mf::Multiaddr& a) { return a.to_string().find("/p2p-circuit") != std::string::npos; }
}  // namespace

struct Coordinator::Impl : std::enable_shared_from_this<Impl> {
  struct TopicSub {
    std::uint64_t id = 0;
    std::string topic;
    TopicHandler handler;
    pubsub::Subscription sub;
    bool closed = false;
  };

  Impl(host::Host& h, Config c, pubsub::PubSub* p, dht::Dht* d, Rng& r)
      : host(h),
        cfg(std::move(c)),
        ps(p),
        dht(d),
        rng(r),
        svc(h),
        security(cfg.security_manager ? cfg.security_manager : std::make_shared<SecurityManager>(cfg.security)),
        intake(*security, cfg.seen),
        cleanup_sig(h.io_context().get_executor()) {
    if (!cfg.wall_clock_ms)
      cfg.wall_clock_ms = [] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
      };
  }

  host::Host& host;
  Config cfg;
  pubsub::PubSub* ps;
  dht::Dht* dht;
  Rng& rng;
  host::ProtocolService svc;
  std::shared_ptr<SecurityManager> security;
  std::optional<std::uint64_t> gate_id;
  Intake intake;  // parse, validate, validators, seen-set (direct and gossip alike)
  runtime::Signal cleanup_sig;
  bool started = false;
  bool stopped = false;

  std::map<std::string, std::shared_ptr<ProtocolHandler>> handlers;  // by protocol_name
  std::map<mf::PeerId, PeerInfo> peers;                               // connected peers
  std::map<mf::PeerId, int> conn_counts;
  std::map<std::uint64_t, EventListener> listeners;
  std::uint64_t next_listener = 1;
  std::map<std::uint64_t, std::shared_ptr<TopicSub>> topic_subs;
  std::uint64_t next_sub = 1;
  Stats counters;

  bool running() const { return started && !stopped && !svc.stopping(); }
  std::int64_t now_ms() const { return cfg.wall_clock_ms(); }

  void emit(const Event& e) {
    std::vector<std::uint64_t> ids;
    ids.reserve(listeners.size());
    for (const auto& [id, l] : listeners) ids.push_back(id);
    for (auto id : ids) {
      auto it = listeners.find(id);
      if (it == listeners.end()) continue;
      try {
        it->second(e);
      } catch (const std::exception& ex) {
        LOTUS_LOG(warn, "coordinator", std::string("event listener threw: ") + ex.what());
      }
    }
  }

  template <class F>
  void each_handler(F&& f) {
    auto copy = handlers;  // a hook may (un)register protocols
    for (auto& [name, h] : copy) {
      try {
        f(*h);
      } catch (const std::exception& ex) {
        LOTUS_LOG(warn, "coordinator", "protocol handler " + name + " threw: " + ex.what());
      }
    }
  }

  PeerInfo info_of(const mf::PeerId& p) const {
    if (auto it = peers.find(p); it != peers.end()) {
      PeerInfo out = it->second;
      out.last_seen = Clock::now();
      return out;
    }
    PeerInfo out{p, {}, {}, {}, Clock::now()};
    if (auto st = host.peer_store().get(p)) {
      out.multiaddrs = st->addrs;
      out.public_key = st->public_key;
    }
    return out;
  }
  PeerInfo self_info() const {
    PeerInfo out{host.peer_id(), host.full_addrs(), host.public_key(), cfg.metadata, Clock::now()};
    return out;
  }

  void refused(const mf::PeerId& peer, const char* reason, std::error_code ec) {
    ++counters.refused[reason];
    LOTUS_LOG(debug, "coordinator", "refused message from " + peer.to_string() + " (" + reason + "): " + ec.message());
    emit(MessageRefusedEvent{peer, reason, ec});
  }
  void disconnect_if_banned(const mf::PeerId& peer) {
    if (!security->is_allowed(peer, Clock::now())) host.disconnect(peer);
  }
  // A message that failed parsing/validation on a direct stream: warned to the sender.
  void invalid(const mf::PeerId& peer, const char* reason, std::error_code ec, bool oversized = false) {
    refused(peer, reason, ec);
    if (security->record_invalid_message(peer, ec, Clock::now(), oversized).banned) host.disconnect(peer);
  }

  void route(const P2PMessage& m, const PeerInfo& from) {
    if (!m.protocol) return;
    auto it = handlers.find(*m.protocol);
    if (it == handlers.end()) return;
    auto h = it->second;  // may unregister itself
    try {
      h->handle_message(m, from);
    } catch (const std::exception& ex) {
      LOTUS_LOG(warn, "coordinator", "handler " + *m.protocol + " threw: " + ex.what());
      emit(ErrorEvent{make_error_code(coordinator_errc::invalid_message), std::string("handler threw: ") + ex.what()});
    }
  }

  // The receive path after the bytes are in (§2.5 steps 3–9): Intake (intake.hpp) decides,
  // we warn, count, emit and route.
  void accept_text(const mf::PeerId& peer, std::string_view text, Via via, bool warn_sender) {
    auto v = intake.accept(peer, text, now_ms(), Clock::now());
    using O = IntakeVerdict::Outcome;
    switch (v.outcome) {
      case O::accepted: {
        ++counters.messages_in;
        if (via == Via::gossip) ++counters.messages_in_gossip;
        const PeerInfo from = info_of(peer);
        emit(MessageEvent{*v.message, from, via});
        route(*v.message, from);
        return;
      }
      case O::duplicate:
        ++counters.duplicates;  // a replay, or the second copy of a network-wide broadcast
        emit(MessageRefusedEvent{peer, "duplicate", make_error_code(coordinator_errc::duplicate)});
        return;
      case O::validator:
        refused(peer, "validator", v.error);
        if (warn_sender && security->warn_peer(peer, "validator-rejected", Clock::now()).banned) host.disconnect(peer);
        return;
      case O::invalid_json:
      case O::invalid_message:
      case O::clock_skew:
        if (warn_sender)
          invalid(peer, v.reason(), v.error);
        else
          refused(peer, v.reason(), v.error);
        return;
    }
  }

  void on_host_event(const host::Event& e) {
    if (const auto* c = std::get_if<host::PeerConnected>(&e)) {
      const auto& p = c->connection.remote_peer;
      if (++conn_counts[p] != 1) return;
      peers.insert_or_assign(p, info_of(p));
      emit(PeerConnectEvent{peers.at(p)});
      each_handler([&](ProtocolHandler& h) { h.on_peer_connected(p); });
    } else if (const auto* d = std::get_if<host::PeerDisconnected>(&e)) {
      const auto& p = d->connection.remote_peer;
      auto it = conn_counts.find(p);
      if (it == conn_counts.end() || --it->second > 0) return;
      conn_counts.erase(it);
      auto info = info_of(p);
      peers.erase(p);
      emit(PeerDisconnectEvent{info});
      each_handler([&](ProtocolHandler& h) { h.on_peer_disconnected(p); });
    } else if (const auto* i = std::get_if<host::PeerIdentified>(&e)) {
      auto it = peers.find(i->peer);
      if (it == peers.end()) return;
      it->second.multiaddrs = i->info.addrs;
      it->second.public_key = i->info.public_key;
      it->second.last_seen = Clock::now();
      const PeerInfo info = it->second;
      emit(PeerUpdateEvent{info});
      each_handler([&](ProtocolHandler& h) { h.on_peer_updated(info); });
    }
  }

  void serve_handler_protocol(const std::shared_ptr<ProtocolHandler>& h);
};

namespace {

using ImplPtr = std::shared_ptr<Coordinator::Impl>;

// Inbound /lotus/message/1.0.0 stream (§2.5): read to EOF under the cap and the deadline.
asio::awaitable<void> serve_message_stream(ImplPtr d, host::Stream& s) {
  if (!d || !d->running()) {
    s.reset();
    co_return;
  }
  const mf::PeerId peer = s.remote_peer();
  if (auto a = d->security->admit_message(peer, Clock::now()); !a) {
    s.reset();
    d->refused(peer, a.error() == security_errc::banned ? "banned" : "rate_limited", a.error());
    d->disconnect_if_banned(peer);
    co_return;
  }
  const std::size_t cap = d->security->limits().max_p2p_message_size;
  const TimePoint deadline = Clock::now() + d->cfg.read_timeout;
  host::StreamReader in(s, kReadChunk);
  std::string text;
  while (true) {
    auto chunk = co_await in.read_some(deadline);
    if (!d->running()) co_return;
    if (!chunk) {
      if (in.timed_out()) d->refused(peer, "timeout", chunk.error());
      co_return;  // reset or connection closed: nothing to deliver (as the reference)
    }
    if (chunk->empty()) break;
    if (text.size() + chunk->size() > cap) {
      s.reset();
      d->invalid(peer, "oversized", make_error_code(message_errc::too_large), true);
      co_return;
    }
    text.append(as_string_view(*chunk));
  }
  if (text.empty()) {
    ++d->counters.refused["empty"];  // the reference ignores an empty stream silently
    co_return;
  }
  d->accept_text(peer, text, Via::direct, true);
}

asio::awaitable<void> serve_handler_stream(ImplPtr d, std::shared_ptr<ProtocolHandler> h, host::Stream& s) {
  if (!d || !d->running()) {
    s.reset();
    co_return;
  }
  const mf::PeerId peer = s.remote_peer();
  if (auto a = d->security->admit_message(peer, Clock::now()); !a) {
    s.reset();
    d->refused(peer, a.error() == security_errc::banned ? "banned" : "rate_limited", a.error());
    d->disconnect_if_banned(peer);
    co_return;
  }
  try {
    co_await h->handle_stream(s);
  } catch (const std::exception& ex) {
    LOTUS_LOG(warn, "coordinator", "stream handler " + h->protocol_name() + " threw: " + ex.what());
    s.reset();
  }
}

asio::awaitable<Status> send_wire(ImplPtr d, mf::PeerId peer, std::shared_ptr<const std::string> wire,
                                  std::string protocol) {
  auto s = co_await d->host.new_stream(peer, host::make_protocols(protocol));
  if (!s) {
    ++d->counters.send_failures;
    co_return s.error();
  }
  auto tracked = d->svc.track(*s);  // reset by stop()
  if (auto w = co_await s->write(as_bytes(*wire)); !w) {
    ++d->counters.send_failures;
    co_return w.error();
  }
  if (auto c = s->close_write(); !c) {
    ++d->counters.send_failures;
    co_return c.error();
  }
  ++d->counters.messages_out;
  co_return Status{};
}

struct Fanout {
  explicit Fanout(const asio::any_io_executor& ex) : sig(ex) {}
  runtime::Signal sig;
  std::size_t pending = 0, sent = 0, failed = 0;
};

asio::awaitable<void> broadcast_one(ImplPtr d, mf::PeerId peer, std::shared_ptr<const std::string> wire,
                                    std::string protocol, std::shared_ptr<Fanout> f) {
  auto st = co_await send_wire(d, peer, wire, protocol);
  if (st) {
    ++f->sent;
  } else {
    ++f->failed;
    LOTUS_LOG(debug, "coordinator", "broadcast to " + peer.to_string() + " failed: " + st.error().message());
  }
  --f->pending;
  f->sig.notify();
}

asio::awaitable<void> topic_reader(ImplPtr d, std::shared_ptr<Coordinator::Impl::TopicSub> ts) {
  while (true) {
    auto m = co_await ts->sub.next();
    if (!m || ts->closed || !d->running()) co_return;
    TopicMessage tm{ts->topic, std::move(m->data), std::nullopt, m->from, m->received_from};
    if (auto j = json::parse(as_string_view(tm.data))) tm.json = std::move(*j);
    try {
      ts->handler(tm);
    } catch (const std::exception& ex) {
      LOTUS_LOG(warn, "coordinator", "topic handler for " + ts->topic + " threw: " + ex.what());
    }
  }
}

// Our network-wide broadcast: envelopes on the GossipSub topic, de-duplicated with the direct
// path by the same seen-set.
asio::awaitable<void> broadcast_reader(ImplPtr d, std::shared_ptr<pubsub::Subscription> sub) {
  while (true) {
    auto m = co_await sub->next();
    if (!m || !d->running()) co_return;
    if (m->received_from == d->host.peer_id() && (!m->from || *m->from == d->host.peer_id())) continue;  // ours
    const mf::PeerId author = m->from ? *m->from : m->received_from;
    d->accept_text(author, as_string_view(m->data), Via::gossip, false);
  }
}

// GossipSub validator of the broadcast topic: malformed envelopes are rejected (not
// forwarded; GossipSub scores the forwarder), banned authors ignored.
asio::awaitable<pubsub::ValidationResult> validate_broadcast(ImplPtr d, pubsub::Message m) {
  if (!d) co_return pubsub::ValidationResult::ignore;
  if (m.from && !d->security->is_allowed(*m.from, Clock::now())) co_return pubsub::ValidationResult::ignore;
  if (m.data.size() > d->security->limits().max_p2p_message_size) co_return pubsub::ValidationResult::reject;
  auto msg = deserialize_and_validate(as_string_view(m.data), d->now_ms());
  co_return msg ? pubsub::ValidationResult::accept : pubsub::ValidationResult::reject;
}

asio::awaitable<void> cleanup_loop(ImplPtr d) {
  while (d->running()) {
    (void)co_await d->cleanup_sig.wait_until(Clock::now() + d->security->limits().dht_cleanup_interval);
    if (!d->running()) co_return;
    d->security->cleanup(Clock::now());
    d->intake.seen().expire(Clock::now());
  }
}

}  // namespace

void Coordinator::Impl::serve_handler_protocol(const std::shared_ptr<ProtocolHandler>& h) {
  const std::string pid = h->protocol_id();
  if (pid.empty() || pid == kMessageProtocolId) return;
  std::weak_ptr<Impl> weak = shared_from_this();
  svc.handle(
      pid, [weak, h](host::Stream& s) { return serve_handler_stream(weak.lock(), h, s); },
      host::ProtocolService::Run::in_host_task, "lotus protocol stream");
}

// ------------------------------------------------------------------------------ Coordinator

Coordinator::Coordinator(host::Host& host, Config config, pubsub::PubSub* pubsub, dht::Dht* dht, Rng& rng)
    : m_impl(std::make_shared<Impl>(host, std::move(config), pubsub, dht, rng)) {
  std::weak_ptr<Impl> weak = m_impl;
  m_impl->security->set_event_listener([weak](const SecurityEvent& e) {
    if (auto d = weak.lock()) d->emit(e);
  });
}

Coordinator::~Coordinator() {
  if (m_impl && m_impl->started && !m_impl->stopped) {
    m_impl->svc.request_stop();
    if (m_impl->gate_id) m_impl->host.remove_gate(*m_impl->gate_id);
  }
}

Status Coordinator::start() {
  auto& d = *m_impl;
  if (d.stopped || d.svc.stopping()) return coordinator_errc::stopped;
  if (d.started) return {};
  d.started = true;
  if (d.cfg.install_gate) d.gate_id = d.host.add_gate(d.security);
  std::weak_ptr<Impl> weak = m_impl;
  d.svc.listen([weak](const host::Event& e) {
    if (auto i = weak.lock()) i->on_host_event(e);
  });
  d.svc.on_stop([weak] {
    if (auto i = weak.lock()) {
      for (auto& [id, ts] : i->topic_subs) {
        ts->closed = true;
        ts->sub.close();
      }
      i->topic_subs.clear();
      i->cleanup_sig.notify();
    }
  });
  d.svc.handle(
      std::string(kMessageProtocolId), [weak](host::Stream& s) { return serve_message_stream(weak.lock(), s); },
      host::ProtocolService::Run::in_host_task, "lotus message");
  for (const auto& [name, h] : d.handlers) d.serve_handler_protocol(h);
  for (const auto& c : d.host.connections()) {
    if (++d.conn_counts[c.remote_peer] == 1) d.peers.insert_or_assign(c.remote_peer, d.info_of(c.remote_peer));
  }
  if (d.cfg.enable_network_broadcast && d.ps) {
    auto sub = d.ps->subscribe(d.cfg.broadcast_topic);
    if (!sub) return sub.error();
    d.ps->add_validator(d.cfg.broadcast_topic, [weak](mf::PeerId, pubsub::Message m) {
      return validate_broadcast(weak.lock(), std::move(m));
    });
    auto shared = std::make_shared<pubsub::Subscription>(std::move(*sub));
    d.svc.on_stop([shared] { shared->close(); });
    d.svc.spawn(broadcast_reader(m_impl, shared), "coordinator broadcast topic");
  }
  d.svc.spawn(cleanup_loop(m_impl), "coordinator cleanup");
  return {};
}

asio::awaitable<void> Coordinator::stop() {
  auto d = m_impl;
  if (!d->started || d->stopped) {
    d->stopped = true;
    co_return;
  }
  d->stopped = true;
  d->emit(ErrorEvent{make_error_code(coordinator_errc::stopped), "coordinator stopping"});
  if (d->ps && d->cfg.enable_network_broadcast) d->ps->remove_validator(d->cfg.broadcast_topic);
  co_await d->svc.stop();
  if (d->gate_id) {
    d->host.remove_gate(*d->gate_id);
    d->gate_id.reset();
  }
  d->handlers.clear();
  d->peers.clear();
  d->conn_counts.clear();
  d->intake.seen().clear();
}

bool Coordinator::running() const { return m_impl->running(); }
const mf::PeerId& Coordinator::peer_id() const { return m_impl->host.peer_id(); }
host::Host& Coordinator::host() const { return m_impl->host; }
SecurityManager& Coordinator::security() { return *m_impl->security; }
const SecurityManager& Coordinator::security() const { return *m_impl->security; }
std::shared_ptr<SecurityManager> Coordinator::security_ptr() const { return m_impl->security; }

Status Coordinator::register_protocol(std::shared_ptr<ProtocolHandler> handler) {
  auto& d = *m_impl;
  const std::string name = handler->protocol_name();
  if (d.handlers.count(name)) return coordinator_errc::protocol_registered;
  d.handlers.emplace(name, handler);
  if (d.running()) d.serve_handler_protocol(handler);
  return {};
}

Status Coordinator::unregister_protocol(const std::string& protocol_name) {
  auto& d = *m_impl;
  auto it = d.handlers.find(protocol_name);
  if (it == d.handlers.end()) return coordinator_errc::unknown_protocol;
  const std::string pid = it->second->protocol_id();
  d.handlers.erase(it);
  if (!pid.empty() && pid != kMessageProtocolId) d.svc.unhandle(pid);
  return {};
}

std::vector<std::string> Coordinator::protocols() const {
  std::vector<std::string> out;
  for (const auto& [name, h] : m_impl->handlers) out.push_back(name);
  return out;
}

P2PMessage Coordinator::create_message(std::string type, json::Value payload, MessageOptions options) {
  return coordinator::create_message(std::move(type), std::move(payload), m_impl->host.peer_id().to_base58(),
                                     m_impl->now_ms(), m_impl->rng, std::move(options));
}

asio::awaitable<Status> Coordinator::send_to(mf::PeerId peer, P2PMessage message, std::optional<std::string> protocol_id) {
  auto d = m_impl;
  if (!d->running()) co_return coordinator_errc::stopped;
  if (peer == d->host.peer_id()) co_return coordinator_errc::self;
  auto wire = std::make_shared<const std::string>(serialize(message));
  if (wire->size() > d->security->limits().max_p2p_message_size) co_return coordinator_errc::message_too_large;
  std::string protocol = protocol_id ? *protocol_id : std::string(kMessageProtocolId);
  co_return co_await send_wire(d, std::move(peer), std::move(wire), std::move(protocol));
}

asio::awaitable<BroadcastResult> Coordinator::broadcast(P2PMessage message, BroadcastOptions options) {
  auto d = m_impl;
  BroadcastResult out;
  if (!d->running()) co_return out;
  ++d->counters.broadcasts;
  auto wire = std::make_shared<const std::string>(serialize(message));
  if (wire->size() > d->security->limits().max_p2p_message_size) co_return out;
  // Our own message: never handled again if it comes back (gossip echo, a peer re-sending).
  d->intake.mark_own(message, Clock::now());

  // Targets (§2.6): connected peers with a non-relayed connection, minus exclude, within
  // included_only.
  std::set<mf::PeerId> direct, all;
  for (const auto& c : d->host.connections()) {
    all.insert(c.remote_peer);
    if (!relayed(c.remote_addr)) direct.insert(c.remote_peer);
  }
  std::vector<mf::PeerId> targets;
  for (const auto& p : direct) {
    if (std::find(options.exclude.begin(), options.exclude.end(), p) != options.exclude.end()) continue;
    if (options.included_only &&
        std::find(options.included_only->begin(), options.included_only->end(), p) == options.included_only->end())
      continue;
    targets.push_back(p);
  }
  out.targets = targets.size();
  const std::string protocol = options.protocol_id ? *options.protocol_id : std::string(kMessageProtocolId);
  auto fan = std::make_shared<Fanout>(d->host.io_context().get_executor());
  for (const auto& p : targets) {
    ++fan->pending;
    if (!d->svc.spawn(broadcast_one(d, p, wire, protocol, fan), "coordinator broadcast")) --fan->pending;
  }
  while (fan->pending > 0) co_await fan->sig.wait();
  out.sent = fan->sent;
  out.failed = fan->failed + (targets.size() - fan->sent - fan->failed);

  if (options.network_wide && d->cfg.enable_network_broadcast && d->ps && d->running()) {
    auto id = d->ps->publish(d->cfg.broadcast_topic, Bytes(wire->begin(), wire->end()));
    out.published = id.has_value();
    if (out.published) ++d->counters.published;
  }
  // Self-delivery to the handler named by protocol, from = self, no message event (§2.6).
  if (d->running() && message.protocol && d->handlers.count(*message.protocol)) {
    ++d->counters.self_deliveries;
    d->route(message, d->self_info());
  }
  co_return out;
}

Result<std::uint64_t> Coordinator::subscribe_to_topic(const std::string& topic, TopicHandler handler) {
  auto& d = *m_impl;
  if (!d.ps) return coordinator_errc::gossipsub_disabled;
  if (!d.running()) return coordinator_errc::stopped;
  auto sub = d.ps->subscribe(topic);
  if (!sub) return sub.error();
  auto ts = std::make_shared<Impl::TopicSub>();
  ts->id = d.next_sub++;
  ts->topic = topic;
  ts->handler = std::move(handler);
  ts->sub = std::move(*sub);
  d.topic_subs.emplace(ts->id, ts);
  if (!d.svc.spawn(topic_reader(m_impl, ts), "coordinator topic")) {
    d.topic_subs.erase(ts->id);
    return coordinator_errc::stopped;
  }
  return ts->id;
}

Status Coordinator::unsubscribe(std::uint64_t subscription) {
  auto& d = *m_impl;
  auto it = d.topic_subs.find(subscription);
  if (it == d.topic_subs.end()) return coordinator_errc::unknown_protocol;
  it->second->closed = true;
  it->second->sub.close();
  d.topic_subs.erase(it);
  return {};
}

Status Coordinator::unsubscribe_from_topic(const std::string& topic) {
  auto& d = *m_impl;
  if (!d.ps) return coordinator_errc::gossipsub_disabled;
  for (auto it = d.topic_subs.begin(); it != d.topic_subs.end();) {
    if (it->second->topic == topic) {
      it->second->closed = true;
      it->second->sub.close();
      it = d.topic_subs.erase(it);
    } else {
      ++it;
    }
  }
  return {};
}

Status Coordinator::publish_to_topic(const std::string& topic, const json::Value& payload) {
  auto& d = *m_impl;
  if (!d.ps) return coordinator_errc::gossipsub_disabled;
  const std::string text = json::stringify(payload);
  auto id = d.ps->publish(topic, Bytes(text.begin(), text.end()));
  if (!id) return id.error();
  ++d.counters.published;
  return {};
}

Result<std::vector<mf::PeerId>> Coordinator::topic_peers(const std::string& topic) const {
  if (!m_impl->ps) return coordinator_errc::gossipsub_disabled;
  return m_impl->ps->topic_peers(topic);
}

asio::awaitable<Status> Coordinator::connect_to_peer(mf::Multiaddr addr) {
  auto d = m_impl;
  auto r = co_await d->host.dial(std::move(addr));
  if (!r) co_return r.error();
  co_return Status{};
}

void Coordinator::disconnect_from_peer(const mf::PeerId& peer) { m_impl->host.disconnect(peer); }

std::vector<PeerInfo> Coordinator::connected_peers() const {
  std::vector<PeerInfo> out;
  for (const auto& [p, info] : m_impl->peers) out.push_back(info);
  return out;
}

std::optional<PeerInfo> Coordinator::peer(const mf::PeerId& p) const {
  auto it = m_impl->peers.find(p);
  if (it == m_impl->peers.end()) return std::nullopt;
  return it->second;
}

bool Coordinator::is_connected(const mf::PeerId& p) const { return m_impl->host.is_connected(p); }

void Coordinator::peer_discovered(PeerInfo info) {
  auto& d = *m_impl;
  if (info.peer_id == d.host.peer_id()) return;
  if (!info.multiaddrs.empty()) d.host.peer_store().add_addrs(info.peer_id, info.multiaddrs);
  d.emit(PeerDiscoveryEvent{info});
  d.each_handler([&](ProtocolHandler& h) { h.on_peer_discovered(info); });
}

std::uint64_t Coordinator::add_listener(EventListener listener) {
  const auto id = m_impl->next_listener++;
  m_impl->listeners.emplace(id, std::move(listener));
  return id;
}

void Coordinator::remove_listener(std::uint64_t id) { m_impl->listeners.erase(id); }

Stats Coordinator::stats() const {
  const auto& d = *m_impl;
  Stats s = d.counters;
  s.peer_id = d.host.peer_id().to_base58();
  s.peers_connected = d.peers.size();
  s.peers_total = d.host.peer_store().size();
  if (d.dht) {
    s.dht_enabled = true;
    s.dht_mode = d.dht->is_server() ? "server" : "client";
    s.dht_routing_table_size = d.dht->routing_table().size();
    s.dht_local_records = d.dht->record_store().size();
  }
  for (const auto& a : d.host.full_addrs()) s.multiaddrs.push_back(a.to_string());
  return s;
}

void Coordinator::cleanup() {
  m_impl->security->cleanup(Clock::now());
  m_impl->intake.seen().expire(Clock::now());
}

}  // namespace lotus::coordinator
