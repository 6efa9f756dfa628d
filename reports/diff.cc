#include "reports/diff.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>

#include "protocol/input_error.h"
#include "protocol/input_file.h"
#include "protocol/json_input.h"
#include "reports/diff_kinds.h"
#include "reports/metric_names.h"
#include "reports/report.h"

namespace checkride {
namespace fs = std::filesystem;
namespace {

constexpr double kEpsilon = 1e-9;

std::string signed_number(double v) { return (v > 0 ? "+" : "") + format_number(v); }

std::string describe(const Threshold& t) {
  switch (t.kind) {
    case Threshold::Kind::kMaxDrop:
      return "may drop ≤ " + format_number(t.limit);
    case Threshold::Kind::kMaxRise:
      return t.limit == 0 ? "may not rise" : "may rise ≤ " + format_number(t.limit);
    case Threshold::Kind::kMaxDropPercent:
      return "may drop ≤ " + format_number(t.limit) + "%";
    case Threshold::Kind::kMaxRisePercent:
      return "may rise ≤ " + format_number(t.limit) + "%";
  }
  return "";
}

bool breached(const Threshold& t, double base, double cand) {
  double delta = cand - base;
  double scale = std::fabs(base);
  switch (t.kind) {
    case Threshold::Kind::kMaxDrop:
      return -delta > t.limit + kEpsilon;
    case Threshold::Kind::kMaxRise:
      return delta > t.limit + kEpsilon;
    case Threshold::Kind::kMaxDropPercent:
      if (delta >= 0) return false;
      return scale == 0 || 100 * -delta / scale > t.limit + kEpsilon;
    case Threshold::Kind::kMaxRisePercent:
      if (delta <= 0) return false;
      return scale == 0 || 100 * delta / scale > t.limit + kEpsilon;
  }
  return false;
}

nlohmann::json load_report(const std::string& path) {
  nlohmann::json j = parse_json_or_discarded(read_input_file(path, "report"));
  if (j.is_discarded())
    throw InputError(path, 0, "", "not valid JSON; expected a checkride report");
  ReportKind kind;
  if (!report_kind_of(j, kind)) {
    throw InputError(path, 0, "format",
                     "expected \"checkride.report/v1\", \"checkride.replay/v1\" or "
                     "\"checkride.sweep/v1\"");
  }
  if (kind != ReportKind::kRun) return j;
  if (!j.contains("metrics") || !j["metrics"].is_object()) {
    throw InputError(path, 0, "metrics", "expected an object of numbers");
  }
  for (const auto& [k, v] : j["metrics"].items()) {
    if (!v.is_number()) throw InputError(path, 0, "metrics." + k, "expected a number");
  }
  return j;
}

// Report files of a directory, by file name (run statistics excluded).
std::map<std::string, std::string> report_files(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    bool json = e.path().extension() == ".json";
    bool run_stats = name.size() > 9 && name.substr(name.size() - 9) == ".run.json";
    if (e.is_regular_file() && json && !run_stats) out[name] = e.path().string();
  }
  return out;
}

// "payment-outage.replay.json" -> "payment-outage": the kind is said next to the name.
std::string display_name(const std::string& file) {
  std::string stem = fs::path(file).stem().string();
  for (const char* suffix : {".replay", ".sweep"}) {
    const std::string s = suffix;
    if (stem.size() > s.size() && stem.compare(stem.size() - s.size(), s.size(), s) == 0) {
      return stem.substr(0, stem.size() - s.size());
    }
  }
  return stem;
}

struct Pair {
  std::string name;
  std::string baseline;   // empty: only in the candidate
  std::string candidate;  // empty: missing from the candidate
};

std::vector<Pair> pair_reports(const DiffOptions& o) {
  bool base_dir = input_path_is_directory(o.baseline);
  bool cand_dir = input_path_is_directory(o.candidate);
  if (!input_path_exists(o.baseline))
    throw InputError(o.baseline, 0, "", "no report or directory: " + why_path_missing(o.baseline));
  if (!input_path_exists(o.candidate))
    throw InputError(o.candidate, 0, "",
                     "no report or directory: " + why_path_missing(o.candidate));
  if (base_dir != cand_dir) {
    throw InputError(o.candidate, 0, "",
                     "baseline and candidate must both be report files or both directories");
  }
  if (!base_dir) return {Pair{display_name(o.candidate), o.baseline, o.candidate}};
  auto base = report_files(o.baseline);
  auto cand = report_files(o.candidate);
  if (base.empty()) throw InputError(o.baseline, 0, "", "directory holds no report .json");
  std::vector<Pair> out;
  for (const auto& [name, path] : base) {
    auto it = cand.find(name);
    out.push_back(Pair{display_name(name), path, it == cand.end() ? "" : it->second});
  }
  for (const auto& [name, path] : cand) {
    if (!base.count(name)) out.push_back(Pair{display_name(name), "", path});
  }
  return out;
}

double completion(const nlohmann::json& t) {
  uint64_t intents = uint_field(t, "intents", 0);
  return intents ? static_cast<double>(uint_field(t, "completed", 0)) / intents : 1.0;
}

// A report's session templates keyed by their own name (the cassette's session id), so the
// per-intent table survives each model's recordings living in their own file. A name two
// templates share keeps its full "cassette#session" key.
std::map<std::string, const nlohmann::json*> templates_by_session(const nlohmann::json& report) {
  std::map<std::string, const nlohmann::json*> out;
  auto it = report.find("templates");
  if (it == report.end() || !it->is_object()) return out;
  std::map<std::string, int> uses;
  auto session_of = [](const std::string& key, const nlohmann::json& t) {
    auto s = t.find("session");
    return s != t.end() && s->is_string() ? s->get<std::string>() : key;
  };
  for (const auto& [key, t] : it->items()) {
    if (t.is_object()) ++uses[session_of(key, t)];
  }
  for (const auto& [key, t] : it->items()) {
    if (!t.is_object()) continue;
    std::string name = session_of(key, t);
    out[uses[name] == 1 ? name : key] = &t;
  }
  return out;
}

// One scenario's section; returns true when a threshold is breached.
bool diff_one(const Pair& p, const nlohmann::json& base, const nlohmann::json& cand,
              const std::vector<Threshold>& thresholds, std::ostream& md) {
  const auto& bm = base["metrics"];
  const auto& cm = cand["metrics"];
  std::map<std::string, std::vector<const Threshold*>> rules;
  for (const auto& t : thresholds) rules[t.metric].push_back(&t);
  std::vector<std::string> metrics;
  for (const auto& [k, v] : bm.items()) metrics.push_back(k);
  for (const auto& [k, v] : cm.items()) {
    if (!bm.contains(k)) metrics.push_back(k);
  }
  std::sort(metrics.begin(), metrics.end());

  bool any_breach = false;
  std::ostringstream rows;
  for (const auto& m : metrics) {
    bool in_base = bm.contains(m), in_cand = cm.contains(m);
    double b = in_base ? bm[m].get<double>() : 0, c = in_cand ? cm[m].get<double>() : 0;
    auto found = rules.find(m);
    bool has_rule = found != rules.end();
    if (!has_rule && in_base && in_cand && b == c) continue;  // unchanged and ungated
    std::string rule_text, verdict;
    if (has_rule) {
      bool breach = false;
      for (const Threshold* t : found->second) {
        if (!rule_text.empty()) rule_text += "; ";
        rule_text += describe(*t);
        breach = breach || (in_base && in_cand && breached(*t, b, c)) || (in_base && !in_cand);
      }
      verdict = breach ? "❌" : "✅";
      any_breach = any_breach || breach;
    }
    rows << "| " << m << " | " << (in_base ? format_number(b) : "—") << " | "
         << (in_cand ? format_number(c) : "—") << " | "
         << (in_base && in_cand ? signed_number(c - b) : "") << " | " << rule_text << " | "
         << verdict << " |\n";
  }
  // A candidate that exercised nothing would show no drop anywhere: it is a regression.
  std::string empty;
  if (cand.contains("no_evidence") && cand["no_evidence"].is_string() &&
      !bool_field(cand, "allow_empty", false)) {
    empty = cand["no_evidence"].get<std::string>();
  } else if (bm.contains("intents") && cm.contains("intents") && bm["intents"].get<double>() > 0 &&
             cm["intents"].get<double>() == 0) {
    empty = "no charge-bearing action ran (intents = 0)";
  }
  any_breach = any_breach || !empty.empty();
  md << "### " << (any_breach ? "❌ " : "✅ ") << p.name << "\n\n";
  if (!empty.empty()) md << "**No evidence in the candidate:** " << empty << ".\n\n";
  if (string_field(base, "fingerprint", "") == string_field(cand, "fingerprint", "")) {
    md << "Same fingerprint: the runs are identical.\n\n";
  }
  md << "| metric | baseline | candidate | Δ | threshold | |\n|---|---|---|---|---|---|\n"
     << rows.str() << "\n";

  // Which recorded intents newly fail: per template, completion that dropped.
  struct Drop {
    std::string name;
    double before, after;
    uint64_t intents;
  };
  std::vector<Drop> drops;
  const auto base_templates = templates_by_session(base);
  const auto cand_templates = templates_by_session(cand);
  for (const auto& [name, bt] : base_templates) {
    auto found = cand_templates.find(name);
    if (found == cand_templates.end()) continue;
    const nlohmann::json& ct = *found->second;
    if (uint_field(ct, "intents", 0) == 0) continue;
    double before = completion(*bt), after = completion(ct);
    if (after + kEpsilon < before)
      drops.push_back(Drop{name, before, after, uint_field(ct, "intents", 0)});
  }
  std::sort(drops.begin(), drops.end(), [](const Drop& x, const Drop& y) {
    double dx = x.before - x.after, dy = y.before - y.after;
    return dx != dy ? dx > dy : x.name < y.name;
  });
  if (!drops.empty()) {
    md << "Intents that complete less often in the candidate:\n\n"
       << "| session template | baseline completion | candidate completion | intents |\n"
       << "|---|---|---|---|\n";
    for (const auto& d : drops) {
      md << "| " << d.name << " | " << format_number(d.before) << " | " << format_number(d.after)
         << " | " << d.intents << " |\n";
    }
    md << "\n";
  }
  return any_breach;
}

Threshold::Kind parse_kind(const std::string& key, bool& ok) {
  ok = true;
  if (key == "max_drop") return Threshold::Kind::kMaxDrop;
  if (key == "max_rise") return Threshold::Kind::kMaxRise;
  if (key == "max_drop_percent") return Threshold::Kind::kMaxDropPercent;
  if (key == "max_rise_percent") return Threshold::Kind::kMaxRisePercent;
  ok = false;
  return Threshold::Kind::kMaxRise;
}

}  // namespace

