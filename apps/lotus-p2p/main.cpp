// lotus-p2p: command-line client. Uses a fresh (ephemeral) Ed25519 identity per run.
//   lotus-p2p ping <multiaddr> [--count N]
//   lotus-p2p identify <multiaddr> [--json]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "base/log.hpp"
#include "crypto/keys.hpp"
#include "host/host.hpp"
#include "runtime/asio.hpp"

namespace {

using namespace lotus;

constexpr const char* kUsage = R"(usage: lotus-p2p <command> [options]

commands:
  ping <multiaddr> [--count N]      ping a peer (/ipfs/ping/1.0.0) N times (default 4),
                                    print each round-trip time and a summary
  identify <multiaddr> [--json]     print what the peer reports about itself
                                    (/ipfs/id/1.0.0)
  perf <multiaddr> [--upload B] [--download B]   throughput test (/perf/1.0.0)

<multiaddr> is /ip4|ip6|dns4|dns6/<host>/tcp/<port>[/p2p/<peer-id>]; with /p2p/ the
remote must prove that identity.

common options:
  --timeout SECONDS                 dial, handshake and negotiation timeout (default 10)
  --verbose                         debug logs on stderr
  -h, --help                        show help (also: lotus-p2p <command> --help)
)";

constexpr const char* kPingUsage = R"(usage: lotus-p2p ping <multiaddr> [--count N] [--timeout SECONDS]

Dials the peer and sends N pings (default 4) on /ipfs/ping/1.0.0, printing each
round-trip time and a min/avg/max summary. Exit code 0 if every ping succeeded.
)";

constexpr const char* kIdentifyUsage = R"(usage: lotus-p2p identify <multiaddr> [--json] [--timeout SECONDS]

Dials the peer, runs identify (/ipfs/id/1.0.0) and prints its peer id, agent and
protocol version, protocols, listen addresses and the address it observed for us.
--json prints one JSON object instead.
)";

struct Options {
  std::string command;
  std::string addr;
  int count = 4;
  bool json = false;
  bool verbose = false;
  int timeout_s = 10;
};

struct Outcome {
  int code = 0;
};

int fail(const std::string& what, std::error_code ec) {
  std::cerr << "lotus-p2p: " << what << ": " << ec.message() << "\n";
  return 1;
}

double ms(Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

asio::awaitable<void> do_ping(host::Host* h, mf::Multiaddr addr, int count, Outcome* out) {
  auto conn = co_await h->dial(addr);
  if (!conn) {
    out->code = fail("cannot connect to " + addr.to_string(), conn.error());
    co_await h->stop();
    co_return;
  }
  const auto peer = conn->remote_peer;
  std::cout << "PING " << addr.to_string() << " (peer " << peer.to_string() << ")\n";
  std::vector<double> rtts;
  for (int i = 0; i < count; ++i) {
    auto rtt = co_await h->ping(peer);
    if (!rtt) {
      out->code = fail("ping " + std::to_string(i + 1) + " failed", rtt.error());
      break;
    }
    rtts.push_back(ms(*rtt));
    std::cout << "pong " << (i + 1) << ": time=" << std::fixed << std::setprecision(3) << rtts.back() << " ms\n";
  }
  if (!rtts.empty()) {
    const auto [mn, mx] = std::minmax_element(rtts.begin(), rtts.end());
    double sum = 0;
    for (double r : rtts) sum += r;
    std::cout << "--- " << peer.to_string() << " ping statistics ---\n"
              << count << " sent, " << rtts.size() << " received; rtt min/avg/max = " << std::fixed
              << std::setprecision(3) << *mn << "/" << sum / static_cast<double>(rtts.size()) << "/" << *mx
              << " ms\n";
  }
  co_await h->stop();
}

asio::awaitable<void> do_identify(host::Host* h, mf::Multiaddr addr, bool json, Outcome* out) {
  auto conn = co_await h->dial(addr);
  if (!conn) {
    out->code = fail("cannot connect to " + addr.to_string(), conn.error());
    co_await h->stop();
    co_return;
  }
  auto info = co_await h->identify(conn->remote_peer);
  if (!info) {
    out->code = fail("identify failed", info.error());
    co_await h->stop();
    co_return;
  }
  if (json) {
    nlohmann::json j;
    j["peer_id"] = info->id.to_string();
    j["agent_version"] = info->agent_version;
    j["protocol_version"] = info->protocol_version;
    j["protocols"] = info->protocols;
    j["listen_addrs"] = nlohmann::json::array();
    for (const auto& a : info->addrs) j["listen_addrs"].push_back(a.to_string());
    j["observed_addr"] = info->observed_addr ? nlohmann::json(info->observed_addr->to_string()) : nlohmann::json();
    j["public_key_type"] = info->public_key ? crypto::to_string(info->public_key->type()) : "";
    j["connection"] = {{"remote_addr", conn->remote_addr.to_string()},
                       {"local_addr", conn->local_addr.to_string()},
                       {"muxer", conn->muxer},
                       {"muxer_from_noise_extension", conn->muxer_from_noise_extension}};
    std::cout << j.dump() << std::endl;
  } else {
    std::cout << "peer id:          " << info->id.to_string() << "\n"
              << "agent version:    " << info->agent_version << "\n"
              << "protocol version: " << info->protocol_version << "\n"
              << "protocols:\n";
    for (const auto& p : info->protocols) std::cout << "  " << p << "\n";
    std::cout << "listen addresses:\n";
    for (const auto& a : info->addrs) std::cout << "  " << a.to_string() << "\n";
    std::cout << "observed address: " << (info->observed_addr ? info->observed_addr->to_string() : "(none)") << "\n";
  }
  co_await h->stop();
}

int usage_error(const std::string& msg) {
  std::cerr << "lotus-p2p: " << msg << "\n(see lotus-p2p --help)\n";
  return 2;
}

}  // namespace

