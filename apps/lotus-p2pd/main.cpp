// lotus-p2pd: the lotus-p2p node daemon. Configuration through src/node/config (defaults →
// --profile → TOML file → environment → flags), the daemon's objects in lotus::node::Node,
// clean stop on SIGINT/SIGTERM (GoAway to every peer, peer store flushed), SIGHUP reloads the
// /tls/ws certificate and key files.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/log.hpp"
#include "node/config.hpp"
#include "node/logging.hpp"
#include "host/perf_service.hpp"
#include "node/node.hpp"
#include "runtime/asio.hpp"

extern char** environ;

namespace {

using namespace lotus;

constexpr const char* kUsage = R"(usage: lotus-p2pd [options] [configuration flags]

Runs a lotus-p2p node: TCP + Noise + yamux, serving identify (/ipfs/id/1.0.0,
/ipfs/id/push/1.0.0), ping (/ipfs/ping/1.0.0) and echo (/echo/1.0.0), with a local
control API (lotus-p2p talks to it), Prometheus metrics and a persistent peer store.

options:
  --data-dir DIR      data directory (default: $LOTUS_P2P_DATA_DIR or ~/.lotus-p2p):
                      identity.key (created on first start, mode 0600), peers.sqlite,
                      control.sock, config.toml (read if present)
  --config FILE       TOML configuration file (default: DIR/config.toml if it exists;
                      also $LOTUS_P2P_CONFIG)
  --profile NAME      preset: wallet, full, bootstrap or relay (seed recommendations)
  --print-config      print the effective configuration with the source of every value
                      and exit
  --json-ready        print one JSON line {"peer_id","addrs","listen_addrs","api"} on
                      stdout once running (human-readable output then goes to stderr)
  --verbose           same as --log-level debug
  --enable-perf-server  serve the perf protocol (/perf/1.0.0); never on public nodes
  --init-identity     create identity.key even though DIR has stores of an earlier identity
                      (without it a missing key there is an error: the peer id would change)
  --recover-stores    move a damaged peers.sqlite / dht.sqlite aside (*.corrupt-<time>) and
                      start with an empty one (without it a damaged store stops the start)
  --version           print the version and exit
  -h, --help          show this help

configuration flags (precedence: flag > environment > file > profile > default):
)";

int usage_error(const std::string& msg) {
  std::cerr << "lotus-p2pd: " << msg << "\n(see lotus-p2pd --help)\n";
  return 2;
}

std::string config_flags_help() {
  std::string out;
  for (const auto& k : node::config_help()) {
    std::string line = "  --" + k.flags.front();
    auto b = node::config_flag_is_boolean(k.flags.front());
    line += (b && *b) ? "[=true|false]" : " VALUE";
    if (line.size() < 44) line.resize(44, ' ');
    else line += " ";
    line += k.key + "\n";
    if (!k.help.empty()) line += std::string(46, ' ') + k.help + "\n";
    std::string env;
    for (const auto& e : k.env) env += (env.empty() ? "" : ", ") + ("$" + e);
    if (k.flags.size() > 1) {
      std::string aliases;
      for (std::size_t i = 1; i < k.flags.size(); ++i) aliases += (i > 1 ? ", --" : "--") + k.flags[i];
      line += std::string(46, ' ') + "also " + aliases + "\n";
    }
    line += std::string(46, ' ') + "env " + env + "\n";
    line += std::string(46, ' ') + k.allowed + "\n";
    out += line;
  }
  out += "\nSee docs/configuration.md for the file format and docs/operations.md for running it.\n";
  return out;
}

asio::awaitable<void> echo_handler(host::Stream s) {
  std::array<std::uint8_t, 32 * 1024> buf{};
  while (true) {
    auto r = co_await s.read_some(MutBytesView(buf));
    if (!r) co_return;   // reset or connection lost
    if (*r == 0) break;  // remote closed its write side
    if (!co_await s.write(BytesView(buf.data(), *r))) co_return;
  }
  (void)s.close_write();
}

