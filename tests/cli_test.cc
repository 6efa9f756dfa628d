// The binary's own checks: numbers the CLI takes are refused with exit 2 and a message that
// names the option and what was expected, before anything runs.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "tests/test_support.h"

namespace checkride {
namespace {

struct Ran {
  int code;
  std::string output;
};

Ran run_cli(const std::string& args) {
  std::string command = std::string(CHECKRIDE_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  char buf[4096];
  while (pipe && fgets(buf, sizeof buf, pipe)) output += buf;
  int status = pipe ? pclose(pipe) : -1;
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST(Cli, BadNumbersAreExitTwoNamingTheOption) {
  const std::string scenario = testing::source_path("scenarios/happy-orders.yaml");
  const std::string out = " --out " + testing::temp_dir("cli-numbers") + " --quiet";
  const std::pair<std::string, std::string> kCases[] = {
      {"--seed -3", "--seed -3: expected an integer >= 0"},
      {"--sessions -5", "--sessions -5: expected an integer >= 1"},
      {"--sessions 0", "--sessions 0: expected an integer >= 1"},
      {"--session 999999 --trace", "no such session: " + scenario + " runs sessions 1..3000"},
      {"--set 'workload.arrival={rate: 0/s}'", "workload.arrival.rate: expected a rate above 0"},
      {"--set 'workload.arrival={poisson: inf/s}'", "expected a rate like 50/s"},
      {"--set seed=-4", "seed: expected an integer >= 0"},
      {"--set 'faults[0].nth=-1'", "faults[0].nth: not a list in this scenario"},
  };
  for (const auto& [args, expected] : kCases) {
    Ran r = run_cli("run " + scenario + " " + args + out);
    EXPECT_EQ(r.code, 2) << args << ": " << r.output;
    EXPECT_NE(r.output.find(expected), std::string::npos) << args << ": " << r.output;
  }
}

}  // namespace
}  // namespace checkride
