// lotus-p2p pubsub sub|pub|peers|topics — the daemon's GossipSub service (control methods
// pubsub.sub/pub/peers/topics, see src/node/control_pubsub.hpp).
#include <iostream>
#include <set>

#include "commands.hpp"

namespace lotus::cli {

namespace {

int pubsub_sub(Context& ctx, const node::ControlClient& client) {
  if (ctx.args.size() != 2) return usage_error("usage: lotus-p2p pubsub sub <topic> [--count N]");
  auto count = ctx.int_option("count", 0, 0, 1000000000);
  if (!count) return 2;
  int seen = 0;
  const bool json = ctx.json();
  auto r = client.stream("pubsub.sub", node::Json{{"topic", ctx.args[1]}}, [&](const node::Json& item) {
    if (json) {
      print_json(item);
    } else {
      std::cout << item.value("from", item.value("received_from", "")) << ": "
                << (item.contains("data") ? item.value("data", "") : "0x" + item.value("data_hex", "")) << "\n";
      std::cout.flush();
    }
    ++seen;
    return *count == 0 || seen < *count;
  });
  if (!r) return report_error("pubsub sub " + ctx.args[1], r.error);
  return 0;
}

int pubsub_pub(Context& ctx, const node::ControlClient& client) {
  if (ctx.args.size() != 3) return usage_error("usage: lotus-p2p pubsub pub <topic> <data> [--hex]");
  node::Json req{{"topic", ctx.args[1]}};
  if (ctx.has("hex")) req["data_hex"] = ctx.args[2];
  else req["data"] = ctx.args[2];
  auto r = client.call("pubsub.pub", req);
  if (!r) return report_error("pubsub pub " + ctx.args[1], r.error);
  if (ctx.json()) print_json(*r.value);
  else std::cout << "published " << r.value->value("id", "") << "\n";
  return 0;
}

int pubsub_peers(Context& ctx, const node::ControlClient& client) {
  if (ctx.args.size() > 2) return usage_error("usage: lotus-p2p pubsub peers [<topic>]");
  node::Json req = node::Json::object();
  if (ctx.args.size() == 2) req["topic"] = ctx.args[1];
  auto r = client.call("pubsub.peers", req);
  if (!r) return report_error("pubsub peers", r.error);
  if (ctx.json()) {
    print_json(*r.value);
    return 0;
  }
  std::set<std::string> mesh;
  for (const auto& p : r.value->value("mesh", node::Json::array())) mesh.insert(p.get<std::string>());
  const auto peers = r.value->value("peers", node::Json::array());
  if (peers.empty()) std::cout << "no pubsub peers\n";
  for (const auto& p : peers) {
    const auto id = p.get<std::string>();
    std::cout << id << (mesh.count(id) ? "  mesh" : "") << "\n";
  }
  return 0;
}

int pubsub_topics(Context& ctx, const node::ControlClient& client) {
  if (ctx.args.size() != 1) return usage_error("usage: lotus-p2p pubsub topics");
  auto r = client.call("pubsub.topics");
  if (!r) return report_error("pubsub topics", r.error);
  if (ctx.json()) {
    print_json(*r.value);
    return 0;
  }
  for (const auto& t : r.value->value("topics", node::Json::array())) std::cout << t.get<std::string>() << "\n";
  return 0;
}

}  // namespace

int cmd_pubsub(Context& ctx) {
  const std::string& sub = ctx.args[0];
  if (sub != "sub" && sub != "pub" && sub != "peers" && sub != "topics")
    return usage_error("pubsub: unknown subcommand '" + sub + "' (sub, pub, peers, topics)");
  auto client = ctx.client();
  if (!client) return 1;
  if (sub == "sub") return pubsub_sub(ctx, *client);
  if (sub == "pub") return pubsub_pub(ctx, *client);
  if (sub == "peers") return pubsub_peers(ctx, *client);
  return pubsub_topics(ctx, *client);
}

}  // namespace lotus::cli
