#include "scenario/fault_plan.h"

#include "protocol/invariant.h"
#include "scenario/latency.h"

namespace checkride {
namespace {

FaultTarget target_of(Op op) {
  switch (provider_of(op)) {
    case Provider::kCatalog:
      return FaultTarget::kCatalog;
    case Provider::kPayment:
      return FaultTarget::kPayment;
    case Provider::kBooking:
      return FaultTarget::kBooking;
    case Provider::kIdentity:
      return FaultTarget::kIdentity;
  }
  return FaultTarget::kPayment;
}

// Calls that carry the user's delegated token (the only ones a user-token fault can hit).
bool is_user_resource_call(Op op) {
  return op == Op::kAuthorize || op == Op::kHold || op == Op::kConfirm;
}

}  // namespace

FaultPlan::FaultPlan(const std::vector<FaultRule>& rules, uint64_t seed, FaultHost host)
    : seed_(seed), host_(host) {
  for (const FaultRule& r : rules) add(r);
}

void FaultPlan::add(const FaultRule& rule) {
  std::string name =
      "fault:" + std::to_string(rule.stream >= 0 ? static_cast<uint64_t>(rule.stream)
                                                 : static_cast<uint64_t>(rules_.size()));
  rules_.push_back(Live{rule, Stream(seed_, name), hash_bytes(name.data(), name.size()), 0, 0});
}

bool FaultPlan::matches(Live& l, Time now, uint64_t entropy, Stream& draws) {
  if (!l.rule.active) return false;
  if (now < l.rule.from || now >= l.rule.to) return false;
  ++l.seen;
  if (l.rule.nth > 0 && l.seen != l.rule.nth) return false;
  Stream per_call = Stream::from_state(simulated() ? mix64(entropy, l.salt) : 0);
  Stream& s = simulated() ? per_call : l.stream;
  if (!s.bernoulli(l.rule.probability)) return false;
  draws = s;
  ++l.fired;
  CHECKRIDE_INVARIANT(l.fired <= l.seen, "a rule fires only on a call it saw");
  CHECKRIDE_INVARIANT(l.rule.nth == 0 || l.fired == 1, "a rule on the nth call fires once");
  return true;
}

CallFault FaultPlan::for_call(Op op, Time now, bool active, uint64_t entropy) {
  CHECKRIDE_INVARIANT(simulated() || entropy == 0, "only a simulated call brings its entropy");
  CallFault f;
  if (!active) return f;
  FaultTarget target = target_of(op);
  for (Live& l : rules_) {
    const FaultRule& r = l.rule;
    if (r.kind == FaultKind::kCrash || r.target == FaultTarget::kAgent) continue;
    // A simulated run has no party that verifies a JWT, so a key rotation there would change
    // nothing: it never fires, and the report's fault_rules_never_fired says so.
    if (r.kind == FaultKind::kKeyRotation && simulated()) continue;
    // Token faults are set on identity but strike where the token is used.
    bool token_fault = r.kind == FaultKind::kTokenExpiry || r.kind == FaultKind::kRefreshRevoked;
    if (token_fault) {
      if (!is_user_resource_call(op) || (r.has_op && r.op != op)) continue;
    } else {
      if (r.target != target || (r.has_op && r.op != op)) continue;
    }
    Stream draws = Stream::from_state(0);
    if (!matches(l, now, entropy, draws)) continue;
    switch (r.kind) {
      case FaultKind::kOutage:
        f.answer = ErrorCode::kUnavailable;
        f.http_status = 503;
        break;
      case FaultKind::kError:
        f.answer = r.error;
        f.http_status = r.http_status;
        f.retry_after = r.retry_after;
        break;
      case FaultKind::kReset:
        f.reset = true;
        break;
      case FaultKind::kRateLimit:
        f.answer = ErrorCode::kRateLimited;
        f.http_status = 429;
        f.retry_after = r.retry_after;
        break;
      case FaultKind::kLatency:
        f.extra_latency += draw_latency(r.latency, draws);
        if (!simulated()) l.stream = draws;  // wire: the rule's own stream moves on
        break;
      case FaultKind::kTimeout:
        f.drop_request = true;
        break;
      case FaultKind::kLostResponse:
        f.drop_response = true;
        break;
      case FaultKind::kTokenExpiry:
        f.expire_token = true;
        break;
      case FaultKind::kRefreshRevoked:
        f.expire_token = true;
        f.revoke_refresh = true;
        break;
      case FaultKind::kHoldExpiry:
        f.shorten_ttl = r.ttl;
        break;
      case FaultKind::kKeyRotation:
        f.rotate_key = true;
        f.keep_old_key = f.keep_old_key && r.grace;
        break;
      default:
        break;
    }
  }
  return f;
}

WebhookFault FaultPlan::for_webhook(const std::string& type, Time now, bool active,
                                    uint64_t entropy) {
  WebhookFault f;
  if (!active) return f;
  for (Live& l : rules_) {
    if (!is_webhook_fault(l.rule.kind) || !l.rule.active) continue;
    if (!l.rule.action.empty() && l.rule.action != type) continue;
    Stream draws = Stream::from_state(0);
    if (!matches(l, now, entropy, draws)) continue;
    switch (l.rule.kind) {
      case FaultKind::kWebhookDelay:
        f.delay += draw_latency(l.rule.latency, draws);
        if (!simulated()) l.stream = draws;
        break;
      case FaultKind::kWebhookDuplicate:
        f.duplicate = true;
        break;
      case FaultKind::kWebhookReorder:
        f.reorder = true;
        break;
      case FaultKind::kWebhookDrop:
        f.drop = true;
        break;
      case FaultKind::kWebhookBadSignature:
        f.bad_signature = true;
        break;
      default:
        f.forge = true;
        break;
    }
  }
  return f;
}

bool FaultPlan::duplicate(const std::string& action, bool charge, Time now, bool active,
                          bool& new_key, uint64_t entropy) {
  if (!active) return false;
  for (Live& l : rules_) {
    if (l.rule.kind != FaultKind::kDuplicateAction) continue;
    if (l.rule.action.empty() ? !charge : l.rule.action != action) continue;
    Stream draws = Stream::from_state(0);
    if (matches(l, now, entropy, draws)) {
      new_key = l.rule.new_key;
      return true;
    }
  }
  return false;
}

bool FaultPlan::malformed(const std::string& action, bool charge, Time now, bool active,
                          uint64_t entropy) {
  if (!active) return false;
  for (Live& l : rules_) {
    if (l.rule.kind != FaultKind::kMalformedAction) continue;
    if (l.rule.action.empty() ? !charge : l.rule.action != action) continue;
    Stream draws = Stream::from_state(0);
    if (matches(l, now, entropy, draws)) return true;
  }
  return false;
}

bool FaultPlan::crash_after(Op op, Duration& restart_after) {
  for (Live& l : rules_) {
    const FaultRule& r = l.rule;
    if (r.kind != FaultKind::kCrash || !r.active || r.at >= 0 || !r.has_op || r.op != op) continue;
    if (++l.seen == r.nth) {
      restart_after = r.restart_after;
      ++l.fired;
      CHECKRIDE_INVARIANT(l.fired == 1, "a crash after the nth call fires once");
      return true;
    }
  }
  return false;
}

void FaultPlan::timed_crash_happened(Time now) {
  for (Live& l : rules_) {
    if (l.rule.kind == FaultKind::kCrash && l.rule.active && l.rule.at == now) ++l.fired;
  }
}

std::vector<std::pair<Time, Duration>> FaultPlan::timed_crashes() const {
  std::vector<std::pair<Time, Duration>> out;
  for (const Live& l : rules_) {
    if (l.rule.kind == FaultKind::kCrash && l.rule.active && l.rule.at >= 0)
      out.emplace_back(l.rule.at, l.rule.restart_after);
  }
  return out;
}

}  // namespace checkride
