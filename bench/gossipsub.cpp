// GossipSub benchmarks (loopback, one process, one io_context thread for the C++ nodes):
//  1. one-hop delivery latency C++ -> C++ (A publishes a signed 72-byte message, B's
//     subscription yields it; sequential) next to js -> js measured by bench/js/gossipsub.mjs in
//     the same run (two js-libp2p nodes with @libp2p/gossipsub in one node process; the packages
//     come from tests/interop/node_modules, installed by scripts/setup.sh, or --node-modules DIR);
//  2. validate-and-forward throughput: a raw host writes N pre-signed messages into B, which
//     verifies each (StrictSign), delivers it and forwards it to C; timed from the first write
//     until C's router has delivered all N. B and C share the one thread, so every message is
//     verified twice (B, then C) within the figure. Next to it the cost of signature
//     verification alone (check_signature_policy, N times, same thread);
//  3. an N-node loopback mesh (each node dials its ring successor and 3 random nodes): after a
//     warm-up message, the time from publish until every other node's subscription has the
//     message (propagation), and the duplicates received per message: router counters summed
//     over all nodes, counted from the moment the warm-up message had reached every node until a
//     final fence message had reached every node, divided by (measured messages + 1): the window
//     holds every duplicate of the measured messages plus the warm-up's late duplicates and the
//     fence's early ones, which together stand in for one more message.
// Every wait is on an event (subscription, PubSub::wait_until) with a deadline; no sleeps.
//
// Usage: bench_gossipsub [--n-latency 500] [--n-throughput 20000] [--mesh-nodes 100]
//                        [--mesh-messages 20] [--no-js] [--node node] [--node-modules DIR]
//                        [--json FILE]
// Benchmark, not a test: prints numbers, never judges them. The exit code is 1 only when a part
// could not run (setup timed out, a message never arrived, the js helper failed).
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/log.hpp"
#include "base/rng.hpp"
#include "base/secure.hpp"
#include "crypto/keys.hpp"
#include "host/host.hpp"
#include "proto/gossipsub/rpc.hpp"
#include "proto/gossipsub/signing.hpp"
#include "pubsub/pubsub.hpp"
#include "runtime/asio.hpp"

using namespace lotus;
using namespace std::chrono_literals;
using json = nlohmann::json;
namespace gs = lotus::proto::gossipsub;

namespace {

double us(Duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

struct Summary {
  std::size_t n = 0;
  double median = 0, p99 = 0, max = 0;
};

Summary summarize(std::vector<double> v) {
  Summary s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.n = v.size();
  s.median = v[v.size() / 2];
  s.p99 = v[std::min(v.size() - 1, v.size() * 99 / 100)];
  s.max = v.back();
  return s;
}

json to_json(const Summary& s) { return json{{"n", s.n}, {"median_us", s.median}, {"p99_us", s.p99}, {"max_us", s.max}}; }

Summary report(const char* what, const std::vector<double>& v) {
  const Summary s = summarize(v);
  if (s.n == 0)
    std::printf("%-44s no samples\n", what);
  else
    std::printf("%-44s n=%-5zu median %9.1f us  p99 %9.1f us  max %9.1f us\n", what, s.n, s.median, s.p99, s.max);
  std::fflush(stdout);
  return s;
}

void raise_nofile() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &r);
  }
}

crypto::PrivateKey clone(const crypto::PrivateKey& k) {
  Bytes pb = k.to_protobuf();
  auto r = crypto::PrivateKey::from_protobuf(pb);
  secure_wipe(pb);
  return std::move(*r);
}

struct Node {
  std::unique_ptr<host::Host> host;
  std::unique_ptr<pubsub::PubSub> ps;
  std::optional<crypto::PrivateKey> key;
  mf::Multiaddr addr;  // with /p2p/
  pubsub::Subscription sub;
};

std::unique_ptr<Node> make_node(asio::io_context& io, Rng& rng, const pubsub::Config& cfg, bool with_pubsub = true) {
  auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
  if (!key) {
    std::fprintf(stderr, "key generation failed\n");
    std::exit(1);
  }
  auto n = std::make_unique<Node>();
  n->host = std::make_unique<host::Host>(io, clone(*key));
  auto bound = n->host->listen(*mf::Multiaddr::parse("/ip4/127.0.0.1/tcp/0"));
  if (!bound) {
    std::fprintf(stderr, "listen failed: %s\n", bound.error().message().c_str());
    std::exit(1);
  }
  n->addr = bound->with_peer_id(n->host->peer_id());
  if (with_pubsub) {
    n->ps = std::make_unique<pubsub::PubSub>(*n->host, clone(*key), cfg, rng);
    if (auto st = n->ps->start(); !st) {
      std::fprintf(stderr, "pubsub start failed: %s\n", st.error().message().c_str());
      std::exit(1);
    }
  }
  n->key.emplace(std::move(*key));
  return n;
}

