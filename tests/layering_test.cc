// The tree shows the architecture: includes point down only,
//   protocol/ <- {orchestrator/, fakes/, recorder/, reports/} <- scenario/ <- {simulator/, wire/}
//   <- cli/
// The two hosts, simulator/ and wire/, stand side by side on what they share (scenario/) and
// never include each other.
// This test reads every non-test source file's includes and names each one that points up or
// sideways. Set CHECKRIDE_LAYERING_ROOT to check another checkout.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "test_support.h"

namespace checkride {
namespace {

namespace fs = std::filesystem;

// Floor of each top-level folder that holds production code. A file may include its own
// folder or any folder on a lower floor; folders on the same floor do not include each other.
// bench/ is a host beside cli/: it may use everything below, not the binary.
const std::map<std::string, int>& floors() {
  static const std::map<std::string, int> kFloors = {
      {"protocol", 0}, {"orchestrator", 1}, {"fakes", 1}, {"recorder", 1}, {"reports", 1},
      {"scenario", 2}, {"simulator", 3},    {"wire", 3},  {"cli", 4},      {"bench", 4},
  };
  return kFloors;
}

// Folders that hold no production code and are not scanned.
bool skipped_folder(const std::string& name) {
  return name == "tests" || name == "scenarios" || name == "docs" || name == "ci" ||
         name == "node_modules" || name.rfind("build", 0) == 0 || name.rfind('.', 0) == 0;
}

bool source_file(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".cc" || ext == ".h" || ext == ".cpp" || ext == ".hpp";
}

std::string top_folder(const std::string& relative) {
  return relative.substr(0, relative.find('/'));
}

struct LayeringScan {
  std::vector<std::string> violations;
  int files = 0;
  int project_includes = 0;
};

// Why `from` may not include `to`, or nothing when it may.
std::optional<std::string> forbidden(const std::string& from, const std::string& to) {
  if (from == to) return std::nullopt;
  const int from_floor = floors().at(from);
  const int to_floor = floors().at(to);
  if (to_floor < from_floor) return std::nullopt;
  if (to_floor == from_floor) return "sideways: " + from + "/ and " + to + "/ share a floor";
  return "up: " + to + "/ sits above " + from + "/";
}

void scan_file(const fs::path& root, const fs::path& file, LayeringScan& scan,
               const std::set<std::string>& top_folders) {
  const std::string relative = fs::relative(file, root).generic_string();
  const std::string from = top_folder(relative);
  ++scan.files;
  if (!floors().count(from)) {
    scan.violations.push_back(relative + ": " + from + "/ is on no floor of the layering");
    return;
  }
  static const std::regex kInclude(R"re(^\s*#\s*include\s*"([^"]+)")re");
  std::ifstream in(file);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::smatch m;
    if (!std::regex_search(line, m, kInclude)) continue;
    const std::string target = m[1].str();
    const std::string to = top_folder(target);
    const bool project = floors().count(to) || top_folders.count(to);
    if (target.find('/') == std::string::npos || !project) continue;  // an external header
    ++scan.project_includes;
    const std::string where = relative + ":" + std::to_string(number) + " includes " + target;
    if (!floors().count(to)) {
      scan.violations.push_back(where + ": " + to + "/ is on no floor of the layering");
    } else if (auto why = forbidden(from, to)) {
      scan.violations.push_back(where + ": " + *why);
    }
  }
}

LayeringScan scan_tree(const fs::path& root) {
  std::set<std::string> top_folders;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (entry.is_directory()) top_folders.insert(entry.path().filename().string());
  }
  std::vector<fs::path> files;
  for (const std::string& folder : top_folders) {
    if (skipped_folder(folder)) continue;
    auto it = fs::recursive_directory_iterator(root / folder);
    for (auto end = fs::recursive_directory_iterator(); it != end; ++it) {
      const std::string name = it->path().filename().string();
      if (it->is_directory() && (name == "node_modules" || name.rfind('.', 0) == 0)) {
        it.disable_recursion_pending();
      } else if (it->is_regular_file() && source_file(it->path())) {
        files.push_back(it->path());
      }
    }
  }
  std::sort(files.begin(), files.end());
  LayeringScan scan;
  for (const fs::path& f : files) scan_file(root, f, scan, top_folders);
  return scan;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += "  " + l + "\n";
  return out;
}

TEST(Layering, EveryIncludeInTheTreePointsDown) {
  const char* other = std::getenv("CHECKRIDE_LAYERING_ROOT");
  const fs::path root = other ? fs::path(other) : fs::path(CHECKRIDE_SOURCE_DIR);
  const LayeringScan scan = scan_tree(root);
  // A scan that read nothing would pass by accident.
  EXPECT_GE(scan.files, 100) << "scanned too few source files under " << root;
  EXPECT_GE(scan.project_includes, 200) << "found too few project includes under " << root;
  EXPECT_TRUE(scan.violations.empty())
      << scan.violations.size() << " include(s) against protocol <- {orchestrator, fakes, "
      << "recorder, reports} <- scenario <- {simulator, wire} <- cli:\n"
      << joined(scan.violations);
}

TEST(Layering, WhatBothHostsShareLivesInScenario) {
  for (const char* shared : {"scenario.h", "fault_plan.h", "fault_applier.h", "checkers.h",
                             "compiled_template.h", "evidence.h", "rng.h", "latency.h"}) {
    EXPECT_TRUE(fs::exists(testing::source_path(std::string("scenario/") + shared))) << shared;
    EXPECT_FALSE(fs::exists(testing::source_path(std::string("simulator/") + shared))) << shared;
  }
}

TEST(Layering, TheThreeWireHostsLiveUnderWire) {
  for (const char* old : {"fakes/wire", "orchestrator/service", "drive"}) {
    EXPECT_FALSE(fs::exists(testing::source_path(old))) << old << " should live under wire/";
  }
  for (const char* host : {"wire/fakes", "wire/orchestrator", "wire/drive"}) {
    EXPECT_TRUE(fs::is_directory(testing::source_path(host))) << host;
  }
}

void write_source(const fs::path& root, const std::string& relative, const std::string& text) {
  fs::create_directories((root / relative).parent_path());
  std::ofstream(root / relative) << text;
}

TEST(Layering, NamesEachIncludeThatPointsUpSidewaysOrOffTheFloors) {
  const fs::path root = testing::temp_dir("layering");
  write_source(root, "protocol/money.h", "#pragma once\n#include <string>\n");
  write_source(root, "fakes/wire/fake_state.h",
               "#pragma once\n#include \"protocol/money.h\"\n#include \"simulator/scenario.h\"\n");
  write_source(root, "orchestrator/saga.cc", "#include \"fakes/world.h\"\n");
  write_source(root, "scenario/scenario.h", "#include \"simulator/simulation.h\"\n");
  write_source(root, "simulator/ok.cc",
               "#include \"reports/report.h\"\n#include \"scenario/rng.h\"\n#include "
               "\"httplib.h\"\n");
  write_source(root, "wire/drive/drive.cc", "#include \"simulator/simulation.h\"\n");
  write_source(root, "drive/drive.cc", "#include \"scenario/rng.h\"\n");
  write_source(root, "cli/main.cc", "#include \"wire/drive/drive.h\"\n#include \"tests/x.h\"\n");
  write_source(root, "tests/x_test.cc", "#include \"cli/main.h\"\n");  // tests are not scanned

  const LayeringScan scan = scan_tree(root);
  EXPECT_EQ(scan.files, 8);
  EXPECT_EQ(joined(scan.violations),
            joined({
                "cli/main.cc:2 includes tests/x.h: tests/ is on no floor of the layering",
                "drive/drive.cc: drive/ is on no floor of the layering",
                "fakes/wire/fake_state.h:3 includes simulator/scenario.h: up: simulator/ sits "
                "above fakes/",
                "orchestrator/saga.cc:1 includes fakes/world.h: sideways: orchestrator/ and "
                "fakes/ share a floor",
                "scenario/scenario.h:1 includes simulator/simulation.h: up: simulator/ sits "
                "above scenario/",
                "wire/drive/drive.cc:1 includes simulator/simulation.h: sideways: wire/ and "
                "simulator/ share a floor",
            }));
}

}  // namespace
}  // namespace checkride
