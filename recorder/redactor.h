#pragma once
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace checkride {

// What the redactor removes. Every rule is on by default; `json_paths` adds fields to blank
// wherever they appear (JSON pointers relative to an event, e.g. "/params/passport").
struct RedactionConfig {
  bool bearer_tokens = true;  // "Bearer …", and API-key shaped strings (sk-…, key-…)
  bool card_numbers = true;   // 13–19 digit runs passing the Luhn check
  bool emails = true;
  std::vector<std::string> json_paths;
};

// Replaces secrets with stable placeholders: the same secret gets the same placeholder for
// the life of the redactor (one cassette), so ids that recur across events still line up on
// replay. Thread-safe; the proxy's handlers share one.
class Redactor {
 public:
  // Throws InputError naming "--redact-path" when a configured path is not a JSON pointer.
  explicit Redactor(RedactionConfig config = {});

  // Redacts every string in `event` in place (object keys are left alone).
  void redact(nlohmann::ordered_json& event);
  std::string redact_text(const std::string& text);
  // The rule names written to the cassette header's "redactions".
  std::vector<std::string> rule_names() const;

 private:
  std::string placeholder(const std::string& kind, const std::string& secret);
  void redact_node(nlohmann::ordered_json& node);
  void scrub(nlohmann::ordered_json& node);

  RedactionConfig config_;
  std::mutex mu_;
  std::map<std::string, std::string> placeholders_;  // secret -> placeholder
  std::map<std::string, int> counters_;              // kind -> last number handed out
  std::mutex paths_mu_;
  std::map<std::string, std::string> path_secrets_;  // a redacted path's text -> placeholder
};

}  // namespace checkride
