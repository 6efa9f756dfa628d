// The cassette parser on arbitrary JSONL: an InputError naming the line, or a cassette whose
// reference substitutions all apply to their own params the way a replay applies them.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "protocol/cassette.h"
#include "protocol/input_error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  checkride::Cassette c;
  try {
    c = checkride::parse_cassette(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
  } catch (const checkride::InputError&) {
    return 0;
  }
  for (const auto& session : c.sessions) {
    for (const auto& step : session.steps) {
      if (step.substitutions.empty()) continue;
      nlohmann::json copy = *step.params;
      // Throws (and so ends the fuzz run) when a pointer does not name a place in params.
      for (const auto& [pointer, from] : step.substitutions) {
        copy.at(nlohmann::json::json_pointer(pointer)) = "ord_" + std::to_string(from);
      }
    }
  }
  return 0;
}
