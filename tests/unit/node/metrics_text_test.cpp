// Prometheus text: exact rendering of a snapshot (what GET /metrics serves), the strict parser
// reading it back, and the parser rejecting every malformed form it checks.
#include "node/metrics_text.hpp"

#include <gtest/gtest.h>

#include "node/errors.hpp"

namespace lotus::node {
namespace {

MetricsSnapshot sample_snapshot() {
  MetricsSnapshot m;
  m.host.connections_opened_by_direction = {{"inbound", 3}, {"outbound", 2}};
  m.host.connections_opened_by_transport = {{"tcp", 4}, {"ws", 1}};
  m.host.connections_closed = 3;
  m.host.connections_trimmed = 2;
  m.host.handshake_failures = {{"noise", 2}, {"peer_id_mismatch", 1}};
  m.host.dials_started = 4;
  m.host.dials_succeeded = 2;
  m.host.dials_failed = 2;
  m.host.streams_opened = {{"/ipfs/ping/1.0.0", 5}};
  m.host.limit_refusals = {{"max_connections", 7}};
  m.host.gate_refusals = {{{"inbound_ip", "max_connections"}, 7}, {{"connection_peer", "banned"}, 2}};
  m.host.penalties = {{"dht_malformed_request", 4}};
  m.host.penalty_disconnects = 1;
  m.host.mplex_read_pauses = 3;
  m.host.bytes_in = 1234;
  m.host.bytes_out = 5678;
  m.connections_open_by_direction = {{"inbound", 2}, {"outbound", 2}};
  m.peers_connected = 4;
  m.peers_known = 9;
  m.peer_db_pending = 1;
  m.control_requests = {{"id", 2}, {"ping", 1}};
  m.control_refusals = {{"evicted_slow", 3}};
  m.uptime_seconds = 12.5;
  m.version = "0.1.0";
  m.peer_id = "12D3KooWPeer\"x\\y";
  return m;
}

TEST(MetricsText, RendersEveryFamilyExactly) {
  const std::string text = render_prometheus(sample_snapshot());
  const std::string expected =
      "# HELP lotus_p2p_connections_opened_total Connections that completed the upgrade, by direction.\n"
      "# TYPE lotus_p2p_connections_opened_total counter\n"
      "lotus_p2p_connections_opened_total{direction=\"inbound\"} 3\n"
      "lotus_p2p_connections_opened_total{direction=\"outbound\"} 2\n"
      "# HELP lotus_p2p_connections_opened_by_transport_total Connections that completed the upgrade, by transport.\n"
      "# TYPE lotus_p2p_connections_opened_by_transport_total counter\n"
      "lotus_p2p_connections_opened_by_transport_total{transport=\"tcp\"} 4\n"
      "lotus_p2p_connections_opened_by_transport_total{transport=\"ws\"} 1\n"
      "# HELP lotus_p2p_connections_closed_total Upgraded connections that closed.\n"
      "# TYPE lotus_p2p_connections_closed_total counter\n"
      "lotus_p2p_connections_closed_total 3\n"
      "# HELP lotus_p2p_connections_trimmed_total Connections closed by the connection manager to get back to "
      "max_connections.\n"
      "# TYPE lotus_p2p_connections_trimmed_total counter\n"
      "lotus_p2p_connections_trimmed_total 2\n"
      "# HELP lotus_p2p_connections Open connections, by direction.\n"
      "# TYPE lotus_p2p_connections gauge\n"
      "lotus_p2p_connections{direction=\"inbound\"} 2\n"
      "lotus_p2p_connections{direction=\"outbound\"} 2\n"
      "# HELP lotus_p2p_handshake_failures_total Connection upgrades that failed, by reason.\n"
      "# TYPE lotus_p2p_handshake_failures_total counter\n"
      "lotus_p2p_handshake_failures_total{reason=\"noise\"} 2\n"
      "lotus_p2p_handshake_failures_total{reason=\"peer_id_mismatch\"} 1\n"
      "# HELP lotus_p2p_dials_started_total Outbound dials started (after deduplication).\n"
      "# TYPE lotus_p2p_dials_started_total counter\n"
      "lotus_p2p_dials_started_total 4\n"
      "# HELP lotus_p2p_dials_total Outbound dials finished, by result.\n"
      "# TYPE lotus_p2p_dials_total counter\n"
      "lotus_p2p_dials_total{result=\"success\"} 2\n"
      "lotus_p2p_dials_total{result=\"failure\"} 2\n"
      "# HELP lotus_p2p_streams_opened_total Streams opened (both directions), by negotiated protocol.\n"
      "# TYPE lotus_p2p_streams_opened_total counter\n"
      "lotus_p2p_streams_opened_total{protocol=\"/ipfs/ping/1.0.0\"} 5\n"
      "# HELP lotus_p2p_limit_refusals_total Connections or streams refused by a limit, by limit.\n"
      "# TYPE lotus_p2p_limit_refusals_total counter\n"
      "lotus_p2p_limit_refusals_total{limit=\"max_connections\"} 7\n"
      "# HELP lotus_p2p_gate_refusals_total Refusals at an admission point (inbound_ip, connection_peer, "
      "outbound_dial, inbound_stream), by reason.\n"
      "# TYPE lotus_p2p_gate_refusals_total counter\n"
      "lotus_p2p_gate_refusals_total{point=\"connection_peer\",reason=\"banned\"} 2\n"
      "lotus_p2p_gate_refusals_total{point=\"inbound_ip\",reason=\"max_connections\"} 7\n"
      "# HELP lotus_p2p_penalties_total Misbehaviour reported by services (Host::penalize), by reason.\n"
      "# TYPE lotus_p2p_penalties_total counter\n"
      "lotus_p2p_penalties_total{reason=\"dht_malformed_request\"} 4\n"
      "# HELP lotus_p2p_penalty_disconnects_total Connections closed because a penalty made a gate refuse the "
      "peer.\n"
      "# TYPE lotus_p2p_penalty_disconnects_total counter\n"
      "lotus_p2p_penalty_disconnects_total 1\n"
      "# HELP lotus_p2p_mplex_read_pauses_total Times a connection stopped reading because an mplex stream's "
      "reader fell behind.\n"
      "# TYPE lotus_p2p_mplex_read_pauses_total counter\n"
      "lotus_p2p_mplex_read_pauses_total 3\n"
      "# HELP lotus_p2p_bytes_received_total Transport bytes received (encrypted), all connections.\n"
      "# TYPE lotus_p2p_bytes_received_total counter\n"
      "lotus_p2p_bytes_received_total 1234\n"
      "# HELP lotus_p2p_bytes_sent_total Transport bytes sent (encrypted), all connections.\n"
      "# TYPE lotus_p2p_bytes_sent_total counter\n"
      "lotus_p2p_bytes_sent_total 5678\n"
      "# HELP lotus_p2p_peers Peers connected now and peers known to the peer store.\n"
      "# TYPE lotus_p2p_peers gauge\n"
      "lotus_p2p_peers{state=\"connected\"} 4\n"
      "lotus_p2p_peers{state=\"known\"} 9\n"
      "# HELP lotus_p2p_peer_db_pending_writes Peer store changes not yet written to the database.\n"
      "# TYPE lotus_p2p_peer_db_pending_writes gauge\n"
      "lotus_p2p_peer_db_pending_writes 1\n"
      "# HELP lotus_p2p_control_requests_total Control API requests, by method.\n"
      "# TYPE lotus_p2p_control_requests_total counter\n"
      "lotus_p2p_control_requests_total{method=\"id\"} 2\n"
      "lotus_p2p_control_requests_total{method=\"ping\"} 1\n"
      "# HELP lotus_p2p_control_refusals_total Control API connections or requests refused, by reason (slow clients "
      "evicted, timeouts, access rules).\n"
      "# TYPE lotus_p2p_control_refusals_total counter\n"
      "lotus_p2p_control_refusals_total{reason=\"evicted_slow\"} 3\n"
      "# HELP lotus_p2p_uptime_seconds Seconds since the node started.\n"
      "# TYPE lotus_p2p_uptime_seconds gauge\n"
      "lotus_p2p_uptime_seconds 12.500\n"
      "# HELP lotus_p2p_info Build and identity of this node (always 1).\n"
      "# TYPE lotus_p2p_info gauge\n"
      "lotus_p2p_info{version=\"0.1.0\",peer_id=\"12D3KooWPeer\\\"x\\\\y\"} 1\n";
  EXPECT_EQ(text, expected);
}

TEST(MetricsText, EmptySnapshotStillHasTheFixedSeries) {
  auto parsed = parse_prometheus(render_prometheus(MetricsSnapshot{}));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->value("lotus_p2p_connections_opened_total", {{"direction", "inbound"}}), 0);
  EXPECT_EQ(parsed->value("lotus_p2p_connections_opened_total", {{"direction", "outbound"}}), 0);
  EXPECT_EQ(parsed->value("lotus_p2p_connections_opened_by_transport_total", {{"transport", "tcp"}}), 0);
  EXPECT_EQ(parsed->value("lotus_p2p_connections", {{"direction", "inbound"}}), 0);
  EXPECT_EQ(parsed->value("lotus_p2p_connections_trimmed_total"), 0);
  EXPECT_TRUE(parsed->has("lotus_p2p_uptime_seconds"));
  EXPECT_FALSE(parsed->has("lotus_p2p_handshake_failures_total", {{"reason", "noise"}}));
  EXPECT_EQ(parsed->types.at("lotus_p2p_handshake_failures_total"), "counter");
}

TEST(MetricsText, ParserReadsBackWhatIsRendered) {
  auto parsed = parse_prometheus(render_prometheus(sample_snapshot()));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->types.size(), 22u);
  EXPECT_EQ(parsed->value("lotus_p2p_gate_refusals_total", {{"point", "connection_peer"}, {"reason", "banned"}}), 2);
  EXPECT_EQ(parsed->value("lotus_p2p_mplex_read_pauses_total"), 3);
  EXPECT_EQ(parsed->types.at("lotus_p2p_peers"), "gauge");
  EXPECT_EQ(parsed->value("lotus_p2p_handshake_failures_total", {{"reason", "noise"}}), 2);
  EXPECT_EQ(parsed->value("lotus_p2p_bytes_sent_total"), 5678);
  EXPECT_EQ(parsed->value("lotus_p2p_uptime_seconds"), 12.5);
  EXPECT_EQ(parsed->value("lotus_p2p_info", {{"version", "0.1.0"}, {"peer_id", "12D3KooWPeer\"x\\y"}}), 1);
  EXPECT_EQ(parsed->value("lotus_p2p_bytes_sent_total", {{"x", "y"}}), -1);  // absent
}

