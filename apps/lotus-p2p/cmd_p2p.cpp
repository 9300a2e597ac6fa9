// lotus-p2p send | broadcast | messages | security — the daemon's coordinator (control methods
// p2p.send / p2p.broadcast / p2p.messages, node/control_coordinator.hpp) and security manager
// (security.status / security.ban / security.unban).
#include <iostream>

#include "commands.hpp"
#include "multiformats/peer_id.hpp"

namespace lotus::cli {

namespace {

// Adds type/payload/protocol of a send or broadcast to `req`; false on a usage error.
bool message_request(Context& ctx, const std::string& type, const std::string& payload, node::Json& req) {
  req["type"] = type;
  req["payload_json"] = payload;  // parsed by the daemon with the JS-exact parser
  if (auto p = ctx.get("protocol")) req["protocol"] = *p;
  return true;
}

}  // namespace

int cmd_send(Context& ctx) {
  auto peer = mf::PeerId::parse(ctx.args[0]);
  if (!peer) return usage_error("invalid peer id '" + ctx.args[0] + "': " + peer.error().message());
  node::Json req{{"peer", ctx.args[0]}};
  message_request(ctx, ctx.args[1], ctx.args.size() > 2 ? ctx.args[2] : "{}", req);
  auto client = ctx.client();
  if (!client) return 1;
  auto r = client->call("p2p.send", req);
  if (!r) return report_error("send", r.error);
  if (ctx.json()) print_json(*r.value);
  else std::cout << "sent " << r.value->value("message_id", "") << " (" << r.value->value("bytes", 0) << " bytes)\n";
  return 0;
}

int cmd_broadcast(Context& ctx) {
  node::Json req = node::Json::object();
  message_request(ctx, ctx.args[0], ctx.args.size() > 1 ? ctx.args[1] : "{}", req);
  if (ctx.has("network")) req["network_wide"] = true;
  auto client = ctx.client();
  if (!client) return 1;
  auto r = client->call("p2p.broadcast", req);
  if (!r) return report_error("broadcast", r.error);
  if (ctx.json()) {
    print_json(*r.value);
    return 0;
  }
  const auto& v = *r.value;
  std::cout << "broadcast " << v.value("message_id", "") << ": " << v.value("sent", 0) << "/" << v.value("targets", 0)
            << " peers" << (v.value("published", false) ? ", published on GossipSub" : "") << "\n";
  return 0;
}

int cmd_messages(Context& ctx) {
  auto count = ctx.int_option("count", 0, 0, 1000000000);
  if (!count) return 2;
  auto client = ctx.client();
  if (!client) return 1;
  int seen = 0;
  const bool json = ctx.json();
  auto r = client->stream("p2p.messages", node::Json::object(), [&](const node::Json& item) {
    if (json) {
      print_json(item);
    } else {
      std::cout << item.value("peer", "") << " [" << item.value("via", "") << "] " << item.value("text", "") << "\n";
      std::cout.flush();
    }
    ++seen;
    return *count == 0 || seen < *count;
  });
  if (!r) return report_error("messages", r.error);
  return 0;
}

int cmd_security(Context& ctx) {
  const std::string& sub = ctx.args[0];
  auto client_for = [&]() { return ctx.client(); };
  if (sub == "status") {
    if (ctx.args.size() != 1) return usage_error("usage: lotus-p2p security status [--json]");
    auto client = client_for();
    if (!client) return 1;
    auto r = client->call("security.status");
    if (!r) return report_error("security status", r.error);
    if (ctx.json()) {
      print_json(*r.value);
      return 0;
    }
    const auto& v = *r.value;
    const auto bans = v.value("bans", node::Json::array());
    std::cout << bans.size() << " ban(s)\n";
    for (const auto& b : bans) {
      std::cout << "  " << b.value("target", "") << "  " << b.value("reason", "");
      if (b.contains("remaining_seconds") && b["remaining_seconds"].is_number())
        std::cout << "  " << static_cast<long long>(b["remaining_seconds"].get<double>()) << " s left";
      else
        std::cout << "  until unbanned";
      std::cout << "\n";
    }
    std::cout << "warnings " << v.value("warnings", 0) << ", temporary bans " << v.value("temp_bans", 0)
              << ", penalties " << v.value("penalties", 0) << "\n";
    for (const auto& [reason, n] : v.value("refused_by_reason", node::Json::object()).items())
      std::cout << "refused " << reason << ": " << n.get<std::uint64_t>() << "\n";
    return 0;
  }
  if (sub == "ban" || sub == "unban") {
    if (ctx.args.size() != 2) return usage_error("usage: lotus-p2p security " + sub + " <peer-id>");
    auto peer = mf::PeerId::parse(ctx.args[1]);
    if (!peer) return usage_error("invalid peer id '" + ctx.args[1] + "': " + peer.error().message());
    node::Json req{{"peer", ctx.args[1]}};
    if (sub == "ban" && ctx.has("seconds")) {
      auto secs = ctx.int_option("seconds", 3600, 1, 31536000);
      if (!secs) return 2;
      req["seconds"] = *secs;
    }
    auto client = client_for();
    if (!client) return 1;
    auto r = client->call("security." + sub, req);
    if (!r) return report_error("security " + sub, r.error);
    if (ctx.json()) print_json(*r.value);
    else if (sub == "ban") std::cout << "banned " << ctx.args[1] << "\n";
    else std::cout << (r.value->value("was_banned", false) ? "unbanned " : "was not banned: ") << ctx.args[1] << "\n";
    return 0;
  }
  return usage_error("security: unknown subcommand '" + sub + "' (status, ban, unban)");
}

}  // namespace lotus::cli
