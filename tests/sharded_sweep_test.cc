// A sweep that outgrows one machine: shards in separate processes, from each place a
// cluster names the shard, add up with `report merge` to exactly the unsharded sweep; a
// merge that lacks a shard, has one twice or mixes sweeps is refused; the progress line is
// for a terminal only, and NO_COLOR turns off its colour, not it.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/test_support.h"

namespace checkride {
namespace {

struct Ran {
  int code;
  std::string output;
};

Ran shell(const std::string& command) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  std::string output;
  char buf[4096];
  while (pipe && fgets(buf, sizeof buf, pipe)) output += buf;
  int status = pipe ? pclose(pipe) : -1;
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

const std::string kBinary = CHECKRIDE_BINARY;

std::string sweep(const std::string& scenario, const std::string& seeds) {
  return kBinary + " sweep " + testing::source_path(scenario) + " --seeds " + seeds + " -q";
}

TEST(ShardedSweep, FourShardsInSeparateProcessesMergeToExactlyTheUnshardedSweep) {
  const std::string dir = testing::temp_dir("sharded-sweep");
  // 400 sessions a seed: the lost responses strike in every seed, and 64 seeds stay quick
  // under the sanitizers.
  const std::string s =
      sweep("scenarios/lost-response-after-commit.yaml", "1..64") + " --set workload.sessions=400";
  Ran whole = shell(s + " --out " + dir + "/whole");
  ASSERT_EQ(whole.code, 0) << whole.output;
  // Each of the ways a cluster names the shard, each its own process, all at once.
  Ran shards = shell("(" + s + " --out " + dir + "/shards --shard 0/4 & " +  //
                     "CHECKRIDE_SHARD=1/4 " + s + " --out " + dir + "/shards & " +
                     "JOB_COMPLETION_INDEX=2 " + s + " --out " + dir + "/shards --shards 4 & " + s +
                     " --out " + dir + "/shards --shard 3/4 --jobs 2 & wait)");
  ASSERT_EQ(shards.code, 0) << shards.output;
  for (int i = 0; i < 4; ++i) {
    std::string shard =
        dir + "/shards/lost-response-after-commit.shard-" + std::to_string(i) + "-of-4";
    nlohmann::json j = nlohmann::json::parse(testing::read_text(shard + ".sweep.json"));
    EXPECT_EQ(j["runs"].size(), 16u) << shard;
    EXPECT_EQ(j["runs"][0]["seed"], 1 + i) << shard;
    EXPECT_EQ(j["shard"]["index"], i);
  }
  Ran merged = shell(kBinary + " report merge " + dir + "/shards --out " + dir + "/merged");
  ASSERT_EQ(merged.code, 0) << merged.output;
  EXPECT_NE(merged.output.find("merged 4 shard(s)"), std::string::npos) << merged.output;
  // Merging into the shards' own folder, twice: the first merge's file is not a shard.
  for (int twice = 0; twice < 2; ++twice) {
    Ran again = shell(kBinary + " report merge " + dir + "/shards --out " + dir + "/shards");
    EXPECT_EQ(again.code, 0) << again.output;
  }
  for (const char* ext : {".sweep.json", ".sweep.md"}) {
    std::string a =
        testing::read_text(dir + "/whole/lost-response-after-commit" + std::string(ext));
    std::string b =
        testing::read_text(dir + "/merged/lost-response-after-commit" + std::string(ext));
    ASSERT_FALSE(a.empty()) << ext;
    EXPECT_TRUE(a == b) << ext << " differs between the unsharded sweep and the merge";
  }
  // The totals are the seeds' own sums: 64 seeds of 400 sessions.
  nlohmann::json j = nlohmann::json::parse(
      testing::read_text(dir + "/merged/lost-response-after-commit.sweep.json"));
  EXPECT_EQ(j["runs"].size(), 64u);
  EXPECT_EQ(j["totals"]["metrics"]["sessions"], 64 * 400);
  EXPECT_EQ(j["totals"]["latency_ms"]["session"]["count"], 64 * 400);
  int64_t fired = 0;
  for (const auto& r : j["fault_coverage"]["rules"]) fired += r["fired"].get<int64_t>();
  EXPECT_GT(fired, 0);
}

TEST(ShardedSweep, AMergeThatLacksAShardHasOneTwiceOrMixesSweepsIsExitTwo) {
  const std::string dir = testing::temp_dir("sharded-sweep-bad");
  const std::string s =
      sweep("scenarios/happy-orders.yaml", "1..6") + " --set workload.sessions=40";
  for (int i = 0; i < 3; ++i) {
    Ran r = shell(s + " --out " + dir + "/a --shard " + std::to_string(i) + "/3");
    ASSERT_TRUE(r.code == 0 || r.code == 1) << r.output;  // 40 sessions may miss a gate
  }
  namespace fs = std::filesystem;
  fs::create_directories(dir + "/two");
  for (int i = 0; i < 2; ++i) {
    std::string f = "happy-orders.shard-" + std::to_string(i) + "-of-3.sweep.json";
    fs::copy_file(dir + "/a/" + f, dir + "/two/" + f);
  }
  Ran missing = shell(kBinary + " report merge " + dir + "/two --out " + dir + "/m");
  EXPECT_EQ(missing.code, 2) << missing.output;
  EXPECT_NE(missing.output.find("shard 2/3 is missing"), std::string::npos) << missing.output;

  Ran twice = shell(kBinary + " report merge " + dir + "/a " + dir + "/two --out " + dir + "/m");
  EXPECT_EQ(twice.code, 2) << twice.output;
  EXPECT_NE(twice.output.find("shard 0 again"), std::string::npos) << twice.output;

  // A shard of the same scenario with other overrides is another sweep.
  Ran other = shell(sweep("scenarios/happy-orders.yaml", "1..6") +
                    " --set workload.sessions=41 --out " + dir + "/b --shard 2/3");
  ASSERT_TRUE(other.code == 0 || other.code == 1) << other.output;
  Ran mixed = shell(kBinary + " report merge " + dir + "/two " + dir + "/b --out " + dir + "/m");
  EXPECT_EQ(mixed.code, 2) << mixed.output;
  EXPECT_NE(mixed.output.find("scenario_sha256"), std::string::npos) << mixed.output;

  const std::string junk_dir = testing::temp_dir("sharded-sweep-junk");
  testing::write_temp(junk_dir, "x.sweep.json", "{\"format\": \"checkride.sweep/v1\"}");
  Ran junk = shell(kBinary + " report merge " + junk_dir + " --out " + dir + "/m");
  EXPECT_EQ(junk.code, 2) << junk.output;
  EXPECT_NE(junk.output.find("holds no shard report"), std::string::npos) << junk.output;
  Ran junk_file =
      shell(kBinary + " report merge " + junk_dir + "/x.sweep.json --out " + dir + "/m");
  EXPECT_EQ(junk_file.code, 2) << junk_file.output;
  EXPECT_NE(junk_file.output.find("x.sweep.json: scenario: not a sweep report's field"),
            std::string::npos)
      << junk_file.output;
  EXPECT_FALSE(fs::exists(dir + "/m/happy-orders.sweep.json"));  // nothing half-written

  Ran bad_shard = shell(s + " --out " + dir + "/c --shard 3/3");
  EXPECT_EQ(bad_shard.code, 2) << bad_shard.output;
  EXPECT_NE(bad_shard.output.find("--shard: 3/3: expected I/N with 0 <= I < N"), std::string::npos)
      << bad_shard.output;
  Ran no_index = shell("env -u JOB_COMPLETION_INDEX " + s + " --out " + dir + "/c --shards 3");
  EXPECT_EQ(no_index.code, 2) << no_index.output;
  EXPECT_NE(no_index.output.find("JOB_COMPLETION_INDEX"), std::string::npos) << no_index.output;
  Ran deferred = shell(s + " --out " + dir + "/c --defer-gates");
  EXPECT_EQ(deferred.code, 2) << deferred.output;
  EXPECT_NE(deferred.output.find("--defer-gates: is for a shard"), std::string::npos)
      << deferred.output;
  // A record whose verdict is not its gates' (a failed seed called passed) does not merge.
  nlohmann::json j =
      nlohmann::json::parse(testing::read_text(dir + "/a/happy-orders.shard-0-of-3.sweep.json"));
  j["runs"][0]["passed"] = !j["runs"][0]["passed"].get<bool>();
  const std::string forged_dir = testing::temp_dir("sharded-sweep-forged");
  testing::write_temp(forged_dir, "happy-orders.shard-0-of-3.sweep.json", j.dump());
  Ran tampered = shell(kBinary + " report merge " + forged_dir + " --out " + dir + "/m");
  EXPECT_EQ(tampered.code, 2) << tampered.output;
  EXPECT_NE(tampered.output.find("its verdict does not follow from its gates"), std::string::npos)
      << tampered.output;
  Ran empty =
      shell(sweep("scenarios/happy-orders.yaml", "1..2") + " --out " + dir + "/c --shard 2/3");
  EXPECT_EQ(empty.code, 2) << empty.output;
  EXPECT_NE(empty.output.find("holds no seed of 1..2"), std::string::npos) << empty.output;
}

// `script` gives the sweep a terminal; a pipe is not one.
TEST(SweepProgress, ShownOnATerminalOnlyAndNoColorTurnsOffColourNotProgress) {
  const std::string dir = testing::temp_dir("sweep-progress");
  // 30 sessions: the outage windows never open, so every seed fails fault_rules_never_fired.
  const std::string s = kBinary + " sweep " +
                        testing::source_path("scenarios/payment-outage.yaml") +
                        " --seeds 1..4 --set workload.sessions=30 --out " + dir;
  auto on_terminal = [&](const std::string& env) {
    return shell(env + " script -qec '" + s + "' /dev/null");
  };
  Ran tty = on_terminal("");
  EXPECT_EQ(tty.code, 1) << tty.output;
  EXPECT_NE(tty.output.find("sweep: 4/4 seeds, "), std::string::npos) << tty.output;
  EXPECT_NE(tty.output.find("\033[31m4 failed\033[0m, ETA"), std::string::npos) << tty.output;
  Ran no_color = on_terminal("NO_COLOR=1");
  EXPECT_NE(no_color.output.find("sweep: 4/4 seeds, 4 failed, ETA"), std::string::npos)
      << no_color.output;
  EXPECT_EQ(no_color.output.find("\033[31m"), std::string::npos) << no_color.output;
  Ran piped = shell(s);
  EXPECT_EQ(piped.code, 1);
  EXPECT_EQ(piped.output.find("seeds, "), std::string::npos) << piped.output;
  EXPECT_EQ(piped.output.find("\033["), std::string::npos) << piped.output;
}

}  // namespace
}  // namespace checkride
