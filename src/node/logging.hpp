// Structured logs of the daemon: the sink the node installs on the base log hook
// (base/log.hpp). Text or JSON lines, one record per line, levels per component.
//
// Level specification (config key log.level, flag --log-level):
//   "info"                       everything at info and above
//   "warn,host=debug,dht=trace"  default warn; component "host" (and "host.*") at debug …
//   "host=debug"                 default stays info
// A component matches its own name and every dotted sub-component ("host" covers
// "host.conn"); the longest matching name wins.
//
// Text:  2024-05-01T12:00:00.123Z INFO  host: message
// JSON:  {"ts":"2024-05-01T12:00:00.123Z","level":"info","component":"host","msg":"message"}
//
// Messages are written as given; callers never log secrets (see DESIGN.md).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/log.hpp"

namespace lotus::node {

struct LogSpec {
  log::Level default_level = log::Level::info;
  std::map<std::string, log::Level, std::less<>> components;

  // The level that applies to `component`.
  log::Level level_for(std::string_view component) const;
  // The most verbose level any component uses (the global gate of base/log).
  log::Level most_verbose() const;
};

// Parses a level specification; nullopt if malformed (config_values.cpp checks the same syntax).
std::optional<LogSpec> parse_log_spec(std::string_view text);
std::optional<log::Level> parse_level(std::string_view text);
std::string_view level_name(log::Level l);

enum class LogFormat { text, json };

// One formatted record, without the trailing newline (pure: tests call it directly).
std::string format_log_record(LogFormat format, std::chrono::system_clock::time_point when, log::Level level,
                              std::string_view component, std::string_view message);

// Installs the sink: records allowed by `spec` are formatted and passed to `write` (one line,
// newline included). `write` defaults to stderr. Also sets the global level gate.
void install_log_sink(LogSpec spec, LogFormat format, std::function<void(std::string_view)> write = {});

}  // namespace lotus::node
