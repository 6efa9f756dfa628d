// The HTML page of one run's report (checkride.report/v1), and of a replay: the same page
// with the verdict per recorded session and its first divergence.
#include <algorithm>

#include "reports/html_page.h"
#include "reports/html_render.h"

namespace checkride::html {
namespace {

using json = nlohmann::json;

std::string verdict_badge(const json& verdict, const std::string& pointer) {
  std::string v = verdict.is_string() ? verdict.get<std::string>() : "?";
  std::string cls = v == "NO EVIDENCE" ? "NO_EVIDENCE" : v;
  return "<span class=\"verdict " + escape(cls) + "\" data-figure=\"" + escape(pointer) + "\">" +
         escape(v) + "</span>";
}

void header(const json& r, std::ostringstream& b) {
  b << "<h1>" << escape(number(at(r, "scenario"))) << " "
    << verdict_badge(at(r, "verdict"), "/verdict") << "</h1>\n";
  if (at(r, "description").is_string()) {
    b << "<p>" << escape(at(r, "description").get<std::string>()) << "</p>\n";
  }
  b << "<p class=\"muted\">seed " << figure("/seed", at(r, "seed")) << " · fingerprint <code>"
    << escape(number(at(r, "fingerprint"))) << "</code>";
  if (at(r, "defects").is_array() && !at(r, "defects").empty()) {
    b << " · defects:";
    for (const auto& d : at(r, "defects")) b << " <code>" << escape(number(d)) << "</code>";
  }
  b << "</p>\n";
  if (at(r, "no_evidence").is_string()) {
    b << "<p class=\"bad\">No evidence: " << escape(at(r, "no_evidence").get<std::string>())
      << "</p>\n";
  }
}

void gates(const json& r, Page& page) {
  const json& list = at(r, "gates");
  if (!list.is_array() || list.empty()) return;
  page.section("Gates");
  auto& b = page.body();
  b << "<table><tr><th>gate</th><th>expected</th><th>actual</th><th></th></tr>\n";
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& g = list[i];
    bool passed = at(g, "passed").is_boolean() && at(g, "passed").get<bool>();
    std::string p = "/gates/" + std::to_string(i);
    b << "<tr><td>" << escape(number(at(g, "metric"))) << "</td><td>"
      << escape(number(at(g, "expect"))) << "</td><td class=\"num\">"
      << (at(g, "actual").is_null() ? escape(number(at(g, "error")))
                                    : figure(p + "/actual", at(g, "actual")))
      << "</td><td class=\"" << (passed ? "ok\">met" : "bad\">FAILED") << "</td></tr>\n";
  }
  b << "</table>\n";
}

std::vector<Window> fault_windows(const json& rules) {
  std::vector<Window> out;
  if (!rules.is_array()) return out;
  for (const auto& f : rules) {
    const json& w = at(f, "window_ms");
    if (!w.is_object()) continue;
    if (at(f, "active").is_boolean() && !at(f, "active").get<bool>()) continue;
    Window win;
    win.from = as_time(at(w, "from"));
    win.to = at(w, "to").is_number() ? as_time(at(w, "to")) : -1;
    win.label = number(at(f, "rule"));
    out.push_back(win);
  }
  return out;
}

void outcomes(const json& r, Page& page) {
  const json& o = at(r, "outcomes");
  if (!o.is_object() || o.empty()) return;
  page.section("How intents ended");
  std::vector<Bar> bars;
  for (const auto& [reason, n] : o.items()) {
    bars.push_back(Bar{reason, as_number(n), "/outcomes/" + pointer_token(reason)});
  }
  std::stable_sort(bars.begin(), bars.end(),
                   [](const Bar& a, const Bar& b) { return a.value > b.value; });
  page.body() << bar_chart(bars, "intents");
}

void failures(const json& r, Page& page) {
  const json& f = at(r, "failures_by_step");
  if (!f.is_object() || f.empty()) return;
  page.section("Provider errors by step");
  auto& b = page.body();
  b << "<table><tr><th>step</th><th>calls</th><th>errors</th><th>per 100 flows</th>"
       "<th>by error</th></tr>\n";
  std::vector<Bar> bars;
  for (const auto& [step, s] : f.items()) {
    std::string p = "/failures_by_step/" + pointer_token(step);
    b << "<tr><td>" << escape(step) << "</td><td class=\"num\">"
      << figure(p + "/calls", at(s, "calls")) << "</td><td class=\"num\">"
      << figure(p + "/errors", at(s, "errors")) << "</td><td class=\"num\">"
      << figure(p + "/per_100_flows", at(s, "per_100_flows")) << "</td><td class=\"mono\">";
    if (at(s, "by_error").is_object()) {
      for (const auto& [e, n] : at(s, "by_error").items())
        b << escape(e) << "=" << escape(number(n)) << " ";
    }
    b << "</td></tr>\n";
    if (as_number(at(s, "errors")) > 0)
      bars.push_back(Bar{step, as_number(at(s, "per_100_flows")), ""});
  }
  b << "</table>\n";
  if (!bars.empty()) b << bar_chart(bars, "errors per 100 flows");
}

}  // namespace

