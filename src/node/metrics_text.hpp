// Prometheus text exposition (format 0.0.4) of the daemon's counters, served at GET /metrics,
// and a strict parser of that format (tests and tools check what the daemon serves with it).
//
// Families (all prefixed lotus_p2p_):
//   connections_opened_total{direction}        counter  upgraded connections, by direction
//   connections_opened_by_transport_total{transport}
//   connections_closed_total                   counter
//   connections_trimmed_total                  counter  closed by the connection manager (over max)
//   connections{direction}                     gauge    open now
//   handshake_failures_total{reason}           counter  timeout|noise|peer_id_mismatch|multistream|muxer|io|other
//   dials_started_total, dials_total{result}   counter  result = success|failure
//   streams_opened_total{protocol}             counter  negotiated protocol (ours only)
//   limit_refusals_total{limit}                counter
//   gate_refusals_total{point,reason}          counter  every admission refusal (host/peer_gate.hpp)
//   penalties_total{reason}                    counter  Host::penalize reports
//   penalty_disconnects_total                  counter
//   mplex_read_pauses_total                    counter  mplex backpressure (reader fell behind)
//   bytes_received_total, bytes_sent_total     counter  transport bytes (encrypted)
//   peers{state}                               gauge    connected|known
//   peer_db_pending_writes                     gauge
//   control_requests_total{method}             counter  registered methods only ("other" else)
//   control_refusals_total{reason}             counter  evicted_slow, header_timeout, unauthorized, …
//   uptime_seconds                             gauge
//   info{version,peer_id}                      gauge    always 1
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <initializer_list>
#include <vector>

#include "base/result.hpp"
#include "host/metrics.hpp"

namespace lotus::node {

struct MetricsSnapshot {
  host::Metrics host;
  std::map<std::string, std::uint64_t> connections_open_by_direction;
  std::uint64_t peers_connected = 0;
  std::uint64_t peers_known = 0;
  std::uint64_t peer_db_pending = 0;
  std::map<std::string, std::uint64_t> control_requests;
  std::map<std::string, std::uint64_t> control_refusals;  // ControlServerStats::refusals
  double uptime_seconds = 0;
  std::string version;
  std::string peer_id;
};

// Writes Prometheus text families; every name gets the lotus_p2p_ prefix. Services use it to
// add their own families after the node's (names must be unique across the node).
class PromWriter {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;
  void family(const std::string& name, const char* type, const char* help);
  void sample(const std::string& name, const std::string& value, const Labels& labels = {});
  void u(const std::string& name, std::uint64_t v, const Labels& labels = {});
  void d(const std::string& name, double v, const Labels& labels = {});  // 3 decimals
  // A family with one label; `always` label values appear with 0 when absent.
  void labelled(const std::string& name, const char* type, const char* help, const char* label,
                const std::map<std::string, std::uint64_t>& values, std::initializer_list<const char*> always = {});
  std::string take() { return std::move(m_out); }

 private:
  std::string m_out;
};

std::string render_prometheus(const MetricsSnapshot& m);
void render_prometheus(const MetricsSnapshot& m, PromWriter& w);

struct PromSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};
struct PromText {
  std::map<std::string, std::string> types;  // family -> counter|gauge|…
  std::vector<PromSample> samples;
  // The value of the sample with this name and exactly these labels; nullopt-like -1 if absent.
  double value(std::string_view name, const std::map<std::string, std::string>& labels = {}) const;
  bool has(std::string_view name, const std::map<std::string, std::string>& labels = {}) const;
};
// Strict: valid metric and label names, quoted/escaped label values, numeric values, TYPE
// before a family's samples, no duplicate series, trailing newline. errc: bad_request-like
// node_errc::api_bad_response on any violation (with the offending line logged at debug).
Result<PromText> parse_prometheus(std::string_view text);

}  // namespace lotus::node
