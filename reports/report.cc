#include "reports/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace checkride {
std::string format_number(double v) {
  if (std::floor(v) == v && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

namespace {

nlohmann::json metric_value(double v) {
  if (std::floor(v) == v && std::fabs(v) < 1e15) return static_cast<int64_t>(v);
  return v;
}

}  // namespace

bool Report::passed() const {
  for (const auto& g : gates) {
    if (!g.passed) return false;
  }
  return no_evidence.empty() || allow_empty;
}

std::string Report::verdict() const {
  for (const auto& g : gates) {
    if (!g.passed) return "FAIL";
  }
  return no_evidence.empty() ? "PASS" : "NO EVIDENCE";
}

std::string fingerprint_hex(uint64_t f) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(f));
  return buf;
}

nlohmann::json report_to_json(const Report& r) {
  nlohmann::json j;
  j["format"] = "checkride.report/v1";
  j["scenario"] = r.scenario;
  j["description"] = r.description;
  j["seed"] = r.seed;
  j["fingerprint"] = fingerprint_hex(r.fingerprint);
  j["defects"] = r.defects;
  nlohmann::json metrics = nlohmann::json::object();
  for (const auto& [k, v] : r.metrics) metrics[k] = metric_value(v);
  j["metrics"] = metrics;
  nlohmann::json latency = nlohmann::json::object();
  for (const auto& [k, h] : r.latency) latency[k] = h.to_json();
  j["latency_ms"] = latency;
  nlohmann::json failures = nlohmann::json::object();
  for (const auto& [k, f] : r.failures_by_step) {
    double per100 =
        r.flows ? 100.0 * static_cast<double>(f.errors) / static_cast<double>(r.flows) : 0;
    failures[k] = {{"calls", f.calls},
                   {"errors", f.errors},
                   {"by_error", f.by_error},
                   {"per_100_flows", std::round(per100 * 1000) / 1000}};
  }
  j["failures_by_step"] = failures;
  j["flows"] = r.flows;
  j["money_cents"] = r.money;
  nlohmann::json witnesses = nlohmann::json::array();
  for (const auto& w : r.witnesses) {
    witnesses.push_back({{"metric", w.metric}, {"session", w.session}, {"events", w.events}});
  }
  j["witnesses"] = witnesses;
  nlohmann::json templates = nlohmann::json::object();
  for (const auto& [name, t] : r.templates) {
    templates[name] = {
        {"sessions", t.sessions}, {"intents", t.intents}, {"completed", t.completed}};
    if (!t.session.empty()) templates[name]["session"] = t.session;
  }
  j["templates"] = templates;
  nlohmann::json gates = nlohmann::json::array();
  for (const auto& g : r.gates) {
    nlohmann::json gj = {{"metric", g.gate.metric}, {"expect", g.gate.text}, {"passed", g.passed}};
    if (g.known)
      gj["actual"] = metric_value(g.actual);
    else
      gj["error"] = "no such metric";
    gates.push_back(gj);
  }
  j["gates"] = gates;
  j["passed"] = r.passed();
  j["verdict"] = r.verdict();
  if (!r.no_evidence.empty()) {
    j["no_evidence"] = r.no_evidence;
    j["allow_empty"] = r.allow_empty;
  }
  nlohmann::json tools = nlohmann::json::object();
  for (const auto& [name, c] : r.tool_calls) {
    tools[name] = {{"calls", c.calls}, {"mapped", c.mapped}, {"notes", c.notes}};
  }
  j["tool_calls"] = tools;
  j["outcomes"] = r.outcomes;
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& f : r.fault_rules) {
    nlohmann::json rule = {{"rule", f.rule}, {"line", f.line}, {"fired", f.fired}};
    if (r.swarm) {
      rule["active"] = f.active;
      rule["probability"] = f.probability;
    }
    if (f.from > 0 || f.to >= 0) {
      rule["window_ms"] = {{"from", f.from}};
      if (f.to >= 0) rule["window_ms"]["to"] = f.to;
    }
    rules.push_back(rule);
  }
  j["fault_rules"] = rules;
  if (r.swarm) j["swarm"] = true;
  j["branch_coverage"] = r.branches;
  if (!r.timeline.started.empty()) {
    j["timeline"] = {{"bucket_ms", r.timeline.bucket_ms},
                     {"started", r.timeline.started},
                     {"finished", r.timeline.finished},
                     {"confirmed", r.timeline.confirmed},
                     {"refused", r.timeline.refused}};
  }
  return j;
}

