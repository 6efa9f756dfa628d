#include "scenario/template_mix.h"

#include <string>

namespace checkride {

TemplateMix::TemplateMix(const Scenario& scenario, std::vector<CompiledTemplate>& templates) {
  for (std::size_t m = 0; m < scenario.mix.size(); ++m) {
    Range range{scenario.mix[m].weight, 0, 0};
    std::string prefix = std::to_string(m) + ":";
    for (uint32_t i = 0; i < templates.size(); ++i) {
      if (templates[i].name.rfind(prefix, 0) == 0) {
        if (range.count == 0) range.first = i;
        ++range.count;
      }
    }
    if (range.count > 0) {
      ranges_.push_back(range);
      total_weight_ += range.weight;
    }
  }
  for (auto& t : templates) t.name = t.name.substr(t.name.find(':') + 1);
}

}  // namespace checkride
