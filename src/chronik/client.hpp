// Client: the NNG Chronik HTTP API (protobuf bodies, application/x-protobuf) and its /ws
// subscription channel, over http/https (Boost.Beast + OpenSSL, certificates verified against
// the system store or a configured CA, host name checked, SNI sent).
//
// Failover, and how it differs from chronik-client 0.19.0: the npm client tries its URLs in
// turn only when the request failed at the network level (an axios error with a `code`); an HTTP
// 500/502/503 from a broken or overloaded server is thrown to the caller. Ours tries the next URL
// on anything that says "this server cannot answer now": DNS/connect/TLS failure, reset,
// timeout, any 5xx, 429, an oversized or malformed response (HTTP or protobuf). It does NOT fail
// over on 404 (the authoritative "no such tx/block", same on every server) or 400 (our request
// was refused, e.g. an invalid transaction — sending it elsewhere would not change that). Like
// chronik-client, the URL that last answered is tried first next time. When every URL failed the
// result is the error of the last attempt; last_failure() tells which URL and HTTP status / Chronik
// error code, and stats() counts requests, errors by kind, failovers and latency.
//
// Every request has its endpoint's timeout (ClientConfig::timeouts; connect + TLS + request +
// response) and a bound on the response body (ClientConfig::max_response). One TCP/TLS
// connection per request (no keep-alive: calls are rare, and it keeps failure handling simple).
//
// Threading: every method runs on the io_context thread of the executor given to create();
// the Client must outlive its calls. stop() aborts calls in progress (errc::cancelled) and
// makes later ones fail at once.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/time.hpp"
#include "chronik/messages.hpp"
#include "runtime/asio.hpp"