asio::awaitable<void> stop_all(std::vector<std::unique_ptr<Node>>* nodes) {
  for (auto& n : *nodes) {
    n->sub = pubsub::Subscription();
    if (n->ps) co_await n->ps->stop();
  }
  for (auto& n : *nodes) co_await n->host->stop();
}

// Runs one coroutine to completion on `io` (hang guard: `limit`; exits the program then).
void run(asio::io_context& io, asio::awaitable<void> aw, Duration limit) {
  bool done = false;
  std::exception_ptr err;
  asio::co_spawn(io, std::move(aw), [&](std::exception_ptr e) {
    done = true;
    err = e;
  });
  const auto deadline = Clock::now() + limit;
  while (!done && Clock::now() < deadline) {
    if (io.stopped()) io.restart();
    io.run_one_for(100ms);
  }
  if (!done) {
    std::fprintf(stderr, "bench_gossipsub: a phase did not finish within %.0f s\n",
                 std::chrono::duration<double>(limit).count());
    std::exit(1);
  }
  if (err) std::rethrow_exception(err);
}

// Stops every node, destroys them and lets the io_context drain what they left behind.
void teardown(asio::io_context& io, std::vector<std::unique_ptr<Node>>& ns) {
  run(io, stop_all(&ns), 60s);
  ns.clear();
  io.restart();
  io.poll();
}

// ------------------------------------------------------------------ 1. one hop

asio::awaitable<void> one_hop(Node* a, Node* b, int n, std::vector<double>* out, bool* ok) {
  *ok = false;
  auto sa = a->ps->subscribe("bench");
  auto sb = b->ps->subscribe("bench");
  if (!sa || !sb) co_return;
  a->sub = std::move(*sa);
  b->sub = std::move(*sb);
  if (auto c = co_await a->host->dial(b->addr); !c) {
    std::printf("one hop: dial failed: %s\n", c.error().message().c_str());
    co_return;
  }
  const bool meshed_a =
      co_await a->ps->wait_until([a] { return a->ps->mesh_peers("bench").size() == 1; }, Clock::now() + 30s);
  const bool meshed_b =
      co_await b->ps->wait_until([b] { return b->ps->mesh_peers("bench").size() == 1; }, Clock::now() + 30s);
  if (!meshed_a || !meshed_b) {
    std::printf("one hop: mesh did not form within 30 s\n");
    co_return;
  }
  const Bytes payload(64 + 8, 'x');
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    if (auto id = a->ps->publish("bench", payload); !id) {
      std::printf("one hop: publish failed: %s\n", id.error().message().c_str());
      co_return;
    }
    auto m = co_await b->sub.next_until(Clock::now() + 10s);
    if (!m || !m->has_value()) {
      std::printf("one hop: message %d not delivered within 10 s\n", i);
      co_return;
    }
    out->push_back(us(Clock::now() - t0));
  }
  *ok = true;
}

struct JsResult {
  std::vector<double> samples;
  std::string gossipsub_version, node_version, error;
};

JsResult js_one_hop(const std::string& node_bin, const std::string& node_modules, int n) {
  JsResult r;
  // `timeout`: a js mesh that never forms must not hang the benchmark.
  std::string cmd = "timeout 300 " + node_bin + " " + LOTUS_SOURCE_DIR + "/bench/js/gossipsub.mjs " +
                    std::to_string(n);
  if (!node_modules.empty()) cmd += " --node-modules '" + node_modules + "'";
  cmd += " 2>/dev/null";
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) {
    r.error = "could not start " + node_bin;
    return r;
  }
  std::string out;
  std::array<char, 65536> buf{};
  while (std::size_t k = std::fread(buf.data(), 1, buf.size(), f)) out.append(buf.data(), k);
  const int status = ::pclose(f);
  const int code = status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  auto j = json::parse(out.substr(0, out.find('\n')), nullptr, false);
  if (!j.is_object() || !j.contains("samples_us")) {
    r.error = "js helper failed (exit code " + std::to_string(code) +
              "; node on PATH? tests/interop/node_modules installed by scripts/setup.sh?)";
    return r;
  }
  r.samples = j["samples_us"].get<std::vector<double>>();
  r.gossipsub_version = j.value("gossipsub", "");
  r.node_version = j.value("node", "");
  return r;
}

