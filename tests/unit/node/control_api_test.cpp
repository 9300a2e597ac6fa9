// Control API: endpoint parsing and the CLI's endpoint choice, and the HTTP server with the
// synchronous client over a Unix socket and loopback TCP (unary, streaming, GET, errors,
// bounds: body size, header size, connection limit, idle timeout; non-loopback refusal; the
// socket file's mode; stale socket replacement).
//
// The server runs on an io_context thread; the client (synchronous, like the CLI) calls from
// the test thread. Server-side state is read on the io thread (on_io) or after join.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <boost/asio/local/stream_protocol.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "node/control_client.hpp"
#include "node/control_server.hpp"
#include "coordinator/errc.hpp"
#include "dht/dht.hpp"
#include "host/errors.hpp"
#include "node/errors.hpp"
#include "proto/kad/errc.hpp"
#include "runtime/asio.hpp"

namespace lotus::node {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// --------------------------------------------------------------------------- endpoints

TEST(ApiEndpoint, ParsesUnixAndLoopbackForms) {
  auto u = ApiEndpoint::parse("unix:/tmp/x/control.sock");
  ASSERT_TRUE(u);
  EXPECT_EQ(*u, ApiEndpoint::unix_socket("/tmp/x/control.sock"));
  EXPECT_EQ(u->to_string(), "unix:/tmp/x/control.sock");
  auto bare = ApiEndpoint::parse("/tmp/y.sock");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->path, "/tmp/y.sock");
  for (const char* t : {"127.0.0.1:5701", "localhost:5701", "http://127.0.0.1:5701/"}) {
    auto e = ApiEndpoint::parse(t);
    ASSERT_TRUE(e) << t;
    EXPECT_EQ(e->kind, ApiEndpoint::Kind::tcp);
    EXPECT_EQ(e->host, "127.0.0.1");
    EXPECT_EQ(e->port, 5701);
    EXPECT_EQ(e->to_string(), "127.0.0.1:5701");
  }
  auto v6 = ApiEndpoint::parse("[::1]:0");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->to_string(), "[::1]:0");
  EXPECT_EQ(*ApiEndpoint::parse(v6->to_string()), *v6);
}

TEST(ApiEndpoint, RefusesNonLoopbackAndMalformed) {
  for (const char* t : {"0.0.0.0:5701", "10.0.0.1:5701", "[::]:5701", "example.com:5701"}) {
    auto e = ApiEndpoint::parse(t);
    ASSERT_FALSE(e) << t;
    EXPECT_EQ(e.error(), make_error_code(node_errc::api_not_loopback)) << t;
  }
  for (const char* t : {"", "127.0.0.1", "127.0.0.1:", ":5701", "127.0.0.1:65536", "127.0.0.1:12x", "127.0.0.1:123456"}) {
    auto e = ApiEndpoint::parse(t);
    ASSERT_FALSE(e) << t;
    EXPECT_EQ(e.error(), make_error_code(node_errc::api_bad_endpoint)) << t;
  }
  EXPECT_FALSE(ApiEndpoint::parse("unix:/" + std::string(120, 'a')));  // longer than sun_path
}

TEST(ApiEndpoint, ServerEndpointFromConfig) {
  auto u = server_endpoint("unix", "/data");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->path, "/data/control.sock");
  auto t = server_endpoint("127.0.0.1:0", "/data");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->port, 0);
  EXPECT_FALSE(server_endpoint("off", "/data"));
  EXPECT_EQ(server_endpoint("0.0.0.0:1", "/data").error(), make_error_code(node_errc::api_not_loopback));
}

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lotus-api-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  fs::path dir;
};

using DefaultEndpoint = TempDir;

