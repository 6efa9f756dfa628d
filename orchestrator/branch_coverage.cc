#include "orchestrator/branch_coverage.h"

#include "orchestrator/saga_steps.h"

namespace checkride {

void BranchCoverage::add(const BranchCoverage& other) {
  for (std::size_t i = 0; i < compensations.size(); ++i) compensations[i] += other.compensations[i];
  for (std::size_t i = 0; i < retries.size(); ++i) retries[i] += other.retries[i];
  token_refreshes += other.token_refreshes;
  breaker_waits += other.breaker_waits;
  recovered_steps += other.recovered_steps;
  recovered_compensations += other.recovered_compensations;
  recovered_holds += other.recovered_holds;
  recovered_authentications += other.recovered_authentications;
  webhooks_authenticated += other.webhooks_authenticated;
  webhooks_duplicate += other.webhooks_duplicate;
  webhooks_early += other.webhooks_early;
  webhooks_bad_signature += other.webhooks_bad_signature;
  authentication_timeouts += other.authentication_timeouts;
}

std::map<std::string, uint64_t> BranchCoverage::named() const {
  std::map<std::string, uint64_t> out;
  // The ops a compensation can send: each rule's undo and fallback, and the replay that
  // learns what a step whose answer was lost did.
  for (const CompensationRule& rule : compensation_rules()) {
    for (Op op : {rule.undo, rule.fallback}) {
      if (op == Op::kSearch) continue;
      out["compensation." + std::string(op_name(op))] = compensations[static_cast<int>(op)];
    }
  }
  for (const CompensationRule& rule : compensation_rules()) {
    std::string name = "compensation." + std::string(op_name(rule.replay));
    if (out.count(name)) continue;  // an op that is also an undo is counted under its name
    out["compensation.replay_" + std::string(op_name(rule.replay))] =
        compensations[static_cast<int>(rule.replay)];
  }
  for (int e = 1; e < kErrorCodeCount; ++e) {
    auto code = static_cast<ErrorCode>(e);
    if (!is_retryable(code)) continue;
    out["retry." + std::string(error_name(code))] = retries[e];
  }
  out["retry.token_refresh"] = token_refreshes;
  out["retry.breaker_open"] = breaker_waits;
  out["recovery.step"] = recovered_steps;
  out["recovery.compensation"] = recovered_compensations;
  out["recovery.hold_expiry"] = recovered_holds;
  out["recovery.authentication"] = recovered_authentications;
  out["webhook.authenticated"] = webhooks_authenticated;
  out["webhook.duplicate"] = webhooks_duplicate;
  out["webhook.before_its_answer"] = webhooks_early;
  out["webhook.bad_signature"] = webhooks_bad_signature;
  out["webhook.authentication_timeout"] = authentication_timeouts;
  return out;
}

}  // namespace checkride
