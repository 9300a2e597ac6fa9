// Control API server (see control_server.hpp). The only translation unit with Beast's HTTP
// server code; the session is a template over the socket type (Unix or TCP).
#include "node/control_server.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <exception>
#include <openssl/rand.h>
#include <set>

#include "base/bytes.hpp"
#include "base/log.hpp"
#include "node/errors.hpp"
#include "runtime/asio.hpp"
#include "runtime/signal.hpp"
#include "runtime/task_scope.hpp"
#include "runtime/watchdog.hpp"

namespace lotus::node {

namespace beast = boost::beast;
namespace http = beast::http;
using unix_proto = asio::local::stream_protocol;
using tcp = asio::ip::tcp;

Json error_json(std::error_code ec, const std::string& message) {
  Json e;
  e["code"] = std::string(ec.category().name()) + "." + std::to_string(ec.value());
  e["message"] = message.empty() ? ec.message() : message;
  return Json{{"error", e}};
}

struct ControlServer::Impl : std::enable_shared_from_this<ControlServer::Impl> {
  Impl(asio::io_context& ctx, const ControlRouter& r, ControlServerConfig c)
      : io(ctx), ex(ctx.get_executor()), router(r), cfg(c), scope(ex) {}
  asio::io_context& io;
  asio::any_io_executor ex;
  const ControlRouter& router;
  ControlServerConfig cfg;
  runtime::TaskScope scope;
  struct Get {
    std::string content_type;
    GetHandler fn;
  };
  std::map<std::string, Get> gets;
  std::vector<std::shared_ptr<unix_proto::acceptor>> unix_acceptors;
  std::vector<std::shared_ptr<tcp::acceptor>> tcp_acceptors;
  std::vector<std::string> socket_files;
  ControlServerStats stats;
  std::size_t sessions = 0;
  bool stopping = false;
  // Sessions by id: how to close each, and whether it is waiting for a request (and since
  // when) — the candidates to make room for new clients.
  struct Slot {
    std::function<void()> close;
    bool waiting = true;
    TimePoint since{};
  };
  std::map<std::uint64_t, Slot> slots;
  std::uint64_t next_slot = 1;
  std::unique_ptr<runtime::Signal> slot_freed;
  // Rate-limited refusal log: one line per reason per minute with the count since the last.
  std::map<std::string, std::pair<TimePoint, std::uint64_t>> refusal_log;
  // Allowed Host header values on TCP ("127.0.0.1:5701", "localhost:5701", "[::1]:5701").
  std::set<std::string> allowed_hosts;

