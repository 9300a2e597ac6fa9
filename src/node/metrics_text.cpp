#include "node/metrics_text.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>
#include <set>

#include "base/log.hpp"
#include "node/errors.hpp"

namespace lotus::node {

namespace {

std::string escape_label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string fmt_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

}  // namespace

void PromWriter::family(const std::string& name, const char* type, const char* help) {
  m_out += "# HELP lotus_p2p_" + name + " " + help + "\n# TYPE lotus_p2p_" + name + " " + type + "\n";
}

void PromWriter::sample(const std::string& name, const std::string& value, const Labels& labels) {
  m_out += "lotus_p2p_" + name;
  if (!labels.empty()) {
    m_out += "{";
    for (std::size_t i = 0; i < labels.size(); ++i)
      m_out += (i ? "," : "") + labels[i].first + "=\"" + escape_label(labels[i].second) + "\"";
    m_out += "}";
  }
  m_out += " " + value + "\n";
}

void PromWriter::u(const std::string& name, std::uint64_t v, const Labels& labels) {
  sample(name, std::to_string(v), labels);
}

void PromWriter::d(const std::string& name, double v, const Labels& labels) { sample(name, fmt_double(v), labels); }

void PromWriter::labelled(const std::string& name, const char* type, const char* help, const char* label,
                          const std::map<std::string, std::uint64_t>& values,
                          std::initializer_list<const char*> always) {
  family(name, type, help);
  std::map<std::string, std::uint64_t> all = values;
  for (const char* a : always) all.emplace(a, 0);
  for (const auto& [k, v] : all) u(name, v, {{label, k}});
}

std::string render_prometheus(const MetricsSnapshot& m) {
  PromWriter w;
  render_prometheus(m, w);
  return w.take();
}

void render_prometheus(const MetricsSnapshot& m, PromWriter& w) {
  const auto& h = m.host;
  w.labelled("connections_opened_total", "counter", "Connections that completed the upgrade, by direction.",
             "direction", h.connections_opened_by_direction, {"inbound", "outbound"});
  w.labelled("connections_opened_by_transport_total", "counter", "Connections that completed the upgrade, by transport.",
             "transport", h.connections_opened_by_transport, {"tcp"});
  w.family("connections_closed_total", "counter", "Upgraded connections that closed.");
  w.u("connections_closed_total", h.connections_closed);
  w.family("connections_trimmed_total", "counter",
           "Connections closed by the connection manager to get back to max_connections.");
  w.u("connections_trimmed_total", h.connections_trimmed);
  w.labelled("connections", "gauge", "Open connections, by direction.", "direction", m.connections_open_by_direction,
             {"inbound", "outbound"});
  w.labelled("handshake_failures_total", "counter", "Connection upgrades that failed, by reason.", "reason",
             h.handshake_failures);
  w.family("dials_started_total", "counter", "Outbound dials started (after deduplication).");
  w.u("dials_started_total", h.dials_started);
  w.family("dials_total", "counter", "Outbound dials finished, by result.");
  w.u("dials_total", h.dials_succeeded, {{"result", "success"}});
  w.u("dials_total", h.dials_failed, {{"result", "failure"}});
  w.labelled("streams_opened_total", "counter", "Streams opened (both directions), by negotiated protocol.", "protocol",
             h.streams_opened);
  w.labelled("limit_refusals_total", "counter", "Connections or streams refused by a limit, by limit.", "limit",
             h.limit_refusals);
  w.family("gate_refusals_total", "counter",
           "Refusals at an admission point (inbound_ip, connection_peer, outbound_dial, inbound_stream), by reason.");
  for (const auto& [k, v] : h.gate_refusals) w.u("gate_refusals_total", v, {{"point", k.first}, {"reason", k.second}});
  w.labelled("penalties_total", "counter", "Misbehaviour reported by services (Host::penalize), by reason.", "reason",
             h.penalties);
  w.family("penalty_disconnects_total", "counter", "Connections closed because a penalty made a gate refuse the peer.");
  w.u("penalty_disconnects_total", h.penalty_disconnects);
  w.family("mplex_read_pauses_total", "counter",
           "Times a connection stopped reading because an mplex stream's reader fell behind.");
  w.u("mplex_read_pauses_total", h.mplex_read_pauses);
  w.family("bytes_received_total", "counter", "Transport bytes received (encrypted), all connections.");
  w.u("bytes_received_total", h.bytes_in);
  w.family("bytes_sent_total", "counter", "Transport bytes sent (encrypted), all connections.");
  w.u("bytes_sent_total", h.bytes_out);
  w.family("peers", "gauge", "Peers connected now and peers known to the peer store.");
  w.u("peers", m.peers_connected, {{"state", "connected"}});
  w.u("peers", m.peers_known, {{"state", "known"}});
  w.family("peer_db_pending_writes", "gauge", "Peer store changes not yet written to the database.");
  w.u("peer_db_pending_writes", m.peer_db_pending);
  w.labelled("control_requests_total", "counter", "Control API requests, by method.", "method", m.control_requests);
  w.labelled("control_refusals_total", "counter",
             "Control API connections or requests refused, by reason (slow clients evicted, timeouts, access rules).",
             "reason", m.control_refusals);
  w.family("uptime_seconds", "gauge", "Seconds since the node started.");
  w.sample("uptime_seconds", fmt_double(m.uptime_seconds));
  w.family("info", "gauge", "Build and identity of this node (always 1).");
  w.sample("info", "1", {{"version", m.version}, {"peer_id", m.peer_id}});
}

// ------------------------------------------------------------------------------- parser

namespace {

bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }
bool name_char(char c) { return name_start(c) || std::isdigit(static_cast<unsigned char>(c)); }
bool valid_name(std::string_view n) {
  if (n.empty() || !name_start(n[0])) return false;
  for (char c : n)
    if (!name_char(c)) return false;
  return true;
}

std::optional<double> parse_value(std::string_view v) {
  if (v == "+Inf") return HUGE_VAL;
  if (v == "-Inf") return -HUGE_VAL;
  if (v == "NaN") return NAN;
  if (v.empty()) return std::nullopt;
  std::string s(v);
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return d;
}

// The family a sample belongs to (histogram/summary suffixes map to their base name).
std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
  if (types.count(name)) return name;
  for (const char* suf : {"_bucket", "_sum", "_count"}) {
    std::string_view s(suf);
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      auto base = name.substr(0, name.size() - s.size());
      if (types.count(base)) return base;
    }
  }
  return name;
}

}  // namespace