TEST(MetricsText, ParserAcceptsTimestampsCommentsAndHistogramSuffixes) {
  auto p = parse_prometheus(
      "# a comment\n"
      "# TYPE h histogram\n"
      "h_bucket{le=\"+Inf\"} 3 1700000000000\n"
      "h_sum 1.5e3\n"
      "h_count 3\n"
      "\n"
      "# TYPE g gauge\n"
      "g -Inf\n");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->samples.size(), 4u);
  EXPECT_EQ(p->value("h_sum"), 1500);
  EXPECT_EQ(p->value("h_bucket", {{"le", "+Inf"}}), 3);
}

TEST(MetricsText, ParserRejectsMalformedText) {
  const char* bad[] = {
      "# TYPE a counter\na 1",                           // no final newline
      "a 1\n",                                           // sample without TYPE
      "# TYPE a counter\n# TYPE a counter\na 1\n",       // duplicate TYPE
      "# TYPE a countr\na 1\n",                          // unknown type
      "# TYPE 1a counter\n",                             // bad name
      "# TYPE a\n",                                      // TYPE without type
      "# TYPE a counter\na one\n",                       // bad value
      "# TYPE a counter\na\n",                           // no value
      "# TYPE a counter\na{x=\"1\"} 1\na{x=\"1\"} 2\n",  // duplicate series
      "# TYPE a counter\na{x=\"1} 1\n",                  // unterminated label value
      "# TYPE a counter\na{x=1} 1\n",                    // unquoted label value
      "# TYPE a counter\na{x=\"\\t\"} 1\n",              // bad escape
      "# TYPE a counter\na{x=\"1\",x=\"2\"} 1\n",        // duplicate label
      "# TYPE a counter\na{x=\"1\";y=\"2\"} 1\n",        // bad separator
      "# TYPE a counter\na{1x=\"1\"} 1\n",               // bad label name
      "# TYPE a counter\na 1 soon\n",                    // bad timestamp
  };
  for (const char* t : bad) {
    auto p = parse_prometheus(t);
    ASSERT_FALSE(p) << t;
    EXPECT_EQ(p.error(), make_error_code(node_errc::api_bad_response)) << t;
  }
}

}  // namespace
}  // namespace lotus::node
