// lotus-p2p ping | identify — through the daemon, or directly from this process with a fresh
// ephemeral Ed25519 identity (a multiaddr target and no reachable daemon, or --direct).
#include <algorithm>
#include <iomanip>
#include <iostream>

#include "commands.hpp"
#include "crypto/keys.hpp"
#include "host/host.hpp"
#include "node/errors.hpp"
#include "runtime/asio.hpp"

namespace lotus::cli {

namespace {

double ms(Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Target {
  std::string text;
  std::optional<mf::Multiaddr> addr;
  std::optional<mf::PeerId> peer;
};

std::optional<Target> parse_target(const std::string& text, int& code) {
  Target t;
  t.text = text;
  if (!text.empty() && text.front() == '/') {
    auto ma = mf::Multiaddr::parse(text);
    if (!ma) {
      code = usage_error("invalid multiaddr '" + text + "': " + ma.error().message());
      return std::nullopt;
    }
    t.addr = *ma;
  } else {
    auto id = mf::PeerId::parse(text);
    if (!id) {
      code = usage_error("'" + text + "' is neither a multiaddr nor a peer id: " + id.error().message());
      return std::nullopt;
    }
    t.peer = *id;
  }
  return t;
}

node::Json request_for(const Target& t) {
  node::Json j;
  if (t.addr) j["addr"] = t.text;
  else j["peer"] = t.text;
  return j;
}

// ---------------------------------------------------------------------------- summary

class PingPrinter {
 public:
  PingPrinter(std::string target, int count) : m_target(std::move(target)), m_count(count) {}
  void pong(const std::string& peer, int seq, double rtt_ms) {
    if (m_rtts.empty()) {
      m_peer = peer;
      std::cout << "PING " << m_target << " (peer " << peer << ")\n";
    }
    m_rtts.push_back(rtt_ms);
    std::cout << "pong " << seq << ": time=" << std::fixed << std::setprecision(3) << rtt_ms << " ms\n" << std::flush;
  }
  std::size_t received() const { return m_rtts.size(); }
  void summary() const {
    if (m_rtts.empty()) return;
    const auto [mn, mx] = std::minmax_element(m_rtts.begin(), m_rtts.end());
    double sum = 0;
    for (double r : m_rtts) sum += r;
    std::cout << "--- " << m_peer << " ping statistics ---\n"
              << m_count << " sent, " << m_rtts.size() << " received; rtt min/avg/max = " << std::fixed
              << std::setprecision(3) << *mn << "/" << sum / static_cast<double>(m_rtts.size()) << "/" << *mx
              << " ms\n";
  }

 private:
  std::string m_target;
  int m_count;
  std::string m_peer;
  std::vector<double> m_rtts;
};

// ---------------------------------------------------------------------------- direct mode

struct Outcome {
  int code = 0;
};

int fail(const std::string& what, std::error_code ec) {
  std::cerr << "lotus-p2p: " << what << ": " << ec.message() << "\n";
  return 1;
}

asio::awaitable<void> direct_ping(host::Host* h, mf::Multiaddr addr, int count, Outcome* out) {
  auto conn = co_await h->dial(addr);
  if (!conn) {
    out->code = fail("cannot connect to " + addr.to_string(), conn.error());
    co_await h->stop();
    co_return;
  }
  const auto peer = conn->remote_peer;
  PingPrinter printer(addr.to_string(), count);
  for (int i = 0; i < count; ++i) {
    auto rtt = co_await h->ping(peer);
    if (!rtt) {
      out->code = fail("ping " + std::to_string(i + 1) + " failed", rtt.error());
      break;
    }
    printer.pong(peer.to_string(), i + 1, ms(*rtt));
  }
  printer.summary();
  co_await h->stop();
}

void print_identify(const node::Json& j) {
  std::cout << "peer id:          " << j.value("peer_id", "") << "\n"
            << "agent version:    " << j.value("agent_version", "") << "\n"
            << "protocol version: " << j.value("protocol_version", "") << "\n"
            << "protocols:\n";
  for (const auto& p : j.value("protocols", node::Json::array())) std::cout << "  " << p.get<std::string>() << "\n";
  std::cout << "listen addresses:\n";
  for (const auto& a : j.value("listen_addrs", node::Json::array())) std::cout << "  " << a.get<std::string>() << "\n";
  const auto& o = j.contains("observed_addr") ? j["observed_addr"] : node::Json();
  std::cout << "observed address: " << (o.is_string() ? o.get<std::string>() : std::string("(none)")) << "\n";
}

asio::awaitable<void> direct_identify(host::Host* h, mf::Multiaddr addr, bool json, Outcome* out) {
  auto conn = co_await h->dial(addr);
  if (!conn) {
    out->code = fail("cannot connect to " + addr.to_string(), conn.error());
    co_await h->stop();
    co_return;
  }
  auto info = co_await h->identify(conn->remote_peer);
  if (!info) {
    out->code = fail("identify failed", info.error());
    co_await h->stop();
    co_return;
  }
  node::Json j;
  j["peer_id"] = info->id.to_string();
  j["agent_version"] = info->agent_version;
  j["protocol_version"] = info->protocol_version;
  j["protocols"] = info->protocols;
  j["listen_addrs"] = node::Json::array();
  for (const auto& a : info->addrs) j["listen_addrs"].push_back(a.to_string());
  j["observed_addr"] = info->observed_addr ? node::Json(info->observed_addr->to_string()) : node::Json();
  j["public_key_type"] = info->public_key ? crypto::to_string(info->public_key->type()) : "";
  j["connection"] = {{"remote_addr", conn->remote_addr.to_string()},
                     {"local_addr", conn->local_addr.to_string()},
                     {"muxer", conn->muxer},
                     {"muxer_from_noise_extension", conn->muxer_from_noise_extension}};
  if (json) print_json(j);
  else print_identify(j);
  co_await h->stop();
}

template <class Fn>
int run_direct(Context& ctx, Fn make_task) {
  auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
  if (!key) return fail("cannot create an identity", key.error());
  host::Config cfg;
  cfg.dial_timeout = cfg.handshake_timeout = cfg.negotiation_timeout = cfg.identify_timeout = ctx.timeout();
  cfg.run_identify = false;  // `identify` runs it explicitly; `ping` does not need it
  asio::io_context io;
  host::Host h(io, std::move(*key), cfg);
  Outcome out;
  asio::co_spawn(io, make_task(&h, &out), [&](std::exception_ptr e) {
    if (e) out.code = 1;
  });
  io.run();
  return out.code;
}

bool use_direct(const Context& ctx, const Target& t) { return ctx.has("direct") && t.addr; }

// With a multiaddr target and no daemon named explicitly, an unreachable daemon means "dial
// from here" (the CLI's behaviour before the daemon had a control API).
bool fall_back(const Context& ctx, const Target& t, const node::ControlError& e) {
  return t.addr && !ctx.api_explicit() && e.code == node::node_errc::api_unreachable;
}

}  // namespace

int cmd_ping(Context& ctx) {
  int code = 0;
  auto t = parse_target(ctx.args[0], code);
  if (!t) return code;
  auto count = ctx.int_option("count", 4, 1, 1000);
  if (!count) return 2;
  if (ctx.has("direct") && !t->addr) return usage_error("--direct needs a multiaddr target");
  auto direct = [&] {
    return run_direct(ctx, [&](host::Host* h, Outcome* out) { return direct_ping(h, *t->addr, *count, out); });
  };
  if (use_direct(ctx, *t)) return direct();
  auto client = ctx.client();
  if (!client) return 1;
  node::Json req = request_for(*t);
  req["count"] = *count;
  PingPrinter printer(t->text, *count);
  const auto budget = std::chrono::duration_cast<std::chrono::milliseconds>((ctx.timeout() + std::chrono::seconds(5)) *
                                                                            (*count + 1));
  auto r = client->stream("ping", req, [&](const node::Json& item) {
    printer.pong(item.value("peer_id", ""), item.value("seq", 0), item.value("rtt_ms", 0.0));
    return true;
  }, budget);
  if (!r && printer.received() == 0 && fall_back(ctx, *t, r.error)) return direct();
  if (!r) {
    printer.summary();
    if (printer.received() == 0) return report_error("cannot ping " + t->text, r.error);
    return report_error("ping " + std::to_string(printer.received() + 1) + " failed", r.error);
  }
  printer.summary();
  return printer.received() == static_cast<std::size_t>(*count) ? 0 : 1;
}

int cmd_identify(Context& ctx) {
  int code = 0;
  auto t = parse_target(ctx.args[0], code);
  if (!t) return code;
  if (ctx.has("direct") && !t->addr) return usage_error("--direct needs a multiaddr target");
  const bool json = ctx.json();
  auto direct = [&] {
    return run_direct(ctx, [&](host::Host* h, Outcome* out) { return direct_identify(h, *t->addr, json, out); });
  };
  if (use_direct(ctx, *t)) return direct();
  auto client = ctx.client();
  if (!client) return 1;
  auto r = client->call("identify", request_for(*t));
  if (!r && fall_back(ctx, *t, r.error)) return direct();
  if (!r) return report_error("identify " + t->text + " failed", r.error);
  if (json) print_json(*r.value);
  else print_identify(*r.value);
  return 0;
}

}  // namespace lotus::cli
