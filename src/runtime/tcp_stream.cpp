// TCP ByteStream (see tcp.hpp / byte_stream.hpp).
#include "runtime/tcp.hpp"

namespace lotus::runtime {

// Transports with their own input buffering (WebSocket, TLS) are read with read_some() only.
asio::awaitable<Status> ByteStream::wait_readable() { co_return Status{}; }
Result<std::size_t> ByteStream::try_read(MutBytesView) {
  return std::make_error_code(std::errc::operation_not_supported);
}

namespace {

mf::Multiaddr endpoint_addr(const tcp::socket& s, bool remote) {
  boost::system::error_code ec;
  auto ep = remote ? s.remote_endpoint(ec) : s.local_endpoint(ec);
  if (ec) return {};
  return to_multiaddr(ep);
}

class TcpStream final : public ByteStream {
 public:
  explicit TcpStream(tcp::socket s) : m_sock(std::move(s)) {
    m_remote = endpoint_addr(m_sock, true);
    m_local = endpoint_addr(m_sock, false);
    boost::system::error_code ec;
    m_sock.non_blocking(true, ec);  // read_some's readiness strategy; Asio's async ops cope
  }

  asio::awaitable<Status> handshake() override { co_return Status{}; }

  // Wait for readability, then read what is there without blocking: an async_read_some would
  // first try a read that finds nothing (one wasted syscall per message). A read that fills
  // the buffer is followed by another one at once; a shorter one drained the socket, and data
  // arriving later raises a new (edge-triggered) readiness event for the next wait.
  asio::awaitable<Result<std::size_t>> read_some(MutBytesView buf) override {
    while (true) {
      boost::system::error_code ec;
      if (m_drained) {
        co_await m_sock.async_wait(tcp::socket::wait_read, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return std::error_code(ec);
      }
      const auto n = m_sock.read_some(asio::buffer(buf.data(), buf.size()), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) {
        m_drained = true;
        continue;
      }
      if (ec == asio::error::eof) co_return errc::closed;
      if (ec) co_return std::error_code(ec);
      m_drained = n < buf.size();
      co_return n;
    }
  }

  bool supports_try_read() const override { return true; }

  asio::awaitable<Status> wait_readable() override {
    if (!m_drained) co_return Status{};
    boost::system::error_code ec;
    co_await m_sock.async_wait(tcp::socket::wait_read, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return std::error_code(ec);
    m_drained = false;
    co_return Status{};
  }

  Result<std::size_t> try_read(MutBytesView buf) override {
    boost::system::error_code ec;
    const auto n = m_sock.read_some(asio::buffer(buf.data(), buf.size()), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      m_drained = true;
      return std::size_t{0};
    }
    if (ec == asio::error::eof) return errc::closed;
    if (ec) return std::error_code(ec);
    m_drained = n < buf.size();
    return n;
  }

  asio::awaitable<Status> write(BytesView data) override {
    boost::system::error_code ec;
    co_await asio::async_write(m_sock, asio::buffer(data.data(), data.size()),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return std::error_code(ec);
    co_return Status{};
  }

  void close() override {
    boost::system::error_code ignored;
    m_sock.shutdown(tcp::socket::shutdown_both, ignored);
    m_sock.close(ignored);
  }

  std::string_view transport() const override { return "tcp"; }
  mf::Multiaddr remote_addr() const override { return m_remote; }
  mf::Multiaddr local_addr() const override { return m_local; }

 private:
  tcp::socket m_sock;
  mf::Multiaddr m_remote;
  mf::Multiaddr m_local;
  bool m_drained = true;
};

}  // namespace

std::unique_ptr<ByteStream> make_tcp_stream(tcp::socket s) { return std::make_unique<TcpStream>(std::move(s)); }

}  // namespace lotus::runtime
