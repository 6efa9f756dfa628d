// A scenario file: its top level, and the sections read by their own files
// (scenario_sections.h).
#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "protocol/input_error.h"
#include "reports/metric_names.h"
#include "scenario/scenario.h"
#include "scenario/scenario_sections.h"

namespace checkride {

Scenario default_scenario() {
  Scenario s;
  s.latency[static_cast<int>(Provider::kCatalog)] = {LatencySpec::Kind::kLognormal, 15, 60};
  s.latency[static_cast<int>(Provider::kPayment)] = {LatencySpec::Kind::kLognormal, 120, 900};
  s.latency[static_cast<int>(Provider::kBooking)] = {LatencySpec::Kind::kLognormal, 200, 1200};
  s.latency[static_cast<int>(Provider::kIdentity)] = {LatencySpec::Kind::kLognormal, 30, 150};
  return s;
}

namespace {

// `faults_fired: all`: every fault rule struck at least once, else the scenario proves
// nothing about the faults it names. A gate on fault_rules_never_fired == 0.
Gate faults_fired_gate(const Scenario& s, const YAML::Node& value, const std::string& path) {
  if (!value.IsScalar() || value.Scalar() != "all") {
    throw InputError(path, line_of(value), "expect.faults_fired",
                     "expected `all` (every fault rule fires at least once)");
  }
  if (s.faults.empty()) {
    throw InputError(path, line_of(value), "expect.faults_fired",
                     "`all` gates on the scenario's fault rules, but `faults:` declares none");
  }
  return Gate{"fault_rules_never_fired", "==", 0, "0 (faults_fired: all)"};
}

Scenario read_scenario(const std::string& path, const std::vector<std::string>& overrides) {
  YAML::Node root = load_yaml_file(path, "scenario");
  if (!root.IsMap())
    throw InputError(path, line_of(root), "", "expected a mapping at the top level");
  for (const auto& o : overrides) apply_override(root, o);
  Scenario s = default_scenario();
  s.path = path;
  MapReader top(root, path, "");
  s.name = top.str("scenario", std::filesystem::path(path).stem().string());
  s.description = top.str("description", "");
  const int64_t seed = top.integer("seed", 1);
  if (seed < 0) top.fail(top.get("seed"), "seed", "expected an integer >= 0");
  s.seed = static_cast<uint64_t>(seed);
  parse_world(s, top);
  check_existing_bookings(s);
  if (top.has("oauth_clients")) load_oauth_clients(s, top.get("oauth_clients"), path);
  parse_orchestrator(s, top);
  parse_workload(s, top);
  if (top.has("faults")) {
    YAML::Node list = top.get("faults");
    if (!list.IsSequence()) top.fail(list, "faults", "expected a list of fault rules");
    int i = 0;
    for (const auto& n : list) s.faults.push_back(parse_fault(n, path, i++));
  }
  if (top.has("expect")) {
    MapReader em(top.get("expect"), path, "expect");
    for (const auto& kv : top.get("expect")) {
      std::string metric = kv.first.Scalar();
      if (metric == "faults_fired") {
        s.expect.push_back(faults_fired_gate(s, kv.second, path));
        continue;
      }
      if (!is_known_metric(metric)) {
        throw InputError(path, line_of(kv.first), "expect." + metric,
                         unknown_metric_message(metric));
      }
      Gate g;
      if (!kv.second.IsScalar() || !parse_gate(metric, kv.second.Scalar(), g)) {
        throw InputError(path, line_of(kv.second), "expect." + metric,
                         "expected a number or a comparison like \">= 0.95\" or \"<= 8000\"");
      }
      g.text = kv.second.Scalar();
      s.expect.push_back(g);
    }
  }
  top.finish();
  s.orchestrator.seed = s.seed;
  return s;
}

}  // namespace

YAML::Node scenario_document(const std::string& path, const std::vector<std::string>& overrides) {
  try {
    YAML::Node root = load_yaml_file(path, "scenario");
    for (const auto& o : overrides) apply_override(root, o);
    return root;
  } catch (const YAML::Exception& e) {
    throw InputError(path, e.mark.line >= 0 ? e.mark.line + 1 : 0, "",
                     "unexpected YAML shape: " + e.msg);
  }
}

Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides) {
  try {
    return read_scenario(path, overrides);
  } catch (const YAML::Exception& e) {
    // Every field is read with its shape checked first; this is the net under what a reader
    // missed, so that a shape no one foresaw is still bad input, not a crash.
    throw InputError(path, e.mark.line >= 0 ? e.mark.line + 1 : 0, "",
                     "unexpected YAML shape: " + e.msg);
  }
}

}  // namespace checkride