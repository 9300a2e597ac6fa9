// GossipSub as a service (gossipsub.enabled): pubsub::PubSub with the options the reference
// node sets (emitSelf, allowPublishToZeroTopicPeers, doPX), signing with the node's identity
// key (an explicit copy owned by the PubSub), control methods pubsub.* (control_pubsub.hpp),
// a status section and gossipsub_* metric families.
#include "node/services/gossipsub_service.hpp"
#include "node/services/builtin.hpp"
#include "node/node_options.hpp"

#include "base/secure.hpp"
#include "crypto/keys.hpp"
#include "node/control_pubsub.hpp"
#include "node/metrics_text.hpp"
#include "runtime/asio.hpp"

namespace lotus::node {

GossipSubService::GossipSubService(const NodeConfig& cfg) : m_cfg(cfg) {}
GossipSubService::~GossipSubService() = default;

Status GossipSubService::start(ServiceContext& ctx) {
  Bytes pb = ctx.identity.to_protobuf();
  auto copy = crypto::PrivateKey::from_protobuf(pb);
  secure_wipe(pb);
  if (!copy) return ctx.fail(copy.error(), "cannot copy the identity key for gossipsub");
  m_pubsub = std::make_unique<pubsub::PubSub>(ctx.host, std::move(*copy), pubsub::reference_config());
  if (auto st = m_pubsub->start(); !st) return ctx.fail(st.error(), "cannot start gossipsub: " + st.error().message());
  return Status{};
}

asio::awaitable<void> GossipSubService::stop() {
  if (m_pubsub) co_await m_pubsub->stop();
}

void GossipSubService::add_methods(ControlRouter& r) {
  register_pubsub_methods(r, *m_pubsub, std::size_t{m_cfg.api.max_stream_buffer_kib} * 1024);
}

std::optional<Json> GossipSubService::status() const {
  const auto& ps = *m_pubsub;
  Json j;
  j["peers"] = ps.peers().size();
  Json topics = Json::object();
  for (const auto& t : ps.topics()) {
    Json tj;
    tj["mesh_peers"] = ps.mesh_peers(t).size();
    tj["topic_peers"] = ps.topic_peers(t).size();
    topics[t] = std::move(tj);
  }
  j["topics"] = std::move(topics);
  const auto& s = ps.stats();
  j["rpcs_received"] = s.rpcs_received;
  j["rpcs_malformed"] = s.rpcs_malformed;
  j["frames_sent"] = s.frames_sent;
  j["frames_dropped"] = s.frames_dropped;
  j["deliveries_dropped"] = s.deliveries_dropped;
  return j;
}

void GossipSubService::metrics(PromWriter& w) const {
  const auto& ps = *m_pubsub;
  const auto& s = ps.stats();
  w.family("gossipsub_peers", "gauge", "Peers the GossipSub router knows.");
  w.u("gossipsub_peers", ps.peers().size());
  w.family("gossipsub_topics", "gauge", "Topics this node is subscribed to.");
  w.u("gossipsub_topics", ps.topics().size());
  w.family("gossipsub_rpcs_received_total", "counter", "GossipSub RPCs received, by outcome.");
  w.u("gossipsub_rpcs_received_total", s.rpcs_received, {{"outcome", "decoded"}});
  w.u("gossipsub_rpcs_received_total", s.rpcs_malformed, {{"outcome", "malformed"}});
  w.family("gossipsub_frames_sent_total", "counter", "GossipSub frames written to peers.");
  w.u("gossipsub_frames_sent_total", s.frames_sent);
  w.family("gossipsub_dropped_total", "counter", "GossipSub frames or deliveries dropped at a full queue, by queue.");
  w.u("gossipsub_dropped_total", s.frames_dropped, {{"queue", "peer"}});
  w.u("gossipsub_dropped_total", s.deliveries_dropped, {{"queue", "subscription"}});
}

ServiceFactory gossipsub_service() {
  return {"gossipsub", {"gossipsub"}, [](const LoadedConfig& l, const NodeOptions&) -> std::unique_ptr<Service> {
            if (!l.config.gossipsub.enabled) return nullptr;
            return std::make_unique<GossipSubService>(l.config);
          }};
}

}  // namespace lotus::node
