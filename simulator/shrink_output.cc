// `checkride shrink`: the search's result as files a user reruns: NAME.min.yaml, and the
// minimal run's report and trace.
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <ostream>

#include "protocol/input_error.h"
#include "protocol/output_file.h"
#include "reports/report.h"
#include "simulator/shrink.h"
#include "simulator/suite.h"

namespace checkride {
namespace {

namespace fs = std::filesystem;

std::string duration_text(Time ms) { return std::to_string(ms) + "ms"; }

// A path of the scenario file, rewritten to be relative to the folder the new file is in.
std::string moved(const std::string& path, const fs::path& from_dir, const fs::path& to_dir) {
  fs::path p(path);
  if (p.is_absolute()) return path;
  fs::path target = fs::absolute(from_dir / p).lexically_normal();
  return target.lexically_relative(fs::absolute(to_dir)).string();
}

void move_paths(YAML::Node doc, const fs::path& from, const fs::path& to) {
  if (doc["world"] && doc["world"]["catalog"]) {
    YAML::Node c = doc["world"]["catalog"];
    if (c.IsSequence()) {
      for (std::size_t i = 0; i < c.size(); ++i) c[i] = moved(c[i].as<std::string>(), from, to);
    } else {
      doc["world"]["catalog"] = moved(c.as<std::string>(), from, to);
    }
  }
  if (doc["orchestrator"] && doc["orchestrator"]["actions"] &&
      doc["orchestrator"]["actions"].as<std::string>() != "default") {
    doc["orchestrator"]["actions"] =
        moved(doc["orchestrator"]["actions"].as<std::string>(), from, to);
  }
  if (doc["workload"] && doc["workload"]["mix"]) {
    for (auto entry : doc["workload"]["mix"]) {
      if (entry["cassette"])
        entry["cassette"] = moved(entry["cassette"].as<std::string>(), from, to);
    }
  }
}

// The original document with the minimal scenario's sessions, defects and rules.
YAML::Node minimal_document(const ShrinkOptions& o, const ShrinkResult& r, const fs::path& out) {
  std::vector<std::string> overrides = o.overrides;
  if (o.seed >= 0) overrides.push_back("seed=" + std::to_string(o.seed));
  YAML::Node doc = scenario_document(o.scenario, overrides);
  doc["scenario"] = r.minimal.name + ".min";
  doc["seed"] = r.minimal.seed;
  if (!r.minimal.defect_names.empty()) doc["orchestrator"]["defects"] = r.minimal.defect_names;
  doc["workload"]["sessions"] = r.minimal.sessions;
  doc["workload"]["keep_sessions"] = r.minimal.keep_sessions;
  doc["workload"]["keep_sessions"].SetStyle(YAML::EmitterStyle::Flow);
  YAML::Node original = doc["faults"];
  YAML::Node faults(YAML::NodeType::Sequence);
  for (std::size_t i = 0; i < r.minimal.faults.size(); ++i) {
    const FaultRule& rule = r.minimal.faults[i];
    YAML::Node n = YAML::Clone(original[static_cast<std::size_t>(rule.stream)]);
    if (static_cast<std::size_t>(rule.stream) != i) n["stream"] = rule.stream;
    if (rule.nth > 0) n["nth"] = rule.nth;
    if (rule.to != std::numeric_limits<Time>::max()) {
      n["from"] = duration_text(rule.from);
      n["to"] = duration_text(rule.to);
    }
    n.SetStyle(YAML::EmitterStyle::Flow);
    faults.push_back(n);
  }
  if (faults.size() > 0)
    doc["faults"] = faults;
  else
    doc.remove("faults");
  for (std::size_t i = 0; i < r.minimal.skus.size(); ++i) {
    if (r.minimal.skus[i].stock != r.original.skus[i].stock) {
      doc["world"]["stock"][r.minimal.skus[i].id] = r.minimal.skus[i].stock;
    }
  }
  for (std::size_t i = 0; i < r.minimal.offers.size(); ++i) {
    if (r.minimal.offers[i].capacity != r.original.offers[i].capacity) {
      doc["world"]["capacity"][r.minimal.offers[i].id] = r.minimal.offers[i].capacity;
    }
  }
  move_paths(doc, fs::path(o.scenario).parent_path(), out);
  return doc;
}

void write_text(const std::string& path, const std::string& text) {
  write_output_file(path, text, "--out");
}

}  // namespace

int run_shrink(const ShrinkOptions& o, std::ostream& out, std::ostream& err) {
  ShrinkResult r;
  std::string min_path;
  try {
    r = shrink_scenario(o);
    fs::create_directories(o.out_dir);
    const std::string base = (fs::path(o.out_dir) / r.minimal.name).string() + ".min";
    min_path = base + ".yaml";
    YAML::Emitter yaml;
    yaml << minimal_document(o, r, o.out_dir);
    write_text(min_path, "# checkride shrink of " + o.scenario + ": still fails " + r.gate + "\n" +
                             yaml.c_str() + "\n");
    // The file written must fail the same gate again, or it is no repro.
    Scenario again = load_scenario(min_path);
    std::vector<std::string> trace;
    Report report = simulate_traced(again, r.witness_session, trace);
    bool still = false;
    for (const auto& g : report.gates)
      still = still || (g.gate.metric + " " + g.gate.text == r.gate && !g.passed);
    if (!still) {
      err << "checkride shrink: internal error: " << min_path << " does not fail " << r.gate
          << " again\n";
      return 3;
    }
    write_text(base + ".json", report_to_json(report).dump(2) + "\n");
    write_text(base + ".md", report_to_markdown(report));
    std::string lines;
    for (const auto& l : trace) lines += l + "\n";
    write_text(base + ".trace.txt", lines);
  } catch (const InputError& e) {
    err << "checkride shrink: " << e.what() << "\n";
    return 2;
  }
  if (!o.quiet) {
    out << "shrunk " << r.minimal.name << " (gate " << r.gate << ", actual "
        << format_number(r.actual) << "): " << r.sessions_before << " -> " << r.sessions_after
        << " sessions, " << r.rules_before << " -> " << r.rules_after << " fault rules";
    if (r.sessions_arriving < r.sessions_before) {
      out << ", load phase to the first " << r.sessions_arriving << " arrivals";
    }
    out << ", " << r.runs << " runs\n";
    for (const auto& n : r.narrowed) out << "  narrowed " << n << "\n";
    out << "  " << min_path << " (checkride run " << min_path << " --session " << r.witness_session
        << " --trace)\n";
  }
  return 0;
}

}  // namespace checkride
