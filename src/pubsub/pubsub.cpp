#include "pubsub/pubsub.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include "base/log.hpp"
#include "host/drive.hpp"
#include "host/protocol_service.hpp"
#include "proto/gossipsub/frame_decoder.hpp"
#include "proto/record/peer_record.hpp"
#include "runtime/asio.hpp"
#include "runtime/signal.hpp"

namespace lotus::pubsub {

Config reference_config() {
  Config c;
  c.router.allow_publish_to_zero_peers = true;
  c.router.emit_self = true;
  c.router.do_px = true;
  return c;
}

// ------------------------------------------------------------------------------ Subscription

struct Subscription::State {
  State(const asio::any_io_executor& ex, std::string t, std::size_t cap, std::size_t cap_bytes,
        std::weak_ptr<PubSub::Impl> o)
      : topic(std::move(t)), capacity(cap), capacity_bytes(cap_bytes), signal(ex), owner(std::move(o)) {}
  std::string topic;
  std::size_t capacity;
  std::size_t capacity_bytes;  // of the queued messages' data
  std::size_t queued_bytes = 0;
  Message pop() {
    Message m = std::move(queue.front());
    queue.pop_front();
    queued_bytes -= m.data.size();
    return m;
  }
  runtime::Signal signal;
  std::weak_ptr<PubSub::Impl> owner;
  std::deque<Message> queue;
  std::uint64_t dropped = 0;
  bool closed = false;
};

namespace {
void release_subscription(const std::shared_ptr<Subscription::State>& st);
}

Subscription::Subscription(Subscription&&) noexcept = default;
Subscription& Subscription::operator=(Subscription&& o) noexcept {
  if (this != &o) {
    close();
    m_state = std::move(o.m_state);
  }
  return *this;
}
Subscription::~Subscription() { close(); }

const std::string& Subscription::topic() const { return m_state->topic; }
std::size_t Subscription::queued() const { return m_state ? m_state->queue.size() : 0; }
std::size_t Subscription::queued_bytes() const { return m_state ? m_state->queued_bytes : 0; }
std::uint64_t Subscription::dropped() const { return m_state ? m_state->dropped : 0; }
bool Subscription::closed() const { return !m_state || m_state->closed; }

void Subscription::close() {
  if (m_state && !m_state->closed) release_subscription(m_state);
}

std::optional<Message> Subscription::try_next() {
  if (!m_state || m_state->queue.empty()) return std::nullopt;
  return m_state->pop();
}

asio::awaitable<Result<Message>> Subscription::next() {
  auto st = m_state;  // the frame co-owns the state (and its Signal)
  if (!st) co_return errc::subscription_closed;
  while (true) {
    if (!st->queue.empty()) co_return st->pop();
    if (st->closed) co_return errc::subscription_closed;
    co_await st->signal.wait();
  }
}

asio::awaitable<std::optional<Result<Message>>> Subscription::next_until(TimePoint deadline) {
  auto st = m_state;
  if (!st) co_return Result<Message>(errc::subscription_closed);
  while (true) {
    if (!st->queue.empty()) co_return Result<Message>(st->pop());
    if (st->closed) co_return Result<Message>(errc::subscription_closed);
    if (!co_await st->signal.wait_until(deadline)) co_return std::nullopt;
  }
}

// ------------------------------------------------------------------------------ Impl

namespace {

struct PeerState {
  explicit PeerState(const asio::any_io_executor& ex) : wake(ex) {}
  runtime::Signal wake;          // wakes the writer
  std::deque<Bytes> queue;       // encoded frames
  std::size_t queued_bytes = 0;
  bool writer = false;           // writer task running (opening or open)
  bool in_router = false;
  bool closed = false;           // peer dropped: its tasks end
  std::size_t inbound = 0;       // active inbound streams
  std::shared_ptr<host::Stream> outbound;
};

std::optional<std::uint64_t> seqno_of(const gs::Message& m) {
  if (!m.seqno || m.seqno->size() != gs::kSeqnoSize) return std::nullopt;
  std::uint64_t v = 0;
  for (auto b : *m.seqno) v = v << 8 | b;
  return v;
}

Message to_app(const MessageId& id, const gs::Message& m, const mf::PeerId& source) {
  Message out{id, m.topic, m.data, std::nullopt, seqno_of(m), source};
  if (m.from) {
    if (auto p = mf::PeerId::from_bytes(*m.from)) out.from = std::move(*p);
  }
  return out;
}

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace

struct PubSub::Impl : std::enable_shared_from_this<PubSub::Impl> {
  Impl(host::Host& h, crypto::PrivateKey k, Config c, Rng& rng)
      : host(h),
        key(std::move(k)),
        cfg(std::move(c)),
        router(h.peer_id(), &key, cfg.router, rng, Clock::now()),
        svc(h),
        heartbeat_wake(h.io_context().get_executor()) {}