  void count(const std::string& what) {
    // Registered names only: the key set stays bounded whatever clients send.
    ++stats.requests[what];
  }
  void refuse(const std::string& reason) {
    ++stats.refusals[reason];
    const auto now = Clock::now();
    auto& [last, since_last] = refusal_log[reason];
    ++since_last;
    if (last != TimePoint{} && now - last < std::chrono::minutes(1)) return;
    LOTUS_LOG(warn, "node.api", "control API refused " + std::to_string(since_last) + " request(s) or connection(s): " +
                                    reason + (last == TimePoint{} ? "" : " (in the last minute)"));
    last = now;
    since_last = 0;
  }
  // Closes the connection waiting longest for its request (if waiting long enough).
  bool evict_slow(TimePoint now) {
    auto victim = slots.end();
    for (auto it = slots.begin(); it != slots.end(); ++it) {
      if (!it->second.waiting || now - it->second.since < cfg.evictable_after) continue;
      if (victim == slots.end() || it->second.since < victim->second.since) victim = it;
    }
    if (victim == slots.end()) return false;
    victim->second.waiting = false;  // closing: not a candidate again
    victim->second.close();
    refuse("evicted_slow");
    ++stats.refused_connections;
    return true;
  }
};

namespace {

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

template <class Socket>
void close_socket(Socket& s) {
  boost::system::error_code ignored;
  s.close(ignored);
}

// Writes one complete response; false if the write failed or timed out.
template <class Socket>
asio::awaitable<bool> write_response(std::shared_ptr<ControlServer::Impl> srv, std::shared_ptr<Socket> sock,
                                     http::status status, std::string content_type, std::string body, bool keep_alive) {
  http::response<http::string_body> res{status, 11};
  res.set(http::field::server, "lotus-p2pd");
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  runtime::Watchdog dog(srv->ex, srv->cfg.write_timeout, [sock] { close_socket(*sock); });
  beast::error_code ec;
  co_await http::async_write(*sock, res, asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec && !dog.expired();
}

template <class Socket>
asio::awaitable<bool> write_json(std::shared_ptr<ControlServer::Impl> srv, std::shared_ptr<Socket> sock,
                                 http::status status, Json j, bool keep_alive) {
  if (static_cast<unsigned>(status) >= 400 && static_cast<unsigned>(status) < 500) ++srv->stats.bad_requests;
  co_return co_await write_response(srv, sock, status, "application/json", dump(j) + "\n", keep_alive);
}

// State shared by a streaming response and its emit function.
template <class Socket>
struct StreamCtx {
  std::shared_ptr<ControlServer::Impl> srv;
  std::shared_ptr<Socket> sock;
  bool failed = false;
};

// One HTTP/1.1 chunk ("<hex size>\r\n<data>\r\n"), or the last chunk for empty `data`, framed
// by hand into one buffer (one write per item).
template <class Socket>
asio::awaitable<bool> write_chunk(std::shared_ptr<StreamCtx<Socket>> ctx, std::string data) {
  if (ctx->failed) co_return false;
  char size[24];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string frame = size;
  frame += data;
  frame += "\r\n";
  runtime::Watchdog dog(ctx->srv->ex, ctx->srv->cfg.write_timeout, [s = ctx->sock] { close_socket(*s); });
  beast::error_code ec;
  co_await asio::async_write(*ctx->sock, asio::buffer(frame), asio::redirect_error(asio::use_awaitable, ec));
  if (ec || dog.expired()) ctx->failed = true;
  co_return !ctx->failed;
}

template <class Socket>
asio::awaitable<Status> emit_item(std::shared_ptr<StreamCtx<Socket>> ctx, Json item) {
  Status out = std::make_error_code(std::errc::connection_aborted);
  if (ctx->srv->stopping) co_return out;
  std::string line = dump(item);
  line += '\n';
  const bool written = co_await write_chunk(ctx, std::move(line));
  if (written) out = Status{};
  co_return out;
}

// Runs one POST /api/v1/<method>; returns whether the connection may be kept.
template <class Socket>
asio::awaitable<bool> handle_api(std::shared_ptr<ControlServer::Impl> srv, std::shared_ptr<Socket> sock,
                                 std::string name, std::string body, bool keep_alive) {
  const ControlMethod* m = srv->router.find(name);
  srv->count(m ? name : std::string("other"));
  if (!m) {
    co_return co_await write_json(srv, sock, http::status::not_found,
                                  error_json(node_errc::unknown_method, "unknown control API method '" +
                                                                            name.substr(0, 64) + "'"),
                                  keep_alive);
  }
  Json request = body.empty() ? Json::object() : Json::parse(body, nullptr, false);
  if (!request.is_object()) {
    co_return co_await write_json(srv, sock, http::status::bad_request,
                                  error_json(node_errc::bad_request, "the request body must be a JSON object"),
                                  keep_alive);
  }
  if (m->unary) {
    std::optional<Result<Json>> r;
    try {
      r.emplace(co_await m->unary(std::move(request)));
    } catch (const std::exception& e) {
      LOTUS_LOG(error, "node.api", "method " + name + " threw: " + e.what());
      r.emplace(std::make_error_code(std::errc::state_not_recoverable));
    }
    if (!*r) {
      const auto ec = r->error();
      co_return co_await write_json(srv, sock, static_cast<http::status>(http_status_for(ec)), error_json(ec),
                                    keep_alive);
    }
    Json reply = std::move(**r);
    co_return co_await write_json(srv, sock, http::status::ok, std::move(reply), keep_alive);
  }
  // Streaming: chunked NDJSON, the connection closes afterwards.
  http::response<http::empty_body> res{http::status::ok, 11};
  res.set(http::field::server, "lotus-p2pd");
  res.set(http::field::content_type, "application/x-ndjson");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(false);
  res.chunked(true);
  {
    http::response_serializer<http::empty_body> sr{res};
    runtime::Watchdog dog(srv->ex, srv->cfg.write_timeout, [sock] { close_socket(*sock); });
    beast::error_code ec;
    co_await http::async_write_header(*sock, sr, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || dog.expired()) co_return false;
  }
  auto ctx = std::make_shared<StreamCtx<Socket>>();
  ctx->srv = srv;
  ctx->sock = sock;
  Emit emit = [ctx](Json item) { return emit_item(ctx, std::move(item)); };
  Status st;
  try {
    st = co_await m->streaming(std::move(request), emit);
  } catch (const std::exception& e) {
    LOTUS_LOG(error, "node.api", "method " + name + " threw: " + e.what());
    st = std::make_error_code(std::errc::state_not_recoverable);
  }
  if (!st && !ctx->failed) (void)co_await write_chunk(ctx, dump(error_json(st.error())) + "\n");
  if (!ctx->failed) (void)co_await write_chunk(ctx, std::string());
  co_return false;
}

// The access rules on TCP (see control_server.hpp); the refusal reason, or "".
template <class Socket, class Req>
std::string access_refusal(const ControlServer::Impl& srv, const Req& req) {
  if (!std::is_same_v<Socket, tcp::socket>) return {};
  const std::string host(req[http::field::host]);
  if (!srv.allowed_hosts.count(host)) return "bad_host";
  const std::string origin(req[http::field::origin]);
  if (!origin.empty()) {
    const auto scheme = origin.find("://");
    if (!srv.allowed_hosts.count(scheme == std::string::npos ? origin : origin.substr(scheme + 3))) return "bad_origin";
  }
  if (srv.cfg.token) {
    const std::string_view auth(req[http::field::authorization].data(), req[http::field::authorization].size());
    constexpr std::string_view bearer = "Bearer ";
    if (auth.size() != bearer.size() + srv.cfg.token->size() || auth.substr(0, bearer.size()) != bearer ||
        !lotus::equal_ct(lotus::as_bytes(auth.substr(bearer.size())), lotus::as_bytes(*srv.cfg.token)))
      return "unauthorized";
  }
  return {};
}

// A POST body must be JSON (a browser's cross-site form or text/plain POST is not).
template <class Req>
bool json_content(const Req& req) {
  const auto ct = req[http::field::content_type];
  if (ct.empty()) return req.payload_size() && *req.payload_size() == 0;  // an empty body needs no type
  const auto semi = ct.find(';');
  std::string type(ct.substr(0, semi));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type == "application/json";
}

// `sessions` was counted by the accept loop when it spawned us (so the limit holds before the
// coroutine first runs).
template <class Socket>
asio::awaitable<void> session(std::shared_ptr<ControlServer::Impl> srv, std::shared_ptr<Socket> sock) {
  ++srv->stats.connections;
  const auto slot_id = srv->next_slot++;
  srv->slots[slot_id] = ControlServer::Impl::Slot{[sock] { close_socket(*sock); }, true, Clock::now()};
  const auto stop_cb = srv->scope.add_stop_callback([sock] { close_socket(*sock); });
  beast::flat_buffer buffer(srv->cfg.max_header_bytes + 1024);
  while (!srv->stopping) {
    auto& slot = srv->slots[slot_id];
    slot.waiting = true;
    slot.since = Clock::now();
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(srv->cfg.max_header_bytes));
    parser.body_limit(srv->cfg.max_body_bytes);
    beast::error_code ec;
    bool timed_out = false;
    {
      // The request line and headers within header_timeout, the whole request within
      // read_timeout: a client that trickles bytes cannot hold the connection.
      runtime::Watchdog request_dog(srv->ex, srv->cfg.read_timeout, [sock] { close_socket(*sock); });
      {
        runtime::Watchdog header_dog(srv->ex, srv->cfg.header_timeout, [sock] { close_socket(*sock); });
        co_await http::async_read_header(*sock, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
        if (header_dog.expired() || request_dog.expired()) {
          timed_out = true;
          // Idle keep-alive connections end quietly; a header that started and stalled is counted.
          if (buffer.size() > 0 || parser.got_some())
            srv->refuse(header_dog.expired() ? "header_timeout" : "request_timeout");
        }
      }
      if (!ec && !timed_out) {
        srv->slots[slot_id].waiting = false;
        if (!srv->stopping) {
          if (const auto why = access_refusal<Socket>(*srv, parser.get()); !why.empty()) {
            srv->refuse(why);
            const bool auth = why == "unauthorized";
            (void)co_await write_json(
                srv, sock, auth ? http::status::unauthorized : http::status::forbidden,
                error_json(auth ? node_errc::unauthorized : node_errc::forbidden,
                           auth ? "this control API needs its token (Authorization: Bearer <token of DATA_DIR/api.token>)"
                                : why == "bad_host" ? "Host header does not name this control API's loopback endpoint"
                                                    : "cross-origin requests are not allowed"),
                false);
            break;
          }
        }
        co_await http::async_read(*sock, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
        if (request_dog.expired()) {
          timed_out = true;
          srv->refuse("request_timeout");
        }
      }
    }
    if (srv->stopping || timed_out) break;
    if (ec == http::error::body_limit) {
      srv->refuse("too_large");
      (void)co_await write_json(srv, sock, http::status::payload_too_large,
                                error_json(node_errc::bad_request, "request body larger than " +
                                                                       std::to_string(srv->cfg.max_body_bytes) + " bytes"),
                                false);
      break;
    }
    if (ec == http::error::header_limit) {
      srv->refuse("too_large");
      (void)co_await write_json(srv, sock, http::status::request_header_fields_too_large,
                                error_json(node_errc::bad_request, "request header too large"), false);
      break;
    }
    if (ec) {
      if (ec != http::error::end_of_stream && ec != asio::error::eof && ec != asio::error::operation_aborted &&
          ec != asio::error::bad_descriptor && ec != asio::error::connection_reset) {
        srv->refuse("malformed");
        (void)co_await write_json(srv, sock, http::status::bad_request,
                                  error_json(node_errc::bad_request, "malformed HTTP request"), false);
      }
      break;
    }
    auto req = parser.release();
    const bool keep = req.keep_alive();
    const std::string target(req.target());
    bool ok = false;
    constexpr std::string_view api_prefix = "/api/v1/";
    if (target.rfind(api_prefix, 0) == 0) {
      if (req.method() != http::verb::post) {
        ok = co_await write_json(srv, sock, http::status::method_not_allowed,
                                 error_json(node_errc::bad_request, "control API methods are called with POST"), keep);
      } else if (std::is_same_v<Socket, tcp::socket> && !json_content(req)) {  // TCP: cross-site protection
        srv->refuse("unsupported_media_type");
        ok = co_await write_json(srv, sock, http::status::unsupported_media_type,
                                 error_json(node_errc::forbidden, "the request body must be application/json"), false);
      } else {
        ok = co_await handle_api(srv, sock, target.substr(api_prefix.size()), std::move(req.body()), keep);
      }
    } else if (auto it = srv->gets.find(target); it != srv->gets.end()) {
      srv->count("GET " + it->first);
      if (req.method() != http::verb::get) {
        ok = co_await write_json(srv, sock, http::status::method_not_allowed,
                                 error_json(node_errc::bad_request, target + " is read with GET"), keep);
      } else {
        std::string body = it->second.fn();
        ok = co_await write_response(srv, sock, http::status::ok, it->second.content_type, std::move(body), keep);
      }
    } else {
      ok = co_await write_json(srv, sock, http::status::not_found,
                               error_json(node_errc::unknown_method, "no such path (POST /api/v1/<method>, GET /metrics, "
                                                                     "GET /status)"),
                               keep);
    }
    if (!ok || !keep) break;
  }
  srv->scope.remove_stop_callback(stop_cb);
  boost::system::error_code ignored;
  sock->shutdown(Socket::shutdown_both, ignored);
  sock->close(ignored);
  srv->slots.erase(slot_id);
  --srv->sessions;
  if (srv->slot_freed) srv->slot_freed->notify();
}

template <class Acceptor, class Socket>
asio::awaitable<void> accept_loop(std::shared_ptr<ControlServer::Impl> srv, std::shared_ptr<Acceptor> acc) {
  while (!srv->stopping && acc->is_open()) {
    // At the limit: make room by closing the connection waiting longest for its request, or
    // wait for a session to end. New clients meanwhile wait in the kernel's backlog, so a
    // burst of clients is served in turn instead of being turned away.
    if (srv->sessions >= srv->cfg.max_connections) {
      srv->evict_slow(Clock::now());
      (void)co_await srv->slot_freed->wait_until(Clock::now() + std::chrono::milliseconds(250));
      continue;
    }
    boost::system::error_code ec;
    Socket s = co_await acc->async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (srv->stopping || !acc->is_open()) break;
    if (ec) {
      LOTUS_LOG(warn, "node.api", "accept failed: " + ec.message());
      continue;
    }
    auto shared = std::make_shared<Socket>(std::move(s));
    ++srv->sessions;
    if (!srv->scope.spawn(session<Socket>(srv, shared), "api.session")) {
      --srv->sessions;
      close_socket(*shared);
    }
  }
}

}  // namespace

ControlServer::ControlServer(asio::io_context& io, const ControlRouter& router, ControlServerConfig config)
    : m_impl(std::make_shared<Impl>(io, router, std::move(config))) {
  m_impl->slot_freed = std::make_unique<runtime::Signal>(m_impl->ex);
}

std::string new_api_token() {
  unsigned char b[32];
  if (RAND_bytes(b, sizeof b) != 1) std::abort();  // no CSPRNG: nothing safe to do
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : b) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

ControlServer::~ControlServer() {
  // Abrupt: close everything; sessions end as the io_context keeps running.
  m_impl->stopping = true;
  for (auto& a : m_impl->unix_acceptors) close_socket(*a);
  for (auto& a : m_impl->tcp_acceptors) close_socket(*a);
  m_impl->scope.request_stop();
  for (const auto& f : m_impl->socket_files) ::unlink(f.c_str());
}

void ControlServer::add_get(std::string path, std::string content_type, GetHandler handler) {
  m_impl->gets[std::move(path)] = Impl::Get{std::move(content_type), std::move(handler)};
}

Result<ApiEndpoint> ControlServer::listen(const ApiEndpoint& endpoint) {
  auto& s = *m_impl;
  if (s.stopping) return node_errc::api_bind_failed;
  boost::system::error_code ec;
  if (endpoint.kind == ApiEndpoint::Kind::unix_socket) {
    if (endpoint.path.empty() || endpoint.path.size() >= sizeof(sockaddr_un::sun_path)) return node_errc::api_bad_endpoint;
    struct stat st {};
    if (::lstat(endpoint.path.c_str(), &st) == 0) {
      if (!S_ISSOCK(st.st_mode)) {
        LOTUS_LOG(warn, "node.api", endpoint.path + " exists and is not a socket");
        return node_errc::api_bind_failed;
      }
      // A live daemon answers on it: do not steal its socket.
      unix_proto::socket probe(s.io);
      probe.connect(unix_proto::endpoint(endpoint.path), ec);
      if (!ec) {
        LOTUS_LOG(warn, "node.api", endpoint.path + " is in use by a running daemon");
        return node_errc::api_bind_failed;
      }
      ::unlink(endpoint.path.c_str());
    }
    auto acc = std::make_shared<unix_proto::acceptor>(s.io);
    acc->open(unix_proto(), ec);
    if (!ec) acc->bind(unix_proto::endpoint(endpoint.path), ec);
    if (!ec) ::chmod(endpoint.path.c_str(), 0600);
    if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      LOTUS_LOG(warn, "node.api", "cannot listen on " + endpoint.path + ": " + ec.message());
      return node_errc::api_bind_failed;
    }
    s.unix_acceptors.push_back(acc);
    s.socket_files.push_back(endpoint.path);
    s.scope.spawn(accept_loop<unix_proto::acceptor, unix_proto::socket>(m_impl, acc), "api.accept");
    return endpoint;
  }
  auto addr = asio::ip::make_address(endpoint.host, ec);
  if (ec) return node_errc::api_bad_endpoint;
  if (!addr.is_loopback()) return node_errc::api_not_loopback;
  auto acc = std::make_shared<tcp::acceptor>(s.io);
  const tcp::endpoint ep(addr, endpoint.port);
  acc->open(ep.protocol(), ec);
  if (!ec) acc->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc->bind(ep, ec);
  if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    LOTUS_LOG(warn, "node.api", "cannot listen on " + endpoint.to_string() + ": " + ec.message());
    return node_errc::api_bind_failed;
  }
  ApiEndpoint bound = endpoint;
  bound.port = acc->local_endpoint(ec).port();
  const std::string port = ":" + std::to_string(bound.port);
  for (const char* h : {"127.0.0.1", "localhost", "[::1]"}) s.allowed_hosts.insert(h + port);
  s.tcp_acceptors.push_back(acc);
  s.scope.spawn(accept_loop<tcp::acceptor, tcp::socket>(m_impl, acc), "api.accept");
  return bound;
}

void ControlServer::close() {
  m_impl->stopping = true;
  if (m_impl->slot_freed) m_impl->slot_freed->notify();
  for (auto& a : m_impl->unix_acceptors) close_socket(*a);
  for (auto& a : m_impl->tcp_acceptors) close_socket(*a);
  m_impl->scope.request_stop();
}

namespace {
asio::awaitable<void> stop_server(std::shared_ptr<ControlServer::Impl> keep) {
  co_await keep->scope.join();
  for (const auto& f : keep->socket_files) ::unlink(f.c_str());
  keep->socket_files.clear();
}
}  // namespace

asio::awaitable<void> ControlServer::stop() {
  close();
  return stop_server(m_impl);
}

const ControlServerStats& ControlServer::stats() const { return m_impl->stats; }
std::size_t ControlServer::active_sessions() const { return m_impl->sessions; }

}  // namespace lotus::node
