// lotus-chronik-testd: the Chronik test server (tests/chronik/support) as a program, for trying
// the client, the CLI or chronik-client by hand against a chain you control.
//
//   lotus-chronik-testd [--port N] [--blocks N] [--check-signatures]
//
// --check-signatures: broadcasts must carry valid Lotus signatures (ChainModel::
// check_lotus_signatures: P2PKH FORKID/LOTUS, Taproot key path); without it only structure,
// inputs and amounts are checked.
//
// Prints "listening http://127.0.0.1:<port>" and then reads commands on stdin, one per line:
//   mine [n]                 mine n blocks (with every mempool transaction)
//   fund <script-hex> <sats> mine a block whose coinbase pays <sats> to the script; prints the txid
//   broadcast <raw-hex>      validate and add a transaction to the mempool; prints the txid
//   disconnect <depth>       disconnect the top blocks (their transactions return to the mempool)
//   fault <404|500|slow|garbage|close|none> [path-prefix] [delay-ms]
//   pause | resume           refuse connections / accept again
//   ws on|off                allow / drop WebSocket clients
//   info                     tip height and hash
//   quit
#include <charconv>
#include <future>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include "base/hex.hpp"
#include "chronik/support/chain_model.hpp"
#include "chronik/support/server.hpp"
#include "runtime/asio.hpp"

using namespace lotus;
using namespace lotus::chronik;
using namespace lotus::chronik::test;

namespace {

std::string run_command(ChainModel& model, TestServer& server, const std::string& line, bool& quit) {
  std::istringstream in(line);
  std::string cmd;
  in >> cmd;
  if (cmd == "mine") {
    int n = 1;
    in >> n;
    Hash h{};
    for (int i = 0; i < n; ++i) h = model.mine();
    return "tip " + std::to_string(model.tip_height()) + " " + to_display_hex(h);
  }
  if (cmd == "fund") {
    std::string hex;
    std::int64_t sats = 0;
    in >> hex >> sats;
    auto script = from_hex(hex);
    if (!script) return "error: script is not hex";
    auto op = model.fund(*script, sats);
    return "txid " + to_display_hex(op.txid) + " out 0";
  }
  if (cmd == "broadcast") {
    std::string hex;
    in >> hex;
    auto raw = from_hex(hex);
    if (!raw) return "error: not hex";
    auto r = model.submit(*raw);
    if (!r) return "error: " + r.error().message();
    return "txid " + to_display_hex(*r);
  }
  if (cmd == "disconnect") {
    int d = 1;
    in >> d;
    model.disconnect(d);
    return "tip " + std::to_string(model.tip_height());
  }
  if (cmd == "fault") {
    std::string kind, prefix;
    int ms = 0;
    in >> kind >> prefix >> ms;
    Fault f;
    f.path_prefix = prefix == "-" ? "" : prefix;
    f.delay = std::chrono::milliseconds(ms);
    if (kind == "404") f.kind = Fault::Kind::not_found;
    else if (kind == "500") f.kind = Fault::Kind::server_error;
    else if (kind == "slow") f.kind = Fault::Kind::slow;
    else if (kind == "garbage") f.kind = Fault::Kind::garbage;
    else if (kind == "close") f.kind = Fault::Kind::close;
    else if (kind != "none") return "error: unknown fault";
    server.set_fault(f);
    return "ok";
  }
  if (cmd == "pause") {
    server.pause();
    return "ok";
  }
  if (cmd == "resume") return server.resume() ? "ok" : "error: cannot listen again";
  if (cmd == "ws") {
    std::string on;
    in >> on;
    server.set_ws_enabled(on == "on");
    return "ok";
  }
  if (cmd == "info") {
    const auto i = model.blockchain_info();
    return "tip " + std::to_string(i.tip_height) + " " + to_display_hex(i.tip_hash);
  }
  if (cmd == "quit") {
    quit = true;
    return "bye";
  }
  return "error: unknown command";
}

}  // namespace

int main(int argc, char** argv) {
  std::uint16_t port = 0;
  int blocks = 10;
  bool check_signatures = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--check-signatures") {
      check_signatures = true;
    } else if (a == "--port" && i + 1 < argc) {
      port = static_cast<std::uint16_t>(std::stoi(argv[++i]));
    } else if (a == "--blocks" && i + 1 < argc) {
      blocks = std::stoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: lotus-chronik-testd [--port N] [--blocks N] [--check-signatures]\n");
      return 2;
    }
  }
  asio::io_context io;
  ChainModel model;
  if (check_signatures) model.check_lotus_signatures();
  model.mine_empty(blocks);
  TestServer server(io.get_executor(), model);
  auto p = server.start(port);
  if (!p) {
    std::fprintf(stderr, "cannot listen: %s\n", p.error().message().c_str());
    return 1;
  }
  std::printf("listening %s\n", server.url().c_str());
  std::fflush(stdout);
  auto work = asio::make_work_guard(io);
  std::thread input([&] {
    std::string line;
    bool quit = false;
    while (!quit && std::getline(std::cin, line)) {
      std::promise<std::string> answer;
      asio::post(io, [&] { answer.set_value(run_command(model, server, line, quit)); });
      std::printf("%s\n", answer.get_future().get().c_str());
      std::fflush(stdout);
    }
    asio::post(io, [&] {
      server.request_stop();
      work.reset();
    });
  });
  io.run();
  input.join();
  return 0;
}
