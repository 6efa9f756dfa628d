#pragma once
#include "fakes/bookings.h"
#include "fakes/catalog.h"
#include "fakes/identity.h"
#include "fakes/payments.h"
#include "fakes/stored_value.h"

namespace checkride {

// What existed before the session, as a world file declares it (seeded per session user).
// A user's membership tier (gold, silver, ...), which extras' allowances read.
struct MembershipSpec {
  std::string user;
  std::string tier;
};

struct WorldSeed {
  std::vector<ExistingBooking> bookings;
  std::vector<ExistingOrder> orders;
  std::vector<StoredValueSpec> stored_value;
  std::vector<PaymentMethodSpec> payment_methods;  // users' own cards and wallets
  std::vector<ProfileSpec> profiles;               // users' details at the shop (an address)
  std::vector<MembershipSpec> memberships;
};

// The one world every fake lives in: a reservation, a hold, an authorization and a token
// are all visible to the others and to the checkers.
struct World {
  IdentityFake identity;
  PaymentsFake payments{&identity};
  StoredValueFake stored_value{&identity};
  BookingsFake bookings{&identity, &payments, &stored_value};
  CatalogFake catalog;

  explicit World(Duration access_ttl = 15 * kMinute) : identity(access_ttl) {}
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // Routes a request to its provider. `ready_at` is when the reply leaves the provider; a
  // request with the same idempotency key arriving before then gets a 409.
  ProviderReply handle(const ProviderRequest& req, Time now, Time ready_at);

  // True while the user still holds stock or seats that will lapse on their own: the
  // user's ledger can still change, so it is not final yet.
  bool user_has_pending_holds(UserId user) const {
    return catalog.holds_stock(user) || bookings.holds_seats(user);
  }
  // A booking the user made before the session: paid by a card of theirs (captured) and
  // any stored value it names, and confirmed, so cancelling it gives real money back. False
  // when its offer is unknown or what paid it cannot have.
  bool seed_booking(UserId user, const ExistingBooking& b, Time at);
  // The same for an order: paid the same way; pending (cancellable) or delivered.
  bool seed_order(UserId user, const ExistingOrder& o, Time at);
  // `card`: the user's method that paid the rest ("": the first the world names for them).
  // `paid_by` gets the name of every instrument that paid, or nothing when one has none.
  bool seed_paid(UserId user, int64_t paid, const std::vector<StoredValuePart>& parts,
                 const std::string& card, Time at, ObjectId& payment, DebitParts& debits,
                 std::vector<std::string>& paid_by);
  // Seeds every booking, order and stored-value instrument that belongs to the session user
  // named `name` (or to every user): what one session of that user finds when it starts.
  void seed_existing(UserId user, const std::string& name, const WorldSeed& seed, Time at);

  // Drops everything the user owns in every fake (after the checkers have read it).
  void retire_user(UserId user) {
    identity.retire_user(user);
    payments.retire_user(user);
    stored_value.retire_user(user);
    bookings.retire_user(user);
    catalog.retire_user(user);
  }
};

}  // namespace checkride
