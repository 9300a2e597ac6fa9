// Control API methods of the coordinator (see control_coordinator.hpp).
#include "node/control_coordinator.hpp"

#include <deque>
#include <memory>

#include "runtime/asio.hpp"
#include "runtime/signal.hpp"

namespace lotus::node {

namespace co = lotus::coordinator;

namespace {

// nlohmann → JS value (objects: nlohmann's key order, alphabetical).
co::json::Value to_js(const Json& j, int depth = 0) {
  if (depth > 64) return co::json::Value();
  switch (j.type()) {
    case Json::value_t::boolean: return co::json::Value(j.get<bool>());
    case Json::value_t::number_integer: return co::json::Value(static_cast<double>(j.get<std::int64_t>()));
    case Json::value_t::number_unsigned: return co::json::Value(static_cast<double>(j.get<std::uint64_t>()));
    case Json::value_t::number_float: return co::json::Value(j.get<double>());
    case Json::value_t::string: return co::json::Value(j.get<std::string>());
    case Json::value_t::array: {
      co::json::Array a;
      for (const auto& e : j) a.push_back(to_js(e, depth + 1));
      return co::json::Value(std::move(a));
    }
    case Json::value_t::object: {
      co::json::Object o;
      for (const auto& [k, v] : j.items()) o.set(k, to_js(v, depth + 1));
      return co::json::Value(std::move(o));
    }
    default: return co::json::Value();
  }
}

std::optional<std::string> opt_string(const Json& req, const char* key, bool& bad) {
  if (!req.contains(key)) return std::nullopt;
  if (!req[key].is_string() || req[key].get_ref<const std::string&>().empty()) {
    bad = true;
    return std::nullopt;
  }
  return req[key].get<std::string>();
}

// The message of a send/broadcast request; nullopt: malformed.
std::optional<co::P2PMessage> message_of(co::Coordinator& c, const Json& req) {
  if (!req.is_object()) return std::nullopt;
  bool bad = false;
  auto type = opt_string(req, "type", bad);
  auto protocol = opt_string(req, "protocol", bad);
  auto to = opt_string(req, "to", bad);
  if (bad || !type) return std::nullopt;
  co::json::Value payload;
  if (req.contains("payload_json")) {
    if (!req["payload_json"].is_string()) return std::nullopt;
    auto v = co::json::parse(req["payload_json"].get_ref<const std::string&>());
    if (!v) return std::nullopt;
    payload = std::move(*v);
  } else if (req.contains("payload")) {
    payload = to_js(req["payload"]);
  } else {
    payload = co::json::Object{};
  }
  co::MessageOptions o;
  o.protocol = protocol;
  o.to = to;
  return c.create_message(*type, std::move(payload), std::move(o));
}

asio::awaitable<Result<Json>> send(co::Coordinator& c, Json req) {
  auto m = message_of(c, req);
  if (!m || !req.contains("peer") || !req["peer"].is_string()) co_return co::coordinator_errc::bad_request;
  auto peer = mf::PeerId::parse(req["peer"].get<std::string>());
  if (!peer) co_return co::coordinator_errc::bad_request;
  const std::size_t bytes = co::serialize(*m).size();
  const std::string id = m->message_id;
  auto st = co_await c.send_to(*peer, std::move(*m));
  if (!st) co_return st.error();
  co_return Json{{"message_id", id}, {"bytes", bytes}};
}

asio::awaitable<Result<Json>> broadcast(co::Coordinator& c, Json req) {
  auto m = message_of(c, req);
  if (!m) co_return co::coordinator_errc::bad_request;
  co::BroadcastOptions o;
  if (req.contains("network_wide")) {
    if (!req["network_wide"].is_boolean()) co_return co::coordinator_errc::bad_request;
    o.network_wide = req["network_wide"].get<bool>();
  }
  if (req.contains("exclude")) {
    if (!req["exclude"].is_array()) co_return co::coordinator_errc::bad_request;
    for (const auto& e : req["exclude"]) {
      if (!e.is_string()) co_return co::coordinator_errc::bad_request;
      auto p = mf::PeerId::parse(e.get<std::string>());
      if (!p) co_return co::coordinator_errc::bad_request;
      o.exclude.push_back(*p);
    }
  }
  const std::size_t bytes = co::serialize(*m).size();
  const std::string id = m->message_id;
  auto r = co_await c.broadcast(std::move(*m), std::move(o));
  co_return Json{{"message_id", id}, {"bytes", bytes},     {"targets", r.targets},
                 {"sent", r.sent},   {"failed", r.failed}, {"published", r.published}};
}

struct MessageQueue {
  explicit MessageQueue(const asio::any_io_executor& ex) : sig(ex) {}
  runtime::Signal sig;
  std::deque<Json> items;
  std::size_t bytes = 0;
  bool overflow = false;
  bool closed = false;
};

// Removes the listener when the stream ends.
struct ListenerGuard {
  co::Coordinator* c;
  std::uint64_t id;
  ~ListenerGuard() { c->remove_listener(id); }
};

asio::awaitable<Status> messages(co::Coordinator& c, std::size_t max_bytes, Json, Emit emit) {
  if (!c.running()) co_return co::coordinator_errc::stopped;
  auto q = std::make_shared<MessageQueue>(c.host().io_context().get_executor());
  const auto id = c.add_listener([q, max_bytes](const co::Event& e) {
    if (const auto* err = std::get_if<co::ErrorEvent>(&e); err && err->error == co::coordinator_errc::stopped) {
      q->closed = true;
      q->sig.notify();
      return;
    }
    const auto* m = std::get_if<co::MessageEvent>(&e);
    if (!m || q->overflow) return;
    std::string text = co::serialize(m->message);
    Json j{{"peer", m->from.peer_id.to_string()},
           {"via", m->via == co::Via::gossip ? "gossip" : "direct"},
           {"type", m->message.type},
           {"message_id", m->message.message_id}};
    if (m->message.protocol) j["protocol"] = *m->message.protocol;
    q->bytes += text.size();
    j["text"] = std::move(text);
    if (q->bytes > max_bytes) q->overflow = true;
    else q->items.push_back(std::move(j));
    q->sig.notify();
  });
  ListenerGuard guard{&c, id};
  while (true) {
    bool idle = false;
    while (q->items.empty() && !q->overflow && !q->closed && !idle)
      idle = !co_await q->sig.wait_until(Clock::now() + kStreamHeartbeat);
    if (idle && q->items.empty() && !q->overflow && !q->closed) {  // is the client still there?
      auto alive = co_await emit(heartbeat_item());
      if (!alive) co_return Status{};
      continue;
    }
    if (q->overflow) co_return co::coordinator_errc::slow_consumer;
    if (q->items.empty()) co_return Status{};  // closed
    Json item = std::move(q->items.front());
    q->items.pop_front();
    q->bytes -= item["text"].get_ref<const std::string&>().size();
    auto st = co_await emit(std::move(item));
    if (!st) co_return Status{};  // the client went away
  }
}

}  // namespace

void register_coordinator_methods(ControlRouter& router, co::Coordinator& c, std::size_t max_stream_bytes) {
  co::Coordinator* p = &c;
  router.add({"p2p.send", "send a P2PMessage {peer, type, payload|payload_json, protocol?, to?} -> {message_id, bytes}",
              [p](Json req) { return send(*p, std::move(req)); }, {}});
  router.add({"p2p.broadcast",
              "broadcast a P2PMessage {type, payload|payload_json, protocol?, network_wide?, exclude?} -> "
              "{message_id, targets, sent, failed, published}",
              [p](Json req) { return broadcast(*p, std::move(req)); }, {}});
  router.add({"p2p.messages", "stream the P2PMessages that arrive {} -> stream of {peer, via, type, message_id, text}",
              {}, [p, max_stream_bytes](Json req, Emit emit) {
                return messages(*p, max_stream_bytes, std::move(req), std::move(emit));
              }});
}

}  // namespace lotus::node