namespace lotus::chronik {

enum class Endpoint : std::uint8_t {
  blockchain_info,
  block,
  blocks,
  tx,
  raw_tx,
  script_history,
  script_utxos,
  broadcast_tx,
  ws_connect,
};
inline constexpr std::size_t kEndpointCount = 9;
const char* to_string(Endpoint e) noexcept;  // "blockchain-info", "block", …

struct Url {
  bool tls = false;
  std::string host;   // name or IP literal (IPv6 without brackets)
  std::uint16_t port = 0;
  std::string path;   // base path without trailing '/', may be empty ("https://h/xpi" → "/xpi")
  std::string text;   // as configured
};
// http(s)://host[:port][/path], no trailing '/', no query (chronik-client's rule as well).
Result<Url> parse_url(std::string_view text);

struct ClientConfig {
  std::vector<std::string> urls;  // tried in order, starting with the one that last answered
  // Per-endpoint timeouts (index: Endpoint), each covering connect, TLS, request and response.
  std::array<Duration, kEndpointCount> timeouts = {
      std::chrono::seconds(10),  // blockchain-info
      std::chrono::seconds(30),  // block (a whole block with its txs)
      std::chrono::seconds(30),  // blocks
      std::chrono::seconds(10),  // tx
      std::chrono::seconds(10),  // raw-tx
      std::chrono::seconds(30),  // script history page
      std::chrono::seconds(30),  // script utxos
      std::chrono::seconds(20),  // broadcast-tx
      std::chrono::seconds(10),  // ws connect + upgrade
  };
  // Response body bounds (index: Endpoint); larger answers fail with errc::response_too_large.
  std::array<std::size_t, kEndpointCount> max_response = {
      64 * 1024,         // blockchain-info
      32 * 1024 * 1024,  // block
      4 * 1024 * 1024,   // blocks
      4 * 1024 * 1024,   // tx
      4 * 1024 * 1024,   // raw-tx
      16 * 1024 * 1024,  // script history page
      16 * 1024 * 1024,  // script utxos
      64 * 1024,         // broadcast-tx
      1024 * 1024,       // ws: one message
  };
  bool verify_tls = true;  // https/wss: verify the certificate chain and host name
  std::string ca_pem;      // trusted CA (PEM text); empty and ca_file empty: the system store
  std::string ca_file;
  Limits limits{};                                    // decoder element bound
  Duration ws_idle_timeout = std::chrono::seconds(90);  // pings are sent at half of it
};

// The details of the last failed attempt (for logs and the CLI; never contains secrets).
struct Failure {
  std::string url;
  Endpoint endpoint = Endpoint::blockchain_info;
  std::error_code error;
  unsigned http_status = 0;  // 0: no HTTP answer
  Error server_error;        // Chronik's Error body, when the server sent one
};

struct ClientStats {
  std::uint64_t requests = 0;   // calls (a failed-over call counts once)
  std::uint64_t attempts = 0;   // HTTP exchanges tried (all URLs)
  std::uint64_t failovers = 0;  // attempts that moved on to the next URL
  std::array<std::uint64_t, 16> errors{};  // calls that failed, by chronik::errc value
  double latency_seconds_sum = 0;          // of successful calls
  std::uint64_t latency_count = 0;
  bool last_ok = false;  // did the last call succeed (reachability)
};

class WsChannel;

// A ClientConfig with these URLs and every other setting at its default.
ClientConfig config_for(std::vector<std::string> urls);

class Client {
 public:
  // errc::no_urls, errc::invalid_url, or a TLS configuration error (CA unreadable).
  static Result<std::unique_ptr<Client>> create(const asio::any_io_executor& ex, ClientConfig config);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  asio::awaitable<Result<BlockchainInfo>> blockchain_info();
  asio::awaitable<Result<Block>> block_by_height(std::int32_t height);
  asio::awaitable<Result<Block>> block_by_hash(Hash hash);
  asio::awaitable<Result<std::vector<BlockInfo>>> blocks(std::int32_t start_height, std::int32_t end_height);
  asio::awaitable<Result<Tx>> tx(Hash txid);
  // /raw-tx/:txid (RawTx { bytes raw_tx = 1 }). Not used by chronik-client 0.19.0's NNG client;
  // NNG servers without the route answer 404 (errc::not_found).
  asio::awaitable<Result<Bytes>> raw_tx(Hash txid);
  // /script/:type/:payload/history?page=&page_size= ; payload is the hash/key (20 bytes for
  // p2pkh/p2sh), never the whole script (the reference's getUtxos bug, lotus-wire.md §6.2).
  asio::awaitable<Result<TxHistoryPage>> script_history(std::string type, Bytes payload, std::uint32_t page,
                                                        std::uint32_t page_size);
  asio::awaitable<Result<std::vector<ScriptUtxos>>> script_utxos(std::string type, Bytes payload);
  // Returns the txid the server computed.
  asio::awaitable<Result<Hash>> broadcast_tx(Bytes raw_tx);
  // Opens /ws on the first URL that accepts the upgrade (same failover order).
  asio::awaitable<Result<std::unique_ptr<WsChannel>>> open_ws();

  void stop();
  const ClientConfig& config() const noexcept;
  const Failure& last_failure() const noexcept;
  const ClientStats& stats() const noexcept;
  std::string current_url() const;  // the URL tried first next time

  struct Impl;  // internal (client.cpp); public only for the WebSocket channel there

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

// The /ws channel: send Subscription messages, read SubscribeMsg events. One reader (next())
// and one subscribe() at a time; both may be in progress together. Dropping or close()-ing the
// channel aborts them (errc::cancelled). Messages above ClientConfig::max_response[ws_connect]
// and undecodable ones fail next() with errc::malformed / response_too_large (the channel is
// then unusable: reopen). Idle connections are pinged; a dead one fails next() with timeout.
class WsChannel {
 public:
  virtual ~WsChannel() = default;
  virtual asio::awaitable<Status> subscribe(std::string script_type, Bytes payload, bool subscribe = true) = 0;
  virtual asio::awaitable<Result<SubscribeMsg>> next() = 0;
  virtual void close() = 0;
  virtual const std::string& url() const = 0;
};

}  // namespace lotus::chronik
