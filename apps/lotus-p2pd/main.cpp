// lotus-p2pd: a lotus-p2p node. Persistent Ed25519 identity (created on first start), TCP
// listeners, identify + ping + /echo/1.0.0, clean stop on SIGINT/SIGTERM.
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/log.hpp"
#include "crypto/keys.hpp"
#include "host/host.hpp"
#include "host/perf_service.hpp"
#include "runtime/asio.hpp"

namespace {

using namespace lotus;

constexpr const char* kUsage = R"(usage: lotus-p2pd [options]

Runs a lotus-p2p node: TCP + Noise + yamux, serving identify (/ipfs/id/1.0.0,
/ipfs/id/push/1.0.0), ping (/ipfs/ping/1.0.0) and echo (/echo/1.0.0).

options:
  --data-dir DIR    where the identity key lives (default: ~/.lotus-p2p);
                    DIR/identity.key is created on first start (mode 0600)
  --listen ADDR     multiaddr to listen on, repeatable
                    (default: /ip4/0.0.0.0/tcp/4001 and /ip6/::/tcp/4001)
  --json-ready      print one JSON line {"peer_id":..,"addrs":[..]} on stdout once
                    listening (human-readable output then goes to stderr)
  --verbose         log debug messages to stderr
  --enable-perf-server  serve the perf protocol (/perf/1.0.0); never on public nodes
  -h, --help        show this help
)";

struct Options {
  std::string data_dir;
  std::vector<std::string> listen;
  bool json_ready = false;
  bool verbose = false;
};

int usage_error(const std::string& msg) {
  std::cerr << "lotus-p2pd: " << msg << "\n(see lotus-p2pd --help)\n";
  return 2;
}

std::string default_data_dir() {
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.lotus-p2p";
}

asio::awaitable<void> echo_handler(host::Stream s) {
  std::array<std::uint8_t, 32 * 1024> buf{};
  while (true) {
    auto r = co_await s.read_some(MutBytesView(buf));
    if (!r) co_return;  // reset or connection lost
    if (*r == 0) break;  // remote closed its write side
    if (!co_await s.write(BytesView(buf.data(), *r))) co_return;
  }
  (void)s.close_write();
}

asio::awaitable<void> stop_host(host::Host* h) { co_await h->stop(); }

Result<crypto::PrivateKey> load_or_create_key(const std::string& dir, bool& created) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return ec;
  ::chmod(dir.c_str(), 0700);
  const std::string path = dir + "/identity.key";
  created = false;
  if (std::filesystem::exists(path, ec)) return crypto::PrivateKey::load_file(path);
  auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
  if (!key) return key.error();
  if (auto s = key->save_file(path); !s) return s.error();
  created = true;
  return key;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  opt.data_dir = default_data_dir();
  bool perf_server = false;  // --enable-perf-server: serve /perf/1.0.0 (off by default, per spec)
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= argc) return nullptr;
      (void)name;
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--data-dir") {
      const char* v = value("--data-dir");
      if (!v) return usage_error("--data-dir needs a directory");
      opt.data_dir = v;
    } else if (a == "--listen") {
      const char* v = value("--listen");
      if (!v) return usage_error("--listen needs a multiaddr");
      opt.listen.emplace_back(v);
    } else if (a == "--json-ready") {
      opt.json_ready = true;
    } else if (a == "--verbose") {
      opt.verbose = true;
    } else if (a == "--enable-perf-server") {
      perf_server = true;
    } else {
      return usage_error("unknown argument '" + a + "'");
    }
  }
  if (opt.verbose) log::set_level(log::Level::debug);
  std::ostream& human = opt.json_ready ? std::cerr : std::cout;

  bool created = false;
  auto key = load_or_create_key(opt.data_dir, created);
  if (!key) {
    std::cerr << "lotus-p2pd: cannot load identity from " << opt.data_dir << "/identity.key: "
              << key.error().message() << "\n";
    return 1;
  }
  if (created) human << "created new identity in " << opt.data_dir << "/identity.key\n";

  const bool defaults = opt.listen.empty();
  if (defaults) opt.listen = {"/ip4/0.0.0.0/tcp/4001", "/ip6/::/tcp/4001"};

  asio::io_context io;
  host::Host node(io, std::move(*key));
  node.set_stream_handler("/echo/1.0.0", &echo_handler);
  if (perf_server) host::enable_perf_server(node);

  std::size_t listening = 0;
  for (const auto& text : opt.listen) {
    auto ma = mf::Multiaddr::parse(text);
    if (!ma) {
      std::cerr << "lotus-p2pd: invalid multiaddr '" << text << "': " << ma.error().message() << "\n";
      return 2;
    }
    auto bound = node.listen(*ma);
    if (!bound) {
      // The IPv6 default may be unavailable on this machine: warn and go on.
      if (defaults && text.rfind("/ip6/", 0) == 0 && listening > 0) {
        std::cerr << "lotus-p2pd: warning: cannot listen on " << text << ": " << bound.error().message() << "\n";
        continue;
      }
      std::cerr << "lotus-p2pd: cannot listen on " << text << ": " << bound.error().message() << "\n";
      return 1;
    }
    ++listening;
  }

  // Install the handler before announcing readiness: a supervisor may signal right after.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  bool stopping = false;
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec || stopping) return;
    stopping = true;
    std::cerr << "lotus-p2pd: " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ", stopping\n";
    asio::co_spawn(io, stop_host(&node), [&](std::exception_ptr) {
      boost::system::error_code ignored;
      signals.cancel(ignored);
    });
  });

  const auto addrs = node.full_addrs();
  human << "peer id: " << node.peer_id().to_string() << "\n";
  human << "listening on:\n";
  for (const auto& a : addrs) human << "  " << a.to_string() << "\n";
  human.flush();
  if (opt.json_ready) {
    nlohmann::json j;
    j["peer_id"] = node.peer_id().to_string();
    j["addrs"] = nlohmann::json::array();
    for (const auto& a : addrs) j["addrs"].push_back(a.to_string());
    j["listen_addrs"] = nlohmann::json::array();
    for (const auto& a : node.listen_addrs()) j["listen_addrs"].push_back(a.to_string());
    std::cout << j.dump() << std::endl;
  }

  io.run();
  std::cerr << "lotus-p2pd: stopped\n";
  return 0;
}
