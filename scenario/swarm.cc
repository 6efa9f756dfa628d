#include "scenario/swarm.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "protocol/invariant.h"
#include "scenario/rng.h"

namespace checkride {
namespace {

constexpr double kOff = 0.25;  // the share of draws that switch a rule off

// A crash at a time or at the nth call of a step strikes once or not at all.
bool has_rate(const FaultRule& rule) { return rule.kind != FaultKind::kCrash; }

}  // namespace

void apply_swarm(Scenario& scenario) {
  scenario.swarm = true;
  for (std::size_t i = 0; i < scenario.faults.size(); ++i) {
    FaultRule& rule = scenario.faults[i];
    Stream draw(scenario.seed, "swarm:" + std::to_string(i));
    rule.active = draw.uniform() >= kOff;
    if (!rule.active || !has_rate(rule)) continue;
    double factor = std::pow(10.0, -1.0 + 1.5 * draw.uniform());  // 0.1x to 3.16x
    rule.probability = std::min(1.0, rule.probability * factor);
    CHECKRIDE_INVARIANT(rule.probability >= 0.0 && rule.probability <= 1.0,
                        "a swarm draw keeps a rate a probability");
  }
}

}  // namespace checkride
