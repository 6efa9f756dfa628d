#include "protocol/json_input.h"

#include <string>

namespace checkride {
namespace {

template <class Json>
Json parse_limited(std::string_view text) {
  typename Json::parser_callback_t limit = [](int depth, typename Json::parse_event_t, Json&) {
    if (depth > kMaxJsonDepth) {
      throw Json::parse_error::create(
          101, 0, "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels", nullptr);
    }
    return true;
  };
  try {
    return Json::parse(text, limit);
  } catch (const nlohmann::json::out_of_range& e) {
    // A number too large for any type (406) is malformed input like the rest: callers catch
    // parse_error. Found by fuzz_transcript: a Hermes <tool_call> of 5555…e4555….
    throw Json::parse_error::create(101, 0, e.what(), nullptr);
  }
}

template <class Json>
Json parse_or_discarded(std::string_view text) {
  try {
    return parse_limited<Json>(text);
  } catch (const nlohmann::json::exception&) {
    return Json(Json::value_t::discarded);
  }
}

}  // namespace

int64_t int_field(const nlohmann::json& doc, const char* key, int64_t fallback) {
  if (!doc.is_object()) return fallback;
  auto it = doc.find(key);
  return it != doc.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

uint64_t uint_field(const nlohmann::json& doc, const char* key, uint64_t fallback) {
  if (!doc.is_object()) return fallback;
  auto it = doc.find(key);
  return it != doc.end() && it->is_number_unsigned() ? it->get<uint64_t>() : fallback;
}

bool bool_field(const nlohmann::json& doc, const char* key, bool fallback) {
  if (!doc.is_object()) return fallback;
  auto it = doc.find(key);
  return it != doc.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

std::string string_field(const nlohmann::json& doc, const char* key, const std::string& fallback) {
  if (!doc.is_object()) return fallback;
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : fallback;
}

nlohmann::json parse_json(std::string_view text) { return parse_limited<nlohmann::json>(text); }

nlohmann::ordered_json parse_ordered_json(std::string_view text) {
  return parse_limited<nlohmann::ordered_json>(text);
}

nlohmann::json parse_json_or_discarded(std::string_view text) {
  return parse_or_discarded<nlohmann::json>(text);
}

nlohmann::ordered_json parse_ordered_json_or_discarded(std::string_view text) {
  return parse_or_discarded<nlohmann::ordered_json>(text);
}

std::string json_pointer_token(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

const nlohmann::json* field_at(const nlohmann::json& doc, const std::string& path) {
  if (path.empty()) return nullptr;
  if (path.front() == '/') {
    try {
      const nlohmann::json::json_pointer pointer(path);
      return doc.contains(pointer) ? &doc.at(pointer) : nullptr;
    } catch (const nlohmann::json::exception&) {
      return nullptr;  // a malformed pointer, or a step into a scalar
    }
  }
  if (doc.is_object()) {
    auto whole = doc.find(path);
    if (whole != doc.end()) return &*whole;
  }
  const nlohmann::json* at = &doc;
  std::size_t start = 0;
  while (at != nullptr && start <= path.size()) {
    std::size_t dot = path.find('.', start);
    const std::string step = path.substr(start, dot == std::string::npos ? dot : dot - start);
    if (at->is_object()) {
      auto it = at->find(step);
      at = it == at->end() ? nullptr : &*it;
    } else if (at->is_array() && !step.empty() &&
               step.find_first_not_of("0123456789") == std::string::npos && step.size() < 10 &&
               std::stoul(step) < at->size()) {
      at = &(*at)[std::stoul(step)];
    } else {
      at = nullptr;
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return at;
}

std::string field_path_problem(const std::string& path) {
  if (path.empty()) return "expected a field name, a dotted path or a JSON pointer";
  if (path.front() == '/') {
    try {
      nlohmann::json::json_pointer pointer(path);
    } catch (const nlohmann::json::exception&) {
      return "'" + path + "' is not a JSON pointer (RFC 6901: '~' is written ~0, '/' ~1)";
    }
    return "";
  }
  if (path.front() == '.' || path.back() == '.' || path.find("..") != std::string::npos) {
    return "'" + path + "' has an empty step; expected a dotted path such as info.task.user_id";
  }
  return "";
}

}  // namespace checkride
