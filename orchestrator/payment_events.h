#pragma once
#include <cstddef>
#include <deque>
#include <unordered_map>
#include <vector>

#include "orchestrator/audit_log.h"
#include "orchestrator/branch_coverage.h"
#include "orchestrator/config.h"
#include "orchestrator/store.h"
#include "protocol/payment_event.h"

namespace checkride {

// What the orchestrator did with a payment webhook (wire mode answers by it).
enum class EventVerdict : uint8_t {
  kApplied,       // it acted on it, or learned from it
  kDuplicate,     // an event it already acted on: nothing happens again
  kIgnored,       // about a payment none of its sagas made, or nothing to learn
  kBadSignature,  // refused: Stripe-Signature did not verify (answered 400)
};

// Payment webhooks' bookkeeping: which saga each payment intent belongs to, the events that
// came before any saga named their intent, and what each event means for its saga. The rules
// a real handler needs: believe only a verified event, act on each event once (its id is kept
// with its saga, so a restart remembers), never let an event fulfil twice, un-fulfil or
// reopen a finished saga. What an event makes a saga do is the saga engine's.
class PaymentEvents {
 public:
  PaymentEvents(const OrchestratorConfig& config, Store& store, AuditLog& audit,
                BranchCoverage& coverage);

  // What the saga engine must do with an event, besides what it was found to be.
  enum class SagaAct : uint8_t { kNothing, kEndAuthentication, kFulfilAgain };
  struct Routed {
    EventVerdict verdict = EventVerdict::kIgnored;
    SagaAct act = SagaAct::kNothing;
    SagaRecord* saga = nullptr;  // set when act is not kNothing
  };
  // Verifies, de-duplicates and finds the event's saga; a finished saga learns from it here.
  Routed route(const PaymentEvent& e, Time now);

  // Saga `saga` made payment intent `intent`: its webhooks find it by that.
  void track(ObjectId intent, SagaId saga);
  void forget(ObjectId intent);
  // The events about `intent` that came before any saga named it, in the order they came.
  std::vector<PaymentEvent> take_early(ObjectId intent);

 private:
  void keep_early(const PaymentEvent& e);
  void learn_payment_state(SagaRecord& s, const PaymentEvent& e, Time now);

  const OrchestratorConfig& config_;
  Store& store_;
  AuditLog& audit_;
  BranchCoverage& coverage_;
  // Lookup-only maps: never iterated.
  std::unordered_map<ObjectId, SagaId> sagas_;  // a payment intent -> its saga
  // Events about an intent no saga knows yet: its authorization's answer was lost and is
  // being asked again, while the shopper already authenticated. Applied once an answer names
  // the intent; the oldest intents' are dropped past kEarlyIntentsKept.
  static constexpr std::size_t kEarlyIntentsKept = 4096;
  std::unordered_map<ObjectId, std::vector<PaymentEvent>> early_events_;
  std::deque<ObjectId> early_order_;
};

}  // namespace checkride
