// The faults section, a faults file (--faults) and a control API body: fault rules.
#include <algorithm>
#include <iterator>

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

namespace {

struct TargetName {
  const char* name;
  FaultTarget target;
};
constexpr TargetName kTargets[] = {{"catalog", FaultTarget::kCatalog},
                                   {"payment", FaultTarget::kPayment},
                                   {"booking", FaultTarget::kBooking},
                                   {"identity", FaultTarget::kIdentity},
                                   {"orchestrator", FaultTarget::kOrchestrator},
                                   {"agent", FaultTarget::kAgent},
                                   {"webhook", FaultTarget::kWebhook}};

struct KindName {
  const char* name;
  FaultKind kind;
};
constexpr KindName kKinds[] = {{"outage", FaultKind::kOutage},
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

// `status:` of an error rule, and the error it stands for.
struct StatusError {
  int64_t status;
  ErrorCode error;
};
constexpr StatusError kStatuses[] = {
    {400, ErrorCode::kBadRequest},   {401, ErrorCode::kInvalidToken},
    {402, ErrorCode::kCardDeclined}, {409, ErrorCode::kIdempotencyKeyInUse},
    {429, ErrorCode::kRateLimited},  {500, ErrorCode::kUnavailable},
    {502, ErrorCode::kUnavailable},  {503, ErrorCode::kUnavailable},
    {504, ErrorCode::kTimeout}};

void parse_target_and_kind(MapReader& m, const YAML::Node& n, FaultRule& r) {
  const std::string provider = m.str("provider", "");
  const auto* target = std::find_if(std::begin(kTargets), std::end(kTargets),
                                    [&](const TargetName& t) { return provider == t.name; });
  if (target == std::end(kTargets)) {
    m.fail(n, "provider",
           "expected payment, catalog, booking, identity, orchestrator, agent or webhook");
  }
  r.target = target->target;
  const std::string kind = m.str("kind", "");
  const auto* k = std::find_if(std::begin(kKinds), std::end(kKinds),
                               [&](const KindName& named) { return kind == named.name; });
  if (k == std::end(kKinds)) {
    m.fail(n, "kind",
           "unknown fault kind '" + kind +
               "'; expected one of outage, error, latency, "
               "timeout, lost_response, rate_limit, token_expiry, refresh_revoked, "
               "hold_expiry, crash, duplicate_action, malformed_action, reset, key_rotation "
               "(webhook: delay, "
               "duplicate, reorder, drop, bad_signature, forge)");
  }
  r.kind = k->kind;
}

// `op:` names an agent action, a Stripe event type (webhook) or a provider op.
void parse_op_field(MapReader& m, FaultRule& r) {
  if (!m.has("op")) return;
  const std::string op = m.str("op", "");
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

// When, how often and how likely the rule strikes, and what it answers.
void parse_strike(MapReader& m, const YAML::Node& n, const std::string& file,
                  const std::string& field, FaultRule& r) {
  r.from = m.duration("from", 0);
  r.to = m.has("to") ? m.duration("to", 0) : r.to;
  if (r.to <= r.from) m.fail(n, "to", "expected 'to' after 'from'");
  r.nth = m.integer("nth", 0);
  if (r.nth > kMaxInt32) m.fail(m.get("nth"), "nth", "expected an integer from 1 to 2147483647");
  if (r.nth < 0 || (m.has("nth") && r.nth == 0))
    m.fail(m.get("nth"), "nth", "expected an integer >= 1");
  r.probability = m.real("probability", 1.0);
  if (r.probability < 0 || r.probability > 1)
    m.fail(n, "probability", "expected a number in [0, 1]");
  if (m.has("status")) {
    const int64_t status = m.integer("status", 503);
    const auto* known = std::find_if(std::begin(kStatuses), std::end(kStatuses),
                                     [&](const StatusError& e) { return e.status == status; });
    if (known == std::end(kStatuses)) {
      m.fail(m.get("status"), "status",
             "expected one of 400, 401, 402, 409, 429, 500, 502, 503, 504");
    }
    r.http_status = static_cast<int>(status);
    r.error = known->error;
  }
  if (m.has("delay")) r.latency = parse_latency(m.get("delay"), file, field + ".delay");
  r.retry_after = m.duration("retry_after", r.retry_after);
  r.ttl = m.duration("ttl", r.ttl);
  r.at = m.has("at") ? m.duration("at", 0) : -1;
  r.restart_after = m.duration("restart_after", r.restart_after);
  r.new_key = m.boolean("new_key", false);
  r.grace = m.boolean("grace", true);
  if (m.has("stream")) {
    r.stream = m.in_range("stream", 0, 0, kMaxInt32);
  }
}

// A kind that could never fire where the rule puts it is bad input.
void check_kind_fits_target(MapReader& m, const YAML::Node& n, const FaultRule& r) {
  if (r.kind == FaultKind::kWebhookForge && !r.action.empty() &&
      r.action != "payment_intent.requires_action") {
    m.fail(m.get("op"), "op",
           "forge strikes only payment_intent.requires_action (a payment still waiting for 3-D "
           "Secure), so on '" +
               r.action + "' it could never fire");
  }
  const bool agent_kind =
      r.kind == FaultKind::kDuplicateAction || r.kind == FaultKind::kMalformedAction;
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
}

}  // namespace

FaultRule parse_fault(const YAML::Node& n, const std::string& file, int index) {
  const std::string field = "faults[" + std::to_string(index) + "]";
  MapReader m(n, file, field);
  FaultRule r;
  r.line = line_of(n);
  parse_target_and_kind(m, n, r);
  parse_op_field(m, r);
  parse_strike(m, n, file, field, r);
  m.finish();
  check_kind_fits_target(m, n, r);
  // A crash at a saga step: `op` names the step, `nth` which occurrence (default first).
  if (r.kind == FaultKind::kCrash && r.at < 0 && r.nth == 0) r.nth = 1;
  return r;
}

const char* fault_kind_name(FaultKind k) {
  for (const KindName& named : kKinds) {
    if (named.kind == k) return named.name;
  }
  return "?";
}

const char* fault_target_name(FaultTarget t) {
  for (const TargetName& named : kTargets) {
    if (named.target == t) return named.name;
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
