// Harness for the js-libp2p interop suite.
//
//  * ByteGen    — the deterministic test-data generator shared with js/peer.mjs (xorshift32:
//                 state = seed, or 0x9E3779B9 when seed == 0; per 4 output bytes
//                 state ^= state << 13; state ^= state >> 17; state ^= state << 5; emit state
//                 little-endian; a stream of N bytes is the first N bytes of that sequence).
//  * JsPeer     — one `node js/peer.mjs` child process (posix_spawn, pipes for stdin/stdout,
//                 stderr to a temp file so it can be printed when a test fails). Waits for the
//                 {"event":"ready"} line with a deadline; request()/call() send one JSON command
//                 and wait for the reply with the same id, with a deadline. Killed on destruction.
//  * CppNode    — our lotus::host::Host on its own io_context thread, listening on 127.0.0.1,
//                 serving /echo/1.0.0 and /reset/1.0.0 like the js peer does, recording host
//                 events and the outcome of every inbound test stream. run() executes a
//                 coroutine on the io thread and waits for its result with a deadline.
//  * coroutine helpers for the client side of the test protocols (echo, concurrent echo).
//
// Nothing here sleeps: every wait is on a reply, an event or a process exit, with a deadline.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/bytes.hpp"
#include "host/host.hpp"
#include "runtime/asio.hpp"

namespace lotus::interop {

using json = nlohmann::json;
using namespace std::chrono_literals;
using Millis = std::chrono::milliseconds;

inline constexpr const char* kEcho = "/echo/1.0.0";
inline constexpr const char* kReset = "/reset/1.0.0";

// ------------------------------------------------------------------------------------ data

class ByteGen {
 public:
  explicit ByteGen(std::uint32_t seed) noexcept : m_state(seed != 0 ? seed : 0x9E3779B9u) {}
  void fill(MutBytesView out) noexcept;
  Bytes next(std::size_t n);

 private:
  std::uint32_t m_state;
  std::uint32_t m_word = 0;
  unsigned m_avail = 0;  // bytes of m_word not yet emitted
};

// Checks a received byte stream against ByteGen(seed)'s first `expected` bytes.
class Verifier {
 public:
  Verifier(std::uint32_t seed, std::uint64_t expected) : m_gen(seed), m_expected(expected) {}
  void push(BytesView data);
  bool match() const noexcept { return m_first_mismatch < 0 && m_received == m_expected; }
  std::uint64_t received() const noexcept { return m_received; }
  std::int64_t first_mismatch() const noexcept { return m_first_mismatch; }

 private:
  ByteGen m_gen;
  std::uint64_t m_expected;
  std::uint64_t m_received = 0;
  std::int64_t m_first_mismatch = -1;
  Bytes m_scratch;
};

// ------------------------------------------------------------------------------------ js

class JsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class JsPeer {
 public:
  struct Options {
    std::vector<std::string> args;  // extra peer.mjs arguments (--agent, --key-seed, ...)
    Millis ready_timeout = 20s;
    std::string name = "js";
  };
  // Spawns the peer and waits for its ready line; throws JsError (with its stderr) on failure.
  explicit JsPeer(Options options);
  JsPeer() : JsPeer(Options{}) {}
  ~JsPeer();
  JsPeer(const JsPeer&) = delete;
  JsPeer& operator=(const JsPeer&) = delete;

  const std::string& peer_id() const noexcept { return m_peer_id; }
  const std::vector<std::string>& addrs() const noexcept { return m_addrs; }
  const std::string& addr() const { return m_addrs.at(0); }  // /ip4/127.0.0.1/tcp/N/p2p/<id>
  std::string addr_without_peer() const;                      // /ip4/127.0.0.1/tcp/N

  // Sends {"id","cmd","timeout_ms",...params}; returns the raw reply ({id,result}|{id,error}).
  // Throws JsError if no reply arrives within timeout + 5 s or the process died.
  json request(const std::string& cmd, json params = json::object(), Millis timeout = 20s);
  // request(), then throws JsError on an error reply; returns reply["result"].
  json call(const std::string& cmd, json params = json::object(), Millis timeout = 20s);
  // Returns the first js event (seq >= since) whose fields equal `match`; throws on timeout.
  json wait_event(json match, std::int64_t since = 0, Millis timeout = 20s);
  // The sequence number the next js event will get (use as `since`).
  std::int64_t next_event_seq();

