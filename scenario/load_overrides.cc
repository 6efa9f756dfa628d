// --set key.path=value: a change to the scenario document before it is read.
#include <charconv>
#include <vector>

#include "scenario/scenario_sections.h"

namespace checkride {
namespace {

// One step of a --set path: a key, then any number of [index] into lists ("faults[0]").
struct PathStep {
  std::string key;
  std::vector<std::size_t> indices;
};

PathStep parse_path_step(const std::string& part, const std::string& path) {
  PathStep step;
  std::size_t bracket = part.find('[');
  step.key = part.substr(0, bracket);
  if (step.key.empty()) throw InputError("--set", 0, path, "empty path component");
  while (bracket != std::string::npos) {
    std::size_t close = part.find(']', bracket);
    std::size_t index = 0;
    const char* b = part.data() + bracket + 1;
    const char* e = part.data() + (close == std::string::npos ? part.size() : close);
    auto [p, ec] = std::from_chars(b, e, index);
    if (close == std::string::npos || b == e || ec != std::errc() || p != e) {
      throw InputError("--set", 0, path, "expected key[N] with a list index N >= 0");
    }
    step.indices.push_back(index);
    bracket = close + 1 < part.size() ? part.find('[', close + 1) : std::string::npos;
    if (bracket == std::string::npos && close + 1 < part.size()) {
      throw InputError("--set", 0, path, "expected key[N] with a list index N >= 0");
    }
  }
  return step;
}

// The list item a path names; it must exist: --set changes a scenario, it does not grow one.
YAML::Node list_item(YAML::Node list, std::size_t index, const std::string& path) {
  if (!list.IsSequence()) throw InputError("--set", 0, path, "not a list in this scenario");
  if (index >= list.size()) {
    throw InputError("--set", 0, path,
                     "index " + std::to_string(index) + " is past the end of a list of " +
                         std::to_string(list.size()));
  }
  return list[index];
}

}  // namespace

void apply_override(YAML::Node root, const std::string& assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw InputError("--set", 0, assignment, "expected key.path=value");
  }
  std::string key = assignment.substr(0, eq);
  YAML::Node value;
  try {
    value = YAML::Load(assignment.substr(eq + 1));
  } catch (const YAML::Exception& e) {
    throw InputError("--set", 0, key, "value is not valid YAML: " + e.msg);
  }
  // yaml-cpp nodes are references: assigning one Node to another writes through it, so each
  // step down the path is a new Node in `chain`, never an assignment.
  std::vector<YAML::Node> chain{root};
  std::size_t start = 0;
  while (true) {
    auto dot = key.find('.', start);
    PathStep step = parse_path_step(
        key.substr(start, dot == std::string::npos ? std::string::npos : dot - start), key);
    if (!chain.back().IsMap() && chain.back().IsDefined() && !chain.back().IsNull()) {
      throw InputError("--set", 0, key, "'" + step.key + "' is not under a mapping");
    }
    const bool last = dot == std::string::npos;
    if (step.indices.empty()) {
      if (last) {
        chain.back()[step.key] = value;
        return;
      }
      chain.push_back(chain.back()[step.key]);
    } else {
      chain.push_back(chain.back()[step.key]);
      for (std::size_t k = 0; k + 1 < step.indices.size(); ++k) {
        chain.push_back(list_item(chain.back(), step.indices[k], key));
      }
      const std::size_t index = step.indices.back();
      YAML::Node item = list_item(chain.back(), index, key);
      if (last) {
        chain.back()[index] = value;
        return;
      }
      chain.push_back(item);
    }
    start = dot + 1;
  }
}

}  // namespace checkride
