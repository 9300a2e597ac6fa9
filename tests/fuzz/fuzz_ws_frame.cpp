// Fuzz the WebSocket server path we run on untrusted input: runtime::WsStream (our wrapper:
// upgrade, message size bound, read loop, error mapping) over Beast's websocket::stream, on an
// in-memory stream (Beast's test::stream) instead of a socket. Beast parses HTTP and frames;
// what we own and check here is the wrapper's behaviour on any input: no crash, no hang (the
// input ends with EOF), read_some() never returns more bytes than arrived, and never a
// message larger than the limit delivered whole.
//
// Input: byte 0 = mode. Bit 0 clear: the bytes after it are the whole client side (upgrade
// request included: garbage upgrades). Bit 0 set: a valid upgrade request is sent first and
// the bytes after are client frames (masking, fragmentation, control frames, sizes). Bits 1-3
// pick the message limit (2^(6+k) bytes).
#include <boost/beast/_experimental/test/stream.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "runtime/ws_stream.hpp"

using namespace lotus;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

constexpr const char* kUpgrade =
    "GET / HTTP/1.1\r\n"
    "Host: 127.0.0.1:4001\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "\r\n";

using TestWs = runtime::WsStream<boost::beast::test::stream>;

asio::awaitable<void> drive(TestWs* ws, std::size_t input_size, bool* finished) {
  auto hs = co_await ws->handshake();
  if (hs) {
    Bytes buf(4096);
    std::size_t total = 0;
    while (true) {
      auto r = co_await ws->read_some(MutBytesView(buf));
      if (!r) break;
      check(*r > 0 && *r <= buf.size());
      total += *r;
      check(total <= input_size);  // payload bytes can only come from the input
    }
  }
  *finished = true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  std::string input;
  if ((mode & 1) != 0) input = kUpgrade;
  input.append(reinterpret_cast<const char*>(data + 1), size - 1);

  asio::io_context io;
  boost::beast::test::stream client(io);
  boost::beast::test::stream server(io);
  server.connect(client);
  client.write_some(asio::buffer(input));  // becomes the server's input
  client.close();                          // then EOF

  runtime::WsOptions opts;
  opts.max_message_size = std::size_t{1} << (6 + ((mode >> 1) & 7));
  TestWs ws(std::move(server), runtime::WsRole::server, opts, std::string(), "ws", mf::Multiaddr{}, mf::Multiaddr{});
  bool finished = false;
  asio::co_spawn(io, drive(&ws, input.size(), &finished), [](std::exception_ptr e) {
    if (e) std::abort();  // nothing may throw out of the wrapper
  });
  io.run();
  check(finished);
  return 0;
}
