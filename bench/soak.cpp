// bench_soak — what a set of lotus-p2pd daemons survives over time.
//
// Starts N daemons on loopback (node 0 is everyone's bootstrap peer), then for --duration
// runs a scripted load against them, all at once:
//   flood      TCP connections opened and closed at a rate, spread over the nodes
//   garbage    connections that send random bytes
//   slowloris  connections held open that dribble one byte now and then (at most --slowloris)
//   malformed  connections that negotiate multistream-select correctly, then send a broken
//              Noise message
//   dht        puts of resource records on one node and gets of them from another
//   gossip     every node subscribed to one topic (a pubsub.sub stream per node); messages
//              published on random nodes, each counted at every subscriber
//   churn      a node (never node 0) killed with SIGKILL and restarted on its data directory
// and every --sample seconds it measures, per node: ping latency (the node pings its
// neighbour through its control API), control-API latency, RSS and open file descriptors.
//
// The report: latency percentiles, RSS and FDs over time (first/max/last per node), DHT
// records with a live holder that could not be read, gossip messages lost to subscribers that
// were up the whole time, every refusal/error counter of /metrics by series, and the load
// actually applied. --json FILE writes it all. Exit status 1 when a daemon died without being
// killed by the churn, or a node's control API no longer answered at the end; the rest is
// reported, not judged (the machine is noisy).
//
//   bench_soak --nodes 10 --duration 900        the 15-minute run
//   bench_soak --smoke                          3 nodes, 20 s (the bench-smoke ctest)
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "interop_harness.hpp"
#include "node/api_endpoint.hpp"
#include "node/control_client.hpp"
#include "node/metrics_text.hpp"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using lotus::interop::Subprocess;

struct Options {
  int nodes = 10;
  int duration_s = 900;
  int sample_s = 5;
  int flood_per_s = 20;
  int garbage_per_s = 10;
  int malformed_per_s = 10;
  int slowloris = 40;
  int dht_per_s = 4;
  int gossip_per_s = 10;
  int churn_every_s = 60;
  std::string daemon = LOTUS_P2PD_PATH;
  std::string json_path;
  bool keep = false;
  bool limit_loopback = false;  // apply the per-IP limits to loopback (all our load comes from it)
};

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// ---------------------------------------------------------------------------------- a daemon

struct Daemon {
  int index = 0;
  std::string data_dir;
  std::string peer_id, addr, api;
  std::uint16_t port = 0;
  std::unique_ptr<Subprocess> proc;
  std::atomic<bool> up{false};
  std::atomic<double> up_since{0};  // seconds since the run started
  int restarts = 0;
  bool died_unexpectedly = false;
  std::string death;
  std::vector<std::pair<double, std::size_t>> rss_kib, fds, disk_kib;  // (t, value)

  lotus::node::ControlClient client(std::chrono::milliseconds timeout = 20s) const {
    const auto ep = *lotus::node::ApiEndpoint::parse(api);
    return lotus::node::ControlClient(ep, timeout, lotus::node::default_api_token(ep, std::nullopt, data_dir, {}));
  }
};

std::size_t proc_rss_kib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  return 0;
}

std::size_t proc_fds(int pid) {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec); !ec && it != fs::directory_iterator();
       it.increment(ec))
    ++n;
  return n;
}

std::size_t dir_kib(const std::string& dir) {
  std::uintmax_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    std::error_code e2;
    if (it->is_regular_file(e2)) total += it->file_size(e2);
  }
  return static_cast<std::size_t>(total / 1024);
}

