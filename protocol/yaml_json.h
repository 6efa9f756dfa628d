#pragma once
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

namespace checkride {

// YAML to JSON with plain scalars typed as YAML 1.2 core schema does (int, float, bool,
// null); quoted scalars stay strings. Used for JSON Schemas and params written in YAML.
nlohmann::json yaml_to_json(const YAML::Node& node);

}  // namespace checkride