std::vector<Threshold> default_thresholds() {
  std::vector<Threshold> out;
  out.push_back({"completion_rate", Threshold::Kind::kMaxDrop, 0.005});
  for (const char* m :
       {"duplicate_charges", "duplicate_authorizations", "oversold_units", "coupon_overspend_cents",
        "charged_without_order", "order_without_charge", "false_success", "orphan_holds",
        "orphan_authorizations", "consent_violations", "policy_violations", "double_fulfilment"}) {
    out.push_back({m, Threshold::Kind::kMaxRise, 0});
  }
  return out;
}

std::vector<Threshold> load_thresholds(const std::string& path) {
  YAML::Node root = load_yaml_input(path, "thresholds file");
  if (!root.IsMap()) {
    throw InputError(path, root.Mark().line + 1, "",
                     "expected a map of metric: {max_drop|max_rise|max_drop_percent|"
                     "max_rise_percent: number}");
  }
  std::vector<Threshold> out;
  for (const auto& entry : root) {
    if (!entry.first.IsScalar()) {
      throw InputError(path, entry.first.Mark().line + 1, "", "expected a metric name as key");
    }
    std::string metric = entry.first.Scalar();
    const YAML::Node& rule = entry.second;
    if (!is_known_metric(metric)) {
      throw InputError(path, entry.first.Mark().line + 1, metric, unknown_metric_message(metric));
    }
    if (!rule.IsMap() || rule.size() == 0) {
      throw InputError(path, rule.Mark().line + 1, metric,
                       "expected {max_drop|max_rise|max_drop_percent|max_rise_percent: number}");
    }
    for (const auto& r : rule) {
      std::string key = r.first.IsScalar() ? r.first.Scalar() : "";
      bool ok = false;
      Threshold::Kind kind = parse_kind(key, ok);
      if (!ok) {
        throw InputError(path, r.first.Mark().line + 1, metric + "." + key,
                         "unknown rule; expected max_drop, max_rise, max_drop_percent or "
                         "max_rise_percent");
      }
      double limit = 0;
      try {
        limit = r.second.as<double>();
      } catch (const YAML::Exception&) {
        throw InputError(path, r.second.Mark().line + 1, metric + "." + key,
                         "expected a number, got '" + r.second.Scalar() + "'");
      }
      if (limit < 0) {
        throw InputError(path, r.second.Mark().line + 1, metric + "." + key,
                         "expected a number >= 0");
      }
      out.push_back(Threshold{metric, kind, limit});
    }
  }
  return out;
}

