#include "interop_harness.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "crypto/keys.hpp"

extern char** environ;

#ifndef LOTUS_INTEROP_DIR
#error "LOTUS_INTEROP_DIR must point at tests/interop"
#endif
#ifndef LOTUS_NODE_EXECUTABLE
#define LOTUS_NODE_EXECUTABLE "node"
#endif

namespace lotus::interop {

// ------------------------------------------------------------------------------------ data

void ByteGen::fill(MutBytesView out) noexcept {
  for (auto& b : out) {
    if (m_avail == 0) {
      std::uint32_t x = m_state;
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      m_state = x;
      m_word = x;
      m_avail = 4;
    }
    b = static_cast<std::uint8_t>(m_word >> (8 * (4 - m_avail)));
    --m_avail;
  }
}

Bytes ByteGen::next(std::size_t n) {
  Bytes out(n);
  fill(out);
  return out;
}

void Verifier::push(BytesView data) {
  const std::uint64_t room = m_expected > m_received ? m_expected - m_received : 0;
  const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(data.size(), room));
  if (n > 0) {
    m_scratch.resize(n);
    m_gen.fill(m_scratch);
    if (m_first_mismatch < 0) {
      auto [want, got] = std::mismatch(m_scratch.begin(), m_scratch.end(), data.begin());
      if (want != m_scratch.end()) {
        m_first_mismatch = static_cast<std::int64_t>(m_received) + (want - m_scratch.begin());
      }
    }
  }
  if (data.size() > n && m_first_mismatch < 0) {
    m_first_mismatch = static_cast<std::int64_t>(m_received + n);
  }
  m_received += data.size();
}

// ------------------------------------------------------------------------------------ js

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