// ------------------------------------------------------------------ 2. throughput

// N signed messages (seqno 1..N, 64-byte data) as varint-framed RPCs, concatenated into write
// batches of ~256 KiB; the first RPC also carries the sender's subscription to `topic`.
// (A plain function: g++ 12 mishandles braced lists inside coroutines.)
std::vector<Bytes> presigned_batches(const crypto::PrivateKey& key, const std::string& topic, int n) {
  std::vector<Bytes> batches;
  Bytes cur;
  for (int i = 0; i < n; ++i) {
    gs::Rpc rpc;
    if (i == 0) rpc.subscriptions.push_back({true, topic});
    gs::Message m;
    m.topic = topic;
    m.data = Bytes(64, static_cast<std::uint8_t>(i));
    const std::uint64_t seq = static_cast<std::uint64_t>(i) + 1;
    Bytes s(gs::kSeqnoSize);
    for (std::size_t k = 0; k < gs::kSeqnoSize; ++k) s[k] = static_cast<std::uint8_t>(seq >> (8 * (7 - k)));
    m.seqno = std::move(s);
    if (auto st = gs::sign_message(m, key); !st) {
      std::fprintf(stderr, "sign_message failed: %s\n", st.error().message().c_str());
      std::exit(1);
    }
    rpc.publish.push_back(std::move(m));
    const Bytes f = gs::encode_frame(rpc);
    cur.insert(cur.end(), f.begin(), f.end());
    if (cur.size() >= 256 * 1024) {
      batches.push_back(std::move(cur));
      cur = Bytes();
    }
  }
  if (!cur.empty()) batches.push_back(std::move(cur));
  return batches;
}

// The raw host's handler for B's outbound pubsub stream (GRAFTs, IHAVEs): read and drop.
asio::awaitable<void> discard(host::Stream s) {
  std::array<std::uint8_t, 4096> b{};
  while (true) {
    auto r = co_await s.read_some(MutBytesView(b));
    if (!r || *r == 0) co_return;
  }
}

struct Throughput {
  int sent = 0;
  std::uint64_t delivered = 0;
  double elapsed_ms = 0, rate = 0;
  bool ok = false;
};

asio::awaitable<void> throughput(Node* raw, Node* b, Node* c, const std::vector<Bytes>* batches, int n,
                                 Throughput* out) {
  out->sent = n;
  auto sb = b->ps->subscribe("tp");
  auto sc = c->ps->subscribe("tp");
  if (!sb || !sc) co_return;
  b->sub = std::move(*sb);
  c->sub = std::move(*sc);
  if (auto conn = co_await b->host->dial(c->addr); !conn) {
    std::printf("throughput: dial failed: %s\n", conn.error().message().c_str());
    co_return;
  }
  const mf::PeerId c_id = c->host->peer_id();
  const mf::PeerId* cp = &c_id;
  const bool b_meshed = co_await b->ps->wait_until(
      [b, cp] {
        const auto m = b->ps->mesh_peers("tp");
        return std::find(m.begin(), m.end(), *cp) != m.end();
      },
      Clock::now() + 30s);
  const bool c_meshed =
      co_await c->ps->wait_until([c] { return c->ps->mesh_peers("tp").size() == 1; }, Clock::now() + 30s);
  if (!b_meshed || !c_meshed) {
    std::printf("throughput: B-C mesh did not form within 30 s\n");
    co_return;
  }
  auto stream = co_await raw->host->new_stream(b->addr, host::make_protocols(gs::kMeshsubV11));
  if (!stream) {
    std::printf("throughput: stream to B failed: %s\n", stream.error().message().c_str());
    co_return;
  }
  const auto delivered0 = c->ps->router().stats().messages_delivered;
  const std::uint64_t want = delivered0 + static_cast<std::uint64_t>(n);
  const auto t0 = Clock::now();
  for (const auto& bt : *batches) {
    if (auto w = co_await stream->write(bt); !w) {
      std::printf("throughput: write to B failed: %s\n", w.error().message().c_str());
      co_return;
    }
  }
  (void)co_await c->ps->wait_until([c, want] { return c->ps->router().stats().messages_delivered >= want; },
                                   Clock::now() + 120s);
  const auto t1 = Clock::now();
  out->delivered = c->ps->router().stats().messages_delivered - delivered0;
  out->elapsed_ms = us(t1 - t0) / 1000.0;
  out->rate = static_cast<double>(out->delivered) / (us(t1 - t0) / 1e6);
  out->ok = out->delivered == static_cast<std::uint64_t>(n);
  if (!out->ok)
    std::printf("throughput: C got %llu of %d within 120 s (B: frames dropped %llu, invalid signatures %llu, "
                "ignored %llu)\n",
                static_cast<unsigned long long>(out->delivered), n,
                static_cast<unsigned long long>(b->ps->stats().frames_dropped),
                static_cast<unsigned long long>(b->ps->router().stats().messages_invalid_signature),
                static_cast<unsigned long long>(b->ps->router().stats().messages_ignored));
}

