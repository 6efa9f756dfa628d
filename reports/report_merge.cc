#include "reports/report_merge.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>

#include "protocol/input_error.h"
#include "protocol/input_file.h"
#include "protocol/json_input.h"
#include "protocol/output_file.h"
#include "reports/html_render.h"
#include "reports/sweep_report.h"

namespace checkride {
namespace {

namespace fs = std::filesystem;

// NAME.shard-I-of-N.sweep.json: what a shard writes. A folder's other sweep reports (the
// merged NAME.sweep.json of an earlier merge into the same folder) are not shards.
bool is_shard_file(const std::string& name) {
  const std::string suffix = ".sweep.json";
  return name.size() > suffix.size() &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
         name.find(".shard-") != std::string::npos;
}

// The shard reports among the inputs: files as named, folders' shard files, sorted.
std::vector<std::string> sweep_files(const std::vector<std::string>& inputs) {
  return named_or_contained_files(inputs, is_shard_file, "report file",
                                  "shard report (NAME.shard-I-of-N.sweep.json)");
}

void write_text(const std::string& path, const std::string& text) {
  write_output_file(path, text, "--out");
}

}  // namespace

int run_report_merge(const std::vector<std::string>& inputs, const std::string& out_dir, bool html,
                     std::ostream& out, std::ostream& err) {
  try {
    std::vector<std::string> files = sweep_files(inputs);
    std::vector<SweepReport> shards;
    std::map<int, std::string> by_index;
    for (const auto& f : files) {
      std::string text = read_input_file(f, "sweep report");
      nlohmann::json j = parse_json_or_discarded(text);
      if (j.is_discarded()) throw InputError(f, 0, "", "not JSON (or nested too deep)");
      SweepReport s = SweepReport::from_json(j, f);
      if (!shards.empty() && s.shard().count != shards.front().shard().count) {
        throw InputError(f, 0, "shard",
                         "a shard of " + std::to_string(s.shard().count) + ", but " +
                             by_index.begin()->second + " is a shard of " +
                             std::to_string(shards.front().shard().count));
      }
      auto [it, fresh] = by_index.emplace(s.shard().index, f);
      if (!fresh) {
        throw InputError(
            f, 0, "shard",
            "shard " + std::to_string(s.shard().index) + " again (also " + it->second + ")");
      }
      if (s.runs().size() != s.expected_seeds()) {
        throw InputError(f, 0, "runs",
                         "holds " + std::to_string(s.runs().size()) + " seeds; its shard has " +
                             std::to_string(s.expected_seeds()));
      }
      shards.push_back(std::move(s));
    }
    SweepReport total = shards.front();
    for (std::size_t i = 1; i < shards.size(); ++i) total.merge(shards[i], files[i]);
    std::vector<int> indexes;
    for (const auto& [index, file] : by_index) indexes.push_back(index);
    total.finish_merge(indexes, files.front());
    std::error_code ec;
    fs::create_directories(out_dir, ec);
    if (ec) throw InputError(out_dir, 0, "--out", "cannot create the report directory");
    std::string base = (fs::path(out_dir) / total.scenario()).string();
    std::string md = total.to_markdown();
    nlohmann::json merged = total.to_json();
    write_text(base + ".sweep.json", merged.dump(2) + "\n");
    write_text(base + ".sweep.md", md);
    if (html) write_text(base + ".sweep.html", render_html(merged, nullptr, base + ".sweep.json"));
    out << md << "\nmerged " << shards.size() << " shard(s) into " << base << ".sweep.{json,md}\n";
    return total.passed() ? 0 : 1;
  } catch (const InputError& e) {
    err << "checkride report merge: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace checkride
