#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reports/report.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHECKRIDE_TESTS_UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define CHECKRIDE_TESTS_UNDER_ASAN 1
#endif

namespace checkride::testing {

// A sanitizer build runs several times slower: tests that pace real time (a drive's schedule,
// thousands of connections) keep their shape there but loosen their clocks or sizes.
#ifdef CHECKRIDE_TESTS_UNDER_ASAN
inline constexpr bool kUnderSanitizer = true;
#else
inline constexpr bool kUnderSanitizer = false;
#endif

std::string source_path(const std::string& relative);
// A fresh, empty directory under the system temp dir.
std::string temp_dir(const std::string& name);
std::string write_temp(const std::string& dir, const std::string& name, const std::string& text);
// The whole file ("" when it cannot be read).
std::string read_text(const std::string& path);
// A shell command line's exit code (-1 when it did not exit) and its stdout and stderr.
struct ShellRun {
  int code;
  std::string output;
};
ShellRun run_shell(const std::string& line);

// Runs one scenario file in-process and returns its report (throws on bad input).
// With `retire_settled` off, every session is kept and checked at the end of the run.
Report run_scenario_file(const std::string& path, const std::vector<std::string>& overrides = {},
                         bool retire_settled = true);
std::vector<std::string> shipped_scenarios();
// "" when `doc` satisfies the JSON Schema in `schema_file` (a path under the source tree),
// else one line per violation. Each schema is parsed once per process.
std::string schema_violations(const std::string& schema_file, const nlohmann::json& doc);

}  // namespace checkride::testing
