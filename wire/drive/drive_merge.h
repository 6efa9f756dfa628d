#pragma once
#include <iosfwd>
#include <string>
#include <vector>

#include "wire/drive/drive_result.h"

namespace checkride {

// Whether the inputs of `report merge` name drive shards (NAME.shard-I-of-N.json, or a folder
// holding one) rather than a sweep's.
bool names_drive_shards(const std::vector<std::string>& inputs);

// `report merge` of a drive's shards: every shard of the count once, all of one drive (same
// scenario and load, same fakes world). Their histograms add bucket by bucket and their
// counters add up; the union of their sessions goes to the fakes' control API (the shards'
// own, or `control` when its url is set), whose checkers judge it over the one world the
// shards drove. Writes NAME.{json,md,run.json} in `out_dir`. 0 gates met, 1 a gate failed,
// 2 bad input (a shard missing or twice, of another drive, not a shard file), 3 the fakes
// could not be reached or hold another world than the shards drove (restarted or reset).
int run_drive_merge(const std::vector<std::string>& inputs, const std::string& out_dir,
                    const ControlLink& control, bool quiet, std::ostream& out, std::ostream& err);

}  // namespace checkride