double verify_rate(int n) {
  auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
  if (!key) return 0;
  std::vector<gs::Message> msgs;
  msgs.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    gs::Message m;
    m.topic = "tp";
    m.data = Bytes(64, static_cast<std::uint8_t>(i));
    m.seqno = Bytes(gs::kSeqnoSize, static_cast<std::uint8_t>(i));
    (void)gs::sign_message(m, *key);
    msgs.push_back(std::move(m));
  }
  const auto t0 = Clock::now();
  int ok = 0;
  for (const auto& m : msgs) ok += gs::check_signature_policy(m, gs::SignaturePolicy::strict_sign) ? 1 : 0;
  const auto t1 = Clock::now();
  if (ok != n) std::printf("verify: %d of %d signatures ok\n", ok, n);
  return n / (us(t1 - t0) / 1e6);
}

// ------------------------------------------------------------------ 3. mesh

struct Mesh {
  std::vector<double> propagation_us;
  double dups_per_msg = 0;
  double setup_ms = 0;
  std::size_t connections = 0;  // connections opened (successful dials)
  std::size_t unmeshed = 0;     // nodes whose mesh had not formed at the deadline
  int missed = 0;               // (node, message) pairs not delivered within 30 s
  bool ok = false;
};

// Publishes one message from `src` and waits until every other node's subscription yields it.
// Returns the time until the last one had it (nullopt if some node missed it).
asio::awaitable<std::optional<double>> publish_and_wait(std::vector<std::unique_ptr<Node>>* nodes, std::size_t src,
                                                        int* missed) {
  auto& ns = *nodes;
  const auto t0 = Clock::now();
  if (auto id = ns[src]->ps->publish("mesh", Bytes(64, 'm')); !id) {
    std::printf("mesh: publish failed: %s\n", id.error().message().c_str());
    ++*missed;
    co_return std::nullopt;
  }
  double last = 0;
  bool all = true;
  for (std::size_t i = 0; i < ns.size(); ++i) {
    if (i == src) continue;
    auto r = co_await ns[i]->sub.next_until(t0 + 30s);
    if (!r || !r->has_value()) {
      ++*missed;
      all = false;
      continue;
    }
    last = us(Clock::now() - t0);
  }
  if (!all) co_return std::nullopt;
  co_return last;
}

std::uint64_t total_duplicates(const std::vector<std::unique_ptr<Node>>& ns) {
  std::uint64_t d = 0;
  for (const auto& x : ns) d += x->ps->router().stats().messages_duplicate;
  return d;
}

