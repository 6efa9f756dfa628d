// The action payload as it arrives at POST /v1/actions: decode, then the catalog's checks
// (schema validation, param mapping, PAN refusal). Bad input is a refusal, never a crash.
// Whatever decodes writes back as drive's text form byte for byte as the JSON form does.
#include <cstdint>
#include <string>

#include "orchestrator/action_catalog.h"
#include "protocol/action_wire.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  checkride::WireAction action;
  std::string error;
  if (!checkride::parse_wire_action(body, action, error)) return 0;
  // drive writes actions as text, with each step's params dumped once: the same bytes.
  const std::string params = action.params ? action.params->dump() : "{}";
  if (checkride::wire_action_text(action, params) != checkride::wire_action_json(action).dump()) {
    __builtin_trap();
  }
  const auto& catalog = checkride::ActionCatalog::default_catalog();
  const checkride::ActionSpec* spec = catalog.find(action.action);
  if (spec == nullptr || !action.params) return 0;
  checkride::contains_pan(*action.params);
  if (!catalog.validate(*spec, *action.params, error)) return 0;
  checkride::HandlerInput input;
  catalog.map_inputs(*spec, *action.params, input, error);
  return 0;
}
