#include "reports/diff_kinds.h"

#include <map>

#include "reports/report.h"

namespace checkride {
namespace {

constexpr double kEpsilon = 1e-9;

int verdict_rank(const std::string& verdict) {
  if (verdict == "same") return 0;
  if (verdict == "recovered") return 1;
  return 2;  // diverged, or anything this version does not know
}

std::map<std::string, std::string> verdicts(const nlohmann::json& replay) {
  std::map<std::string, std::string> out;
  auto sessions = replay.find("sessions");
  if (sessions == replay.end() || !sessions->is_array()) return out;
  for (const auto& s : *sessions) {
    if (!s.is_object() || !s.contains("session") || !s["session"].is_string()) continue;
    auto v = s.find("verdict");
    out[s["session"].get<std::string>()] =
        v != s.end() && v->is_string() ? v->get<std::string>() : "diverged";
  }
  return out;
}

int count_verdict(const std::map<std::string, std::string>& v, const std::string& verdict) {
  int n = 0;
  for (const auto& [session, got] : v) n += got == verdict;
  return n;
}

// Seeds that failed a gate, and per template (keyed by session name) its pass^1.
struct SweepSummary {
  int seeds = 0;
  int failed = 0;
  std::map<std::string, double> pass1;
};

SweepSummary summarize(const nlohmann::json& sweep) {
  SweepSummary s;
  auto runs = sweep.find("runs");
  if (runs != sweep.end() && runs->is_array()) {
    for (const auto& r : *runs) {
      ++s.seeds;
      auto passed = r.find("passed");
      s.failed += !(passed != r.end() && passed->is_boolean() && passed->get<bool>());
    }
  }
  auto templates = sweep.find("templates");
  if (templates == sweep.end() || !templates->is_object()) return s;
  for (const auto& [key, t] : templates->items()) {
    if (!t.is_object()) continue;
    auto trials = t.find("trials");
    auto successes = t.find("successes");
    if (trials == t.end() || successes == t.end() || !trials->is_number() ||
        !successes->is_number() || trials->get<double>() <= 0) {
      continue;
    }
    auto session = t.find("session");
    std::string name =
        session != t.end() && session->is_string() ? session->get<std::string>() : key;
    s.pass1[name] = successes->get<double>() / trials->get<double>();
  }
  return s;
}

}  // namespace

bool report_kind_of(const nlohmann::json& doc, ReportKind& kind) {
  if (!doc.is_object() || !doc.contains("format") || !doc["format"].is_string()) return false;
  const std::string format = doc["format"].get<std::string>();
  if (format == "checkride.report/v1") {
    kind = ReportKind::kRun;
  } else if (format == "checkride.replay/v1") {
    kind = ReportKind::kReplay;
  } else if (format == "checkride.sweep/v1") {
    kind = ReportKind::kSweep;
  } else {
    return false;
  }
  return true;
}

bool diff_replay(const std::string& name, const nlohmann::json& base, const nlohmann::json& cand,
                 std::ostream& md) {
  const auto before = verdicts(base), after = verdicts(cand);
  md << "### " << name << " (replay)\n\n"
     << "| | sessions | same | recovered | diverged |\n|---|---|---|---|---|\n";
  for (const auto* v : {&before, &after}) {
    md << "| " << (v == &before ? "baseline" : "candidate") << " | " << v->size() << " | "
       << count_verdict(*v, "same") << " | " << count_verdict(*v, "recovered") << " | "
       << count_verdict(*v, "diverged") << " |\n";
  }
  md << "\n";
  std::string worse;
  for (const auto& [session, verdict] : after) {
    auto was = before.find(session);
    if (was != before.end() && verdict_rank(verdict) > verdict_rank(was->second)) {
      worse += "| " + session + " | " + was->second + " | " + verdict + " |\n";
    }
  }
  if (!worse.empty()) {
    md << "Sessions whose replay got worse:\n\n| session | baseline | candidate |\n|---|---|---|\n"
       << worse << "\n";
  }
  return false;
}

bool diff_sweep(const std::string& name, const nlohmann::json& base, const nlohmann::json& cand,
                std::ostream& md) {
  const SweepSummary before = summarize(base), after = summarize(cand);
  const bool regression = after.failed > before.failed;
  md << "### " << (regression ? "❌ " : "✅ ") << name << " (sweep)\n\n"
     << "| | seeds | seeds that failed a gate |\n|---|---|---|\n"
     << "| baseline | " << before.seeds << " | " << before.failed << " |\n"
     << "| candidate | " << after.seeds << " | " << after.failed << " |"
     << (regression ? " ❌ |" : "") << "\n\n";
  std::string drops;
  for (const auto& [tmpl, p] : after.pass1) {
    auto was = before.pass1.find(tmpl);
    if (was != before.pass1.end() && p + kEpsilon < was->second) {
      drops += "| " + tmpl + " | " + format_number(was->second) + " | " + format_number(p) + " |\n";
    }
  }
  if (!drops.empty()) {
    md << "Session templates whose pass^1 dropped:\n\n"
       << "| session template | baseline pass^1 | candidate pass^1 |\n|---|---|---|\n"
       << drops << "\n";
  }
  return regression;
}

}  // namespace checkride
