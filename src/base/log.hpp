// Logging hook. Libraries log through this; the application installs a sink (spdlog in the
// apps). The default sink drops everything below `warn` and writes the rest to stderr.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace lotus::log {

enum class Level { trace = 0, debug, info, warn, error, off };

using Sink = std::function<void(Level, std::string_view component, std::string_view message)>;

void set_sink(Sink sink);
void set_level(Level level);
Level level() noexcept;
bool enabled(Level level) noexcept;
void write(Level level, std::string_view component, std::string_view message);

}  // namespace lotus::log

#define LOTUS_LOG(lvl, component, msg)                                     \
  do {                                                                     \
    if (::lotus::log::enabled(::lotus::log::Level::lvl))                   \
      ::lotus::log::write(::lotus::log::Level::lvl, (component), (msg));   \
  } while (0)
