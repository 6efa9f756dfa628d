// The faults section, a faults file (--faults) and a control API body: fault rules.
#include "scenario/scenario_sections.h"

namespace checkride {
namespace {

// A rule on one provider naming another provider's op would never strike. Token faults sit
// on identity but strike where the token is used, so they may name those calls.
void check_op_belongs(MapReader& m, const FaultRule& r, const std::string& op) {
  static const std::pair<FaultTarget, Provider> kProviders[] = {
      {FaultTarget::kCatalog, Provider::kCatalog},
      {FaultTarget::kPayment, Provider::kPayment},
      {FaultTarget::kBooking, Provider::kBooking},
      {FaultTarget::kIdentity, Provider::kIdentity}};
  const bool token_fault =
      r.kind == FaultKind::kTokenExpiry || r.kind == FaultKind::kRefreshRevoked;
  if (token_fault && (r.op == Op::kAuthorize || r.op == Op::kHold || r.op == Op::kConfirm)) return;
  for (const auto& [target, provider] : kProviders) {
    if (r.target == target && provider_of(r.op) != provider) {
      m.fail(m.get("op"), "op",
             "op '" + op + "' belongs to " + std::string(provider_name(provider_of(r.op))) +
                 ", not " + std::string(provider_name(provider)) + "; this rule would never fire");
    }
  }
}

}  // namespace

FaultRule parse_fault(const YAML::Node& n, const std::string& file, int index) {
  std::string field = "faults[" + std::to_string(index) + "]";
  MapReader m(n, file, field);
  FaultRule r;
  r.line = line_of(n);
  std::string provider = m.str("provider", "");
  if (provider == "catalog")
    r.target = FaultTarget::kCatalog;
  else if (provider == "payment")
    r.target = FaultTarget::kPayment;
  else if (provider == "booking")
    r.target = FaultTarget::kBooking;
  else if (provider == "identity")
    r.target = FaultTarget::kIdentity;
  else if (provider == "orchestrator")
    r.target = FaultTarget::kOrchestrator;
  else if (provider == "agent")
    r.target = FaultTarget::kAgent;
  else if (provider == "webhook")
    r.target = FaultTarget::kWebhook;
  else
    m.fail(n, "provider",
           "expected payment, catalog, booking, identity, orchestrator, agent or webhook");

  std::string kind = m.str("kind", "");
  static const std::pair<const char*, FaultKind> kKinds[] = {
      {"outage", FaultKind::kOutage},
      {"error", FaultKind::kError},
      {"latency", FaultKind::kLatency},
      {"timeout", FaultKind::kTimeout},
      {"lost_response", FaultKind::kLostResponse},
      {"rate_limit", FaultKind::kRateLimit},
      {"token_expiry", FaultKind::kTokenExpiry},
      {"refresh_revoked", FaultKind::kRefreshRevoked},
      {"hold_expiry", FaultKind::kHoldExpiry},
      {"crash", FaultKind::kCrash},
      {"duplicate_action", FaultKind::kDuplicateAction},
      {"malformed_action", FaultKind::kMalformedAction},
      {"reset", FaultKind::kReset},
      {"delay", FaultKind::kWebhookDelay},
      {"duplicate", FaultKind::kWebhookDuplicate},
      {"reorder", FaultKind::kWebhookReorder},
      {"drop", FaultKind::kWebhookDrop},
      {"bad_signature", FaultKind::kWebhookBadSignature},
      {"forge", FaultKind::kWebhookForge},
      {"key_rotation", FaultKind::kKeyRotation}};
  bool found = false;
  for (const auto& [name, k] : kKinds) {
    if (kind == name) {
      r.kind = k;
      found = true;
    }
  }
  if (!found) {
    m.fail(n, "kind",
           "unknown fault kind '" + kind +
               "'; expected one of outage, error, latency, "
               "timeout, lost_response, rate_limit, token_expiry, refresh_revoked, "
               "hold_expiry, crash, duplicate_action, malformed_action, reset, key_rotation "
               "(webhook: delay, "
               "duplicate, reorder, drop, bad_signature, forge)");
  }
  if (m.has("op")) {
    std::string op = m.str("op", "");
    if (r.target == FaultTarget::kAgent) {
      r.action = op;
    } else if (r.target == FaultTarget::kWebhook) {
      if (op.rfind("payment_intent.", 0) != 0 && op.rfind("charge.", 0) != 0) {
        m.fail(m.get("op"), "op",
               "expected a Stripe event type (payment_intent.succeeded, charge.refunded, ...)");
      }
      r.action = op;
    } else if (!parse_op(op, r.op)) {
      m.fail(m.get("op"), "op",
             "unknown op '" + op +
                 "'; expected e.g. authorize, capture, void, "
                 "refund, quote, reserve, commit, release, hold, confirm, token");
    } else {
      r.has_op = true;
      check_op_belongs(m, r, op);
    }
  }
  r.from = m.duration("from", 0);
  r.to = m.has("to") ? m.duration("to", 0) : r.to;
  if (r.to <= r.from) m.fail(n, "to", "expected 'to' after 'from'");
  r.nth = m.integer("nth", 0);
  if (r.nth < 0 || (m.has("nth") && r.nth == 0))
    m.fail(m.get("nth"), "nth", "expected an integer >= 1");
  r.probability = m.real("probability", 1.0);
  if (r.probability < 0 || r.probability > 1)
    m.fail(n, "probability", "expected a number in [0, 1]");
  if (m.has("status")) {
    int64_t status = m.integer("status", 503);
    r.http_status = static_cast<int>(status);
    switch (status) {
      case 429:
        r.error = ErrorCode::kRateLimited;
        break;
      case 401:
        r.error = ErrorCode::kInvalidToken;
        break;
      case 409:
        r.error = ErrorCode::kIdempotencyKeyInUse;
        break;
      case 500:
      case 502:
      case 503:
        r.error = ErrorCode::kUnavailable;
        break;
      case 504:
        r.error = ErrorCode::kTimeout;
        break;
      case 400:
        r.error = ErrorCode::kBadRequest;
        break;
      case 402:
        r.error = ErrorCode::kCardDeclined;
        break;
      default:
        m.fail(m.get("status"), "status",
               "expected one of 400, 401, 402, 409, 429, 500, 502, 503, 504");
    }
  }
  if (m.has("delay")) r.latency = parse_latency(m.get("delay"), file, field + ".delay");
  r.retry_after = m.duration("retry_after", r.retry_after);
  r.ttl = m.duration("ttl", r.ttl);
  r.at = m.has("at") ? m.duration("at", 0) : -1;
  r.restart_after = m.duration("restart_after", r.restart_after);
  r.new_key = m.boolean("new_key", false);
  r.grace = m.boolean("grace", true);
  if (m.has("stream")) {
    r.stream = m.integer("stream", 0);
    if (r.stream < 0) m.fail(m.get("stream"), "stream", "expected an integer >= 0");
  }
  m.finish();
  if (r.kind == FaultKind::kWebhookForge && !r.action.empty() &&
      r.action != "payment_intent.requires_action") {
    m.fail(m.get("op"), "op",
           "forge strikes only payment_intent.requires_action (a payment still waiting for 3-D "
           "Secure), so on '" +
               r.action + "' it could never fire");
  }

  bool agent_kind = r.kind == FaultKind::kDuplicateAction || r.kind == FaultKind::kMalformedAction;
  if (agent_kind != (r.target == FaultTarget::kAgent)) {
    m.fail(n, "provider",
           std::string(fault_kind_name(r.kind)) +
               (agent_kind ? " needs provider: agent" : " does not apply to the agent"));
  }
  if (is_webhook_fault(r.kind) != (r.target == FaultTarget::kWebhook)) {
    m.fail(n, "provider",
           std::string(fault_kind_name(r.kind)) +
               (is_webhook_fault(r.kind) ? " needs provider: webhook"
                                         : " does not apply to webhook delivery (expected "
                                           "delay, duplicate, reorder, drop or bad_signature)"));
  }
  if (r.kind == FaultKind::kKeyRotation && r.target != FaultTarget::kIdentity) {
    m.fail(n, "provider", "key_rotation applies to provider: identity");
  }
  if ((r.kind == FaultKind::kCrash) != (r.target == FaultTarget::kOrchestrator)) {
    m.fail(n, "provider", "crash applies to provider: orchestrator, and only crash does");
  }
  // A crash at a saga step: `op` names the step, `nth` which occurrence (default first).
  if (r.kind == FaultKind::kCrash && r.at < 0 && r.nth == 0) r.nth = 1;
  return r;
}

const char* fault_kind_name(FaultKind k) {
  switch (k) {
    case FaultKind::kOutage:
      return "outage";
    case FaultKind::kError:
      return "error";
    case FaultKind::kLatency:
      return "latency";
    case FaultKind::kTimeout:
      return "timeout";
    case FaultKind::kLostResponse:
      return "lost_response";
    case FaultKind::kRateLimit:
      return "rate_limit";
    case FaultKind::kTokenExpiry:
      return "token_expiry";
    case FaultKind::kRefreshRevoked:
      return "refresh_revoked";
    case FaultKind::kHoldExpiry:
      return "hold_expiry";
    case FaultKind::kCrash:
      return "crash";
    case FaultKind::kDuplicateAction:
      return "duplicate_action";
    case FaultKind::kMalformedAction:
      return "malformed_action";
    case FaultKind::kReset:
      return "reset";
    case FaultKind::kWebhookDelay:
      return "delay";
    case FaultKind::kWebhookDuplicate:
      return "duplicate";
    case FaultKind::kWebhookReorder:
      return "reorder";
    case FaultKind::kWebhookDrop:
      return "drop";
    case FaultKind::kWebhookBadSignature:
      return "bad_signature";
    case FaultKind::kWebhookForge:
      return "forge";
    case FaultKind::kKeyRotation:
      return "key_rotation";
  }
  return "?";
}

const char* fault_target_name(FaultTarget t) {
  switch (t) {
    case FaultTarget::kCatalog:
      return "catalog";
    case FaultTarget::kPayment:
      return "payment";
    case FaultTarget::kBooking:
      return "booking";
    case FaultTarget::kIdentity:
      return "identity";
    case FaultTarget::kOrchestrator:
      return "orchestrator";
    case FaultTarget::kAgent:
      return "agent";
    case FaultTarget::kWebhook:
      return "webhook";
  }
  return "?";
}

std::string describe_fault(const FaultRule& rule, std::size_t index) {
  std::string out = "faults[" + std::to_string(index) + "]: ";
  out += fault_target_name(rule.target);
  if (rule.has_op) out += " " + std::string(op_name(rule.op));
  if (!rule.action.empty()) out += " " + rule.action;
  return out + " " + fault_kind_name(rule.kind);
}

namespace {

std::vector<FaultRule> fault_rules_of(const YAML::Node& root, const std::string& origin) {
  std::vector<FaultRule> out;
  if (root.IsMap() && !root["faults"]) {  // one rule on its own
    out.push_back(parse_fault(root, origin, 0));
    return out;
  }
  if (root.IsMap()) {
    for (const auto& kv : root) {
      if (kv.first.Scalar() != "faults") {
        throw InputError(origin, line_of(kv.first), kv.first.Scalar(),
                         "unknown key; expected 'faults'");
      }
    }
  }
  // yaml-cpp nodes are references: pick the list without assigning over `root`.
  const YAML::Node list = root.IsMap() ? root["faults"] : root;
  if (!list || !list.IsSequence()) {
    throw InputError(origin, line_of(root), "faults",
                     "expected a fault rule, or a list of them, bare or under 'faults:'");
  }
  int i = 0;
  for (const auto& n : list) out.push_back(parse_fault(n, origin, i++));
  return out;
}

}  // namespace

std::vector<FaultRule> load_faults_file(const std::string& path) {
  return fault_rules_of(load_yaml_file(path, "faults file"), path);
}

std::vector<FaultRule> parse_fault_rules(const std::string& text, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError(origin, e.mark.line + 1, "", "not YAML or JSON: " + e.msg);
  }
  return fault_rules_of(root, origin);
}

}  // namespace checkride
