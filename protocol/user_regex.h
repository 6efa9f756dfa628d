#pragma once
#include <regex>
#include <string>

namespace checkride {

// The longest pattern and the largest repetition count ({n}, {n,m}) or backreference (\n) a
// user's regular expression may hold. libstdc++'s std::regex overflows a long on a huge count
// (undefined behaviour, found by fuzz_action_catalog) and builds a state per repetition, so
// a{100000000} would take the process's memory before it matched anything.
constexpr std::size_t kMaxPatternLength = 2000;
constexpr long kMaxRepetition = 1000;

// Compiles a regular expression that came from outside (a catalog's error_patterns or a
// schema's `pattern`, an --error-pattern); false with what is wrong in `error`.
bool compile_user_regex(const std::string& pattern, std::regex::flag_type flags, std::regex& out,
                        std::string& error);

}  // namespace checkride
