// The binary's own checks: numbers the CLI takes are refused with exit 2 and a message that
// names the option and what was expected, before anything runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/test_support.h"

namespace checkride {
namespace {

using Ran = testing::ShellRun;
using testing::run_shell;

Ran run_cli(const std::string& args) {
  return run_shell(std::string(CHECKRIDE_BINARY) + " " + args);
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

TEST(Cli, VersionNamesTheVersionAndTheCommit) {
  for (const char* flag : {"--version", "version"}) {
    Ran r = run_cli(flag);
    EXPECT_EQ(r.code, 0) << flag;
    EXPECT_EQ(r.output.rfind("checkride 0.", 0), 0u) << r.output;
    EXPECT_NE(r.output.find("(commit "), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("(commit )"), std::string::npos) << "an empty commit: " << r.output;
  }
}

TEST(Cli, HelpExitsZeroForEveryCommandAndSubcommand) {
  Ran top = run_cli("help");
  EXPECT_EQ(top.code, 0) << top.output;
  EXPECT_NE(top.output.find("replay CASSETTE"), std::string::npos) << top.output;
  EXPECT_EQ(run_cli("--help").code, 0);
  EXPECT_EQ(run_cli("").code, 2) << "no command at all is a usage error";
  for (const char* command :
       {"run", "validate", "sweep", "shrink", "diff", "defects", "replay", "drive", "record llm",
        "record import", "report merge", "report render", "serve fakes", "serve orchestrator"}) {
    Ran r = run_cli(std::string(command) + " --help");
    EXPECT_EQ(r.code, 0) << command << ": " << r.output;
    Ran via_help = run_cli(std::string("help ") + command);
    EXPECT_EQ(via_help.code, 0) << command << ": " << via_help.output;
    EXPECT_EQ(via_help.output, r.output) << command;
  }
}

TEST(Cli, RecordReportAndServeListTheirSubcommands) {
  const std::pair<const char*, std::vector<const char*>> kCases[] = {
      {"record", {"llm", "import"}},
      {"report", {"merge", "render"}},
      {"serve", {"fakes", "orchestrator"}},
  };
  for (const auto& [command, subs] : kCases) {
    Ran help = run_cli(std::string(command) + " --help");
    EXPECT_EQ(help.code, 0) << command << ": " << help.output;
    Ran bare = run_cli(command);
    EXPECT_EQ(bare.code, 2) << command << ": " << bare.output;
    for (const char* sub : subs) {
      EXPECT_NE(help.output.find(std::string("  ") + sub), std::string::npos)
          << command << " " << sub << ": " << help.output;
      EXPECT_NE(bare.output.find(std::string("  ") + sub), std::string::npos) << bare.output;
    }
  }
}

// --file, --scenario and --cassette where they only carry the bare arguments are plumbing:
// help shows the arguments in its first line, not as options nobody types.
TEST(Cli, PositionalPlumbingIsNotInHelp) {
  const std::pair<const char*, const char*> kCases[] = {
      {"validate", "--file"},   {"run", "--scenario"},       {"sweep", "--scenario"},
      {"shrink", "--scenario"}, {"replay", "--cassette"},    {"record import", "--file"},
      {"diff", "--report"},     {"report merge", "--input"}, {"report render", "--input"},
  };
  for (const auto& [command, plumbing] : kCases) {
    Ran r = run_cli(std::string(command) + " --help");
    EXPECT_EQ(r.code, 0) << command;
    EXPECT_EQ(r.output.find(std::string("  ") + plumbing + " "), std::string::npos)
        << command << " shows " << plumbing << ":\n"
        << r.output;
    EXPECT_NE(r.output.find("--help"), std::string::npos) << command << ": " << r.output;
  }
  // replay's --scenario is a real option (the world to replay in): it stays.
  EXPECT_NE(run_cli("replay --help").output.find("  --scenario "), std::string::npos);
}

TEST(Cli, ReportsGoToOutByDefault) {
  const std::string dir = testing::temp_dir("cli-out");
  const std::string scenario = testing::source_path("scenarios/happy-orders.yaml");
  Ran r = run_shell("cd " + dir + " && " + CHECKRIDE_BINARY + " run " + scenario +
                    " --sessions 20 --quiet");
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir + "/out/happy-orders.json")) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/reports")) << r.output;
}

}  // namespace
}  // namespace checkride
