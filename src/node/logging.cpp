#include "node/logging.hpp"

#include <cstdio>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>

namespace lotus::node {

std::optional<log::Level> parse_level(std::string_view t) {
  if (t == "trace") return log::Level::trace;
  if (t == "debug") return log::Level::debug;
  if (t == "info") return log::Level::info;
  if (t == "warn") return log::Level::warn;
  if (t == "error") return log::Level::error;
  if (t == "off") return log::Level::off;
  return std::nullopt;
}

std::string_view level_name(log::Level l) {
  switch (l) {
    case log::Level::trace: return "trace";
    case log::Level::debug: return "debug";
    case log::Level::info: return "info";
    case log::Level::warn: return "warn";
    case log::Level::error: return "error";
    case log::Level::off: return "off";
  }
  return "info";
}

log::Level LogSpec::level_for(std::string_view component) const {
  std::string_view c = component;
  while (true) {
    if (auto it = components.find(c); it != components.end()) return it->second;
    auto dot = c.rfind('.');
    if (dot == std::string_view::npos) break;
    c = c.substr(0, dot);
  }
  return default_level;
}

log::Level LogSpec::most_verbose() const {
  log::Level l = default_level;
  for (const auto& [name, lv] : components) l = std::min(l, lv);
  return l;
}

std::optional<LogSpec> parse_log_spec(std::string_view text) {
  if (text.empty()) return std::nullopt;
  LogSpec spec;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view part = text.substr(start, end - start);
    auto eq = part.find('=');
    if (eq == std::string_view::npos) {
      auto l = parse_level(part);
      if (!l) return std::nullopt;
      spec.default_level = *l;
    } else {
      auto l = parse_level(part.substr(eq + 1));
      if (!l || eq == 0) return std::nullopt;
      spec.components[std::string(part.substr(0, eq))] = *l;
    }
    start = end + 1;
  }
  return spec;
}

namespace {
std::string iso_time(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}
}  // namespace

std::string format_log_record(LogFormat format, std::chrono::system_clock::time_point when, log::Level level,
                              std::string_view component, std::string_view message) {
  if (format == LogFormat::json) {
    nlohmann::json j;
    j["ts"] = iso_time(when);
    j["level"] = level_name(level);
    j["component"] = component;
    j["msg"] = message;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  std::string name(level_name(level));
  for (auto& ch : name) ch = static_cast<char>(ch - 'a' + 'A');
  name.resize(5, ' ');
  std::string out = iso_time(when) + " " + name + " " + std::string(component) + ": ";
  // One record per line: control characters in messages are escaped.
  for (char ch : message) {
    if (ch == '\n') out += "\\n";
    else if (static_cast<unsigned char>(ch) < 0x20 && ch != '\t') out += '?';
    else out += ch;
  }
  return out;
}

void install_log_sink(LogSpec spec, LogFormat format, std::function<void(std::string_view)> write) {
  if (!write) {
    write = [](std::string_view line) {
      std::fwrite(line.data(), 1, line.size(), stderr);
      std::fflush(stderr);
    };
  }
  auto shared = std::make_shared<const LogSpec>(std::move(spec));
  log::set_level(shared->most_verbose());
  log::set_sink([shared, format, write = std::move(write)](log::Level level, std::string_view component,
                                                          std::string_view message) {
    if (level < shared->level_for(component) || level == log::Level::off) return;
    write(format_log_record(format, std::chrono::system_clock::now(), level, component, message) + "\n");
  });
}

}  // namespace lotus::node
