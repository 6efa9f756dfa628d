#include "simulator/sweep.h"

#include <charconv>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "protocol/input_error.h"
#include "reports/junit.h"
#include "reports/report.h"
#include "simulator/scenario.h"
#include "simulator/suite.h"

namespace checkride {
namespace {

constexpr uint64_t kMaxSeeds = 1000;

std::string fixed(double v) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(3);
  s << v;
  return s.str();
}

}  // namespace

double pass_hat_k(int n, int c, int k) {
  if (k <= 0 || k > n || k > c) return 0;
  double p = 1;
  for (int i = 0; i < k; ++i) p *= static_cast<double>(c - i) / static_cast<double>(n - i);
  return p;
}

bool parse_seed_range(const std::string& text, uint64_t& first, uint64_t& last) {
  auto dots = text.find("..");
  if (dots == std::string::npos) return false;
  auto whole = [](const char* begin, const char* end, uint64_t& out) {
    auto [ptr, ec] = std::from_chars(begin, end, out);
    return begin != end && ec == std::errc() && ptr == end;
  };
  const char* s = text.data();
  return whole(s, s + dots, first) && whole(s + dots + 2, s + text.size(), last) && first <= last;
}

int run_sweep(const SweepOptions& o, std::ostream& out, std::ostream& err) {
  uint64_t first = 0, last = 0;
  std::vector<Scenario> runs;
  try {
    if (!parse_seed_range(o.seeds, first, last)) {
      throw InputError("--seeds", 0, o.seeds, "expected a range A..B of seeds with A <= B");
    }
    if (last - first + 1 > kMaxSeeds) {
      throw InputError("--seeds", 0, o.seeds,
                       "at most " + std::to_string(kMaxSeeds) + " seeds in one sweep");
    }
    for (uint64_t seed = first; seed <= last; ++seed) {
      std::vector<std::string> overrides = o.overrides;
      overrides.push_back("seed=" + std::to_string(seed));
      runs.push_back(load_scenario(o.scenario, overrides));
    }
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

  const int n = static_cast<int>(runs.size());
  std::vector<Report> reports;
  std::map<std::string, int> successes;  // template -> seeds in which all its intents completed
  std::map<std::string, int> trials;
  std::map<std::string, std::string> session_of;  // template -> its session id
  bool all_passed = true;
  std::string no_evidence;  // the first seed that exercised nothing
  for (const Scenario& s : runs) {
    Report r = simulate_scenario(s);
    r.allow_empty = o.allow_empty;
    if (!r.no_evidence.empty() && !r.allow_empty && no_evidence.empty()) {
      no_evidence = "seed " + std::to_string(r.seed) + ": " + r.no_evidence;
    }
    for (const auto& [name, t] : r.templates) {
      if (t.intents == 0) continue;
      ++trials[name];
      session_of[name] = t.session;
      if (t.completed == t.intents) ++successes[name];
    }
    all_passed = all_passed && r.passed();
    reports.push_back(std::move(r));
  }

  const std::string name = runs.front().name;
  nlohmann::json j;
  j["format"] = "checkride.sweep/v1";
  j["scenario"] = name;
  j["seeds"] = {first, last};
  nlohmann::json per_seed = nlohmann::json::array();
  for (const auto& r : reports) {
    per_seed.push_back({{"seed", r.seed},
                        {"passed", r.passed()},
                        {"verdict", r.verdict()},
                        {"fingerprint", fingerprint_hex(r.fingerprint)},
                        {"completion_rate", r.metrics.at("completion_rate")},
                        {"duplicate_charges", r.metrics.at("duplicate_charges")}});
  }
  j["runs"] = per_seed;
  std::ostringstream md;
  md << "## sweep " << name << " — seeds " << first << ".." << last << " ("
     << (all_passed            ? "every seed met its gates"
         : no_evidence.empty() ? "some seed failed a gate"
                               : "NO EVIDENCE: " + no_evidence)
     << ")\n\n"
     << "pass^k per session template: the chance that k runs drawn from the " << n
     << " all complete every intent of the template (τ-bench's pass^k).\n\n| template | c/n |";
  for (int k = 1; k <= n; ++k) md << " k=" << k << " |";
  md << "\n|---|---|";
  for (int k = 1; k <= n; ++k) md << "---|";
  md << "\n";
  nlohmann::json templates = nlohmann::json::object();
  for (const auto& [tmpl, count] : trials) {
    int c = successes[tmpl];
    // A template absent from a seed's run (never drawn by the mix) is not a trial there.
    nlohmann::json pk = nlohmann::json::array();
    md << "| " << tmpl << " | " << c << "/" << count << " |";
    for (int k = 1; k <= n; ++k) {
      double p = pass_hat_k(count, c, k);
      pk.push_back(k <= count ? nlohmann::json(p) : nlohmann::json(nullptr));
      md << " " << (k <= count ? fixed(p) : "—") << " |";
    }
    md << "\n";
    templates[tmpl] = {{"trials", count}, {"successes", c}, {"pass_hat_k", pk}};
    if (!session_of[tmpl].empty()) templates[tmpl]["session"] = session_of[tmpl];
  }
  j["templates"] = templates;
  std::string base = (std::filesystem::path(o.out_dir) / name).string();
  write_file(base + ".sweep.json", j.dump(2) + "\n");
  write_file(base + ".sweep.md", md.str());
  if (!o.junit_file.empty()) {
    std::vector<JUnitSuite> suites;
    for (const auto& r : reports) {
      suites.push_back(JUnitSuite{name + " seed=" + std::to_string(r.seed), &r});
    }
    write_file(o.junit_file, junit_xml(suites));
  }
  if (!o.quiet) out << md.str() << "\nreports in " << base << ".sweep.{json,md}\n";
  return all_passed ? 0 : 1;
}

}  // namespace checkride
