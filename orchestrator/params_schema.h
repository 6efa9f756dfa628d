#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace valijson {
class Schema;
}

namespace checkride {

// An action's params schema, compiled once at catalog load. A schema valijson cannot take
// (an unknown type name, a non-string in `required`, a `pattern` that is no regular
// expression, nesting past a sane depth) is refused with where it is: `path` gets the JSON
// pointer of the offending subschema inside `params`, `error` what is wrong there.
std::shared_ptr<valijson::Schema> compile_params_schema(const nlohmann::json& schema,
                                                        std::string& path, std::string& error);

}  // namespace checkride
