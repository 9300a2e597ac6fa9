#include "node/control_methods.hpp"

#include "host/host.hpp"
#include "node/errors.hpp"
#include "node/node.hpp"
#include "runtime/asio.hpp"

namespace lotus::node {

namespace {

std::vector<std::string> to_strings(const std::vector<mf::Multiaddr>& v) {
  std::vector<std::string> out;
  for (const auto& a : v) out.push_back(a.to_string());
  return out;
}

double ms(Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// A request's target: {"peer": "<id>"} or {"addr": "<multiaddr>"} (a multiaddr in "peer" is
// accepted too, as the CLI takes either).
struct Target {
  std::optional<mf::PeerId> peer;
  std::optional<mf::Multiaddr> addr;
};

std::optional<Target> target_of(const Json& req) {
  Target t;
  auto text = [&](const char* k) -> std::optional<std::string> {
    if (!req.contains(k)) return std::nullopt;
    if (!req[k].is_string()) return std::string();
    return req[k].get<std::string>();
  };
  auto p = text("peer");
  auto a = text("addr");
  if (p && !p->empty() && p->front() == '/') std::swap(p, a);
  if (p) {
    auto id = mf::PeerId::parse(*p);
    if (!id) return std::nullopt;
    t.peer = *id;
  }
  if (a) {
    auto ma = mf::Multiaddr::parse(*a);
    if (!ma) return std::nullopt;
    t.addr = *ma;
  }
  if (!t.peer && !t.addr) return std::nullopt;
  return t;
}

// Resolves a target to a connected peer (dialing the address if one was given).
asio::awaitable<Result<mf::PeerId>> reach(Node* node, Target t) {
  if (t.addr) {
    auto c = co_await node->host().dial(*t.addr);
    if (!c) {
      if (auto id = t.addr->peer_id()) node->note_dial_failure(*id);
      co_return c.error();
    }
    co_return c->remote_peer;
  }
  co_return *t.peer;
}

Json conn_json(const host::ConnectionInfo& c) {
  return Json{{"id", c.id},
              {"peer_id", c.remote_peer.to_string()},
              {"direction", host::to_string(c.direction)},
              {"remote_addr", c.remote_addr.to_string()},
              {"muxer", c.muxer}};
}

asio::awaitable<Result<Json>> m_id(Node* node, Json) {
  const auto& h = node->host();
  Json j;
  j["peer_id"] = h.peer_id().to_string();
  j["public_key_type"] = crypto::to_string(h.public_key().type());
  j["addresses"] = to_strings(h.full_addrs());
  j["listen_addrs"] = to_strings(h.listen_addrs());
  j["protocols"] = h.protocols();
  j["agent_version"] = h.config().agent_version;
  j["protocol_version"] = h.config().protocol_version;
  co_return j;
}

asio::awaitable<Result<Json>> m_peers(Node* node, Json) {
  Json s = node->status_json();
  Json out = Json::object();
  out["peers"] = std::move(s["peers"]);
  co_return out;
}

asio::awaitable<Result<Json>> m_status(Node* node, Json) { co_return node->status_json(); }

asio::awaitable<Result<Json>> m_connect(Node* node, Json req) {
  auto t = target_of(req);
  if (!t) co_return node_errc::bad_request;
  Result<host::ConnectionInfo> r = host::errc::no_addresses;
  if (t->addr) {
    r = co_await node->host().dial(*t->addr);
  } else {
    r = co_await node->host().connect(*t->peer);
  }
  if (!r) {
    auto id = t->addr ? t->addr->peer_id() : t->peer;
    if (id) node->note_dial_failure(*id);
    co_return r.error();
  }
  co_return conn_json(*r);
}

asio::awaitable<Result<Json>> m_disconnect(Node* node, Json req) {
  auto t = target_of(req);
  if (!t || !t->peer) co_return node_errc::bad_request;
  const bool was = node->host().is_connected(*t->peer);
  node->host().disconnect(*t->peer);
  Json out = Json::object();
  out["peer_id"] = t->peer->to_string();
  out["was_connected"] = was;
  co_return out;
}

asio::awaitable<Status> m_ping(Node* node, Json req, Emit emit) {
  auto t = target_of(req);
  if (!t) co_return node_errc::bad_request;
  int count = 4;
  if (req.contains("count")) {
    if (!req["count"].is_number_integer()) co_return node_errc::bad_request;
    count = req["count"].get<int>();
    if (count < 1 || count > 1000) co_return node_errc::bad_request;
  }
  auto peer = co_await reach(node, *t);
  if (!peer) co_return peer.error();
  for (int i = 1; i <= count; ++i) {
    auto rtt = co_await node->host().ping(*peer);
    if (!rtt) co_return rtt.error();
    Json item = Json::object();  // no braced lists in coroutines (g++ 12, see host.hpp)
    item["seq"] = i;
    item["rtt_ms"] = ms(*rtt);
    item["peer_id"] = peer->to_string();
    if (auto s = co_await emit(std::move(item)); !s) co_return Status{};  // client went away
  }
  co_return Status{};
}

asio::awaitable<Result<Json>> m_identify(Node* node, Json req) {
  auto t = target_of(req);
  if (!t) co_return node_errc::bad_request;
  auto peer = co_await reach(node, *t);
  if (!peer) co_return peer.error();
  auto info = co_await node->host().identify(*peer);
  if (!info) co_return info.error();
  Json j;
  j["peer_id"] = info->id.to_string();
  j["agent_version"] = info->agent_version;
  j["protocol_version"] = info->protocol_version;
  j["protocols"] = info->protocols;
  j["listen_addrs"] = to_strings(info->addrs);
  j["observed_addr"] = info->observed_addr ? Json(info->observed_addr->to_string()) : Json();
  j["public_key_type"] = info->public_key ? crypto::to_string(info->public_key->type()) : "";
  co_return j;
}

asio::awaitable<Result<Json>> m_methods(const ControlRouter* router, Json) {
  Json arr = Json::array();
  for (const auto& name : router->names()) {
    const ControlMethod* m = router->find(name);
    Json m_json = Json::object();
    m_json["name"] = name;
    m_json["summary"] = m->summary;
    m_json["streaming"] = static_cast<bool>(m->streaming);
    arr.push_back(std::move(m_json));
  }
  Json out = Json::object();
  out["methods"] = std::move(arr);
  co_return out;
}

using UnaryFn = asio::awaitable<Result<Json>> (*)(Node*, Json);

ControlMethod unary(const char* name, const char* summary, Node* node, UnaryFn fn) {
  ControlMethod m;
  m.name = name;
  m.summary = summary;
  // Not a coroutine: calls the coroutine function with by-value parameters.
  m.unary = [node, fn](Json req) { return fn(node, std::move(req)); };
  return m;
}

}  // namespace

void add_core_methods(ControlRouter& router, Node& node) {
  Node* n = &node;
  router.add(unary("id", "this node's peer id, addresses and protocols", n, &m_id));
  router.add(unary("peers", "connected peers with agent, latency and connections", n, &m_peers));
  router.add(unary("status", "peer id, addresses, peers, uptime, version (as GET /status)", n, &m_status));
  router.add(unary("connect", "dial a multiaddr {addr} or a known peer {peer}", n, &m_connect));
  router.add(unary("disconnect", "close every connection to {peer}", n, &m_disconnect));
  router.add(unary("identify", "run identify against {peer} or {addr}", n, &m_identify));
  ControlMethod ping;
  ping.name = "ping";
  ping.summary = "ping {peer} or {addr} {count} times; one item per pong";
  ping.streaming = [n](Json req, Emit emit) { return m_ping(n, std::move(req), std::move(emit)); };
  router.add(std::move(ping));
  ControlMethod methods;
  methods.name = "api.methods";
  methods.summary = "the methods this daemon serves";
  const ControlRouter* r = &router;
  methods.unary = [r](Json req) { return m_methods(r, std::move(req)); };
  router.add(std::move(methods));
}

}  // namespace lotus::node
