// Checkers: every metric is computed from the fakes' ledgers (ground truth) and the
// agent's view of each session, never from what the orchestrator says about itself.
#include <algorithm>

#include "simulator/simulation.h"

namespace checkride {
namespace {

struct Truth {
  int32_t authorizations = 0;
  int32_t captures = 0;
  int64_t captured = 0;
  int64_t refunded = 0;
  int32_t orders = 0;       // ever confirmed (cancelled later or not)
  int32_t live_orders = 0;  // confirmed and not cancelled
};

std::string pi_line(ObjectId id, const PaymentsFake::PaymentIntent& pi) {
  return "t=" + std::to_string(pi.created) + "ms payment pi_" + std::to_string(id) + " " +
         std::to_string(pi.amount) + " cents " + std::string(PaymentsFake::status_name(pi.status)) +
         (pi.captured_at ? " captured t=" + std::to_string(pi.captured_at) + "ms" : "") +
         (pi.refunded ? " refunded " + std::to_string(pi.refunded) : "");
}

}  // namespace

Report Simulation::check() const {
  const World& w = *world_;
  std::size_t n = outcomes_.size();
  std::vector<Truth> truth(n + 1);
  auto valid = [&](UserId u) { return u >= 1 && u <= n; };

  for (const auto& pi : w.payments.intents()) {
    if (!valid(pi.owner)) continue;
    Truth& t = truth[pi.owner];
    if (pi.authorized) ++t.authorizations;
    if (pi.captured_at > 0) {
      ++t.captures;
      t.captured += pi.amount;
      t.refunded += pi.refunded;
    }
  }
  for (const auto& o : w.catalog.orders()) {
    if (!valid(o.user)) continue;
    ++truth[o.user].orders;
    if (!o.cancelled) ++truth[o.user].live_orders;
  }
  for (const auto& h : w.bookings.holds()) {
    if (!valid(h.user)) continue;
    if (h.state == BookingsFake::HoldState::kConfirmed ||
        h.state == BookingsFake::HoldState::kCancelled) {
      ++truth[h.user].orders;
      if (h.state == BookingsFake::HoldState::kConfirmed) ++truth[h.user].live_orders;
    }
  }

  Report r;
  r.scenario = scenario_.name;
  r.description = scenario_.description;
  r.seed = scenario_.seed;
  r.defects = scenario_.defect_names;
  std::map<std::string, std::vector<SessionId>> offenders;
  auto offend = [&](const char* metric, SessionId s, int64_t count = 1) {
    r.metrics[metric] += static_cast<double>(count);
    auto& list = offenders[metric];
    if (list.size() < 3) list.push_back(s);
  };
  for (const char* m :
       {"sessions", "intents", "completed", "duplicate_charges", "duplicate_authorizations",
        "oversold_units", "coupon_overspend_cents", "charged_without_order", "order_without_charge",
        "false_success", "false_failure", "orphan_holds", "orphan_authorizations",
        "consent_violations", "policy_violations", "escalations", "throttled", "stuck"}) {
    r.metrics[m] = 0;
  }
  r.metrics["sessions"] = static_cast<double>(n);
  r.metrics["orchestrator_crashes"] = static_cast<double>(crashes_);

  const PolicyConfig& policy = scenario_.orchestrator.policy;
  for (SessionId s = 1; s <= n; ++s) {
    const SessionOutcome& o = outcomes_[s - 1];
    const Truth& t = truth[s];
    bool intent = o.flags & SessionOutcome::kIntent;
    bool told_ok = o.flags & SessionOutcome::kToldConfirmed;
    bool told_failed = o.flags & SessionOutcome::kToldFailed;
    int64_t net = t.captured - t.refunded;
    if (intent) {
      r.metrics["intents"] += 1;
      if (t.orders > 0 && told_ok) {
        r.metrics["completed"] += 1;
      } else if (templates_[o.tmpl].recorded_success) {
        // A regression against the recording: the intent completed in production.
        auto& list = offenders["incomplete_intents"];
        if (list.size() < 3) list.push_back(s);
      }
      if (t.captures > 1) offend("duplicate_charges", s, t.captures - 1);
      if (t.authorizations > 1) offend("duplicate_authorizations", s, t.authorizations - 1);
    }
    if (net > 0 && t.orders == 0) offend("charged_without_order", s);
    if (t.live_orders > 0 && t.captured == 0) offend("order_without_charge", s, t.live_orders);
    if (told_ok && t.orders == 0) offend("false_success", s);
    if (told_failed && !told_ok && t.orders > 0 && net > 0) offend("false_failure", s);
    if (policy.spend_cap_session > 0 && t.captured > policy.spend_cap_session) {
      offend("policy_violations", s);
    }
    if (o.flags & SessionOutcome::kEscalated) r.metrics["escalations"] += 1;
    if ((o.flags & SessionOutcome::kThrottled) && !told_ok) r.metrics["throttled"] += 1;
    if (!(o.flags & SessionOutcome::kFinished)) offend("stuck", s);
  }
  for (std::size_t i = 0; i < w.payments.intents().size(); ++i) {
    const auto& pi = w.payments.intents()[i];
    if (pi.status == PaymentsFake::Status::kRequiresCapture)
      offend("orphan_authorizations", pi.owner);
    if (pi.captured_at > 0 && valid(pi.owner)) {
      const SessionOutcome& o = outcomes_[pi.owner - 1];
      if (o.max_consent < pi.amount || o.first_consent < 0 || o.first_consent > pi.created) {
        offend("consent_violations", pi.owner);
      }
      if (policy.review_above > 0 && pi.amount > policy.review_above) {
        offend("policy_violations", pi.owner);
      }
    }
  }
  for (const auto& res : w.catalog.reservations()) {
    if (!res.released_by_caller) offend("orphan_holds", res.user);
  }
  for (const auto& h : w.bookings.holds()) {
    if (!h.released_by_caller) offend("orphan_holds", h.user);
  }
  for (const auto& sku : w.catalog.skus()) {
    r.metrics["oversold_units"] += std::max(0, sku.committed - sku.spec.stock);
  }
  for (const auto& offer : w.bookings.offers()) {
    r.metrics["oversold_units"] += std::max(0, offer.confirmed - offer.spec.capacity);
  }
  for (const auto& c : w.catalog.coupons()) {
    r.metrics["coupon_overspend_cents"] +=
        static_cast<double>(std::max<int64_t>(0, c.spent - c.spec.budget));
  }
  double intents = r.metrics["intents"];
  r.metrics["completion_rate"] = intents > 0 ? r.metrics["completed"] / intents : 1.0;
  r.flows = static_cast<uint64_t>(intents);

  // Money: what was taken against what confirmed orders are worth.
  int64_t captured = 0, refunded = 0, confirmed_totals = 0;
  for (const auto& pi : w.payments.intents()) {
    if (pi.captured_at > 0) captured += pi.amount;
    refunded += pi.refunded;
  }
  for (const auto& o : w.catalog.orders()) {
    if (!o.cancelled) confirmed_totals += o.total;
  }
  for (const auto& h : w.bookings.holds()) {
    if (h.state == BookingsFake::HoldState::kConfirmed) confirmed_totals += h.total;
    if (h.state == BookingsFake::HoldState::kCancelled)
      confirmed_totals += h.total - std::max<int64_t>(h.refund_quote, 0);
  }
  r.money = {{"captured", captured},
             {"refunded", refunded},
             {"net", captured - refunded},
             {"confirmed_totals", confirmed_totals},
             {"difference", captured - refunded - confirmed_totals}};
  r.metrics["money_difference_cents"] = static_cast<double>(captured - refunded - confirmed_totals);

  r.latency = latency_;
  const LogHistogram& sl = latency_.at("session");
  r.metrics["p50_session_ms"] = static_cast<double>(sl.percentile(0.5));
  r.metrics["p90_session_ms"] = static_cast<double>(sl.percentile(0.9));
  r.metrics["p99_session_ms"] = static_cast<double>(sl.percentile(0.99));
  r.metrics["max_session_ms"] = static_cast<double>(sl.max());
  for (int op = 0; op < kOpCount; ++op) {
    const OpCounts& counts = op_counts_[op];
    if (counts.calls == 0) continue;
    Op o = static_cast<Op>(op);
    StepFailures& sf = r.failures_by_step[std::string(provider_name(provider_of(o))) + "." +
                                          std::string(op_name(o))];
    sf.calls = counts.calls;
    for (int e = 1; e < kErrorCodeCount; ++e) {
      if (counts.errors[e] == 0) continue;
      sf.errors += counts.errors[e];
      sf.by_error[std::string(error_name(static_cast<ErrorCode>(e)))] = counts.errors[e];
    }
  }

  // Witnesses: the ledger lines of the first offending sessions.
  for (const auto& [metric, sessions] : offenders) {
    for (SessionId s : sessions) {
      Witness wit;
      wit.metric = metric;
      wit.session = s;
      if (valid(s)) {
        const SessionOutcome& o = outcomes_[s - 1];
        wit.events.push_back("template " + templates_[o.tmpl].name);
        wit.events.push_back(std::string("agent was told ") +
                             (o.flags & SessionOutcome::kToldConfirmed ? "confirmed"
                              : o.flags & SessionOutcome::kToldFailed  ? "failed"
                                                                       : "nothing final") +
                             (o.flags & SessionOutcome::kFinished ? "" : "; session unfinished"));
        if (o.first_consent >= 0) {
          wit.events.push_back("user confirmed up to " + std::to_string(o.max_consent) +
                               " cents at t=" + std::to_string(o.first_consent) + "ms");
        }
      }
      const auto& pis = w.payments.intents();
      for (std::size_t i = 0; i < pis.size(); ++i) {
        if (pis[i].owner == s) wit.events.push_back(pi_line(i + 1, pis[i]));
      }
      const auto& res = w.catalog.reservations();
      for (std::size_t i = 0; i < res.size(); ++i) {
        if (res[i].user != s) continue;
        static const char* kState[] = {"held", "committed", "released", "expired"};
        wit.events.push_back("t=" + std::to_string(res[i].created) + "ms catalog reservation res_" +
                             std::to_string(i + 1) + " " + kState[static_cast<int>(res[i].state)] +
                             (res[i].released_by_caller ? "" : " (never released)"));
      }
      const auto& orders = w.catalog.orders();
      for (std::size_t i = 0; i < orders.size(); ++i) {
        if (orders[i].user != s) continue;
        wit.events.push_back("t=" + std::to_string(orders[i].created) + "ms catalog order #" +
                             std::to_string(i + 1) + " " + std::to_string(orders[i].total) +
                             " cents" + (orders[i].reservation ? "" : " (no reservation)") +
                             (orders[i].cancelled ? " cancelled" : ""));
      }
      const auto& holds = w.bookings.holds();
      for (std::size_t i = 0; i < holds.size(); ++i) {
        if (holds[i].user != s) continue;
        static const char* kState[] = {"held", "confirmed", "released", "expired", "cancelled"};
        wit.events.push_back("t=" + std::to_string(holds[i].created) + "ms booking hold " +
                             std::to_string(i + 1) + " " +
                             kState[static_cast<int>(holds[i].state)] +
                             (holds[i].released_by_caller ? "" : " (never released)"));
      }
      r.witnesses.push_back(std::move(wit));
    }
  }
  r.fingerprint = mix64(fingerprint_, static_cast<uint64_t>(r.metrics["completed"]));
  r.gates = evaluate_gates(scenario_.expect, r.metrics);
  return r;
}

}  // namespace checkride
