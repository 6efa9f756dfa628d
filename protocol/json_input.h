#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace checkride {

// JSON that comes from outside (a file, a request, an upstream's answer) is parsed with a
// nesting limit: a deeper document is refused like a malformed one, before any recursive
// walk over it (dump, redaction, hashing, substitution) can run out of stack.
constexpr int kMaxJsonDepth = 128;

// Throw nlohmann::json::parse_error on malformed or too deep input, like json::parse.
nlohmann::json parse_json(std::string_view text);
nlohmann::ordered_json parse_ordered_json(std::string_view text);
// A discarded value (is_discarded()) on malformed or too deep input, like parse(t, nullptr,
// false).
nlohmann::json parse_json_or_discarded(std::string_view text);
nlohmann::ordered_json parse_ordered_json_or_discarded(std::string_view text);

// A key as one RFC 6901 reference token: '~' is written "~0" and '/' is written "~1".
std::string json_pointer_token(const std::string& key);

// The value a user's field path names in `doc`, or nullptr. A path is a key ("user_id"), a
// dotted path ("info.task.user_id"; a number steps into an array) or an RFC 6901 JSON
// pointer ("/info/task/user_id"). A key that itself holds dots is found as it is first.
const nlohmann::json* field_at(const nlohmann::json& doc, const std::string& path);
// "" when `path` can name a field, else what is wrong with it (for the option's error).
std::string field_path_problem(const std::string& path);

// A field of a document from outside, or `fallback` when the document is not an object, has
// no such field or holds another type there: never a type_error.
int64_t int_field(const nlohmann::json& doc, const char* key, int64_t fallback);
uint64_t uint_field(const nlohmann::json& doc, const char* key, uint64_t fallback);
bool bool_field(const nlohmann::json& doc, const char* key, bool fallback);
std::string string_field(const nlohmann::json& doc, const char* key, const std::string& fallback);

}  // namespace checkride