asio::awaitable<void> mesh(std::vector<std::unique_ptr<Node>>* nodes, int messages, Rng* rng, Mesh* out) {
  auto& ns = *nodes;
  const std::size_t n = ns.size();
  for (auto& x : ns) {
    auto s = x->ps->subscribe("mesh");
    if (!s) co_return;
    x->sub = std::move(*s);
  }
  const auto t_setup = Clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    for (int k = 0; k < 4; ++k) {  // the ring successor, then 3 random nodes
      const auto j = k == 0 ? (i + 1) % n : static_cast<std::size_t>(rng->uniform(n));
      if (j == i || ns[i]->host->is_connected(ns[j]->host->peer_id()) ||
          ns[j]->host->is_connected(ns[i]->host->peer_id()))
        continue;
      if (auto c = co_await ns[i]->host->dial(ns[j]->addr); c) ++out->connections;
    }
  }
  // Every node knows at least one subscriber and has min(subscribers, D_lo) mesh peers.
  const auto mesh_deadline = Clock::now() + 60s;
  for (auto& x : ns) {
    Node* p = x.get();
    const bool formed = co_await p->ps->wait_until(
        [p] {
          const auto tp = p->ps->topic_peers("mesh").size();
          return tp > 0 && p->ps->mesh_peers("mesh").size() >= std::min<std::size_t>(tp, 4);
        },
        mesh_deadline);
    if (!formed) ++out->unmeshed;
  }
  out->setup_ms = us(Clock::now() - t_setup) / 1000.0;
  // warm-up (not timed), then the measured messages, then a fence for the duplicate count
  (void)co_await publish_and_wait(nodes, static_cast<std::size_t>(rng->uniform(n)), &out->missed);
  const std::uint64_t dup0 = total_duplicates(ns);
  for (int m = 0; m < messages; ++m) {
    auto t = co_await publish_and_wait(nodes, static_cast<std::size_t>(rng->uniform(n)), &out->missed);
    if (t) out->propagation_us.push_back(*t);
  }
  (void)co_await publish_and_wait(nodes, static_cast<std::size_t>(rng->uniform(n)), &out->missed);
  const std::uint64_t dup1 = total_duplicates(ns);
  out->dups_per_msg = static_cast<double>(dup1 - dup0) / (messages + 1);
  out->ok = out->missed == 0;
}

int arg_int(int argc, char** argv, int* i) {
  if (*i + 1 >= argc) {
    std::fprintf(stderr, "%s needs a value\n", argv[*i]);
    std::exit(2);
  }
  char* end = nullptr;
  const long v = std::strtol(argv[++*i], &end, 10);
  if (*end != '\0' || v < 0 || v > 10'000'000) {
    std::fprintf(stderr, "bad value for %s: %s\n", argv[*i - 1], argv[*i]);
    std::exit(2);
  }
  return static_cast<int>(v);
}

}  // namespace

