// What a careless or hostile user brings to the CLI (issue 28): FIFOs, devices and symlink
// loops as inputs, directories and full devices as outputs, numbers past every bound. Each
// ends with a clear message and the contract's exit code, never a hang, a crash or exit 0.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "protocol/input_error.h"
#include "protocol/input_file.h"
#include "protocol/output_file.h"
#include "tests/test_support.h"

namespace checkride {
namespace {

using Ran = testing::ShellRun;

Ran run_cli(const std::string& args, const std::string& env = "") {
  return testing::run_shell(env + " timeout 60 " + std::string(CHECKRIDE_BINARY) + " " + args);
}

std::string replaced(const std::string& text, const std::string& from, const std::string& to) {
  return std::regex_replace(text, std::regex(from), to);
}

class Hostile : public ::testing::Test {
 protected:
  std::string dir = testing::temp_dir("hostile");
  std::string happy =
      testing::read_text(testing::source_path("scenarios/cassettes/orders-happy.jsonl"));
  std::string transcript = testing::source_path("scenarios/transcripts/retail-support.json");
  std::string scenario = testing::source_path("scenarios/happy-orders.yaml");
};

// Issue 28, point 2: 2^32 wrapped to 0 and divided by zero (SIGFPE); 2^31 and 2^63-1 went
// negative and priced SKUs forever.
TEST_F(Hostile, AHugeQuantityInARecordingIsRefusedByTheSandboxNotACrashOrAHang) {
  for (const char* q : {"4294967296", "2147483648", "9223372036854775807", "-3"}) {
    std::string cassette = testing::write_temp(
        dir, "q.jsonl",
        replaced(happy, "\"quantity\": 1\\}", std::string("\"quantity\": ") + q + "}"));
    Ran r = run_cli("replay " + cassette + " --out " + dir + "/out -q");
    EXPECT_EQ(r.code, 0) << q << ": " << r.output;
    std::string verdicts = testing::read_text(dir + "/out/q.replay.json");
    EXPECT_TRUE(std::regex_search(verdicts, std::regex("quantity[^\"]*(expected an integer from 0 "
                                                       "to 1000000|greater than or equal to 1)")))
        << q << ": the sandbox's refusal names the field and its bound";
  }
}

// Point 3: `diff` and --secret-file hung on a FIFO nobody writes and read /dev/zero forever.
TEST_F(Hostile, AFifoOrADeviceAsAnInputEndsWithExitTwoNamingIt) {
  std::string fifo = dir + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  Ran r = run_cli("diff " + fifo + " " + fifo);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("fifo: cannot read report: the FIFO sent nothing"), std::string::npos)
      << r.output;
  r = run_cli("diff /dev/zero /dev/zero");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("/dev/zero: cannot open report: it is a device"), std::string::npos)
      << r.output;
  r = run_cli("serve orchestrator --secret-file /dev/zero --port 0");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("/dev/zero: cannot open --secret-file: it is a device"),
            std::string::npos)
      << r.output;
}

TEST(InputFile, APipeIsReadToItsEndAndBounded) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ASSERT_EQ(::write(fds[1], "s3cret\n", 7), 7);
  ::close(fds[1]);
  std::string path = "/dev/fd/" + std::to_string(fds[0]);
  EXPECT_EQ(read_input_file(path, "secret"), "s3cret\n");
  ::close(fds[0]);
  std::string dir = testing::temp_dir("bounded");
  std::string big = testing::write_temp(dir, "big", std::string(5000, 'x'));
  try {
    read_input_file(big, "report", 4096);
    ADD_FAILURE() << "a file past its bound was read";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("larger than the limit of 4096"), std::string::npos)
        << e.what();
  }
}

TEST_F(Hostile, ASymlinkLoopIsNamedAsOneNotAsAMissingFile) {
  std::filesystem::create_symlink(dir + "/b", dir + "/a");
  std::filesystem::create_symlink(dir + "/a", dir + "/b");
  Ran r = run_cli("run " + dir + "/a --out " + dir + "/out");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("Too many levels of symbolic links"), std::string::npos) << r.output;
}

