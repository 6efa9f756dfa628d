// The HTML pages' parts for a sweep (a verdict per seed, pass^k per template) and for a
// replay (a verdict per recorded session and where it first diverged).
#include <algorithm>

#include "protocol/money.h"
#include "reports/html_page.h"
#include "reports/html_render.h"

namespace checkride::html {
namespace {

using json = nlohmann::json;

std::string text_of(const json& j) { return escape(number(j)); }

// Completion per seed, one column each, coloured by its verdict.
std::string completion_chart(const json& runs) {
  const int h = 120, w = 820;
  const std::size_t n = std::min<std::size_t>(runs.size(), 2000);
  const double bw = static_cast<double>(w - 40) / static_cast<double>(std::max<std::size_t>(n, 1));
  std::ostringstream s;
  s << "<svg class=\"chart\" width=\"" << w << "\" height=\"" << h + 20 << "\" role=\"img\">"
    << "<text x=\"0\" y=\"10\">1.0</text><text x=\"0\" y=\"" << h << "\">0</text>";
  for (std::size_t i = 0; i < n; ++i) {
    double c = std::clamp(as_number(at(runs[i], "completion_rate")), 0.0, 1.0);
    std::string verdict = number(at(runs[i], "verdict"));
    s << "<rect x=\"" << 30 + i * bw << "\" y=\"" << h - c * (h - 10) << "\" width=\""
      << std::max(1.0, bw - 1) << "\" height=\"" << c * (h - 10) << "\" fill=\""
      << (verdict == "PASS"   ? "#1f8a4c"
          : verdict == "FAIL" ? "#c62f2f"
                              : "#8a6d1f")
      << "\"><title>seed " << text_of(at(runs[i], "seed")) << ": completion "
      << text_of(at(runs[i], "completion_rate")) << " (" << escape(verdict) << ")</title></rect>";
  }
  s << "<text x=\"30\" y=\"" << h + 16 << "\">completion per seed</text></svg>\n";
  return s.str();
}

void seed_grid(const json& runs, Page& page) {
  page.section("Verdict per seed");
  auto& b = page.body();
  if (!runs.is_array() || runs.empty()) {
    b << "<p class=\"muted\">no seeds</p>\n";
    return;
  }
  b << "<div class=\"seeds\">\n";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const json& r = runs[i];
    std::string verdict = number(at(r, "verdict"));
    std::string cls = verdict == "PASS" ? "PASS" : verdict == "FAIL" ? "FAIL" : "NO_EVIDENCE";
    std::string p = "/runs/" + std::to_string(i);
    b << "<div class=\"seed " << cls << "\" data-figure=\"" << p << "/seed\" data-verdict=\""
      << escape(verdict) << "\" data-verdict-figure=\"" << p << "/verdict\" title=\"seed "
      << text_of(at(r, "seed")) << ": " << escape(verdict) << ", completion "
      << text_of(at(r, "completion_rate")) << "\">" << text_of(at(r, "seed")) << "</div>";
  }
  b << "\n</div>\n" << completion_chart(runs);
}

void pass_hat_k(const json& templates, Page& page) {
  if (!templates.is_object() || templates.empty()) return;
  page.section("pass^k per session template");
  auto& b = page.body();
  b << "<p class=\"muted\">the chance that k runs drawn from the seeds all complete every "
       "intent of the template (τ-bench's pass^k)</p>\n<table><tr><th>template</th><th>c/n</th>";
  std::size_t columns = 0;
  for (const auto& [name, t] : templates.items()) {
    if (at(t, "pass_hat_k").is_array()) columns = std::max(columns, at(t, "pass_hat_k").size());
  }
  columns = std::min<std::size_t>(columns, 10);
  for (std::size_t k = 1; k <= columns; ++k) b << "<th>k=" << k << "</th>";
  b << "</tr>\n";
  for (const auto& [name, t] : templates.items()) {
    std::string p = "/templates/" + pointer_token(name);
    b << "<tr><td>"
      << escape(at(t, "session").is_string() ? at(t, "session").get<std::string>() : name)
      << "</td><td class=\"num\">" << figure(p + "/successes", at(t, "successes")) << "/"
      << figure(p + "/trials", at(t, "trials")) << "</td>";
    const json& pk = at(t, "pass_hat_k");
    for (std::size_t k = 0; k < columns; ++k) {
      b << "<td class=\"num\">";
      if (pk.is_array() && k < pk.size() && pk[k].is_number()) {
        b << figure(p + "/pass_hat_k/" + std::to_string(k), pk[k]);
      } else {
        b << "—";
      }
      b << "</td>";
    }
    b << "</tr>\n";
  }
  b << "</table>\n";
}

// "charged 50.00 to card; refunded 10.00 to gift_card_1" from {kind: {instrument: cents}}.
std::string money_text(const json& by_kind) {
  std::string out;
  if (!by_kind.is_object()) return out;
  for (const auto& [kind, by_instrument] : by_kind.items()) {
    if (!by_instrument.is_object()) continue;
    for (const auto& [instrument, cents] : by_instrument.items()) {
      if (!cents.is_number_integer()) continue;
      if (!out.empty()) out += ", ";
      out += kind + " " + format_cents(cents.get<int64_t>()) +
             (instrument == "any" ? "" : " to " + instrument);
    }
  }
  return out.empty() ? "nothing" : out;
}

// The session's money beside its verdict: recorded against the sandbox's ledgers.
std::string money_cell(const json& money) {
  if (!money.is_object()) return "";
  return escape("recorded: " + money_text(at(money, "recorded_cents")) +
                "; sandbox: " + money_text(at(money, "sandbox_cents")) + " (" +
                number(at(money, "writes_compared")) + " of " + number(at(money, "writes")) +
                " writes compared)");
}

}  // namespace