TEST_F(DefaultEndpoint, FlagThenEnvThenApiFileThenSocket) {
  std::map<std::string, std::string> env{{"HOME", dir.string()}, {"LOTUS_P2P_API", "127.0.0.1:7000"}};
  EXPECT_EQ(default_api_endpoint(std::string("127.0.0.1:6000"), std::nullopt, env)->port, 6000);
  EXPECT_EQ(default_api_endpoint(std::nullopt, std::nullopt, env)->port, 7000);
  env.erase("LOTUS_P2P_API");
  // No api file: the socket in the data dir (flag, then LOTUS_P2P_DATA_DIR, then ~/.lotus-p2p).
  EXPECT_EQ(default_api_endpoint(std::nullopt, std::nullopt, env)->path, (dir / ".lotus-p2p" / "control.sock").string());
  EXPECT_EQ(default_api_endpoint(std::nullopt, std::string("~/d"), env)->path, (dir / "d" / "control.sock").string());
  env["LOTUS_P2P_DATA_DIR"] = (dir / "e").string();
  EXPECT_EQ(default_api_endpoint(std::nullopt, std::nullopt, env)->path, (dir / "e" / "control.sock").string());
  // The endpoint the daemon wrote to <data dir>/api wins over the socket default.
  fs::create_directories(dir / "e");
  std::ofstream(dir / "e" / "api") << "127.0.0.1:4321\n";
  auto e = default_api_endpoint(std::nullopt, std::nullopt, env);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, ApiEndpoint::Kind::tcp);
  EXPECT_EQ(e->port, 4321);
  EXPECT_EQ(default_api_endpoint(std::string("10.1.1.1:1"), std::nullopt, env).error(),
            make_error_code(node_errc::api_not_loopback));
  EXPECT_FALSE(default_api_endpoint(std::nullopt, std::nullopt, {}));  // no HOME, nothing given
}

// --------------------------------------------------------------------------- server + client

asio::awaitable<Status> count_items(int n, Emit emit) {
  for (int i = 1; i <= n; ++i) {
    Json item = Json::object();
    item["seq"] = i;
    if (auto s = co_await emit(std::move(item)); !s) co_return Status{};
  }
  co_return Status{};
}

// One item, then silence for a while (like pubsub.sub between messages), then the end.
asio::awaitable<Status> one_then_silence(Emit emit) {
  Json item = Json::object();
  item["seq"] = 1;
  if (auto s = co_await emit(std::move(item)); !s) co_return Status{};
  asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::seconds(8));
  boost::system::error_code ec;
  co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_return Status{};
}

class ControlApi : public TempDir {
 protected:
  void SetUp() override {
    TempDir::SetUp();
    router.add({"echo", "returns its request", [](Json req) -> asio::awaitable<Result<Json>> {
                  Json out = Json::object();
                  out["echo"] = std::move(req);
                  co_return out;
                }, {}});
    router.add({"fail", "fails with bad_request", [](Json) -> asio::awaitable<Result<Json>> {
                  co_return make_error_code(node_errc::bad_request);
                }, {}});
    router.add({"boom", "fails with an internal error", [](Json) -> asio::awaitable<Result<Json>> {
                  co_return make_error_code(std::errc::io_error);
                }, {}});
    router.add({"count", "streams {n} items", {}, [](Json req, Emit emit) -> asio::awaitable<Status> {
                  return count_items(req.value("n", 3), std::move(emit));
                }});
    router.add({"one_then_silence", "one item, then nothing for 8 s", {},
                [](Json, Emit emit) -> asio::awaitable<Status> { return one_then_silence(std::move(emit)); }});
    router.add({"count_then_fail", "two items then an error", {},
                [](Json, Emit emit) -> asio::awaitable<Status> {
                  return [](Emit e) -> asio::awaitable<Status> {
                    if (auto st = co_await count_items(2, e); !st) co_return st;
                    co_return make_error_code(node_errc::db_read_failed);
                  }(std::move(emit));
                }});
  }
  void TearDown() override {
    stop();
    TempDir::TearDown();
  }