namespace {

// Why completion is what it is: intents by how they ended, and completion per template.
void outcome_tables(const Report& r, std::ostringstream& md) {
  if (!r.outcomes.empty()) {
    std::vector<std::pair<std::string, uint64_t>> rows(r.outcomes.begin(), r.outcomes.end());
    std::stable_sort(rows.begin(), rows.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    uint64_t total = 0;
    for (const auto& row : rows) total += row.second;
    md << "| how intents ended | intents | share |\n|---|---|---|\n";
    for (const auto& [reason, n] : rows) {
      md << "| " << reason << " | " << n << " | "
         << format_number(total ? static_cast<double>(n) / static_cast<double>(total) : 0)
         << " |\n";
    }
    md << "\n";
  }
  bool any_intent = false;
  for (const auto& [name, t] : r.templates) any_intent = any_intent || t.intents > 0;
  if (!any_intent) return;
  md << "| session template | sessions | intents | completed | completion |\n"
     << "|---|---|---|---|---|\n";
  for (const auto& [name, t] : r.templates) {
    if (t.intents == 0) continue;
    md << "| " << (t.session.empty() ? name : t.session) << " | " << t.sessions << " | "
       << t.intents << " | " << t.completed << " | "
       << format_number(static_cast<double>(t.completed) / static_cast<double>(t.intents))
       << " |\n";
  }
  md << "\n";
}

}  // namespace

void fault_coverage_tables(const std::vector<FaultRuleCount>& rules, bool swarm,
                           const std::map<std::string, uint64_t>& branches,
                           std::ostringstream& md) {
  if (!rules.empty()) {
    md << "| fault rule | line | fired |" << (swarm ? " swarm draw |" : "") << "\n|---|---|---|"
       << (swarm ? "---|" : "") << "\n";
    for (const auto& f : rules) {
      md << "| " << f.rule << " | " << f.line << " | " << f.fired
         << (f.fired == 0 && f.active ? " ⚠️ never fired: it tested nothing" : "") << " |";
      if (swarm) md << (f.active ? " p=" + format_number(f.probability) : " off") << " |";
      md << "\n";
    }
    md << "\n";
  }
  if (branches.empty()) return;
  // Only the branches that ran, then one line naming those that never did.
  md << "| branch the orchestrator ran | times |\n|---|---|\n";
  std::string never;
  for (const auto& [name, n] : branches) {
    if (n > 0)
      md << "| " << name << " | " << n << " |\n";
    else
      never += (never.empty() ? "" : ", ") + name;
  }
  md << "\n";
  if (!never.empty()) md << "Never ran: " << never << ".\n\n";
}

std::string report_to_markdown(const Report& r) {
  std::ostringstream md;
  md << "## " << r.verdict() << " — " << r.scenario << "\n\n";
  if (!r.description.empty()) md << r.description << "\n\n";
  if (!r.no_evidence.empty()) {
    md << "**No evidence:** " << r.no_evidence
       << (r.allow_empty ? " (accepted by --allow-empty)."
                         : "; nothing was tested, so this is "
                           "not a pass (--allow-empty accepts it).")
       << "\n\n";
  }
  md << "seed " << r.seed << " · fingerprint `" << fingerprint_hex(r.fingerprint) << "`";
  if (!r.defects.empty()) {
    md << " · defects:";
    for (const auto& d : r.defects) md << " `" << d << "`";
  }
  md << "\n\n";
  if (!r.gates.empty()) {
    md << "| gate | expected | actual | |\n|---|---|---|---|\n";
    for (const auto& g : r.gates) {
      md << "| " << g.gate.metric << " | " << g.gate.text << " | "
         << (g.known ? format_number(g.actual) : "no such metric") << " | "
         << (g.passed ? "✅" : "❌") << " |\n";
    }
    md << "\n";
  }
  outcome_tables(r, md);
  md << "| metric | value |\n|---|---|\n";
  for (const auto& [k, v] : r.metrics) md << "| " << k << " | " << format_number(v) << " |\n";
  md << "\n";
  if (!r.latency.empty()) {
    md << "| latency (virtual ms) | count | p50 | p90 | p99 | max |\n|---|---|---|---|---|---|\n";
    for (const auto& [k, h] : r.latency) {
      md << "| " << k << " | " << h.count() << " | " << h.percentile(0.5) << " | "
         << h.percentile(0.9) << " | " << h.percentile(0.99) << " | " << h.max() << " |\n";
    }
    md << "\n";
  }
  if (!r.failures_by_step.empty()) {
    md << "| provider step | calls | errors | per 100 flows |\n|---|---|---|---|\n";
    for (const auto& [k, f] : r.failures_by_step) {
      double per100 =
          r.flows ? 100.0 * static_cast<double>(f.errors) / static_cast<double>(r.flows) : 0;
      md << "| " << k << " | " << f.calls << " | " << f.errors << " | "
         << format_number(std::round(per100 * 100) / 100) << " |\n";
    }
    md << "\n";
  }
  fault_coverage_tables(r.fault_rules, r.swarm, r.branches, md);
  if (!r.tool_calls.empty()) {
    md << "| recorded tool | calls | mapped to an action | kept as notes |\n|---|---|---|---|\n";
    for (const auto& [name, c] : r.tool_calls) {
      md << "| " << name << " | " << c.calls << " | " << c.mapped << " | " << c.notes << " |\n";
    }
    md << "\n";
  }
  if (!r.money.empty()) {
    md << "Money (cents):";
    for (const auto& [k, v] : r.money) md << " " << k << "=" << v;
    md << "\n\n";
  }
  if (!r.witnesses.empty()) {
    md << "### Witnesses\n\n";
    for (const auto& w : r.witnesses) {
      md << "- **" << w.metric << "** session " << w.session << "\n";
      for (const auto& e : w.events) md << "  - `" << e << "`\n";
    }
    md << "\n";
  }
  return md.str();
}

}  // namespace checkride
