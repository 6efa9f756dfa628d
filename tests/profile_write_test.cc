// Profile writes (issue 30, part 6): a user's own details live at the shop, so an address
// change is a real write with a ledger, faults and ground truth. A failed change is seen (it
// used to be a lookup answered as recorded, so it replayed "same" whatever the sandbox did),
// and a lost answer or a crash around it is recovered like any other step.
#include <gtest/gtest.h>

#include "protocol/input_error.h"
#include "scenario/scenario.h"
#include "tests/conversation_builder.h"

namespace checkride {
namespace {

using nlohmann::json;
using testing::Conversation;

// Yusuf moves; production answered `result` to his address change.
json move_house(const json& result) {
  Conversation c("yusuf_rossi_9620");
  c.say("user", "I'm yusuf.rossi@example.com. I moved: 12 Elm St, Austin, TX, USA, 78701.");
  c.call("modify_user_address",
         {{"user_id", "yusuf_rossi_9620"},
          {"address1", "12 Elm St"},
          {"address2", ""},
          {"city", "Austin"},
          {"state", "TX"},
          {"country", "USA"},
          {"zip", "78701"}},
         result);
  return c.dump(95);
}

// The retail world with the shop's customers listed (`profiles`), or not.
std::string world_with(const std::string& dir, const std::string& profiles) {
  return testing::write_temp(
      dir, "world.yaml",
      testing::read_text(testing::source_path("scenarios/worlds/retail-support.yaml")) + profiles);
}

const char* kYusufsProfile =
    "profiles:\n  - {user: yusuf_rossi_9620, details: {address1: 1 Old Rd, city: Boston}}\n";
const char* kOnlyAna = "profiles:\n  - {user: ana_brown_2254, details: \"3 Oak Ave, Denver\"}\n";

TEST(ProfileWrite, AnAddressChangeIsAWriteThatReplaysAsProductionAnswered) {
  const json done = {{"user_id", "yusuf_rossi_9620"},
                     {"address", {{"address1", "12 Elm St"}, {"city", "Austin"}}}};
  const std::string dir = testing::temp_dir("profile-write");
  ReplayResult r = testing::replay_example(dir, "retail-support", json::array({move_house(done)}),
                                           false, world_with(dir, kYusufsProfile));
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_EQ(r.sessions[0].verdict, "same") << r.sessions[0].why;
  EXPECT_EQ(r.report.failures_by_step.count("catalog.update_profile"), 1u)
      << "the change reached the shop";
}

// Production failed the change (the shop has no such customer): the sandbox fails it too
// where the world's shop lacks him, and diverges where the world says he is a customer.
TEST(ProfileWrite, AFailedAddressChangeIsSeen) {
  const json failed = "Error: user not found";
  const std::string dir = testing::temp_dir("profile-failed");
  ReplayResult lacking = testing::replay_example(
      dir, "retail-support", json::array({move_house(failed)}), false, world_with(dir, kOnlyAna));
  ASSERT_EQ(lacking.sessions.size(), 1u);
  EXPECT_EQ(lacking.sessions[0].verdict, "same") << lacking.sessions[0].why;

  ReplayResult listed =
      testing::replay_example(dir, "retail-support", json::array({move_house(failed)}), false,
                              world_with(dir, kYusufsProfile));
  EXPECT_EQ(listed.sessions[0].verdict, "diverged") << "a failed write replayed as a success";
}

// Under a lost answer and a crash on the write, the change is made and answered once.
TEST(ProfileWrite, ALostAnswerOrACrashAroundTheWriteIsRecovered) {
  const json done = {{"user_id", "yusuf_rossi_9620"}, {"address", "12 Elm St, Austin"}};
  for (const char* faults :
       {"- {provider: catalog, op: update_profile, kind: lost_response, nth: 1}\n",
        "- {provider: catalog, op: update_profile, kind: outage, nth: 1}\n",
        "- {provider: orchestrator, op: update_profile, kind: crash, nth: 1, restart_after: "
        "1s}\n"}) {
    const std::string dir = testing::temp_dir("profile-faults");
    ReplayResult r = testing::replay_example(dir, "retail-support", json::array({move_house(done)}),
                                             false, world_with(dir, kYusufsProfile), faults);
    ASSERT_EQ(r.sessions.size(), 1u);
    EXPECT_NE(r.sessions[0].verdict, "diverged") << faults << r.sessions[0].why;
    for (const char* k : {"escalations", "stuck", "fault_rules_never_fired"}) {
      EXPECT_EQ(r.report.metrics.at(k), 0) << k << " under " << faults;
    }
  }
}

// A world's profiles are refused by field when they cannot hold, and dumped back.
TEST(ProfileWrite, AWorldsProfilesAreCheckedAndDumpedBack) {
  const std::string dir = testing::temp_dir("profile-world");
  for (const char* bad : {"profiles: [{details: x}]\n", "profiles: [{user: a}]\n",
                          "profiles: [{user: a, details: x}, {user: a, details: y}]\n",
                          "profiles: [{user: a, details: [x]}]\n"}) {
    Scenario s = default_scenario();
    EXPECT_THROW(load_world_file(s, testing::write_temp(dir, "bad.yaml", bad)), InputError) << bad;
  }
  Scenario s = default_scenario();
  load_world_file(s, world_with(dir, kYusufsProfile));
  write_world_file(s, dir + "/dumped.yaml");
  Scenario back = default_scenario();
  load_world_file(back, dir + "/dumped.yaml");
  ASSERT_EQ(back.existing.profiles.size(), 1u);
  EXPECT_EQ(back.existing.profiles[0].details, s.existing.profiles[0].details);
}

}  // namespace
}  // namespace checkride