  struct PendingValidation {
    Validator validator;
    mf::PeerId source;
    Message message;
  };

  host::Host& host;
  crypto::PrivateKey key;
  Config cfg;
  gs::Router router;
  host::ProtocolService svc;  // handlers, listener, inbound streams, tasks
  runtime::Signal heartbeat_wake;
  bool started = false;
  std::map<mf::PeerId, std::shared_ptr<PeerState>> peers;
  std::map<std::string, std::vector<std::shared_ptr<Subscription::State>>> subs;
  std::map<std::string, Validator> validators;
  std::vector<PendingValidation> to_validate;
  std::set<mf::PeerId> px_dialing;
  std::vector<std::weak_ptr<runtime::Signal>> change_waiters;
  Stats stats;

  void notify_change() {
    auto w = std::move(change_waiters);
    change_waiters.clear();
    for (auto& x : w)
      if (auto sig = x.lock()) sig->notify();
  }

  bool stopping() const noexcept { return svc.stopping(); }
  bool running() const { return started && !stopping(); }

  // Stop: every peer is closed (writers end, outbound streams reset), every subscription
  // closed, the heartbeat and wait_until() waiters woken.
  void close_all() {
    for (auto& [p, st] : peers) {
      st->closed = true;
      st->wake.notify();
      if (st->outbound) st->outbound->reset();
    }
    for (auto& [t, v] : subs)
      for (auto& s : v) {
        s->closed = true;
        s->signal.notify();
      }
    subs.clear();
    heartbeat_wake.notify();
    notify_change();
  }

  std::shared_ptr<PeerState> peer_state(const mf::PeerId& p) {
    auto& slot = peers[p];
    if (!slot || slot->closed) slot = std::make_shared<PeerState>(host.io_context().get_executor());
    return slot;
  }

  // Forgets a peer state that never made it into the router and has no task left.
  void forget_if_idle(const mf::PeerId& p, const std::shared_ptr<PeerState>& st) {
    if (st->in_router || st->writer || st->inbound != 0) return;
    auto it = peers.find(p);
    if (it != peers.end() && it->second == st) peers.erase(it);
  }

  void drop_peer(const mf::PeerId& p, const std::shared_ptr<PeerState>& st) {
    if (st->closed) return;
    st->closed = true;
    st->queue.clear();
    st->queued_bytes = 0;
    if (st->in_router) {
      (void)router.remove_peer(p, Clock::now());
      st->in_router = false;
    }
    st->wake.notify();
    if (st->outbound) st->outbound->reset();
    auto it = peers.find(p);
    if (it != peers.end() && it->second == st) peers.erase(it);
    drain();
  }

  std::string ip_of(const mf::PeerId& p) const {
    for (const auto& c : host.connections()) {
      if (c.remote_peer != p) continue;
      if (auto v = c.remote_addr.value_of(mf::proto::ip4)) return *v;
      if (auto v = c.remote_addr.value_of(mf::proto::ip6)) return *v;
    }
    return {};
  }

  void register_peer(const mf::PeerId& p, const std::shared_ptr<PeerState>& st, gs::Protocol proto, bool outbound) {
    if (st->in_router || st->closed) return;
    if (router.add_peer(p, proto, outbound, ip_of(p), Clock::now())) st->in_router = true;
    drain();
  }

