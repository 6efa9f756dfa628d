// `report merge` reads drive shard files other machines wrote: on arbitrary bytes, an
// InputError naming the field, or a shard that writes back as it reads and adds up with
// itself (counts doubled, never wrapped).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "protocol/input_error.h"
#include "protocol/json_input.h"
#include "wire/drive/drive_shard.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json j = checkride::parse_json_or_discarded(
      std::string_view(reinterpret_cast<const char*>(data), size));
  if (j.is_discarded()) return 0;
  checkride::DriveShard s;
  try {
    s = checkride::parse_drive_shard(j, "fuzz");
  } catch (const checkride::InputError&) {
    return 0;
  }
  nlohmann::json again = checkride::drive_shard_json(s);
  if (checkride::drive_shard_json(checkride::parse_drive_shard(again, "fuzz")) != again) {
    __builtin_trap();  // what was read writes back as it reads
  }
  checkride::DriveResult twice = s.result;
  twice.add(s.result);
  if (twice.sessions.size() != 2 * s.result.sessions.size()) __builtin_trap();
  if (twice.played < s.result.played) __builtin_trap();  // a sum stops at the top
  for (const auto& [name, h] : twice.latency) {
    if (h.count() < s.result.latency.at(name).count()) __builtin_trap();
  }
  return 0;
}
