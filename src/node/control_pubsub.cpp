#include "node/control_pubsub.hpp"

#include "base/hex.hpp"
#include "base/log.hpp"
#include "runtime/asio.hpp"

namespace lotus::node {

namespace {

Result<std::string> topic_of(const Json& req, bool required) {
  if (!req.is_object() || !req.contains("topic")) {
    if (required) return pubsub::errc::bad_request;
    return std::string();
  }
  const Json& t = req.at("topic");
  if (!t.is_string() || t.get_ref<const std::string&>().empty()) return pubsub::errc::bad_request;
  return t.get<std::string>();
}

Json peer_list(const std::vector<mf::PeerId>& peers) {
  Json out = Json::array();
  for (const auto& p : peers) out.push_back(p.to_string());
  return out;
}

bool valid_utf8(const Bytes& b) {
  std::size_t i = 0;
  while (i < b.size()) {
    const std::uint8_t c = b[i];
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= b.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      if ((b[i + k] & 0xC0) != 0x80) return false;
      cp = cp << 6 | (b[i + k] & 0x3F);
    }
    static constexpr std::uint32_t kMin[4] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

asio::awaitable<Result<Json>> pub(pubsub::PubSub& ps, Json req) {
  auto topic = topic_of(req, true);
  if (!topic) co_return topic.error();
  Bytes data;
  if (req.contains("data_hex")) {
    if (!req["data_hex"].is_string()) co_return pubsub::errc::bad_request;
    auto d = from_hex(req["data_hex"].get<std::string>());
    if (!d) co_return pubsub::errc::bad_request;
    data = std::move(*d);
  } else if (req.contains("data")) {
    if (!req["data"].is_string()) co_return pubsub::errc::bad_request;
    const auto& s = req["data"].get_ref<const std::string&>();
    data.assign(s.begin(), s.end());
  } else {
    co_return pubsub::errc::bad_request;
  }
  auto id = ps.publish(*topic, std::move(data));
  if (!id) co_return id.error();
  co_return Json{{"id", to_hex(*id)}};
}

asio::awaitable<Result<Json>> peers(pubsub::PubSub& ps, Json req) {
  auto topic = topic_of(req, false);
  if (!topic) co_return topic.error();
  if (topic->empty()) co_return Json{{"peers", peer_list(ps.peers())}};
  co_return Json{{"peers", peer_list(ps.topic_peers(*topic))}, {"mesh", peer_list(ps.mesh_peers(*topic))}};
}

asio::awaitable<Result<Json>> topics(pubsub::PubSub& ps, Json) {
  Json out = Json::array();
  for (const auto& t : ps.topics()) out.push_back(t);
  co_return Json{{"topics", std::move(out)}};
}

// A subscriber that reads slower than messages arrive is cut once its queue (max_bytes of
// message data, then messages are dropped) overflows: the stream ends with
// pubsub::errc::slow_subscriber rather than the daemon holding memory for it.
asio::awaitable<Status> sub(pubsub::PubSub& ps, std::size_t max_bytes, Json req, Emit emit) {
  auto topic = topic_of(req, true);
  if (!topic) co_return topic.error();
  auto s = ps.subscribe(*topic, pubsub::PubSub::SubscribeOptions{4096, max_bytes});
  if (!s) co_return s.error();
  pubsub::Subscription subscription = std::move(*s);
  while (true) {
    auto next = co_await subscription.next_until(Clock::now() + kStreamHeartbeat);
    if (!next) {  // idle: is the client still there?
      auto alive = co_await emit(heartbeat_item());
      if (!alive) co_return Status{};
      continue;
    }
    auto m = std::move(*next);
    if (!m) {
      if (m.error() == make_error_code(pubsub::errc::subscription_closed)) co_return Status{};
      co_return m.error();
    }
    if (subscription.dropped() > 0) {
      LOTUS_LOG(warn, "node.api", "pubsub.sub on '" + subscription.topic() + "': the client reads too slowly; " +
                                      std::to_string(subscription.dropped()) + " message(s) dropped, stream cut " +
                                      "(api.max_stream_buffer_kib)");
      co_return pubsub::errc::slow_subscriber;
    }
    auto st = co_await emit(pubsub_message_json(*m));
    if (!st) co_return Status{};  // the client went away
  }
}

}  // namespace

Json pubsub_message_json(const pubsub::Message& m) {
  Json j{{"topic", m.topic}, {"id", to_hex(m.id)}, {"received_from", m.received_from.to_string()},
         {"data_hex", to_hex(m.data)}};
  if (m.from) j["from"] = m.from->to_string();
  if (m.seqno) j["seqno"] = *m.seqno;
  if (valid_utf8(m.data)) j["data"] = std::string(m.data.begin(), m.data.end());
  return j;
}

void register_pubsub_methods(ControlRouter& router, pubsub::PubSub& ps, std::size_t max_stream_bytes) {
  pubsub::PubSub* p = &ps;
  router.add({"pubsub.pub", "publish {topic, data|data_hex} -> {id}",
              [p](Json req) { return pub(*p, std::move(req)); }, {}});
  router.add({"pubsub.peers", "pubsub peers {topic?} -> {peers, mesh?}",
              [p](Json req) { return peers(*p, std::move(req)); }, {}});
  router.add({"pubsub.topics", "subscribed topics {} -> {topics}",
              [p](Json req) { return topics(*p, std::move(req)); }, {}});
  router.add({"pubsub.sub", "subscribe {topic} -> stream of messages",
              {}, [p, max_stream_bytes](Json req, Emit emit) {
                return sub(*p, max_stream_bytes, std::move(req), std::move(emit));
              }});
}

}  // namespace lotus::node