// A store that cannot be opened or is not a database said "orchestrator serving", then
// aborted on its first write.
TEST_F(Hostile, AStoreThatCannotBeUsedIsExitTwoNamingTheFile) {
  std::string garbage = testing::write_temp(dir, "garbage.db", std::string(8192, 'g'));
  for (const std::string& store : {dir + "/missing/dir/x.db", garbage}) {
    Ran r = run_cli("serve orchestrator --port 0 --store " + store,
                    "CHECKRIDE_SECRET=hostile-test-secret-0123456789");
    EXPECT_EQ(r.code, 2) << store << "\n" << r.output;
    EXPECT_NE(r.output.find(store), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("serving"), std::string::npos) << r.output;
  }
}

// A directory as an output was exit 3 "internal error"; the contract says 2, before the run.
TEST_F(Hostile, ADirectoryAsAnOutputFileIsExitTwoNamingTheOption) {
  std::filesystem::create_directories(dir + "/d");
  for (const std::string& args :
       {"run " + scenario + " -q --out " + dir + "/o --junit " + dir + "/d",
        "run " + scenario + " -q --out " + dir + "/o --audit-log " + dir + "/d",
        "record import " + transcript + " --from openai --out " + dir + "/d"}) {
    Ran r = run_cli(args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find("is a directory; expected a file path"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("internal error"), std::string::npos) << r.output;
  }
  EXPECT_FALSE(std::filesystem::exists(dir + "/o/happy-orders.json")) << "nothing may run";
}

// Point 5: `record import --out /dev/full` said it wrote the cassette and exited 0.
TEST_F(Hostile, AFullDeviceAsAnOutputIsExitThreeNamingThePath) {
  for (const std::string& args :
       {"record import " + transcript + " --from openai --out /dev/full",
        "run " + scenario + " -q --out " + dir + "/o --junit /dev/full"}) {
    Ran r = run_cli(args);
    EXPECT_EQ(r.code, 3) << args << "\n" << r.output;
    EXPECT_NE(r.output.find("cannot write /dev/full: No space left on device"), std::string::npos)
        << r.output;
  }
}

TEST(OutputFile, AReaderSeesTheOldFileOrTheWholeNewOneAndAFailureLeavesNoTemporary) {
  std::string dir = testing::temp_dir("output-file");
  std::string path = dir + "/cassette.jsonl";
  write_output_file(path, "old\n", "--out");
  {
    OutputFile out(path, "--out");
    out.write("new, half");
    EXPECT_EQ(testing::read_text(path), "old\n") << "the name holds the old file until commit";
  }
  EXPECT_EQ(testing::read_text(path), "old\n") << "an uncommitted file never replaces it";
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files += e.exists() ? 1 : 0;
  EXPECT_EQ(files, 1) << "the temporary file is removed";
  write_output_file(path, "new\n", "--out", 0600);
  EXPECT_EQ(testing::read_text(path), "new\n");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "a file holding secrets is its owner's only";
}

// Numbers past every bound: a negative cap was accepted; a trillion sessions ran until killed.
TEST_F(Hostile, NumbersPastTheirBoundsAreExitTwoNamingTheField) {
  std::string yaml = testing::read_text(scenario);
  struct Case {
    std::string set, field;
  } cases[] = {
      {"orchestrator.policy.spend_cap_cents=-5", "spend_cap_cents: expected an integer from 0"},
      {"workload.sessions=1000000000000", "sessions: expected an integer from 1 to 100000000"},
      {"workload.concurrency=-1", "concurrency: expected an integer from 0"}};
  for (const auto& c : cases) {
    Ran r = run_cli("run " + scenario + " -q --out " + dir + "/o --set " + c.set);
    EXPECT_EQ(r.code, 2) << c.set << "\n" << r.output;
    EXPECT_NE(r.output.find(c.field), std::string::npos) << r.output;
  }
}

}  // namespace
}  // namespace checkride