int run_diff(const DiffOptions& options, std::ostream& out, std::ostream& err) {
  std::vector<Threshold> thresholds;
  std::vector<Pair> pairs;
  std::vector<std::pair<nlohmann::json, nlohmann::json>> loaded;
  try {
    thresholds =
        options.thresholds.empty() ? default_thresholds() : load_thresholds(options.thresholds);
    pairs = pair_reports(options);
    for (const auto& p : pairs) {
      loaded.emplace_back(p.baseline.empty() ? nlohmann::json() : load_report(p.baseline),
                          p.candidate.empty() ? nlohmann::json() : load_report(p.candidate));
    }
  } catch (const InputError& e) {
    err << "checkride diff: " << e.what() << "\n";
    return 2;
  }
  std::ostringstream body;
  bool regression = false;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const Pair& p = pairs[i];
    if (p.candidate.empty()) {
      body << "### ❌ " << p.name << "\n\nIn the baseline but missing from the candidate.\n\n";
      regression = true;
    } else if (p.baseline.empty()) {
      body << "### " << p.name << "\n\nNew in the candidate (no baseline to compare).\n\n";
    } else {
      const auto& [base, cand] = loaded[i];
      ReportKind base_kind = ReportKind::kRun, cand_kind = ReportKind::kRun;
      report_kind_of(base, base_kind);
      report_kind_of(cand, cand_kind);
      if (base_kind != cand_kind) {
        err << "checkride diff: " << p.candidate << ": format: expected \""
            << string_field(base, "format", "") << "\" like its baseline " << p.baseline << "\n";
        return 2;
      }
      bool breach = base_kind == ReportKind::kReplay  ? diff_replay(p.name, base, cand, body)
                    : base_kind == ReportKind::kSweep ? diff_sweep(p.name, base, cand, body)
                                                      : diff_one(p, base, cand, thresholds, body);
      regression = breach || regression;
    }
  }
  out << "## checkride diff: " << (regression ? "❌ regression" : "✅ no regression") << "\n\n"
      << "baseline `" << options.baseline << "` · candidate `" << options.candidate << "`"
      << (options.thresholds.empty() ? " · default thresholds"
                                     : " · thresholds `" + options.thresholds + "`")
      << "\n\n"
      << body.str();
  return regression ? 1 : 0;
}

}  // namespace checkride
