#include "scenario/id_bindings.h"

#include <map>
#include <string>

#include "protocol/json_input.h"

namespace checkride {
namespace {

// The ids a creating call's recorded result hands back.
std::vector<std::string> new_ids(const ActionSpec& spec, const nlohmann::json& result) {
  std::vector<std::string> out;
  if (!spec.result_id.empty()) {
    const nlohmann::json* id = field_at(result, spec.result_id);
    if (id != nullptr && id->is_string() && !id->get<std::string>().empty()) {
      out.push_back(id->get<std::string>());
    }
    return out;
  }
  if (!result.is_object()) return out;
  for (const char* key : {"reference", "order_id", "booking_id", "reservation_id", "id"}) {
    auto it = result.find(key);
    if (it != result.end() && it->is_string() && !it->get<std::string>().empty()) {
      out.push_back(it->get<std::string>());
    }
  }
  return out;
}

}  // namespace

void bind_recorded_ids(std::vector<CassetteStep>& steps, const ActionCatalog& actions) {
  std::map<std::string, int> made;  // recorded id -> the step that made it
  for (std::size_t i = 0; i < steps.size(); ++i) {
    CassetteStep& step = steps[i];
    if (step.kind != CassetteStep::Kind::kAction) continue;
    step.substitutions.clear();
    if (step.params && step.params->is_object()) {
      find_id_uses(*step.params, "", made, step.substitutions);
    }
    const ActionSpec* spec = actions.find(step.action);
    if (spec == nullptr || !creates_new_object(spec->handler) || !step.recorded_result ||
        !is_success(step.recorded)) {
      continue;
    }
    for (const auto& id : new_ids(*spec, *step.recorded_result)) {
      made[id] = static_cast<int>(i);
    }
  }
}

}  // namespace checkride
