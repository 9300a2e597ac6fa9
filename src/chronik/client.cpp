#include "chronik/client.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <charconv>
#include <functional>
#include <map>

#include "base/hex.hpp"
#include "chronik/errc.hpp"

namespace lotus::chronik {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using bsys = boost::system::error_code;

const char* to_string(Endpoint e) noexcept {
  switch (e) {
    case Endpoint::blockchain_info: return "blockchain-info";
    case Endpoint::block: return "block";
    case Endpoint::blocks: return "blocks";
    case Endpoint::tx: return "tx";
    case Endpoint::raw_tx: return "raw-tx";
    case Endpoint::script_history: return "script-history";
    case Endpoint::script_utxos: return "script-utxos";
    case Endpoint::broadcast_tx: return "broadcast-tx";
    case Endpoint::ws_connect: return "ws";
  }
  return "?";
}

Result<Url> parse_url(std::string_view text) {
  Url u;
  u.text = std::string(text);
  std::string_view rest;
  if (text.starts_with("https://")) {
    u.tls = true;
    u.port = 443;
    rest = text.substr(8);
  } else if (text.starts_with("http://")) {
    u.port = 80;
    rest = text.substr(7);
  } else {
    return errc::invalid_url;
  }
  if (rest.empty() || rest.ends_with('/') || rest.find_first_of("?# \t\r\n") != std::string_view::npos) {
    return errc::invalid_url;
  }
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) u.path = std::string(rest.substr(slash));
  if (authority.find('@') != std::string_view::npos) return errc::invalid_url;  // no credentials in URLs
  std::string_view port_text;
  if (authority.starts_with('[')) {  // [v6]:port
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return errc::invalid_url;
    u.host = std::string(authority.substr(1, close - 1));
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) return errc::invalid_url;
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      authority = authority.substr(0, colon);
    }
    u.host = std::string(authority);
  }
  if (u.host.empty()) return errc::invalid_url;
  if (!port_text.empty() || authority.ends_with(':')) {
    unsigned p = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), p);
    if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || p == 0 || p > 65535) {
      return errc::invalid_url;
    }
    u.port = static_cast<std::uint16_t>(p);
  }
  return u;
}

namespace {

bool is_ip_literal(const std::string& host) {
  bsys ec;
  (void)asio::ip::make_address(host, ec);
  return !ec;
}

std::string host_header(const Url& u) {
  std::string h = u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
  if (u.port != (u.tls ? 443 : 80)) h += ":" + std::to_string(u.port);
  return h;
}

bool certificate_rejected(SSL* s, const bsys& ec) {
  if (SSL_get_verify_result(s) != X509_V_OK) return true;
  return ec.category() == asio::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED;
}

// Prepares the TLS stream: SNI and the host (or IP) the certificate must name.
void prepare_tls(SSL* s, const Url& u, bool verify) {
  if (!is_ip_literal(u.host)) SSL_set_tlsext_host_name(s, u.host.c_str());
  if (!verify) return;
  X509_VERIFY_PARAM* param = SSL_get0_param(s);
  if (is_ip_literal(u.host)) {
    X509_VERIFY_PARAM_set1_ip_asc(param, u.host.c_str());
  } else {
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    X509_VERIFY_PARAM_set1_host(param, u.host.c_str(), 0);
  }
}

// Maps a transport-level failure after the connection was made.
std::error_code map_io(const bsys& ec, bool stopped) {
  if (stopped || ec == asio::error::operation_aborted) return errc::cancelled;
  if (ec == beast::error::timeout) return errc::timeout;
  if (ec == http::error::body_limit || ec == http::error::header_limit || ec == websocket::error::message_too_big ||
      ec == websocket::error::buffer_overflow) {
    return errc::response_too_large;
  }
  if (ec.category() == make_error_code(http::error::end_of_stream).category() && ec != http::error::end_of_stream &&
      ec != http::error::partial_message) {
    return errc::malformed;  // HTTP parse errors
  }
  if (ec == websocket::error::closed) return errc::closed;
  return errc::unreachable;  // eof, reset, partial message, …
}

bool should_failover(std::error_code ec) {
  return ec != errc::not_found && ec != errc::bad_request && ec != errc::cancelled;
}

struct HttpAnswer {
  unsigned status = 0;
  Bytes body;
};

}  // namespace

