#include "simulator/sweep.h"

#include <charconv>
#include <chrono>
#include <filesystem>
#include <ostream>

#include "protocol/catalog_ref.h"
#include "protocol/input_error.h"
#include "protocol/input_file.h"
#include "protocol/output_file.h"
#include "reports/html_render.h"
#include "reports/junit.h"
#include "scenario/scenario.h"
#include "scenario/swarm.h"
#include "simulator/suite.h"
#include "simulator/sweep_jobs.h"

namespace checkride {
namespace {

constexpr uint64_t kMaxSeeds = 100000;

bool whole_number(std::string_view text, uint64_t& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc() && ptr == text.data() + text.size();
}

// "I/N" with 0 <= I < N, N >= 1.
bool parse_shard(const std::string& text, ShardSpec& out) {
  auto slash = text.find('/');
  uint64_t index = 0, count = 0;
  if (slash == std::string::npos || !whole_number(std::string_view(text).substr(0, slash), index) ||
      !whole_number(std::string_view(text).substr(slash + 1), count) || count < 1 ||
      count > 10000 || index >= count) {
    return false;
  }
  out = ShardSpec{static_cast<int>(index), static_cast<int>(count)};
  return true;
}

// What identifies the sweep across shards: the scenario's text and the overrides, so
// shards of a scenario edited in between do not add up.
std::string sweep_identity(const SweepOptions& o) {
  std::string text = read_input_file(o.scenario, "scenario");
  for (const auto& s : o.overrides) text += "\n--set " + s;
  for (const auto& d : o.defects) text += "\n--defect " + d;
  return catalog_text_sha256(text);
}

// The progress line: seeds done, failures so far and an estimate of the time left. The
// wall clock here is for the person watching; it never reaches a report.
class ProgressLine {
 public:
  ProgressLine(const SweepOptions& o, std::ostream& err, std::size_t total)
      : on_(o.progress), color_(o.color), err_(err), total_(total) {}
  void update(std::size_t done, std::size_t failed) {
    if (!on_) return;
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    double left =
        done ? elapsed / static_cast<double>(done) * static_cast<double>(total_ - done) : 0;
    std::string failures = std::to_string(failed) + " failed";
    if (color_ && failed > 0) failures = "\033[31m" + failures + "\033[0m";
    err_ << "\r\033[Ksweep: " << done << "/" << total_ << " seeds, " << failures << ", ETA "
         << static_cast<long long>(left + 0.5) << "s" << std::flush;
  }
  void clear() {
    if (on_) err_ << "\r\033[K" << std::flush;
  }

