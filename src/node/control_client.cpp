// Control API client (see control_client.hpp): Beast over a private io_context, every step
// bounded by the call's deadline.
#include "node/control_client.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <fstream>
#include <limits>

#include "node/errors.hpp"
#include "runtime/asio.hpp"

namespace lotus::node {

namespace beast = boost::beast;
namespace http = beast::http;
using unix_proto = asio::local::stream_protocol;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t k_max_unary_body = 64 * 1024 * 1024;
constexpr std::size_t k_max_stream_line = 16 * 1024 * 1024;

// Runs one asynchronous operation on `io` until it completes or the deadline passes (then the
// socket is closed and api_timeout returned).
class Runner {
 public:
  Runner(asio::io_context& io, std::optional<Clock::time_point> deadline, std::function<void()> abort)
      : m_io(io), m_deadline(deadline), m_abort(std::move(abort)) {}

  template <class Initiate>
  boost::system::error_code run(Initiate&& initiate) {
    bool done = false;
    boost::system::error_code result;
    initiate([&](boost::system::error_code ec, auto&&...) {
      done = true;
      result = ec;
    });
    m_io.restart();
    while (!done) {
      const std::size_t n = m_deadline ? m_io.run_one_until(*m_deadline) : m_io.run_one();
      if (n == 0 && !done) {
        m_abort();
        m_io.restart();
        m_io.run();
        return asio::error::timed_out;
      }
    }
    return result;
  }

 private:
  asio::io_context& m_io;
  std::optional<Clock::time_point> m_deadline;
  std::function<void()> m_abort;
};

template <class T>
ControlResult<T> fail(std::error_code ec, std::string message, int status = 0) {
  ControlResult<T> r;
  r.error.code = ec;
  r.error.message = std::move(message);
  r.error.http_status = status;
  return r;
}

template <class T>
ControlResult<T> remote_error(const Json& j, int status) {
  ControlResult<T> r;
  r.error.code = node_errc::api_remote_error;
  r.error.http_status = status;
  const Json& e = j.contains("error") ? j["error"] : j;
  r.error.remote_code = e.is_object() ? e.value("code", "") : "";
  r.error.message = e.is_object() ? e.value("message", "error") : "error";
  return r;
}

struct Exchange {
  enum class Mode { unary, stream, get };
  Mode mode = Mode::unary;
  std::string host = "localhost";           // the Host header: the endpoint we talk to
  const std::optional<std::string>* token = nullptr;
  std::string target;
  std::string body;
  const std::function<bool(const Json&)>* on_item = nullptr;
};

struct Outcome {
  std::error_code ec;
  std::string message;
  int status = 0;
  std::string body;     // unary/get
  std::optional<Json> stream_error;
};

template <class Socket, class Endpoint>
Outcome exchange(asio::io_context& io, Socket& sock, const Endpoint& ep, const std::string& where,
                 std::optional<Clock::time_point> deadline, const Exchange& x) {
  Outcome out;
  Runner run(io, deadline, [&sock] {
    boost::system::error_code ignored;
    sock.close(ignored);
  });
  auto ec = run.run([&](auto h) { sock.async_connect(ep, std::move(h)); });
  if (ec) {
    out.ec = ec == asio::error::timed_out ? std::error_code(node_errc::api_timeout) : std::error_code(node_errc::api_unreachable);
    out.message = "cannot connect to the control API at " + where + ": " + std::string(ec.message()) +
                  " (is lotus-p2pd running? see --api / --data-dir)";
    return out;
  }
  http::request<http::string_body> req{x.mode == Exchange::Mode::get ? http::verb::get : http::verb::post, x.target, 11};
  req.set(http::field::host, x.host);
  req.set(http::field::user_agent, "lotus-p2p");
  if (x.token && *x.token) req.set(http::field::authorization, "Bearer " + **x.token);
  if (x.mode != Exchange::Mode::get) {
    req.set(http::field::content_type, "application/json");
    req.body() = x.body;
  }
  req.keep_alive(false);
  req.prepare_payload();
  ec = run.run([&](auto h) { http::async_write(sock, req, std::move(h)); });
  if (ec) {
    out.ec = ec == asio::error::timed_out ? std::error_code(node_errc::api_timeout) : std::error_code(node_errc::api_unreachable);
    out.message = "control API request failed: " + ec.message();
    return out;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> p;
  // Not boost::none: Beast 1.74 compares a Content-Length against an empty optional as "larger".
  p.body_limit(std::numeric_limits<std::uint64_t>::max());
  ec = run.run([&](auto h) { http::async_read_header(sock, buffer, p, std::move(h)); });
  if (ec) {
    out.ec = ec == asio::error::timed_out ? std::error_code(node_errc::api_timeout) : std::error_code(node_errc::api_bad_response);
    out.message = "control API: no valid response header: " + ec.message();
    return out;
  }
  out.status = static_cast<int>(p.get().result_int());
  const bool lines = x.mode == Exchange::Mode::stream && out.status == 200;
  std::string pending;
  char chunk[16 * 1024];
  while (!p.is_done()) {
    p.get().body().data = chunk;
    p.get().body().size = sizeof chunk;
    // read_some: a stream item is handed on as soon as it arrives (async_read would wait for
    // the 16 KiB chunk to fill or the response to end).
    ec = run.run([&](auto h) { http::async_read_some(sock, buffer, p, std::move(h)); });
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      out.ec = ec == asio::error::timed_out ? std::error_code(node_errc::api_timeout) : std::error_code(node_errc::api_bad_response);
      out.message = std::string(lines ? "control API: stream ended abnormally: " : "control API: incomplete response: ") +
                    ec.message();
      return out;
    }
    const std::size_t n = sizeof chunk - p.get().body().size;
    if (!lines) {
      if (out.body.size() + n > k_max_unary_body) {
        out.ec = node_errc::api_bad_response;
        out.message = "control API: response larger than 64 MiB";
        return out;
      }
      out.body.append(chunk, n);
      continue;
    }
    pending.append(chunk, n);
    std::size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      Json item = Json::parse(pending.substr(0, nl), nullptr, false);
      pending.erase(0, nl + 1);
      if (item.is_discarded() || !item.is_object()) {
        out.ec = node_errc::api_bad_response;
        out.message = "control API: a stream item is not a JSON object";
        return out;
      }
      if (item.size() == 1 && item.contains("error")) {
        out.stream_error = std::move(item);
        return out;
      }
      if (is_heartbeat(item)) continue;  // the daemon checking that we are still here
      if (!(*x.on_item)(item)) return out;  // the caller stopped reading
    }
    if (pending.size() > k_max_stream_line) {
      out.ec = node_errc::api_bad_response;
      out.message = "control API: stream item larger than 16 MiB";
      return out;
    }
  }
  return out;
}

