// Host: admission — the peer gates (peer_gate.hpp) at every admission point, the connection
// manager's limits as the last gate, and the penalty channel.
#include "host/host.hpp"

#include <algorithm>

#include "base/log.hpp"
#include "host/detail.hpp"

namespace lotus::host {

using detail::Conn;

// ---------------------------------------------------------------- peer gates

void Host::Impl::record_refusal(AdmissionPoint point, const std::string& reason, bool limit) {
  if (limit) count_refusal(reason);
  ++metrics.gate_refusals[{to_string(point), reason}];
  LOTUS_LOG(debug, "host", std::string("refused at ") + to_string(point) + ": " + reason);
}

Verdict Host::Impl::admit(AdmissionPoint point, FunctionRef<Verdict(PeerGate&)> check, bool limits) {
  // A copy: a gate may add or remove gates.
  auto chain = gates;
  for (auto& [id, g] : chain) {
    if (auto v = check(*g)) {
      record_refusal(point, *v, false);
      return v;
    }
  }
  if (limits) {
    if (auto v = check(conn_mgr)) {
      record_refusal(point, *v, true);
      return v;
    }
  }
  return std::nullopt;
}

void Host::Impl::close_peer(const mf::PeerId& peer, std::error_code reason) {
  std::vector<std::shared_ptr<Conn>> victims;
  for (auto& [id, c] : conns)
    if (*c->remote_peer == peer) victims.push_back(c);
  for (auto& [id, c] : upgrading)
    if (c->remote_peer && *c->remote_peer == peer) victims.push_back(c);
  for (auto& c : victims) c->close(reason, c->open);
}

namespace detail {

bool admit_secured(Host::Impl& h, Conn& c) {
  const SecuredConnection sc{c.id, *c.remote_peer, c.direction, c.remote_addr};
  const auto now = Clock::now();
  if (!h.admit(AdmissionPoint::connection_peer, [&](PeerGate& g) { return g.check_connection(sc, now); }, false))
    return true;
  c.close(errc::refused, false);
  return false;
}

}  // namespace detail

std::uint64_t Host::add_gate(std::shared_ptr<PeerGate> gate) {
  const auto id = m_impl->next_gate_id++;
  m_impl->gates.emplace_back(id, std::move(gate));
  return id;
}

void Host::remove_gate(std::uint64_t id) {
  auto& g = m_impl->gates;
  g.erase(std::remove_if(g.begin(), g.end(), [id](const auto& e) { return e.first == id; }), g.end());
}

bool Host::penalize(const mf::PeerId& peer, std::string reason, int weight) {
  auto& h = *m_impl;
  if (peer == h.self) return false;
  if (h.metrics.penalties.size() < 256 || h.metrics.penalties.count(reason)) ++h.metrics.penalties[reason];
  const Penalty p{peer, std::move(reason), weight};
  const auto now = Clock::now();
  bool refuse = false;
  auto chain = h.gates;
  for (auto& [id, g] : chain) refuse = g->on_penalty(p, now).disconnect || refuse;
  if (refuse) {
    LOTUS_LOG(info, "host", "peer " + peer.to_string() + " is refused after a penalty (" + p.reason + "); disconnecting");
    if (is_connected(peer)) ++h.metrics.penalty_disconnects;
    h.close_peer(peer, errc::refused);
  }
  return refuse;
}

}  // namespace lotus::host
