// lotus-p2p subcommands. Adding a command: declare its `int cmd_x(Context&)` here and add one
// line to the table in main.cpp (name, summary, usage, options, function).
//
// Every command gets a parsed Context: positional arguments, options (declared per command, plus
// the common ones: --api, --data-dir, --timeout, --json, --verbose, -h/--help) and helpers to
// reach the daemon's control API.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "node/control_client.hpp"

namespace lotus::cli {

struct Option {
  const char* name;  // without "--"
  bool takes_value;
  const char* help;
};

struct Context {
  std::string command;
  std::vector<std::string> args;                                // positional, after the command
  std::map<std::string, std::vector<std::string>> options;       // name -> values ("" for flags)
  std::map<std::string, std::string> env;

  bool has(const std::string& name) const { return options.count(name) != 0; }
  std::optional<std::string> get(const std::string& name) const;
  bool json() const { return has("json"); }
  std::chrono::seconds timeout() const;  // --timeout (default 10 s), validated by main
  // A positive integer option; prints a usage error and returns nullopt when malformed.
  std::optional<int> int_option(const std::string& name, int def, int min, int max) const;

  // The daemon's endpoint (--api, LOTUS_P2P_API, <data dir>/api, <data dir>/control.sock).
  Result<node::ApiEndpoint> endpoint() const;
  // A client for the daemon (call timeout: --timeout + 5 s for the daemon's own dial timeouts).
  std::optional<node::ControlClient> client() const;
  // Whether the user named the daemon explicitly (--api or LOTUS_P2P_API).
  bool api_explicit() const;
};

struct Command {
  const char* name;
  const char* summary;   // one line for `lotus-p2p --help`
  const char* usage;     // full help for `lotus-p2p <name> --help`
  std::vector<Option> options;  // command-specific options
  int (*run)(Context&);
  std::size_t min_args;
  std::size_t max_args;
};

// Exit codes: 0 success, 1 the operation failed, 2 usage error.
int usage_error(const std::string& msg);
int report_error(const std::string& what, const node::ControlError& e);
int report_error(const std::string& what, std::error_code ec);
void print_json(const node::Json& j);

// cmd_node.cpp
int cmd_id(Context& ctx);
int cmd_status(Context& ctx);
int cmd_api(Context& ctx);
int cmd_call(Context& ctx);
int cmd_metrics(Context& ctx);
// cmd_peers.cpp
int cmd_peers(Context& ctx);
int cmd_connect(Context& ctx);
int cmd_disconnect(Context& ctx);
// cmd_ping.cpp (through the daemon, or directly with an ephemeral identity)
int cmd_ping(Context& ctx);
int cmd_identify(Context& ctx);
// cmd_pubsub.cpp
int cmd_pubsub(Context& ctx);
// cmd_dht.cpp (dht put|get|provide|findprovs|findpeer through the daemon)
int cmd_dht(Context& ctx);
// cmd_p2p.cpp (the coordinator: P2P messages; the security manager)
int cmd_send(Context& ctx);
int cmd_broadcast(Context& ctx);
int cmd_messages(Context& ctx);
int cmd_security(Context& ctx);
// cmd_resource.cpp (resource announce|get|discover|withdraw through the daemon)
int cmd_resource(Context& ctx);
// cmd_chain.cpp (chain info, burn verify, tx wait, address watch through the daemon's Chronik client)
int cmd_chain(Context& ctx);
int cmd_burn(Context& ctx);
int cmd_tx(Context& ctx);
int cmd_address(Context& ctx);

}  // namespace lotus::cli