  std::string stderr_text() const;
  bool running() const;
  // Graceful stop ("stop" command, close stdin), SIGKILL after a deadline; reaps the process.
  void stop();

 private:
  void reader_loop();
  bool write_line(const std::string& line);
  void kill_and_reap();

  std::string m_name;
  int m_pid = -1;
  int m_stdin = -1;
  int m_stdout = -1;
  std::string m_stderr_path;
  std::thread m_reader;
  mutable std::mutex m_mu;
  std::condition_variable m_cv;
  std::optional<json> m_ready;
  std::map<std::int64_t, json> m_replies;
  bool m_eof = false;
  std::int64_t m_next_id = 1;
  std::string m_peer_id;
  std::vector<std::string> m_addrs;
  bool m_reaped = false;
};

// A generic child process (used for the lotus-p2pd / lotus-p2p binaries): stdin /dev/null,
// stdout through a pipe (read line by line with deadlines), stderr to a temp file.
// The destructor sends SIGTERM, waits up to 5 s, then SIGKILLs and reaps.
class Subprocess {
 public:
  Subprocess(std::vector<std::string> argv, std::string name);
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  int pid() const noexcept { return m_pid; }
  // The next complete stdout line, or nullopt on EOF/timeout.
  std::optional<std::string> read_line(Millis timeout);
  // Exit status once the process ended within timeout: the exit code, or 128 + signal.
  std::optional<int> wait_exit(Millis timeout);
  void signal(int sig);
  std::string stdout_text() const;  // everything read from stdout so far
  std::string stderr_text() const;
  std::string describe() const;     // command line, exit status, stdout and stderr

 private:
  void reader_loop();
  std::string m_name;
  std::string m_cmdline;
  int m_pid = -1;
  int m_stdout = -1;
  std::string m_stderr_path;
  std::thread m_reader;
  mutable std::mutex m_mu;
  std::condition_variable m_cv;
  std::string m_out;               // all stdout
  std::size_t m_line_pos = 0;      // start of the next unread line in m_out
  bool m_eof = false;
  std::optional<int> m_status;
};

struct CliResult {
  int exit_code = -1;  // -1: did not exit in time (killed)
  std::string out;
  std::string err;
  std::string describe;
};
// Runs argv to completion (killed after timeout).
CliResult run_cli(std::vector<std::string> argv, Millis timeout = 30s);

// ------------------------------------------------------------------------------------ C++

struct InboundStream {
  std::string protocol;
  std::string peer;
  std::uint64_t bytes = 0;
  std::string outcome;  // "closed" (remote FIN, echoed, we closed) | "reset" | "reset_sent" | "error"
  std::string error;    // message of the error, if any
};

template <class A>
struct AwaitableValue;
template <class T, class E>
struct AwaitableValue<asio::awaitable<T, E>> {
  using type = T;
};

class CppNode {
 public:
  struct Options {
    std::string listen = "/ip4/127.0.0.1/tcp/0";
    std::string agent_version = "lotus-p2p-interop/1.0";
    bool serve_test_protocols = true;
    // 0: a fresh random identity; otherwise the Ed25519 key generate(ed25519, DeterministicRng(key_seed))
    // gives (a service that signs with the identity, e.g. pubsub, derives the same key).
    std::uint64_t key_seed = 0;
    std::vector<std::string> muxers = {};  // empty: host::Config's default (yamux, mplex)
    std::size_t max_stream_buffer = 0;     // 0: host::Config's default (yamux receive window)
    host::TlsCertificate tls{};            // for a /tls/ws listen address
    std::string wss_ca_pem{};              // trusted CA for wss dials (empty: the system store)
  };
  explicit CppNode(Options options);
  CppNode() : CppNode(Options{}) {}
  ~CppNode();
  CppNode(const CppNode&) = delete;
  CppNode& operator=(const CppNode&) = delete;

  // Only inside coroutines passed to run() (the host lives on the io thread).
  host::Host& host() noexcept { return *m_host; }
  asio::io_context& io() noexcept { return m_io; }