  void start(ControlServerConfig cfg = {}, std::optional<ApiEndpoint> where = std::nullopt) {
    server = std::make_unique<ControlServer>(io, router, cfg);
    server->add_get("/metrics", "text/plain; version=0.0.4", [] { return std::string("# TYPE x counter\nx 1\n"); });
    auto bound = server->listen(where.value_or(ApiEndpoint::unix_socket(dir / "control.sock")));
    ASSERT_TRUE(bound) << bound.error().message();
    endpoint = *bound;
    thread = std::thread([this] { io.run(); });
  }
  void stop() {
    if (!thread.joinable()) return;
    asio::post(io, [this] { asio::co_spawn(io, server->stop(), asio::detached); });
    work.reset();
    thread.join();
    server.reset();
  }
  template <class F>
  auto on_io(F f) {
    std::promise<decltype(f())> p;
    asio::post(io, [&] {
      if constexpr (std::is_void_v<decltype(f())>) {
        f();
        p.set_value();
      } else {
        p.set_value(f());
      }
    });
    return p.get_future().get();
  }
  ControlClient client(std::chrono::milliseconds timeout = 10s) const { return ControlClient(endpoint, timeout); }

  // Sends raw bytes on a new Unix connection and returns everything the server sends back
  // until it closes (bounded by the server's own timeouts).
  std::string raw(const std::string& bytes) const {
    asio::io_context cio;
    asio::local::stream_protocol::socket s(cio);
    s.connect(asio::local::stream_protocol::endpoint(endpoint.path));
    asio::write(s, asio::buffer(bytes));
    std::string out;
    char buf[4096];
    boost::system::error_code ec;
    while (!ec) {
      const auto n = s.read_some(asio::buffer(buf), ec);
      out.append(buf, n);
    }
    return out;
  }

  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{io.get_executor()};
  ControlRouter router;
  std::unique_ptr<ControlServer> server;
  ApiEndpoint endpoint;
  std::thread thread;
};

TEST_F(ControlApi, UnaryCallsAndErrors) {
  ASSERT_NO_FATAL_FAILURE(start());
  Json req = Json::object();
  req["x"] = 1;
  auto r = client().call("echo", req);
  ASSERT_TRUE(r) << r.error.message;
  EXPECT_EQ(r.value->dump(), R"({"echo":{"x":1}})");

  auto unknown = client().call("nope");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error.code, make_error_code(node_errc::api_remote_error));
  EXPECT_EQ(unknown.error.http_status, 404);
  EXPECT_EQ(unknown.error.remote_code, "node.15");
  EXPECT_EQ(unknown.error.message, "unknown control API method 'nope'");

  auto bad = client().call("fail");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error.http_status, 400);
  EXPECT_EQ(bad.error.remote_code, "node.14");
  EXPECT_EQ(bad.error.message, "node: malformed control API request");

  auto boom = client().call("boom");
  ASSERT_FALSE(boom);
  EXPECT_EQ(boom.error.http_status, 500);
  EXPECT_EQ(boom.error.remote_code, std::string(std::generic_category().name()) + "." + std::to_string(EIO));
}

TEST_F(ControlApi, StreamingDeliversItemsInOrderAndFinalErrors) {
  ASSERT_NO_FATAL_FAILURE(start());
  std::vector<int> seen;
  Json req = Json::object();
  req["n"] = 5;
  auto r = client().stream("count", req, [&](const Json& j) {
    seen.push_back(j.value("seq", 0));
    return true;
  });
  ASSERT_TRUE(r) << r.error.message;
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 3, 4, 5}));

  seen.clear();
  auto f = client().stream("count_then_fail", Json::object(), [&](const Json& j) {
    seen.push_back(j.value("seq", 0));
    return true;
  });
  ASSERT_FALSE(f);
  EXPECT_EQ(seen, (std::vector<int>{1, 2}));
  EXPECT_EQ(f.error.code, make_error_code(node_errc::api_remote_error));
  EXPECT_EQ(f.error.remote_code, "node.6");
  EXPECT_EQ(f.error.message, "node: peer store read failed");

  // The caller stops after the first item: the call ends successfully, the server notices.
  seen.clear();
  req["n"] = 1000;
  auto early = client().stream("count", req, [&](const Json& j) {
    seen.push_back(j.value("seq", 0));
    return false;
  });
  ASSERT_TRUE(early);
  EXPECT_EQ(seen, (std::vector<int>{1}));

  // An item is handed to the caller when it arrives, not when the response ends or a read
  // buffer fills (the CLI's `pubsub sub` waited for the end of the stream before this).
  seen.clear();
  auto prompt = client(5s).stream("one_then_silence", Json::object(), [&](const Json& j) {
    seen.push_back(j.value("seq", 0));
    return false;
  });
  ASSERT_TRUE(prompt) << prompt.error.message;
  EXPECT_EQ(seen, (std::vector<int>{1}));

  // A unary method called as a stream is an HTTP error reply, not items.
  auto wrong = client().stream("nope", Json::object(), [](const Json&) { return true; });
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error.http_status, 404);
}

