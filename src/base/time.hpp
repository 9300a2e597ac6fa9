// Time as engines see it: a steady-clock time point passed in by the caller. Engines never read
// a clock; tests drive them with virtual time.
#pragma once

#include <chrono>

namespace lotus {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = Clock::duration;
using namespace std::chrono_literals;

inline constexpr TimePoint kNever = TimePoint::max();

}  // namespace lotus
