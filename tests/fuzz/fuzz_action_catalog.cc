// The action catalog loader, schema compilation included, then each action's schema applied
// to a few params (and a lookup's `describes:` mapping to them as results): an InputError
// naming the field, or a catalog that validates.
#include <cstdint>
#include <string>

#include "orchestrator/action_catalog.h"
#include "protocol/input_error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto catalog = checkride::ActionCatalog::from_yaml_text(
        std::string(reinterpret_cast<const char*>(data), size), "fuzz");
    const nlohmann::json samples[] = {nlohmann::json::object(),
                                      {{"items", {{{"sku", "A"}, {"quantity", 1}}}}},
                                      {{"query", "x"}, {"passengers", {1, 2}}}};
    std::string error;
    for (const auto& [name, spec] : catalog.actions()) {
      for (const auto& params : samples) {
        catalog.validate(spec, params, error);
        checkride::HandlerInput input;
        catalog.map_inputs(spec, params, input, error);
        catalog.map_result(spec, params, input, error);  // a lookup's `describes:` mapping
      }
    }
  } catch (const checkride::InputError&) {
  }
  return 0;
}
