// lotus-p2p perf: runs the libp2p perf protocol (/perf/1.0.0) against a peer and prints the
// measured throughput. The remote must run a perf server (lotus-p2pd --enable-perf-server, or
// any libp2p node with perf enabled).
//   lotus-p2p perf <multiaddr> [--upload BYTES] [--download BYTES] [--json] [--timeout S]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.hpp"
#include "crypto/keys.hpp"
#include "host/host.hpp"
#include "host/perf_service.hpp"
#include "runtime/asio.hpp"

namespace {

using namespace lotus;

constexpr const char* kPerfUsage = R"(usage: lotus-p2p perf <multiaddr> [--upload BYTES] [--download BYTES] [--json]
                      [--timeout SECONDS] [--verbose]

Runs the libp2p perf protocol (/perf/1.0.0): uploads BYTES to the peer, then downloads
BYTES from it, on one stream, and prints the throughput of each phase. The peer must run
a perf server (e.g. lotus-p2pd --enable-perf-server).

  --upload BYTES     bytes to send (default 100MiB)
  --download BYTES   bytes to receive (default 100MiB)
  --json             print one JSON object with the results instead of text
  --timeout SECONDS  dial/handshake/negotiation timeout (default 10)
  --verbose          debug logs on stderr

BYTES is a number with an optional suffix: k/M/G/T = 1000^n (also kB, MB, ...),
Ki/Mi/Gi/Ti = 1024^n (also KiB, MiB, ...; K alone means KiB), e.g. 1GiB, 100MiB, 5M.
Progress lines go to stderr once a transfer runs longer than a second.
)";

int usage_error(const std::string& msg) {
  std::cerr << "lotus-p2p perf: " << msg << "\n(see lotus-p2p perf --help)\n";
  return 2;
}

// "1GiB" → 1073741824. nullopt for garbage or overflow.
std::optional<std::uint64_t> parse_size(std::string_view s) {
  std::size_t i = 0;
  std::uint64_t n = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    const std::uint64_t d = static_cast<std::uint64_t>(s[i] - '0');
    if (n > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return std::nullopt;
    n = n * 10 + d;
    ++i;
  }
  if (i == 0) return std::nullopt;
  std::string suffix(s.substr(i));
  if (!suffix.empty() && (suffix.back() == 'B' || suffix.back() == 'b')) suffix.pop_back();  // "MiB" = "Mi"
  std::uint64_t mult = 1;
  if (suffix.empty()) {
    mult = 1;
  } else {
    const bool binary = suffix.size() == 2 && (suffix[1] == 'i' || suffix[1] == 'I');
    if (suffix.size() > 2 || (suffix.size() == 2 && !binary)) return std::nullopt;
    const char c = suffix[0];
    int power = 0;
    switch (c) {
      case 'k': case 'K': power = 1; break;
      case 'm': case 'M': power = 2; break;
      case 'g': case 'G': power = 3; break;
      case 't': case 'T': power = 4; break;
      default: return std::nullopt;
    }
    const std::uint64_t base = (binary || c == 'K') ? 1024 : 1000;
    for (int p = 0; p < power; ++p) mult *= base;
  }
  if (n != 0 && mult > std::numeric_limits<std::uint64_t>::max() / n) return std::nullopt;
  return n * mult;
}

double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

std::string human_bytes(std::uint64_t b) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(2);
  if (b >= (std::uint64_t{1} << 30)) o << static_cast<double>(b) / double(1 << 30) << " GiB";
  else if (b >= (std::uint64_t{1} << 20)) o << static_cast<double>(b) / double(1 << 20) << " MiB";
  else if (b >= 1024) o << static_cast<double>(b) / 1024.0 << " KiB";
  else o << b << " B";
  return o.str();
}

std::string rate(std::uint64_t bytes, Duration d) {
  const double s = seconds(d);
  std::ostringstream o;
  o << std::fixed << std::setprecision(1);
  if (s <= 0) {
    o << "n/a";
  } else {
    const double bps = static_cast<double>(bytes) / s;
    o << bps * 8 / 1e6 << " Mbit/s (" << bps / double(1 << 20) << " MiB/s)";
  }
  return o.str();
}

struct PerfJob {
  std::uint64_t upload = 100 << 20;
  std::uint64_t download = 100 << 20;
  bool json = false;
  int code = 0;
};

