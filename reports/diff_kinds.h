#pragma once
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

namespace checkride {

// The report kinds `diff` compares, each with its counterpart of the same kind.
enum class ReportKind { kRun, kReplay, kSweep };
// From the document's "format"; false when it is none of checkride.report/v1,
// checkride.replay/v1 and checkride.sweep/v1.
bool report_kind_of(const nlohmann::json& doc, ReportKind& kind);

// A replay's per-session verdicts, baseline against candidate: the sessions whose verdict got
// worse. Informational: replay_diverged in NAME.json is what thresholds gate. Returns false.
bool diff_replay(const std::string& name, const nlohmann::json& base, const nlohmann::json& cand,
                 std::ostream& md);

// A sweep's seeds and pass^1 per session template. Returns true (a regression) when more
// seeds failed their gates in the candidate than in the baseline.
bool diff_sweep(const std::string& name, const nlohmann::json& base, const nlohmann::json& cand,
                std::ostream& md);

}  // namespace checkride
