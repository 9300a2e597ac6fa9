// lotus-p2p peers | connect | disconnect — the daemon's connections.
#include <iomanip>
#include <iostream>

#include "commands.hpp"
#include "multiformats/multiaddr.hpp"
#include "multiformats/peer_id.hpp"

namespace lotus::cli {

int cmd_peers(Context& ctx) {
  auto client = ctx.client();
  if (!client) return 1;
  auto r = client->call("peers");
  if (!r) return report_error("peers", r.error);
  if (ctx.json()) {
    print_json(*r.value);
    return 0;
  }
  const auto& peers = (*r.value)["peers"];
  if (!peers.is_array() || peers.empty()) {
    std::cout << "no connected peers\n";
    return 0;
  }
  for (const auto& p : peers) {
    std::cout << p.value("peer_id", "");
    for (const auto& c : p.value("connections", node::Json::array()))
      std::cout << "  " << c.value("direction", "") << " " << c.value("remote_addr", "");
    const std::string agent = p.value("agent_version", "");
    if (!agent.empty()) std::cout << "  agent=" << agent;
    if (p.contains("latency_ms") && p["latency_ms"].is_number())
      std::cout << "  latency=" << std::fixed << std::setprecision(3) << p["latency_ms"].get<double>() << "ms";
    std::cout << "\n";
  }
  return 0;
}

int cmd_connect(Context& ctx) {
  const std::string& target = ctx.args[0];
  node::Json req;
  if (!target.empty() && target.front() == '/') {
    auto ma = mf::Multiaddr::parse(target);
    if (!ma) return usage_error("invalid multiaddr '" + target + "': " + ma.error().message());
    req["addr"] = target;
  } else {
    auto id = mf::PeerId::parse(target);
    if (!id) return usage_error("invalid peer id '" + target + "': " + id.error().message());
    req["peer"] = target;
  }
  auto client = ctx.client();
  if (!client) return 1;
  auto r = client->call("connect", req);
  if (!r) return report_error("cannot connect to " + target, r.error);
  if (ctx.json()) {
    print_json(*r.value);
    return 0;
  }
  std::cout << "connected to " << r.value->value("peer_id", "") << " (" << r.value->value("direction", "") << ", "
            << r.value->value("remote_addr", "") << ", " << r.value->value("muxer", "") << ")\n";
  return 0;
}

int cmd_disconnect(Context& ctx) {
  const std::string& target = ctx.args[0];
  auto id = mf::PeerId::parse(target);
  if (!id) return usage_error("invalid peer id '" + target + "': " + id.error().message());
  auto client = ctx.client();
  if (!client) return 1;
  auto r = client->call("disconnect", node::Json{{"peer", target}});
  if (!r) return report_error("disconnect", r.error);
  if (ctx.json()) {
    print_json(*r.value);
    return 0;
  }
  std::cout << (r.value->value("was_connected", false) ? "disconnected " : "was not connected to ") << target << "\n";
  return 0;
}

}  // namespace lotus::cli
