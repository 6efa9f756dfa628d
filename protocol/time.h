#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace checkride {

// Virtual time in milliseconds since the start of a run. The simulator advances it;
// the service maps the wall clock onto it. Nothing in the core reads a clock.
using Time = int64_t;
using Duration = int64_t;  // milliseconds

constexpr Duration kSecond = 1000;
constexpr Duration kMinute = 60 * kSecond;
constexpr Duration kHour = 60 * kMinute;
constexpr Duration kDay = 24 * kHour;

// The longest duration a scenario may name: far beyond any run, and small enough that sums
// and multiples of durations (a p99 three times a median, a window's end) cannot overflow.
constexpr Duration kMaxDuration = 366 * 24 * kHour;

// Parses "250ms", "5s", "3m", "1h" (also "1.5s") up to kMaxDuration. Returns false on
// anything else.
bool parse_duration(std::string_view text, Duration& out);
// Formats a duration in the largest unit that divides it exactly ("90s", "5m", "120ms").
std::string format_duration(Duration d);

// A world's calendar instant, "2026-12-10T08:00:00Z" (or without the seconds, the Z, or with
// a space for the T; taken as UTC), as seconds since 1970. False on anything else.
bool parse_utc_time(std::string_view text, int64_t& seconds);
// The same instant written back: "2026-12-10T08:00:00Z".
std::string format_utc_time(int64_t seconds);
// Milliseconds from the calendar instant `at` to the world's time now, a run's `now` past its
// calendar start `calendar` (both in seconds since 1970); negative while `at` is ahead. A
// parsed instant's year has four digits, so this never overflows.
constexpr int64_t ms_since_instant(int64_t at, int64_t calendar, Time now) {
  return (calendar - at) * kSecond + now;
}

}  // namespace checkride
