#include "recorder/result_status.h"

#include <algorithm>
#include <cctype>

#include "protocol/user_regex.h"

namespace checkride {
namespace {

constexpr const char* kDefaultPattern = "^error\\b";
// Long answers are matched on their start: patterns anchor there, and regex cost stays bounded.
constexpr std::size_t kMatchedPrefix = 4096;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool failure_word(const std::string& value) {
  const std::string v = lower(value);
  for (const char* word : {"error", "failed", "failure", "fail", "declined", "denied", "rejected",
                           "refused", "not_found", "invalid"}) {
    if (v == word) return true;
  }
  return false;
}

std::string trimmed(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n\"");
  if (b == std::string::npos) return "";
  return s.substr(b, kMatchedPrefix);
}

}  // namespace

ErrorPatterns::ErrorPatterns() {
  std::string unused;
  add(kDefaultPattern, unused);
}

bool ErrorPatterns::add(const std::string& pattern, std::string& error) {
  std::regex compiled;
  std::string why;
  if (!compile_user_regex(pattern, std::regex::ECMAScript | std::regex::icase, compiled, why)) {
    error = "'" + pattern + "': " + why;
    return false;
  }
  compiled_.push_back(std::move(compiled));
  sources_.push_back(pattern);
  return true;
}

const std::string* ErrorPatterns::match(const std::string& text) const {
  const std::string probe = trimmed(text);
  for (std::size_t i = 0; i < compiled_.size(); ++i) {
    if (std::regex_search(probe, compiled_[i])) return &sources_[i];
  }
  return nullptr;
}

InferredStatus infer_status(const nlohmann::ordered_json& result, const std::string& text,
                            const ErrorPatterns& patterns) {
  if (result.is_object()) {
    for (const char* key : {"error", "errors"}) {
      auto it = result.find(key);
      if (it != result.end() && !it->is_null() && *it != false && *it != "") {
        return {"failed", std::string("an \"") + key + "\" field"};
      }
    }
    auto status = result.find("status");
    if (status != result.end() && status->is_string() && failure_word(status->get<std::string>())) {
      return {"failed", "its status \"" + status->get<std::string>() + "\""};
    }
    for (const char* key : {"success", "ok"}) {
      auto it = result.find(key);
      if (it != result.end() && it->is_boolean() && !it->get<bool>()) {
        return {"failed", std::string("\"") + key + "\": false"};
      }
    }
  }
  if (const std::string* pattern = patterns.match(text)) {
    return {"failed", "its text matches /" + *pattern + "/i"};
  }
  return {"ok", "no error in the answer"};
}

}  // namespace checkride