int cmd_perf(int argc, char** argv);  // cmd_perf.cpp

int main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "perf") return cmd_perf(argc - 1, argv + 1);
  Options opt;
  std::vector<std::string> positional;
  bool help = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      help = true;
    } else if (a == "--json") {
      opt.json = true;
    } else if (a == "--verbose") {
      opt.verbose = true;
    } else if (a == "--count" || a == "--timeout") {
      if (i + 1 >= argc) return usage_error(a + " needs a number");
      const std::string v = argv[++i];
      int n = 0;
      try {
        std::size_t used = 0;
        n = std::stoi(v, &used);
        if (used != v.size()) throw std::invalid_argument(v);
      } catch (const std::exception&) {
        return usage_error(a + " needs a number, got '" + v + "'");
      }
      if (n <= 0) return usage_error(a + " must be positive");
      (a == "--count" ? opt.count : opt.timeout_s) = n;
    } else if (!a.empty() && a[0] == '-' && a.size() > 1 && a[1] == '-') {
      return usage_error("unknown option '" + a + "'");
    } else {
      positional.push_back(a);
    }
  }
  if (!positional.empty()) opt.command = positional[0];
  if (help) {
    std::cout << (opt.command == "ping" ? kPingUsage : opt.command == "identify" ? kIdentifyUsage : kUsage);
    return 0;
  }
  if (opt.command.empty()) return usage_error("missing command");
  if (opt.command != "ping" && opt.command != "identify") return usage_error("unknown command '" + opt.command + "'");
  if (positional.size() != 2) return usage_error(opt.command + " needs exactly one <multiaddr>");
  if (opt.verbose) log::set_level(log::Level::debug);

  auto addr = mf::Multiaddr::parse(positional[1]);
  if (!addr) return usage_error("invalid multiaddr '" + positional[1] + "': " + addr.error().message());

  auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
  if (!key) return fail("cannot create an identity", key.error());
  host::Config cfg;
  cfg.dial_timeout = cfg.handshake_timeout = cfg.negotiation_timeout = cfg.identify_timeout =
      std::chrono::seconds(opt.timeout_s);
  cfg.run_identify = false;  // `identify` runs it explicitly; `ping` does not need it
  asio::io_context io;
  host::Host node(io, std::move(*key), cfg);
  Outcome out;
  if (opt.command == "ping") {
    asio::co_spawn(io, do_ping(&node, *addr, opt.count, &out), [&](std::exception_ptr e) {
      if (e) out.code = 1;
    });
  } else {
    asio::co_spawn(io, do_identify(&node, *addr, opt.json, &out), [&](std::exception_ptr e) {
      if (e) out.code = 1;
    });
  }
  io.run();
  return out.code;
}
