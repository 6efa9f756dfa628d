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
#include "protocol/cassette.h"
#include "protocol/catalog_ref.h"
#include "protocol/input_error.h"
#include "protocol/input_file.h"
#include "protocol/json_input.h"
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

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  return static_cast<bool>(f);
}

}  // namespace

int run_drive(const DriveOptions& o, std::ostream& out, std::ostream& err) {
  Scenario scenario;
  std::vector<CompiledTemplate> templates;
  ActionCatalog owned;
  try {
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
      if (catalog_ref_of(load_cassette(o.cassette).header, recorded) &&
          recorded.path != "default") {
        std::string path = resolve_catalog_ref(recorded, o.cassette);
        if (input_path_exists(path)) {
          scenario.actions = path;
        } else {
          err << "checkride drive: warning: the cassette names the action catalog '"
              << recorded.path << "' (" << path
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
  SteadyTime start = std::chrono::steady_clock::now();
  Time wire_start = int_field(parse_json_or_discarded(health->body), "now_ms", 0);
  auto wire_time = [start, wire_start](SteadyTime t) {
    return wire_start + std::chrono::duration_cast<std::chrono::milliseconds>(t - start).count();
  };
  std::string prefix = "drive-" +
                       std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count()) +
                       "-";

  std::mutex mu;
  std::condition_variable cv;
  std::deque<Arrival> queue;
  bool arrivals_done = false;
  int64_t dropped = 0, dropped_requests = 0;
  int64_t unstarted = 0;  // the fakes could not give the session a shopper
  std::vector<DrivenSession> driven;
  std::vector<std::string> errors;
  DriveStats total;
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
            // The target rate could not be held: counted, not silently absorbed.
            ++dropped;
            dropped_requests += static_cast<int64_t>(templates[tmpl].steps.size());
            continue;
          }
        }
        DrivenSession s;
        std::string error;
        bool ok = player.play(prefix + std::to_string(a.index + 1), tmpl, templates[tmpl],
                              a.intended, s, error);
        std::lock_guard<std::mutex> lock(mu);
        if (ok) {
          driven.push_back(std::move(s));
        } else {
          ++unstarted;
          if (errors.size() < 5) errors.push_back(error);
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      total.merge(player.stats());
    });
  }

  ArrivalSchedule schedule(o.rate, o.ramp_to, o.duration_s);
  int64_t started = 0;
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
    ++started;
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    arrivals_done = true;
  }
  cv.notify_all();
  for (auto& t : workers) t.join();
  double load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const auto& e : errors) err << "checkride drive: " << e << "\n";
  if (driven.empty() && started > 0 && dropped < started) return 3;

  // Drain: wait until the orchestrator has settled every session it knows (checkride's own
  // service says so at GET /v1/sessions/{id}; other orchestrators answer 404 and are not
  // waited for).
  httplib::Client orchestrator(o.orchestrator);
  SteadyTime drain_end =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(o.drain_timeout);
  int64_t unsettled = 0;
  for (const auto& s : driven) {
    for (;;) {
      auto r = orchestrator.Get("/v1/sessions/" + s.id);
      bool settled =
          !r || r->status != 200 || bool_field(parse_json_or_discarded(r->body), "settled", true);
      if (settled) break;
      if (std::chrono::steady_clock::now() > drain_end) {
        ++unsettled;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  std::sort(driven.begin(), driven.end(),
            [](const DrivenSession& a, const DrivenSession& b) { return a.user < b.user; });

  nlohmann::json body;
  body["templates"] = nlohmann::json::array();
  for (const auto& t : templates) {
    nlohmann::json tools = nlohmann::json::object();
    for (const auto& [tool, c] : t.tools) {
      tools[tool] = {{"calls", c.calls}, {"mapped", c.mapped}, {"notes", c.notes}};
    }
    body["templates"].push_back(
        {{"name", t.name}, {"recorded_success", t.recorded_success}, {"tools", tools}});
  }
  body["sessions"] = nlohmann::json::array();
  for (const auto& s : driven) body["sessions"].push_back(s.outcome);
  body["latency"] = nlohmann::json::object();
  for (const auto& [name, h] : total.latency) body["latency"][name] = h.to_json();
  body["metrics"] = {
      {"drive_sessions_dropped", dropped},      {"drive_requests_dropped", dropped_requests},
      {"drive_requests", total.requests},       {"drive_transport_errors", total.transport_errors},
      {"drive_http_errors", total.http_errors}, {"drive_unsettled_sessions", unsettled},
      {"drive_sessions_unstarted", unstarted}};
  auto report = control.Post("/__checkride/report", auth, body.dump(), "application/json");
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
  std::string name = o.name.empty() ? scenario.name + ".drive" : o.name;
  std::filesystem::create_directories(o.out_dir);
  std::string stem = o.out_dir + "/" + name;
  if (!write_file(stem + ".json", answer["report"].dump(2) + "\n") ||
      !write_file(stem + ".md", string_field(answer, "markdown", ""))) {
    err << "checkride drive: cannot write " << stem << ".json/.md\n";
    return 3;
  }
  // Wall-clock figures stay out of the report, as with a simulated run.
  nlohmann::json run = {
      {"sessions_started", started},
      {"sessions_played", driven.size()},
      {"sessions_dropped", dropped},
      {"sessions_unstarted", unstarted},
      {"requests", total.requests},
      {"wall_seconds", load_seconds},
      {"achieved_sessions_per_second", load_seconds > 0 ? driven.size() / load_seconds : 0},
      {"achieved_requests_per_second", load_seconds > 0 ? total.requests / load_seconds : 0}};
  write_file(stem + ".run.json", run.dump(2) + "\n");
  bool passed = bool_field(answer, "passed", false);
  if (!o.quiet) {
    const LogHistogram& req = total.latency["request"];
    out << "drive " << name << ": " << driven.size() << " sessions played, " << dropped
        << " dropped, " << total.requests << " requests in " << format_number(load_seconds)
        << " s (" << format_number(load_seconds > 0 ? total.requests / load_seconds : 0)
        << " req/s); request latency p50 " << req.percentile(0.5) << " ms, p99 "
        << req.percentile(0.99) << " ms, max " << req.max() << " ms\n"
        << (passed ? "gates met" : "GATES FAILED") << "; report " << stem << ".json\n";
  }
  return passed ? 0 : 1;
}

}  // namespace checkride
