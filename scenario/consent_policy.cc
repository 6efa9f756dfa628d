#include "scenario/consent_policy.h"

#include <memory>

#include "orchestrator/action_catalog.h"

namespace checkride {

TranscriptConverter::ChargeCeiling consent_ceiling(const std::string& catalog_path) {
  if (catalog_path.empty()) return {};
  auto catalog = std::make_shared<const ActionCatalog>(ActionCatalog::from_file(catalog_path));
  if (!catalog->consent_from_turn_before_call()) return {};
  return [catalog](const std::string& tool, const nlohmann::json& params) -> int64_t {
    const ActionSpec* spec = catalog->find(tool);
    if (spec == nullptr || !spec->charge) return -1;
    HandlerInput in;
    std::string error;
    if (!catalog->map_inputs(*spec, params, in, error)) return -1;
    return in.max_total;  // -1 when the call states no ceiling: no consent can be read
  };
}

int64_t catalog_amount_scale(const std::string& catalog_path) {
  if (catalog_path.empty()) return 1;
  return ActionCatalog::from_file(catalog_path).amount_scale();
}

}  // namespace checkride
