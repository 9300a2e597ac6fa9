// lotus-p2p dht put|get|provide|findprovs|findpeer — the daemon's Kademlia DHT (control methods
// dht.*, src/node/control_dht.hpp).
//   dht put <key> <value>        value as UTF-8 text (--b64: value is base64)
//   dht get <key>                prints the value (--b64: as base64)
//   dht provide <key|cid>        announce the daemon as provider (a CID string: its multihash)
//   dht findprovs <key|cid>      list providers (--limit N, default 20)
//   dht findpeer <peer-id>       print the peer's addresses
#include <iostream>
#include <string>

#include "commands.hpp"
#include "multiformats/cid.hpp"
#include "multiformats/peer_id.hpp"

namespace lotus::cli {

namespace {

node::Json content_request(const std::string& key) {
  node::Json req;
  if (mf::Cid::parse(key)) req["cid"] = key;
  else req["key"] = key;
  return req;
}

void print_stats(const node::Json& r) {
  if (!r.contains("stats")) return;
  const auto& s = r["stats"];
  std::cerr << "(" << s.value("queried", 0) << " peers answered, " << s.value("hops", 0) << " hops, "
            << s.value("elapsed_ms", 0) << " ms)\n";
}

}  // namespace

int cmd_dht(Context& ctx) {
  const std::string& sub = ctx.args[0];
  const std::size_t want = sub == "put" ? 3 : 2;
  if (sub != "put" && sub != "get" && sub != "provide" && sub != "findprovs" && sub != "findpeer")
    return usage_error("unknown dht subcommand '" + sub + "' (put, get, provide, findprovs, findpeer)");
  if (ctx.args.size() != want) return usage_error("dht " + sub + ": wrong number of arguments");
  node::Json req;
  std::string method = "dht." + sub;
  if (sub == "put") {
    req["key"] = ctx.args[1];
    req[ctx.has("b64") ? "value_b64" : "value"] = ctx.args[2];
  } else if (sub == "get") {
    req["key"] = ctx.args[1];
  } else if (sub == "provide" || sub == "findprovs") {
    req = content_request(ctx.args[1]);
    if (sub == "findprovs") {
      auto limit = ctx.int_option("limit", 20, 1, 1000);
      if (!limit) return 2;
      req["limit"] = *limit;
    }
  } else {
    if (!mf::PeerId::parse(ctx.args[1])) return usage_error("invalid peer id '" + ctx.args[1] + "'");
    req["peer"] = ctx.args[1];
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
  if (sub == "put" || sub == "provide") {
    std::cout << (sub == "put" ? "stored on " : "announced to ") << v.value("stored", 0) << " of "
              << v.value("attempted", 0) << " peers\n";
  } else if (sub == "get") {
    if (!ctx.has("b64") && v.contains("value")) std::cout << v["value"].get<std::string>() << "\n";
    else std::cout << v.value("value_b64", "") << "\n";
  } else if (sub == "findprovs") {
    for (const auto& p : v.value("providers", node::Json::array())) {
      std::cout << p.value("id", "");
      for (const auto& a : p.value("addrs", node::Json::array())) std::cout << "  " << a.get<std::string>();
      std::cout << "\n";
    }
  } else {
    std::cout << v.value("id", "") << "\n";
    for (const auto& a : v.value("addrs", node::Json::array())) std::cout << "  " << a.get<std::string>() << "\n";
  }
  print_stats(v);
  return 0;
}

}  // namespace lotus::cli
