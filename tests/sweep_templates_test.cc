// The shipped sweep templates work as written: the commands of ci/k8s/sweep-job.yaml (an
// Indexed Job and a merge Job) and of ci/github/sweep-matrix.yml (a matrix over shards and
// a merge job) are taken out of the files, not copied, and run against the local binary:
// shard, merge, gate. A failed gate fails the merge; the merge equals the unsharded sweep.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "tests/ci_template_support.h"

namespace checkride {
namespace {

namespace fs = std::filesystem;

using testing::bash_in;
using testing::shell_quoted;
using testing::workspace;

std::string unsharded_sweep(const fs::path& ws, const std::string& args, std::string& log) {
  EXPECT_LE(bash_in(ws, "build/checkride sweep " + args + " --quiet --out whole || true", log), 1);
  for (const auto& e : fs::directory_iterator(ws / "whole")) {
    if (e.path().string().find(".sweep.json") != std::string::npos) {
      return testing::read_text(e.path().string());
    }
  }
  return "";
}

TEST(SweepTemplates, TheKubernetesIndexedJobAndItsMergeJobRunAsWritten) {
  YAML::Node sweep, merge;
  testing::indexed_and_merge_jobs("ci/k8s/sweep-job.yaml", sweep, merge);
  ASSERT_TRUE(sweep && merge);
  ASSERT_EQ(sweep["spec"]["completionMode"].as<std::string>(), "Indexed");
  const int completions = sweep["spec"]["completions"].as<int>();
  ASSERT_TRUE(sweep["spec"]["parallelism"]);
  const YAML::Node shard = sweep["spec"]["template"]["spec"]["containers"][0];
  const std::string mount = shard["volumeMounts"][0]["mountPath"].as<std::string>();
  std::vector<std::string> argv = shard["command"].as<std::vector<std::string>>();
  auto shards = std::find(argv.begin(), argv.end(), "--shards");
  ASSERT_NE(shards, argv.end());
  EXPECT_EQ(std::stoi(*(shards + 1)), completions) << "--shards must equal completions";

  fs::path ws = workspace("k8s-sweep");
  fs::path volume = ws / "volume";
  std::string log;
  ASSERT_EQ(
      testing::run_indexed_job_and_merge(ws, sweep, merge, {{mount, volume.string()}}, {}, log), 0)
      << log;

  // The merge is the unsharded sweep's report, to the byte.
  std::vector<std::string> plain(argv.begin() + 2, argv.end());
  std::string args;
  for (std::size_t i = 0; i < plain.size(); ++i) {
    if (plain[i] == "--shards" || plain[i] == "--out") {
      ++i;
    } else if (plain[i] != "--defer-gates" && plain[i] != "--quiet") {
      args += shell_quoted(plain[i]) + " ";
    }
  }
  std::string whole = unsharded_sweep(ws, args, log);
  ASSERT_FALSE(whole.empty()) << log;
  EXPECT_TRUE(whole == testing::read_text((volume / "merged/payment-outage.sweep.json").string()))
      << log;
  EXPECT_TRUE(fs::exists(volume / "merged/payment-outage.sweep.html"));
}

testing::Workflow load_workflow(const std::string& sweep_args) {
  std::map<std::string, std::string> env;
  if (!sweep_args.empty()) env["SWEEP_ARGS"] = sweep_args;
  return testing::load_workflow("ci/github/sweep-matrix.yml", env);
}

int run_matrix(const testing::Workflow& w, const std::string& name, std::string& log) {
  EXPECT_EQ(w.uses_with("merge", "actions/download-artifact", "pattern"), "sweep-shard-*");
  return testing::run_matrix(w, name, "Sweep this shard", "", log);
}

TEST(SweepTemplates, TheGitHubMatrixShardsMergesAndFailsTheWorkflowOnAFailedGate) {
  testing::Workflow w = load_workflow("");
  std::string log;
  ASSERT_EQ(run_matrix(w, "gh-sweep", log), 0) << log;
  EXPECT_NE(log.find("every seed met its gates"), std::string::npos) << log;
  EXPECT_NE(log.find("merged 4 shard(s)"), std::string::npos) << log;

  // 50 sessions end before the outages begin: every seed fails fault_rules_never_fired.
  // Each shard still succeeds (--defer-gates); the merge fails the workflow.
  testing::Workflow failing = load_workflow("--swarm --set workload.sessions=50");
  std::string log2;
  EXPECT_EQ(run_matrix(failing, "gh-sweep-failing", log2), 1) << log2;
  EXPECT_NE(log2.find("some seed failed a gate"), std::string::npos) << log2;
}

}  // namespace
}  // namespace checkride
