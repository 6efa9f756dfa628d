#pragma once
#include <vector>

#include "orchestrator/action_catalog.h"
#include "scenario/compiled_template.h"
#include "scenario/scenario.h"

namespace checkride {

// Compiles the cassettes a scenario's mix names (each parsed once).
// Each template's `name` is prefixed by its mix entry index ("0:"), so ranges are known.
std::vector<CompiledTemplate> compile_templates(const Scenario& scenario,
                                                const ActionCatalog& actions);

}  // namespace checkride
