#include "fakes/world.h"

namespace checkride {

ProviderReply World::handle(const ProviderRequest& req, Time now, Time ready_at) {
  switch (provider_of(req.op)) {
    case Provider::kCatalog:
      return catalog.handle(req, now, ready_at);
    case Provider::kPayment:
      if (req.op == Op::kBalance || req.op == Op::kDebit || req.op == Op::kCredit ||
          req.op == Op::kIssueCredit) {
        return stored_value.handle(req, now, ready_at);
      }
      return payments.handle(req, now, ready_at);
    case Provider::kBooking:
      return bookings.handle(req, now, ready_at);
    case Provider::kIdentity:
      return identity.handle(req, now);
  }
  return ProviderReply{};
}

bool World::seed_booking(UserId user, const ExistingBooking& b, Time at) {
  int64_t paid = b.paid < 0 ? bookings.itinerary_price(b.offer, b.connections, b.seats) : b.paid;
  if (paid <= 0) return false;
  ObjectId payment =
      payments.seed_captured(payments.add_method(user, CardBehaviour::kSucceeds), paid, at);
  return bookings.seed_confirmed(user, b.reference, b.offer, b.connections, b.seats, paid, payment,
                                 at) != 0;
}

void World::seed_existing(UserId user, const std::string& name, const WorldSeed& seed, Time at) {
  for (const ExistingBooking& b : seed.bookings) {
    if (b.user.empty() || b.user == name) seed_booking(user, b, at);
  }
  for (const ExistingOrder& o : seed.orders) {
    if (o.user.empty() || o.user == name) seed_order(user, o, at);
  }
  for (const StoredValueSpec& v : seed.stored_value) {
    if (v.user.empty() || v.user == name) stored_value.add_account(user, v.id, v.balance);
  }
}

bool World::seed_order(UserId user, const ExistingOrder& o, Time at) {
  int64_t paid = o.paid;
  int64_t priced = 0;
  for (const auto& item : o.items) {
    for (const auto& sku : catalog.skus()) {
      if (sku.spec.id == item.sku) priced += sku.spec.price * item.quantity;
    }
  }
  if (paid < 0) paid = priced;
  if (paid <= 0) return false;
  ObjectId payment =
      payments.seed_captured(payments.add_method(user, CardBehaviour::kSucceeds), paid, at);
  return catalog.seed_order(user, o.reference, paid, o.items, o.delivered, payment, at) != 0;
}

}  // namespace checkride
