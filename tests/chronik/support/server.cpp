#include "chronik/support/server.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <charconv>
#include <deque>
#include <optional>
#include <set>

#include "base/hex.hpp"
#include "runtime/signal.hpp"

namespace lotus::chronik::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using bsys = boost::system::error_code;

struct TestServer::WsClient {
  explicit WsClient(tcp::socket s, const asio::any_io_executor& ex) : ws(std::move(s)), wake(ex) {}
  websocket::stream<beast::tcp_stream> ws;
  std::set<std::pair<std::string, Bytes>> subs;
  std::deque<Bytes> queue;  // bounded: a client that does not read is dropped
  runtime::Signal wake;
  bool closed = false;
  void close() {
    if (closed) return;
    closed = true;
    beast::get_lowest_layer(ws).close();
    wake.notify();
  }
  void push(Bytes msg) {
    if (closed) return;
    if (queue.size() >= 4096) {
      close();
      return;
    }
    queue.push_back(std::move(msg));
    wake.notify();
  }
};

namespace {

constexpr std::size_t kMaxRequestBody = 2 * 1024 * 1024;

TestServer::Answer error_answer(unsigned status, std::string code, std::string msg) {
  return {status, encode(Error{std::move(code), std::move(msg), true}), false};
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    const auto slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return parts;
}

std::optional<std::int64_t> to_int(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<std::string_view> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    auto kv = query.substr(0, amp);
    const auto eq = kv.find('=');
    if (kv.substr(0, eq) == name && eq != std::string_view::npos) return kv.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

asio::awaitable<void> ws_writer(std::shared_ptr<TestServer::WsClient> c) {
  while (!c->closed) {
    if (c->queue.empty()) {
      co_await c->wake.wait();
      continue;
    }
    Bytes msg = std::move(c->queue.front());
    c->queue.pop_front();
    bsys ec;
    co_await c->ws.async_write(asio::buffer(msg), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) c->close();
  }
}

asio::awaitable<void> serve_ws(TestServer* srv, std::shared_ptr<TestServer::WsClient> c) {
  const auto id = srv->next_id();
  srv->add_ws(id, c);
  const auto stop_id = srv->scope().add_stop_callback([c] { c->close(); });
  srv->scope().spawn(ws_writer(c), "chronik-test-ws-writer");
  while (!c->closed) {
    beast::flat_buffer buf;
    bsys ec;
    co_await c->ws.async_read(buf, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    const auto d = buf.cdata();
    auto sub = decode_subscription(BytesView(static_cast<const std::uint8_t*>(d.data()), d.size()));
    if (!sub || !ChainModel::known_script_type(sub->script_type)) {
      SubscribeMsg err;
      err.kind = SubscribeMsg::Kind::error;
      err.error = Error{"invalid-subscription", "unknown script type or malformed Subscription", true};
      c->push(encode(err));
      continue;
    }
    auto key = std::make_pair(sub->script_type, sub->payload);
    if (sub->is_subscribe) {
      c->subs.insert(std::move(key));
    } else {
      c->subs.erase(key);
    }
    if (srv->on_subscription) srv->on_subscription();
  }
  c->close();
  srv->scope().remove_stop_callback(stop_id);
  srv->remove_ws(id);
}

using Request = http::request<http::vector_body<std::uint8_t>>;

// Serves HTTP requests on `stream` until the connection ends; returns a WebSocket upgrade
// request when one arrives and `allow_ws` (the caller takes the socket over).
template <class Stream>
asio::awaitable<std::optional<Request>> serve_requests(TestServer* srv, Stream& stream, beast::flat_buffer& buf,
                                                       bool allow_ws) {
  for (;;) {
    http::request_parser<http::vector_body<std::uint8_t>> parser;
    parser.body_limit(kMaxRequestBody);
    bsys ec;
    co_await http::async_read(stream, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return std::nullopt;
    auto req = parser.release();
    if (websocket::is_upgrade(req)) {
      if (allow_ws && std::string(req.target()) == "/ws" && srv->ws_enabled()) co_return std::move(req);
      http::response<http::vector_body<std::uint8_t>> res{http::status::not_found, req.version()};
      res.body() = encode(Error{"not-found", "WebSocket disabled", true});
      res.prepare_payload();
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      co_return std::nullopt;
    }
    const bool keep = req.keep_alive();
    auto ans = co_await srv->handle(std::string(req.method_string()), std::string(req.target()), std::move(req.body()));
    if (ans.close) co_return std::nullopt;
    http::response<http::vector_body<std::uint8_t>> res{static_cast<http::status>(ans.status), req.version()};
    res.set(http::field::content_type, "application/x-protobuf");
    res.keep_alive(keep);
    res.body() = std::move(ans.body);
    res.prepare_payload();
    co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !keep) co_return std::nullopt;
  }
}

asio::awaitable<void> serve_conn(TestServer* srv, tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  const auto stop_id = srv->scope().add_stop_callback([&stream] { stream.close(); });
  beast::flat_buffer buf;
  auto upgrade = co_await serve_requests(srv, stream, buf, true);
  srv->scope().remove_stop_callback(stop_id);
  if (upgrade) {
    auto c = std::make_shared<TestServer::WsClient>(stream.release_socket(), srv->executor());
    bsys ec;
    co_await c->ws.async_accept(*upgrade, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    c->ws.binary(true);
    co_await serve_ws(srv, std::move(c));
    co_return;
  }
  bsys ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream.close();
}

// https: the same requests after a TLS handshake (no WebSocket over TLS here).
asio::awaitable<void> serve_tls_conn(TestServer* srv, tcp::socket socket, std::shared_ptr<ssl::context> ctx) {
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *ctx);
  const auto stop_id = srv->scope().add_stop_callback([&stream] { beast::get_lowest_layer(stream).close(); });
  bsys ec;
  co_await stream.async_handshake(ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) {
    beast::flat_buffer buf;
    (void)co_await serve_requests(srv, stream, buf, false);
  }
  srv->scope().remove_stop_callback(stop_id);
  beast::get_lowest_layer(stream).close();
}

}  // namespace

TestServer::TestServer(const asio::any_io_executor& ex, ChainModel& model)
    : m_ex(ex), m_model(model), m_scope(std::make_unique<runtime::TaskScope>(ex)) {
  m_model.on_event = [this](const ModelEvent& e) { on_event(e); };
}

TestServer::~TestServer() {
  m_model.on_event = nullptr;
  request_stop();
}

Result<std::uint16_t> TestServer::start(std::uint16_t port) {
  auto acc = std::make_unique<tcp::acceptor>(m_ex);
  bsys ec;
  const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
  acc->open(ep.protocol(), ec);
  if (!ec) acc->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc->bind(ep, ec);
  if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return std::error_code(ec.value(), std::system_category());
  m_port = acc->local_endpoint().port();
  m_acceptor = std::move(acc);
  m_scope->spawn(accept_loop(), "chronik-test-accept");
  return m_port;
}

std::string TestServer::url() const {
  return std::string(m_tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(m_port);
}

Status TestServer::enable_tls(const std::string& cert_pem, const std::string& key_pem) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  bsys ec;
  ctx->use_certificate_chain(asio::buffer(cert_pem), ec);
  if (!ec) ctx->use_private_key(asio::buffer(key_pem), ssl::context::pem, ec);
  if (ec) return std::error_code(ec.value(), std::system_category());
  m_tls = std::move(ctx);
  return {};
}

asio::awaitable<void> TestServer::accept_loop() {
  // The acceptor object may be replaced by pause()/resume(); this loop serves the one it started on.
  tcp::acceptor* acc = m_acceptor.get();
  const auto stop_id = m_scope->add_stop_callback([this] {
    if (m_acceptor) {
      bsys ec;
      m_acceptor->close(ec);
    }
  });
  for (;;) {
    bsys ec;
    tcp::socket s = co_await acc->async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    s.set_option(tcp::no_delay(true), ec);
    if (m_tls) {
      m_scope->spawn(serve_tls_conn(this, std::move(s), m_tls), "chronik-test-tls-conn");
    } else {
      m_scope->spawn(serve_conn(this, std::move(s)), "chronik-test-conn");
    }
  }
  m_scope->remove_stop_callback(stop_id);
}

void TestServer::pause() {
  if (!m_acceptor) return;
  bsys ec;
  m_acceptor->close(ec);
}

Status TestServer::resume() {
  if (m_acceptor && m_acceptor->is_open()) return {};
  // The old accept loop has ended (or ends at once): its acceptor was closed.
  auto old = std::move(m_acceptor);
  asio::post(m_ex, [o = std::shared_ptr<tcp::acceptor>(std::move(old))] {});
  auto r = start(m_port);
  if (!r) return r.error();
  return {};
}

void TestServer::set_ws_enabled(bool on) {
  m_ws_enabled = on;
  if (!on) {
    auto clients = m_ws;
    for (auto& [id, c] : clients) c->close();
  }
}

std::size_t TestServer::ws_subscriptions() const noexcept {
  std::size_t n = 0;
  for (const auto& [id, c] : m_ws) n += c->subs.size();
  return n;
}

void TestServer::request_stop() {
  if (m_scope) m_scope->request_stop();
}

asio::awaitable<void> TestServer::stop() {
  request_stop();
  co_await m_scope->join();
}

void TestServer::on_event(const ModelEvent& e) {
  SubscribeMsg m;
  m.kind = e.kind;
  m.hash = e.hash;
  const Bytes msg = encode(m);
  const bool block = e.kind == SubscribeMsg::Kind::block_connected || e.kind == SubscribeMsg::Kind::block_disconnected;
  for (auto& [id, c] : m_ws) {
    bool send = block;
    for (const auto& [type, payload] : c->subs) {
      if (send) break;
      for (const auto& s : e.scripts) {
        if (ChainModel::script_matches(type, payload, s)) {
          send = true;
          break;
        }
      }
    }
    if (send) c->push(msg);
  }
}

asio::awaitable<TestServer::Answer> TestServer::handle(std::string method, std::string target, Bytes body) {
  ++m_requests;
  const auto qpos = target.find('?');
  const std::string path = target.substr(0, qpos);
  const std::string query = qpos == std::string::npos ? std::string() : target.substr(qpos + 1);

  if (m_fault.kind != Fault::Kind::none && m_fault.count != 0 && path.starts_with(m_fault.path_prefix)) {
    const Fault f = m_fault;
    if (m_fault.count > 0) --m_fault.count;
    switch (f.kind) {
      case Fault::Kind::not_found: co_return error_answer(404, "not-found", "injected 404");
      case Fault::Kind::server_error: co_return error_answer(500, "internal-server-error", "injected 500");
      case Fault::Kind::garbage: co_return Answer{200, Bytes{0xff, 0xff, 0xff, 0xff}, false};
      case Fault::Kind::close: co_return Answer{0, {}, true};
      case Fault::Kind::slow: {
        asio::steady_timer t(m_ex);
        t.expires_after(f.delay);
        const auto stop_id = m_scope->add_stop_callback([&t] { t.cancel(); });
        bsys ec;
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        m_scope->remove_stop_callback(stop_id);
        if (ec) co_return Answer{0, {}, true};
        break;
      }
      case Fault::Kind::none: break;
    }
  }

  const auto parts = split_path(path);
  auto hash_arg = [](std::string_view s) { return hash_from_display_hex(s); };
  if (method == "POST") {
    if (path != "/broadcast-tx") co_return error_answer(404, "not-found", "no such route");
    auto req = decode_broadcast_tx_request(body);
    if (!req) co_return error_answer(400, "invalid-protobuf", "BroadcastTxRequest does not decode");
    auto r = m_model.submit(req->raw_tx);
    if (!r) co_return error_answer(400, "invalid-tx", r.error().message());
    co_return Answer{200, encode_broadcast_tx_response(*r), false};
  }
  if (method != "GET") co_return error_answer(400, "invalid-method", "GET or POST");
  if (parts.size() == 1 && parts[0] == "blockchain-info") co_return Answer{200, encode(m_model.blockchain_info()), false};
  if (parts.size() == 2 && parts[0] == "block") {
    std::optional<Block> b;
    if (auto h = to_int(parts[1])) {
      if (*h < 0 || *h > INT32_MAX) co_return error_answer(400, "invalid-height", "height out of range");
      b = m_model.block(static_cast<std::int32_t>(*h));
    } else if (auto hh = hash_arg(parts[1])) {
      b = m_model.block(*hh);
    } else {
      co_return error_answer(400, "invalid-hash-or-height", "not a height or a block hash");
    }
    if (!b) co_return error_answer(404, "block-not-found", "Block not found");
    co_return Answer{200, encode(*b), false};
  }
  if (parts.size() == 3 && parts[0] == "blocks") {
    auto a = to_int(parts[1]);
    auto z = to_int(parts[2]);
    if (!a || !z || *a < 0 || *z < *a || *z - *a > 500) {
      co_return error_answer(400, "invalid-block-range", "start <= end, at most 500 blocks");
    }
    co_return Answer{200, encode_blocks(m_model.blocks(static_cast<std::int32_t>(*a), static_cast<std::int32_t>(*z))), false};
  }
  if (parts.size() == 2 && (parts[0] == "tx" || parts[0] == "raw-tx")) {
    auto id = hash_arg(parts[1]);
    if (!id) co_return error_answer(400, "invalid-txid", "not a txid");
    if (parts[0] == "tx") {
      auto t = m_model.tx(*id);
      if (!t) co_return error_answer(404, "tx-not-found", "Transaction not found in the index");
      co_return Answer{200, encode(*t), false};
    }
    auto raw = m_model.raw_tx(*id);
    if (!raw) co_return error_answer(404, "tx-not-found", "Transaction not found in the index");
    co_return Answer{200, encode_raw_tx(*raw), false};
  }
  if (parts.size() == 4 && parts[0] == "script" && (parts[3] == "history" || parts[3] == "utxos")) {
    const std::string type(parts[1]);
    if (!ChainModel::known_script_type(type)) co_return error_answer(400, "invalid-script-type", "unknown script type");
    auto payload = from_hex(parts[2]);
    if (!payload) co_return error_answer(400, "invalid-payload", "payload is not hex");
    if (parts[3] == "utxos") co_return Answer{200, encode_utxos(m_model.utxos(type, *payload)), false};
    std::int64_t page = 0;
    std::int64_t page_size = 25;
    if (auto p = query_param(query, "page")) page = to_int(*p).value_or(-1);
    if (auto p = query_param(query, "page_size")) page_size = to_int(*p).value_or(-1);
    if (page < 0 || page_size < 1 || page_size > 200) {
      co_return error_answer(400, "invalid-page", "page >= 0, page_size 1..200");
    }
    co_return Answer{200,
                     encode(m_model.history(type, *payload, static_cast<std::uint32_t>(page),
                                            static_cast<std::uint32_t>(page_size))),
                     false};
  }
  co_return error_answer(404, "not-found", "no such route");
}

}  // namespace lotus::chronik::test