asio::awaitable<void> stop_node(node::Node* n) { co_await n->stop(); }

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a control API client that went away must not kill the daemon
  node::ConfigSources sources;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) sources.env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  bool print_config = false, json_ready = false, verbose = false;
  bool perf_server = false;  // --enable-perf-server: serve /perf/1.0.0 (off by default, per spec)
  bool init_identity = false, recover_stores = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&](const std::string& name) -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      (void)name;
      return std::string(argv[++i]);
    };
    if (a == "-h" || a == "--help") {
      std::cout << kUsage << config_flags_help();
      return 0;
    }
    if (a == "--version") {
      std::cout << "lotus-p2pd " << node::kVersion << "\n";
      return 0;
    }
    if (a == "--print-config") {
      print_config = true;
    } else if (a == "--json-ready") {
      json_ready = true;
    } else if (a == "--verbose") {
      verbose = true;
    } else if (a == "--enable-perf-server") {
      perf_server = true;
    } else if (a == "--init-identity") {
      init_identity = true;
    } else if (a == "--recover-stores") {
      recover_stores = true;
    } else if (a == "--config" || a.rfind("--config=", 0) == 0 || a == "--data-dir" || a.rfind("--data-dir=", 0) == 0) {
      const bool is_config = a.rfind("--config", 0) == 0;
      std::optional<std::string> v;
      if (auto eq = a.find('='); eq != std::string::npos) v = a.substr(eq + 1);
      else v = next(a);
      if (!v) return usage_error(a + " needs a value");
      (is_config ? sources.config_file : sources.data_dir) = std::filesystem::path(*v);
    } else if (a.size() > 2 && a.rfind("--", 0) == 0) {
      std::string name = a.substr(2), value;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
        if (value.empty()) return usage_error("--" + name + "= needs a value");
      } else {
        auto boolean = node::config_flag_is_boolean(name);
        if (boolean && !*boolean) {
          auto v = next(a);
          if (!v) return usage_error(a + " needs a value");
          value = *v;
        }
      }
      sources.flags.emplace_back(name, value);
    } else {
      return usage_error("unexpected argument '" + a + "'");
    }
  }
  if (verbose) sources.flags.emplace_back("log-level", "debug");

  auto loaded = node::load_config(sources);
  if (!loaded) {
    std::cerr << "lotus-p2pd: " << loaded.error().message << "\n";
    return 2;
  }
  if (print_config) {
    std::cout << node::render_config(*loaded);
    return 0;
  }
  const auto& cfg = loaded->config;
  node::install_log_sink(node::parse_log_spec(cfg.log.level).value_or(node::LogSpec{}),
                         cfg.log.format == "json" ? node::LogFormat::json : node::LogFormat::text);
  std::ostream& human = json_ready ? std::cerr : std::cout;

  asio::io_context io;
  node::NodeOptions options;
  options.perf_server = perf_server;
  options.init_identity = init_identity;
  options.recover_stores = recover_stores;
  node::Node n(io, std::move(*loaded), std::move(options));
  if (auto s = n.start(); !s) {
    std::cerr << "lotus-p2pd: " << n.error_message() << "\n";
    return 1;
  }
  n.host().set_stream_handler("/echo/1.0.0", &echo_handler);
  for (const auto& line : n.report()) human << line << "\n";

  // Install the handler before announcing readiness: a supervisor may signal right after.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::signal_set hangup(io, SIGHUP);
  bool stopping = false;
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec || stopping) return;
    stopping = true;
    std::cerr << "lotus-p2pd: " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ", stopping\n";
    boost::system::error_code ignored;
    hangup.cancel(ignored);
    asio::co_spawn(io, stop_node(&n), [&](std::exception_ptr) {
      boost::system::error_code ignored2;
      signals.cancel(ignored2);
    });
  });

  // SIGHUP: reload the /tls/ws certificate and key files (renewal without a restart).
  std::function<void()> wait_hangup = [&] {
    hangup.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec || stopping) return;
      if (n.config().config.tls.cert_file.empty()) {
        std::cerr << "lotus-p2pd: SIGHUP: no tls.cert_file configured, nothing to reload\n";
      } else if (auto r = n.host().reload_tls(); !r) {
        std::cerr << "lotus-p2pd: SIGHUP: could not reload tls.cert_file / tls.key_file (" << r.error().message()
                  << "); still serving the previous certificate\n";
      } else {
        std::cerr << "lotus-p2pd: SIGHUP: reloaded the TLS certificate for " << *r << " /tls/ws listener"
                  << (*r == 1 ? "" : "s") << "\n";
      }
      wait_hangup();
    });
  };
  wait_hangup();

  const auto addrs = n.host().full_addrs();
  human << "peer id: " << n.host().peer_id().to_string() << "\n";
  human << "listening on:\n";
  for (const auto& a : addrs) human << "  " << a.to_string() << "\n";
  human.flush();
  if (json_ready) {
    nlohmann::json j;
    j["peer_id"] = n.host().peer_id().to_string();
    j["addrs"] = nlohmann::json::array();
    for (const auto& a : addrs) j["addrs"].push_back(a.to_string());
    j["listen_addrs"] = nlohmann::json::array();
    for (const auto& a : n.host().listen_addrs()) j["listen_addrs"].push_back(a.to_string());
    j["api"] = n.api_endpoint() ? nlohmann::json(n.api_endpoint()->to_string()) : nlohmann::json();
    j["data_dir"] = n.config().data_dir.string();
    std::cout << j.dump() << std::endl;
  }

  io.run();
  std::cerr << "lotus-p2pd: stopped\n";
  return 0;
}
