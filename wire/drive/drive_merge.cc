#include "wire/drive/drive_merge.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <ostream>

#include "protocol/input_error.h"
#include "protocol/input_file.h"
#include "protocol/json_input.h"
#include "wire/drive/drive_shard.h"

namespace checkride {
namespace {

namespace fs = std::filesystem;

// The shard files among the inputs: files as named, folders' shard files, sorted.
std::vector<std::string> drive_shard_files(const std::vector<std::string>& inputs) {
  return named_or_contained_files(inputs, is_drive_shard_file_name, "shard file",
                                  "drive shard (NAME.shard-I-of-N.json)");
}

// Every shard of the count once, all of one drive; throws InputError naming the file.
void check_one_drive(const std::vector<DriveShard>& shards, const std::vector<std::string>& files) {
  const DriveShard& first = shards.front();
  std::map<int, std::string> by_index;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    const DriveShard& s = shards[i];
    auto differs = [&](const char* field, const std::string& what) {
      throw InputError(files[i], 0, field,
                       what + " differs from " + files[0] + "'s: a shard of " + "another drive");
    };
    if (s.shard.count != first.shard.count) differs("drive_shard.count", "the shard count");
    if (s.identity != first.identity) differs("identity", "the scenario or load shape");
    if (s.name != first.name) differs("name", "the report name");
    if (s.result.templates != first.result.templates) differs("templates", "the session templates");
    if (s.world != first.world || s.control != first.control) {
      throw InputError(files[i], 0, "world",
                       "drove another fakes world (" + s.control + ") than " + files[0] + " (" +
                           first.control +
                           "): a merge judges the sessions over one world's ground truth, so "
                           "every shard drives the same fakes");
    }
    auto [it, fresh] = by_index.emplace(s.shard.index, files[i]);
    if (!fresh) {
      throw InputError(files[i], 0, "drive_shard.index",
                       "shard " + std::to_string(s.shard.index) + " is also " + it->second);
    }
  }
  for (int i = 0; i < first.shard.count; ++i) {
    if (!by_index.count(i)) {
      throw InputError(files[0], 0, "drive_shard",
                       "shard " + std::to_string(i) + " of " + std::to_string(first.shard.count) +
                           " is missing: a merge of some shards would judge a part as the whole");
    }
  }
}

// "" when the fakes at `control` still hold `world`, else why not.
std::string world_problem(const ControlLink& control, const std::string& world) {
  std::string why;
  const nlohmann::json health = control_health(control, why);
  if (health.is_null()) return why;
  const std::string now = string_field(health, "world", "");
  if (now != world) {
    return "the fakes at " + control.url + " hold another world than the shards drove (world " +
           (now.empty() ? "unnamed" : now) + ", the shards': " + world +
           "): restarted or reset since, so the shards' ground truth is gone";
  }
  return "";
}

}  // namespace

bool names_drive_shards(const std::vector<std::string>& inputs) {
  for (const auto& input : inputs) {
    if (input_path_is_directory(input)
            ? !matching_files_in(input, is_drive_shard_file_name).empty()
            : is_drive_shard_file_name(fs::path(input).filename().string())) {
      return true;
    }
  }
  return false;
}

int run_drive_merge(const std::vector<std::string>& inputs, const std::string& out_dir,
                    const ControlLink& control, bool quiet, std::ostream& out, std::ostream& err) {
  std::vector<DriveShard> shards;
  std::vector<std::string> files;
  try {
    files = drive_shard_files(inputs);
    for (const auto& f : files) {
      nlohmann::json doc = parse_json_or_discarded(read_input_file(f, "drive shard"));
      if (doc.is_discarded()) throw InputError(f, 0, "", "not JSON (or nested too deep)");
      shards.push_back(parse_drive_shard(doc, f));
    }
    check_one_drive(shards, files);
  } catch (const InputError& e) {
    err << "checkride report merge: " << e.what() << "\n";
    return 2;
  }
  DriveResult total;
  total.templates = shards.front().result.templates;
  for (const auto& s : shards) total.add(s.result);
  total.sort_sessions();
  const ControlLink link{control.url.empty() ? shards.front().control : control.url, control.token};
  if (std::string why = world_problem(link, shards.front().world); !why.empty()) {
    err << "checkride report merge: " << why << "\n";
    return 3;
  }
  const std::string stem = (fs::path(out_dir) / shards.front().name).string();
  return report_from_fakes(link, total, stem, static_cast<int>(shards.size()), quiet, out, err);
}

}  // namespace checkride
