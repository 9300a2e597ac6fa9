// A tiny in-process DNS server for tests: UDP and TCP on 127.0.0.1 (same port), answering
// from a table of records. Knobs: drop the first N UDP queries (retry), answer with the TC bit
// over UDP (TCP fallback), send a wrong id first (anti-spoofing), or reply with raw bytes.
#pragma once

#include <array>
#include <cctype>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "proto/dns/message.hpp"
#include "runtime/asio.hpp"

namespace lotus::testing {

class FakeDnsServer {
 public:
  explicit FakeDnsServer(asio::io_context& io) : m_state(std::make_shared<State>(io)) {
    using asio::ip::udp;
    using asio::ip::tcp;
    auto& s = *m_state;
    // UDP and TCP on one port number: the UDP port is ephemeral, and its TCP twin may be taken
    // by another process (tests run in parallel), so try fresh UDP ports until both bind.
    const auto lo = asio::ip::make_address("127.0.0.1");
    for (int attempt = 0;; ++attempt) {
      s.udp.open(udp::v4());
      s.udp.bind(udp::endpoint(lo, 0));
      const auto port = s.udp.local_endpoint().port();
      boost::system::error_code ec;
      s.tcp.open(tcp::v4());
      s.tcp.set_option(tcp::acceptor::reuse_address(true));
      s.tcp.bind(tcp::endpoint(lo, port), ec);
      if (!ec) s.tcp.listen(asio::socket_base::max_listen_connections, ec);
      if (!ec) break;
      if (attempt == 100) throw std::runtime_error("FakeDnsServer: no port free for both UDP and TCP: " + ec.message());
      s.udp.close();
      s.tcp.close();
    }
    asio::co_spawn(io, udp_loop(m_state), asio::detached);
    asio::co_spawn(io, tcp_loop(m_state), asio::detached);
  }
  ~FakeDnsServer() { close(); }
  void close() {
    boost::system::error_code ec;
    m_state->udp.close(ec);
    m_state->tcp.close(ec);
  }

  asio::ip::udp::endpoint endpoint() const { return m_state->udp.local_endpoint(); }

  void add_txt(const std::string& name, std::vector<std::string> strings) {
    proto::dns::Record r;
    r.name = name;
    r.type = proto::dns::type::txt;
    r.ttl = 60;
    r.txt = std::move(strings);
    m_state->records[lower(name)].push_back(std::move(r));
  }
  void add_a(const std::string& name, std::array<std::uint8_t, 4> ip) {
    proto::dns::Record r;
    r.name = name;
    r.type = proto::dns::type::a;
    r.ttl = 60;
    std::copy(ip.begin(), ip.end(), r.address.begin());
    m_state->records[lower(name)].push_back(std::move(r));
  }
  void add_aaaa(const std::string& name, std::array<std::uint8_t, 16> ip) {
    proto::dns::Record r;
    r.name = name;
    r.type = proto::dns::type::aaaa;
    r.ttl = 60;
    std::copy(ip.begin(), ip.end(), r.address.begin());
    m_state->records[lower(name)].push_back(std::move(r));
  }
  // Forgets every record and raw reply (the fuzz targets reuse one server across inputs).
  void clear() {
    m_state->records.clear();
    m_state->raw.clear();
    m_state->asked.clear();
  }
  // Raw reply for a name (id patched in): for malformed/oversized answers.
  void set_raw_reply(const std::string& name, Bytes wire) { m_state->raw[lower(name)] = std::move(wire); }

  struct Knobs {
    int drop_udp = 0;            // drop this many UDP queries first
    bool truncate_udp = false;   // UDP answers carry TC and no records
    bool wrong_id_first = false; // precede the next UDP answer by one with another id
  };
  Knobs& knobs() { return m_state->knobs; }
  int udp_queries() const { return m_state->udp_queries; }
  int tcp_queries() const { return m_state->tcp_queries; }
  std::vector<std::string> names_asked() const { return m_state->asked; }

 private:
  struct State {
    explicit State(asio::io_context& io) : udp(io), tcp(io) {}
    asio::ip::udp::socket udp;
    asio::ip::tcp::acceptor tcp;
    std::map<std::string, std::vector<proto::dns::Record>> records;
    std::map<std::string, Bytes> raw;
    Knobs knobs;
    int udp_queries = 0;
    int tcp_queries = 0;
    std::vector<std::string> asked;
  };