Outcome perform(const ApiEndpoint& endpoint, std::chrono::milliseconds timeout, Exchange x) {
  if (endpoint.kind == ApiEndpoint::Kind::tcp) x.host = endpoint.to_string();  // e.g. 127.0.0.1:5701
  asio::io_context io;
  std::optional<Clock::time_point> deadline;
  if (timeout.count() > 0) deadline = Clock::now() + timeout;
  if (endpoint.kind == ApiEndpoint::Kind::unix_socket) {
    unix_proto::socket sock(io);
    return exchange(io, sock, unix_proto::endpoint(endpoint.path), endpoint.to_string(), deadline, x);
  }
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(endpoint.host, ec);
  if (ec) return Outcome{node_errc::api_bad_endpoint, "bad control API address " + endpoint.to_string(), 0, {}, {}};
  tcp::socket sock(io);
  return exchange(io, sock, tcp::endpoint(addr, endpoint.port), endpoint.to_string(), deadline, x);
}

}  // namespace

ControlResult<Json> ControlClient::call(const std::string& method, const Json& request) const {
  Exchange x;
  x.target = "/api/v1/" + method;
  x.body = request.dump(-1, ' ', false, Json::error_handler_t::replace);
  x.token = &m_token;
  auto o = perform(m_endpoint, m_timeout, x);
  if (o.ec) return fail<Json>(o.ec, o.message, o.status);
  Json j = Json::parse(o.body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return fail<Json>(node_errc::api_bad_response, "control API: the reply is not a JSON object (HTTP " +
                                                       std::to_string(o.status) + ")", o.status);
  if (o.status != 200 || (j.size() == 1 && j.contains("error"))) return remote_error<Json>(j, o.status);
  ControlResult<Json> r;
  r.value = std::move(j);
  return r;
}

ControlResult<bool> ControlClient::stream(const std::string& method, const Json& request,
                                          const std::function<bool(const Json&)>& on_item,
                                          std::chrono::milliseconds timeout) const {
  Exchange x;
  x.mode = Exchange::Mode::stream;
  x.target = "/api/v1/" + method;
  x.body = request.dump(-1, ' ', false, Json::error_handler_t::replace);
  x.on_item = &on_item;
  x.token = &m_token;
  auto o = perform(m_endpoint, timeout, x);
  if (o.ec) return fail<bool>(o.ec, o.message, o.status);
  if (o.stream_error) return remote_error<bool>(*o.stream_error, o.status);
  if (o.status != 200) {
    Json j = Json::parse(o.body, nullptr, false);
    if (j.is_object()) return remote_error<bool>(j, o.status);
    return fail<bool>(node_errc::api_bad_response, "control API: HTTP " + std::to_string(o.status), o.status);
  }
  ControlResult<bool> r;
  r.value = true;
  return r;
}

ControlResult<std::string> ControlClient::get(const std::string& path) const {
  Exchange x;
  x.mode = Exchange::Mode::get;
  x.target = path;
  x.token = &m_token;
  auto o = perform(m_endpoint, m_timeout, x);
  if (o.ec) return fail<std::string>(o.ec, o.message, o.status);
  if (o.status != 200) {
    Json j = Json::parse(o.body, nullptr, false);
    if (j.is_object()) return remote_error<std::string>(j, o.status);
    return fail<std::string>(node_errc::api_bad_response, "control API: HTTP " + std::to_string(o.status), o.status);
  }
  ControlResult<std::string> r;
  r.value = std::move(o.body);
  return r;
}

namespace {
// The CLI's data directory: --data-dir, LOTUS_P2P_DATA_DIR, ~/.lotus-p2p (as the daemon's).
std::optional<std::filesystem::path> cli_data_dir(const std::optional<std::string>& data_dir_flag,
                                                  const std::map<std::string, std::string>& env) {
  std::filesystem::path dir;
  auto home = [&]() -> std::string {
    auto h = env.find("HOME");
    return h == env.end() ? std::string() : h->second;
  };
  auto expand = [&](const std::string& p) {
    if ((p == "~" || p.rfind("~/", 0) == 0) && !home().empty()) return home() + p.substr(1);
    return p;
  };
  if (data_dir_flag) dir = expand(*data_dir_flag);
  else if (auto it = env.find("LOTUS_P2P_DATA_DIR"); it != env.end() && !it->second.empty()) dir = expand(it->second);
  else if (!home().empty()) dir = std::filesystem::path(home()) / ".lotus-p2p";
  else return std::nullopt;
  return dir;
}
}  // namespace

std::optional<std::string> default_api_token(const ApiEndpoint& endpoint, const std::optional<std::string>& token_flag,
                                             const std::optional<std::string>& data_dir_flag,
                                             const std::map<std::string, std::string>& env) {
  if (endpoint.kind != ApiEndpoint::Kind::tcp) return std::nullopt;
  if (token_flag && !token_flag->empty()) return *token_flag;
  if (auto it = env.find("LOTUS_P2P_API_TOKEN"); it != env.end() && !it->second.empty()) return it->second;
  auto dir = cli_data_dir(data_dir_flag, env);
  if (!dir) return std::nullopt;
  std::ifstream in(*dir / "api.token");
  std::string line;
  if (in && std::getline(in, line) && !line.empty()) return line;
  return std::nullopt;
}

Result<ApiEndpoint> default_api_endpoint(const std::optional<std::string>& api_flag,
                                         const std::optional<std::string>& data_dir_flag,
                                         const std::map<std::string, std::string>& env) {
  if (api_flag) return ApiEndpoint::parse(*api_flag);
  if (auto it = env.find("LOTUS_P2P_API"); it != env.end() && !it->second.empty()) return ApiEndpoint::parse(it->second);
  auto found = cli_data_dir(data_dir_flag, env);
  if (!found) return node_errc::api_bad_endpoint;
  const std::filesystem::path dir = *found;
  // The endpoint the running daemon wrote (covers TCP endpoints and port 0).
  std::ifstream in(dir / "api");
  std::string line;
  if (in && std::getline(in, line) && !line.empty()) {
    if (auto e = ApiEndpoint::parse(line)) return e;
  }
  return ApiEndpoint::unix_socket(dir / "control.sock");
}

}  // namespace lotus::node
