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

}  // namespace checkride
