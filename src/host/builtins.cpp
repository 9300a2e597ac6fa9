// Built-in protocols: identify (/ipfs/id/1.0.0), identify push (/ipfs/id/push/1.0.0) and
// ping (/ipfs/ping/1.0.0), driving the sans-IO engines of proto/identify and proto/ping.
#include <array>
#include <chrono>

#include "base/log.hpp"
#include "base/rng.hpp"
#include "host/detail.hpp"
#include "host/drive.hpp"
#include "proto/identify/info.hpp"
#include "proto/identify/requester.hpp"
#include "proto/identify/responder.hpp"
#include "proto/ping/ping.hpp"
#include "proto/record/peer_record.hpp"
#include "runtime/watchdog.hpp"

namespace lotus::host::detail {

namespace id = proto::identify;
namespace ping = proto::ping;

namespace {

constexpr std::size_t kReadBuf = 4096;

std::shared_ptr<Conn> conn_by_id(const Host::Impl& h, std::uint64_t cid) {
  auto it = h.conns.find(cid);
  return it == h.conns.end() ? nullptr : it->second;
}

std::vector<mf::Multiaddr> advertised_addrs(const Host::Impl& h) {
  std::vector<mf::Multiaddr> out;
  for (const auto& l : h.listeners) {
    auto ep = runtime::to_endpoint(l.bound);
    if (ep && ep->address().is_unspecified()) {
      for (const auto& ip : runtime::interface_addresses(ep->address().is_v6()))
        out.push_back(runtime::to_multiaddr(tcp::endpoint(ip, ep->port())));
    } else {
      out.push_back(l.bound);
    }
  }
  return out;
}

id::LocalIdentity local_identity(Host::Impl& h) {
  id::LocalIdentity li;
  li.protocol_version = h.cfg.protocol_version;
  li.agent_version = h.cfg.agent_version;
  li.listen_addrs = advertised_addrs(h);
  li.protocols = h.protocol_list();
  // A signed peer record with a strictly increasing seq (wall-clock milliseconds, as js-libp2p),
  // sealed once per address set: signing costs far more than the rest of identify.
  if (h.sealed_record && h.sealed_record_addrs == li.listen_addrs) {
    li.signed_peer_record = *h.sealed_record;
    return li;
  }
  const auto now_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  h.peer_record_seq = std::max(h.peer_record_seq + 1, now_ms);
  proto::record::PeerRecord rec{h.self, h.peer_record_seq, li.listen_addrs};
  if (auto sealed = proto::record::seal_peer_record(h.identity, rec)) {
    h.sealed_record = *sealed;
    h.sealed_record_addrs = li.listen_addrs;
    li.signed_peer_record = std::move(*sealed);
  } else {
    h.sealed_record.reset();
  }
  return li;
}

void apply_info(Host::Impl& h, const id::IdentifyInfo& info, bool push) {
  auto& p = h.peers.upsert(info.peer_id);
  if (info.public_key) p.public_key = *info.public_key;
  if (info.agent_version) p.agent_version = *info.agent_version;
  if (info.protocol_version) p.protocol_version = *info.protocol_version;
  if (!push || !info.protocols.empty()) h.peers.set_protocols(info.peer_id, info.protocols);
  const auto& addrs = info.addresses();
  if (!push || !addrs.empty()) {
    h.peers.upsert(info.peer_id).addrs.clear();
    h.peers.add_addrs(info.peer_id, addrs);
  }
  if (info.observed_addr) h.peers.upsert(info.peer_id).observed_addr = *info.observed_addr;
  if (!push) h.peers.upsert(info.peer_id).identified = true;
}

// Reads a stream through a Requester until it reports. The stream is reset on timeout.
asio::awaitable<id::Event> read_identify(Host::Impl& h, Stream& s, const mf::PeerId& remote, id::Kind kind) {
  id::Config cfg;
  cfg.timeout = h.cfg.identify_timeout;
  id::Requester req(remote, kind, cfg, Clock::now());
  if (auto st = co_await drive(s, req, kReadBuf); !st) co_return id::Failed{st.error()};
  auto ev = req.poll_event();
  if (!ev) co_return id::Failed{errc::identify_failed};
  co_return std::move(*ev);
}

}  // namespace

namespace {

asio::awaitable<Result<PeerInfo>> run_identify_once(std::shared_ptr<Conn> c) {
  auto h = c->host;
  const auto peer = *c->remote_peer;
  auto s = co_await negotiate_stream(c, one_protocol(kIdentifyProtocol));
  if (!s) {
    h->emit(IdentifyFailed{peer, c->id, s.error()});
    co_return s.error();
  }
  (void)s->close_write();  // we never write on an identify request
  auto ev = co_await read_identify(*h, *s, peer, id::Kind::identify);
  if (auto* failed = std::get_if<id::Failed>(&ev)) {
    s->reset();
    h->emit(IdentifyFailed{peer, c->id, failed->error});
    co_return failed->error;
  }
  auto& info = std::get<id::Identified>(ev).info;
  apply_info(*h, info, false);
  auto snapshot = h->peers.get(peer);
  assert(snapshot.has_value());
  h->emit(PeerIdentified{peer, c->id, *snapshot});
  co_return std::move(*snapshot);
}

}  // namespace

asio::awaitable<Result<PeerInfo>> run_identify(std::shared_ptr<Conn> c) {
  if (c->identify_in_flight) {
    while (c->identify_in_flight) co_await c->identify_done.wait();
    if (!c->identify_error) {
      if (auto snapshot = c->host->peers.get(*c->remote_peer)) co_return std::move(*snapshot);
    }
    // The shared attempt failed: try once more ourselves.
  }
  c->identify_in_flight = true;
  auto r = co_await run_identify_once(c);
  c->identify_in_flight = false;
  c->identify_error = r ? std::error_code{} : r.error();
  c->identify_done.notify();
  co_return r;
}

asio::awaitable<void> identify_task(std::shared_ptr<Conn> c) { (void)co_await run_identify(std::move(c)); }

asio::awaitable<void> serve_identify(std::shared_ptr<Host::Impl> h, Stream s) {
  if (!h) co_return;
  auto c = conn_by_id(*h, s.connection_id());
  std::optional<mf::Multiaddr> observed;
  if (c && !c->remote_addr.empty()) observed = c->remote_addr;
  auto msg = id::build_identify(h->identity.public_key(), local_identity(*h), observed);
  auto resp = id::Responder::create(msg);
  if (!resp) {
    LOTUS_LOG(warn, "host", "identify: own message does not fit: " + resp.error().message());
    s.reset();
    co_return;
  }
  auto out = resp->take_output();
  if (auto w = co_await s.write(out); !w) co_return;
  (void)s.close_write();
}

asio::awaitable<void> serve_identify_push(std::shared_ptr<Host::Impl> h, Stream s) {
  if (!h) co_return;
  const auto peer = s.remote_peer();
  auto ev = co_await read_identify(*h, s, peer, id::Kind::push);
  if (auto* ok = std::get_if<id::Identified>(&ev)) {
    apply_info(*h, ok->info, true);
    (void)s.close_write();
    if (auto snapshot = h->peers.get(peer)) h->emit(PeerIdentified{peer, s.connection_id(), std::move(*snapshot), true});
  } else {
    s.reset();
  }
}

asio::awaitable<void> push_task(std::shared_ptr<Conn> c) {
  auto h = c->host;
  auto s = co_await negotiate_stream(c, one_protocol(kIdentifyPushProtocol));
  if (!s) co_return;
  auto resp = id::Responder::create(id::build_push(local_identity(*h)));
  if (!resp) {
    s->reset();
    co_return;
  }
  auto out = resp->take_output();
  if (auto w = co_await s->write(out); !w) co_return;
  (void)s->close_write();
}

asio::awaitable<void> serve_ping(Stream s) {
  ping::Inbound engine;
  std::array<std::uint8_t, kReadBuf> buf{};
  while (true) {
    auto r = co_await s.read_some(MutBytesView(buf));
    if (!r) co_return;
    if (*r == 0) break;
    if (auto st = engine.on_bytes(BytesView(buf.data(), *r), Clock::now()); !st) {
      s.reset();
      co_return;
    }
    if (!engine.output().empty()) {
      if (auto w = co_await s.write(engine.output()); !w) co_return;
      engine.output().clear();
    }
  }
  (void)s.close_write();
}

asio::awaitable<Result<Duration>> ping_peer(std::shared_ptr<Host::Impl> h, mf::PeerId peer) {
  auto c = co_await conn_for(h, peer);
  if (!c) co_return c.error();
  auto s = co_await negotiate_stream(*c, one_protocol(kPingProtocol));
  if (!s) co_return s.error();
  ping::Config pc;
  pc.timeout = h->cfg.negotiation_timeout;
  ping::Outbound engine(SystemRng::instance(), pc);
  if (auto st = engine.start(Clock::now()); !st) co_return st.error();
  runtime::Watchdog dog(h->ex, engine.deadline(), [&s] { s->reset(); });
  if (auto w = co_await s->write(engine.output()); !w) co_return w.error();
  engine.output().clear();
  std::array<std::uint8_t, ping::kPayloadSize> buf{};
  while (true) {
    auto r = co_await s->read_some(MutBytesView(buf));
    if (dog.expired()) co_return ping::errc::timeout;
    if (!r) co_return r.error();
    if (*r == 0) co_return errc::end_of_stream;
    if (auto st = engine.on_bytes(BytesView(buf.data(), *r), Clock::now()); !st) {
      s->reset();
      co_return st.error() == ping::errc::mismatch ? std::error_code(errc::bad_ping_response) : st.error();
    }
    if (auto ev = engine.poll_event()) {
      const auto rtt = std::get<ping::Pong>(*ev).rtt;
      dog.disarm();
      (void)s->close_write();
      h->peers.set_latency(peer, rtt);
      co_return rtt;
    }
  }
}

}  // namespace lotus::host::detail
