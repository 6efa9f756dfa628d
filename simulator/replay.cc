#include "simulator/replay.h"

#include <filesystem>
#include <map>
#include <ostream>
#include <set>

#include "orchestrator/action_catalog.h"
#include "protocol/catalog_ref.h"
#include "protocol/input_error.h"
#include "protocol/input_file.h"
#include "reports/html_render.h"
#include "scenario/scenario.h"
#include "scenario/session_money.h"
#include "simulator/replay_money.h"
#include "simulator/replay_world.h"
#include "simulator/simulation.h"
#include "simulator/suite.h"

namespace checkride {
namespace fs = std::filesystem;
namespace {

// Without a scenario's expect:, a replay gates on the safety metrics.
const char* kDefaultGates[][2] = {{"duplicate_charges", "0"},
                                  {"charged_without_order", "0"},
                                  {"oversold_units", "0"},
                                  {"consent_violations", "0"},
                                  {"false_success", "0"},
                                  // A sandbox that moved other money than production did is
                                  // as unsafe as a duplicate charge, though both "succeeded".
                                  {"replay_money_differs", "0"}};

struct Watch {
  SessionDivergence d;
  int pending = -1;  // a step whose last answer differed from the recording
  int last_step = -1;
  std::vector<StepMoney> money;  // per step: what the recording states it moved
  MoneyTally moved;              // what the sandbox's ledgers moved in the session so far
  MoneyTally before_step;        // ... as the current step began
};

std::string recorded_name(const CassetteStep& step) {
  return std::string(status_name(step.recorded));
}

std::string explain(const SessionDivergence& d) {
  std::string why = "recorded " + d.recorded;
  if (!d.recorded_inferred_from.empty()) why += " (inferred from " + d.recorded_inferred_from + ")";
  why += ", sandbox answered " + d.sandbox;
  if (!d.code.empty()) why += " (" + d.code + ")";
  if (d.recorded == d.sandbox && d.recorded_total >= 0) {
    why = "same status, but the total differs: recorded " + std::to_string(d.recorded_total) +
          ", sandbox " + std::to_string(d.sandbox_total);
  }
  if (d.code == "no_answer") why += ": the agent's timeout passed with no answer";
  return why;
}

// The catalog to replay with: the scenario's, else --actions, else the one the cassette's
// header names (resolved against the cassette's folder); "" is the built-in one. Warns when
// the catalog in use is not the text the cassette was recorded with.
std::string choose_catalog(const ReplayOptions& options, const Scenario& scenario,
                           const Cassette& cassette, std::string& text,
                           std::vector<std::string>& warnings) {
  std::string catalog = scenario.actions != "default" ? scenario.actions : options.actions;
  CatalogRef recorded;
  const bool has_ref = catalog_ref_of(cassette.header, recorded);
  if (catalog.empty() && has_ref && recorded.path != "default") {
    catalog = resolve_catalog_ref(recorded, options.cassette);
    if (!input_path_exists(catalog)) {
      throw InputError(options.cassette, 1, "action_catalog.path",
                       "the cassette was recorded with the action catalog '" + recorded.path +
                           "' (" + catalog + "), which does not exist; pass --actions CATALOG");
    }
  }
  text =
      catalog.empty() ? ActionCatalog::default_yaml() : read_input_file(catalog, "action catalog");
  if (has_ref && !recorded.sha256.empty() && catalog_text_sha256(text) != recorded.sha256) {
    warnings.push_back("the action catalog in use (" +
                       (catalog.empty() ? std::string("the built-in one") : catalog) +
                       ") is not the one the cassette was recorded with (" + recorded.path +
                       ", sha256 " + recorded.sha256.substr(0, 12) + "…): answers may differ");
  }
  return catalog;
}

// A cassette whose actions no catalog in use knows would diverge at every step for the same
// reason: one line says so instead.
void require_known_actions(const Cassette& cassette, const ActionCatalog& actions,
                           const std::string& catalog) {
  std::set<std::string> unknown;
  std::size_t calls = 0, known = 0;
  for (const auto& session : cassette.sessions) {
    for (const auto& step : session.steps) {
      if (step.kind != CassetteStep::Kind::kAction) continue;
      ++calls;
      if (actions.find(step.action)) {
        ++known;
      } else {
        unknown.insert(step.action);
      }
    }
  }
  if (calls == 0 || known > 0) return;
  std::string names;
  for (const auto& n : unknown) {
    if (names.size() > 120) {
      names += ", …";
      break;
    }
    names += (names.empty() ? "" : ", ") + n;
  }
  throw InputError(cassette.path, 0, "",
                   "none of its " + std::to_string(calls) + " action calls (" + names +
                       ") is an action of the catalog " +
                       (catalog.empty() ? std::string("(built-in)") : catalog) +
                       "; pass --actions with the catalog that maps this tool set");
}

}  // namespace

namespace {

// The world the replay runs in: the scenario's, or one inferred from the cassette (and a
// --world file) with the default safety gates; the --faults added; one session at a time.
void set_up_world(const ReplayOptions& options, const Cassette& cassette,
                  const ActionCatalog& actions, Scenario& scenario, ReplayResult& result) {
  if (!options.world.empty()) load_world_file(scenario, options.world);
  if (options.scenario.empty()) {
    // A world given is the whole world: nothing is invented unless asked for.
    if (options.world.empty() || options.infer_missing) {
      result.inferred = infer_world(cassette, actions, scenario);
    }
    result.inferred_world = !result.inferred.empty();
    for (const auto& [metric, bound] : kDefaultGates) {
      Gate g;
      parse_gate(metric, bound, g);
      g.text = bound;
      scenario.expect.push_back(g);
    }
    scenario.description =
        "replay of " + options.cassette +
        (options.world.empty()
             ? " in a world inferred from it"
             : " in the world of " + options.world +
                   (result.inferred_world ? " and what it lacked, inferred" : ""));
  } else {
    scenario.description = "replay of " + options.cassette + " in the world of " + options.scenario;
  }
  if (!options.faults.empty()) {
    for (auto& f : load_faults_file(options.faults)) scenario.faults.push_back(std::move(f));
  }
  check_existing_bookings(scenario);
  if (!options.dump_world.empty()) write_world_file(scenario, options.dump_world);
  scenario.name = result.name;
  scenario.mix = {MixEntry{options.cassette, 1}};
  scenario.sessions = static_cast<int64_t>(cassette.sessions.size());
  scenario.concurrency = 1;  // one after another: each session sees its own world
}

std::vector<Watch> watches_for(const Cassette& cassette,
                               const std::vector<CompiledTemplate>& templates,
                               const ActionCatalog& actions, const WorldSeed& seed) {
  std::vector<Watch> watch(templates.size());
  InstrumentNames names{stored_value_prefixes(actions), {}};
  for (const PaymentMethodSpec& m : seed.payment_methods) names.cards.insert(m.id);
  for (std::size_t i = 0; i < templates.size(); ++i) {
    watch[i].d.session = cassette.sessions[i].id;
    watch[i].money = recorded_money_of(templates[i], actions, names);
    for (const StepMoney& m : watch[i].money) {
      watch[i].d.writes += m.write;
      watch[i].d.writes_compared += m.write && m.stated;
      if (m.write && m.stated) watch[i].d.money_recorded.add(m.recorded);
    }
    for (const auto& s : templates[i].steps) {
      watch[i].d.steps += s.kind == CassetteStep::Kind::kAction;
      if (s.kind != CassetteStep::Kind::kConfirm) continue;
      (s.consent_inferred_from.empty() ? watch[i].d.consents_explicit
                                       : watch[i].d.consents_inferred)++;
    }
  }
  return watch;
}

// What the sandbox moved for one step, said as the recording says it: per instrument where
// the recording names them, else in total.
std::string sandbox_side(const MoneyTally& moved, const MoneyTally& recorded) {
  return (recorded.names_instruments() ? moved : moved.totals()).describe();
}

// The first divergence of a session, described.
void describe_divergence(Watch& w, uint16_t step, const CassetteStep& s, const ActionResult& r,
                         bool status_ok, const MoneyTally* step_moved) {
  w.d.line = s.line;
  w.d.step = step;
  w.d.call_id = s.call_id;
  w.d.action = s.action;
  w.d.recorded = recorded_name(s);
  w.d.recorded_inferred_from = s.inferred_from;
  w.d.sandbox = std::string(status_name(r.status));
  w.d.code = r.code;
  w.d.recorded_total = status_ok ? s.recorded_total : -1;
  w.d.sandbox_total = status_ok ? r.total : -1;
  w.d.why = explain(w.d);
  if (step_moved != nullptr) {
    const MoneyTally& recorded = w.money[step].recorded;
    w.d.code = "amount_differs";
    w.d.why = "the same answer, other money: recorded " + recorded.describe() + "; sandbox " +
              sandbox_side(*step_moved, recorded);
  }
}

// One sandbox answer against the recording: its status, and for a write whose recorded
// result states money, what the sandbox's ledgers moved for it (never what the orchestrator
// says it did).
void watch_answer(Watch& w, const AgentAnswer& a) {
  const CassetteStep& s = a.recorded;
  const ActionResult& r = a.result;
  if (static_cast<int>(a.step) != w.last_step) {
    w.last_step = a.step;
    ++w.d.steps_answered;
    w.before_step = w.moved;
  }
  w.moved = moved_in_session(a.user, a.world);
  w.d.money_sandbox = w.moved;
  bool status_ok = s.answered_as_recorded(r.status);
  bool total_ok = !status_ok || s.recorded_total < 0 || r.total <= 0 || r.total == s.recorded_total;
  const StepMoney& m = w.money[a.step];
  const MoneyTally step_moved = w.moved.minus(w.before_step);
  bool money_ok = !status_ok || !m.stated || step_moved.matches(m.recorded);
  if (status_ok && total_ok && money_ok) {
    if (w.pending == a.step) w.pending = -1;
    return;
  }
  if (w.pending < 0) w.pending = a.step;
  if (w.d.line != 0) return;  // only the first divergence is described
  describe_divergence(w, a.step, s, r, status_ok, total_ok && !money_ok ? &step_moved : nullptr);
}

// Each session's verdict, and the replay's metrics and gates.
void settle_verdicts(std::vector<Watch>& watch, const Scenario& scenario, ReplayResult& result) {
  int64_t diverged = 0, recovered = 0, writes = 0, compared = 0, money_differs = 0;
  for (auto& w : watch) {
    writes += w.d.writes;
    compared += w.d.writes_compared;
    money_differs += w.d.code == "amount_differs";
    if (w.d.line == 0) {
      if (w.d.steps_answered < w.d.steps) {
        w.d.verdict = "diverged";
        w.d.why = "the session ended after " + std::to_string(w.d.steps_answered) + " of " +
                  std::to_string(w.d.steps) + " actions";
      }
    } else {
      w.d.verdict = w.pending >= 0 || w.d.steps_answered < w.d.steps ? "diverged" : "recovered";
    }
    diverged += w.d.verdict == "diverged";
    recovered += w.d.verdict == "recovered";
    result.sessions.push_back(std::move(w.d));
  }
  result.report.metrics["replay_sessions"] = static_cast<double>(result.sessions.size());
  result.report.metrics["replay_diverged"] = static_cast<double>(diverged);
  result.report.metrics["replay_recovered"] = static_cast<double>(recovered);
  result.report.metrics["replay_writes"] = static_cast<double>(writes);
  result.report.metrics["replay_writes_money_compared"] = static_cast<double>(compared);
  result.report.metrics["replay_money_differs"] = static_cast<double>(money_differs);
  result.report.gates = evaluate_gates(scenario.expect, result.report.metrics);
}

}  // namespace

ReplayResult replay_cassette(const ReplayOptions& options) {
  Cassette cassette = load_cassette(options.cassette);
  ReplayResult result;
  result.name = fs::path(options.cassette).stem().string();
  Scenario scenario =
      options.scenario.empty() ? default_scenario() : load_scenario(options.scenario);
  ActionCatalog owned;
  const ActionCatalog* actions = &ActionCatalog::default_catalog();
  std::string text;
  std::string catalog = choose_catalog(options, scenario, cassette, text, result.warnings);
  result.actions = catalog;
  if (!catalog.empty()) {
    owned = ActionCatalog::from_yaml_text(text, catalog);
    actions = &owned;
  }
  require_known_actions(cassette, *actions, catalog);
  set_up_world(options, cassette, *actions, scenario, result);
  std::vector<CompiledTemplate> templates = compile_templates(scenario, *actions);
  std::vector<Watch> watch = watches_for(cassette, templates, *actions, scenario.existing);
  SimulationOptions sim_options;
  sim_options.sequential = true;
  sim_options.faults_in_drain = true;
  sim_options.on_answer = [&](const AgentAnswer& a) { watch_answer(watch[a.tmpl], a); };
  Simulation sim(scenario, *actions, std::move(templates), sim_options);
  result.report = sim.run();
  settle_verdicts(watch, scenario, result);
  result.report.allow_empty = options.allow_empty;
  return result;
}

namespace {

// "Money compared on 12 of 40 writes…": how much of the verdict rests on money, not status.
std::string money_coverage_line(const ReplayResult& r) {
  const double writes = r.report.metrics.at("replay_writes");
  const double compared = r.report.metrics.at("replay_writes_money_compared");
  if (writes == 0) return "No call the recording says succeeded can move money.\n\n";
  std::string line = "Money compared on " + format_number(compared) + " of " +
                     format_number(writes) + " writes that can move money";
  if (compared < writes) {
    line +=
        "; the rest state no money in their recorded result (the catalog's `money:`), so "
        "their \"same\" rests on status alone";
  }
  return line + ".\n\n";
}

// Per session with money: what the recording states its writes moved, what the sandbox did.
std::string money_table(const ReplayResult& r) {
  std::string md;
  for (const auto& s : r.sessions) {
    if (s.writes == 0 && s.money_sandbox.empty()) continue;
    if (md.empty()) {
      md = "## Money per session\n\n| session | verdict | writes compared | recorded | sandbox "
           "|\n|---|---|---|---|---|\n";
    }
    md += "| " + s.session + " | " + s.verdict + " | " + std::to_string(s.writes_compared) +
          " of " + std::to_string(s.writes) + " | " + s.money_recorded.describe() + " | " +
          s.money_sandbox.describe() + " |\n";
  }
  return md;
}

}  // namespace

std::string divergence_markdown(const ReplayResult& r) {
  std::string md = "# Replay: " + r.name + "\n\n" + r.report.description + "\n\n";
  int64_t same = 0;
  for (const auto& s : r.sessions) same += s.verdict == "same";
  md += "| sessions | same | recovered | diverged |\n|---|---|---|---|\n| " +
        std::to_string(r.sessions.size()) + " | " + std::to_string(same) + " | " +
        format_number(r.report.metrics.at("replay_recovered")) + " | " +
        format_number(r.report.metrics.at("replay_diverged")) + " |\n\n";
  md += money_coverage_line(r);
  if (!r.inferred.empty()) {
    md += "Inferred from the recording (the world did not hold it):\n\n";
    for (const auto& line : r.inferred) md += "- " + line + "\n";
    md += "\n";
  }
  if (same == static_cast<int64_t>(r.sessions.size())) {
    md += "Every session got the recorded answer at every step.\n\n";
  } else {
    md += "| session | verdict | first divergent event | why |\n|---|---|---|---|\n";
    for (const auto& s : r.sessions) {
      if (s.verdict == "same") continue;
      std::string where =
          s.line > 0 ? "line " + std::to_string(s.line) + ": " + s.action + " (" + s.call_id + ")"
                     : "-";
      md += "| " + s.session + " | " + s.verdict + " | " + where + " | " + s.why + " |\n";
    }
    md += "\n";
  }
  return md + money_table(r);
}

namespace {

nlohmann::json divergence_json(const ReplayResult& r) {
  nlohmann::json sessions = nlohmann::json::array();
  for (const auto& s : r.sessions) {
    nlohmann::json j = {{"session", s.session},
                        {"verdict", s.verdict},
                        {"steps", s.steps},
                        {"steps_answered", s.steps_answered}};
    if (s.line > 0) {
      j["first_divergence"] = {{"line", s.line},       {"call_id", s.call_id},
                               {"action", s.action},   {"recorded", s.recorded},
                               {"sandbox", s.sandbox}, {"code", s.code}};
      if (!s.recorded_inferred_from.empty()) {
        j["first_divergence"]["recorded_inferred_from"] = s.recorded_inferred_from;
      }
      if (s.recorded_total >= 0) {
        j["first_divergence"]["recorded_total"] = s.recorded_total;
        j["first_divergence"]["sandbox_total"] = s.sandbox_total;
      }
    }
    if (!s.why.empty()) j["why"] = s.why;
    if (s.consents_explicit + s.consents_inferred > 0) {
      j["consents"] = {{"explicit", s.consents_explicit}, {"inferred", s.consents_inferred}};
    }
    if (s.writes > 0 || !s.money_sandbox.empty()) {
      j["money"] = {{"writes", s.writes},
                    {"writes_compared", s.writes_compared},
                    {"recorded_cents", s.money_recorded.to_json()},
                    {"sandbox_cents", s.money_sandbox.to_json()}};
    }
    sessions.push_back(std::move(j));
  }
  return {{"format", "checkride.replay/v1"},
          {"name", r.name},
          {"description", r.report.description},
          {"inferred_world", r.inferred_world},
          {"money_coverage",
           {{"writes", r.report.metrics.at("replay_writes")},
            {"compared", r.report.metrics.at("replay_writes_money_compared")}}},
          {"inferred", r.inferred},
          {"sessions", sessions}};
}

}  // namespace

int run_replay(const ReplayOptions& options, std::ostream& out, std::ostream& err,
               ReplayResult* result_out) {
  ReplayResult r;
  try {
    r = replay_cassette(options);
    fs::create_directories(options.out_dir);
    fs::path base = fs::path(options.out_dir) / r.name;
    write_file(base.string() + ".json", report_to_json(r.report).dump(2) + "\n");
    write_file(base.string() + ".md", report_to_markdown(r.report));
    write_file(base.string() + ".replay.json", divergence_json(r).dump(2) + "\n");
    write_file(base.string() + ".replay.md", divergence_markdown(r));
    if (options.html) {
      nlohmann::json divergence = divergence_json(r);
      write_file(base.string() + ".html",
                 render_html(report_to_json(r.report), &divergence, base.string() + ".json"));
    }
  } catch (const InputError& e) {
    err << "checkride: " << e.what() << "\n";
    return 2;
  } catch (const fs::filesystem_error& e) {
    err << "checkride: " << options.out_dir << ": " << e.what() << "\n";
    return 2;
  }
  for (const auto& w : r.warnings) err << "checkride replay: warning: " << w << "\n";
  bool passed = r.report.passed();
  double diverged = r.report.metrics["replay_diverged"];
  if (!options.quiet) {
    out << r.report.verdict() << " " << r.name << "  sessions=" << r.sessions.size()
        << " diverged=" << diverged << " recovered=" << r.report.metrics["replay_recovered"]
        << " duplicate_charges=" << r.report.metrics["duplicate_charges"] << "\n";
    for (const auto& s : r.sessions) {
      if (s.verdict == "same") continue;
      out << "  " << s.verdict << " " << s.session;
      if (s.line > 0) out << " at " << options.cassette << ":" << s.line << " " << s.action;
      out << ": " << s.why << "\n";
    }
    const double writes = r.report.metrics["replay_writes"];
    if (writes > 0) {
      out << "  money compared on " << r.report.metrics["replay_writes_money_compared"] << " of "
          << writes << " writes that can move money\n";
    }
    print_failed_gates(r.report, "  ", out);
    out << coverage_text(r.report.tool_calls, "  ");
    out << "reports in " << options.out_dir << "/ (" << r.name << ".replay.md)\n";
  }
  int rc = !passed || (options.fail_on_divergence && diverged > 0) ? 1 : 0;
  if (result_out) *result_out = std::move(r);
  return rc;
}

}  // namespace checkride