  // Thread-safe snapshots taken at start.
  const mf::PeerId& peer_id() const noexcept { return *m_peer_id; }
  std::string peer_id_str() const { return m_peer_id->to_string(); }
  const std::string& listen_addr() const noexcept { return m_listen_addr; }  // no /p2p/
  std::string addr() const { return m_listen_addr + "/p2p/" + peer_id_str(); }

  // Runs make() on the io thread and waits for the awaitable's result; throws
  // std::runtime_error on timeout. `make` is kept alive (inside the spawned coroutine) until the
  // awaitable finished, so a lambda coroutine capturing [this] and values is safe; it must not
  // capture locals of the caller by reference (after a timeout the caller unwinds while the
  // coroutine still runs until the host stops).
  template <class F>
  auto run(F make, Millis timeout = 20s) -> typename AwaitableValue<decltype(make())>::type {
    using T = typename AwaitableValue<decltype(make())>::type;
    auto promise = std::make_shared<std::promise<T>>();
    auto future = promise->get_future();
    spawn(deliver<T, F>(std::move(make), promise));
    if (future.wait_for(timeout) != std::future_status::ready) {
      throw std::runtime_error("CppNode::run: coroutine did not finish within " +
                               std::to_string(timeout.count()) + " ms");
    }
    return future.get();
  }

  // Host events as they were delivered (copied); wait_event returns the first satisfying pred.
  std::vector<host::Event> events() const;
  std::optional<host::Event> wait_event(const std::function<bool(const host::Event&)>& pred,
                                        Millis timeout = 20s) const;
  std::vector<InboundStream> inbound_streams() const;
  std::optional<InboundStream> wait_inbound(const std::function<bool(const InboundStream&)>& pred,
                                            Millis timeout = 20s) const;
  // Waits until at least n recorded inbound streams satisfy pred; returns those (fewer on timeout).
  std::vector<InboundStream> wait_inbound_count(const std::function<bool(const InboundStream&)>& pred,
                                                std::size_t n, Millis timeout = 20s) const;
  std::string describe_events() const;  // for failure messages

  // Shared with the stream handlers (which may outlive a particular test step).
  struct Log {
    mutable std::mutex mu;
    mutable std::condition_variable cv;
    std::vector<host::Event> events;
    std::vector<InboundStream> inbound;
  };

 private:
  template <class T, class F>
  static asio::awaitable<void> deliver(F make, std::shared_ptr<std::promise<T>> promise) {
    try {
      if constexpr (std::is_void_v<T>) {
        co_await make();
        promise->set_value();
      } else {
        promise->set_value(co_await make());
      }
    } catch (...) {
      promise->set_exception(std::current_exception());
    }
  }
  void spawn(asio::awaitable<void> task);
  void abandon();

  asio::io_context m_io;
  std::unique_ptr<host::Host> m_host;
  std::shared_ptr<Log> m_log;
  std::optional<mf::PeerId> m_peer_id;
  std::string m_listen_addr;
  std::thread m_thread;
  bool m_abandoned = false;
};

// ------------------------------------------------------------------------------------ client side

struct EchoResult {
  bool match = false;
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  std::int64_t first_mismatch = -1;
  std::error_code write_error;  // from write/close_write
  std::error_code read_error;   // from read_some
  std::string describe() const;
};

// Writes ByteGen(seed)'s first n bytes (64 KiB writes) while reading the echo concurrently,
// half-closes after the last byte, reads until the remote closes. The stream must be open on
// /echo/1.0.0.
asio::awaitable<EchoResult> echo_roundtrip(std::shared_ptr<host::Stream> stream, std::uint64_t n,
                                           std::uint32_t seed);

// Opens `streams` streams to `peer` on the existing connection and runs echo_roundtrip on all
// of them concurrently (stream i uses seed + i). Returns one result per stream (a failed open
// is reported as read_error).
asio::awaitable<std::vector<EchoResult>> echo_concurrent(host::Host& host, mf::PeerId peer,
                                                         std::size_t streams, std::uint64_t n,
                                                         std::uint32_t seed);

// A protocol list built outside the co_await expression (g++ 12 miscompiles braced
// initializer lists inside co_await: "array used as initializer").
std::vector<std::string> protocols(const char* p);

// Parses, or throws std::invalid_argument with the text.
mf::Multiaddr ma(const std::string& text);
mf::PeerId pid(const std::string& text);

}  // namespace lotus::interop