bool start_daemon(Daemon& d, const Options& o, const std::string& bootstrap, double t) {
  std::vector<std::string> argv = {o.daemon, "--data-dir", d.data_dir, "--json-ready", "--listen",
                                   "/ip4/127.0.0.1/tcp/" + std::to_string(d.port), "--api-listen", "127.0.0.1:0",
                                   "--log-level", "warn", "--dht-server"};
  if (!bootstrap.empty()) argv.insert(argv.end(), {"--bootstrap-peers", bootstrap});
  if (o.limit_loopback) argv.push_back("--limit-loopback");
  d.proc = std::make_unique<Subprocess>(argv, "lotus-p2pd-" + std::to_string(d.index));
  const auto line = d.proc->read_line(60s);
  if (!line) {
    std::fprintf(stderr, "soak: node %d did not start:\n%s\n", d.index, d.proc->describe().c_str());
    return false;
  }
  const json j = json::parse(*line, nullptr, false);
  if (!j.is_object()) return false;
  d.peer_id = j.value("peer_id", "");
  d.api = j.value("api", "");
  for (const auto& a : j.value("addrs", json::array())) {
    const auto s = a.get<std::string>();
    if (s.rfind("/ip4/127.0.0.1/tcp/", 0) == 0) d.addr = s;
  }
  if (d.addr.empty() || d.api.empty()) return false;
  const auto p = d.addr.substr(std::strlen("/ip4/127.0.0.1/tcp/"));
  d.port = static_cast<std::uint16_t>(std::stoul(p.substr(0, p.find('/'))));
  d.up_since = t;
  d.up = true;
  return true;
}

// -------------------------------------------------------------------------- raw-socket attacks

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

struct AttackCounts {
  std::atomic<std::uint64_t> flood{0}, garbage{0}, malformed{0}, slowloris_opened{0}, slowloris_cut{0},
      connect_failed{0};
};

// ------------------------------------------------------------------------------- statistics

