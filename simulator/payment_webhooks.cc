#include <algorithm>

#include "scenario/latency.h"
#include "simulator/simulation.h"

// The simulator's side of payment webhooks: what Stripe and the shopper's browser do around
// the orchestrator. The payments fake records an event for each change of an intent; each
// goes out to the orchestrator after a delivery latency, through the scenario's webhook
// fault rules (delay, duplicate, reorder, drop, bad_signature). A delivery the orchestrator
// cannot take (it is down) or refuses (a bad signature) is retried with backoff. A shopper
// whose card asks for 3-D Secure finishes it after a drawn delay, or fails it, or walks away.
namespace checkride {
namespace {

constexpr Duration kDeliveryMin = 50, kDeliveryMax = 400;  // Stripe to the endpoint
constexpr Duration kDuplicateAfter = 200;                  // the same event, signed again
constexpr Duration kReorderHold = 2 * kSecond;             // later events overtake it
// Stripe retries for days with exponential backoff; as in the wire fake, an hour of it
// becomes this base, doubling.
constexpr Duration kRetryBase = kSecond;
constexpr int kMaxAttempts = 8;
Duration between(uint64_t draw, Duration lo, Duration hi) {
  return lo + static_cast<Duration>(draw % static_cast<uint64_t>(hi - lo + 1));
}

}  // namespace

bool needs_payment_webhooks(const Scenario& scenario,
                            const std::vector<CompiledTemplate>& templates) {
  for (const FaultRule& rule : scenario.faults) {
    if (is_webhook_fault(rule.kind)) return true;
  }
  for (const CompiledTemplate& t : templates) {
    for (const CassetteStep& step : t.steps) {
      CardBehaviour card;
      if (!step.payment_method.empty() && parse_card_behaviour(step.payment_method, card) &&
          card == CardBehaviour::kAuthRequired) {
        return true;
      }
    }
  }
  return false;
}

void Simulation::send_payment_events(SessionId session, Time now) {
  for (PaymentEvent& e : world_->payments.take_events()) {
    if (e.type == PaymentEventType::kRequiresAction) shopper_meets_3ds(e.intent, session, now);
    const uint64_t draw = entropy(session);
    WebhookFault f =
        faults_.for_webhook(std::string(payment_event_name(e.type)), now, loading(now), draw);
    note(session, now, [&] {
      return "stripe event " + std::string(payment_event_name(e.type)) + " pi_" +
             std::to_string(e.intent) + (f.drop ? " (dropped)" : "") +
             (f.duplicate ? " (duplicated)" : "") + (f.reorder ? " (held back)" : "") +
             (f.bad_signature ? " (bad signature)" : "");
    });
    if (f.forge && e.type == PaymentEventType::kRequiresAction) {
      // Someone who knows the endpoint claims the payment went through, unsigned.
      PaymentEvent forged{(1ULL << 63) | mix64(draw, 0xf06e),
                          PaymentEventType::kAmountCapturableUpdated, e.intent, e.amount, false};
      queue_delivery(forged, session, 1, now + kDeliveryMin, true);
    }
    if (f.drop) continue;  // never sent: the orchestrator must not need it
    Time at = now + between(mix64(draw, 0x3eb), kDeliveryMin, kDeliveryMax) + f.delay +
              (f.reorder ? kReorderHold : 0);
    if (f.duplicate) queue_delivery(e, session, 1, at + kDuplicateAfter);
    e.signature_ok = !f.bad_signature;
    queue_delivery(e, session, 1, at);
  }
}

void Simulation::queue_delivery(const PaymentEvent& event, SessionId session, int attempt, Time at,
                                bool forged) {
  uint32_t slot;
  if (free_deliveries_.empty()) {
    slot = static_cast<uint32_t>(delivery_slab_.size());
    delivery_slab_.push_back(Delivery{event, session, attempt, forged});
  } else {
    slot = free_deliveries_.back();
    free_deliveries_.pop_back();
    delivery_slab_[slot] = Delivery{event, session, attempt, forged};
  }
  ++payment_events_due_[session];
  queue_.push(at, EventType::kWebhook, slot);
}

void Simulation::on_webhook(uint32_t slot, Time now) {
  Delivery d = delivery_slab_[slot];
  free_deliveries_.push_back(slot);
  EventVerdict verdict = EventVerdict::kBadSignature;  // nobody answered: as good as refused
  if (orchestrator_) {
    fx_.clear();
    verdict = orchestrator_->on_payment_event(d.event, now, fx_);
    apply(now);
  }
  note(d.session, now, [&] {
    return "webhook -> orchestrator " + std::string(payment_event_name(d.event.type)) +
           (d.forged ? " (forged)" : "") + (orchestrator_ ? "" : " (orchestrator down)") +
           (verdict == EventVerdict::kDuplicate ? " (duplicate)" : "") +
           (verdict == EventVerdict::kBadSignature && orchestrator_ ? " (refused)" : "");
  });
  if (verdict == EventVerdict::kBadSignature && !d.forged && d.attempt < kMaxAttempts) {
    // Stripe tries again later, signed properly: the fault struck that attempt only.
    d.event.signature_ok = true;
    queue_delivery(d.event, d.session, d.attempt + 1, now + (kRetryBase << (d.attempt - 1)));
  }
  payment_event_settled(d.session);
}

// The shopper as workload.three_d_secure describes them. One who walks away leaves the wait
// to the orchestrator's authentication timeout.
void Simulation::shopper_meets_3ds(ObjectId intent, SessionId session, Time now) {
  const ChallengeSpec& spec = scenario_.three_d_secure;
  Stream draws = Stream::from_state(mix64(entropy(session), 0x3d5));
  const double choice = draws.uniform();
  if (choice >= spec.passes + spec.fails) return;  // walks away from the challenge
  const bool passed = choice < spec.passes;
  ++payment_events_due_[session];
  queue_.push(now + draw_latency(spec.after, draws), EventType::kAuthenticate, intent,
              (session << 1) | (passed ? 1 : 0));
}

void Simulation::shopper_authenticates(ObjectId intent, uint64_t who, Time now) {
  const SessionId session = who >> 1;
  const bool passed = (who & 1) != 0;
  // Refused when the intent moved on meanwhile (voided on the orchestrator's timeout).
  ProviderReply r = world_->payments.authenticate(intent, passed);
  note(session, now, [&] {
    return std::string("shopper ") + (passed ? "passes" : "fails") + " 3-D Secure for pi_" +
           std::to_string(intent) + (r.error == ErrorCode::kInvalidState ? " (too late)" : "");
  });
  send_payment_events(session, now);
  payment_event_settled(session);
}

void Simulation::payment_event_settled(SessionId session) {
  auto it = payment_events_due_.find(session);
  if (it != payment_events_due_.end() && --it->second <= 0) payment_events_due_.erase(it);
}

}  // namespace checkride
