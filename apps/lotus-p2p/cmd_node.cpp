// lotus-p2p id | status | api | call | metrics — read-only views of the daemon.
#include <iomanip>
#include <iostream>

#include "commands.hpp"

namespace lotus::cli {

namespace {

std::string str(const node::Json& j, const char* k) {
  return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string();
}

void print_list(const char* title, const node::Json& arr) {
  std::cout << title << "\n";
  if (arr.is_array())
    for (const auto& a : arr) std::cout << "  " << (a.is_string() ? a.get<std::string>() : a.dump()) << "\n";
}

std::optional<node::Json> unary(Context& ctx, const std::string& method, const node::Json& req, int& code) {
  auto client = ctx.client();
  if (!client) {
    code = 1;
    return std::nullopt;
  }
  auto r = client->call(method, req);
  if (!r) {
    code = report_error(method, r.error);
    return std::nullopt;
  }
  return *r.value;
}

}  // namespace

int cmd_id(Context& ctx) {
  int code = 0;
  auto j = unary(ctx, "id", node::Json::object(), code);
  if (!j) return code;
  if (ctx.json()) {
    print_json(*j);
    return 0;
  }
  std::cout << "peer id:          " << str(*j, "peer_id") << "\n"
            << "public key type:  " << str(*j, "public_key_type") << "\n"
            << "agent version:    " << str(*j, "agent_version") << "\n"
            << "protocol version: " << str(*j, "protocol_version") << "\n";
  print_list("addresses:", (*j)["addresses"]);
  print_list("protocols:", (*j)["protocols"]);
  return 0;
}

int cmd_status(Context& ctx) {
  int code = 0;
  auto j = unary(ctx, "status", node::Json::object(), code);
  if (!j) return code;
  if (ctx.json()) {
    print_json(*j);
    return 0;
  }
  std::cout << "peer id:   " << str(*j, "peer_id") << "\n"
            << "version:   " << str(*j, "version") << " (" << str(*j, "agent_version") << ")\n"
            << "uptime:    " << std::fixed << std::setprecision(0) << j->value("uptime_seconds", 0.0) << " s\n"
            << "data dir:  " << str(*j, "data_dir") << "\n"
            << "api:       " << str(*j, "api") << "\n"
            << "peers:     " << j->value("connected_peers", 0) << " connected, " << j->value("known_peers", 0)
            << " known\n";
  print_list("addresses:", (*j)["addresses"]);
  if (j->contains("chain") && (*j)["chain"].is_object()) {
    const auto& c = (*j)["chain"];
    if (!c.value("enabled", false)) {
      std::cout << "chain:     off (no chain.chronik_urls)\n";
    } else {
      std::uint64_t errors = 0;
      if (c.contains("errors") && c["errors"].is_object())
        for (const auto& [k, v] : c["errors"].items()) errors += v.get<std::uint64_t>();
      std::cout << "chain:     " << (c.value("reachable", false) ? "reachable" : "not reachable") << " via "
                << str(c, "current_url") << "; " << c.value("requests", 0) << " requests, " << errors << " failed, "
                << c.value("failovers", 0) << " failovers\n";
    }
  }
  return 0;
}

int cmd_api(Context& ctx) {
  int code = 0;
  auto j = unary(ctx, "api.methods", node::Json::object(), code);
  if (!j) return code;
  if (ctx.json()) {
    print_json(*j);
    return 0;
  }
  for (const auto& m : (*j)["methods"]) {
    std::string name = str(m, "name");
    if (m.value("streaming", false)) name += " (stream)";
    name.resize(std::max<std::size_t>(name.size() + 1, 24), ' ');
    std::cout << name << str(m, "summary") << "\n";
  }
  return 0;
}

int cmd_call(Context& ctx) {
  node::Json req = node::Json::object();
  if (ctx.args.size() > 1) {
    req = node::Json::parse(ctx.args[1], nullptr, false);
    if (!req.is_object()) return usage_error("call: the request must be a JSON object, got '" + ctx.args[1] + "'");
  }
  auto client = ctx.client();
  if (!client) return 1;
  // Ask which methods stream, then call accordingly.
  auto methods = client->call("api.methods");
  if (!methods) return report_error("api.methods", methods.error);
  bool streaming = false;
  for (const auto& m : (*methods.value)["methods"])
    if (str(m, "name") == ctx.args[0]) streaming = m.value("streaming", false);
  if (!streaming) {
    auto r = client->call(ctx.args[0], req);
    if (!r) return report_error(ctx.args[0], r.error);
    print_json(*r.value);
    return 0;
  }
  auto r = client->stream(ctx.args[0], req, [](const node::Json& item) {
    print_json(item);
    return true;
  });
  if (!r) return report_error(ctx.args[0], r.error);
  return 0;
}

int cmd_metrics(Context& ctx) {
  auto client = ctx.client();
  if (!client) return 1;
  auto r = client->get("/metrics");
  if (!r) return report_error("metrics", r.error);
  std::cout << *r.value;
  return 0;
}

}  // namespace lotus::cli
