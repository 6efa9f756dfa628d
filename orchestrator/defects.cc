#include "orchestrator/defects.h"

namespace checkride {

const std::vector<DefectInfo>& all_defects() {
  static const std::vector<DefectInfo> kAll = {
      {Defect::kNoIdempotencyKeys, "no_idempotency_keys",
       "sends no idempotency key to providers and ignores the agent's action key",
       "duplicate_charges"},
      {Defect::kNewKeyPerRetry, "new_key_per_retry",
       "uses a fresh idempotency key on every provider retry", "duplicate_authorizations"},
      {Defect::kNoCompensation, "no_compensation",
       "never releases, voids or refunds when a saga fails", "orphan_holds"},
      {Defect::kNoTokenRefresh, "no_token_refresh",
       "never refreshes a user's access token, not even after a 401", "completion_rate"},
      {Defect::kCommitWithoutReservation, "commit_without_reservation",
       "sells straight from stock without reserving first", "oversold_units"},
      {Defect::kAckBeforeCapture, "ack_before_capture",
       "tells the agent 'confirmed' before capture and fires the capture once, unrecorded",
       "order_without_charge"},
      {Defect::kNoConsentCheck, "no_consent_check",
       "charges without the user's explicit confirmation", "consent_violations"},
      {Defect::kNoCrashRecovery, "no_crash_recovery",
       "after a restart, forgets every saga that was in flight", "orphan_authorizations"},
      {Defect::kNoSemanticDedupe, "no_semantic_dedupe",
       "places a second order when the model repeats itself with a new key", "duplicate_charges"},
      {Defect::kNoWebhookDedupe, "no_webhook_dedupe",
       "keeps no record of the webhooks it handled: each redelivery of a 3-D Secure "
       "authorization fulfils the order again",
       "double_fulfilment"},
      {Defect::kNoWebhookSignatureCheck, "no_webhook_signature_check",
       "believes a webhook whose Stripe-Signature does not verify: a forged authorization "
       "fulfils an order nobody paid for",
       "double_fulfilment"},
  };
  return kAll;
}

bool parse_defect(std::string_view name, Defect& out) {
  for (const auto& d : all_defects()) {
    if (d.name == name) {
      out = d.defect;
      return true;
    }
  }
  return false;
}

}  // namespace checkride
