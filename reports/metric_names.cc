#include "reports/metric_names.h"

#include <algorithm>
#include <vector>

namespace checkride {

const std::set<std::string>& known_metrics() {
  static const std::set<std::string> kNames = {
      // sessions and outcomes (simulator/checkers.cc)
      "sessions", "intents", "completed", "completion_rate", "escalations", "throttled", "stuck",
      "false_success", "false_failure", "mapped_tool_calls",
      // safety, from the fakes' ledgers
      "duplicate_charges", "duplicate_authorizations", "oversold_units", "coupon_overspend_cents",
      "charged_without_order", "order_without_charge", "orphan_holds", "orphan_authorizations",
      "consent_violations", "policy_violations", "money_difference_cents", "duplicate_credits",
      "double_fulfilment",
      // the run itself
      "orchestrator_crashes", "p50_session_ms", "p90_session_ms", "p99_session_ms",
      "max_session_ms", "fault_rules_never_fired",
      // replay
      "replay_sessions", "replay_diverged", "replay_recovered", "replay_writes",
      "replay_writes_money_compared", "replay_money_differs", "lookups_as_recorded",
      // drive
      "drive_sessions_dropped", "drive_requests_dropped", "drive_requests",
      "drive_transport_errors", "drive_http_errors", "drive_unsettled_sessions",
      "drive_sessions_settlement_unknown", "drive_sessions_unstarted"};
  return kNames;
}

bool is_known_metric(std::string_view name) { return known_metrics().count(std::string(name)) > 0; }

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string nearest_metric(std::string_view name) {
  // Long hostile names are not worth a quadratic comparison: compare a prefix.
  std::string_view probe = name.substr(0, 64);
  std::string best;
  std::size_t best_distance = static_cast<std::size_t>(-1);
  for (const std::string& known : known_metrics()) {
    std::size_t d = edit_distance(probe, known);
    if (d < best_distance) {
      best = known;
      best_distance = d;
    }
  }
  return best;
}

std::string unknown_metric_message(std::string_view name) {
  return "unknown metric '" + std::string(name.substr(0, 64)) + "'; did you mean '" +
         nearest_metric(name) + "'? (every metric is defined in docs/metrics.md)";
}

}  // namespace checkride