int main(int argc, char** argv) {
  int n_lat = 500, n_tp = 20000, mesh_nodes = 100, mesh_msgs = 20;
  bool js = true;
  std::string node_bin = "node", node_modules, json_path;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--n-latency") n_lat = arg_int(argc, argv, &i);
    else if (a == "--n-throughput") n_tp = arg_int(argc, argv, &i);
    else if (a == "--mesh-nodes") mesh_nodes = arg_int(argc, argv, &i);
    else if (a == "--mesh-messages") mesh_msgs = arg_int(argc, argv, &i);
    else if (a == "--no-js") js = false;
    else if (a == "--node" && i + 1 < argc) node_bin = argv[++i];
    else if (a == "--node-modules" && i + 1 < argc) node_modules = argv[++i];
    else if (a == "--json" && i + 1 < argc) json_path = argv[++i];
    else {
      std::fprintf(stderr,
                   "usage: bench_gossipsub [--n-latency N] [--n-throughput N] [--mesh-nodes N>=2] "
                   "[--mesh-messages N] [--no-js] [--node BIN] [--node-modules DIR] [--json FILE]\n");
      return 2;
    }
  }
  if (n_lat < 1 || n_tp < 1 || mesh_nodes < 2) {
    std::fprintf(stderr, "--n-latency and --n-throughput must be >= 1, --mesh-nodes >= 2\n");
    return 2;
  }
  raise_nofile();
  log::set_level(log::Level::warn);
  DeterministicRng rng(42);
  const pubsub::Config cfg;  // StrictSign, D=6/4/12, heartbeat 1 s
  json out;
  bool failed = false;

  {  // 1
    asio::io_context io;
    std::vector<std::unique_ptr<Node>> ns;
    ns.push_back(make_node(io, rng, cfg));
    ns.push_back(make_node(io, rng, cfg));
    std::vector<double> samples;
    bool ok = false;
    run(io, one_hop(ns[0].get(), ns[1].get(), n_lat, &samples, &ok), 600s);
    failed |= !ok;
    const Summary cpp = report("one hop C++ -> C++ (publish..delivered)", samples);
    out["one_hop"]["cpp"] = to_json(cpp);
    teardown(io, ns);
    if (js) {
      const JsResult r = js_one_hop(node_bin, node_modules, n_lat);
      if (!r.error.empty()) {
        std::printf("%-44s %s\n", "one hop js -> js", r.error.c_str());
        out["one_hop"]["js_error"] = r.error;
        failed = true;
      } else {
        char label[96];
        std::snprintf(label, sizeof label, "one hop js -> js (gossipsub %s)", r.gossipsub_version.c_str());
        const Summary jss = report(label, r.samples);
        std::printf("%-44s %s\n", "  js runtime", r.node_version.c_str());
        out["one_hop"]["js"] = to_json(jss);
        out["one_hop"]["js"]["gossipsub"] = r.gossipsub_version;
        out["one_hop"]["js"]["node"] = r.node_version;
        if (cpp.n > 0 && jss.n > 0 && jss.median > 0) {
          std::printf("%-44s %.3f\n", "median ratio C++/js", cpp.median / jss.median);
          out["one_hop"]["median_ratio_cpp_over_js"] = cpp.median / jss.median;
        }
      }
    }
  }
  {  // 2
    asio::io_context io;
    std::vector<std::unique_ptr<Node>> ns;
    pubsub::Config tp = cfg;
    const auto room = static_cast<std::size_t>(n_tp) + 16;
    tp.subscription_queue = room;
    tp.max_queued_rpcs = room;
    tp.max_queued_bytes = std::size_t{256} << 20;
    tp.router.max_pending_validations = room;
    ns.push_back(make_node(io, rng, tp, false));
    ns.push_back(make_node(io, rng, tp));
    ns.push_back(make_node(io, rng, tp));
    // B opens its own outbound pubsub stream to the raw host; accept and drain it.
    ns[0]->host->set_stream_handler(std::string(gs::kMeshsubV11), &discard);
    const std::vector<Bytes> batches = presigned_batches(*ns[0]->key, "tp", n_tp);
    Throughput t;
    run(io, throughput(ns[0].get(), ns[1].get(), ns[2].get(), &batches, n_tp, &t), 600s);
    failed |= !t.ok;
    std::printf("%-44s %llu/%d msgs in %.1f ms = %.0f msg/s\n", "validate+deliver+forward B->C (one thread)",
                static_cast<unsigned long long>(t.delivered), n_tp, t.elapsed_ms, t.rate);
    std::fflush(stdout);
    teardown(io, ns);
    const double vr = verify_rate(n_tp);
    std::printf("%-44s %.0f verifications/s\n", "Ed25519 signature check alone", vr);
    std::fflush(stdout);
    out["throughput"] = json{{"messages", n_tp},
                             {"delivered", t.delivered},
                             {"elapsed_ms", t.elapsed_ms},
                             {"msgs_per_s", t.rate},
                             {"signature_checks_per_s", vr}};
  }
  {  // 3
    asio::io_context io;
    std::vector<std::unique_ptr<Node>> ns;
    for (int i = 0; i < mesh_nodes; ++i) ns.push_back(make_node(io, rng, cfg));
    Mesh m;
    run(io, mesh(&ns, mesh_msgs, &rng, &m), 600s);
    failed |= !m.ok;
    std::printf("%d-node mesh: %zu connections, set up and meshed in %.0f ms", mesh_nodes, m.connections,
                m.setup_ms);
    if (m.unmeshed > 0) std::printf(" (%zu nodes below min(subscribers, 4) mesh peers after 60 s)", m.unmeshed);
    std::printf("\n");
    if (m.missed > 0) std::printf("mesh: %d deliveries missing (30 s per message)\n", m.missed);
    char label[96];
    std::snprintf(label, sizeof label, "%d-node mesh: publish..all delivered", mesh_nodes);
    const Summary ps = report(label, m.propagation_us);
    std::printf("%-44s %.1f (summed over %d nodes)\n", "duplicates received per message", m.dups_per_msg,
                mesh_nodes);
    out["mesh"] = json{{"nodes", mesh_nodes},
                       {"messages", mesh_msgs},
                       {"connections", m.connections},
                       {"setup_ms", m.setup_ms},
                       {"unmeshed_nodes", m.unmeshed},
                       {"missed_deliveries", m.missed},
                       {"propagation", to_json(ps)},
                       {"duplicates_per_message", m.dups_per_msg}};
    teardown(io, ns);
  }
  if (!json_path.empty()) {
    std::ofstream f(json_path);
    f << out.dump(2) << "\n";
    if (!f) {
      std::fprintf(stderr, "could not write %s\n", json_path.c_str());
      return 1;
    }
    std::printf("JSON written to %s\n", json_path.c_str());
  }
  return failed ? 1 : 0;
}
