#pragma once
#include <vector>

#include "orchestrator/action_catalog.h"
#include "protocol/cassette.h"

namespace checkride {

// Binds the ids later calls use to the step whose answer made them, so a replay rewrites
// them with the sandbox's own. Only a call that creates an object (an order, a booking)
// hands back a new id: a result that names something that existed before (an address
// change's order id) keeps that id, which the world holds as it is, and is never replaced by
// the reference of the change that touched it. The catalog's `result_id:` says where a
// creating call's result names the new id, under any name; else `reference`, `order_id`,
// `booking_id`, `reservation_id` or `id`. Replaces each step's substitutions.
void bind_recorded_ids(std::vector<CassetteStep>& steps, const ActionCatalog& actions);

}  // namespace checkride