// Waits up to `timeout` for the process to exit (pidfd + poll); true if it exited (not reaped).
bool wait_exit(int pid, Millis timeout) {
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return false;
  pollfd p{fd, POLLIN, 0};
  int r;
  do {
    r = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (r < 0 && errno == EINTR);
  ::close(fd);
  return r > 0;
}

JsPeer::JsPeer(Options options) : m_name(std::move(options.name)) {
  std::signal(SIGPIPE, SIG_IGN);  // a dead child must not kill the test binary
  int in[2];
  int out[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) {
    throw JsError("pipe2 failed: " + std::string(std::strerror(errno)));
  }
  char path[] = "/tmp/lotus-interop-js-XXXXXX.log";
  const int errfd = ::mkostemps(path, 4, O_CLOEXEC);
  if (errfd < 0) throw JsError("mkostemps failed: " + std::string(std::strerror(errno)));
  m_stderr_path = path;

  const std::string node = LOTUS_NODE_EXECUTABLE;
  const std::string script = std::string(LOTUS_INTEROP_DIR) + "/js/peer.mjs";
  std::vector<std::string> args{node, script};
  args.insert(args.end(), options.args.begin(), options.args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, errfd, 2);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, node.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(in[0]);
  ::close(out[1]);
  ::close(errfd);
  if (rc != 0) {
    ::close(in[1]);
    ::close(out[0]);
    m_reaped = true;
    throw JsError("posix_spawn " + node + " failed: " + std::strerror(rc));
  }
  m_pid = pid;
  m_stdin = in[1];
  m_stdout = out[0];
  m_reader = std::thread([this] { reader_loop(); });

  std::unique_lock lk(m_mu);
  const bool ok = m_cv.wait_for(lk, options.ready_timeout, [&] { return m_ready.has_value() || m_eof; });
  if (!ok || !m_ready) {
    lk.unlock();
    const std::string why = ok ? "exited before printing its ready line" : "printed no ready line in time";
    kill_and_reap();
    throw JsError(m_name + " (" + script + ") " + why + "\n---- js stderr ----\n" + stderr_text());
  }
  m_peer_id = m_ready->value("peerId", "");
  for (const auto& a : m_ready->value("addrs", json::array())) m_addrs.push_back(a.get<std::string>());
}

JsPeer::~JsPeer() {
  stop();
  if (!m_stderr_path.empty() && std::getenv("LOTUS_INTEROP_KEEP_LOGS") == nullptr) {
    ::unlink(m_stderr_path.c_str());
  }
}

std::string JsPeer::addr_without_peer() const {
  const std::string& a = addr();
  const auto pos = a.find("/p2p/");
  return pos == std::string::npos ? a : a.substr(0, pos);
}

void JsPeer::reader_loop() {
  std::string buf;
  char chunk[65536];
  for (;;) {
    const ssize_t n = ::read(m_stdout, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buf.append(chunk, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t nl; (nl = buf.find('\n', start)) != std::string::npos; start = nl + 1) {
      const std::string line = buf.substr(start, nl - start);
      json msg = json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (msg.is_discarded() || !msg.is_object()) continue;
      std::lock_guard lk(m_mu);
      if (msg.value("event", "") == "ready") {
        m_ready = std::move(msg);
      } else if (msg.contains("id") && msg["id"].is_number_integer()) {
        const auto id = msg["id"].get<std::int64_t>();  // (before the move below)
        m_replies[id] = std::move(msg);
      }
      m_cv.notify_all();
    }
    buf.erase(0, start);
  }
  std::lock_guard lk(m_mu);
  m_eof = true;
  m_cv.notify_all();
}

bool JsPeer::write_line(const std::string& line) {
  std::string data = line + "\n";
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(m_stdin, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

json JsPeer::request(const std::string& cmd, json params, Millis timeout) {
  std::int64_t id;
  {
    std::lock_guard lk(m_mu);
    if (m_eof || m_stdin < 0) throw JsError(m_name + " is not running (command " + cmd + ")\n" + stderr_text());
    id = m_next_id++;
  }
  json msg = params.is_object() ? std::move(params) : json::object();
  msg["id"] = id;
  msg["cmd"] = cmd;
  msg["timeout_ms"] = timeout.count();
  if (!write_line(msg.dump())) {
    throw JsError(m_name + ": writing command " + cmd + " failed: " + std::strerror(errno));
  }
  std::unique_lock lk(m_mu);
  const bool ok = m_cv.wait_for(lk, timeout + 5s, [&] { return m_replies.count(id) != 0 || m_eof; });
  auto it = m_replies.find(id);
  if (it == m_replies.end()) {
    lk.unlock();
    throw JsError(m_name + ": " + (ok ? "exited before replying to " : "no reply in time to ") + msg.dump() +
                  "\n---- js stderr ----\n" + stderr_text());
  }
  json reply = std::move(it->second);
  m_replies.erase(it);
  return reply;
}

json JsPeer::call(const std::string& cmd, json params, Millis timeout) {
  const std::string sent = params.dump();
  json reply = request(cmd, std::move(params), timeout);
  if (reply.contains("error")) {
    throw JsError(m_name + ": " + cmd + " " + sent + " failed: " + reply["error"].dump());
  }
  return reply.value("result", json::object());
}

json JsPeer::wait_event(json match, std::int64_t since, Millis timeout) {
  return call("wait_event", {{"match", std::move(match)}, {"since", since}}, timeout);
}

std::int64_t JsPeer::next_event_seq() {
  return call("events", {{"since", 1LL << 52}}).value("next", std::int64_t{0});
}

std::string JsPeer::stderr_text() const { return m_stderr_path.empty() ? "" : read_file(m_stderr_path); }

bool JsPeer::running() const {
  std::lock_guard lk(m_mu);
  return !m_eof && !m_reaped;
}

void JsPeer::kill_and_reap() {
  if (m_reaped) return;
  if (!wait_exit(m_pid, 0ms)) ::kill(m_pid, SIGKILL);
  int status = 0;
  while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (m_stdin >= 0) ::close(m_stdin);
  m_stdin = -1;
  if (m_reader.joinable()) m_reader.join();  // EOF follows the exit
  if (m_stdout >= 0) ::close(m_stdout);
  m_stdout = -1;
  m_reaped = true;
}

void JsPeer::stop() {
  if (m_reaped) return;
  if (m_stdin >= 0) {
    json msg{{"id", -1}, {"cmd", "stop"}};
    (void)write_line(msg.dump());
    ::close(m_stdin);  // the peer also exits when its stdin closes
    m_stdin = -1;
  }
  (void)wait_exit(m_pid, 5s);
  kill_and_reap();
}

// ------------------------------------------------------------------------------------ subprocess

Subprocess::Subprocess(std::vector<std::string> argv, std::string name) : m_name(std::move(name)) {
  std::signal(SIGPIPE, SIG_IGN);
  for (const auto& a : argv) m_cmdline += (m_cmdline.empty() ? "" : " ") + a;
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed: " + std::string(std::strerror(errno)));
  char path[] = "/tmp/lotus-interop-proc-XXXXXX.log";
  const int errfd = ::mkostemps(path, 4, O_CLOEXEC);
  if (errfd < 0) throw std::runtime_error("mkostemps failed: " + std::string(std::strerror(errno)));
  m_stderr_path = path;
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, errfd, 2);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, cargv[0], &fa, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(out[1]);
  ::close(errfd);
  if (rc != 0) {
    ::close(out[0]);
    throw std::runtime_error("posix_spawn " + m_cmdline + " failed: " + std::strerror(rc));
  }
  m_pid = pid;
  m_stdout = out[0];
  m_reader = std::thread([this] { reader_loop(); });
}

Subprocess::~Subprocess() {
  if (!wait_exit(0ms)) {
    signal(SIGTERM);
    if (!wait_exit(5s)) {
      signal(SIGKILL);
      (void)wait_exit(5s);
    }
  }
  if (m_reader.joinable()) m_reader.join();
  if (m_stdout >= 0) ::close(m_stdout);
  if (std::getenv("LOTUS_INTEROP_KEEP_LOGS") == nullptr) ::unlink(m_stderr_path.c_str());
}

void Subprocess::reader_loop() {
  char chunk[16384];
  for (;;) {
    const ssize_t n = ::read(m_stdout, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    std::lock_guard lk(m_mu);
    m_out.append(chunk, static_cast<std::size_t>(n));
    m_cv.notify_all();
  }
  std::lock_guard lk(m_mu);
  m_eof = true;
  m_cv.notify_all();
}

std::optional<std::string> Subprocess::read_line(Millis timeout) {
  std::unique_lock lk(m_mu);
  std::optional<std::string> line;
  m_cv.wait_for(lk, timeout, [&] {
    const auto nl = m_out.find('\n', m_line_pos);
    if (nl != std::string::npos) {
      line = m_out.substr(m_line_pos, nl - m_line_pos);
      m_line_pos = nl + 1;
      return true;
    }
    return m_eof;
  });
  return line;
}

std::optional<int> Subprocess::wait_exit(Millis timeout) {
  if (m_status) return m_status;
  if (m_pid < 0) return std::nullopt;
  if (!lotus::interop::wait_exit(m_pid, timeout)) return std::nullopt;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(m_pid, &status, 0);
  } while (r < 0 && errno == EINTR);
  if (r != m_pid) return std::nullopt;
  m_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return m_status;
}

void Subprocess::signal(int sig) {
  if (!m_status && m_pid > 0) ::kill(m_pid, sig);
}

std::string Subprocess::stdout_text() const {
  std::lock_guard lk(m_mu);
  return m_out;
}

std::string Subprocess::stderr_text() const { return read_file(m_stderr_path); }

std::string Subprocess::describe() const {
  std::ostringstream os;
  os << "---- " << m_name << ": " << m_cmdline << " (status "
     << (m_status ? std::to_string(*m_status) : std::string("running")) << ")\n---- stdout ----\n"
     << stdout_text() << "---- stderr ----\n"
     << stderr_text() << "---- end ----\n";
  return os.str();
}

CliResult run_cli(std::vector<std::string> argv, Millis timeout) {
  CliResult r;
  Subprocess p(std::move(argv), "cli");
  auto status = p.wait_exit(timeout);
  if (!status) {
    p.signal(SIGKILL);
    (void)p.wait_exit(5s);
  }
  r.exit_code = status ? *status : -1;
  // stdout reaches EOF once the process is gone; wait for the reader to drain it.
  while (p.read_line(5s)) {
  }
  r.out = p.stdout_text();
  r.err = p.stderr_text();
  r.describe = p.describe();
  return r;
}

// ------------------------------------------------------------------------------------ C++ node

namespace {

std::string error_text(std::error_code ec) { return ec ? ec.message() : std::string(); }

asio::awaitable<void> serve_echo(host::Stream s, std::shared_ptr<CppNode::Log> log) {
  InboundStream rec{s.protocol(), s.remote_peer().to_string(), 0, "closed", ""};
  Bytes buf(64 * 1024);
  for (;;) {
    auto n = co_await s.read_some(buf);
    if (!n) {
      rec.outcome = n.error() == host::errc::stream_reset ? "reset" : "error";
      rec.error = error_text(n.error());
      break;
    }
    if (*n == 0) {
      if (auto st = s.close_write(); !st) {
        rec.outcome = "error";
        rec.error = "close_write: " + error_text(st.error());
      }
      break;
    }
    rec.bytes += *n;
    if (auto w = co_await s.write(BytesView(buf.data(), *n)); !w) {
      rec.outcome = w.error() == host::errc::stream_reset ? "reset" : "error";
      rec.error = "write: " + error_text(w.error());
      break;
    }
  }
  std::lock_guard lk(log->mu);
  log->inbound.push_back(std::move(rec));
  log->cv.notify_all();
}

asio::awaitable<void> serve_reset(host::Stream s, std::shared_ptr<CppNode::Log> log) {
  InboundStream rec{s.protocol(), s.remote_peer().to_string(), 0, "reset_sent", ""};
  Bytes buf(4096);
  for (;;) {
    auto n = co_await s.read_some(buf);
    if (!n) {
      rec.outcome = "error";
      rec.error = error_text(n.error());
      break;
    }
    if (*n == 0) {
      rec.outcome = "error";
      rec.error = "remote closed before sending a byte";
      break;
    }
    rec.bytes += *n;
    s.reset();
    break;
  }
  std::lock_guard lk(log->mu);
  log->inbound.push_back(std::move(rec));
  log->cv.notify_all();
}

asio::awaitable<Result<std::string>> start_host(host::Host* h, std::shared_ptr<CppNode::Log> log, bool serve) {
  h->add_event_listener([log](const host::Event& e) {
    std::lock_guard lk(log->mu);
    log->events.push_back(e);
    log->cv.notify_all();
  });
  if (serve) {
    h->set_stream_handler(kEcho, [log](host::Stream s) { return serve_echo(std::move(s), log); });
    h->set_stream_handler(kReset, [log](host::Stream s) { return serve_reset(std::move(s), log); });
  }
  if (auto st = h->start(); !st) co_return st.error();
  auto addrs = h->listen_addrs();
  if (addrs.empty()) co_return host::errc::unsupported_address;
  co_return addrs.front().to_string();
}

}  // namespace

CppNode::CppNode(Options options) : m_log(std::make_shared<Log>()) {
  std::signal(SIGPIPE, SIG_IGN);
  DeterministicRng seeded(options.key_seed);
  auto key = options.key_seed != 0 ? crypto::PrivateKey::generate(crypto::KeyType::ed25519, seeded)
                                   : crypto::PrivateKey::generate(crypto::KeyType::ed25519);
  if (!key) throw std::runtime_error("key generation failed: " + key.error().message());
  m_peer_id = key->peer_id();
  host::Config cfg;
  cfg.listen_addrs.push_back(ma(options.listen));
  cfg.agent_version = options.agent_version;
  if (!options.muxers.empty()) cfg.muxers = options.muxers;
  if (options.max_stream_buffer != 0) cfg.max_stream_buffer = options.max_stream_buffer;
  cfg.tls = options.tls;
  if (!options.wss_ca_pem.empty()) cfg.wss_dial.ca_pem = options.wss_ca_pem;
  m_host = std::make_unique<host::Host>(m_io, std::move(*key), std::move(cfg));

  m_thread = std::thread([this] {
    auto guard = asio::make_work_guard(m_io);
    m_io.run();
  });

  auto started = run([this, serve = options.serve_test_protocols]() {
    return start_host(m_host.get(), m_log, serve);
  });
  if (!started) {
    abandon();
    throw std::runtime_error("C++ host failed to start: " + started.error().message());
  }
  m_listen_addr = *started;
}

void CppNode::spawn(asio::awaitable<void> task) {
  asio::co_spawn(m_io, std::move(task), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      std::cerr << "interop harness: coroutine escaped with exception: " << ex.what() << "\n";
    } catch (...) {
      std::cerr << "interop harness: coroutine escaped with unknown exception\n";
    }
  });
}

void CppNode::abandon() {
  if (m_abandoned) return;
  m_abandoned = true;
  m_io.stop();
  if (m_thread.joinable()) m_thread.join();
}

CppNode::~CppNode() {
  if (!m_abandoned) {
    try {
      run([this]() { return m_host->stop(); }, 10s);
    } catch (const std::exception& e) {
      std::cerr << "interop harness: host stop: " << e.what() << "\n";
    }
    abandon();  // stops the io_context even if some test coroutine still waits
  }
  m_host.reset();
}

std::vector<host::Event> CppNode::events() const {
  std::lock_guard lk(m_log->mu);
  return m_log->events;
}

std::optional<host::Event> CppNode::wait_event(const std::function<bool(const host::Event&)>& pred,
                                               Millis timeout) const {
  std::unique_lock lk(m_log->mu);
  std::optional<host::Event> found;
  m_log->cv.wait_for(lk, timeout, [&] {
    for (const auto& e : m_log->events) {
      if (pred(e)) {
        found = e;
        return true;
      }
    }
    return false;
  });
  return found;
}

std::vector<InboundStream> CppNode::inbound_streams() const {
  std::lock_guard lk(m_log->mu);
  return m_log->inbound;
}

std::optional<InboundStream> CppNode::wait_inbound(const std::function<bool(const InboundStream&)>& pred,
                                                   Millis timeout) const {
  std::unique_lock lk(m_log->mu);
  std::optional<InboundStream> found;
  m_log->cv.wait_for(lk, timeout, [&] {
    for (const auto& s : m_log->inbound) {
      if (pred(s)) {
        found = s;
        return true;
      }
    }
    return false;
  });
  return found;
}

std::vector<InboundStream> CppNode::wait_inbound_count(const std::function<bool(const InboundStream&)>& pred,
                                                       std::size_t n, Millis timeout) const {
  std::unique_lock lk(m_log->mu);
  std::vector<InboundStream> found;
  m_log->cv.wait_for(lk, timeout, [&] {
    found.clear();
    for (const auto& s : m_log->inbound) {
      if (pred(s)) found.push_back(s);
    }
    return found.size() >= n;
  });
  return found;
}

std::string CppNode::describe_events() const {
  std::ostringstream os;
  std::lock_guard lk(m_log->mu);
  for (const auto& e : m_log->events) {
    std::visit(
        [&](const auto& ev) {
          using E = std::decay_t<decltype(ev)>;
          if constexpr (std::is_same_v<E, host::PeerConnected>) {
            os << "  connected " << ev.connection.remote_peer.to_string() << " "
               << host::to_string(ev.connection.direction) << " " << ev.connection.remote_addr.to_string()
               << " muxer=" << ev.connection.muxer << (ev.connection.muxer_from_noise_extension ? " (noise ext)" : "")
               << "\n";
          } else if constexpr (std::is_same_v<E, host::PeerDisconnected>) {
            os << "  disconnected " << ev.connection.remote_peer.to_string() << " reason=" << ev.reason.message()
               << "\n";
          } else if constexpr (std::is_same_v<E, host::PeerIdentified>) {
            os << "  identified " << ev.peer.to_string() << " agent=" << ev.info.agent_version << "\n";
          } else {
            os << "  identify failed " << ev.peer.to_string() << ": " << ev.error.message() << "\n";
          }
        },
        e);
  }
  for (const auto& s : m_log->inbound) {
    os << "  inbound " << s.protocol << " from " << s.peer << " bytes=" << s.bytes << " outcome=" << s.outcome
       << (s.error.empty() ? "" : " error=" + s.error) << "\n";
  }
  return os.str();
}

// ------------------------------------------------------------------------------------ client side

std::string EchoResult::describe() const {
  std::ostringstream os;
  os << "match=" << match << " sent=" << sent << " received=" << received << " first_mismatch=" << first_mismatch;
  if (write_error) os << " write_error=" << write_error.message();
  if (read_error) os << " read_error=" << read_error.message();
  return os.str();
}

namespace {

// A one-shot "done" signal for coroutines on one io thread: a timer that never expires and is
// cancelled to wake the waiter.
struct Done {
  explicit Done(const asio::any_io_executor& ex) : timer(ex, asio::steady_timer::time_point::max()) {}
  void set() {
    done = true;
    timer.cancel();
  }
  asio::awaitable<void> wait() {
    while (!done) {
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }
  asio::steady_timer timer;
  bool done = false;
};

struct WriterState {
  explicit WriterState(const asio::any_io_executor& ex) : finished(ex) {}
  Done finished;
  std::uint64_t sent = 0;
  std::error_code error;
};

asio::awaitable<void> write_all(std::shared_ptr<host::Stream> stream, std::uint64_t n, std::uint32_t seed,
                                std::shared_ptr<WriterState> st) {
  ByteGen gen(seed);
  Bytes chunk;
  while (st->sent < n) {
    chunk.resize(static_cast<std::size_t>(std::min<std::uint64_t>(64 * 1024, n - st->sent)));
    gen.fill(chunk);
    if (auto w = co_await stream->write(chunk); !w) {
      st->error = w.error();
      break;
    }
    st->sent += chunk.size();
  }
  if (!st->error) {
    if (auto c = stream->close_write(); !c) st->error = c.error();
  }
  st->finished.set();
}

void spawn_logged(const asio::any_io_executor& ex, asio::awaitable<void> task) {
  asio::co_spawn(ex, std::move(task), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex2) {
      std::cerr << "interop harness: task escaped with exception: " << ex2.what() << "\n";
    } catch (...) {
      std::cerr << "interop harness: task escaped with unknown exception\n";
    }
  });
}

struct ConcurrentState {
  ConcurrentState(const asio::any_io_executor& ex, std::size_t n) : all_done(ex), results(n) {}
  Done all_done;
  std::vector<EchoResult> results;
  std::size_t remaining = 0;
};

asio::awaitable<void> one_concurrent_echo(host::Host* h, mf::PeerId peer, std::size_t index, std::uint64_t n,
                                          std::uint32_t seed, std::shared_ptr<ConcurrentState> st) {
  auto s = co_await h->new_stream(peer, protocols(kEcho));
  if (!s) {
    st->results[index].read_error = s.error();
  } else {
    st->results[index] = co_await echo_roundtrip(std::make_shared<host::Stream>(std::move(*s)), n, seed);
  }
  if (--st->remaining == 0) st->all_done.set();
}

}  // namespace