double PromText::value(std::string_view name, const std::map<std::string, std::string>& labels) const {
  for (const auto& s : samples)
    if (s.name == name && s.labels == labels) return s.value;
  return -1;
}

bool PromText::has(std::string_view name, const std::map<std::string, std::string>& labels) const {
  for (const auto& s : samples)
    if (s.name == name && s.labels == labels) return true;
  return false;
}

Result<PromText> parse_prometheus(std::string_view text) {
  PromText out;
  std::set<std::pair<std::string, std::map<std::string, std::string>>> seen;
  auto bad = [&](std::string_view line, const char* why) -> Result<PromText> {
    LOTUS_LOG(debug, "node.metrics", std::string("prometheus text: ") + why + ": " + std::string(line));
    return node_errc::api_bad_response;
  };
  if (!text.empty() && text.back() != '\n') return bad(text.substr(text.rfind('\n') + 1), "no final newline");
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) continue;
    if (line[0] == '#') {
      if (line.rfind("# HELP ", 0) == 0) {
        auto rest = line.substr(7);
        auto sp = rest.find(' ');
        if (!valid_name(rest.substr(0, sp))) return bad(line, "bad HELP name");
        continue;
      }
      if (line.rfind("# TYPE ", 0) == 0) {
        auto rest = line.substr(7);
        auto sp = rest.find(' ');
        if (sp == std::string_view::npos) return bad(line, "TYPE without type");
        std::string name(rest.substr(0, sp));
        std::string type(rest.substr(sp + 1));
        if (!valid_name(name)) return bad(line, "bad TYPE name");
        if (type != "counter" && type != "gauge" && type != "histogram" && type != "summary" && type != "untyped")
          return bad(line, "unknown type");
        if (out.types.count(name)) return bad(line, "duplicate TYPE");
        out.types[name] = type;
        continue;
      }
      continue;  // comment
    }
    PromSample s;
    std::size_t i = 0;
    while (i < line.size() && name_char(line[i])) ++i;
    s.name = std::string(line.substr(0, i));
    if (!valid_name(s.name)) return bad(line, "bad metric name");
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (true) {
        if (i < line.size() && line[i] == '}') {
          ++i;
          break;
        }
        std::size_t ls = i;
        while (i < line.size() && name_char(line[i]) && line[i] != ':') ++i;
        std::string lname(line.substr(ls, i - ls));
        if (!valid_name(lname)) return bad(line, "bad label name");
        if (i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') return bad(line, "label without =\"");
        i += 2;
        std::string val;
        bool closed = false;
        while (i < line.size()) {
          char c = line[i++];
          if (c == '"') {
            closed = true;
            break;
          }
          if (c == '\\') {
            if (i >= line.size()) return bad(line, "dangling escape");
            char e = line[i++];
            if (e == 'n') val += '\n';
            else if (e == '\\' || e == '"') val += e;
            else return bad(line, "bad escape");
          } else {
            val += c;
          }
        }
        if (!closed) return bad(line, "unterminated label value");
        if (s.labels.count(lname)) return bad(line, "duplicate label");
        s.labels[lname] = std::move(val);
        if (i < line.size() && line[i] == ',') ++i;
        else if (i < line.size() && line[i] == '}') continue;
        else return bad(line, "bad label separator");
      }
    }
    if (i >= line.size() || line[i] != ' ') return bad(line, "no value");
    auto rest = line.substr(i + 1);
    auto sp = rest.find(' ');  // optional timestamp
    auto v = parse_value(rest.substr(0, sp));
    if (!v) return bad(line, "bad value");
    if (sp != std::string_view::npos) {
      auto ts = rest.substr(sp + 1);
      std::int64_t t = 0;
      auto [p, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), t);
      if (ec != std::errc() || p != ts.data() + ts.size()) return bad(line, "bad timestamp");
    }
    s.value = *v;
    const auto fam = family_of(s.name, out.types);
    if (!out.types.count(fam)) return bad(line, "sample without TYPE");
    if (!seen.emplace(s.name, s.labels).second) return bad(line, "duplicate series");
    out.samples.push_back(std::move(s));
  }
  return out;
}

}  // namespace lotus::node
