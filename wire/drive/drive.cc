#include "wire/drive/drive.h"

#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <ostream>
#include <thread>

#include "orchestrator/action_catalog.h"
#include "protocol/action_signature.h"
#include "protocol/cassette.h"
#include "protocol/catalog_ref.h"
#include "protocol/crypto.h"
#include "protocol/input_error.h"
#include "protocol/input_file.h"
#include "protocol/json_input.h"
#include "protocol/output_file.h"
#include "reports/report.h"
#include "scenario/compile_templates.h"
#include "scenario/rng.h"
#include "scenario/template_mix.h"
#include "wire/drive/drive_progress.h"
#include "wire/drive/drive_result.h"
#include "wire/drive/drive_shard.h"
#include "wire/drive/load_loop.h"

namespace checkride {
namespace {}  // namespace

namespace {

// The scenario (or a cassette's stand-in) and its compiled templates. Throws InputError.
void load_drive_input(const DriveOptions& o, std::ostream& err, Scenario& scenario,
                      ActionCatalog& owned, std::vector<CompiledTemplate>& templates) {
  if (o.orchestrator.empty()) throw InputError("--orchestrator", 0, "", "expected a URL");
  if (o.rate <= 0) throw InputError("--rate", 0, "", "expected sessions per second > 0");
  if (o.connections < 1 || o.connections > 4096)
    throw InputError("--connections", 0, "", "expected 1 to 4096");
  if (!o.scenario.empty()) {
    scenario = load_scenario(o.scenario);
  } else if (!o.cassette.empty()) {
    scenario = default_scenario();
    scenario.name = std::filesystem::path(o.cassette).stem().string();
    scenario.mix = {MixEntry{o.cassette, 1}};
    // The catalog the cassette was recorded with, as replay reads it: its tools map onto
    // that catalog's actions, not the built-in ones.
    CatalogRef recorded;
    if (catalog_ref_of(load_cassette(o.cassette).header, recorded) && recorded.path != "default") {
      std::string path = resolve_catalog_ref(recorded, o.cassette);
      if (input_path_exists(path)) {
        scenario.actions = path;
      } else {
        err << "checkride drive: warning: the cassette names the action catalog '" << recorded.path
            << "' (" << path
            << "), which does not exist: its tools are counted against the built-in one "
               "(drive --scenario with orchestrator.actions names another)\n";
      }
    }
  } else {
    throw InputError("drive", 0, "", "expected --scenario or --cassette");
  }
  const ActionCatalog* actions = &ActionCatalog::default_catalog();
  if (scenario.actions != "default") {
    owned = ActionCatalog::from_file(scenario.actions);
    actions = &owned;
  }
  templates = compile_templates(scenario, *actions);
}

// Session ids of this run: "drive-<128 random bits>-N": apart from any earlier run's, and
// not guessable by someone who would read or act in another's session.
std::string session_prefix() { return "drive-" + random_token_hex(16) + "-"; }

// Drain: waits until the orchestrator has settled every session it knows (checkride's own
// service says so at GET /v1/sessions/{id}, signed as a read). A session it never answers
// for (down through the drain, an error, another orchestrator's 404) is "unknown", never
// "settled": no answer is not an answer.
struct Drained {
  int64_t unsettled = 0;  // the orchestrator said: still in flight
  int64_t unknown = 0;    // the orchestrator never said
};

Drained drain(const DriveOptions& o, const std::vector<DrivenSession>& driven) {
  httplib::Client orchestrator(o.orchestrator);
  orchestrator.set_keep_alive(true);  // one connection for every session's question
  orchestrator.set_connection_timeout(1, 0);
  orchestrator.set_read_timeout(5, 0);
  SteadyTime drain_end =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(o.drain_timeout);
  Drained d;
  for (const auto& s : driven) {
    for (;;) {
      const std::string target = "/v1/sessions/" + s.id;
      httplib::Headers headers;
      if (!o.secret.empty()) {
        const int64_t ts = unix_now_seconds();
        headers.emplace(kTimestampHeader, std::to_string(ts));
        headers.emplace(kSignatureHeader,
                        action_signature(o.secret, ts, read_signed_text("GET", target)));
      }
      auto r = orchestrator.Get(target, headers);
      if (r && r->status == 404) {
        ++d.unknown;
        break;
      }
      const bool answered = r && r->status == 200;
      if (answered && bool_field(parse_json_or_discarded(r->body), "settled", false)) break;
      if (std::chrono::steady_clock::now() > drain_end) {
        ++(answered ? d.unsettled : d.unknown);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  return d;
}

// The tally as the report and the shard file take it: the templates the fakes name the
// sessions by, the latency and drive_* counters, the sessions sorted by user.
DriveResult result_of(const std::vector<CompiledTemplate>& templates, DriveTally& t) {
  DriveResult r;
  for (const auto& tmpl : templates) {
    nlohmann::json tools = nlohmann::json::object();
    for (const auto& [tool, c] : tmpl.tools) {
      tools[tool] = {{"calls", c.calls}, {"mapped", c.mapped}, {"notes", c.notes}};
    }
    r.templates.push_back(
        {{"name", tmpl.name}, {"recorded_success", tmpl.recorded_success}, {"tools", tools}});
  }
  r.latency = t.total.latency;
  r.metrics = {{"drive_sessions_dropped", t.dropped},
               {"drive_requests_dropped", t.dropped_requests},
               {"drive_requests", static_cast<int64_t>(t.total.requests)},
               {"drive_transport_errors", static_cast<int64_t>(t.total.transport_errors)},
               {"drive_http_errors", static_cast<int64_t>(t.total.http_errors)},
               {"drive_unsettled_sessions", t.unsettled},
               {"drive_sessions_settlement_unknown", t.unknown},
               {"drive_sessions_unstarted", t.unstarted}};
  std::sort(t.driven.begin(), t.driven.end(),
            [](const DrivenSession& a, const DrivenSession& b) { return a.user < b.user; });
  r.played = static_cast<int64_t>(t.driven.size());
  for (auto& s : t.driven) r.sessions.push_back(std::move(s.outcome));
  r.started = t.started;
  r.dropped = t.dropped;
  r.unstarted = t.unstarted;
  r.requests = t.total.requests;
  r.wall_seconds = t.load_seconds;
  return r;
}

// What tells one drive's shards from another's: the scenario's (or cassette's) text and the
// load's shape. Shards of an edited scenario, or at other rates, do not add up.
std::string drive_identity(const DriveOptions& o) {
  std::string text = read_input_file(o.scenario.empty() ? o.cassette : o.scenario, "scenario");
  text += "\n--rate " + format_number(o.rate) + " --ramp-to " + format_number(o.ramp_to) +
          " --duration " + format_number(o.duration_s) + " --sessions " +
          std::to_string(o.sessions);
  return catalog_text_sha256(text);
}

// A shard's result, kept for `report merge`; its summary line unless quiet. The gates are
// judged on the merge, so a shard that ran is 0; 3 when its file could not be written.
int write_shard(const DriveOptions& o, const std::string& name, const std::string& world,
                DriveResult result, std::ostream& out, std::ostream& err) {
  DriveShard shard{o.shard, drive_identity(o), name, o.control, world, std::move(result)};
  const std::string path =
      (std::filesystem::path(o.out_dir) / drive_shard_file_name(name, o.shard)).string();
  try {
    std::error_code ec;
    std::filesystem::create_directories(o.out_dir, ec);
    write_output_file(path, drive_shard_json(shard).dump() + "\n", "--out");
  } catch (const std::exception& e) {
    err << "checkride drive: " << e.what() << "\n";
    return 3;
  }
  if (!o.quiet) {
    const DriveResult& r = shard.result;
    out << "drive shard " << o.shard.index << "/" << o.shard.count << ": " << r.played
        << " sessions played, " << r.dropped << " dropped, " << r.requests << " requests in "
        << format_number(r.wall_seconds) << " s; kept in " << path
        << " (report merge adds the shards up and gates)\n";
  }
  return 0;
}

}  // namespace

int run_drive(const DriveOptions& o, std::ostream& out, std::ostream& err) {
  Scenario scenario;
  std::vector<CompiledTemplate> templates;
  ActionCatalog owned;
  try {
    load_drive_input(o, err, scenario, owned, templates);
  } catch (const InputError& e) {
    err << "checkride: " << e.what() << "\n";
    return 2;
  }
  if (templates.empty()) {
    err << "checkride drive: the cassettes hold no sessions\n";
    return 2;
  }
  TemplateMix mix(scenario, templates);
  int64_t sessions = o.sessions > 0        ? o.sessions
                     : o.duration_s > 0    ? INT64_MAX
                     : !o.scenario.empty() ? scenario.sessions
                                           : static_cast<int64_t>(templates.size());
  // The fakes' clock, so consent times compare with the ledger's.
  std::string why;
  const nlohmann::json health = control_health(ControlLink{o.control, o.control_token}, why);
  if (health.is_null()) {
    err << "checkride drive: " << why << "\n";
    return 3;
  }
  const SteadyTime start = std::chrono::steady_clock::now();
  const Time wire_start = int_field(health, "now_ms", 0);
  std::function<Time(SteadyTime)> wire_time = [start, wire_start](SteadyTime t) {
    return wire_start + std::chrono::duration_cast<std::chrono::milliseconds>(t - start).count();
  };
  DriveTally tally;
  {
    DriveProgress progress;
    ProgressTicker ticker(progress, err, o.progress);
    try {
      play_load(LoadInput{o, scenario, templates, mix, sessions, start, wire_time, session_prefix(),
                          params_texts(templates)},
                progress, tally);
    } catch (const InputError& e) {
      err << "checkride: " << e.what() << "\n";
      return 2;
    }
  }
  for (const auto& e : tally.errors) err << "checkride drive: " << e << "\n";
  if (tally.driven.empty() && tally.started > 0 && tally.dropped < tally.started) return 3;
  const Drained drained = drain(o, tally.driven);
  tally.unsettled = drained.unsettled;
  tally.unknown = drained.unknown;
  const std::string name = o.name.empty() ? scenario.name + ".drive" : o.name;
  DriveResult result = result_of(templates, tally);
  if (o.shard.count > 1) {
    return write_shard(o, name, string_field(health, "world", ""), std::move(result), out, err);
  }
  const std::string stem = (std::filesystem::path(o.out_dir) / name).string();
  return report_from_fakes(ControlLink{o.control, o.control_token}, result, stem, 1, o.quiet, out,
                           err);
}

}  // namespace checkride
