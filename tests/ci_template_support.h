// Running the shipped CI templates as written: their commands are taken out of the files,
// not copied, and run with bash against the local binary (CHECKRIDE_BINARY).
#pragma once
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>

#include "tests/test_support.h"

namespace checkride::testing {

inline std::string shell_quoted(const std::string& arg) {
  return "'" + std::regex_replace(arg, std::regex("'"), "'\\''") + "'";
}

// Runs `script` with bash in `dir`; the exit code. Its output is added to `log`.
inline int bash_in(const std::filesystem::path& dir, const std::string& script, std::string& log) {
  std::filesystem::path file = dir / "step.sh";
  std::ofstream(file) << "set -eo pipefail\ncd " << shell_quoted(dir.string()) << "\n" << script;
  int status = std::system(("bash --noprofile --norc " + shell_quoted(file.string()) + " > " +
                            shell_quoted((dir / "step.log").string()) + " 2>&1")
                               .c_str());
  log += read_text((dir / "step.log").string());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A checkout: the binary where the templates call it, and the shipped scenarios.
inline std::filesystem::path workspace(const std::string& name) {
  std::filesystem::path ws = temp_dir(name);
  std::filesystem::create_directories(ws / "build");
  std::filesystem::create_symlink(CHECKRIDE_BINARY, ws / "build" / "checkride");
  std::filesystem::create_symlink(source_path("scenarios"), ws / "scenarios");
  return ws;
}

// A container's command as a shell line: `checkride` is the local binary, an argument under
// a volume's mount path (`mounts`: path in the pod -> directory of the test's) is moved
// there, and `replace` swaps whole arguments (a Service's URL for a local one).
inline std::string container_line(const YAML::Node& container,
                                  const std::map<std::string, std::string>& mounts,
                                  const std::map<std::string, std::string>& replace = {}) {
  std::string line;
  for (const auto& part : container["command"]) {
    std::string arg = part.as<std::string>();
    if (arg == "checkride") arg = CHECKRIDE_BINARY;
    if (auto r = replace.find(arg); r != replace.end()) arg = r->second;
    for (const auto& [mount, dir] : mounts) {
      if (arg.rfind(mount, 0) == 0) arg = dir + arg.substr(mount.size());
    }
    if (!line.empty()) line += " ";
    line += shell_quoted(arg);
  }
  return line;
}

// The Jobs of a Kubernetes template: the Indexed one and the other (its merge).
inline void indexed_and_merge_jobs(const std::string& file, YAML::Node& indexed,
                                   YAML::Node& merge) {
  for (const auto& d : YAML::LoadAllFromFile(source_path(file))) {
    if (d["kind"].as<std::string>() != "Job") continue;
    (d["spec"]["completionMode"] ? indexed : merge) = d;
  }
}

// Runs every pod of the Indexed Job at once, as `parallelism` allows, then the merge Job's
// wait-for-shards init container (bounded) and its container. The merge's exit code; -1
// when a shard failed or the shards never all appeared.
inline int run_indexed_job_and_merge(const std::filesystem::path& ws, const YAML::Node& indexed,
                                     const YAML::Node& merge,
                                     const std::map<std::string, std::string>& mounts,
                                     const std::map<std::string, std::string>& replace,
                                     std::string& log) {
  const int completions = indexed["spec"]["completions"].as<int>();
  const YAML::Node shard = indexed["spec"]["template"]["spec"]["containers"][0];
  std::string pods;
  for (int i = 0; i < completions; ++i) {
    pods += "JOB_COMPLETION_INDEX=" + std::to_string(i) + " " +
            container_line(shard, mounts, replace) + " &\n";
  }
  if (bash_in(ws, pods + "for p in $(jobs -p); do wait $p; done\n", log) != 0) return -1;
  const YAML::Node pod = merge["spec"]["template"]["spec"];
  std::string wait = pod["initContainers"][0]["command"][2].as<std::string>();
  for (const auto& [mount, dir] : mounts) wait = std::regex_replace(wait, std::regex(mount), dir);
  if (bash_in(ws, "timeout 20 sh -c " + shell_quoted(wait), log) != 0) return -1;
  return bash_in(ws, container_line(pod["containers"][0], mounts, replace), log);
}

// A GitHub Actions workflow file, its `env:` as shell exports.
struct Workflow {
  YAML::Node root;
  std::string env;
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

// The workflow `file`, each env value replaced by `env`'s where it names the variable (a
// repository variable's `${{ vars.X }}` has no value outside GitHub).
inline Workflow load_workflow(const std::string& file,
                              const std::map<std::string, std::string>& env) {
  Workflow w{YAML::LoadFile(source_path(file)), ""};
  for (const auto& e : w.root["env"]) {
    const std::string name = e.first.as<std::string>();
    auto given = env.find(name);
    const std::string value = given != env.end() ? given->second : e.second.as<std::string>();
    w.env += "export " + name + "=" + shell_quoted(value) + "\n";
  }
  return w;
}

// Every matrix job (its step `shard_step`, with `step_env` exported too) in its own
// checkout, its artifact downloaded as download-artifact does (one folder per artifact), then
// the merge job's step "Merge the shards and gate". The merge step's exit code.
inline int run_matrix(const Workflow& w, const std::string& name, const std::string& shard_step,
                      const std::string& step_env, std::string& log) {
  namespace fs = std::filesystem;
  fs::path merge_ws = workspace(name + "-merge");
  const std::string upload = w.uses_with("shard", "actions/upload-artifact", "path");
  const std::string artifact = w.uses_with("shard", "actions/upload-artifact", "name");
  const std::string download = w.uses_with("merge", "actions/download-artifact", "path");
  const std::regex matrix_shard(R"(\$\{\{\s*matrix\.shard\s*\}\})");
  for (const auto& value : w.root["jobs"]["shard"]["strategy"]["matrix"]["shard"]) {
    std::string shard = value.as<std::string>();
    fs::path ws = workspace(name + "-shard-" + shard);
    std::string run = std::regex_replace(w.step("shard", shard_step), matrix_shard, shard);
    EXPECT_EQ(bash_in(ws, w.env + step_env + run, log), 0) << log;
    fs::path into = merge_ws / download / std::regex_replace(artifact, matrix_shard, shard);
    fs::create_directories(into);
    for (const auto& e : fs::directory_iterator(ws / upload)) {
      fs::copy_file(e.path(), into / e.path().filename());
    }
  }
  std::string env =
      w.env + "export GITHUB_STEP_SUMMARY=" + shell_quoted((merge_ws / "summary.md").string()) +
      "\n";
  int rc = bash_in(merge_ws, env + w.step("merge", "Merge the shards and gate"), log);
  log += read_text((merge_ws / "summary.md").string());
  return rc;
}

}  // namespace checkride::testing
