// lotus-p2p: the command line of lotus-p2p. Subcommands talk to a running lotus-p2pd through its
// control API; `ping` and `identify` given a multiaddr also work without a daemon (a fresh
// ephemeral identity dials the peer directly). The command table is below; the commands
// themselves live in cmd_*.cpp (see commands.hpp).
#include <iostream>
#include <string>
#include <vector>

#include "base/log.hpp"
#include "commands.hpp"
#include "node/errors.hpp"

extern char** environ;

namespace lotus::cli {

namespace {

const std::vector<Option> kCommon = {
    {"api", true, "control API of the daemon: unix:/path/control.sock, 127.0.0.1:PORT (default:\n"
                  "      $LOTUS_P2P_API, else the endpoint in DATA_DIR/api, else DATA_DIR/control.sock)"},
    {"api-token", true, "the control API token for a TCP endpoint (default: $LOTUS_P2P_API_TOKEN, else\n"
                        "      the first line of DATA_DIR/api.token, which the daemon writes)"},
    {"data-dir", true, "the daemon's data directory (default: $LOTUS_P2P_DATA_DIR or ~/.lotus-p2p)"},
    {"timeout", true, "SECONDS: dial, handshake and negotiation timeout (default 10)"},
    {"json", false, "print JSON instead of text"},
    {"verbose", false, "debug logs on stderr"},
    {"help", false, "show help"},
};

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"id", "print the daemon's peer id, addresses and protocols",
       "usage: lotus-p2p id [--json]\n\nAsks the daemon for its identity: peer id, key type, listen and announced\n"
       "addresses, agent and the protocols it serves.\n",
       {}, &cmd_id, 0, 0},
      {"status", "print the daemon's status (peers, uptime, version)",
       "usage: lotus-p2p status [--json]\n\nPeer id, addresses, uptime, version and connected peers with agent and\n"
       "latency (the same document as GET /status).\n",
       {}, &cmd_status, 0, 0},
      {"peers", "list connected peers",
       "usage: lotus-p2p peers [--json]\n\nOne line per connected peer: peer id, direction, remote address, agent and\n"
       "latency of the last ping.\n",
       {}, &cmd_peers, 0, 0},
      {"connect", "make the daemon dial a peer",
       "usage: lotus-p2p connect <multiaddr|peer-id> [--json]\n\nThe daemon dials the multiaddr (with /p2p/<id> the "
       "remote must prove that\nidentity) or a peer it already knows addresses for.\n",
       {}, &cmd_connect, 1, 1},
      {"disconnect", "make the daemon close its connections to a peer",
       "usage: lotus-p2p disconnect <peer-id>\n\nCloses every connection to the peer (yamux GoAway, then close).\n",
       {}, &cmd_disconnect, 1, 1},
      {"ping", "ping a peer (/ipfs/ping/1.0.0)",
       "usage: lotus-p2p ping <multiaddr|peer-id> [--count N] [--direct] [--timeout SECONDS]\n\n"
       "Sends N pings (default 4), printing each round-trip time and a min/avg/max\n"
       "summary. Exit code 0 if every ping succeeded.\n"
       "Through the daemon when one is reachable; with a multiaddr and no reachable\n"
       "daemon (or --direct), dials directly with an ephemeral identity.\n",
       {{"count", true, "N: number of pings, 1..1000 (default 4)"},
        {"direct", false, "do not use the daemon: dial from this process"}},
       &cmd_ping, 1, 1},
      {"identify", "show what a peer reports about itself (/ipfs/id/1.0.0)",
       "usage: lotus-p2p identify <multiaddr|peer-id> [--json] [--direct] [--timeout SECONDS]\n\n"
       "Runs identify and prints the peer id, agent and protocol version, protocols,\n"
       "listen addresses and the address it observed for us.\n"
       "Through the daemon when one is reachable; with a multiaddr and no reachable\n"
       "daemon (or --direct), dials directly with an ephemeral identity.\n",
       {{"direct", false, "do not use the daemon: dial from this process"}},
       &cmd_identify, 1, 1},
      {"pubsub", "gossipsub: subscribe, publish, list peers and topics",
       "usage: lotus-p2p pubsub sub <topic> [--count N] [--json]\n"
       "       lotus-p2p pubsub pub <topic> <data> [--hex] [--json]\n"
       "       lotus-p2p pubsub peers [<topic>] [--json]\n"
       "       lotus-p2p pubsub topics [--json]\n\n"
       "sub prints every message on the topic as it arrives (author: data, or 0x<hex>\n"
       "when it is not UTF-8) until interrupted or N messages; pub publishes <data>\n"
       "(UTF-8 text, or hex with --hex) and prints the message id; peers lists the\n"
       "pubsub peers (with a topic: its subscribers, mesh members marked); topics\n"
       "lists the daemon's subscriptions.\n",
       {{"count", true, "N: sub stops after N messages (default: no limit)"},
        {"hex", false, "pub: <data> is hex"}},
       &cmd_pubsub, 1, 3},
      {"metrics", "print the daemon's Prometheus metrics",
       "usage: lotus-p2p metrics\n\nPrints GET /metrics (Prometheus text format 0.0.4).\n", {}, &cmd_metrics, 0, 0},
      {"api", "list the daemon's control API methods",
       "usage: lotus-p2p api [--json]\n\nLists every control API method the daemon serves (api.methods).\n",
       {}, &cmd_api, 0, 0},
      {"call", "call a control API method with a JSON request",
       "usage: lotus-p2p call <method> [<json-object>]\n\nPOSTs the request (default {}) to /api/v1/<method> and "
       "prints the reply;\nstreaming methods print one JSON object per line as items arrive.\n",
       {}, &cmd_call, 1, 2},
      {"dht", "use the daemon's Kademlia DHT (put, get, provide, findprovs, findpeer)",
       "usage: lotus-p2p dht put <key> <value> [--b64]\n"
       "       lotus-p2p dht get <key> [--b64]\n"
       "       lotus-p2p dht provide <key|cid>\n"
       "       lotus-p2p dht findprovs <key|cid> [--limit N]\n"
       "       lotus-p2p dht findpeer <peer-id>\n\n"
       "Keys are UTF-8 (Lotus resources: resource:<type>:<id>); a CID names its multihash.\n"
       "Values are UTF-8 text, or base64 with --b64. Query statistics go to stderr.\n",
       {{"b64", false, "values as base64"}, {"limit", true, "N: providers to find, 1..1000 (default 20)"}},
       &cmd_dht, 2, 3},
      {"send", "send a P2PMessage to a peer (/lotus/message/1.0.0)",
       "usage: lotus-p2p send <peer-id> <type> [<payload-json>] [--protocol NAME] [--json]\n\n"
       "The daemon builds the message (from = its peer id, timestamp, messageId) with the\n"
       "JSON payload (default {}) and writes it on a new stream, as the Lotus SDK does.\n"
       "--protocol names the receiver's protocol handler (e.g. musig2).\n",
       {{"protocol", true, "NAME: the message's protocol field (routing key)"}},
       &cmd_send, 2, 3},
      {"broadcast", "broadcast a P2PMessage to every directly connected peer",
       "usage: lotus-p2p broadcast <type> [<payload-json>] [--protocol NAME] [--network] [--json]\n\n"
       "One stream to each connected peer (as the Lotus SDK), then delivery to the daemon's\n"
       "own handler. --network also publishes it on GossipSub (coordinator.network_broadcast).\n",
       {{"protocol", true, "NAME: the message's protocol field (routing key)"},
        {"network", false, "network-wide: also over GossipSub (ours)"}},
       &cmd_broadcast, 1, 2},
      {"messages", "print the P2PMessages the daemon receives, as they arrive",
       "usage: lotus-p2p messages [--count N] [--json]\n\n"
       "One line per accepted message: sender (the connection's peer id), how it came\n"
       "(direct | gossip) and the message JSON.\n",
       {{"count", true, "N: stop after N messages (default: no limit)"}},
       &cmd_messages, 0, 0},
      {"security", "the security manager: status, ban, unban",
       "usage: lotus-p2p security status [--json]\n"
       "       lotus-p2p security ban <peer-id> [--seconds N]\n"
       "       lotus-p2p security unban <peer-id>\n\n"
       "status lists bans, warnings and refusals by reason; ban closes the peer's\n"
       "connections and refuses it everywhere (until unbanned, or for N seconds).\n",
       {{"seconds", true, "N: ban duration, 1..31536000 (default: until unbanned)"}},
       &cmd_security, 1, 2},
      {"resource", "DHT resources (announce, get, discover, withdraw)",
       "usage: lotus-p2p resource announce <type> <id> [data-json] [--ttl MS] [--expires-at MS]\n"
       "       lotus-p2p resource get <type> <id> [--local]\n"
       "       lotus-p2p resource discover <type> [--filter key=json-value]... [--local]\n"
       "       lotus-p2p resource withdraw <type> <id>\n\n"
       "Records live under resource:<type>:<id> in the DHT (the Lotus SDK's layout). discover finds\n"
       "the live resources of a type announced by any node; filters compare data members.\n",
       {{"ttl", true, "MS: the record expires this long after its creation"},
        {"expires-at", true, "MS: absolute expiry (ms since the epoch)"},
        {"local", false, "only what this node holds, no DHT query"},
        {"filter", true, "key=json-value: keep records whose data.key equals the value (repeatable)"}},
       &cmd_resource, 2, 4},
      {"chain", "the Lotus chain tip from the daemon's Chronik server",
       "usage: lotus-p2p chain info [--json]\n\n"
       "The tip height and hash Chronik reports, and which configured server answered\n"
       "(chain.chronik_urls; without it the daemon says that chain access is off).\n",
       {}, &cmd_chain, 1, 1},
      {"burn", "verify a burn output (OP_RETURN) on the Lotus chain",
       "usage: lotus-p2p burn verify <txid> <output-index> [--confirmations N] [--maturation N]\n"
       "                             [--prefix LTMS|hex8] [--min-amount SATS] [--json]\n\n"
       "Checks that the output is a data output (with the LOKAD prefix, if given) burning at\n"
       "least the amount, mined with N confirmations (default 1) and matured (default 100\n"
       "blocks; 0: no maturation). Prints the burn, or why it is refused; exit 1 if refused.\n",
       {{"confirmations", true, "N: confirmations required, 0..1000000 (0: a mempool burn is accepted)"},
        {"maturation", true, "N: maturation period in blocks (default 100; MuSig2 identities: 144)"},
        {"prefix", true, "LOKAD prefix required: 4 characters (LTMS) or 8 hex digits"},
        {"min-amount", true, "SATS: smallest amount burned (1 XPI = 1000000 sats)"}},
       &cmd_burn, 3, 3},
      {"tx", "wait for a transaction's confirmations",
       "usage: lotus-p2p tx wait <txid> [--confirmations N] [--deadline SECONDS] [--json]\n\n"
       "Prints a line whenever the transaction's state changes (mempool, block, confirmations)\n"
       "until it has N confirmations (default 1; exit 0), or fails at the deadline (default\n"
       "3600 s), when a reorg takes it out of the chain, or when it disappears (exit 1).\n",
       {{"confirmations", true, "N: confirmations to wait for, 1..1000000 (default 1)"},
        {"deadline", true, "SECONDS: give up after this long (default 3600)"}},
       &cmd_tx, 2, 2},
      {"address", "watch a Lotus address for new transactions",
       "usage: lotus-p2p address watch <address> [--count N] [--json]\n\n"
       "Prints every transaction that touches the address from now on (added to the mempool,\n"
       "confirmed, reorged out, removed), pushed by Chronik's WebSocket, or found by polling\n"
       "when the WebSocket is down, until interrupted or N events.\n",
       {{"count", true, "N: stop after N events (default: no limit)"}},
       &cmd_address, 2, 2},
  };
  return table;
}