void replay_sessions(const json& replay, Page& page) {
  const json& sessions = at(replay, "sessions");
  page.section("Verdict per recorded session");
  auto& b = page.body();
  if (!sessions.is_array() || sessions.empty()) {
    b << "<p class=\"muted\">no sessions</p>\n";
    return;
  }
  const json& coverage = at(replay, "money_coverage");
  if (coverage.is_object()) {
    b << "<p>money compared on <span data-replay-figure=\"/money_coverage/compared\">"
      << number(at(coverage, "compared")) << "</span> of <span "
      << "data-replay-figure=\"/money_coverage/writes\">" << number(at(coverage, "writes"))
      << "</span> writes that can move money</p>\n";
  }
  b << "<table><tr><th>session</th><th>verdict</th><th>first divergence</th><th>why</th>"
       "<th>money</th></tr>\n";
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    const json& s = sessions[i];
    std::string p = "/sessions/" + std::to_string(i);
    std::string verdict = number(at(s, "verdict"));
    b << "<tr><td>" << text_of(at(s, "session")) << "</td><td class=\""
      << (verdict == "same"        ? "ok"
          : verdict == "recovered" ? "muted"
                                   : "bad")
      << "\" data-replay-figure=\"" << p << "/verdict\">" << escape(verdict)
      << "</td><td class=\"mono\">";
    const json& d = at(s, "first_divergence");
    if (d.is_object()) {
      b << "line <span data-replay-figure=\"" << p << "/first_divergence/line\">"
        << text_of(at(d, "line")) << "</span> " << text_of(at(d, "action")) << ": recorded "
        << text_of(at(d, "recorded")) << ", sandbox " << text_of(at(d, "sandbox"));
      if (at(d, "code").is_string() && !at(d, "code").get<std::string>().empty()) {
        b << " (" << text_of(at(d, "code")) << ")";
      }
    }
    b << "</td><td>" << (at(s, "why").is_string() ? text_of(at(s, "why")) : "") << "</td><td>"
      << money_cell(at(s, "money")) << "</td></tr>\n";
  }
  b << "</table>\n";
}

std::string sweep_page(const json& s) {
  Page page("checkride sweep — " + number(at(s, "scenario")));
  auto& b = page.body();
  std::string verdict = number(at(s, "verdict"));
  b << "<h1>sweep " << text_of(at(s, "scenario")) << " <span class=\"verdict "
    << (verdict == "NO EVIDENCE" ? "NO_EVIDENCE" : escape(verdict))
    << "\" data-figure=\"/verdict\">" << escape(verdict)
    << "</span></h1>\n<p class=\"muted\">seeds "
    << figure("/seeds/0",
              at(s, "seeds").is_array() && !at(s, "seeds").empty() ? at(s, "seeds")[0] : json())
    << ".."
    << figure("/seeds/1",
              at(s, "seeds").is_array() && at(s, "seeds").size() > 1 ? at(s, "seeds")[1] : json())
    << (at(s, "swarm").is_boolean() && at(s, "swarm").get<bool>() ? " · swarm" : "") << "</p>\n";
  seed_grid(at(s, "runs"), page);
  pass_hat_k(at(s, "templates"), page);
  const json& totals = at(s, "totals");
  page.section("Totals over the seeds");
  b << "<table><tr><th>metric</th><th>value</th></tr>\n";
  if (at(totals, "metrics").is_object()) {
    for (const auto& [k, v] : at(totals, "metrics").items()) {
      b << "<tr><td>" << escape(k) << "</td><td class=\"num\">"
        << figure("/totals/metrics/" + pointer_token(k), v) << "</td></tr>\n";
    }
  }
  b << "</table>\n";
  latency(at(totals, "latency_ms"), "/totals/latency_ms/", page);
  const json& coverage = at(s, "fault_coverage");
  fault_coverage(at(coverage, "rules"), "/fault_coverage/rules/", at(coverage, "branches"),
                 "/fault_coverage/branches/", page);
  witnesses(at(s, "witnesses"), "/witnesses/", page);
  return page.finish();
}

}  // namespace checkride::html
