#include "fakes/world.h"

namespace checkride {

ProviderReply World::handle(const ProviderRequest& req, Time now, Time ready_at) {
  switch (provider_of(req.op)) {
    case Provider::kCatalog:
      return catalog.handle(req, now, ready_at);
    case Provider::kPayment:
      if (req.op == Op::kBalance || req.op == Op::kDebit || req.op == Op::kCredit ||
          req.op == Op::kIssueCredit || req.op == Op::kDeposit) {
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

// What paid for something made before the session: debits of the user's stored value, then
// a captured card payment for the rest (none when the debits cover it). False when a part
// names an instrument the user does not hold or the parts add up to more than was paid.
bool World::seed_paid(UserId user, int64_t paid, const std::vector<StoredValuePart>& parts,
                      const std::string& card, Time at, ObjectId& payment, DebitParts& debits,
                      std::vector<std::string>& paid_by) {
  int64_t stored = 0;
  for (const StoredValuePart& p : parts) {
    if (!stored_value.holds(user, p.id) || p.amount <= 0) return false;
    stored += p.amount;
  }
  if (stored > paid) return false;
  for (const StoredValuePart& p : parts) {
    debits.emplace_back(stored_value.seed_debit(user, p.id, p.amount, at), p.amount);
    paid_by.push_back(p.id);
  }
  payment = 0;
  if (stored < paid) {
    PaymentMethodId method =
        card.empty() ? payments.named_method(user, {}) : payments.named_method(user, card);
    if (!card.empty() && method == 0) return false;
    if (method == 0) method = payments.add_method(user, CardBehaviour::kSucceeds);
    payment = payments.seed_captured(method, paid - stored, at);
    const std::string& name = payments.method_name(method);
    if (name.empty()) {
      paid_by.clear();  // a card the world does not name: what paid is not known by name
    } else {
      paid_by.push_back(name);
    }
  }
  return true;
}

bool World::seed_booking(UserId user, const ExistingBooking& b, Time at) {
  int64_t paid = b.paid;
  if (paid < 0) paid = bookings.seeded_price(user, b);  // the fares, extras and taxes today
  if (paid <= 0) return false;
  ObjectId payment = 0;
  DebitParts debits;
  std::vector<std::string> paid_by;
  if (!seed_paid(user, paid, b.paid_stored_value, b.paid_card, at, payment, debits, paid_by))
    return false;
  return bookings.seed_confirmed(user, b, paid, payment, debits, at, std::move(paid_by)) != 0;
}

void World::seed_existing(UserId user, const std::string& name, const WorldSeed& seed, Time at) {
  // The instruments first: bookings and orders may have been paid with them.
  for (const StoredValueSpec& v : seed.stored_value) {
    if (v.user.empty() || v.user == name) stored_value.add_account(user, v.id, v.balance);
  }
  if (!seed.payment_methods.empty()) payments.expect_named_methods();
  for (const PaymentMethodSpec& m : seed.payment_methods) {
    if (!m.user.empty() && m.user != name) continue;
    const TestCard* card = find_test_card(m.behaves_as);
    payments.add_named_method(user, m.id, card != nullptr ? *card : default_test_card({}));
  }
  for (const MembershipSpec& m : seed.memberships) {
    if (m.user != name) continue;
    bookings.set_membership(user, m.tier);
    catalog.set_membership(user, m.tier);
  }
  for (const ExistingBooking& b : seed.bookings) {
    if (b.user.empty() || b.user == name) seed_booking(user, b, at);
  }
  for (const ExistingOrder& o : seed.orders) {
    if (o.user.empty() || o.user == name) seed_order(user, o, at);
  }
  if (!seed.profiles.empty()) catalog.expect_profiles();
  for (const ProfileSpec& p : seed.profiles) {
    if (p.user == name) catalog.seed_profile(user, p.details);
  }
}

bool World::seed_order(UserId user, const ExistingOrder& o, Time at) {
  int64_t paid = o.paid;
  if (paid < 0) paid = catalog.seeded_price(user, o);  // the items, extras and taxes today
  if (paid <= 0) return false;
  ObjectId payment = 0;
  DebitParts debits;
  std::vector<std::string> paid_by;
  if (!seed_paid(user, paid, o.paid_stored_value, o.paid_card, at, payment, debits, paid_by))
    return false;
  return catalog.seed_order(user, o, paid, payment, debits, at, std::move(paid_by)) != 0;
}

}  // namespace checkride
