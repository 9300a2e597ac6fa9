// lotus-p2p resource announce|get|discover|withdraw — DHT resources of the daemon (control
// methods resource.*, src/node/services/resources_service.hpp).
//   resource announce <type> <id> [data-json]   [--ttl MS] [--expires-at MS]
//   resource get <type> <id>                    local first, then the DHT (--local: local only)
//   resource discover <type>                    [--filter key=json-value]... [--local]
//   resource withdraw <type> <id>
// Records print as the JSON text stored in the DHT, one per line; query statistics go to stderr.
#include <charconv>
#include <iostream>
#include <string>

#include "commands.hpp"

namespace lotus::cli {

namespace {

// A non-negative integer option; -1 when malformed, nullopt when absent.
std::optional<long long> ms_option(const Context& ctx, const std::string& name) {
  auto v = ctx.get(name);
  if (!v) return std::nullopt;
  long long n = -1;
  const auto r = std::from_chars(v->data(), v->data() + v->size(), n);
  if (r.ec != std::errc{} || r.ptr != v->data() + v->size() || n < 0) return -1;
  return n;
}

}  // namespace

int cmd_resource(Context& ctx) {
  const std::string& sub = ctx.args[0];
  std::size_t min = 3, max = 3;
  if (sub == "announce") max = 4;
  else if (sub == "discover") min = max = 2;
  else if (sub != "get" && sub != "withdraw")
    return usage_error("unknown resource subcommand '" + sub + "' (announce, get, discover, withdraw)");
  if (ctx.args.size() < min || ctx.args.size() > max) return usage_error("resource " + sub + ": wrong number of arguments");
  node::Json req;
  req["type"] = ctx.args[1];
  if (sub != "discover") req["id"] = ctx.args[2];
  std::string method = "resource." + sub;
  if (sub == "announce") {
    if (ctx.args.size() == 4) req["data"] = ctx.args[3];
    for (const char* name : {"ttl", "expires-at"}) {
      auto ms = ms_option(ctx, name);
      if (ms && *ms < 0) return usage_error(std::string("--") + name + ": milliseconds expected");
      if (ms) req[std::string(name) == "ttl" ? "ttl_ms" : "expires_at"] = *ms;
    }
  } else if (sub == "get") {
    req["network"] = !ctx.has("local");
  } else if (sub == "discover") {
    req["local"] = ctx.has("local");
    node::Json filters = node::Json::object();
    if (auto it = ctx.options.find("filter"); it != ctx.options.end()) {
      for (const auto& f : it->second) {
        const auto eq = f.find('=');
        if (eq == std::string::npos || eq == 0) return usage_error("--filter: key=json-value expected");
        auto value = node::Json::parse(f.substr(eq + 1), nullptr, /*allow_exceptions=*/false);
        if (value.is_discarded()) value = f.substr(eq + 1);  // a bare word is a string
        filters[f.substr(0, eq)] = value;
      }
    }
    if (!filters.empty()) req["filters"] = filters;
  }
  auto client = ctx.client();
  if (!client) return 1;
  auto r = client->call(method, req);
  if (!r) return report_error(method, r.error);
  const node::Json& v = *r.value;
  if (ctx.json()) {
    print_json(v);
    return 0;
  }
  if (sub == "announce") {
    std::cout << v.value("record", "") << "\n";
    std::cerr << "(" << (v.value("published", false) ? "stored on " + std::to_string(v.value("stored", 0)) + " DHT peers"
                                                       : std::string("kept locally: no DHT peer accepted it"))
              << (v.value("index_published", false) ? ", discovery index updated" : ", discovery index update pending")
              << ")\n";
  } else if (sub == "get") {
    std::cout << v.value("record", "") << "\n";
  } else if (sub == "discover") {
    for (const auto& rec : v.value("resources", node::Json::array())) std::cout << rec.get<std::string>() << "\n";
    if (v.contains("stats")) {
      const auto& s = v["stats"];
      std::cerr << "(" << v["resources"].size() << " found; " << s.value("providers", 0) << " providers, "
                << s.value("lookups", 0) << " lookups, " << s.value("rpcs", 0) << " DHT requests)\n";
    }
  } else {
    std::cout << (v.value("withdrawn", false) ? "withdrawn" : "not announced by this node") << "\n";
    return v.value("withdrawn", false) ? 0 : 1;
  }
  return 0;
}

}  // namespace lotus::cli