std::string option_help(const std::vector<Option>& opts) {
  std::string out;
  for (const auto& o : opts) {
    std::string line = std::string("  --") + o.name + (o.takes_value ? " VALUE" : "");
    if (line.size() < 20) line.resize(20, ' ');
    else line += "\n" + std::string(20, ' ');
    out += line + "  " + o.help + "\n";
  }
  return out;
}

void print_main_help() {
  std::cout << "usage: lotus-p2p <command> [arguments] [options]\n\ncommands:\n";
  for (const auto& c : commands()) {
    std::string line = std::string("  ") + c.name;
    line.resize(14, ' ');
    std::cout << line << c.summary << "\n";
  }
  std::cout << "\n<multiaddr> is /ip4|ip6|dns4|dns6/<host>/tcp/<port>[/p2p/<peer-id>]; with /p2p/ the\n"
               "remote must prove that identity.\n\ncommon options:\n"
            << option_help(kCommon)
            << "\n`lotus-p2p <command> --help` shows a command's help.\n"
               "Exit codes: 0 success, 1 the operation failed, 2 usage error.\n";
}

}  // namespace

int usage_error(const std::string& msg) {
  std::cerr << "lotus-p2p: " << msg << "\n(see lotus-p2p --help)\n";
  return 2;
}

}  // namespace lotus::cli