TEST_F(ControlApi, GetHandlersAndUnknownPaths) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto m = client().get("/metrics");
  ASSERT_TRUE(m) << m.error.message;
  EXPECT_EQ(*m.value, "# TYPE x counter\nx 1\n");
  auto none = client().get("/nothing");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error.http_status, 404);
  auto get_api = client().get("/api/v1/echo");
  ASSERT_FALSE(get_api);
  EXPECT_EQ(get_api.error.http_status, 405);
  EXPECT_EQ(get_api.error.message, "control API methods are called with POST");
}

TEST_F(ControlApi, MalformedAndOversizedRequests) {
  ControlServerConfig cfg;
  cfg.max_body_bytes = 1000;
  cfg.max_header_bytes = 512;
  ASSERT_NO_FATAL_FAILURE(start(cfg));
  const auto not_object = raw("POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\n[1]");
  EXPECT_EQ(not_object.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << not_object;
  EXPECT_NE(not_object.find(R"({"error":{"code":"node.14","message":"the request body must be a JSON object"}})"),
            std::string::npos)
      << not_object;
  const auto bad_json = raw("POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{x");
  EXPECT_EQ(bad_json.rfind("HTTP/1.1 400 ", 0), 0u) << bad_json;
  const auto too_big = raw("POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n" + std::string(1001, ' '));
  EXPECT_EQ(too_big.rfind("HTTP/1.1 413 ", 0), 0u) << too_big;
  EXPECT_NE(too_big.find("request body larger than 1000 bytes"), std::string::npos) << too_big;
  const auto big_header = raw("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(600, 'a') + "\r\n\r\n");
  EXPECT_EQ(big_header.rfind("HTTP/1.1 431 ", 0), 0u) << big_header;
  const auto garbage = raw("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_EQ(garbage.rfind("HTTP/1.1 400 ", 0), 0u) << garbage;
  // Empty body = {}; keep-alive serves two requests on one connection.
  const auto two = raw(
      "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
      "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\nConnection: close\r\n\r\n{\"a\":2}");
  EXPECT_NE(two.find(R"({"echo":{}})"), std::string::npos) << two;
  EXPECT_NE(two.find(R"({"echo":{"a":2}})"), std::string::npos) << two;
  stop();
  EXPECT_EQ(server, nullptr);
}

TEST_F(ControlApi, IdleConnectionsAreClosedByTheReadTimeout) {
  ControlServerConfig cfg;
  cfg.read_timeout = 100ms;
  ASSERT_NO_FATAL_FAILURE(start(cfg));
  // Half a request, then silence: the server closes without answering.
  EXPECT_EQ(raw("POST /api/v1/echo HTTP/1.1\r\nHost: x\r\n"), "");
}

TEST_F(ControlApi, AtTheConnectionLimitAClientThatSendsNothingMakesRoom) {
  ControlServerConfig cfg;
  cfg.max_connections = 1;
  cfg.evictable_after = 200ms;
  ASSERT_NO_FATAL_FAILURE(start(cfg));
  asio::io_context cio;
  asio::local::stream_protocol::socket held(cio);
  held.connect(asio::local::stream_protocol::endpoint(endpoint.path));
  // Wait (with a deadline) until the server runs the held session.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (on_io([this] { return server->active_sessions(); }) < 1) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
    std::this_thread::yield();
  }
  // The held connection never sends a request: it is closed to serve the new client, which
  // waited in the backlog instead of being turned away.
  auto r = client().call("echo");
  ASSERT_TRUE(r) << r.error.message;
  char b[16];
  boost::system::error_code ec;
  EXPECT_EQ(held.read_some(asio::buffer(b), ec), 0u);
  EXPECT_TRUE(ec) << "the idle connection was closed";
  const auto stats = on_io([this] { return server->stats(); });
  EXPECT_EQ(stats.refusals.at("evicted_slow"), 1u);
  EXPECT_EQ(stats.requests.at("echo"), 1u);
}

TEST_F(ControlApi, UnixSocketIsOwnerOnlyAndRemovedAtStop) {
  ASSERT_NO_FATAL_FAILURE(start());
  struct stat st {};
  ASSERT_EQ(::lstat(endpoint.path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  stop();
  EXPECT_FALSE(fs::exists(dir / "control.sock"));
  auto r = client(2s).call("echo");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error.code, make_error_code(node_errc::api_unreachable));
}

TEST_F(ControlApi, StaleSocketIsReplacedLiveOneAndOtherFilesAreNot) {
  // A stale socket file (bound, never listened, closed) is replaced.
  {
    asio::io_context cio;
    asio::local::stream_protocol::acceptor a(cio);
    a.open();
    a.bind(asio::local::stream_protocol::endpoint((dir / "control.sock").string()));
  }
  ASSERT_TRUE(fs::exists(dir / "control.sock"));
  ASSERT_NO_FATAL_FAILURE(start());
  EXPECT_TRUE(client().call("echo"));
  // A second server must not steal the live socket.
  ControlServer second(io, router);
  auto again = on_io([&] { return second.listen(ApiEndpoint::unix_socket(dir / "control.sock")); });
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), make_error_code(node_errc::api_bind_failed));
  // A regular file is never unlinked.
  std::ofstream(dir / "file") << "x";
  auto file = on_io([&] { return second.listen(ApiEndpoint::unix_socket(dir / "file")); });
  ASSERT_FALSE(file);
  EXPECT_TRUE(fs::exists(dir / "file"));
  on_io([&] { second.close(); });
  EXPECT_TRUE(client().call("echo"));
}

TEST_F(ControlApi, LoopbackTcpWithPortZeroAndNoPublicBinds) {
  ApiEndpoint tcp;
  tcp.kind = ApiEndpoint::Kind::tcp;
  tcp.host = "127.0.0.1";
  tcp.port = 0;
  ASSERT_NO_FATAL_FAILURE(start({}, tcp));
  EXPECT_EQ(endpoint.kind, ApiEndpoint::Kind::tcp);
  EXPECT_NE(endpoint.port, 0);
  auto r = client().call("echo");
  ASSERT_TRUE(r) << r.error.message;
  ControlServer other(io, router);
  ApiEndpoint pub = tcp;
  pub.host = "0.0.0.0";
  auto refused = on_io([&] { return other.listen(pub); });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), make_error_code(node_errc::api_not_loopback));
}