  static std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  static Bytes answer(State& s, BytesView query, bool over_udp, bool truncate, std::optional<std::uint16_t> id_override) {
    auto q = proto::dns::parse(query);
    if (!q || q->questions.size() != 1) return {};
    const auto& question = q->questions[0];
    s.asked.push_back(question.name);
    if (auto it = s.raw.find(lower(question.name)); it != s.raw.end()) {
      Bytes wire = it->second;
      if (wire.size() >= 2) {
        wire[0] = query[0];
        wire[1] = query[1];
      }
      return wire;
    }
    proto::dns::Message m;
    m.id = id_override ? *id_override : q->id;
    m.response = true;
    m.recursion_desired = q->recursion_desired;
    m.recursion_available = true;
    m.questions.push_back(question);
    auto it = s.records.find(lower(question.name));
    if (it == s.records.end()) {
      m.rcode = 3;  // NXDOMAIN
    } else if (over_udp && truncate) {
      m.truncated = true;
    } else {
      for (const auto& r : it->second)
        if (r.type == question.type) m.answers.push_back(r);
    }
    auto wire = proto::dns::encode(m);
    return wire ? *wire : Bytes{};
  }

  // (Static coroutines with by-value parameters: no captures, no `this`.)
  static asio::awaitable<void> udp_loop(std::shared_ptr<State> s);
  static asio::awaitable<void> tcp_loop(std::shared_ptr<State> s);
  static asio::awaitable<void> tcp_session(std::shared_ptr<State> s, asio::ip::tcp::socket sock);

  std::shared_ptr<State> m_state;
};

inline asio::awaitable<void> FakeDnsServer::udp_loop(std::shared_ptr<State> s) {
  std::vector<std::uint8_t> buf(65536);
  while (s->udp.is_open()) {
    asio::ip::udp::endpoint from;
    boost::system::error_code ec;
    const auto n = co_await s->udp.async_receive_from(asio::buffer(buf), from, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    ++s->udp_queries;
    auto* o = &s->knobs;
    if (o->drop_udp > 0) {
      --o->drop_udp;
      continue;
    }
    const BytesView query(buf.data(), n);
    if (o->wrong_id_first) {
      o->wrong_id_first = false;
      const auto wrong = static_cast<std::uint16_t>(((query[0] << 8) | query[1]) ^ 0x5555);
      auto bogus = answer(*s, query, true, false, wrong);
      co_await s->udp.async_send_to(asio::buffer(bogus), from, asio::redirect_error(asio::use_awaitable, ec));
    }
    auto reply = answer(*s, query, true, o->truncate_udp, std::nullopt);
    if (reply.empty()) continue;
    co_await s->udp.async_send_to(asio::buffer(reply), from, asio::redirect_error(asio::use_awaitable, ec));
  }
}

inline asio::awaitable<void> FakeDnsServer::tcp_session(std::shared_ptr<State> s, asio::ip::tcp::socket sock) {
  boost::system::error_code ec;
  std::array<std::uint8_t, 2> len{};
  co_await asio::async_read(sock, asio::buffer(len), asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  Bytes q((static_cast<std::size_t>(len[0]) << 8) | len[1]);
  co_await asio::async_read(sock, asio::buffer(q), asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  ++s->tcp_queries;
  auto reply = answer(*s, q, false, false, std::nullopt);
  Bytes framed{static_cast<std::uint8_t>(reply.size() >> 8), static_cast<std::uint8_t>(reply.size())};
  framed.insert(framed.end(), reply.begin(), reply.end());
  co_await asio::async_write(sock, asio::buffer(framed), asio::redirect_error(asio::use_awaitable, ec));
}

inline asio::awaitable<void> FakeDnsServer::tcp_loop(std::shared_ptr<State> s) {
  while (s->tcp.is_open()) {
    boost::system::error_code ec;
    auto sock = co_await s->tcp.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    asio::co_spawn(s->tcp.get_executor(), tcp_session(s, std::move(sock)), asio::detached);
  }
}

}  // namespace lotus::testing
