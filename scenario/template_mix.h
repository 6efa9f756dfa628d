#pragma once
#include <cstdint>
#include <vector>

#include "protocol/invariant.h"
#include "scenario/compiled_template.h"
#include "scenario/rng.h"
#include "scenario/scenario.h"

namespace checkride {

// The scenario's workload.mix over compiled templates: a weighted pick of a mix entry, then
// one of that cassette's sessions. Shared by the simulator and `drive`, so both draw the
// same sessions from the same seed.
class TemplateMix {
 public:
  // compile_templates prefixes each template name with its mix entry ("N:"); this reads the
  // prefixes into ranges and strips them.
  TemplateMix(const Scenario& scenario, std::vector<CompiledTemplate>& templates);

  uint32_t pick(Stream& stream) const {
    uint64_t r = stream.below(static_cast<uint64_t>(total_weight_));
    const Range* range = &ranges_.front();
    for (const auto& m : ranges_) {
      if (r < static_cast<uint64_t>(m.weight)) {
        range = &m;
        break;
      }
      r -= static_cast<uint64_t>(m.weight);
    }
    CHECKRIDE_INVARIANT(r < static_cast<uint64_t>(range->weight), "a draw lands in one range");
    return range->first + static_cast<uint32_t>(stream.below(range->count));
  }

 private:
  struct Range {
    int64_t weight;
    uint32_t first;
    uint32_t count;
  };
  std::vector<Range> ranges_;  // per workload.mix entry, its templates
  int64_t total_weight_ = 0;
};

}  // namespace checkride
