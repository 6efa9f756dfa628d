#include "wire/drive/drive.h"

#include <httplib.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
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
#include "wire/drive/arrival_schedule.h"
#include "wire/drive/session_player.h"

namespace checkride {
namespace {

struct Arrival {
  int64_t index;
  SteadyTime intended;
};

bool write_file(const std::string& path, const std::string& text, std::ostream& err) {
  try {
    write_output_file(path, text, "--out");
    return true;
  } catch (const std::exception& e) {
    err << "checkride drive: " << e.what() << "\n";
    return false;
  }
}

}  // namespace

namespace {

// What a drive run counted, for its report and its run figures.
struct DriveTally {
  std::vector<DrivenSession> driven;
  std::vector<std::string> errors;  // the first few sessions the fakes could not start
  DriveStats total;
  int64_t started = 0;
  int64_t dropped = 0;  // the target rate could not be held: counted, not absorbed
  int64_t dropped_requests = 0;
  int64_t unstarted = 0;  // the fakes could not give the session a shopper
  int64_t unsettled = 0;  // still in flight at the orchestrator when the drain ran out
  int64_t unknown = 0;    // the orchestrator never said whether they settled
  double load_seconds = 0;
};

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

// The open-model load: arrivals on this thread at the schedule's times, played by
// o.connections workers; a session that waited past max_lag is dropped, and counted.
void play_arrivals(const DriveOptions& o, const Scenario& scenario,
                   const std::vector<CompiledTemplate>& templates, TemplateMix& mix,
                   int64_t sessions, SteadyTime start,
                   const std::function<Time(SteadyTime)>& wire_time, DriveTally& tally) {
  const std::string prefix = session_prefix();
  std::mutex mu;  // guards queue, arrivals_done, chosen and tally
  std::condition_variable cv;
  std::deque<Arrival> queue;
  bool arrivals_done = false;
  Stream picks(scenario.seed, "mix");
  std::vector<uint32_t> chosen;  // template per arrival, drawn in arrival order
  std::vector<std::thread> workers;
  for (int w = 0; w < o.connections; ++w) {
    workers.emplace_back([&] {
      SessionPlayer player(o.orchestrator, o.control, o.control_token, o.secret, scenario.agent,
                           o.think_scale, wire_time);
      for (;;) {
        Arrival a;
        uint32_t tmpl;
        {
          std::unique_lock<std::mutex> lock(mu);
          cv.wait(lock, [&] { return arrivals_done || !queue.empty(); });
          if (queue.empty()) break;
          a = queue.front();
          queue.pop_front();
          tmpl = chosen[static_cast<std::size_t>(a.index)];
          if (std::chrono::steady_clock::now() - a.intended >
              std::chrono::milliseconds(o.max_lag)) {
            ++tally.dropped;
            tally.dropped_requests += static_cast<int64_t>(templates[tmpl].steps.size());
            continue;
          }
        }
        DrivenSession s;
        std::string error;
        bool ok = player.play(prefix + std::to_string(a.index + 1), tmpl, templates[tmpl],
                              a.intended, s, error);
        std::lock_guard<std::mutex> lock(mu);
        if (ok) {
          tally.driven.push_back(std::move(s));
        } else {
          ++tally.unstarted;
          if (tally.errors.size() < 5) tally.errors.push_back(error);
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      tally.total.merge(player.stats());
    });
  }
  ArrivalSchedule schedule(o.rate, o.ramp_to, o.duration_s);
  for (int64_t i = 0; i < sessions; ++i) {
    double at = schedule.start_of(i);
    if (o.duration_s > 0 && at >= o.duration_s) break;
    SteadyTime intended = start + std::chrono::microseconds(static_cast<int64_t>(at * 1e6));
    std::this_thread::sleep_until(intended);
    {
      std::lock_guard<std::mutex> lock(mu);
      chosen.push_back(mix.pick(picks));
      queue.push_back({i, intended});
    }
    cv.notify_one();
    ++tally.started;
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    arrivals_done = true;
  }
  cv.notify_all();
  for (auto& t : workers) t.join();
  tally.load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

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

// Posts the run's session outcomes to the control API in pages ahead of the report request
// (one body of 12,000 outcomes passed the control API's 1 MB limit). "" or why not.
std::string post_session_pages(httplib::Client& control, const httplib::Headers& auth,
                               const std::vector<DrivenSession>& driven) {
  constexpr std::size_t kPage = 2000;
  for (std::size_t at = 0; at < driven.size(); at += kPage) {
    nlohmann::json page = {{"sessions", nlohmann::json::array()}};
    for (std::size_t i = at; i < std::min(driven.size(), at + kPage); ++i) {
      page["sessions"].push_back(driven[i].outcome);
    }
    auto r = control.Post("/__checkride/report/sessions", auth, page.dump(), "application/json");
    if (!r || r->status != 201) {
      return r ? "HTTP " + std::to_string(r->status) + ": " + r->body
               : httplib::to_string(r.error());
    }
  }
  return "";
}

// What the fakes' control API needs to make the ground-truth report.
nlohmann::json report_request(const std::vector<CompiledTemplate>& templates, const DriveTally& t) {
  nlohmann::json body;
  body["templates"] = nlohmann::json::array();
  for (const auto& tmpl : templates) {
    nlohmann::json tools = nlohmann::json::object();
    for (const auto& [tool, c] : tmpl.tools) {
      tools[tool] = {{"calls", c.calls}, {"mapped", c.mapped}, {"notes", c.notes}};
    }
    body["templates"].push_back(
        {{"name", tmpl.name}, {"recorded_success", tmpl.recorded_success}, {"tools", tools}});
  }
  body["paged_sessions"] = true;  // posted ahead by post_session_pages
  body["latency"] = nlohmann::json::object();
  for (const auto& [name, h] : t.total.latency) body["latency"][name] = h.to_json();
  body["metrics"] = {{"drive_sessions_dropped", t.dropped},
                     {"drive_requests_dropped", t.dropped_requests},
                     {"drive_requests", t.total.requests},
                     {"drive_transport_errors", t.total.transport_errors},
                     {"drive_http_errors", t.total.http_errors},
                     {"drive_unsettled_sessions", t.unsettled},
                     {"drive_sessions_settlement_unknown", t.unknown},
                     {"drive_sessions_unstarted", t.unstarted}};
  return body;
}

// The report, its Markdown and the run's wall-clock figures (kept apart, as with a simulated
// run). Returns the exit code.
int write_drive_report(const DriveOptions& o, const std::string& name, const nlohmann::json& answer,
                       DriveTally& t, std::ostream& out, std::ostream& err) {
  std::filesystem::create_directories(o.out_dir);
  std::string stem = o.out_dir + "/" + name;
  if (!write_file(stem + ".json", answer["report"].dump(2) + "\n", err) ||
      !write_file(stem + ".md", string_field(answer, "markdown", ""), err)) {
    return 3;
  }
  const double secs = t.load_seconds;
  nlohmann::json run = {{"sessions_started", t.started},
                        {"sessions_played", t.driven.size()},
                        {"sessions_dropped", t.dropped},
                        {"sessions_unstarted", t.unstarted},
                        {"requests", t.total.requests},
                        {"wall_seconds", secs},
                        {"achieved_sessions_per_second", secs > 0 ? t.driven.size() / secs : 0},
                        {"achieved_requests_per_second", secs > 0 ? t.total.requests / secs : 0}};
  if (!write_file(stem + ".run.json", run.dump(2) + "\n", err)) return 3;
  bool passed = bool_field(answer, "passed", false);
  if (!o.quiet) {
    const LogHistogram& req = t.total.latency["request"];
    out << "drive " << name << ": " << t.driven.size() << " sessions played, " << t.dropped
        << " dropped, " << t.total.requests << " requests in " << format_number(secs) << " s ("
        << format_number(secs > 0 ? t.total.requests / secs : 0) << " req/s); request latency p50 "
        << req.percentile(0.5) << " ms, p99 " << req.percentile(0.99) << " ms, max " << req.max()
        << " ms\n"
        << (passed ? "gates met" : "GATES FAILED") << "; report " << stem << ".json\n";
  }
  return passed ? 0 : 1;
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
  httplib::Client control(o.control);
  httplib::Headers auth;
  if (!o.control_token.empty()) auth.emplace("Authorization", "Bearer " + o.control_token);
  auto health = control.Get("/__checkride/health", auth);
  if (!health || health->status != 200) {
    err << "checkride drive: the fakes' control API at " << o.control << " did not answer"
        << (health ? " (HTTP " + std::to_string(health->status) + ")" : "") << "\n";
    return 3;
  }
  const SteadyTime start = std::chrono::steady_clock::now();
  const Time wire_start = int_field(parse_json_or_discarded(health->body), "now_ms", 0);
  std::function<Time(SteadyTime)> wire_time = [start, wire_start](SteadyTime t) {
    return wire_start + std::chrono::duration_cast<std::chrono::milliseconds>(t - start).count();
  };
  DriveTally tally;
  play_arrivals(o, scenario, templates, mix, sessions, start, wire_time, tally);
  for (const auto& e : tally.errors) err << "checkride drive: " << e << "\n";
  if (tally.driven.empty() && tally.started > 0 && tally.dropped < tally.started) return 3;
  const Drained drained = drain(o, tally.driven);
  tally.unsettled = drained.unsettled;
  tally.unknown = drained.unknown;
  std::sort(tally.driven.begin(), tally.driven.end(),
            [](const DrivenSession& a, const DrivenSession& b) { return a.user < b.user; });
  if (std::string why = post_session_pages(control, auth, tally.driven); !why.empty()) {
    err << "checkride drive: the fakes' control API did not take the sessions: " << why << "\n";
    return 3;
  }
  auto report = control.Post("/__checkride/report", auth, report_request(templates, tally).dump(),
                             "application/json");
  if (!report || report->status != 200) {
    err << "checkride drive: the fakes' control API did not make the report"
        << (report ? " (HTTP " + std::to_string(report->status) + "): " + report->body : "")
        << "\n";
    return 3;
  }
  auto answer = parse_json_or_discarded(report->body);
  if (!answer.is_object() || !answer.contains("report")) {
    err << "checkride drive: the fakes' control API answered the report request with something "
           "that is not a report\n";
    return 3;
  }
  const std::string name = o.name.empty() ? scenario.name + ".drive" : o.name;
  return write_drive_report(o, name, answer, tally, out, err);
}

}  // namespace checkride
