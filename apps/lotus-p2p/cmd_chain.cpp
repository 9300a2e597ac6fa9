// lotus-p2p chain info | burn verify | tx wait | address watch — chain access through the
// daemon's Chronik client (control methods chain.info, burn.verify, tx.wait, address.watch;
// src/node/services/chain_service.hpp).
//   chain info                          the tip Chronik reports, and which server answered
//   burn verify <txid> <n>              [--confirmations N] [--maturation N] [--prefix P] [--min-amount SATS]
//   tx wait <txid>                      [--confirmations N] [--deadline SECONDS]: a line per change
//   address watch <address>             [--count N]: a line per transaction event
// Exit codes: 0 verified / confirmed / watch ended, 1 refused / failed / timed out, 2 usage.
#include <iostream>
#include <string>

#include "commands.hpp"

namespace lotus::cli {

namespace {

std::string str(const node::Json& j, const char* k) {
  return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string();
}

// The plain-language line for each burn refusal (the reason codes of burn.verify).
std::string refusal_text(const std::string& reason, const node::Json& v, const node::Json& req) {
  const node::Json burn = v.value("burn", node::Json::object());
  const auto conf = burn.value("confirmations", 0);
  if (reason == "not_found") return "no such transaction on the chain or in the mempool";
  if (reason == "no_such_output") return "the transaction has no output " + std::to_string(req.value("output_index", 0));
  if (reason == "not_data_output") return "the output is not a burn (not an OP_RETURN data output)";
  if (reason == "wrong_prefix") {
    const std::string got = burn.contains("lokad_prefix") ? str(burn, "lokad_prefix") : std::string("none");
    return "LOKAD prefix " + got + " is not the one required (" + str(req, "prefix") + ")";
  }
  if (reason == "below_amount")
    return "burns " + std::to_string(burn.value("burn_amount", 0LL)) + " sats, below the minimum " +
           std::to_string(req.value("min_amount", 0LL)) + " sats";
  if (reason == "not_mined") return "the transaction is in the mempool, not mined yet";
  if (reason == "not_confirmed")
    return std::to_string(conf) + " confirmation(s), " + std::to_string(req.value("min_confirmations", 1)) +
           " required";
  if (reason == "immature")
    return "not matured: " + std::to_string(conf) + " confirmation(s) of the " +
           std::to_string(req.value("maturation", 100)) + "-block maturation period";
  if (reason == "invalid_amount") return "the output has a negative value (a broken server)";
  return str(v, "message");
}

void print_burn(const node::Json& b) {
  std::cout << "  txid:          " << str(b, "txid") << "\n"
            << "  output:        " << b.value("output_index", 0) << "\n"
            << "  amount:        " << b.value("burn_amount", 0LL) << " sats\n"
            << "  block height:  " << b.value("block_height", -1) << (b.value("block_height", -1) < 0 ? " (mempool)" : "")
            << "\n"
            << "  confirmations: " << b.value("confirmations", 0) << (b.value("is_matured", false) ? " (matured)" : "")
            << "\n"
            << "  script:        " << str(b, "script") << "\n";
  if (b.contains("lokad_prefix")) {
    std::cout << "  LOKAD prefix:  " << str(b, "lokad_prefix");
    if (b.contains("lokad_prefix_text")) std::cout << " (" << str(b, "lokad_prefix_text") << ")";
    std::cout << "\n";
  }
  if (b.contains("lokad_version")) std::cout << "  LOKAD version: " << b.value("lokad_version", 0) << "\n";
  if (b.contains("lokad_payload")) std::cout << "  LOKAD payload: " << str(b, "lokad_payload") << "\n";
}

}  // namespace

int cmd_chain(Context& ctx) {
  if (ctx.args[0] != "info") return usage_error("unknown chain subcommand '" + ctx.args[0] + "' (info)");
  auto client = ctx.client();
  if (!client) return 1;
  auto r = client->call("chain.info", node::Json::object());
  if (!r) return report_error("chain info", r.error);
  if (ctx.json()) {
    print_json(*r.value);
    return 0;
  }
  std::cout << "tip height: " << r.value->value("tip_height", 0) << "\n"
            << "tip hash:   " << str(*r.value, "tip_hash") << "\n"
            << "chronik:    " << str(*r.value, "url") << "\n";
  return 0;
}

int cmd_burn(Context& ctx) {
  if (ctx.args[0] != "verify") return usage_error("unknown burn subcommand '" + ctx.args[0] + "' (verify)");
  if (ctx.args.size() != 3) return usage_error("burn verify <txid> <output-index>");
  auto index = [&]() -> std::optional<int> {
    const std::string& s = ctx.args[2];
    if (s.empty() || s.size() > 10 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    const long long v = std::stoll(s);
    if (v > 0x7fffffff) return std::nullopt;
    return static_cast<int>(v);
  }();
  if (!index) return usage_error("burn verify: <output-index> must be a non-negative integer");
  auto conf = ctx.int_option("confirmations", 1, 0, 1000000);
  auto maturation = ctx.int_option("maturation", 100, 0, 1000000);
  auto min_amount = ctx.int_option("min-amount", 0, 0, 2000000000);
  if (!conf || !maturation || !min_amount) return 2;
  node::Json req{{"txid", ctx.args[1]},
                 {"output_index", *index},
                 {"min_confirmations", *conf},
                 {"maturation", *maturation},
                 {"min_amount", *min_amount}};
  if (auto p = ctx.get("prefix")) req["prefix"] = *p;
  auto client = ctx.client();
  if (!client) return 1;
  auto r = client->call("burn.verify", req);
  if (!r) return report_error("burn verify", r.error);
  const node::Json& v = *r.value;
  const bool ok = v.value("verified", false);
  if (ctx.json()) {
    print_json(v);
    return ok ? 0 : 1;
  }
  if (ok) {
    std::cout << "burn verified\n";
    print_burn(v["burn"]);
    return 0;
  }
  std::cout << "burn refused (" << str(v, "reason") << "): " << refusal_text(str(v, "reason"), v, req) << "\n";
  if (v.contains("burn")) print_burn(v["burn"]);
  return 1;
}

int cmd_tx(Context& ctx) {
  if (ctx.args[0] != "wait") return usage_error("unknown tx subcommand '" + ctx.args[0] + "' (wait)");
  if (ctx.args.size() != 2) return usage_error("tx wait <txid> [--confirmations N] [--deadline SECONDS]");
  auto conf = ctx.int_option("confirmations", 1, 1, 1000000);
  auto deadline = ctx.int_option("deadline", 3600, 1, 30 * 86400);
  if (!conf || !deadline) return 2;
  node::Json req{{"txid", ctx.args[1]}, {"confirmations", *conf}, {"timeout_ms", static_cast<long long>(*deadline) * 1000}};
  auto client = ctx.client();
  if (!client) return 1;
  bool confirmed = false;
  const bool json = ctx.json();
  auto r = client->stream("tx.wait", req, [&](const node::Json& item) {
    if (item.contains("heartbeat")) return true;  // the daemon checking that we are still here
    confirmed = item.value("confirmed", false);
    if (json) {
      print_json(item);
    } else {
      const int height = item.value("block_height", -1);
      std::cout << str(item, "txid") << ": "
                << (height < 0 ? std::string("in the mempool") : "in block " + std::to_string(height)) << ", "
                << item.value("confirmations", 0) << "/" << item.value("required", *conf) << " confirmations"
                << (confirmed ? " — confirmed" : "") << std::endl;
    }
    return true;
  });
  if (!r) return report_error("tx wait", r.error);
  return confirmed ? 0 : 1;
}

int cmd_address(Context& ctx) {
  if (ctx.args[0] != "watch") return usage_error("unknown address subcommand '" + ctx.args[0] + "' (watch)");
  if (ctx.args.size() != 2) return usage_error("address watch <address> [--count N]");
  auto count = ctx.int_option("count", 0, 0, 1000000000);
  if (!count) return 2;
  auto client = ctx.client();
  if (!client) return 1;
  int seen = 0;
  const bool json = ctx.json();
  auto r = client->stream("address.watch", node::Json{{"address", ctx.args[1]}}, [&](const node::Json& item) {
    if (item.contains("heartbeat")) return true;  // the daemon checking that we are still here
    if (json) {
      print_json(item);
    } else if (item.contains("watching")) {
      std::cout << "watching " << str(item, "watching") << " (script " << str(item, "script") << ")" << std::endl;
    } else if (item.contains("transport")) {
      std::cout << (str(item, "transport") == "ws" ? "live: Chronik WebSocket subscription"
                                                    : "polling: Chronik WebSocket unavailable")
                << std::endl;
    } else {
      std::cout << str(item, "event") << " " << str(item, "txid") << " (" << str(item, "via") << ")" << std::endl;
    }
    if (item.contains("event")) ++seen;
    return *count == 0 || seen < *count;
  });
  if (!r) return report_error("address watch", r.error);
  return 0;
}

}  // namespace lotus::cli
