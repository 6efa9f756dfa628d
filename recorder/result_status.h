#pragma once
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

namespace checkride {

// Patterns that mark a third-party tool's text answer as a failure, matched
// case-insensitively (ECMAScript syntax). The default, `^error\b`, catches answers such as
// "Error: not enough seats". More come from `--error-pattern` and the action catalog's
// `error_patterns:`; they add to the default.
class ErrorPatterns {
 public:
  ErrorPatterns();  // the default pattern only
  // Adds one; false with `error` when it is not a valid regular expression.
  bool add(const std::string& pattern, std::string& error);
  // The first pattern `text` matches, or nullptr.
  const std::string* match(const std::string& text) const;

 private:
  std::vector<std::string> sources_;
  std::vector<std::regex> compiled_;
};

// The status a recorded tool answer had, when the answer carries no orchestrator status:
// "failed" when its status field says so ("error", "failed", success: false, ...), when it
// is an {"error": ...} object, or when its text matches an error pattern; else "ok".
// `from` says which, for the cassette's `inferred_from` and the replay report.
struct InferredStatus {
  std::string status;
  std::string from;
};
InferredStatus infer_status(const nlohmann::ordered_json& result, const std::string& text,
                            const ErrorPatterns& patterns);

}  // namespace checkride
