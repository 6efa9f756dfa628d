#include "wire/drive/drive_result.h"

#include <httplib.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <ostream>

#include "protocol/json_input.h"
#include "protocol/output_file.h"
#include "reports/report.h"

namespace checkride {

namespace {

// Counts from shard files are read from outside: their sum stops at the top, never wraps.
template <typename T>
void add_to(T& total, T more) {
  if (__builtin_add_overflow(total, more, &total)) total = std::numeric_limits<T>::max();
}

}  // namespace

void DriveResult::add(const DriveResult& other) {
  for (const auto& [name, h] : other.latency) latency[name].merge(h);
  for (const auto& [name, n] : other.metrics) add_to(metrics[name], n);
  sessions.insert(sessions.end(), other.sessions.begin(), other.sessions.end());
  add_to(started, other.started);
  add_to(played, other.played);
  add_to(dropped, other.dropped);
  add_to(unstarted, other.unstarted);
  add_to(requests, other.requests);
  wall_seconds = std::max(wall_seconds, other.wall_seconds);
}

void DriveResult::sort_sessions() {
  std::stable_sort(sessions.begin(), sessions.end(),
                   [](const nlohmann::json& a, const nlohmann::json& b) {
                     return uint_field(a, "user", 0) < uint_field(b, "user", 0);
                   });
}

namespace {

httplib::Headers auth_headers(const ControlLink& control) {
  httplib::Headers auth;
  if (!control.token.empty()) auth.emplace("Authorization", "Bearer " + control.token);
  return auth;
}

}  // namespace

nlohmann::json control_health(const ControlLink& control, std::string& why) {
  httplib::Client client(control.url);
  client.set_connection_timeout(5, 0);
  auto health = client.Get("/__checkride/health", auth_headers(control));
  if (!health || health->status != 200) {
    why = "the fakes' control API at " + control.url + " did not answer" +
          (health ? " (HTTP " + std::to_string(health->status) + ")" : "");
    return nullptr;
  }
  nlohmann::json body = parse_json_or_discarded(health->body);
  return body.is_object() ? body : nlohmann::json::object();
}

namespace {

// Posts the sessions to the control API in pages ahead of the report request (one body of
// 12,000 outcomes passed the control API's 1 MB limit). "" or why not.
std::string post_session_pages(httplib::Client& client, const httplib::Headers& auth,
                               const std::vector<nlohmann::json>& sessions) {
  constexpr std::size_t kPage = 2000;
  for (std::size_t at = 0; at < sessions.size(); at += kPage) {
    nlohmann::json page = {{"sessions", nlohmann::json::array()}};
    for (std::size_t i = at; i < std::min(sessions.size(), at + kPage); ++i) {
      page["sessions"].push_back(sessions[i]);
    }
    auto r = client.Post("/__checkride/report/sessions", auth, page.dump(), "application/json");
    if (!r || r->status != 201) {
      return r ? "HTTP " + std::to_string(r->status) + ": " + r->body
               : httplib::to_string(r.error());
    }
  }
  return "";
}

nlohmann::json report_request(const DriveResult& r) {
  nlohmann::json body = {{"templates", r.templates}, {"paged_sessions", true}};
  body["latency"] = nlohmann::json::object();
  for (const auto& [name, h] : r.latency) body["latency"][name] = h.to_json();
  body["metrics"] = nlohmann::json::object();
  for (const auto& [name, n] : r.metrics) body["metrics"][name] = n;
  return body;
}

// The report from the control API, or null with why on `err`.
nlohmann::json fetch_report(const ControlLink& control, const DriveResult& r, std::ostream& err) {
  httplib::Client client(control.url);
  const httplib::Headers auth = auth_headers(control);
  if (std::string why = post_session_pages(client, auth, r.sessions); !why.empty()) {
    err << "checkride drive: the fakes' control API did not take the sessions: " << why << "\n";
    return nullptr;
  }
  auto answer =
      client.Post("/__checkride/report", auth, report_request(r).dump(), "application/json");
  if (!answer || answer->status != 200) {
    err << "checkride drive: the fakes' control API did not make the report"
        << (answer ? " (HTTP " + std::to_string(answer->status) + "): " + answer->body : "")
        << "\n";
    return nullptr;
  }
  nlohmann::json report = parse_json_or_discarded(answer->body);
  if (!report.is_object() || !report.contains("report")) {
    err << "checkride drive: the fakes' control API answered the report request with something "
           "that is not a report\n";
    return nullptr;
  }
  return report;
}

bool write_file(const std::string& path, const std::string& text, std::ostream& err) {
  try {
    write_output_file(path, text, "--out");
    return true;
  } catch (const std::exception& e) {
    err << "checkride drive: " << e.what() << "\n";
    return false;
  }
}

nlohmann::json run_figures(const DriveResult& r, int shards) {
  const double secs = r.wall_seconds;
  const double played = static_cast<double>(r.played), requests = static_cast<double>(r.requests);
  nlohmann::json run = {{"sessions_started", r.started},
                        {"sessions_played", r.played},
                        {"sessions_dropped", r.dropped},
                        {"sessions_unstarted", r.unstarted},
                        {"requests", r.requests},
                        {"wall_seconds", secs},
                        {"achieved_sessions_per_second", secs > 0 ? played / secs : 0},
                        {"achieved_requests_per_second", secs > 0 ? requests / secs : 0}};
  if (shards > 1) run["shards"] = shards;
  return run;
}

}  // namespace

int report_from_fakes(const ControlLink& control, const DriveResult& r, const std::string& stem,
                      int shards, bool quiet, std::ostream& out, std::ostream& err) {
  const nlohmann::json answer = fetch_report(control, r, err);
  if (answer.is_null()) return 3;
  const std::string dir = std::filesystem::path(stem).parent_path().string();
  std::error_code ec;
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  if (!write_file(stem + ".json", answer["report"].dump(2) + "\n", err) ||
      !write_file(stem + ".md", string_field(answer, "markdown", ""), err) ||
      !write_file(stem + ".run.json", run_figures(r, shards).dump(2) + "\n", err)) {
    return 3;
  }
  const bool passed = bool_field(answer, "passed", false);
  if (!quiet) {
    const double secs = r.wall_seconds;
    auto req = r.latency.find("request");
    const LogHistogram none;
    const LogHistogram& h = req == r.latency.end() ? none : req->second;
    out << "drive " << std::filesystem::path(stem).filename().string() << ": " << r.played
        << " sessions played, " << r.dropped << " dropped, " << r.requests << " requests in "
        << format_number(secs) << " s ("
        << format_number(secs > 0 ? static_cast<double>(r.requests) / secs : 0)
        << " req/s); request latency p50 " << h.percentile(0.5) << " ms, p99 " << h.percentile(0.99)
        << " ms, max " << h.max() << " ms\n"
        << (shards > 1 ? "merged " + std::to_string(shards) + " shard(s); " : "")
        << (passed ? "gates met" : "GATES FAILED") << "; report " << stem << ".json\n";
  }
  return passed ? 0 : 1;
}

}  // namespace checkride
