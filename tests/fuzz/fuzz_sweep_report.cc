// `report merge` reads shard reports other machines wrote: on arbitrary bytes, an
// InputError naming the field, or a sweep report that writes back to the same JSON and
// refuses to be merged with itself (every seed twice).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "protocol/input_error.h"
#include "protocol/json_input.h"
#include "reports/sweep_report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json j = checkride::parse_json_or_discarded(
      std::string_view(reinterpret_cast<const char*>(data), size));
  if (j.is_discarded()) return 0;
  checkride::SweepReport s;
  try {
    s = checkride::SweepReport::from_json(j, "fuzz");
  } catch (const checkride::InputError&) {
    return 0;
  }
  nlohmann::json again = s.to_json();
  // What was read writes back as it reads: a second round trip changes nothing.
  if (checkride::SweepReport::from_json(again, "fuzz").to_json() != again) __builtin_trap();
  s.to_markdown();
  s.seed_reports();
  try {
    checkride::SweepReport copy = s;
    copy.merge(s, "fuzz");
    if (!s.runs().empty()) __builtin_trap();  // the same seeds twice must be refused
  } catch (const checkride::InputError&) {
  }
  return 0;
}
