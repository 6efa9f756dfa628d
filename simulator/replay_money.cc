#include "simulator/replay_money.h"

#include <algorithm>

namespace checkride {

bool moves_money(const ActionSpec& spec) {
  switch (spec.handler) {
    case Handler::kSearchCatalog:
    case Handler::kPreviewOrder:
    case Handler::kSearchAvailability:
    case Handler::kFindBooking:
    case Handler::kLookup:
      return false;
    case Handler::kChangeBooking:  // names, passengers: no money unless it says it charges
    case Handler::kChangeOrder:    // an address
      return spec.charge;
    default:
      return true;
  }
}

std::vector<std::string> stored_value_prefixes(const ActionCatalog& actions) {
  std::vector<std::string> prefixes;
  for (const auto& [name, spec] : actions.actions()) {
    for (const auto& p : spec.mapping.stored_value_prefixes) {
      if (std::find(prefixes.begin(), prefixes.end(), p) == prefixes.end()) prefixes.push_back(p);
    }
  }
  return prefixes;
}

std::vector<StepMoney> recorded_money_of(const CompiledTemplate& t, const ActionCatalog& actions,
                                         const InstrumentNames& names) {
  std::vector<StepMoney> out(t.steps.size());
  std::vector<const nlohmann::json*> earlier;  // the session's recorded results so far
  for (std::size_t i = 0; i < t.steps.size(); ++i) {
    const CassetteStep& step = t.steps[i];
    if (step.kind != CassetteStep::Kind::kAction) continue;
    const ActionSpec* spec = actions.find(step.action);
    if (spec != nullptr && moves_money(*spec) && is_success(step.recorded)) {
      out[i].write = true;
      RecordedCall call{step.params.get(), step.recorded_result.get(), earlier,
                        creates_new_object(spec->handler)};
      MoneyTally stated;
      out[i].stated = recorded_money(spec->money, call, actions.amount_scale(), names, stated);
      if (out[i].stated) out[i].recorded = stated;
    }
    if (step.recorded_result) earlier.push_back(step.recorded_result.get());
  }
  return out;
}

}  // namespace checkride