TEST_F(ControlApi, ClientTimesOutOnASilentServer) {
  // A Unix listener that never answers.
  asio::io_context cio;
  asio::local::stream_protocol::acceptor a(cio, asio::local::stream_protocol::endpoint((dir / "silent.sock").string()));
  ControlClient c(ApiEndpoint::unix_socket(dir / "silent.sock"), 200ms);
  auto r = c.call("echo");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error.code, make_error_code(node_errc::api_timeout));
}

// --------------------------------------------------------------------------- hardening

class ControlTcp : public ControlApi {
 protected:
  void start_tcp(ControlServerConfig cfg = {}) {
    ApiEndpoint tcp;
    tcp.kind = ApiEndpoint::Kind::tcp;
    tcp.host = "127.0.0.1";
    tcp.port = 0;
    start(std::move(cfg), tcp);
  }
  // Raw HTTP over TCP; returns everything the server sends until it closes.
  std::string raw_tcp(const std::string& bytes) const {
    asio::io_context cio;
    asio::ip::tcp::socket s(cio);
    s.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), endpoint.port));
    asio::write(s, asio::buffer(bytes));
    std::string out;
    char buf[4096];
    boost::system::error_code ec;
    while (!ec) {
      const auto n = s.read_some(asio::buffer(buf), ec);
      out.append(buf, n);
    }
    return out;
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(endpoint.port); }
  std::string post(const std::string& headers, const std::string& body = "{}") const {
    return raw_tcp("POST /api/v1/echo HTTP/1.1\r\n" + headers + "Content-Length: " + std::to_string(body.size()) +
                   "\r\nConnection: close\r\n\r\n" + body);
  }
};