 private:
  bool on_, color_;
  std::ostream& err_;
  std::size_t total_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

std::string report_base(const SweepOptions& o, const std::string& name) {
  std::string stem = name;
  if (o.shard.count > 1) {
    stem += ".shard-" + std::to_string(o.shard.index) + "-of-" + std::to_string(o.shard.count);
  }
  return (std::filesystem::path(o.out_dir) / stem).string();
}

}  // namespace

bool parse_seed_range(const std::string& text, uint64_t& first, uint64_t& last) {
  auto dots = text.find("..");
  if (dots == std::string::npos) return false;
  std::string_view s = text;
  return whole_number(s.substr(0, dots), first) && whole_number(s.substr(dots + 2), last) &&
         first <= last;
}

ShardSpec resolve_shard(const std::string& flag, const std::string& checkride_shard,
                        const std::string& job_completion_index, int count) {
  ShardSpec shard;
  if (!flag.empty()) {
    if (!parse_shard(flag, shard)) {
      throw InputError("--shard", 0, flag, "expected I/N with 0 <= I < N, e.g. 0/4");
    }
    return shard;
  }
  if (!checkride_shard.empty()) {
    if (!parse_shard(checkride_shard, shard)) {
      throw InputError("CHECKRIDE_SHARD", 0, checkride_shard,
                       "expected I/N with 0 <= I < N, e.g. 0/4");
    }
    return shard;
  }
  if (count <= 0) return shard;
  uint64_t index = 0;
  if (job_completion_index.empty()) {
    throw InputError("--shards", 0, std::to_string(count),
                     "takes the shard's index from JOB_COMPLETION_INDEX (a Kubernetes Indexed "
                     "Job), which is not set; or pass --shard I/N");
  }
  if (!whole_number(job_completion_index, index) || index >= static_cast<uint64_t>(count)) {
    throw InputError("JOB_COMPLETION_INDEX", 0, job_completion_index,
                     "expected an index from 0 to " + std::to_string(count - 1) + " (--shards " +
                         std::to_string(count) + ")");
  }
  return ShardSpec{static_cast<int>(index), count};
}

namespace {

// The scenario once per seed of the shard's share of the range, validated before any runs.
// Throws InputError.
std::vector<Scenario> load_runs(const SweepOptions& o, uint64_t& first, uint64_t& last) {
  if (!parse_seed_range(o.seeds, first, last)) {
    throw InputError("--seeds", 0, o.seeds, "expected a range A..B of seeds with A <= B");
  }
  if (last - first + 1 > kMaxSeeds) {
    throw InputError("--seeds", 0, o.seeds,
                     "at most " + std::to_string(kMaxSeeds) + " seeds in one sweep");
  }
  if (o.defer_gates && o.shard.count <= 1) {
    throw InputError("--defer-gates", 0, "",
                     "is for a shard (--shard, --shards or CHECKRIDE_SHARD), whose merge "
                     "gates the sweep; without one nothing would");
  }
  if (o.jobs < 1 || o.jobs > 256) {
    throw InputError("--jobs", 0, std::to_string(o.jobs), "expected 1 to 256 processes");
  }
  std::vector<Scenario> runs;
  for (uint64_t seed = first + o.shard.index; seed <= last; seed += o.shard.count) {
    std::vector<std::string> overrides = o.overrides;
    overrides.push_back("seed=" + std::to_string(seed));
    Scenario s = load_scenario(o.scenario, overrides);
    apply_defects(s, o.defects);
    if (o.swarm) apply_swarm(s);
    runs.push_back(std::move(s));
    if (seed > last - o.shard.count) break;  // the next step would overflow
  }
  if (runs.empty()) {
    throw InputError("--shard", 0,
                     std::to_string(o.shard.index) + "/" + std::to_string(o.shard.count),
                     "holds no seed of " + o.seeds + ": use at most " +
                         std::to_string(last - first + 1) + " shards");
  }
  return runs;
}

// NAME.sweep.{json,md} (and .html, the JUnit file); returns the Markdown.
std::string write_reports(const SweepOptions& o, const SweepReport& total,
                          const std::string& base) {
  nlohmann::json j = total.to_json();
  write_file(base + ".sweep.json", j.dump(2) + "\n");
  std::string md = total.to_markdown();
  write_file(base + ".sweep.md", md);
  if (o.html) write_file(base + ".sweep.html", render_html(j, nullptr, base + ".sweep.json"));
  if (!o.junit_file.empty()) {
    std::vector<Report> reports = total.seed_reports();
    std::vector<JUnitSuite> suites;
    for (const auto& r : reports) {
      suites.push_back(JUnitSuite{total.scenario() + " seed=" + std::to_string(r.seed), &r});
    }
    write_file(o.junit_file, junit_xml(suites));
  }
  return md;
}

}  // namespace

int run_sweep(const SweepOptions& o, std::ostream& out, std::ostream& err) {
  uint64_t first = 0, last = 0;
  std::vector<Scenario> runs;
  std::string identity;
  try {
    if (!o.junit_file.empty()) check_output_path(o.junit_file, "--junit");
    runs = load_runs(o, first, last);
    identity = sweep_identity(o);
  } catch (const InputError& e) {
    err << "checkride sweep: " << e.what() << "\n";
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(o.out_dir, ec);
  if (ec) {
    err << "checkride sweep: " << o.out_dir << ": cannot create report directory\n";
    return 2;
  }
  const std::string name = runs.front().name;
  const SweepReport blank(name, identity, first, last, o.swarm, o.shard);
  SweepReport total = blank;
  ProgressLine progress(o, err, runs.size());
  std::size_t failed = 0;
  std::string job_error =
      run_seeds(runs, o.jobs, o.allow_empty, blank, [&](const SweepReport& part) {
        total.merge(part, "a sweep job");
        for (const auto& r : part.runs()) failed += !r.passed;
        progress.update(total.runs().size(), failed);
      });
  progress.clear();
  if (!job_error.empty() || total.runs().size() != runs.size()) {
    err << "checkride sweep: internal error: "
        << (job_error.empty() ? "a job's seeds are missing" : job_error) << "\n";
    return 3;
  }
  std::string base = report_base(o, name);
  std::string md = write_reports(o, total, base);
  if (!o.quiet) out << md << "\nreports in " << base << ".sweep.{json,md}\n";
  if (o.defer_gates && !total.passed()) {
    err << "checkride sweep: some seed failed a gate; deferred to `report merge` (--defer-gates)\n";
    return 0;
  }
  return total.passed() ? 0 : 1;
}

}  // namespace checkride