struct Client::Impl {
  asio::any_io_executor ex;
  ClientConfig cfg;
  std::vector<Url> urls;
  std::shared_ptr<ssl::context> tls;
  std::size_t working = 0;
  bool stopped = false;
  Failure failure;
  ClientStats stats;
  std::map<std::uint64_t, std::function<void()>> closers;
  std::uint64_t next_closer = 1;

  // Registers a way to abort an operation in progress (stop()); removed on scope exit.
  struct Guard {
    Impl* impl;
    std::uint64_t id;
    ~Guard() { impl->closers.erase(id); }
  };
  Guard guard(std::function<void()> fn) {
    const auto id = next_closer++;
    closers.emplace(id, std::move(fn));
    return Guard{this, id};
  }

  template <class Stream>
  asio::awaitable<Result<HttpAnswer>> exchange(Stream& s, http::request<http::vector_body<std::uint8_t>>& req,
                                               std::size_t limit) {
    bsys ec;
    co_await http::async_write(s, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return map_io(ec, stopped);
    beast::flat_buffer buf;
    http::response_parser<http::vector_body<std::uint8_t>> parser;
    parser.body_limit(limit);
    // The header first: a declared length above the bound fails before any body is buffered.
    // (Checked here as well as by body_limit, which does not stop a Content-Length body when the
    // parser is driven by async_read in Boost 1.74 as we use it — the explicit check is what the
    // tests see.)
    co_await http::async_read_header(s, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return map_io(ec, stopped);
    if (const auto len = parser.content_length(); len && *len > limit) co_return errc::response_too_large;
    co_await http::async_read(s, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return map_io(ec, stopped);
    if (parser.get().body().size() > limit) co_return errc::response_too_large;
    auto res = parser.release();
    co_return HttpAnswer{res.result_int(), std::move(res.body())};
  }

  // Resolves and connects `stream` (a beast::tcp_stream whose expiry is already set).
  asio::awaitable<Status> connect(beast::tcp_stream& stream, const Url& u) {
    tcp::resolver resolver(ex);
    bsys ec;
    auto eps = co_await resolver.async_resolve(u.host, std::to_string(u.port),
                                               asio::redirect_error(asio::use_awaitable, ec));
    if (stopped) co_return errc::cancelled;
    if (ec) co_return errc::unreachable;
    co_await stream.async_connect(eps, asio::redirect_error(asio::use_awaitable, ec));
    if (stopped || ec == asio::error::operation_aborted) co_return errc::cancelled;
    if (ec == beast::error::timeout) co_return errc::timeout;
    if (ec) co_return errc::unreachable;
    co_return Status{};
  }

  asio::awaitable<Result<HttpAnswer>> attempt(const Url& u, Endpoint ep, http::verb verb, const std::string& target,
                                              const Bytes& body) {
    const auto deadline = Clock::now() + cfg.timeouts[static_cast<std::size_t>(ep)];
    const auto limit = cfg.max_response[static_cast<std::size_t>(ep)];
    http::request<http::vector_body<std::uint8_t>> req{verb, u.path + target, 11};
    req.set(http::field::host, host_header(u));
    req.set(http::field::user_agent, "lotus-p2p");
    req.set(http::field::accept, "application/x-protobuf");
    if (verb == http::verb::post) {
      req.set(http::field::content_type, "application/x-protobuf");
      req.body() = body;
    }
    req.prepare_payload();
    if (!u.tls) {
      beast::tcp_stream stream(ex);
      auto g = guard([&stream] { stream.close(); });
      stream.expires_at(deadline);
      if (auto st = co_await connect(stream, u); !st) co_return st.error();
      co_return co_await exchange(stream, req, limit);
    }
    beast::ssl_stream<beast::tcp_stream> stream(ex, *tls);
    auto g = guard([&stream] { beast::get_lowest_layer(stream).close(); });
    beast::get_lowest_layer(stream).expires_at(deadline);
    if (auto st = co_await connect(beast::get_lowest_layer(stream), u); !st) co_return st.error();
    prepare_tls(stream.native_handle(), u, cfg.verify_tls);
    bsys ec;
    co_await stream.async_handshake(ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (stopped || ec == asio::error::operation_aborted) co_return errc::cancelled;
      if (ec == beast::error::timeout) co_return errc::timeout;
      if (certificate_rejected(stream.native_handle(), ec)) co_return errc::tls_certificate_rejected;
      co_return errc::unreachable;
    }
    co_return co_await exchange(stream, req, limit);
  }

  // One call: the URLs in failover order; the first 200 whose body decodes. A body that does not
  // decode is a broken server like a 5xx: the next URL is tried.
  template <class T, class Decode>
  asio::awaitable<Result<T>> call(Endpoint ep, http::verb verb, std::string target, Bytes body, Decode decode) {
    if (stopped) co_return errc::cancelled;
    ++stats.requests;
    const auto start = Clock::now();
    std::error_code last = errc::unreachable;
    for (std::size_t i = 0; i < urls.size(); ++i) {
      const std::size_t idx = (working + i) % urls.size();
      if (i > 0) ++stats.failovers;
      ++stats.attempts;
      const Url& u = urls[idx];
      failure = Failure{u.text, ep, {}, 0, {}};
      auto r = co_await attempt(u, ep, verb, target, body);
      if (r && r->status == 200) {
        Result<T> value = decode(BytesView(r->body));
        if (value) {
          working = idx;
          stats.last_ok = true;
          stats.latency_seconds_sum += std::chrono::duration<double>(Clock::now() - start).count();
          ++stats.latency_count;
          failure = Failure{};
          co_return value;
        }
        failure.http_status = 200;
        last = errc::malformed;
      } else if (r) {
        failure.http_status = r->status;
        if (auto e = decode_error(r->body)) failure.server_error = std::move(*e);
        last = r->status == 404 ? make_error_code(errc::not_found)
               : r->status == 400 ? make_error_code(errc::bad_request)
                                  : make_error_code(errc::http_status);
        if (r->status == 404 || r->status == 400) working = idx;  // the server answered
      } else {
        last = r.error();
      }
      failure.error = last;
      if (stopped) last = errc::cancelled;
      if (!should_failover(last)) break;
    }
    const auto v = static_cast<std::size_t>(last.category() == category() ? last.value() : 0);
    if (v < stats.errors.size()) ++stats.errors[v];
    // A 404/400 is an answer: the server is reachable.
    stats.last_ok = last == errc::not_found || last == errc::bad_request;
    co_return last;
  }
};

namespace {

template <class Next>
class WsChannelImpl final : public WsChannel {
 public:
  template <class... A>
  WsChannelImpl(Client::Impl* client, std::string url, std::size_t max_message, A&&... args)
      : m_client(client), m_url(std::move(url)), m_ws(std::forward<A>(args)...) {
    m_ws.binary(true);
    m_ws.read_message_max(max_message);
    m_closer = client->next_closer++;
    client->closers.emplace(m_closer, [this] { close(); });
  }
  ~WsChannelImpl() override {
    close();
    m_client->closers.erase(m_closer);
  }

  websocket::stream<Next>& ws() { return m_ws; }

  asio::awaitable<Status> subscribe(std::string script_type, Bytes payload, bool sub) override {
    if (m_closed) co_return errc::cancelled;
    const Bytes msg = encode(Subscription{std::move(script_type), std::move(payload), sub});
    bsys ec;
    co_await m_ws.async_write(asio::buffer(msg), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return map_io(ec, m_closed);
    co_return Status{};
  }

  asio::awaitable<Result<SubscribeMsg>> next() override {
    if (m_closed) co_return errc::cancelled;
    beast::flat_buffer buf;
    bsys ec;
    co_await m_ws.async_read(buf, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return map_io(ec, m_closed);
    const auto data = buf.cdata();
    auto m = decode_subscribe_msg(BytesView(static_cast<const std::uint8_t*>(data.data()), data.size()));
    if (!m) co_return errc::malformed;
    co_return std::move(*m);
  }

  void close() override {
    if (m_closed) return;
    m_closed = true;
    beast::get_lowest_layer(m_ws).close();
  }

  const std::string& url() const override { return m_url; }

 private:
  Client::Impl* m_client;
  std::string m_url;
  websocket::stream<Next> m_ws;
  std::uint64_t m_closer = 0;
  bool m_closed = false;
};

}  // namespace

ClientConfig config_for(std::vector<std::string> urls) {
  ClientConfig c;
  c.urls = std::move(urls);
  return c;
}

Client::Client(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Client::~Client() { stop(); }

Result<std::unique_ptr<Client>> Client::create(const asio::any_io_executor& ex, ClientConfig config) {
  if (config.urls.empty()) return errc::no_urls;
  auto impl = std::make_unique<Impl>();
  impl->ex = ex;
  bool any_tls = false;
  for (const auto& s : config.urls) {
    LOTUS_TRY(u, parse_url(s));
    any_tls = any_tls || u.tls;
    impl->urls.push_back(std::move(u));
  }
  impl->tls = std::make_shared<ssl::context>(ssl::context::tls_client);
  auto& ctx = *impl->tls;
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (config.verify_tls) {
    ctx.set_verify_mode(ssl::verify_peer);
    bsys ec;
    if (!config.ca_pem.empty()) {
      ctx.add_certificate_authority(asio::buffer(config.ca_pem), ec);
    } else if (!config.ca_file.empty()) {
      ctx.load_verify_file(config.ca_file, ec);
    } else if (any_tls) {
      ctx.set_default_verify_paths(ec);
    }
    if (ec) return errc::invalid_url;
  } else {
    ctx.set_verify_mode(ssl::verify_none);
  }
  impl->cfg = std::move(config);
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

void Client::stop() {
  if (!m_impl || m_impl->stopped) return;
  m_impl->stopped = true;
  auto closers = m_impl->closers;  // closing may erase entries
  for (auto& [id, fn] : closers) fn();
}

const ClientConfig& Client::config() const noexcept { return m_impl->cfg; }
const Failure& Client::last_failure() const noexcept { return m_impl->failure; }
const ClientStats& Client::stats() const noexcept { return m_impl->stats; }
std::string Client::current_url() const { return m_impl->urls[m_impl->working].text; }

// Each call builds its target and body before the co_await (g++ 12 mishandles temporaries with
// destructors inside a co_await expression).
asio::awaitable<Result<BlockchainInfo>> Client::blockchain_info() {
  std::string target = "/blockchain-info";
  co_return co_await m_impl->call<BlockchainInfo>(Endpoint::blockchain_info, http::verb::get, std::move(target), Bytes(),
                                                  [](BytesView b) { return decode_blockchain_info(b); });
}

asio::awaitable<Result<Block>> Client::block_by_height(std::int32_t height) {
  std::string target = "/block/" + std::to_string(height);
  const Limits lim = m_impl->cfg.limits;
  co_return co_await m_impl->call<Block>(Endpoint::block, http::verb::get, std::move(target), Bytes(),
                                         [lim](BytesView b) { return decode_block(b, lim); });
}

asio::awaitable<Result<Block>> Client::block_by_hash(Hash hash) {
  std::string target = "/block/" + to_display_hex(hash);
  const Limits lim = m_impl->cfg.limits;
  co_return co_await m_impl->call<Block>(Endpoint::block, http::verb::get, std::move(target), Bytes(),
                                         [lim](BytesView b) { return decode_block(b, lim); });
}

asio::awaitable<Result<std::vector<BlockInfo>>> Client::blocks(std::int32_t start_height, std::int32_t end_height) {
  std::string target = "/blocks/" + std::to_string(start_height) + "/" + std::to_string(end_height);
  const Limits lim = m_impl->cfg.limits;
  co_return co_await m_impl->call<std::vector<BlockInfo>>(Endpoint::blocks, http::verb::get, std::move(target), Bytes(),
                                                          [lim](BytesView b) { return decode_blocks(b, lim); });
}

asio::awaitable<Result<Tx>> Client::tx(Hash txid) {
  std::string target = "/tx/" + to_display_hex(txid);
  const Limits lim = m_impl->cfg.limits;
  co_return co_await m_impl->call<Tx>(Endpoint::tx, http::verb::get, std::move(target), Bytes(),
                                      [lim](BytesView b) { return decode_tx(b, lim); });
}

asio::awaitable<Result<Bytes>> Client::raw_tx(Hash txid) {
  std::string target = "/raw-tx/" + to_display_hex(txid);
  co_return co_await m_impl->call<Bytes>(Endpoint::raw_tx, http::verb::get, std::move(target), Bytes(),
                                         [](BytesView b) { return decode_raw_tx(b); });
}

asio::awaitable<Result<TxHistoryPage>> Client::script_history(std::string type, Bytes payload, std::uint32_t page,
                                                              std::uint32_t page_size) {
  std::string target = "/script/" + type + "/" + to_hex(payload) + "/history?page=" + std::to_string(page) +
                       "&page_size=" + std::to_string(page_size);
  const Limits lim = m_impl->cfg.limits;
  co_return co_await m_impl->call<TxHistoryPage>(Endpoint::script_history, http::verb::get, std::move(target), Bytes(),
                                                 [lim](BytesView b) { return decode_tx_history_page(b, lim); });
}

asio::awaitable<Result<std::vector<ScriptUtxos>>> Client::script_utxos(std::string type, Bytes payload) {
  std::string target = "/script/" + type + "/" + to_hex(payload) + "/utxos";
  const Limits lim = m_impl->cfg.limits;
  co_return co_await m_impl->call<std::vector<ScriptUtxos>>(Endpoint::script_utxos, http::verb::get, std::move(target),
                                                            Bytes(), [lim](BytesView b) { return decode_utxos(b, lim); });
}

asio::awaitable<Result<Hash>> Client::broadcast_tx(Bytes raw_tx) {
  BroadcastTxRequest req;
  req.raw_tx = std::move(raw_tx);
  Bytes payload = encode(req);
  std::string target = "/broadcast-tx";
  co_return co_await m_impl->call<Hash>(Endpoint::broadcast_tx, http::verb::post, std::move(target), std::move(payload),
                                        [](BytesView b) { return decode_broadcast_tx_response(b); });
}

asio::awaitable<Result<std::unique_ptr<WsChannel>>> Client::open_ws() {
  Impl& im = *m_impl;
  if (im.stopped) co_return errc::cancelled;
  const auto ep = static_cast<std::size_t>(Endpoint::ws_connect);
  std::error_code last = errc::unreachable;
  for (std::size_t i = 0; i < im.urls.size(); ++i) {
    const std::size_t idx = (im.working + i) % im.urls.size();
    const Url u = im.urls[idx];
    const auto deadline = Clock::now() + im.cfg.timeouts[ep];
    websocket::stream_base::timeout opt{};
    opt.handshake_timeout = im.cfg.timeouts[ep];
    opt.idle_timeout = im.cfg.ws_idle_timeout;
    opt.keep_alive_pings = true;
    bsys ec;
    if (!u.tls) {
      auto ch = std::make_unique<WsChannelImpl<beast::tcp_stream>>(&im, u.text, im.cfg.max_response[ep], im.ex);
      auto& lowest = beast::get_lowest_layer(ch->ws());
      lowest.expires_at(deadline);
      auto st = co_await im.connect(lowest, u);
      if (st) {
        co_await ch->ws().async_handshake(host_header(u), u.path + "/ws", asio::redirect_error(asio::use_awaitable, ec));
        if (!ec) {
          lowest.expires_never();
          ch->ws().set_option(opt);
          im.working = idx;
          co_return std::unique_ptr<WsChannel>(std::move(ch));
        }
        last = map_io(ec, im.stopped);
      } else {
        last = st.error();
      }
    } else {
      auto ch = std::make_unique<WsChannelImpl<beast::ssl_stream<beast::tcp_stream>>>(&im, u.text,
                                                                                       im.cfg.max_response[ep], im.ex, *im.tls);
      auto& lowest = beast::get_lowest_layer(ch->ws());
      lowest.expires_at(deadline);
      auto st = co_await im.connect(lowest, u);
      if (st) {
        auto& tls_stream = ch->ws().next_layer();
        prepare_tls(tls_stream.native_handle(), u, im.cfg.verify_tls);
        co_await tls_stream.async_handshake(ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
          last = im.stopped ? make_error_code(errc::cancelled)
                 : ec == beast::error::timeout ? make_error_code(errc::timeout)
                 : certificate_rejected(tls_stream.native_handle(), ec) ? make_error_code(errc::tls_certificate_rejected)
                                                                        : make_error_code(errc::unreachable);
        } else {
          co_await ch->ws().async_handshake(host_header(u), u.path + "/ws",
                                            asio::redirect_error(asio::use_awaitable, ec));
          if (!ec) {
            lowest.expires_never();
            ch->ws().set_option(opt);
            im.working = idx;
            co_return std::unique_ptr<WsChannel>(std::move(ch));
          }
          last = map_io(ec, im.stopped);
        }
      } else {
        last = st.error();
      }
    }
    if (im.stopped) co_return errc::cancelled;
  }
  co_return last;
}

}  // namespace lotus::chronik
