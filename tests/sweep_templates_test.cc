// The shipped sweep templates work as written: the commands of ci/k8s/sweep-job.yaml (an
// Indexed Job and a merge Job) and of ci/github/sweep-matrix.yml (a matrix over shards and
// a merge job) are taken out of the files, not copied, and run against the local binary:
// shard, merge, gate. A failed gate fails the merge; the merge equals the unsharded sweep.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "tests/test_support.h"

namespace checkride {
namespace {

namespace fs = std::filesystem;

std::string shell_quoted(const std::string& arg) {
  return "'" + std::regex_replace(arg, std::regex("'"), "'\\''") + "'";
}

// Runs `script` with bash in `dir`; the exit code.
int bash_in(const fs::path& dir, const std::string& script, std::string& log) {
  fs::path file = dir / "step.sh";
  std::ofstream(file) << "set -eo pipefail\ncd " << shell_quoted(dir.string()) << "\n" << script;
  int status = std::system(("bash --noprofile --norc " + shell_quoted(file.string()) + " > " +
                            shell_quoted((dir / "step.log").string()) + " 2>&1")
                               .c_str());
  log += testing::read_text((dir / "step.log").string());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A checkout: the binary where the templates call it, and the shipped scenarios.
fs::path workspace(const std::string& name) {
  fs::path ws = testing::temp_dir(name);
  fs::create_directories(ws / "build");
  fs::create_symlink(CHECKRIDE_BINARY, ws / "build" / "checkride");
  fs::create_symlink(testing::source_path("scenarios"), ws / "scenarios");
  return ws;
}

// A container's command as a shell line: `checkride` is the local binary, and the volume's
// mount path is a directory of the test's.
std::string container_line(const YAML::Node& container, const std::string& mount,
                           const fs::path& volume) {
  std::string line;
  for (const auto& part : container["command"]) {
    std::string arg = part.as<std::string>();
    if (arg == "checkride") arg = CHECKRIDE_BINARY;
    if (arg.rfind(mount, 0) == 0) arg = volume.string() + arg.substr(mount.size());
    if (!line.empty()) line += " ";
    line += shell_quoted(arg);
  }
  return line;
}

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
  std::vector<YAML::Node> docs =
      YAML::LoadAllFromFile(testing::source_path("ci/k8s/sweep-job.yaml"));
  YAML::Node sweep, merge;
  for (const auto& d : docs) {
    if (d["kind"].as<std::string>() != "Job") continue;
    (d["spec"]["completionMode"] ? sweep : merge) = d;
  }
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
  std::string log, pods;
  for (int i = 0; i < completions; ++i) {  // every pod at once, as `parallelism` allows
    pods += "JOB_COMPLETION_INDEX=" + std::to_string(i) + " " +
            container_line(shard, mount, volume) + " &\n";
  }
  ASSERT_EQ(bash_in(ws, pods + "for p in $(jobs -p); do wait $p; done\n", log), 0) << log;
  const YAML::Node pod = merge["spec"]["template"]["spec"];
  std::string wait = pod["initContainers"][0]["command"][2].as<std::string>();
  wait = std::regex_replace(wait, std::regex(mount), volume.string());
  ASSERT_EQ(bash_in(ws, "timeout 20 sh -c " + shell_quoted(wait), log), 0) << log;
  ASSERT_EQ(bash_in(ws, container_line(pod["containers"][0], mount, volume), log), 0) << log;

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

struct Workflow {
  YAML::Node root;
  std::string env;  // the workflow's env: as exports
  std::string step(const std::string& job, const std::string& name) const {
    for (const auto& s : root["jobs"][job]["steps"]) {
      if (s["name"] && s["name"].as<std::string>() == name) return s["run"].as<std::string>();
    }
    ADD_FAILURE() << "no step '" << name << "' in job " << job;
    return "exit 99";
  }
  std::string uses_with(const std::string& job, const std::string& action,
                        const std::string& key) const {
    for (const auto& s : root["jobs"][job]["steps"]) {
      if (s["uses"] && s["uses"].as<std::string>().rfind(action, 0) == 0) {
        return s["with"][key].as<std::string>();
      }
    }
    ADD_FAILURE() << "job " << job << " does not use " << action;
    return "";
  }
};

Workflow load_workflow(const std::string& sweep_args) {
  Workflow w{YAML::LoadFile(testing::source_path("ci/github/sweep-matrix.yml")), ""};
  for (const auto& e : w.root["env"]) {
    std::string value = e.first.as<std::string>() == "SWEEP_ARGS" && !sweep_args.empty()
                            ? sweep_args
                            : e.second.as<std::string>();
    w.env += "export " + e.first.as<std::string>() + "=" + shell_quoted(value) + "\n";
  }
  return w;
}

// Every matrix job in its own checkout, its artifact downloaded as download-artifact does
// (one folder per artifact), then the merge job. The merge step's exit code.
int run_matrix(const Workflow& w, const std::string& name, std::string& log) {
  fs::path merge_ws = workspace(name + "-merge");
  const std::string upload = w.uses_with("shard", "actions/upload-artifact", "path");
  const std::string artifact = w.uses_with("shard", "actions/upload-artifact", "name");
  const std::string download = w.uses_with("merge", "actions/download-artifact", "path");
  EXPECT_EQ(w.uses_with("merge", "actions/download-artifact", "pattern"), "sweep-shard-*");
  for (const auto& value : w.root["jobs"]["shard"]["strategy"]["matrix"]["shard"]) {
    std::string shard = value.as<std::string>();
    fs::path ws = workspace(name + "-shard-" + shard);
    std::string run = std::regex_replace(w.step("shard", "Sweep this shard"),
                                         std::regex(R"(\$\{\{\s*matrix\.shard\s*\}\})"), shard);
    EXPECT_EQ(bash_in(ws, w.env + run, log), 0) << log;
    std::string folder =
        std::regex_replace(artifact, std::regex(R"(\$\{\{\s*matrix\.shard\s*\}\})"), shard);
    fs::path into = merge_ws / download / folder;
    fs::create_directories(into);
    for (const auto& e : fs::directory_iterator(ws / upload)) {
      fs::copy_file(e.path(), into / e.path().filename());
    }
  }
  std::string env =
      w.env + "export GITHUB_STEP_SUMMARY=" + shell_quoted((merge_ws / "summary.md").string()) +
      "\n";
  int rc = bash_in(merge_ws, env + w.step("merge", "Merge the shards and gate"), log);
  log += testing::read_text((merge_ws / "summary.md").string());
  return rc;
}

TEST(SweepTemplates, TheGitHubMatrixShardsMergesAndFailsTheWorkflowOnAFailedGate) {
  Workflow w = load_workflow("");
  std::string log;
  ASSERT_EQ(run_matrix(w, "gh-sweep", log), 0) << log;
  EXPECT_NE(log.find("every seed met its gates"), std::string::npos) << log;
  EXPECT_NE(log.find("merged 4 shard(s)"), std::string::npos) << log;

  // 50 sessions end before the outages begin: every seed fails fault_rules_never_fired.
  // Each shard still succeeds (--defer-gates); the merge fails the workflow.
  Workflow failing = load_workflow("--swarm --set workload.sessions=50");
  std::string log2;
  EXPECT_EQ(run_matrix(failing, "gh-sweep-failing", log2), 1) << log2;
  EXPECT_NE(log2.find("some seed failed a gate"), std::string::npos) << log2;
}

}  // namespace
}  // namespace checkride
