#pragma once
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "reports/sweep_report.h"
#include "wire/drive/drive_result.h"

namespace checkride {

// One shard of a drive run across machines (`drive --shard I/N`): what it measured, kept in
// NAME.shard-I-of-N.json until `report merge` adds every shard up and asks the fakes, whose
// world all the shards drove, for the one ground-truth report.
struct DriveShard {
  ShardSpec shard;
  std::string identity;  // the scenario's (or cassette's) text and the load's shape, hashed
  std::string name;      // the merged report's file stem
  std::string control;   // the fakes' control API the shard drove against
  std::string world;     // the id of the fakes' world it drove (GET /__checkride/health)
  DriveResult result;
};

nlohmann::json drive_shard_json(const DriveShard& shard);
// Throws InputError naming `file` and the field on anything but a shard file's shape.
DriveShard parse_drive_shard(const nlohmann::json& doc, const std::string& file);

// "NAME.shard-I-of-N.json".
std::string drive_shard_file_name(const std::string& name, const ShardSpec& shard);
// Whether a file name has that form (a sweep's shard, NAME.shard-I-of-N.sweep.json, does not).
bool is_drive_shard_file_name(const std::string& file_name);

}  // namespace checkride