void latency(const json& l, const std::string& base, Page& page) {
  if (!l.is_object() || l.empty()) return;
  page.section("Latency (virtual ms)");
  auto& b = page.body();
  b << "<div class=\"charts\">\n";
  for (const auto& [name, h] : l.items()) {
    std::string p = base + pointer_token(name);
    b << "<div><b>" << escape(name) << "</b><br><span class=\"muted\">count "
      << figure(p + "/count", at(h, "count")) << " · p50 " << figure(p + "/p50", at(h, "p50"))
      << " · p90 " << figure(p + "/p90", at(h, "p90")) << " · p99 "
      << figure(p + "/p99", at(h, "p99")) << " · max " << figure(p + "/max", at(h, "max"))
      << "</span><br>" << histogram_chart(at(h, "buckets")) << "</div>\n";
  }
  b << "</div>\n";
}

namespace {

void metrics(const json& m, const std::string& base, Page& page, const std::string& heading) {
  if (!m.is_object() || m.empty()) return;
  page.section(heading);
  auto& b = page.body();
  b << "<table><tr><th>metric</th><th>value</th></tr>\n";
  for (const auto& [k, v] : m.items()) {
    b << "<tr><td>" << escape(k) << "</td><td class=\"num\">" << figure(base + pointer_token(k), v)
      << "</td></tr>\n";
  }
  b << "</table>\n";
}

}  // namespace

void fault_coverage(const json& rules, const std::string& rules_base, const json& branches,
                    const std::string& branches_base, Page& page) {
  page.section("Fault coverage");
  auto& b = page.body();
  if (rules.is_array() && !rules.empty()) {
    b << "<table><tr><th>fault rule</th><th>line</th><th>fired</th><th></th></tr>\n";
    for (std::size_t i = 0; i < rules.size(); ++i) {
      const json& f = rules[i];
      bool off = at(f, "active").is_boolean() && !at(f, "active").get<bool>();
      bool never = as_number(at(f, "fired")) == 0 && !off;
      b << "<tr><td>" << escape(number(at(f, "rule"))) << "</td><td class=\"num\">"
        << escape(number(at(f, "line"))) << "</td><td class=\"num\">"
        << figure(rules_base + std::to_string(i) + "/fired", at(f, "fired")) << "</td><td class=\""
        << (never ? "bad\">never fired: it tested nothing"
            : off ? "muted\">off (swarm)"
                  : "ok\">")
        << "</td></tr>\n";
    }
    b << "</table>\n";
  } else {
    b << "<p class=\"muted\">no fault rules</p>\n";
  }
  if (!branches.is_object() || branches.empty()) return;
  b << "<table><tr><th>branch the orchestrator ran</th><th>times</th></tr>\n";
  for (const auto& [name, n] : branches.items()) {
    b << "<tr><td>" << escape(name) << "</td><td class=\"num" << (as_number(n) == 0 ? " muted" : "")
      << "\">" << figure(branches_base + pointer_token(name), n) << "</td></tr>\n";
  }
  b << "</table>\n";
}

void witnesses(const json& list, const std::string& base, Page& page) {
  if (!list.is_array() || list.empty()) return;
  page.section("Witnesses");
  auto& b = page.body();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& w = list[i];
    b << "<p><b>" << escape(number(at(w, "metric"))) << "</b>";
    if (!at(w, "seed").is_null())
      b << " seed " << figure(base + std::to_string(i) + "/seed", at(w, "seed"));
    b << " session " << figure(base + std::to_string(i) + "/session", at(w, "session"))
      << "</p>\n<ul class=\"trace\">";
    if (at(w, "events").is_array()) {
      for (const auto& e : at(w, "events")) b << "<li>" << escape(number(e)) << "</li>";
    }
    b << "</ul>\n";
  }
}

std::string report_page(const json& r, const json* replay) {
  Page page("checkride — " + number(at(r, "scenario")));
  header(r, page.body());
  gates(r, page);
  page.section("Over virtual time");
  page.body() << timeline_chart(at(r, "timeline"), fault_windows(at(r, "fault_rules")));
  if (replay != nullptr) replay_sessions(*replay, page);
  outcomes(r, page);
  failures(r, page);
  latency(at(r, "latency_ms"), "/latency_ms/", page);
  fault_coverage(at(r, "fault_rules"), "/fault_rules/", at(r, "branch_coverage"),
                 "/branch_coverage/", page);
  witnesses(at(r, "witnesses"), "/witnesses/", page);
  metrics(at(r, "metrics"), "/metrics/", page, "Every metric");
  metrics(at(r, "money_cents"), "/money_cents/", page, "Money (cents)");
  return page.finish();
}

}  // namespace checkride::html
