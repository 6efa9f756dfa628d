// Drive runs of the worked examples through a WireRig: one task's sessions of a shipped
// cassette, or a cassette of the test's own, in the example's world with additions.
#pragma once
#include <fstream>
#include <sstream>
#include <string>

#include "wire_rig.h"

namespace checkride {

// Replaces the fakes' fault rules with `faults` (a JSON list's text); false, with a failure
// added, when the control API does not take them.
inline bool set_faults(WireRig& rig, const std::string& faults) {
  httplib::Client(rig.fakes->url("control")).Delete("/__checkride/faults");
  json added = rig.control_post("/__checkride/faults", faults);
  EXPECT_TRUE(added.contains("faults")) << added.dump();
  return added.contains("faults");
}

// Drives 6 sessions of the cassette `cassette` (its text) through the rig, as `name`, and
// returns drive's report (null, with a failure added, when it wrote none).
inline json drive_cassette(WireRig& rig, const std::string& name, const std::string& cassette) {
  DriveOptions o = rig.drive(6, 40);
  o.cassette = testing::write_temp(rig.dir, name + ".jsonl", cassette);
  std::ostringstream out, err;
  int rc = run_drive(o, out, err);  // 1: the scenario's gates on what this drive leaves out
  EXPECT_NE(rc, 2) << err.str();
  EXPECT_NE(rc, 3) << err.str();
  std::ifstream f(o.out_dir + "/" + name + ".drive.json");
  if (!f) {
    ADD_FAILURE() << "no report";
    return json();
  }
  return json::parse(f);
}

// Drives 6 sessions of a worked example's task `task` (all its trials; `example`:
// "airline-support" or "retail-support") through the rig and returns drive's report (null,
// with a failure added, when it wrote none).
inline json drive_example_task(WireRig& rig, const std::string& example, int task) {
  std::istringstream lines(
      testing::read_text(testing::source_path("scenarios/cassettes/" + example + ".jsonl")));
  const std::string session = "\"session\":\"" + std::to_string(task) + ":";
  std::string cassette, line;
  for (bool header = true; std::getline(lines, line); header = false) {
    if (header) {  // the copy lives elsewhere: it names the catalog where it is
      const std::string from = "../catalogs/" + example + ".yaml";
      line.replace(line.find(from), from.size(),
                   testing::source_path("scenarios/catalogs/" + example + ".yaml"));
    }
    if (header || line.find(session) != std::string::npos) cassette += line + "\n";
  }
  return drive_cassette(rig, "task" + std::to_string(task), cassette);
}

inline json drive_airline_task(WireRig& rig, int task) {
  return drive_example_task(rig, "airline-support", task);
}

// A worked example's scenario, its paths made absolute, in the world `world` (its text): the
// scenario file's path (under `dir`).
inline std::string example_with_world(const std::string& dir, const std::string& example,
                                      const std::string& world) {
  std::string scenario = testing::read_text(testing::source_path("scenarios/" + example + ".yaml"));
  for (const std::string dir_name : {"catalogs/", "cassettes/"}) {
    const std::string from = " " + dir_name;
    scenario.replace(scenario.find(from), from.size(),
                     " " + testing::source_path("scenarios/" + dir_name));
  }
  const std::string from = "catalog: worlds/" + example + ".yaml";
  scenario.replace(scenario.find(from), from.size(),
                   "catalog: " + testing::write_temp(dir, "world.yaml", world));
  return testing::write_temp(dir, example + ".yaml", scenario);
}

// The same in the example's own world with `extra` appended.
inline std::string example_in_world(const std::string& dir, const std::string& example,
                                    const std::string& extra) {
  return example_with_world(
      dir, example,
      testing::read_text(testing::source_path("scenarios/worlds/" + example + ".yaml")) + extra);
}

}  // namespace checkride