int cmd_perf(int argc, char** argv);  // cmd_perf.cpp: direct /perf/1.0.0 client

int main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "perf") return cmd_perf(argc - 1, argv + 1);
  using namespace lotus::cli;
  Context ctx;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) ctx.env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  // The command is the first argument that is not an option (options may come first).
  const Command* cmd = nullptr;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("-", 0) == 0) {
      // Skip the value of a common option given before the command.
      for (const auto& o : kCommon)
        if (o.takes_value && a == std::string("--") + o.name) ++i;
      continue;
    }
    for (const auto& c : commands())
      if (a == c.name) cmd = &c;
    if (!cmd) {
      bool help = false;
      for (int k = 1; k < argc; ++k) help = help || std::string(argv[k]) == "--help" || std::string(argv[k]) == "-h";
      if (help) {
        print_main_help();
        return 0;
      }
      return usage_error("unknown command '" + a + "'");
    }
    ctx.command = a;
    break;
  }
  std::vector<Option> allowed = kCommon;
  if (cmd) allowed.insert(allowed.end(), cmd->options.begin(), cmd->options.end());
  bool seen_command = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h") a = "--help";
    if (a.size() > 2 && a.rfind("--", 0) == 0) {
      std::string name = a.substr(2);
      std::optional<std::string> value;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
      }
      const Option* opt = nullptr;
      for (const auto& o : allowed)
        if (name == o.name) opt = &o;
      if (!opt) return usage_error("unknown option '--" + name + "'" + (cmd ? " for " + ctx.command : ""));
      if (opt->takes_value && !value) {
        if (i + 1 >= argc) return usage_error("--" + name + " needs a value");
        value = argv[++i];
      }
      if (!opt->takes_value && value) return usage_error("--" + name + " takes no value");
      ctx.options[name].push_back(value.value_or(""));
      continue;
    }
    if (!seen_command && cmd && a == ctx.command) {
      seen_command = true;
      continue;
    }
    ctx.args.push_back(a);
  }
  if (ctx.has("help")) {
    if (cmd) std::cout << cmd->usage << "\noptions:\n" << option_help(allowed);
    else print_main_help();
    return 0;
  }
  if (!cmd) return usage_error("missing command");
  if (ctx.args.size() < cmd->min_args || ctx.args.size() > cmd->max_args) {
    const std::string usage = cmd->usage;
    return usage_error(ctx.command + ": wrong number of arguments\n" + usage.substr(0, usage.find('\n')));
  }
  if (auto t = ctx.get("timeout")) {
    auto n = ctx.int_option("timeout", 10, 1, 3600);
    if (!n) return 2;
  }
  if (ctx.has("verbose")) lotus::log::set_level(lotus::log::Level::debug);
  return cmd->run(ctx);
}
