#pragma once
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fakes/idempotency_table.h"
#include "protocol/id_list.h"
#include "protocol/provider.h"
#include "protocol/retiring_table.h"

namespace checkride {

class IdentityFake;

// Stripe's test payment methods, by behaviour.
enum class CardBehaviour : uint8_t { kSucceeds, kDeclined, kInsufficientFunds, kAuthRequired };
bool parse_card_behaviour(std::string_view stripe_test_pm, CardBehaviour& out);
std::string_view card_test_name(CardBehaviour b);

// Stripe PaymentIntents with manual capture. Each payment method belongs to one user, so
// every charge is attributed without trusting the caller.
class PaymentsFake {
 public:
  enum class Status : uint8_t {
    kRequiresPaymentMethod,  // declined
    kRequiresConfirmation,   // wire mode: created, not confirmed yet
    kRequiresAction,         // 3-D Secure needed
    kRequiresCapture,        // authorized
    kSucceeded,              // captured
    kCanceled,               // voided
  };
  struct PaymentIntent {
    UserId owner;
    PaymentMethodId method;
    int64_t amount;
    int64_t refunded;
    Time created;
    Time captured_at;  // 0 until captured
    Status status;
    bool authorized;      // ever reached requires_capture
    bool seeded = false;  // made before the session (a world's existing booking)
  };

  explicit PaymentsFake(const IdentityFake* identity) : identity_(identity) {}

  PaymentMethodId add_method(UserId owner, CardBehaviour behaviour);
  ProviderReply handle(const ProviderRequest& req, Time now, Time ready_at);

  // Wire mode, where Stripe's API splits authorization in two calls and the wire layer has
  // already checked the credential and the Idempotency-Key. create() leaves the intent in
  // requires_confirmation (requires_payment_method without a method); confirm() runs the
  // card as authorize() does.
  ObjectId create(PaymentMethodId method, int64_t amount, Time now);
  // A charge made before the session (a world's existing booking or order): captured.
  ObjectId seed_captured(PaymentMethodId method, int64_t amount, Time at);
  ProviderReply confirm(ObjectId intent, PaymentMethodId method, Time now);
  // capture, void and refund without the credential and key checks (wire mode).
  ProviderReply act(const ProviderRequest& req, Time now);
  bool has_method(PaymentMethodId id) const { return methods_.find(id) != nullptr; }
  UserId method_owner(PaymentMethodId id) const {
    const Method* m = methods_.find(id);
    return m == nullptr ? 0 : m->owner;
  }

  const RetiringTable<PaymentIntent>& intents() const { return intents_; }
  const PaymentIntent* find(ObjectId id) const { return intents_.find(id); }
  // The user's payment intents in creation order (empty when none).
  const IdList& intents_of(UserId user) const;
  // Drops everything the user owns (methods, intents, idempotency keys): called once the
  // user's session is settled and checked, so a long run keeps only what is in flight.
  void retire_user(UserId user);
  static std::string_view status_name(Status s);

 private:
  struct Method {
    UserId owner;
    CardBehaviour behaviour;
  };
  ProviderReply authorize(const ProviderRequest& req, Time now);
  void run_card(PaymentIntent& pi, CardBehaviour behaviour, ProviderReply& r);
  ProviderReply capture(const ProviderRequest& req, Time now);
  ProviderReply cancel(const ProviderRequest& req);
  ProviderReply refund(const ProviderRequest& req);

  struct Owned {
    IdList methods;
    IdList intents;
  };

  const IdentityFake* identity_;
  RetiringTable<Method> methods_;
  RetiringTable<PaymentIntent> intents_;
  IdempotencyTable idempotency_;
  std::unordered_map<UserId, Owned> owned_;  // lookup only, never iterated
};

}  // namespace checkride
