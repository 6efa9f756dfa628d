#include "simulator/suite.h"

#include <sys/resource.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>

#include "orchestrator/action_catalog.h"
#include "protocol/audit_record.h"
#include "protocol/cassette.h"
#include "protocol/input_error.h"
#include "protocol/input_file.h"
#include "protocol/output_file.h"
#include "reports/html_render.h"
#include "reports/junit.h"
#include "scenario/scenario.h"
#include "scenario/swarm.h"
#include "simulator/simulation.h"

namespace checkride {
namespace fs = std::filesystem;

std::vector<std::string> expand_scenarios(const std::string& path) {
  std::vector<std::string> out;
  if (input_path_is_directory(path)) {
    for (const auto& entry : fs::directory_iterator(path)) {
      if (entry.is_regular_file() && entry.path().extension() == ".yaml") {
        out.push_back(entry.path().string());
      }
    }
    std::sort(out.begin(), out.end());
    if (out.empty()) throw InputError(path, 0, "", "directory holds no *.yaml scenario");
  } else {
    if (!input_path_exists(path))
      throw InputError(path, 0, "", "no scenario file or directory: " + why_path_missing(path));
    out.push_back(path);
  }
  return out;
}

namespace {

struct Outcome {
  Report report;
  uint64_t events = 0;
  std::vector<std::string> trace;
};

Outcome simulate(const Scenario& scenario, uint64_t trace_session,
                 std::function<void(int64_t, int64_t)> progress = {},
                 std::vector<AuditRecord>* audit = nullptr) {
  ActionCatalog owned;
  const ActionCatalog* actions = &ActionCatalog::default_catalog();
  if (scenario.actions != "default") {
    owned = ActionCatalog::from_file(scenario.actions);
    actions = &owned;
  }
  auto templates = compile_templates(scenario, *actions);
  SimulationOptions options;
  options.trace_session = trace_session;
  options.progress = std::move(progress);
  options.keep_audit = audit != nullptr;
  Simulation sim(scenario, *actions, std::move(templates), options);
  Outcome o;
  o.report = sim.run();
  if (audit) *audit = sim.store().audit_records();
  o.events = sim.events_processed();
  o.trace = sim.trace();
  return o;
}

long peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

void print_failed_gates(const Report& report, const std::string& indent, std::ostream& out) {
  for (const auto& g : report.gates) {
    if (!g.passed) {
      out << indent << "gate " << g.gate.metric << " " << g.gate.text << " failed: actual "
          << (g.known ? format_number(g.actual) : std::string("no such metric")) << "\n";
    }
  }
  for (const auto& f : report.fault_rules) {
    if (f.fired == 0 && f.active) {
      out << indent << "warning: " << f.rule << " (line " << f.line
          << ") never fired: it tested nothing\n";
    }
  }
  if (!report.no_evidence.empty()) {
    out << indent << "no evidence: " << report.no_evidence
        << (report.allow_empty ? " (accepted by --allow-empty)"
                               : "; nothing was tested (--allow-empty accepts it)")
        << "\n";
  }
}

void write_file(const std::string& path, const std::string& text) {
  write_output_file(path, text, "");
}

void apply_defects(Scenario& s, const std::vector<std::string>& names) {
  for (const auto& d : names) {
    Defect defect;
    if (!parse_defect(d, defect)) {
      throw InputError("--defect", 0, d, "unknown defect; run `checkride defects` for the list");
    }
    if (std::find(s.defect_names.begin(), s.defect_names.end(), d) == s.defect_names.end()) {
      s.orchestrator.defects.enable(defect);
      s.defect_names.push_back(d);
    }
  }
}

Report simulate_scenario(const Scenario& scenario) { return simulate(scenario, 0).report; }

Report simulate_traced(const Scenario& scenario, uint64_t session,
                       std::vector<std::string>& trace) {
  Outcome o = simulate(scenario, session);
  trace = std::move(o.trace);
  return std::move(o.report);
}

namespace {

// Every scenario of the run, loaded and checked before anything runs: bad input runs nothing.
// Throws InputError.
std::vector<Scenario> load_suite(const RunOptions& options) {
  std::vector<std::string> files;
  for (const auto& p : options.paths) {
    for (const auto& f : expand_scenarios(p)) files.push_back(f);
  }
  std::vector<Scenario> scenarios;
  for (const auto& f : files) {
    Scenario s = load_scenario(f, options.overrides);
    apply_defects(s, options.defects);
    if (options.swarm) apply_swarm(s);
    for (const auto& m : s.mix) load_cassette(m.cassette);
    if (s.actions != "default") ActionCatalog::from_file(s.actions);
    if (options.trace_session > 0 && options.trace_session > static_cast<uint64_t>(s.sessions)) {
      throw InputError(
          "--session", 0, std::to_string(options.trace_session),
          "no such session: " + s.path + " runs sessions 1.." + std::to_string(s.sessions));
    }
    scenarios.push_back(std::move(s));
  }
  return scenarios;
}

// One scenario's simulation, with its progress line and audit log. Throws InputError.
Outcome simulate_for_run(const RunOptions& options, const Scenario& s, std::ostream& err) {
  std::function<void(int64_t, int64_t)> progress;
  if (options.progress) {
    progress = [&err, &s](int64_t started, int64_t total) {
      err << "\r" << s.name << ": " << started << "/" << total << " sessions started" << std::flush;
    };
  }
  std::vector<AuditRecord> audit;
  Outcome o =
      simulate(s, options.trace_session, progress, options.audit_log.empty() ? nullptr : &audit);
  if (!options.audit_log.empty()) {
    std::string text;
    for (const auto& r : audit) text += audit_record_json(r) + "\n";
    write_file(options.audit_log, text);
  }
  if (options.progress && o.report.metrics["sessions"] >= (1 << 16)) {
    err << "\r\033[K" << std::flush;  // clear the progress line
  }
  return o;
}

// The report in each asked format, and the run's wall-clock figures beside it (never in it).
void write_run_reports(const RunOptions& options, const Scenario& s, Outcome& o,
                       const std::string& json, double wall) {
  fs::path base = fs::path(options.out_dir) / s.name;
  for (const auto& f : options.formats) {
    if (f == "json") write_file(base.string() + ".json", json);
    if (f == "md") write_file(base.string() + ".md", report_to_markdown(o.report));
    if (f == "html") {
      write_file(base.string() + ".html",
                 render_html(report_to_json(o.report), nullptr, base.string() + ".json"));
    }
  }
  nlohmann::json run = {{"wall_seconds", wall},
                        {"events", o.events},
                        {"sessions", static_cast<uint64_t>(o.report.metrics["sessions"])},
                        {"sessions_per_second", wall > 0 ? o.report.metrics["sessions"] / wall : 0},
                        {"events_per_second", wall > 0 ? static_cast<double>(o.events) / wall : 0},
                        {"peak_rss_kb", peak_rss_kb()}};
  write_file(base.string() + ".run.json", run.dump(2) + "\n");
}

void print_verdict(const RunOptions& options, const Scenario& s, Report& r, std::ostream& out) {
  const bool passed = r.passed();
  std::string verdict = r.verdict();
  if (options.color) verdict = (passed ? "\033[32m" : "\033[31m") + verdict + "\033[0m";
  out << verdict << " " << s.name << "  sessions=" << r.metrics["sessions"]
      << " completion=" << r.metrics["completion_rate"]
      << " duplicate_charges=" << r.metrics["duplicate_charges"]
      << " fingerprint=" << fingerprint_hex(r.fingerprint) << "\n";
  print_failed_gates(r, "     ", out);
}

// Runs one scenario and writes its reports; 0, or the exit code that ends the run.
int run_one(const RunOptions& options, const Scenario& s, std::vector<Report>& reports,
            bool& all_passed, std::ostream& out, std::ostream& err) {
  Outcome o;
  auto start = std::chrono::steady_clock::now();
  try {
    o = simulate_for_run(options, s, err);
  } catch (const InputError& e) {
    err << "checkride: " << e.what() << "\n";
    return 2;
  }
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  o.report.allow_empty = options.allow_empty;
  std::string json = report_to_json(o.report).dump(2) + "\n";
  if (options.check_determinism) {
    Outcome again = simulate(s, 0);
    again.report.allow_empty = options.allow_empty;
    if (report_to_json(again.report).dump(2) + "\n" != json) {
      err << "checkride: " << s.path << ": NOT deterministic: two runs with seed " << s.seed
          << " gave different reports\n";
      return 3;
    }
    if (!options.quiet) out << "determinism: " << s.name << " byte-identical across two runs\n";
  }
  write_run_reports(options, s, o, json, wall);
  for (const auto& line : o.trace) out << line << "\n";
  all_passed = all_passed && o.report.passed();
  if (!options.junit_file.empty()) reports.push_back(o.report);
  if (!options.quiet) print_verdict(options, s, o.report, out);
  return 0;
}

}  // namespace

int run_scenarios(const RunOptions& options, std::ostream& out, std::ostream& err) {
  std::vector<Scenario> scenarios;
  try {
    // A bad output path is refused before the run, not after it.
    if (!options.junit_file.empty()) check_output_path(options.junit_file, "--junit");
    if (!options.audit_log.empty()) check_output_path(options.audit_log, "--audit-log");
    scenarios = load_suite(options);
  } catch (const InputError& e) {
    err << "checkride: " << e.what() << "\n";
    return 2;
  }
  if (!options.audit_log.empty() && scenarios.size() != 1) {
    err << "checkride run: --audit-log takes exactly one scenario, got " << scenarios.size()
        << "\n";
    return 2;
  }
  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (ec) {
    err << "checkride: " << options.out_dir << ": cannot create report directory: " << ec.message()
        << "\n";
    return 2;
  }
  bool all_passed = true;
  std::vector<Report> reports;  // for JUnit
  for (const Scenario& s : scenarios) {
    if (int rc = run_one(options, s, reports, all_passed, out, err); rc != 0) return rc;
  }
  if (!options.junit_file.empty()) {
    std::vector<JUnitSuite> suites;
    for (const auto& r : reports) suites.push_back(JUnitSuite{r.scenario, &r});
    write_file(options.junit_file, junit_xml(suites));
  }
  if (!options.quiet) {
    std::string dir = options.out_dir;
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    out << "reports in " << dir << "/\n";
  }
  return all_passed ? 0 : 1;
}

int validate_files(const std::vector<std::string>& files, std::ostream& out, std::ostream& err) {
  int rc = 0;
  for (const auto& f : files) {
    try {
      fs::path p(f);
      if (!input_path_exists(p)) throw InputError(f, 0, "", why_path_missing(f));
      if (p.extension() == ".jsonl") {
        Cassette c = load_cassette(f);
        out << f << ": ok (cassette, " << c.sessions.size() << " sessions)\n";
        continue;
      }
      YAML::Node root = load_yaml_input(f, "file");
      if (root.IsMap() && root["actions"]) {
        ActionCatalog c = ActionCatalog::from_file(f);
        out << f << ": ok (action catalog, " << c.actions().size() << " actions)\n";
      } else if (is_world_document(root)) {
        Scenario w = default_scenario();
        load_world_file(w, f);
        // Bookings on offers of another world file are checked where the files are combined.
        if (!w.offers.empty() || !w.skus.empty()) check_existing_bookings(w);
        out << f << ": ok (world file, " << w.skus.size() << " SKUs, " << w.offers.size()
            << " offers, " << w.existing.bookings.size() << " bookings, "
            << w.existing.orders.size() << " orders, " << w.existing.stored_value.size()
            << " stored-value instruments"
            << (w.existing.payment_methods.empty()
                    ? std::string()
                    : ", " + std::to_string(w.existing.payment_methods.size()) +
                          " cards and wallets")
            << (w.extras.empty() ? std::string()
                                 : ", " + std::to_string(w.extras.size()) + " extras")
            << (w.taxes.empty() ? std::string() : ", " + std::to_string(w.taxes.size()) + " taxes")
            << ")\n";
      } else {
        Scenario s = load_scenario(f);
        for (const auto& m : s.mix) load_cassette(m.cassette);
        if (s.actions != "default") ActionCatalog::from_file(s.actions);
        out << f << ": ok (scenario " << s.name << ")\n";
      }
    } catch (const InputError& e) {
      err << "checkride: " << e.what() << "\n";
      rc = 2;
    }
  }
  return rc;
}

}  // namespace checkride
