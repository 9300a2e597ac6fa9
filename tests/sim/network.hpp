// lotus::sim::Network — the network simulator the simulation tests share (DESIGN.md §5.3):
// N endpoints that run real sans-IO engines, connected by in-memory links with seeded latency
// and loss, under a virtual clock. Nothing here reads a clock, sleeps or touches a socket; a
// run is a pure function of the seed and the test's actions, so a failure replays exactly.
//
//   add(endpoint) -> id            endpoints are the test's objects (they own the engines)
//   send(from, to, bytes)          delivered after a latency drawn from the link's range,
//                                  unless lost (loss drawn per message) or an end is down
//   timer(id, at, token)           Endpoint::on_timer at virtual time `at`
//   step() / run_until(pred, max)  deliver the next event (time jumps to it) / until pred()
//   advance_to(t)                  moves the clock without delivering (for engine deadlines
//                                  the test drives itself)
//
// Links: Config::link is the default for every pair; link(a, b, cfg) overrides one direction;
// cut(a, b) / set_down(id) model partitions and crashes (messages to or from a down endpoint
// are dropped at delivery time, so a crash also loses what was in flight). Per-message order
// between two endpoints is NOT preserved (each message draws its own latency), as on a real
// network of independent streams; engines that need order must carry it themselves.
//
// Bounds: at most Config::max_queued events are pending (send() drops and counts beyond it:
// a protocol that floods shows up in stats().overflow instead of exhausting memory).
// Threading: none; one test thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <queue>
#include <set>
#include <utility>
#include <vector>

#include "base/bytes.hpp"
#include "base/rng.hpp"
#include "base/time.hpp"

namespace lotus::sim {

using NodeId = std::size_t;

struct LinkConfig {
  Duration min_latency = std::chrono::milliseconds(5);
  Duration max_latency = std::chrono::milliseconds(80);
  std::uint32_t loss_ppm = 0;  // messages lost per million
};

struct NetworkConfig {
  LinkConfig link;
  std::size_t max_queued = 1'000'000;
  TimePoint start = TimePoint{} + std::chrono::hours(1);
};

struct NetworkStats {
  std::uint64_t sent = 0;
  std::uint64_t delivered = 0;
  std::uint64_t lost = 0;      // drawn by a link's loss rate
  std::uint64_t dropped = 0;   // an end was down, or the link cut
  std::uint64_t overflow = 0;  // the event queue was full
  std::uint64_t bytes = 0;     // payload bytes sent
};

class Network;

// What a simulated node implements. Handlers may send and set timers (re-entrancy is fine:
// events are queued, never delivered from inside send()).
class Endpoint {
 public:
  virtual ~Endpoint() = default;
  virtual void on_message(Network& net, NodeId from, Bytes message) = 0;
  virtual void on_timer(Network& /*net*/, std::uint64_t /*token*/) {}
};

class Network {
 public:
  explicit Network(std::uint64_t seed, NetworkConfig config = {})
      : m_rng(seed), m_cfg(config), m_now(config.start) {}

  NodeId add(Endpoint& e) {
    m_nodes.push_back(&e);
    m_down.push_back(false);
    return m_nodes.size() - 1;
  }
  std::size_t size() const noexcept { return m_nodes.size(); }
  TimePoint now() const noexcept { return m_now; }
  Rng& rng() noexcept { return m_rng; }
  const NetworkStats& stats() const noexcept { return m_stats; }

  void link(NodeId from, NodeId to, LinkConfig cfg) { m_links[{from, to}] = cfg; }
  void cut(NodeId a, NodeId b) {
    m_cut.insert({a, b});
    m_cut.insert({b, a});
  }
  void heal(NodeId a, NodeId b) {
    m_cut.erase({a, b});
    m_cut.erase({b, a});
  }
  void set_down(NodeId id, bool down) { m_down.at(id) = down; }
  bool is_down(NodeId id) const { return m_down.at(id); }

  void send(NodeId from, NodeId to, Bytes message) {
    ++m_stats.sent;
    m_stats.bytes += message.size();
    const LinkConfig& l = link_of(from, to);
    if (l.loss_ppm && m_rng.uniform(1'000'000) < l.loss_ppm) {
      ++m_stats.lost;
      return;
    }
    push(Event{m_now + latency(l), m_seq++, from, to, std::move(message), 0, false});
  }
  void timer(NodeId id, TimePoint at, std::uint64_t token) {
    push(Event{std::max(at, m_now), m_seq++, id, id, {}, token, true});
  }

  // The time of the next event (kNever if none).
  TimePoint next_event() const { return m_queue.empty() ? kNever : m_queue.top().at; }
  void advance_to(TimePoint t) {
    if (t > m_now) m_now = t;
  }
  // Delivers the next event; false when there is none.
  bool step() {
    if (m_queue.empty()) return false;
    Event e = std::move(const_cast<Event&>(m_queue.top()));
    m_queue.pop();
    advance_to(e.at);
    if (e.is_timer) {
      if (!m_down[e.to]) m_nodes[e.to]->on_timer(*this, e.token);
      return true;
    }
    if (m_down[e.from] || m_down[e.to] || m_cut.count({e.from, e.to})) {
      ++m_stats.dropped;
      return true;
    }
    ++m_stats.delivered;
    m_nodes[e.to]->on_message(*this, e.from, std::move(e.message));
    return true;
  }
  // Steps until `done()` holds (true), or the queue is empty or `max_time` passed (false).
  bool run_until(const std::function<bool()>& done, Duration max_time = std::chrono::hours(1)) {
    const TimePoint limit = m_now + max_time;
    while (!done()) {
      if (m_queue.empty() || m_queue.top().at > limit) return false;
      step();
    }
    return true;
  }

 private:
  struct Event {
    TimePoint at;
    std::uint64_t seq;
    NodeId from, to;
    Bytes message;
    std::uint64_t token;
    bool is_timer;
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  void push(Event e) {
    if (m_queue.size() >= m_cfg.max_queued) {
      ++m_stats.overflow;
      return;
    }
    m_queue.push(std::move(e));
  }
  const LinkConfig& link_of(NodeId from, NodeId to) const {
    auto it = m_links.find({from, to});
    return it == m_links.end() ? m_cfg.link : it->second;
  }
  Duration latency(const LinkConfig& l) {
    const auto span = static_cast<std::uint64_t>((l.max_latency - l.min_latency).count());
    return l.min_latency + Duration(static_cast<Duration::rep>(span ? m_rng.uniform(span + 1) : 0));
  }

  DeterministicRng m_rng;
  NetworkConfig m_cfg;
  TimePoint m_now;
  std::uint64_t m_seq = 0;
  std::vector<Endpoint*> m_nodes;
  std::vector<bool> m_down;
  std::map<std::pair<NodeId, NodeId>, LinkConfig> m_links;
  std::set<std::pair<NodeId, NodeId>> m_cut;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> m_queue;
  NetworkStats m_stats;
};

}  // namespace lotus::sim