asio::awaitable<void> do_perf(host::Host* h, mf::Multiaddr addr, PerfJob* job) {
  const TimePoint t0 = Clock::now();
  auto conn = co_await h->dial(addr);
  if (!conn) {
    std::cerr << "lotus-p2p perf: cannot connect to " << addr.to_string() << ": " << conn.error().message() << "\n";
    job->code = 1;
    co_await h->stop();
    co_return;
  }
  const Duration connect_time = Clock::now() - t0;
  if (!job->json)
    std::cout << "PERF " << addr.to_string() << " (peer " << conn->remote_peer.to_string() << ", " << conn->muxer
              << "): upload " << human_bytes(job->upload) << ", download " << human_bytes(job->download) << std::endl;
  host::PerfClientOptions o;
  o.report_interval = std::chrono::seconds(1);
  o.on_progress = [job](const proto::perf::Progress& p) {
    std::cerr << "  [" << std::fixed << std::setprecision(1) << seconds(p.elapsed) << " s] uploaded "
              << human_bytes(p.uploaded) << " / " << human_bytes(job->upload) << ", downloaded "
              << human_bytes(p.downloaded) << " / " << human_bytes(job->download) << "\n";
  };
  auto r = co_await host::run_perf(*h, conn->remote_peer, job->upload, job->download, o);
  if (!r) {
    std::cerr << "lotus-p2p perf: perf failed: " << r.error().message() << "\n";
    job->code = 1;
    co_await h->stop();
    co_return;
  }
  if (job->json) {
    nlohmann::json j;
    j["peer_id"] = conn->remote_peer.to_string();
    j["muxer"] = conn->muxer;
    j["connect_s"] = seconds(connect_time);
    j["negotiation_s"] = seconds(r->negotiation);
    j["uploaded"] = r->uploaded;
    j["upload_s"] = seconds(r->upload_time);
    j["downloaded"] = r->downloaded;
    j["download_s"] = seconds(r->download_time);
    j["total_s"] = seconds(r->total);
    j["upload_bps"] = seconds(r->upload_time) > 0 ? static_cast<double>(r->uploaded) * 8 / seconds(r->upload_time) : 0.0;
    j["download_bps"] =
        seconds(r->download_time) > 0 ? static_cast<double>(r->downloaded) * 8 / seconds(r->download_time) : 0.0;
    std::cout << j.dump() << std::endl;
  } else {
    std::cout << std::fixed << std::setprecision(3) << "connect:   " << seconds(connect_time) * 1e3 << " ms\n"
              << "upload:    " << human_bytes(r->uploaded) << " in " << seconds(r->upload_time) << " s = "
              << rate(r->uploaded, r->upload_time) << "\n"
              << "download:  " << human_bytes(r->downloaded) << " in " << seconds(r->download_time) << " s = "
              << rate(r->downloaded, r->download_time) << "\n"
              << "total:     " << seconds(r->total) << " s (incl. " << seconds(r->negotiation) * 1e3
              << " ms protocol negotiation)" << std::endl;
  }
  co_await h->stop();
}

}  // namespace

// argv[0] is "perf".
int cmd_perf(int argc, char** argv) {
  PerfJob job;
  std::vector<std::string> positional;
  int timeout_s = 10;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::cout << kPerfUsage;
      return 0;
    } else if (a == "--json") {
      job.json = true;
    } else if (a == "--verbose") {
      verbose = true;
    } else if (a == "--upload" || a == "--download") {
      if (i + 1 >= argc) return usage_error(a + " needs a size");
      const std::string v = argv[++i];
      auto n = parse_size(v);
      if (!n) return usage_error(a + ": invalid size '" + v + "' (e.g. 1GiB, 100MiB, 4096)");
      (a == "--upload" ? job.upload : job.download) = *n;
    } else if (a == "--timeout") {
      if (i + 1 >= argc) return usage_error("--timeout needs a number");
      const std::string v = argv[++i];
      auto n = parse_size(v);
      if (!n || *n == 0 || *n > 86400) return usage_error("--timeout needs seconds (1..86400), got '" + v + "'");
      timeout_s = static_cast<int>(*n);
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error("unknown option '" + a + "'");
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 1) return usage_error("needs exactly one <multiaddr>");
  if (verbose) log::set_level(log::Level::debug);
  auto addr = mf::Multiaddr::parse(positional[0]);
  if (!addr) return usage_error("invalid multiaddr '" + positional[0] + "': " + addr.error().message());

  auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
  if (!key) {
    std::cerr << "lotus-p2p perf: cannot create an identity: " << key.error().message() << "\n";
    return 1;
  }
  host::Config cfg;
  cfg.dial_timeout = cfg.handshake_timeout = cfg.negotiation_timeout = cfg.identify_timeout =
      std::chrono::seconds(timeout_s);
  cfg.run_identify = false;
  asio::io_context io;
  host::Host node(io, std::move(*key), cfg);
  asio::co_spawn(io, do_perf(&node, *addr, &job), [&job](std::exception_ptr e) {
    if (e) job.code = 1;
  });
  io.run();
  return job.code;
}
