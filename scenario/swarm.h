#pragma once
#include "scenario/scenario.h"

namespace checkride {

// Swarm testing (TigerBeetle's): the seed alone draws which fault rules are on and how often
// each strikes, zero included, so a sweep tries many mixes of faults and one seed
// reproduces alone. A rule that is off keeps its index, so no other rule's draws shift.
// Rules with a probability get a rate from a tenth to three times theirs (capped at 1); a
// timed or nth-step crash is only switched on or off. Marks the scenario as swarmed.
void apply_swarm(Scenario& scenario);

}  // namespace checkride
