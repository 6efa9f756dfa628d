#include "protocol/time.h"

#include <charconv>
#include <cmath>

namespace checkride {

bool parse_duration(std::string_view text, Duration& out) {
  std::size_t unit_at = 0;
  while (unit_at < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[unit_at])) || text[unit_at] == '.')) {
    ++unit_at;
  }
  if (unit_at == 0) return false;
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + unit_at, value);
  if (ec != std::errc() || ptr != text.data() + unit_at) return false;
  std::string_view unit = text.substr(unit_at);
  double scale;
  if (unit == "ms") {
    scale = 1;
  } else if (unit == "s") {
    scale = kSecond;
  } else if (unit == "m") {
    scale = kMinute;
  } else if (unit == "h") {
    scale = kHour;
  } else {
    return false;
  }
  double ms = value * scale;
  if (!(ms <= static_cast<double>(kMaxDuration))) return false;  // NaN too
  out = static_cast<Duration>(std::llround(ms));
  return true;
}

std::string format_duration(Duration d) {
  if (d != 0 && d % kHour == 0) return std::to_string(d / kHour) + "h";
  if (d != 0 && d % kMinute == 0) return std::to_string(d / kMinute) + "m";
  if (d != 0 && d % kSecond == 0) return std::to_string(d / kSecond) + "s";
  return std::to_string(d) + "ms";
}

}  // namespace checkride
