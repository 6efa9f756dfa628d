#pragma once
#include "orchestrator/action_catalog.h"
#include "protocol/cassette.h"
#include "scenario/scenario.h"

namespace checkride {

// Without a scenario, a replay still needs a world that holds what the recording names:
// every SKU, offer and coupon its actions mention, with ample stock. Prices come from the
// recorded totals (total / quantity of a single-SKU order, total / seats of a booking), so a
// total the model confirmed still matches; anything unpriced costs 10.00. Coupons take
// nothing off, since the recorded totals already include any discount.
// What the scenario already holds (from a world file) is kept, and not inferred again. A
// lookup whose catalog entry `describes:` a booking adds the booking its recorded result
// describes, for the session's user (a reservation-details lookup before a cancel).
// A stored-value instrument a recorded payment used holds what the successful ones took.
// Returns what it added, one line each, for the report.
std::vector<std::string> infer_world(const Cassette& cassette, const ActionCatalog& actions,
                                     Scenario& scenario);

}  // namespace checkride
