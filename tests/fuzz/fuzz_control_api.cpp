// Fuzz target: the control API of a whole node (HTTP parsing, access checks, the method
// router and every registered method's request handling), over a real loopback TCP connection
// to a real node::Node (DHT, GossipSub, coordinator, resources, security — the default services).
//
// Methods such as `connect` dial whatever address a request names, so the process first moves
// into a network namespace of its own (unshare(CLONE_NEWNET), or a user namespace with one when
// not root) that has nothing but its own loopback: no fuzzed request can send a packet off this
// machine. Without that isolation the target refuses to run.
//
// Input:
//   "\x01<method>\n<json body>"  a well-formed POST /api/v1/<method> with the right Host,
//                                 Authorization and Content-Type, built around the fuzzed parts
//   anything else                 sent as it is (raw HTTP: request lines, headers, bodies, junk)
// Invariants: every reply is HTTP/1.1; a JSON reply parses; after every input the node still
// answers `id` (a fresh connection, the right token) — a hang, crash or wedged server fails.
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "node/config.hpp"
#include "node/node.hpp"
#include "runtime/asio.hpp"

using namespace lotus;

namespace {

// Brings the network namespace's own loopback up (a new namespace starts with it down).
bool loopback_up(std::string& why) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) {
    why = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  bool ok = ::ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
  if (ok) {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    ok = ::ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
  }
  if (!ok) why = std::string("bringing lo up: ") + std::strerror(errno);
  ::close(fd);
  return ok;
}

bool isolate_network(std::string& why) {
  if (::unshare(CLONE_NEWNET) != 0) {
    const int root_errno = errno;
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
      why = std::string("unshare(CLONE_NEWNET): ") + std::strerror(root_errno) +
            "; unshare(CLONE_NEWUSER|CLONE_NEWNET): " + std::strerror(errno);
      return false;
    }
  }
  return loopback_up(why);
}

struct World {
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
  std::thread thread;
  std::filesystem::path dir;
  std::unique_ptr<node::Node> node;
  std::uint16_t port = 0;
  std::string token;

  template <class F>
  auto on_io(F f) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto fut = task.get_future();
    asio::post(io, [&task] { task(); });
    return fut.get();
  }
};

World* g_world = nullptr;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz_control_api: %s\n", what.c_str());
  std::abort();
}

int connect_api() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail(std::string("socket: ") + std::strerror(errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(g_world->port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const auto n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return;  // the server may close early (e.g. on a bad request): fine
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Reads a reply: up to the end of the headers, then the Content-Length body (if any), or only
// the headers for a chunked (streaming) reply, or until the server closes. Returns nullopt when
// nothing arrived within the deadline.
std::optional<std::string> read_reply(int fd, std::chrono::milliseconds deadline) {
  std::string in;
  const auto until = std::chrono::steady_clock::now() + deadline;
  std::optional<std::size_t> want;  // total bytes wanted once the headers are known
  for (;;) {
    if (want && in.size() >= *want) return in;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
    char buf[8192];
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return in;  // closed (or reset) by the server
    in.append(buf, static_cast<std::size_t>(n));
    if (!want) {
      const auto end = in.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      std::string head = in.substr(0, end);
      for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (head.find("transfer-encoding: chunked") != std::string::npos) return in;  // a stream: enough
      const auto cl = head.find("content-length:");
      if (cl != std::string::npos) want = end + 4 + std::strtoull(head.c_str() + cl + 15, nullptr, 10);
    }
  }
}

void check_reply(const std::string& reply, std::string_view what) {
  if (reply.empty()) return;  // closed without a word: allowed for junk
  if (reply.rfind("HTTP/1.1 ", 0) != 0) fail(std::string(what) + ": a reply that is not HTTP/1.1: " + reply.substr(0, 64));
  const auto end = reply.find("\r\n\r\n");
  if (end == std::string::npos) return;  // cut short by a close: allowed
  std::string head = reply.substr(0, end);
  for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (head.find("content-type: application/json") == std::string::npos) return;
  const auto body = reply.substr(end + 4);
  if (!body.empty() && nlohmann::json::parse(body, nullptr, false).is_discarded())
    fail(std::string(what) + ": a JSON reply that does not parse: " + body.substr(0, 200));
}

std::string post(std::string_view method, std::string_view body) {
  std::string r = "POST /api/v1/" + std::string(method) + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(g_world->port) +
                  "\r\nAuthorization: Bearer " + g_world->token + "\r\nContent-Type: application/json\r\nContent-Length: " +
                  std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  r.append(body);
  return r;
}

void liveness() {
  const int fd = connect_api();
  if (fd < 0) fail("the control API no longer accepts connections");
  send_all(fd, post("id", "{}"));
  auto reply = read_reply(fd, std::chrono::seconds(10));
  ::close(fd);
  if (!reply || reply->rfind("HTTP/1.1 200", 0) != 0)
    fail("the node no longer answers `id`: " + (reply ? reply->substr(0, 120) : std::string("(no reply in 10 s)")));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::string why;
  if (!isolate_network(why)) {
    std::fprintf(stderr,
                 "fuzz_control_api: cannot run without a network namespace of its own (fuzzed `connect` requests "
                 "would dial real addresses): %s. Run as root, or enable unprivileged user namespaces.\n",
                 why.c_str());
    std::exit(1);
  }
  auto* w = new World();
  char tmpl[] = "/tmp/lotus-fuzz-api-XXXXXX";
  if (!::mkdtemp(tmpl)) fail(std::string("mkdtemp: ") + std::strerror(errno));
  w->dir = tmpl;
  node::ConfigSources s;
  s.data_dir = w->dir;
  s.flags = {{"listen", "/ip4/127.0.0.1/tcp/0"}, {"api-listen", "127.0.0.1:0"}, {"peer-store-redial", "0"},
             {"log-level", "error"}};
  auto loaded = node::load_config_from_text(s, std::nullopt, "none");
  if (!loaded) fail("config: " + loaded.error().message);
  w->guard.emplace(w->io.get_executor());
  w->thread = std::thread([w] { w->io.run(); });
  w->node = std::make_unique<node::Node>(w->io, std::move(*loaded));
  auto st = w->on_io([w] { return w->node->start(); });
  if (!st) fail("node start: " + w->node->error_message());
  const auto ep = w->on_io([w] { return w->node->api_endpoint(); });
  if (!ep || ep->kind != node::ApiEndpoint::Kind::tcp) fail("no TCP control API endpoint");
  w->port = ep->port;
  std::ifstream tok(w->dir / "api.token");
  std::getline(tok, w->token);
  if (w->token.empty()) fail("no api.token in " + w->dir.string());
  g_world = w;
  // (The node and its data directory live until the process exits: libFuzzer has no teardown
  // hook; the directory is in /tmp and small.)
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string request;
  if (!in.empty() && in[0] == '\x01') {
    const auto nl = in.find('\n');
    const auto method = in.substr(1, nl == std::string_view::npos ? std::string_view::npos : nl - 1);
    if (method.find_first_of(" \r\n/?#") != std::string_view::npos) return 0;  // keep the request line well-formed
    request = post(method, nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1));
  } else {
    request.assign(in);
  }
  const int fd = connect_api();
  if (fd < 0) fail("the control API refused a connection");
  send_all(fd, request);
  ::shutdown(fd, SHUT_WR);
  auto reply = read_reply(fd, std::chrono::seconds(10));
  ::close(fd);
  if (reply) check_reply(*reply, "fuzzed request");
  liveness();
  return 0;
}
