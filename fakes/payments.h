#pragma once
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fakes/idempotency_table.h"
#include "fakes/test_cards.h"
#include "protocol/id_list.h"
#include "protocol/payment_event.h"
#include "protocol/provider.h"
#include "protocol/retiring_table.h"

namespace checkride {

class IdentityFake;

// A card or wallet a world says a user holds (docs/worlds.md, payment_methods:): found by its
// own name among that user's, charged as the test card it behaves as.
struct PaymentMethodSpec {
  std::string id;     // the name the tools use ("credit_card_4421", "paypal_7300")
  std::string user;   // the session user it belongs to; "" = every session's user
  std::string kind;   // "card" or "wallet"
  std::string brand;  // for people: "visa", "paypal"
  std::string last4;  // for people
  std::string behaves_as = "pm_card_visa";  // one of Stripe's test payment methods
  std::string origin;                       // where it was declared, for messages
  int line = 0;
  std::string field;
};

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
    bool authorized;       // ever reached requires_capture
    bool seeded = false;   // made before the session (a world's existing booking)
    int64_t received = 0;  // captured: the amount, or less (a partial capture)
    Time canceled_at = 0;
  };

  explicit PaymentsFake(const IdentityFake* identity) : identity_(identity) {}

  PaymentMethodId add_method(UserId owner, CardBehaviour behaviour);
  PaymentMethodId add_method(UserId owner, const TestCard& card);
  // A method the world names for its owner; 0 when the owner already holds one so named.
  PaymentMethodId add_named_method(UserId owner, const std::string& name, const TestCard& card);
  // The owner's method of that name (0: none; "": the first named one). Once the world names any,
  // an authorization naming a method is charged to the caller's method of that name, or refused not
  // found.
  PaymentMethodId named_method(UserId owner, std::string_view name) const;
  void expect_named_methods() { names_methods_ = true; }
  bool names_methods() const { return names_methods_; }
  // The name the world gave a method ("" for a session's own card).
  const std::string& method_name(PaymentMethodId id) const;
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
  // The test card behind a payment method (pm_card_visa for an unknown one).
  const TestCard& method_card(PaymentMethodId id) const {
    const Method* m = methods_.find(id);
    return m == nullptr ? default_test_card(CardBehaviour::kSucceeds) : *m->card;
  }
  // 3-D Secure finished: the customer authenticated (the intent is authorized, or captured
  // with automatic capture by the caller) or did not (requires_payment_method again).
  ProviderReply authenticate(ObjectId intent, bool authenticated);
  // Wire mode, an intent not yet confirmed: a new amount, and a new method when not 0.
  void update(ObjectId intent, int64_t amount, PaymentMethodId method);

  // The simulator's webhook source: once on, every change of an intent's state appends its
  // Stripe event here for the host to deliver (wire mode builds its own, with the objects).
  void emit_events(bool on) { emit_ = on; }
  std::vector<PaymentEvent> take_events() { return std::exchange(outbox_, {}); }

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
    const TestCard* card;
    std::string name = {};  // the world's name for it; "" for a session's own card
  };
  ProviderReply authorize(const ProviderRequest& req, Time now);
  void run_card(PaymentIntent& pi, CardBehaviour behaviour, ProviderReply& r);
  ProviderReply capture(const ProviderRequest& req, Time now);
  ProviderReply cancel(const ProviderRequest& req, Time now);
  ProviderReply refund(const ProviderRequest& req);
  void emit(PaymentEventType type, ObjectId intent, int64_t amount);
  void emit_status(ObjectId intent, const PaymentIntent& pi);

  struct Owned {
    IdList methods;
    IdList intents;
  };

  const IdentityFake* identity_;
  RetiringTable<Method> methods_;
  RetiringTable<PaymentIntent> intents_;
  IdempotencyTable idempotency_;
  std::unordered_map<UserId, Owned> owned_;  // lookup only, never iterated
  bool emit_ = false;
  bool names_methods_ = false;
  uint64_t events_emitted_ = 0;
  std::vector<PaymentEvent> outbox_;
};

}  // namespace checkride