  bool supports_pubsub(const std::vector<std::string>& protocols) const {
    return std::any_of(protocols.begin(), protocols.end(), [&](const std::string& x) {
      return std::find(cfg.protocols.begin(), cfg.protocols.end(), x) != cfg.protocols.end();
    });
  }

  void ensure_outbound(const mf::PeerId& p);
  void on_host_event(const host::Event& e);
  void drain();
  void deliver(const gs::Delivered& d);
  void exchange(const gs::PeerExchange& px);
  void release(const std::shared_ptr<Subscription::State>& st);
  void close_topic(const std::string& topic);
  ValidationResult validate(const mf::PeerId& src, const gs::Message& msg, const MessageId& id);
};

namespace {

void release_subscription(const std::shared_ptr<Subscription::State>& st) {
  if (auto impl = st->owner.lock()) {
    impl->release(st);
  } else {
    st->closed = true;
    st->signal.notify();
  }
}

asio::awaitable<void> writer_task(std::shared_ptr<PubSub::Impl> impl, mf::PeerId peer,
                                  std::shared_ptr<PeerState> st) {
  auto opened = co_await impl->host.new_stream(peer, impl->cfg.protocols);
  if (!opened) {
    ++impl->stats.outbound_open_failures;
    st->writer = false;
    impl->forget_if_idle(peer, st);
    co_return;
  }
  auto stream = std::make_shared<host::Stream>(std::move(*opened));
  const auto proto = gs::protocol_from_id(stream->protocol());
  if (st->closed || impl->stopping() || !proto) {
    stream->reset();
    st->writer = false;
    impl->forget_if_idle(peer, st);
    co_return;
  }
  st->outbound = stream;
  ++impl->stats.streams_outbound;
  impl->register_peer(peer, st, *proto, true);

  bool failed = false;
  Bytes batch;
  while (true) {
    while (st->queue.empty() && !st->closed && !impl->stopping()) co_await st->wake.wait();
    if (st->closed || impl->stopping()) break;
    batch.clear();
    while (!st->queue.empty() &&
           (batch.empty() || batch.size() + st->queue.front().size() <= impl->cfg.max_batch_bytes)) {
      auto& f = st->queue.front();
      batch.insert(batch.end(), f.begin(), f.end());
      st->queued_bytes -= f.size();
      st->queue.pop_front();
      ++impl->stats.frames_sent;
    }
    auto w = co_await stream->write(batch);
    if (!w) {
      failed = true;
      break;
    }
  }
  stream->reset();
  st->outbound.reset();
  st->writer = false;
  if (failed) impl->drop_peer(peer, st);
}

// One inbound pubsub stream, as a task of the service's scope (the scaffold owns `stream`, and
// resets it on stop, for the whole call).
asio::awaitable<void> inbound_task(std::shared_ptr<PubSub::Impl> impl, host::Stream& stream) {
  if (!impl) co_return;
  const mf::PeerId peer = stream.remote_peer();
  const auto proto = gs::protocol_from_id(stream.protocol());
  if (!proto || impl->stopping()) {
    stream.reset();
    co_return;
  }
  auto st = impl->peer_state(peer);
  if (st->inbound >= impl->cfg.max_inbound_streams_per_peer) {
    ++impl->stats.streams_refused;
    stream.reset();
    co_return;
  }
  ++st->inbound;
  ++impl->stats.streams_inbound;
  impl->register_peer(peer, st, *proto, false);
  impl->ensure_outbound(peer);

  host::FramedReader in(stream, gs::FrameDecoder(impl->cfg.router.limits), impl->cfg.read_buffer);
  while (!st->closed && !impl->stopping()) {
    auto rpc = co_await in.next();
    if (!rpc) {
      ++impl->stats.rpcs_malformed;
      LOTUS_LOG(debug, "pubsub", "malformed RPC from " + peer.to_string() + ": " + rpc.error().message());
      impl->host.penalize(peer, "gossipsub_malformed_rpc", impl->cfg.penalty_malformed_rpc);
      stream.reset();
      break;
    }
    if (!*rpc || st->closed || impl->stopping()) break;
    ++impl->stats.rpcs_received;
    if (st->in_router) (void)impl->router.on_rpc(peer, **rpc, Clock::now());
    impl->drain();
  }
  --st->inbound;
  if (!st->closed && st->in_router && !impl->host.is_connected(peer)) impl->drop_peer(peer, st);
  impl->forget_if_idle(peer, st);
}

asio::awaitable<void> heartbeat_task(std::shared_ptr<PubSub::Impl> impl) {
  while (!impl->stopping()) {
    const auto now = Clock::now();
    if (now >= impl->router.deadline()) {
      impl->router.on_heartbeat(now);
      impl->drain();
      continue;
    }
    (void)co_await impl->heartbeat_wake.wait_until(impl->router.deadline());
  }
}

asio::awaitable<void> validate_task(std::shared_ptr<PubSub::Impl> impl, Validator validator, mf::PeerId source,
                                    Message message) {
  ValidationResult r = ValidationResult::ignore;
  try {
    r = co_await validator(source, message);
  } catch (const std::exception& e) {
    LOTUS_LOG(error, "pubsub", std::string("validator threw: ") + e.what());
  }
  if (r == ValidationResult::pending) r = ValidationResult::ignore;
  if (impl->stopping()) co_return;
  (void)impl->router.report_validation(message.id, r, Clock::now());
  impl->drain();
}

asio::awaitable<void> px_dial_task(std::shared_ptr<PubSub::Impl> impl, mf::PeerId peer) {
  ++impl->stats.px_dials;
  (void)co_await impl->host.connect(peer);  // identify then opens the pubsub stream
  impl->px_dialing.erase(peer);
}

}  // namespace

void PubSub::Impl::ensure_outbound(const mf::PeerId& p) {
  if (!running() || p == host.peer_id()) return;
  auto st = peer_state(p);
  if (st->writer) return;
  st->writer = true;
  if (!svc.spawn(writer_task(shared_from_this(), p, st), "pubsub writer")) st->writer = false;
}

void PubSub::Impl::on_host_event(const host::Event& e) {
  if (!running()) return;
  if (const auto* id = std::get_if<host::PeerIdentified>(&e)) {
    if (supports_pubsub(id->info.protocols)) ensure_outbound(id->peer);
  } else if (const auto* d = std::get_if<host::PeerDisconnected>(&e)) {
    const auto& p = d->connection.remote_peer;
    if (host.is_connected(p)) return;
    auto it = peers.find(p);
    if (it != peers.end()) drop_peer(p, std::shared_ptr<PeerState>(it->second));
  }
}

ValidationResult PubSub::Impl::validate(const mf::PeerId& src, const gs::Message& msg, const MessageId& id) {
  auto it = validators.find(msg.topic);
  if (it == validators.end()) return ValidationResult::accept;
  if (router.pending_validations() >= cfg.router.max_pending_validations) return ValidationResult::ignore;
  to_validate.push_back(PendingValidation{it->second, src, to_app(id, msg, src)});
  return ValidationResult::pending;
}

void PubSub::Impl::drain() {
  while (auto ev = router.poll_event()) {
    std::visit(Overloaded{
                   [&](gs::SendRpc& s) {
                     auto it = peers.find(s.peer);
                     if (it == peers.end() || it->second->closed) {
                       ++stats.frames_dropped;
                       return;
                     }
                     auto& st = *it->second;
                     Bytes frame = gs::encode_frame(s.rpc);
                     if (st.queue.size() >= cfg.max_queued_rpcs ||
                         st.queued_bytes + frame.size() > cfg.max_queued_bytes) {
                       ++stats.frames_dropped;
                       return;
                     }
                     st.queued_bytes += frame.size();
                     st.queue.push_back(std::move(frame));
                     st.wake.notify();
                   },
                   [&](gs::Delivered& d) { deliver(d); },
                   [&](gs::PeerExchange& px) { exchange(px); },
               },
               *ev);
  }
  if (!to_validate.empty()) {
    auto batch = std::move(to_validate);
    to_validate.clear();
    for (auto& v : batch) {
      ++stats.validations_started;
      const MessageId id = v.message.id;
      if (!svc.spawn(validate_task(shared_from_this(), std::move(v.validator), std::move(v.source),
                                   std::move(v.message)),
                     "pubsub validator")) {
        (void)router.report_validation(id, ValidationResult::ignore, Clock::now());
      }
    }
    drain();  // verdicts reported above (stopping) may have produced events
  }
  notify_change();
}

void PubSub::Impl::deliver(const gs::Delivered& d) {
  auto it = subs.find(d.message.topic);
  if (it == subs.end()) return;
  const Message m = to_app(d.id, d.message, d.source);
  for (auto& s : it->second) {
    if (s->closed) continue;
    if (s->queue.size() >= s->capacity || s->queued_bytes + m.data.size() > s->capacity_bytes) {
      ++s->dropped;
      ++stats.deliveries_dropped;
      continue;
    }
    s->queued_bytes += m.data.size();
    s->queue.push_back(m);
    s->signal.notify();
  }
}

void PubSub::Impl::exchange(const gs::PeerExchange& px) {
  if (!cfg.router.do_px || !running()) return;
  for (const auto& info : px.peers) {
    if (px_dialing.size() >= cfg.max_px_dials) break;
    auto pid = mf::PeerId::from_bytes(info.peer_id);
    if (!pid || *pid == host.peer_id() || host.is_connected(*pid) || px_dialing.count(*pid)) continue;
    if (info.signed_peer_record) {
      auto rec = proto::record::open_peer_record(*info.signed_peer_record);
      if (rec && rec->record.peer_id == *pid) host.peer_store().add_addrs(*pid, rec->record.addresses);
    }
    auto known = host.peer_store().get(*pid);
    if (!known || known->addrs.empty()) continue;
    px_dialing.insert(*pid);
    if (!svc.spawn(px_dial_task(shared_from_this(), *pid), "pubsub px dial")) px_dialing.erase(*pid);
  }
}

void PubSub::Impl::release(const std::shared_ptr<Subscription::State>& st) {
  st->closed = true;
  st->signal.notify();
  auto it = subs.find(st->topic);
  if (it == subs.end()) return;
  auto& v = it->second;
  v.erase(std::remove(v.begin(), v.end(), st), v.end());
  if (v.empty()) {
    subs.erase(it);
    if (router.subscribed(st->topic)) {
      (void)router.unsubscribe(st->topic, Clock::now());
      drain();
    }
  }
}

void PubSub::Impl::close_topic(const std::string& topic) {
  auto it = subs.find(topic);
  if (it == subs.end()) return;
  auto v = std::move(it->second);
  subs.erase(it);
  for (auto& s : v) {
    s->closed = true;
    s->signal.notify();
  }
}

// ------------------------------------------------------------------------------ PubSub

PubSub::PubSub(host::Host& host, crypto::PrivateKey key, Config config, Rng& rng)
    : m_impl(std::make_shared<Impl>(host, std::move(key), std::move(config), rng)) {
  Impl* impl = m_impl.get();  // the router (a member of Impl) never outlives it
  m_impl->router.set_validator([impl](const mf::PeerId& src, const gs::Message& msg, const MessageId& id) {
    return impl->validate(src, msg, id);
  });
}

PubSub::~PubSub() {
  // Without stop(): detach from the host and ask every task to end; the tasks keep the Impl
  // alive until they did. Subscriptions are closed (close_all) so that no waiter hangs.
  if (m_impl) m_impl->svc.request_stop();
}

Status PubSub::start() {
  auto& impl = *m_impl;
  if (impl.stopping()) return errc::stopped;
  if (impl.started) return {};
  impl.started = true;
  std::weak_ptr<Impl> weak = m_impl;
  impl.svc.listen([weak](const host::Event& e) {
    if (auto i = weak.lock()) i->on_host_event(e);
  });
  impl.svc.on_stop([weak] {  // after the scaffold reset the inbound streams
    if (auto i = weak.lock()) i->close_all();
  });
  // Inbound streams run as tasks of our scope (stop() joins them); the service bounds them
  // itself (max_inbound_streams_per_peer).
  for (const auto& p : impl.cfg.protocols) {
    impl.svc.handle(p, [weak](host::Stream& s) { return inbound_task(weak.lock(), s); },
                    host::ProtocolService::Run::in_scope, "pubsub inbound");
  }
  impl.svc.spawn(heartbeat_task(m_impl), "pubsub heartbeat");
  for (const auto& c : impl.host.connections()) {
    auto info = impl.host.peer_store().get(c.remote_peer);
    if (info && impl.supports_pubsub(info->protocols)) impl.ensure_outbound(c.remote_peer);
  }
  return {};
}

asio::awaitable<void> PubSub::stop() {
  auto impl = m_impl;
  co_await impl->svc.stop();
  impl->peers.clear();
}

Result<Subscription> PubSub::subscribe(const std::string& topic) {
  return subscribe(topic, SubscribeOptions{m_impl->cfg.subscription_queue, m_impl->cfg.subscription_queue_bytes});
}

Result<Subscription> PubSub::subscribe(const std::string& topic, SubscribeOptions options) {
  auto& impl = *m_impl;
  if (!impl.running()) return errc::stopped;
  auto& v = impl.subs[topic];
  if (v.empty() && !impl.router.subscribed(topic)) {
    if (auto st = impl.router.subscribe(topic, Clock::now()); !st) {
      impl.subs.erase(topic);
      return st.error();
    }
  }
  auto state = std::make_shared<Subscription::State>(impl.host.io_context().get_executor(), topic,
                                                     options.max_messages, options.max_bytes, m_impl);
  impl.subs[topic].push_back(state);
  impl.drain();
  return Subscription(std::move(state));
}

Status PubSub::unsubscribe(const std::string& topic) {
  auto& impl = *m_impl;
  if (!impl.subs.count(topic)) return errc::not_subscribed;
  impl.close_topic(topic);
  if (impl.router.subscribed(topic)) (void)impl.router.unsubscribe(topic, Clock::now());
  impl.drain();
  return {};
}

Result<MessageId> PubSub::publish(const std::string& topic, Bytes data) {
  auto& impl = *m_impl;
  if (!impl.running()) return errc::stopped;
  auto r = impl.router.publish(topic, std::move(data), Clock::now());
  impl.drain();
  return r;
}

void PubSub::add_validator(const std::string& topic, Validator validator) {
  m_impl->validators[topic] = std::move(validator);
}
void PubSub::remove_validator(const std::string& topic) { m_impl->validators.erase(topic); }

std::vector<mf::PeerId> PubSub::topic_peers(const std::string& topic) const {
  auto s = m_impl->router.topic_peers(topic);
  return {s.begin(), s.end()};
}
std::vector<mf::PeerId> PubSub::mesh_peers(const std::string& topic) const {
  auto s = m_impl->router.mesh(topic);
  return {s.begin(), s.end()};
}
std::vector<mf::PeerId> PubSub::peers() const { return m_impl->router.peers(); }
std::vector<std::string> PubSub::topics() const { return m_impl->router.subscriptions(); }
std::size_t PubSub::queued_frames(const mf::PeerId& peer) const {
  auto it = m_impl->peers.find(peer);
  return it == m_impl->peers.end() ? 0 : it->second->queue.size();
}
asio::awaitable<bool> PubSub::wait_until(std::function<bool()> pred, TimePoint deadline) {
  auto impl = m_impl;
  auto sig = std::make_shared<runtime::Signal>(impl->host.io_context().get_executor());
  while (!pred()) {
    if (impl->stopping()) co_return false;
    impl->change_waiters.push_back(sig);
    if (!co_await sig->wait_until(deadline)) co_return pred();
  }
  co_return true;
}

const mf::PeerId& PubSub::local_peer() const { return m_impl->router.local_peer(); }
const gs::Router& PubSub::router() const { return m_impl->router; }
const Stats& PubSub::stats() const { return m_impl->stats; }
bool PubSub::running() const { return m_impl->running(); }

}  // namespace lotus::pubsub