struct Percentiles {
  std::vector<double> v;
  void add(double x) { v.push_back(x); }
  json to_json() {
    std::sort(v.begin(), v.end());
    auto at = [&](double q) { return v.empty() ? 0.0 : v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))]; };
    return json{{"n", v.size()}, {"p50_ms", at(0.50)}, {"p95_ms", at(0.95)}, {"p99_ms", at(0.99)},
                {"max_ms", v.empty() ? 0.0 : v.back()}};
  }
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_soak: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--nodes") o.nodes = std::stoi(val());
    else if (a == "--duration") o.duration_s = std::stoi(val());
    else if (a == "--sample") o.sample_s = std::stoi(val());
    else if (a == "--flood") o.flood_per_s = std::stoi(val());
    else if (a == "--garbage") o.garbage_per_s = std::stoi(val());
    else if (a == "--malformed") o.malformed_per_s = std::stoi(val());
    else if (a == "--slowloris") o.slowloris = std::stoi(val());
    else if (a == "--dht") o.dht_per_s = std::stoi(val());
    else if (a == "--gossip") o.gossip_per_s = std::stoi(val());
    else if (a == "--churn-every") o.churn_every_s = std::stoi(val());
    else if (a == "--daemon") o.daemon = val();
    else if (a == "--json") o.json_path = val();
    else if (a == "--keep") o.keep = true;
    else if (a == "--limit-loopback") o.limit_loopback = true;
    else if (a == "--smoke") {
      o.nodes = 3;
      o.duration_s = 20;
      o.sample_s = 2;
      o.churn_every_s = 8;
      o.slowloris = 10;
    } else {
      std::fprintf(stderr,
                   "usage: bench_soak [--smoke] [--nodes N] [--duration S] [--sample S] [--flood R] [--garbage R]\n"
                   "                  [--malformed R] [--slowloris N] [--dht R] [--gossip R] [--churn-every S]\n"
                   "                  [--daemon PATH] [--json FILE] [--keep] [--limit-loopback]\n");
      return a == "--help" ? 0 : 2;
    }
  }
  if (o.nodes < 2 || o.duration_s < 1 || o.sample_s < 1) {
    std::fprintf(stderr, "bench_soak: --nodes >= 2, --duration >= 1, --sample >= 1\n");
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);

  char tmpl[] = "/tmp/lotus-soak-XXXXXX";
  const char* root_c = ::mkdtemp(tmpl);
  if (!root_c) return 1;
  const fs::path root = root_c;
  const auto t0 = Clock::now();

  // ---- start the daemons
  std::vector<std::unique_ptr<Daemon>> nodes;
  for (int i = 0; i < o.nodes; ++i) {
    auto d = std::make_unique<Daemon>();
    d->index = i;
    d->data_dir = (root / ("node" + std::to_string(i))).string();
    fs::create_directories(d->data_dir);
    if (!start_daemon(*d, o, i == 0 ? std::string() : nodes[0]->addr, since(t0))) return 1;
    nodes.push_back(std::move(d));
  }
  std::printf("soak: %d daemons up in %.1f s (data under %s); running %d s\n", o.nodes, since(t0), root.c_str(),
              o.duration_s);
  std::fflush(stdout);
  std::mutex mu;  // guards restarts of a node against the actors reading its fields
  std::atomic<bool> stop{false};
  const double end_t = since(t0) + o.duration_s;
  std::mt19937 seed_rng(12345);
  auto pick = [&](std::mt19937& rng, int avoid = -1) -> Daemon* {
    for (int tries = 0; tries < 20; ++tries) {
      auto* d = nodes[rng() % nodes.size()].get();
      if (d->up && d->index != avoid) return d;
    }
    return nullptr;
  };
  // Sleeps in small steps so that `stop` is seen quickly.
  auto pause = [&](std::chrono::milliseconds ms) {
    const auto until = Clock::now() + ms;
    while (!stop && Clock::now() < until) std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(50ms, ms));
  };

  AttackCounts attacks;
  std::vector<std::thread> actors;

  // ---- flood / garbage / malformed: one thread, a fixed schedule per second
  actors.emplace_back([&] {
    std::mt19937 rng(1);
    const int per_s = o.flood_per_s + o.garbage_per_s + o.malformed_per_s;
    if (per_s == 0) return;
    const auto step = std::chrono::microseconds(1'000'000 / per_s);
    int k = 0;
    while (!stop) {
      std::uint16_t port = 0;
      {
        std::lock_guard lk(mu);
        if (auto* d = pick(rng)) port = d->port;
      }
      const int kind = k++ % per_s;
      if (port != 0) {
        const int fd = connect_to(port);
        if (fd < 0) {
          ++attacks.connect_failed;
        } else {
          if (kind < o.flood_per_s) {
            ++attacks.flood;
          } else if (kind < o.flood_per_s + o.garbage_per_s) {
            std::vector<unsigned char> junk(1 + rng() % 4096);
            for (auto& c : junk) c = static_cast<unsigned char>(rng());
            (void)!::write(fd, junk.data(), junk.size());
            ++attacks.garbage;
          } else {
            // multistream header + "/noise", then a Noise frame whose length promises more than
            // follows and whose body is not a handshake message.
            const std::string ms = "\x13/multistream/1.0.0\n\x07/noise\n";
            (void)!::write(fd, ms.data(), ms.size());
            unsigned char frame[40];
            frame[0] = 0xff;
            frame[1] = 0xff;
            for (int i = 2; i < 40; ++i) frame[i] = static_cast<unsigned char>(rng());
            (void)!::write(fd, frame, sizeof frame);
            ++attacks.malformed;
          }
          ::close(fd);
        }
      }
      std::this_thread::sleep_for(step);
    }
  });

  // ---- slowloris: hold up to N connections, dribble a byte to each every second
  actors.emplace_back([&] {
    std::mt19937 rng(2);
    std::vector<int> held;
    while (!stop) {
      while (static_cast<int>(held.size()) < o.slowloris && !stop) {
        std::uint16_t port = 0;
        {
          std::lock_guard lk(mu);
          if (auto* d = pick(rng)) port = d->port;
        }
        const int fd = port ? connect_to(port) : -1;
        if (fd < 0) break;
        held.push_back(fd);
        ++attacks.slowloris_opened;
      }
      for (auto it = held.begin(); it != held.end();) {
        const char b = '\x13';
        if (::send(*it, &b, 1, MSG_NOSIGNAL) != 1) {
          ::close(*it);
          it = held.erase(it);
          ++attacks.slowloris_cut;
        } else {
          ++it;
        }
      }
      pause(1000ms);
    }
    for (int fd : held) ::close(fd);
  });

  // ---- DHT: put on one node, get from another
  std::atomic<std::uint64_t> dht_puts{0}, dht_put_failed{0}, dht_gets{0}, dht_get_ok{0}, dht_unreachable{0},
      dht_get_joining{0};
  actors.emplace_back([&] {
    if (o.dht_per_s == 0) return;
    std::mt19937 rng(3);
    struct Put {
      std::string key;
      int holder;
    };
    std::vector<Put> stored;
    int n = 0;
    while (!stop) {
      Daemon* a = nullptr;
      Daemon* b = nullptr;
      std::optional<lotus::node::ControlClient> ca, cb;
      {
        std::lock_guard lk(mu);
        a = pick(rng);
        if (a) ca.emplace(a->client(10s));
        b = pick(rng, a ? a->index : -1);
        if (b) cb.emplace(b->client(10s));
      }
      if (a && n % 2 == 0) {
        const std::string key = "resource:soak:" + std::to_string(n);
        const json value = {{"n", n}, {"createdAt", n}, {"pad", std::string(200, 'p')}};
        auto r = ca->call("dht.put", json{{"key", key}, {"value", value.dump()}});
        ++dht_puts;
        if (r) {
          stored.push_back({key, a->index});
        } else {
          if (dht_put_failed++ == 0) std::fprintf(stderr, "soak: first dht.put failure: %s\n", r.error.message.c_str());
        }
      } else if (b && !stored.empty()) {
        const auto& p = stored[rng() % stored.size()];
        // A getter restarted less than 10 s ago may not have joined the DHT yet ("no DHT server
        // known"): its failures are counted apart, not as unreachable records.
        const bool joining = since(t0) - b->up_since.load() < 10;
        auto r = cb->call("dht.get", json{{"key", p.key}});
        ++dht_gets;
        if (r) {
          ++dht_get_ok;
        } else if (joining) {
          ++dht_get_joining;
        } else if (nodes[static_cast<std::size_t>(p.holder)]->up) {  // holder alive, record not found
          if (dht_unreachable++ == 0) std::fprintf(stderr, "soak: first unreachable record: %s\n", r.error.message.c_str());
        }
      }
      ++n;
      pause(std::chrono::milliseconds(1000 / o.dht_per_s));
    }
  });

  // ---- gossip: a subscription stream per node (re-opened after a restart), publishes
  const std::string topic = "soak";
  struct Published {
    std::string data;
    double t;
  };
  std::vector<Published> published;
  std::map<int, std::set<std::string>> received;  // node -> payloads seen (under mu)
  std::mutex gossip_mu;
  std::vector<std::thread> subscribers;
  for (auto& dn : nodes) {
    Daemon* d = dn.get();
    subscribers.emplace_back([&, d] {
      while (!stop) {
        std::optional<lotus::node::ControlClient> c;
        {
          std::lock_guard lk(mu);
          if (d->up) c.emplace(d->client(2s));
        }
        if (!c) {
          pause(200ms);
          continue;
        }
        // One subscription for the rest of the run (a re-subscription would miss messages);
        // it ends with the run, or when the node is killed.
        const auto left = std::chrono::milliseconds(static_cast<long>((end_t + 4 - since(t0)) * 1000));
        if (left <= 0ms) break;
        (void)c->stream("pubsub.sub", json{{"topic", topic}}, [&](const json& item) {
          if (item.contains("data")) {
            std::lock_guard lk(gossip_mu);
            received[d->index].insert(item["data"].get<std::string>());
          }
          return !stop.load();
        }, left);
        pause(200ms);
      }
    });
  }
  actors.emplace_back([&] {
    if (o.gossip_per_s == 0) return;
    std::mt19937 rng(4);
    pause(3000ms);  // let the subscriptions and meshes form
    int n = 0;
    while (!stop) {
      std::optional<lotus::node::ControlClient> c;
      {
        std::lock_guard lk(mu);
        if (auto* d = pick(rng)) c.emplace(d->client(5s));
      }
      if (c) {
        const std::string data = "m" + std::to_string(n++);
        const double t = since(t0);
        if (c->call("pubsub.pub", json{{"topic", topic}, {"data", data}})) {
          std::lock_guard lk(gossip_mu);
          published.push_back({data, t});
        }
      }
      pause(std::chrono::milliseconds(1000 / o.gossip_per_s));
    }
  });

  // ---- churn: kill -9 a node (never node 0) and restart it on its data directory
  struct Down {
    int node;
    double from, to;
  };
  std::vector<Down> downtimes;
  int churns = 0;
  if (o.churn_every_s > 0) {
    actors.emplace_back([&] {
      std::mt19937 rng(5);
      while (!stop) {
        pause(std::chrono::seconds(o.churn_every_s));
        if (stop) break;
        auto* d = nodes[1 + rng() % (nodes.size() - 1)].get();
        std::unique_ptr<Subprocess> old;
        {
          std::lock_guard lk(mu);
          d->up = false;
          old = std::move(d->proc);
        }
        const double from = since(t0);
        old->signal(SIGKILL);
        (void)old->wait_exit(10s);
        old.reset();
        std::lock_guard lk(mu);
        if (!start_daemon(*d, o, nodes[0]->addr, since(t0))) {
          d->port = 0;  // the old port may be taken: any port
          if (!start_daemon(*d, o, nodes[0]->addr, since(t0))) {
            d->died_unexpectedly = true;
            d->death = "could not be restarted after churn";
            continue;
          }
        }
        ++d->restarts;
        ++churns;
        downtimes.push_back({d->index, from, since(t0)});
      }
    });
  }

  // ---- sampling
  std::map<int, Percentiles> ping_ms, api_ms;
  Percentiles ping_all, api_all;
  std::uint64_t ping_failed = 0, api_failed = 0;
  int samples = 0;
  while (since(t0) < end_t) {
    const auto next = Clock::now() + std::chrono::seconds(o.sample_s);
    ++samples;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      Daemon& d = *nodes[i];
      std::optional<lotus::node::ControlClient> c;
      std::string neighbour;
      int pid = -1;
      {
        std::lock_guard lk(mu);
        if (!d.up || !d.proc) continue;
        if (auto st = d.proc->wait_exit(0ms)) {
          d.up = false;
          d.died_unexpectedly = true;
          d.death = "exited with status " + std::to_string(*st) + "\n" + d.proc->describe();
          continue;
        }
        pid = d.proc->pid();
        c.emplace(d.client(10s));
        const auto& nb = *nodes[(i + 1) % nodes.size()];
        if (nb.up) neighbour = nb.addr;
      }
      const double t = since(t0);
      d.rss_kib.emplace_back(t, proc_rss_kib(pid));
      d.fds.emplace_back(t, proc_fds(pid));
      d.disk_kib.emplace_back(t, dir_kib(d.data_dir));
      auto s = Clock::now();
      if (c->call("id")) {
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - s).count();
        api_ms[d.index].add(ms);
        api_all.add(ms);
      } else {
        ++api_failed;
      }
      if (!neighbour.empty()) {
        double rtt = -1;
        (void)c->stream("ping", json{{"addr", neighbour}, {"count", 1}}, [&](const json& item) {
          if (item.contains("rtt_ms")) rtt = item["rtt_ms"].get<double>();
          else if (item.contains("rtt_us")) rtt = item["rtt_us"].get<double>() / 1000.0;
          return true;
        }, 10s);
        if (rtt >= 0) {
          ping_ms[d.index].add(rtt);
          ping_all.add(rtt);
        } else {
          ++ping_failed;
        }
      }
    }
    std::printf("soak: t=%5.0fs  sample %d  flood %llu garbage %llu malformed %llu slowloris %llu  dht put %llu get %llu "
                "unreachable %llu  churns %d\n",
                since(t0), samples, static_cast<unsigned long long>(attacks.flood.load()),
                static_cast<unsigned long long>(attacks.garbage.load()),
                static_cast<unsigned long long>(attacks.malformed.load()),
                static_cast<unsigned long long>(attacks.slowloris_opened.load()),
                static_cast<unsigned long long>(dht_puts.load()), static_cast<unsigned long long>(dht_gets.load()),
                static_cast<unsigned long long>(dht_unreachable.load()), churns);
    std::fflush(stdout);
    std::this_thread::sleep_until(std::min(next, t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(end_t))));
  }
  const double t_end = since(t0);
  // Let the last publications arrive, then stop the load.
  std::this_thread::sleep_for(2s);
  stop = true;
  for (auto& t : actors) t.join();

  // ---- final checks: every node answers its control API; its /metrics
  int failures = 0;
  json per_node = json::array();
  std::map<std::string, double> refusals;  // series -> sum over nodes
  for (auto& dn : nodes) {
    Daemon& d = *dn;
    json jn{{"node", d.index}, {"restarts", d.restarts}};
    if (d.died_unexpectedly) {
      ++failures;
      jn["died"] = d.death;
      std::fprintf(stderr, "soak: node %d DIED: %s\n", d.index, d.death.c_str());
    } else if (d.up) {
      auto c = d.client(20s);
      if (!c.call("id")) {
        ++failures;
        jn["api"] = "not answering";
        std::fprintf(stderr, "soak: node %d does not answer its control API at the end\n", d.index);
      }
      if (auto m = c.get("/metrics")) {
        if (auto p = lotus::node::parse_prometheus(*m.value)) {
          for (const auto& s : p->samples) {
            if (s.value <= 0) continue;
            if (s.name.find("refus") == std::string::npos && s.name.find("error") == std::string::npos &&
                s.name.find("fail") == std::string::npos && s.name.find("drop") == std::string::npos)
              continue;
            std::string series = s.name + "{";
            bool first = true;
            for (const auto& [k, v] : s.labels) {
              series += (first ? "" : ",") + k + "=" + v;
              first = false;
            }
            refusals[series + "}"] += s.value;
          }
        }
      }
    }
    auto minmax = [](const std::vector<std::pair<double, std::size_t>>& v) {
      json j = json::object();
      if (v.empty()) return j;
      std::size_t mx = 0;
      for (const auto& [t, x] : v) mx = std::max(mx, x);
      j["first"] = v.front().second;
      j["max"] = mx;
      j["last"] = v.back().second;
      json series = json::array();
      for (const auto& [t, x] : v) series.push_back({std::lround(t), x});
      j["series"] = series;
      return j;
    };
    jn["rss_kib"] = minmax(d.rss_kib);
    jn["fds"] = minmax(d.fds);
    jn["disk_kib"] = minmax(d.disk_kib);
    jn["ping"] = ping_ms[d.index].to_json();
    jn["api"] = api_ms[d.index].to_json();
    per_node.push_back(jn);
  }
  for (auto& t : subscribers) t.join();

  // ---- gossip losses: a message counts for a subscriber that was up from 10 s before it was
  // published (subscribed, mesh formed) until 2 s after the run's load stopped.
  std::uint64_t expected = 0, delivered = 0;
  for (const auto& p : published) {
    for (const auto& dn : nodes) {
      const int i = dn->index;
      bool up_throughout = !dn->died_unexpectedly;
      for (const auto& dt : downtimes)
        if (dt.node == i && dt.to + 10 > p.t && dt.from < t_end) up_throughout = false;
      if (!up_throughout || p.t < 10) continue;
      ++expected;
      if (received[i].count(p.data)) ++delivered;
    }
  }

  json report{
      {"nodes", o.nodes},
      {"duration_s", o.duration_s},
      {"samples", samples},
      {"load",
       {{"flood_connections", attacks.flood.load()},
        {"garbage_connections", attacks.garbage.load()},
        {"malformed_noise_connections", attacks.malformed.load()},
        {"slowloris_opened", attacks.slowloris_opened.load()},
        {"slowloris_cut_by_node", attacks.slowloris_cut.load()},
        {"attack_connects_failed", attacks.connect_failed.load()},
        {"churn_restarts", churns}}},
      {"ping", ping_all.to_json()},
      {"ping_failed", ping_failed},
      {"control_api", api_all.to_json()},
      {"control_api_failed", api_failed},
      {"dht",
       {{"puts", dht_puts.load()},
        {"put_failed", dht_put_failed.load()},
        {"gets", dht_gets.load()},
        {"get_ok", dht_get_ok.load()},
        {"get_failed_while_getter_joining", dht_get_joining.load()},
        {"unreachable_with_live_holder", dht_unreachable.load()}}},
      {"gossip",
       {{"published", published.size()},
        {"expected_deliveries", expected},
        {"delivered", delivered},
        {"lost", expected - delivered}}},
      {"refusals_and_errors", refusals},
      {"per_node", per_node},
      {"failures", failures},
  };

  std::printf("\n== soak report: %d nodes, %.0f s ==\n", o.nodes, t_end);
  std::printf("load: flood %llu, garbage %llu, malformed-noise %llu, slowloris %llu (cut by the node %llu), churn %d\n",
              static_cast<unsigned long long>(attacks.flood.load()), static_cast<unsigned long long>(attacks.garbage.load()),
              static_cast<unsigned long long>(attacks.malformed.load()),
              static_cast<unsigned long long>(attacks.slowloris_opened.load()),
              static_cast<unsigned long long>(attacks.slowloris_cut.load()), churns);
  auto pr = [](const char* what, const json& j, std::uint64_t failed) {
    std::printf("%-12s n=%-5llu p50 %.2f ms  p95 %.2f ms  p99 %.2f ms  max %.2f ms  failed %llu\n", what,
                static_cast<unsigned long long>(j["n"].get<std::uint64_t>()), j["p50_ms"].get<double>(),
                j["p95_ms"].get<double>(), j["p99_ms"].get<double>(), j["max_ms"].get<double>(),
                static_cast<unsigned long long>(failed));
  };
  pr("ping", report["ping"], ping_failed);
  pr("control API", report["control_api"], api_failed);
  std::printf("dht: %llu puts (%llu failed), %llu gets (%llu ok, %llu failed on a getter still joining), "
              "unreachable with a live holder: %llu\n",
              static_cast<unsigned long long>(dht_puts.load()), static_cast<unsigned long long>(dht_put_failed.load()),
              static_cast<unsigned long long>(dht_gets.load()), static_cast<unsigned long long>(dht_get_ok.load()),
              static_cast<unsigned long long>(dht_get_joining.load()),
              static_cast<unsigned long long>(dht_unreachable.load()));
  std::printf("gossip: %zu published, %llu deliveries expected, %llu delivered, %llu lost\n", published.size(),
              static_cast<unsigned long long>(expected), static_cast<unsigned long long>(delivered),
              static_cast<unsigned long long>(expected - delivered));
  std::printf("%-5s %-8s %-22s %-16s %-20s %-10s\n", "node", "restarts", "RSS KiB first/max/last",
              "FDs first/max/last", "disk KiB first/max/last", "API p99 ms");
  for (const auto& jn : per_node) {
    auto tri = [](const json& j) {
      if (!j.contains("first")) return std::string("-");
      return std::to_string(j["first"].get<std::size_t>()) + "/" + std::to_string(j["max"].get<std::size_t>()) + "/" +
             std::to_string(j["last"].get<std::size_t>());
    };
    std::printf("%-5d %-8d %-22s %-16s %-20s %-10.2f\n", jn["node"].get<int>(), jn["restarts"].get<int>(),
                tri(jn["rss_kib"]).c_str(), tri(jn["fds"]).c_str(), tri(jn["disk_kib"]).c_str(),
                jn["api"]["p99_ms"].get<double>());
  }
  std::printf("refusals and errors counted by the nodes (/metrics, summed):\n");
  for (const auto& [k, v] : refusals) std::printf("  %-90s %.0f\n", k.c_str(), v);
  if (!o.json_path.empty()) std::ofstream(o.json_path) << report.dump(2) << "\n";

  nodes.clear();  // SIGTERM each daemon
  if (!o.keep) fs::remove_all(root);
  std::printf("soak: %s\n", failures == 0 ? "every node survived and answers" : "FAILED (see above)");
  return failures == 0 ? 0 : 1;
}
