#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace checkride {

// `report merge DIR... --out DIR`: adds up the shard reports (NAME.shard-I-of-N.sweep.json)
// found in the directories (or any sweep report named as a file) into the one unsharded sweep's
// NAME.sweep.{json,md}, byte-identical to running the sweep unsharded. Every shard of the
// count must be there once, and every seed of the range run: a merge of some shards would
// pass on seeds never run. 0 when every seed met its gates, 1 when one failed, 2 on bad
// input (a shard missing or twice, of another sweep, or not a sweep report).
// With `html`, also the merged sweep's page, NAME.sweep.html.
int run_report_merge(const std::vector<std::string>& inputs, const std::string& out_dir, bool html,
                     std::ostream& out, std::ostream& err);

}  // namespace checkride
