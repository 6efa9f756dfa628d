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

// Per step of the template (confirms and lookups are neither writes nor stated).
std::vector<StepMoney> recorded_money_of(const CompiledTemplate& t, const ActionCatalog& actions);

// Whether an action of this handler can move money (charges, refunds, credits).
bool moves_money(const ActionSpec& spec);

}  // namespace checkride
