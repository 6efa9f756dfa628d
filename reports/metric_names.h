#pragma once
#include <set>
#include <string>
#include <string_view>

namespace checkride {

// Every metric a checkride report (run, replay, sweep or drive) can hold: the names that
// `expect:` gates and `diff --thresholds` rules may use. A name outside this set would gate
// nothing, so it is refused rather than silently skipped. docs/metrics.md defines each one.
const std::set<std::string>& known_metrics();
bool is_known_metric(std::string_view name);
// The known metric closest to `name` by edit distance (ties: the first in sorted order).
std::string nearest_metric(std::string_view name);
// "unknown metric 'completion_rat'; did you mean 'completion_rate'? (docs/metrics.md)"
std::string unknown_metric_message(std::string_view name);

}  // namespace checkride
