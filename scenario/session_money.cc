#include "scenario/session_money.h"

namespace checkride {

MoneyTally moved_in_session(UserId user, const World& w) {
  MoneyTally moved;
  for (ObjectId id : w.payments.intents_of(user)) {
    const auto* pi = w.payments.find(id);
    if (pi == nullptr) continue;
    // A card the world names is told apart by its name, so a charge to the wrong one shows.
    const std::string& named = w.payments.method_name(pi->method);
    const std::string& card = named.empty() ? std::string(kAnyCard) : named;
    if (!pi->seeded && pi->captured_at > 0) moved.add(card, MoneyKind::kCharged, pi->received);
    moved.add(card, MoneyKind::kRefunded, pi->refunded);
  }
  for (ObjectId id : w.stored_value.debits_of(user)) {
    const auto* d = w.stored_value.debit(id);
    const auto* account = d == nullptr ? nullptr : w.stored_value.account(d->account);
    if (account == nullptr) continue;
    if (!d->seeded) moved.add(account->name, MoneyKind::kCharged, d->amount);
    moved.add(account->name, MoneyKind::kRefunded, d->credited);
  }
  for (ObjectId id : w.stored_value.accounts_of(user)) {
    const auto* account = w.stored_value.account(id);
    if (account == nullptr) continue;
    moved.add(account->name, MoneyKind::kCredited, account->issued);
    moved.add(account->name, MoneyKind::kRefunded, account->refunded_in);  // deposits
  }
  return moved;
}

}  // namespace checkride
