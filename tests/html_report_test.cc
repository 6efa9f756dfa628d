// The HTML report is one self-contained page made from the JSON report: deterministic,
// escaped, with nothing to fetch, and `report render` refuses what is not a report. (A real
// browser checks the figures: tests/browser/report_pages.mjs.)
#include <gtest/gtest.h>

#include <sstream>

#include "reports/html_render.h"
#include "tests/test_support.h"

namespace checkride {
namespace {

TEST(HtmlReport, IsSelfContainedEscapedAndTheSameBytesForTheSameReport) {
  Report r = testing::run_scenario_file(testing::source_path("scenarios/payment-outage.yaml"));
  r.scenario = "<script>alert(1)</script>";
  r.description = "a & b \"quoted\"";
  nlohmann::json j = report_to_json(r);
  std::string page = render_html(j, nullptr, "r.json");
  EXPECT_EQ(page, render_html(j, nullptr, "r.json"));
  EXPECT_EQ(page.find("<script"), std::string::npos) << "a scenario name became markup";
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(page.find("a &amp; b &quot;quoted&quot;"), std::string::npos);
  for (const char* remote : {"http://", "https://", "src=", "@import"}) {
    EXPECT_EQ(page.find(remote), std::string::npos) << remote << ": the page fetches something";
  }
  EXPECT_NE(page.find("data-figure=\"/metrics/completion_rate\""), std::string::npos);
  EXPECT_NE(page.find("class=\"fault-window\""), std::string::npos);
}

TEST(HtmlReport, RenderRefusesWhatIsNotAReportAndSurvivesOneOfTheWrongShape) {
  const std::string dir = testing::temp_dir("html-render");
  std::ostringstream out, err;
  std::string junk = testing::write_temp(dir, "x.json", "{\"format\": \"something/v9\"}");
  EXPECT_EQ(run_report_render(junk, "html", "", out, err), 2);
  EXPECT_NE(err.str().find("x.json: format: expected \"checkride.report/v1\" or "
                           "\"checkride.sweep/v1\""),
            std::string::npos)
      << err.str();
  std::ostringstream err2;
  EXPECT_EQ(run_report_render(junk, "pdf", "", out, err2), 2);
  EXPECT_NE(err2.str().find("--format: pdf: expected html"), std::string::npos) << err2.str();
  // Every field of the wrong type: a page of what is there, never a crash.
  nlohmann::json odd = {{"format", "checkride.report/v1"},
                        {"metrics", {{"x", "y"}}},
                        {"gates", 7},
                        {"latency_ms", {{"a", {{"buckets", {1, {2}, "z"}}}}}},
                        {"timeline", {{"confirmed", {1, "a", -3}}, {"bucket_ms", -5}}},
                        {"fault_rules", {{{"window_ms", {{"from", "x"}}}}}}};
  EXPECT_NE(render_html(odd, nullptr, "odd").find("</html>"), std::string::npos);
  // Found by fuzz_report_render: a window past any integer was cast unchecked (UB).
  nlohmann::json far = {{"format", "checkride.report/v1"},
                        {"timeline", {{"confirmed", {1, 2}}, {"bucket_ms", 1000}}},
                        {"fault_rules", {{{"window_ms", {{"from", 3.3e40}, {"to", -1e300}}}}}}};
  EXPECT_NE(render_html(far, nullptr, "far").find("</html>"), std::string::npos);
  nlohmann::json sweep = {{"format", "checkride.sweep/v1"},
                          {"runs", {1, {{"verdict", 3}}}},
                          {"templates", {{"t", {{"pass_hat_k", "no"}}}}},
                          {"seeds", "1..2"}};
  EXPECT_NE(render_html(sweep, nullptr, "sweep").find("</html>"), std::string::npos);
  std::string written = dir + "/page.html";
  std::string report = testing::write_temp(
      dir, "r.json",
      report_to_json(testing::run_scenario_file(testing::source_path("scenarios/happy-orders.yaml"),
                                                {"workload.sessions=50"}))
          .dump());
  std::ostringstream out3, err3;
  EXPECT_EQ(run_report_render(report, "html", written, out3, err3), 0) << err3.str();
  EXPECT_NE(testing::read_text(written).find("happy-orders"), std::string::npos);
}

}  // namespace
}  // namespace checkride
