#include "orchestrator/params_schema.h"

#include <regex>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>

#include "protocol/user_regex.h"

namespace checkride {
namespace {

// Deeper than any real tool's params; keeps valijson's recursive parser off the stack limit.
constexpr int kMaxSchemaDepth = 64;

// Keywords whose value is a subschema, or an object or array of them.
bool subschema_keyword(const std::string& key) {
  for (const char* k : {"properties", "patternProperties", "definitions", "$defs", "items",
                        "additionalItems", "additionalProperties", "allOf", "anyOf", "oneOf", "not",
                        "if", "then", "else", "contains", "propertyNames", "dependencies"}) {
    if (key == k) return true;
  }
  return false;
}

std::string escape_pointer(const std::string& key) {
  std::string out;
  for (char c : key) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return out;
}

// Depth and `pattern`s first: both would otherwise surface late (a stack overflow, or a
// regex_error the first time params are validated).
bool check_shape(const nlohmann::json& node, const std::string& path, int depth, std::string& where,
                 std::string& error) {
  if (depth > kMaxSchemaDepth) {
    where = path;
    error = "nested deeper than " + std::to_string(kMaxSchemaDepth) + " levels";
    return false;
  }
  if (node.is_object()) {
    auto pattern = node.find("pattern");
    if (pattern != node.end() && pattern->is_string()) {
      std::regex check;
      if (!compile_user_regex(pattern->get<std::string>(), std::regex::ECMAScript, check, error)) {
        where = path + "/pattern";
        return false;
      }
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!check_shape(it.value(), path + "/" + escape_pointer(it.key()), depth + 1, where,
                       error)) {
        return false;
      }
    }
  } else if (node.is_array()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      if (!check_shape(node[i], path + "/" + std::to_string(i), depth + 1, where, error)) {
        return false;
      }
    }
  }
  return true;
}

bool parses(const nlohmann::json& schema, std::shared_ptr<valijson::Schema>& out,
            std::string& error) {
  auto compiled = std::make_shared<valijson::Schema>();
  try {
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(schema);
    parser.populateSchema(adapter, *compiled);
  } catch (const std::exception& e) {
    error = e.what();
    return false;
  }
  out = std::move(compiled);
  return true;
}

// The deepest subschema that fails on its own with the same message: where the mistake is.
std::string locate(const nlohmann::json& schema, const std::string& path,
                   const std::string& message) {
  if (!schema.is_object()) return path;
  for (auto it = schema.begin(); it != schema.end(); ++it) {
    if (!subschema_keyword(it.key())) continue;
    const std::string base = path + "/" + escape_pointer(it.key());
    std::vector<std::pair<std::string, const nlohmann::json*>> children;
    const nlohmann::json& v = it.value();
    const bool map_of_schemas = it.key() == "properties" || it.key() == "patternProperties" ||
                                it.key() == "definitions" || it.key() == "$defs" ||
                                it.key() == "dependencies";
    if (v.is_object() && map_of_schemas) {
      for (auto c = v.begin(); c != v.end(); ++c) {
        children.emplace_back(base + "/" + escape_pointer(c.key()), &c.value());
      }
    } else if (v.is_array()) {
      for (std::size_t i = 0; i < v.size(); ++i)
        children.emplace_back(base + "/" + std::to_string(i), &v[i]);
    } else {
      children.emplace_back(base, &v);
    }
    for (const auto& [child_path, child] : children) {
      std::shared_ptr<valijson::Schema> unused;
      std::string child_error;
      if (child->is_object() && !parses(*child, unused, child_error) && child_error == message) {
        return locate(*child, child_path, message);
      }
    }
  }
  return path;
}

}  // namespace

std::shared_ptr<valijson::Schema> compile_params_schema(const nlohmann::json& schema,
                                                        std::string& path, std::string& error) {
  if (!check_shape(schema, "", 0, path, error)) return nullptr;
  std::shared_ptr<valijson::Schema> compiled;
  if (parses(schema, compiled, error)) return compiled;
  path = locate(schema, "", error);
  return nullptr;
}

}  // namespace checkride
