#include "protocol/time.h"

#include <charconv>
#include <cmath>
#include <cstdio>

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
  } else if (unit == "d") {
    scale = kDay;
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

namespace {

// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// `n` digits at `at`, or -1.
int64_t digits(std::string_view s, std::size_t at, std::size_t n) {
  if (at + n > s.size()) return -1;
  int64_t v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

bool parse_utc_time(std::string_view s, int64_t& seconds) {
  if (!s.empty() && s.back() == 'Z') s.remove_suffix(1);
  if (s.size() != 16 && s.size() != 19) return false;
  if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':') return false;
  if (s.size() == 19 && s[16] != ':') return false;
  const int64_t y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
  const int64_t h = digits(s, 11, 2), mi = digits(s, 14, 2);
  const int64_t sec = s.size() == 19 ? digits(s, 17, 2) : 0;
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 ||
      sec > 59) {
    return false;
  }
  constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDays[mo - 1] || (mo == 2 && d == 29 && !leap)) return false;
  seconds = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
  return true;
}

std::string format_utc_time(int64_t seconds) {
  // Hinnant's civil_from_days.
  int64_t z = seconds / 86400 + 719468;
  const int64_t secs = seconds % 86400;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp + (mp < 10 ? 3 : -9);
  const int64_t y = yoe + era * 400 + (m <= 2);
  char out[128];
  std::snprintf(out, sizeof out, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ",
                static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
                static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                static_cast<long long>(secs % 60));
  return out;
}

}  // namespace checkride