// 64 clients that send only a request line hold every slot: a real client still gets through
// (the slowest are closed to make room), and each eviction is counted.
TEST_F(ControlTcp, SixtyFourStalledClientsDoNotLockTheApi) {
  ControlServerConfig cfg;
  cfg.max_connections = 64;
  cfg.header_timeout = 60s;  // eviction, not the header deadline, frees the slots here
  cfg.read_timeout = 60s;
  cfg.evictable_after = 500ms;
  ASSERT_NO_FATAL_FAILURE(start_tcp(cfg));
  asio::io_context cio;
  std::vector<std::unique_ptr<asio::ip::tcp::socket>> stalled;
  for (int i = 0; i < 64; ++i) {
    auto s = std::make_unique<asio::ip::tcp::socket>(cio);
    s->connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), endpoint.port));
    asio::write(*s, asio::buffer(std::string("POST /api/v1/echo HTTP/1.1\r\n")));
    stalled.push_back(std::move(s));
  }
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (on_io([this] { return server->active_sessions(); }) < 64) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
    std::this_thread::yield();
  }
  auto r = client(20s).call("echo");
  ASSERT_TRUE(r) << r.error.message;
  EXPECT_GE(on_io([this] { return server->stats().refusals.at("evicted_slow"); }), 1u);
}

// More concurrent complete requests than slots: every one is answered (the rest wait in the
// backlog); none is dropped without a reply.
TEST_F(ControlTcp, ManyConcurrentRequestsAreAllAnswered) {
  ControlServerConfig cfg;
  cfg.max_connections = 8;
  ASSERT_NO_FATAL_FAILURE(start_tcp(cfg));
  std::vector<std::future<bool>> calls;
  for (int i = 0; i < 200; ++i)
    calls.push_back(std::async(std::launch::async, [this, i] {
      Json req = Json::object();
      req["i"] = i;
      auto r = client(60s).call("echo", req);
      return r && (*r.value)["echo"]["i"] == i;
    }));
  int ok = 0;
  for (auto& c : calls) ok += c.get() ? 1 : 0;
  EXPECT_EQ(ok, 200);
  EXPECT_EQ(on_io([this] { return server->stats().requests.at("echo"); }), 200u);
}

