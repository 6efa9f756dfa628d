// A drive split across machines adds up to the whole: `drive --shard I/N` plays its share of
// the arrival schedule, and `report merge` adds the shards' histograms bucket by bucket and
// has the fakes judge the union of their sessions. A merge of a part, of another drive or of
// a world the fakes no longer hold is refused.
#include "wire/drive/drive_shard.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "protocol/input_error.h"
#include "wire/drive/drive_merge.h"
#include "wire_rig.h"

namespace checkride {
namespace {

namespace fs = std::filesystem;

constexpr int kSessions = 30;

json read_json(const std::string& path) {
  std::ifstream f(path);
  EXPECT_TRUE(f) << path;
  return f ? json::parse(f) : json();
}

DriveOptions drive_options(const WireRig& rig) {
  DriveOptions o = rig.drive(kSessions, 150);
  o.scenario = testing::source_path("scenarios/happy-orders.yaml");
  return o;
}

// Sessions per template of a drive report.
std::map<std::string, uint64_t> sessions_by_template(const json& report) {
  std::map<std::string, uint64_t> by;
  for (const auto& [name, t] : report["templates"].items()) by[name] = t["sessions"];
  return by;
}

// Bucket counts of a histogram's JSON, by the bucket's low end.
std::map<int64_t, uint64_t> buckets(const json& h) {
  std::map<int64_t, uint64_t> by;
  for (const auto& b : h["buckets"]) by[b[0].get<int64_t>()] += b[1].get<uint64_t>();
  return by;
}

// Drives the three shards one after another (as three machines would at once) into
// `shards_dir`; their files.
std::vector<std::string> drive_three_shards(const WireRig& rig, const std::string& shards_dir) {
  std::vector<std::string> files;
  for (int i = 0; i < 3; ++i) {
    DriveOptions o = drive_options(rig);
    o.shard = ShardSpec{i, 3};
    o.out_dir = shards_dir;
    std::ostringstream out, err;
    EXPECT_EQ(run_drive(o, out, err), 0) << err.str();
    files.push_back(shards_dir + "/happy-orders.drive.shard-" + std::to_string(i) + "-of-3.json");
    EXPECT_TRUE(fs::exists(files.back())) << files.back();
    EXPECT_FALSE(fs::exists(shards_dir + "/happy-orders.drive.json"))
        << "a shard judges nothing alone: the merge does";
  }
  return files;
}

TEST(DriveShards, AddUpToTheWholeDriveJudgedOverTheFakesWorld) {
  WireRig rig("scenarios/happy-orders.yaml", "drive-shards");
  const std::string shards_dir = rig.dir + "/shards";
  std::vector<std::string> files = drive_three_shards(rig, shards_dir);
  std::ostringstream out, err;
  ASSERT_EQ(run_drive_merge({shards_dir}, rig.dir + "/merged", ControlLink{}, false, out, err), 0)
      << err.str() << out.str();
  EXPECT_NE(out.str().find("merged 3 shard(s); gates met"), std::string::npos) << out.str();
  const json merged = read_json(rig.dir + "/merged/happy-orders.drive.json");
  const json run = read_json(rig.dir + "/merged/happy-orders.drive.run.json");
  EXPECT_EQ(run["sessions_played"], kSessions);
  EXPECT_EQ(run["shards"], 3);

  // Histograms bucket by bucket, counters summed, over what the shards kept.
  std::map<int64_t, uint64_t> request_buckets;
  int64_t requests = 0, played = 0;
  for (const auto& f : files) {
    const json shard = read_json(f);
    for (const auto& [low, n] : buckets(shard["latency"]["request"])) request_buckets[low] += n;
    requests += shard["metrics"]["drive_requests"].get<int64_t>();
    played += shard["run"]["played"].get<int64_t>();
    EXPECT_GT(shard["run"]["played"].get<int64_t>(), 0) << f;
  }
  EXPECT_EQ(played, kSessions);
  EXPECT_EQ(buckets(merged["latency_ms"]["request"]), request_buckets);
  EXPECT_EQ(merged["metrics"]["drive_requests"].get<int64_t>(), requests);
  EXPECT_GT(requests, kSessions);
  EXPECT_EQ(merged["metrics"]["duplicate_charges"], 0);

  // The shards played between them the sessions one unsharded drive plays: the same
  // templates, as often, judged the same way on a fresh world.
  WireRig whole_rig("scenarios/happy-orders.yaml", "drive-unsharded");
  DriveOptions o = drive_options(whole_rig);
  ASSERT_EQ(run_drive(o, out, err), 0) << err.str();
  const json whole = read_json(o.out_dir + "/happy-orders.drive.json");
  EXPECT_EQ(sessions_by_template(merged), sessions_by_template(whole));
  for (const char* m :
       {"sessions", "intents", "completed", "duplicate_charges", "oversold_units"}) {
    EXPECT_EQ(merged["metrics"][m], whole["metrics"][m]) << m;
  }
}

TEST(DriveShards, AMergeOfAPartAnotherDriveOrAResetWorldIsRefused) {
  WireRig rig("scenarios/happy-orders.yaml", "drive-shards-refused");
  const std::string shards_dir = rig.dir + "/shards";
  std::vector<std::string> files = drive_three_shards(rig, shards_dir);
  auto merge = [&](const std::vector<std::string>& inputs, std::string& why) {
    std::ostringstream out, err;
    int rc = run_drive_merge(inputs, rig.dir + "/merged", ControlLink{}, true, out, err);
    why = err.str();
    return rc;
  };
  std::string why;
  EXPECT_EQ(merge({files[0], files[2]}, why), 2);
  EXPECT_NE(why.find("shard 1 of 3 is missing"), std::string::npos) << why;
  EXPECT_EQ(merge({files[0], files[1], files[2], files[1]}, why), 2);
  EXPECT_NE(why.find("shard 1 is also"), std::string::npos) << why;

  json other = read_json(files[2]);
  other["identity"] = "0000";
  const std::string stranger =
      testing::write_temp(rig.dir, "other.shard-2-of-3.json", other.dump());
  EXPECT_EQ(merge({files[0], files[1], stranger}, why), 2);
  EXPECT_NE(why.find("another drive"), std::string::npos) << why;
  EXPECT_FALSE(fs::exists(rig.dir + "/merged/happy-orders.drive.json")) << "nothing half-done";

  rig.control_post("/__checkride/reset", "");
  EXPECT_EQ(merge({shards_dir}, why), 3);
  EXPECT_NE(why.find("another world than the shards drove"), std::string::npos) << why;
}

TEST(DriveShards, AShardFileFromOutsideIsReadOrRefusedNamingTheField) {
  json doc = drive_shard_json(DriveShard{ShardSpec{1, 2}, "id", "n", "http://x", "w", {}});
  doc["templates"] = json::array({{{"name", "a"}}});
  EXPECT_EQ(parse_drive_shard(doc, "f.json").shard.index, 1);
  auto refusal = [](const json& bad) {
    try {
      parse_drive_shard(bad, "f.json");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  json bad = doc;
  bad["sessions"] = json::array({{{"user", 1}, {"template", 5}}});
  EXPECT_NE(refusal(bad).find("sessions[0]"), std::string::npos) << refusal(bad);
  bad = doc;
  bad["latency"]["request"] = {{"max", 3}, {"buckets", {{-1, 2}}}};
  EXPECT_NE(refusal(bad).find("latency.request.buckets"), std::string::npos) << refusal(bad);
  bad = doc;
  bad["drive_shard"]["index"] = 2;
  EXPECT_NE(refusal(bad).find("0 <= index < count"), std::string::npos) << refusal(bad);
  bad = doc;
  bad["name"] = "../x";
  EXPECT_NE(refusal(bad).find("f.json: name"), std::string::npos) << refusal(bad);
  bad = doc;
  bad.erase("run");
  EXPECT_NE(refusal(bad).find("drive shard file"), std::string::npos) << refusal(bad);
}

}  // namespace
}  // namespace checkride
