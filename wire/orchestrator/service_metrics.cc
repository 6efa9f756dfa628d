#include "wire/orchestrator/service_metrics.h"

#include <sstream>

namespace checkride {

void ServiceMetrics::action_answered(ActionStatus status, Duration took) {
  ++actions_[static_cast<int>(status)];
  std::size_t b = 0;
  while (b < kBucketsMs.size() && took > kBucketsMs[b]) ++b;
  ++latency_buckets_[b];
  latency_sum_ms_ += static_cast<uint64_t>(took < 0 ? 0 : took);
}

void ServiceMetrics::provider_call(Op op, ErrorCode error) {
  ++calls_[static_cast<int>(op)][static_cast<int>(error)];
}

void ServiceMetrics::refused(const std::string& why) {
  if (why.rfind("unsigned", 0) == 0)
    ++unsigned_;
  else if (why.rfind("stale", 0) == 0)
    ++stale_;
  else if (why.rfind("replayed", 0) == 0)
    ++replayed_;
  else
    ++forged_;
}

std::string ServiceMetrics::render(int in_flight, uint64_t audit_records,
                                   std::size_t queued_calls) const {
  std::ostringstream o;
  o << "# HELP checkride_actions_total Action requests answered, by status.\n"
       "# TYPE checkride_actions_total counter\n";
  for (int s = 0; s < kStatuses; ++s) {
    o << "checkride_actions_total{status=\"" << status_name(static_cast<ActionStatus>(s)) << "\"} "
      << actions_[s].load() << "\n";
  }
  o << "# HELP checkride_action_duration_seconds Time from a signed action's arrival to its "
       "answer.\n# TYPE checkride_action_duration_seconds histogram\n";
  uint64_t cumulative = 0;
  for (std::size_t b = 0; b < kBucketsMs.size(); ++b) {
    cumulative += latency_buckets_[b].load();
    o << "checkride_action_duration_seconds_bucket{le=\"" << kBucketsMs[b] / 1000.0 << "\"} "
      << cumulative << "\n";
  }
  cumulative += latency_buckets_[kBucketsMs.size()].load();
  o << "checkride_action_duration_seconds_bucket{le=\"+Inf\"} " << cumulative << "\n"
    << "checkride_action_duration_seconds_sum " << latency_sum_ms_.load() / 1000.0 << "\n"
    << "checkride_action_duration_seconds_count " << cumulative << "\n";
  o << "# HELP checkride_provider_calls_total Provider calls made, by operation and result.\n"
       "# TYPE checkride_provider_calls_total counter\n";
  for (int op = 0; op < kOpCount; ++op) {
    for (int e = 0; e < kErrorCodeCount; ++e) {
      uint64_t n = calls_[op][e].load();
      if (n == 0) continue;
      o << "checkride_provider_calls_total{provider=\""
        << provider_name(provider_of(static_cast<Op>(op))) << "\",op=\""
        << op_name(static_cast<Op>(op)) << "\",result=\""
        << (e == 0 ? std::string_view("ok") : error_name(static_cast<ErrorCode>(e))) << "\"} " << n
        << "\n";
    }
  }
  o << "# HELP checkride_refused_requests_total Requests refused before anything ran.\n"
       "# TYPE checkride_refused_requests_total counter\n"
    << "checkride_refused_requests_total{reason=\"unsigned\"} " << unsigned_.load() << "\n"
    << "checkride_refused_requests_total{reason=\"stale\"} " << stale_.load() << "\n"
    << "checkride_refused_requests_total{reason=\"replayed\"} " << replayed_.load() << "\n"
    << "checkride_refused_requests_total{reason=\"bad_signature\"} " << forged_.load() << "\n"
    << "checkride_refused_requests_total{reason=\"bad_request\"} " << bad_requests_.load() << "\n";
  o << "# HELP checkride_sagas_in_flight Sagas started and not finished.\n"
       "# TYPE checkride_sagas_in_flight gauge\n"
    << "checkride_sagas_in_flight " << in_flight << "\n"
    << "# HELP checkride_provider_calls_queued Provider calls waiting for a worker.\n"
       "# TYPE checkride_provider_calls_queued gauge\n"
    << "checkride_provider_calls_queued " << queued_calls << "\n"
    << "# HELP checkride_audit_records Records in the hash-chained audit log.\n"
       "# TYPE checkride_audit_records gauge\n"
    << "checkride_audit_records " << audit_records << "\n"
    << "# HELP checkride_store_failures_total Writes the store refused (a full disk); each "
       "restarted the core from the store.\n"
       "# TYPE checkride_store_failures_total counter\n"
    << "checkride_store_failures_total " << store_failures_.load() << "\n";
  return o.str();
}

}  // namespace checkride