asio::awaitable<EchoResult> echo_roundtrip(std::shared_ptr<host::Stream> stream, std::uint64_t n,
                                           std::uint32_t seed) {
  auto ex = co_await asio::this_coro::executor;
  auto writer = std::make_shared<WriterState>(ex);
  spawn_logged(ex, write_all(stream, n, seed, writer));

  EchoResult r;
  Verifier v(seed, n);
  Bytes buf(64 * 1024);
  for (;;) {
    auto got = co_await stream->read_some(buf);
    if (!got) {
      r.read_error = got.error();
      break;
    }
    if (*got == 0) break;
    v.push(BytesView(buf.data(), *got));
  }
  if (r.read_error && !writer->finished.done) stream->reset();  // unblock a writer stuck on the window
  co_await writer->finished.wait();
  r.sent = writer->sent;
  r.write_error = writer->error;
  r.received = v.received();
  r.first_mismatch = v.first_mismatch();
  r.match = v.match() && !r.read_error && !r.write_error;
  co_return r;
}

asio::awaitable<std::vector<EchoResult>> echo_concurrent(host::Host& host, mf::PeerId peer, std::size_t streams,
                                                         std::uint64_t n, std::uint32_t seed) {
  auto ex = co_await asio::this_coro::executor;
  auto st = std::make_shared<ConcurrentState>(ex, streams);
  st->remaining = streams;
  for (std::size_t i = 0; i < streams; ++i) {
    spawn_logged(ex, one_concurrent_echo(&host, peer, i, n, seed + static_cast<std::uint32_t>(i), st));
  }
  if (streams > 0) co_await st->all_done.wait();
  co_return st->results;
}

std::vector<std::string> protocols(const char* p) { return std::vector<std::string>{std::string(p)}; }

mf::Multiaddr ma(const std::string& text) {
  auto r = mf::Multiaddr::parse(text);
  if (!r) throw std::invalid_argument("bad multiaddr '" + text + "': " + r.error().message());
  return *r;
}

mf::PeerId pid(const std::string& text) {
  auto r = mf::PeerId::parse(text);
  if (!r) throw std::invalid_argument("bad peer id '" + text + "': " + r.error().message());
  return *r;
}

}  // namespace lotus::interop
