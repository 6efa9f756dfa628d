// The money side of a replay's verdict: what each recorded call states it moved (through the
// catalog's `money:`), for comparison with what the sandbox's ledgers moved for that call.
#pragma once
#include <vector>

#include "orchestrator/action_catalog.h"
#include "protocol/money_tally.h"
#include "scenario/compiled_template.h"

namespace checkride {

struct StepMoney {
  bool write = false;   // a call the recording says succeeded, of a kind that can move money
  bool stated = false;  // its recorded result states what moved (the catalog's money:)
  MoneyTally recorded;
};

// The tools' names for stored value, from every action's map: a refund's result names the
// gift card even where the refunding action maps no payment.
std::vector<std::string> stored_value_prefixes(const ActionCatalog& actions);

// Per step of the template (confirms and lookups are neither writes nor stated), naming
// instruments by `names` (read once per replay).
std::vector<StepMoney> recorded_money_of(const CompiledTemplate& t, const ActionCatalog& actions,
                                         const InstrumentNames& names);

// Whether an action of this handler can move money (charges, refunds, credits).
bool moves_money(const ActionSpec& spec);

}  // namespace checkride
