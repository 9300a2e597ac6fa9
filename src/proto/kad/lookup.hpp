// Iterative Kademlia lookup (libp2p/specs kad-dht "Peer routing" / "Value retrieval" /
// "Content routing"), sans-IO: FIND_NODE, GET_VALUE or GET_PROVIDERS towards SHA-256(key).
//
// The lookup keeps candidates sorted by XOR distance and keeps at most `alpha` requests in
// flight, always to the closest candidates not yet contacted. It finishes when the k closest
// candidates that have not failed have all answered (or no candidate is left to ask), when
// max_rpcs requests were sent and none is in flight, or early when a quorum of records or
// providers is reached (if configured). A request that is not answered by its deadline counts
// as failed and frees its slot; a late answer is still used. Our own id and a responder naming
// itself are ignored; at most max_peers_per_response closer peers of a response are taken;
// the candidate set holds at most max_candidates peers (the farthest not in flight go first;
// the cut-off only shrinks, so a dropped peer is never asked). Records are validated with the
// ValidatorRegistry if one is given (invalid ones are counted and ignored).
// Not done: disjoint paths (S/Kademlia d > 1), dialing, routing table updates (the driver feeds
// responders into its RoutingTable).
//
//   Idle --start()--> Running --(k closest answered | nothing to ask | rpc budget | quorum)--> Done
// per candidate:  Fresh --sent--> Waiting --response--> Succeeded
//                                   '--failure/timeout--> Failed --late response--> Succeeded
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <vector>

#include "base/time.hpp"
#include "proto/kad/key.hpp"
#include "proto/kad/message.hpp"
#include "proto/kad/validator.hpp"

namespace lotus::proto::kad {

enum class LookupKind { find_node, get_value, get_providers };

struct LookupConfig {
  std::size_t k = 20;
  std::size_t alpha = 3;
  Duration rpc_timeout = std::chrono::seconds(10);
  std::size_t max_candidates = 200;
  std::size_t max_rpcs = 500;
  std::size_t max_peers_per_response = 20;
  std::size_t value_quorum = 0;     // get_value: stop after this many valid records (0: never early)
  std::size_t max_records = 16;
  std::size_t provider_quorum = 0;  // get_providers: stop after this many providers (0: never early)
  std::size_t max_providers = 64;
};

struct Request {
  PeerInfo peer;    // whom to ask (addrs as learned)
  Message message;  // what to send
};

struct FoundRecord {
  mf::PeerId from;
  Record record;
};

struct LookupStats {
  std::size_t rpcs = 0;       // requests issued
  std::size_t responses = 0;  // responses used
  std::size_t failures = 0;   // on_failure() and wrong-type responses
  std::size_t timeouts = 0;
  std::size_t ignored_peers = 0;    // self, responder naming itself, beyond the per-response cap
  std::size_t invalid_records = 0;  // wrong key or failed validation
  std::size_t unexpected = 0;       // responses from peers we did not ask
  // Hop count: seeds are hop 1, peers they named hop 2, ... For get_value the hop of the first
  // peer that returned a valid record, for get_providers of the first that returned providers,
  // otherwise the largest hop among the final closest peers.
  std::size_t hops = 0;
};

struct LookupResult {
  std::vector<PeerInfo> closest;              // up to k responders, nearest first
  std::vector<FoundRecord> records;           // get_value: valid records, arrival order
  std::optional<std::size_t> best;            // index into records (via the registry's select)
  std::vector<PeerInfo> peers_without_record; // get_value: closest responders lacking it
  std::vector<PeerInfo> providers;            // get_providers: distinct providers
};

class Lookup {
 public:
  // `seeds`: starting peers (typically RoutingTable::closest). `validators` may be null (records
  // are then accepted unchecked) and must outlive the lookup.
  Lookup(LookupKind kind, Bytes key, const mf::PeerId& self, std::vector<PeerInfo> seeds,
         LookupConfig config = {}, const ValidatorRegistry* validators = nullptr);

  void start(TimePoint now);
  // `response` is taken by value: move it in to avoid copying its peer lists.
  void on_response(const mf::PeerId& peer, Message response, TimePoint now);
  void on_failure(const mf::PeerId& peer, TimePoint now);
  void on_timeout(TimePoint now);
  TimePoint deadline() const;  // earliest in-flight request deadline; kNever if none

  std::optional<Request> poll_request();
  bool finished() const noexcept { return m_state == State::done; }
  const LookupResult& result() const noexcept { return m_result; }
  const LookupStats& stats() const noexcept { return m_stats; }
  const Key& target() const noexcept { return m_target; }
  std::size_t in_flight() const noexcept { return m_in_flight; }
  std::size_t candidate_count() const noexcept { return m_candidates.size(); }

 private:
  enum class State { idle, running, done };
  enum class PeerState { fresh, waiting, succeeded, failed };
  struct Candidate {
    PeerInfo info;
    Distance distance;
    PeerState state = PeerState::fresh;
    TimePoint deadline = kNever;
    std::size_t hop = 1;
    bool timed_out = false;
    bool had_record = false;
  };

  void add_candidate(PeerInfo peer, const Key& key, std::size_t hop);
  Candidate* find(const mf::PeerId& peer);
  void step(TimePoint now);
  void finish();
  Message request_message() const;
  bool take_record(const Candidate& from, const Record& rec);

  LookupKind m_kind;
  Bytes m_key;
  Key m_target;
  mf::PeerId m_self;
  Key m_self_key;
  LookupConfig m_cfg;
  const ValidatorRegistry* m_validators;
  State m_state = State::idle;
  std::vector<Candidate> m_candidates;  // sorted by distance
  std::size_t m_in_flight = 0;
  std::deque<Request> m_requests;  // at most alpha
  LookupStats m_stats;
  LookupResult m_result;
  std::optional<std::size_t> m_first_found_hop;
  std::optional<Distance> m_cutoff;  // candidates at or beyond this distance were dropped
};

}  // namespace lotus::proto::kad
