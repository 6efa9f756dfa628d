#include "protocol/user_regex.h"

namespace checkride {
namespace {

// The first repetition count above kMaxRepetition in `pattern`, or -1. Counts are digit runs
// right after an unescaped '{' or after its ','.
long oversized_count(const std::string& pattern) {
  bool in_braces = false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\') {
      ++i;  // an escaped character is a literal
      continue;
    }
    if (c == '{') in_braces = true;
    if (c == '}') in_braces = false;
    if (!in_braces || (c != '{' && c != ',')) continue;
    long value = 0;
    std::size_t j = i + 1;
    for (; j < pattern.size() && pattern[j] >= '0' && pattern[j] <= '9'; ++j) {
      value = value * 10 + (pattern[j] - '0');
      if (value > kMaxRepetition) return value;
    }
  }
  return -1;
}

}  // namespace

bool compile_user_regex(const std::string& pattern, std::regex::flag_type flags, std::regex& out,
                        std::string& error) {
  if (pattern.size() > kMaxPatternLength) {
    error = "longer than " + std::to_string(kMaxPatternLength) + " characters";
    return false;
  }
  if (oversized_count(pattern) >= 0) {
    error = "a repetition count above " + std::to_string(kMaxRepetition);
    return false;
  }
  try {
    out = std::regex(pattern, flags);
  } catch (const std::regex_error& e) {
    error = std::string("not a regular expression: ") + e.what();
    return false;
  }
  return true;
}

}  // namespace checkride
