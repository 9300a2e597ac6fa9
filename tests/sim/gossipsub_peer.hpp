// lotus::sim::GossipPeer — a real GossipSub router (proto/gossipsub/router.hpp) driven over a
// sim::Network: every RPC is encoded with encode_frame and decoded with FrameDecoder (the codec
// is on the path), heartbeats are network timers at Router::deadline(), virtual time only.
// A simulated node (the test's sim::Endpoint) owns one GossipPeer next to its other engines
// and hands it the messages of Channel::gossipsub; Delivered messages go to `on_delivered`.
//
// Channels: one simulated node usually runs several engines (GossipSub, the coordinator's
// direct /lotus/message/1.0.0 streams, later MuSig2 / SwapSig rounds), so every message on
// the simulated wire starts with one channel byte (tag() / untag()). Timer tokens of the
// GossipSub heartbeat are kHeartbeatToken; tests use other tokens for their own timers.
//
// Connections are symmetric and made by connect(a, b) (a dials: outbound on a's side). A
// message lost by the network is lost to the router too (a cut or lossy stream): GossipSub's
// gossip (IHAVE/IWANT) is what recovers it, as on a real network with broken streams.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

#include "crypto/keys.hpp"
#include "proto/gossipsub/frame_decoder.hpp"
#include "proto/gossipsub/router.hpp"
#include "sim/network.hpp"

namespace lotus::sim {

enum class Channel : std::uint8_t { gossipsub = 1, message = 2, app = 3 };

inline Bytes tag(Channel c, BytesView payload) {
  Bytes out;
  out.reserve(payload.size() + 1);
  out.push_back(static_cast<std::uint8_t>(c));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}
// The channel of a tagged message and its payload (nullopt channel: empty message).
inline std::pair<std::optional<Channel>, BytesView> untag(const Bytes& m) {
  if (m.empty()) return {std::nullopt, {}};
  return {static_cast<Channel>(m[0]), BytesView(m).subspan(1)};
}

// Peer id <-> node, shared by the peers of one simulation.
struct PeerDirectory {
  std::unordered_map<mf::PeerId, NodeId> by_peer;
  std::unordered_map<NodeId, mf::PeerId> by_node;
  void add(const mf::PeerId& p, NodeId n) {
    by_peer.insert_or_assign(p, n);
    by_node.insert_or_assign(n, p);
  }
};

inline constexpr std::uint64_t kHeartbeatToken = 0x6873'6862'6561'7400ULL;  // "gsheat"

class GossipPeer {
 public:
  GossipPeer(Network& net, NodeId self, crypto::PrivateKey key, PeerDirectory& directory,
             proto::gossipsub::Config config = {})
      : m_net(net),
        m_self(self),
        m_key(std::move(key)),
        m_id(m_key.peer_id()),
        m_dir(directory),
        m_rng(0x5eed'0000ULL + self),
        m_router(std::make_unique<proto::gossipsub::Router>(m_id, &m_key, config, m_rng, net.now())) {
    m_dir.add(m_id, self);
    m_net.timer(m_self, m_router->deadline(), kHeartbeatToken);
  }

  GossipPeer(const GossipPeer&) = delete;  // the router keeps &m_key
  GossipPeer& operator=(const GossipPeer&) = delete;

  const mf::PeerId& peer_id() const noexcept { return m_id; }
  NodeId node() const noexcept { return m_self; }
  proto::gossipsub::Router& router() noexcept { return *m_router; }

  // Connects a (dialer) and b over the simulated network (both routers learn the peer).
  static void connect(GossipPeer& a, GossipPeer& b, const std::string& ip_a = "10.0.0.1",
                      const std::string& ip_b = "10.0.0.2") {
    (void)a.m_router->add_peer(b.m_id, proto::gossipsub::Protocol::meshsub_v12, true, ip_b, a.m_net.now());
    a.drain();
    (void)b.m_router->add_peer(a.m_id, proto::gossipsub::Protocol::meshsub_v12, false, ip_a, b.m_net.now());
    b.drain();
  }

  Status subscribe(const std::string& topic) {
    auto s = m_router->subscribe(topic, m_net.now());
    drain();
    return s;
  }
  Result<proto::gossipsub::MessageId> publish(const std::string& topic, Bytes data) {
    auto r = m_router->publish(topic, std::move(data), m_net.now());
    drain();
    return r;
  }

  // The payload of a Channel::gossipsub message from node `from`.
  void on_frame(NodeId from, BytesView frame) {
    auto& dec = m_decoders[from];
    while (true) {
      auto rpc = dec.next(frame);
      if (!rpc || !*rpc) break;  // a failed decoder stays failed (the stream would be reset)
      ++m_rpcs_in;
      (void)m_router->on_rpc(peer_of(from), **rpc, m_net.now());
    }
    drain();
  }
  // Endpoint::on_timer: true when the token was ours.
  bool on_timer(std::uint64_t token) {
    if (token != kHeartbeatToken) return false;
    m_router->on_heartbeat(m_net.now());
    drain();
    m_net.timer(m_self, m_router->deadline(), kHeartbeatToken);
    return true;
  }

  std::function<void(const proto::gossipsub::Delivered&)> on_delivered;
  std::uint64_t rpcs_in() const noexcept { return m_rpcs_in; }

 private:
  mf::PeerId peer_of(NodeId n) const {
    auto it = m_dir.by_node.find(n);
    return it == m_dir.by_node.end() ? m_id : it->second;  // unknown: never for connected peers
  }
  void drain() {
    while (auto ev = m_router->poll_event()) {
      if (auto* s = std::get_if<proto::gossipsub::SendRpc>(&*ev)) {
        auto it = m_dir.by_peer.find(s->peer);
        if (it != m_dir.by_peer.end()) m_net.send(m_self, it->second, tag(Channel::gossipsub, proto::gossipsub::encode_frame(s->rpc)));
      } else if (auto* d = std::get_if<proto::gossipsub::Delivered>(&*ev)) {
        if (on_delivered) on_delivered(*d);
      }
    }
  }

  Network& m_net;
  NodeId m_self;
  crypto::PrivateKey m_key;
  mf::PeerId m_id;
  PeerDirectory& m_dir;
  DeterministicRng m_rng;
  std::unique_ptr<proto::gossipsub::Router> m_router;
  std::unordered_map<NodeId, proto::gossipsub::FrameDecoder> m_decoders;  // one stream per peer
  std::uint64_t m_rpcs_in = 0;
};

}  // namespace lotus::sim