TEST_F(ControlTcp, TokenHostOriginAndContentTypeAreChecked) {
  ControlServerConfig cfg;
  cfg.token = new_api_token();
  ASSERT_NO_FATAL_FAILURE(start_tcp(cfg));
  const std::string auth = "Authorization: Bearer " + *cfg.token + "\r\n";
  // No token, a wrong one: 401.
  auto none = client().call("echo");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error.http_status, 401);
  auto wrong = ControlClient(endpoint, 10s, std::string(64, 'a')).call("echo");
  EXPECT_EQ(wrong.error.http_status, 401);
  // The right token (what lotus-p2p reads from DATA_DIR/api.token).
  ControlClient good(endpoint, 10s, cfg.token);
  ASSERT_TRUE(good.call("echo")) << good.call("echo").error.message;
  ASSERT_TRUE(good.get("/metrics"));
  // DNS rebinding: a page from evil.example resolving to 127.0.0.1 sends its own Host.
  EXPECT_EQ(post("Host: evil.example:" + std::to_string(endpoint.port) + "\r\nContent-Type: application/json\r\n" + auth)
                .rfind("HTTP/1.1 403", 0),
            0u);
  // A cross-origin fetch carries Origin: refused; the same origin is allowed.
  EXPECT_EQ(post("Host: " + host() + "\r\nOrigin: http://evil.example\r\nContent-Type: application/json\r\n" + auth)
                .rfind("HTTP/1.1 403", 0),
            0u);
  EXPECT_EQ(post("Host: " + host() + "\r\nOrigin: http://" + host() + "\r\nContent-Type: application/json\r\n" + auth)
                .rfind("HTTP/1.1 200", 0),
            0u);
  // A form POST or text/plain (what a cross-site page can send without a preflight): 415.
  EXPECT_EQ(post("Host: " + host() + "\r\nContent-Type: application/x-www-form-urlencoded\r\n" + auth, "a=1")
                .rfind("HTTP/1.1 415", 0),
            0u);
  EXPECT_EQ(post("Host: " + host() + "\r\nContent-Type: text/plain\r\n" + auth, "{}").rfind("HTTP/1.1 415", 0), 0u);
  // A chunked JSON body is read whole.
  const std::string chunked = raw_tcp("POST /api/v1/echo HTTP/1.1\r\nHost: " + host() +
                                      "\r\nContent-Type: application/json\r\n" + auth +
                                      "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n4\r\n{\"a\"\r\n3\r\n:7}\r\n0\r\n\r\n");
  EXPECT_EQ(chunked.rfind("HTTP/1.1 200", 0), 0u) << chunked;
  EXPECT_NE(chunked.find(R"({"echo":{"a":7}})"), std::string::npos) << chunked;
  const auto stats = on_io([this] { return server->stats(); });
  EXPECT_EQ(stats.refusals.at("unauthorized"), 2u);
  EXPECT_EQ(stats.refusals.at("bad_host"), 1u);
  EXPECT_EQ(stats.refusals.at("bad_origin"), 1u);
  EXPECT_EQ(stats.refusals.at("unsupported_media_type"), 2u);
}

TEST_F(ControlTcp, AHeaderThatStallsIsCutAtTheHeaderDeadline) {
  ControlServerConfig cfg;
  cfg.header_timeout = 200ms;
  ASSERT_NO_FATAL_FAILURE(start_tcp(cfg));
  EXPECT_EQ(raw_tcp("POST /api/v1/echo HTTP/1.1\r\nHost: " + host() + "\r\n"), "");
  EXPECT_EQ(on_io([this] { return server->stats().refusals.at("header_timeout"); }), 1u);
  EXPECT_TRUE(client().call("echo"));  // no token configured: the checks of Host etc. pass
}

TEST(HttpStatus, ValidationErrorsAreClientErrors) {
  EXPECT_EQ(http_status_for(make_error_code(node_errc::bad_request)), 400u);
  EXPECT_EQ(http_status_for(make_error_code(dht::errc::invalid_record)), 400u);
  EXPECT_EQ(http_status_for(make_error_code(dht::errc::record_too_large)), 400u);
  EXPECT_EQ(http_status_for(make_error_code(coordinator::errc::invalid_resource_value)), 400u);
  EXPECT_EQ(http_status_for(make_error_code(proto::kad::errc::key_too_large)), 400u);
  EXPECT_EQ(http_status_for(make_error_code(dht::errc::not_found)), 404u);
  EXPECT_EQ(http_status_for(make_error_code(dht::errc::no_peers)), 503u);
  EXPECT_EQ(http_status_for(make_error_code(host::errc::dial_timeout)), 503u);
  EXPECT_EQ(http_status_for(std::make_error_code(std::errc::io_error)), 500u);
}

}  // namespace
}  // namespace lotus::node
