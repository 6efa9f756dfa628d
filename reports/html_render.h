#pragma once
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>

#include "reports/html_page.h"

namespace checkride {

// A report as one self-contained HTML page (docs/reports.md): a run's report
// (checkride.report/v1), the same with its replay's per-session divergence
// (checkride.replay/v1, `replay` may be null), or a sweep (checkride.sweep/v1). Throws
// InputError naming `origin` when `doc` is none of these.
std::string render_html(const nlohmann::json& doc, const nlohmann::json* replay,
                        const std::string& origin);

// `report render REPORT.json --format html [--out FILE]`: writes FILE (default: the report's
// path with .html). A run report picks up its replay (NAME.replay.json beside it), and a
// replay report its run report. 0, or 2 on bad input.
int run_report_render(const std::string& path, const std::string& format,
                      const std::string& out_file, std::ostream& out, std::ostream& err);

namespace html {
std::string report_page(const nlohmann::json& report, const nlohmann::json* replay);
std::string sweep_page(const nlohmann::json& sweep);
void replay_sessions(const nlohmann::json& replay, Page& page);
void fault_coverage(const nlohmann::json& rules, const std::string& rules_base,
                    const nlohmann::json& branches, const std::string& branches_base, Page& page);
void latency(const nlohmann::json& histograms, const std::string& base, Page& page);
void witnesses(const nlohmann::json& list, const std::string& base, Page& page);
}  // namespace html

}  // namespace checkride
