// The shipped drive-across-machines templates work as written: the commands of
// ci/k8s/drive-job.yaml (an Indexed Job and a merge Job) and of ci/github/drive-matrix.yml (a
// matrix over shards and a merge job) are taken out of the files and run against the local
// binary, with the cluster's Services (or the repository's variables) pointed at an
// orchestrator and fakes in this process, and the drive scaled down to test size: shard,
// merge, gate. A failed gate fails the merge.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "tests/ci_template_support.h"
#include "wire_rig.h"

namespace checkride {
namespace {

namespace fs = std::filesystem;

constexpr int kSessions = 40;

// The argument after `flag` in a container's command.
std::string argument_after(const YAML::Node& container, const std::string& flag) {
  auto argv = container["command"].as<std::vector<std::string>>();
  auto at = std::find(argv.begin(), argv.end(), flag);
  EXPECT_NE(at, argv.end()) << flag;
  return at == argv.end() || at + 1 == argv.end() ? "" : *(at + 1);
}

json read_json(const fs::path& path) {
  std::ifstream f(path);
  EXPECT_TRUE(f) << path;
  return f ? json::parse(f) : json();
}

TEST(DriveTemplates, TheKubernetesIndexedJobAndItsMergeJobRunAsWritten) {
  YAML::Node drive, merge;
  testing::indexed_and_merge_jobs("ci/k8s/drive-job.yaml", drive, merge);
  ASSERT_TRUE(drive && merge);
  ASSERT_EQ(drive["spec"]["completionMode"].as<std::string>(), "Indexed");
  const YAML::Node shard = drive["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(std::stoi(argument_after(shard, "--shards")), drive["spec"]["completions"].as<int>())
      << "--shards must equal completions";

  WireRig rig("scenarios/happy-orders.yaml", "k8s-drive");
  fs::path ws = testing::workspace("k8s-drive-ws");
  fs::create_directories(ws / "secrets");
  std::ofstream(ws / "secrets" / "secret") << kSecret << "\n";
  const std::string control = rig.fakes->url("control");
  std::map<std::string, std::string> services = {
      {argument_after(shard, "--orchestrator"), rig.url},
      {argument_after(shard, "--control"), control},
      {argument_after(shard, "--sessions"), std::to_string(kSessions)},
      {argument_after(shard, "--rate"), "200"}};
  std::map<std::string, std::string> mounts;
  for (const auto& m : shard["volumeMounts"]) {
    const std::string at = m["mountPath"].as<std::string>();
    mounts[at] = (ws / (at == "/reports" ? "volume" : "secrets")).string();
  }
  std::string log;
  ASSERT_EQ(testing::run_indexed_job_and_merge(ws, drive, merge, mounts, services, log), 0) << log;
  EXPECT_NE(log.find("merged 4 shard(s); gates met"), std::string::npos) << log;
  const json run = read_json(ws / "volume/merged/happy-orders.drive.run.json");
  EXPECT_EQ(run["sessions_played"], kSessions) << log;
  const json report = read_json(ws / "volume/merged/happy-orders.drive.json");
  EXPECT_EQ(report["metrics"]["sessions"], kSessions);
}

testing::Workflow drive_workflow(const WireRig& rig) {
  return testing::load_workflow("ci/github/drive-matrix.yml",
                                {{"ORCHESTRATOR_URL", rig.url},
                                 {"CONTROL_URL", rig.fakes->url("control")},
                                 {"SESSIONS", std::to_string(kSessions)},
                                 {"RATE", "200"}});
}

TEST(DriveTemplates, TheGitHubMatrixShardsMergesAndFailsTheWorkflowOnAFailedGate) {
  const std::string secret = "export CHECKRIDE_SECRET=" + testing::shell_quoted(kSecret) + "\n";
  {
    WireRig rig("scenarios/happy-orders.yaml", "gh-drive");
    testing::Workflow w = drive_workflow(rig);
    EXPECT_EQ(w.uses_with("merge", "actions/download-artifact", "pattern"), "drive-shard-*");
    std::string log;
    ASSERT_EQ(testing::run_matrix(w, "gh-drive", "Drive this shard", secret, log), 0) << log;
    EXPECT_NE(log.find("merged 4 shard(s); gates met"), std::string::npos) << log;
    EXPECT_NE(log.find("completion_rate"), std::string::npos) << "the report in the summary";
  }
  // Every card is declined: the shards still succeed, the merge fails the workflow on
  // completion_rate.
  WireRig rig("scenarios/happy-orders.yaml", "gh-drive-failing");
  rig.control_post("/__checkride/faults",
                   R"([{"provider": "payment", "op": "authorize", "kind": "error", "status": 402,
                        "probability": 1}])");
  std::string log;
  EXPECT_EQ(
      testing::run_matrix(drive_workflow(rig), "gh-drive-failing", "Drive this shard", secret, log),
      1)
      << log;
  EXPECT_NE(log.find("GATES FAILED"), std::string::npos) << log;
}

}  // namespace
}  // namespace checkride
