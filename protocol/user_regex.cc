#include "protocol/user_regex.h"

namespace checkride {
namespace {

// The value of the digit run at `from`, stopping once it is above kMaxRepetition (so it
// never overflows); 0 when there is none.
long digit_run(const std::string& pattern, std::size_t from) {
  long value = 0;
  for (std::size_t j = from; j < pattern.size() && pattern[j] >= '0' && pattern[j] <= '9'; ++j) {
    value = value * 10 + (pattern[j] - '0');
    if (value > kMaxRepetition) break;
  }
  return value;
}

// The first number above kMaxRepetition that libstdc++ reads as one in `pattern`, or -1:
// repetition counts (digit runs right after an unescaped '{' or after its ',') and
// backreferences (a digit run after a '\\').
long oversized_count(const std::string& pattern) {
  bool in_braces = false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\') {
      // Found by fuzz_action_catalog: \6666… overflowed like a huge count does.
      if (long backref = digit_run(pattern, i + 1); backref > kMaxRepetition) return backref;
      ++i;  // an escaped character is a literal
      continue;
    }
    if (c == '{') in_braces = true;
    if (c == '}') in_braces = false;
    if (!in_braces || (c != '{' && c != ',')) continue;
    if (long value = digit_run(pattern, i + 1); value > kMaxRepetition) return value;
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
    error = "a repetition count or backreference above " + std::to_string(kMaxRepetition);
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
