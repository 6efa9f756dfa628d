// The scenario loader on arbitrary YAML (written to a file, as users give it), the world-file
// loader (replay --world) and the control API's fault-rule parser on the same text.
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "protocol/input_error.h"
#include "scenario/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path =
      "/tmp/checkride-fuzz-scenario-" + std::to_string(getpid()) + ".yaml";
  const std::string text(reinterpret_cast<const char*>(data), size);
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << text;
  }
  try {
    checkride::load_scenario(path, {"workload.sessions=3"});
  } catch (const checkride::InputError&) {
  }
  try {
    checkride::Scenario world = checkride::default_scenario();
    checkride::load_world_file(world, path);
    checkride::check_existing_bookings(world);
  } catch (const checkride::InputError&) {
  }
  try {
    checkride::parse_fault_rules(text, "fuzz");
  } catch (const checkride::InputError&) {
  }
  return 0;
}
