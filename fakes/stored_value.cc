#include "fakes/stored_value.h"

#include "fakes/error_reply.h"
#include "fakes/identity.h"
#include "protocol/invariant.h"

namespace checkride {

ObjectId StoredValueFake::add_account(UserId owner, const std::string& name, int64_t balance) {
  if (name.empty() || balance < 0 || find_account(owner, name) != 0) return 0;
  ObjectId id = accounts_.add(Account{owner, name, balance});
  owned_[owner].accounts.push_back(id);
  return id;
}

ObjectId StoredValueFake::seed_debit(UserId owner, const std::string& name, int64_t amount,
                                     Time at) {
  ObjectId account = find_account(owner, name);
  if (account == 0 || amount <= 0) return 0;
  Debit d{owner, account, amount, 0, at};
  d.seeded = true;
  ObjectId id = debits_.add(d);
  owned_[owner].debits.push_back(id);
  return id;
}

const IdList& StoredValueFake::debits_of(UserId user) const {
  return ids_of(owned_, user, &Owned::debits);
}

const IdList& StoredValueFake::accounts_of(UserId user) const {
  return ids_of(owned_, user, &Owned::accounts);
}

void StoredValueFake::retire_user(UserId user) {
  idempotency_.forget_owner(user);
  auto it = owned_.find(user);
  if (it == owned_.end()) return;
  for (ObjectId id : it->second.accounts) accounts_.retire(id);
  for (ObjectId id : it->second.debits) debits_.retire(id);
  owned_.erase(it);
}

ObjectId StoredValueFake::find_account(UserId owner, const std::string& name) const {
  for (ObjectId id : accounts_of(owner)) {
    if (accounts_.find(id)->name == name) return id;
  }
  return 0;
}

ProviderReply StoredValueFake::handle(const ProviderRequest& req, Time now, Time ready_at) {
  if (!identity_->token_active(req.access_token, now)) {
    return error_reply(ErrorCode::kInvalidToken);
  }
  if (req.op == Op::kBalance) return balance(req);  // a read changes nothing: no key
  return run_idempotent(idempotency_, req, request_fingerprint(req), now, ready_at,
                        [&] { return act(req, now); });
}

ProviderReply StoredValueFake::act(const ProviderRequest& req, Time now) {
  switch (req.op) {
    case Op::kBalance:
      return balance(req);
    case Op::kDebit:
      return take(req, now);
    case Op::kCredit:
      return give_back(req);
    case Op::kIssueCredit:
      return issue(req, now);
    case Op::kDeposit:
      return deposit(req);
    default:
      return error_reply(ErrorCode::kBadRequest);
  }
}

ProviderReply StoredValueFake::balance(const ProviderRequest& req) const {
  ObjectId id = find_account(req.user, req.text);
  if (id == 0) return error_reply(ErrorCode::kNotFound);
  ProviderReply r;
  r.id = id;
  r.amount = accounts_.find(id)->balance;
  r.status = "active";
  return r;
}

const InstrumentRule* StoredValueFake::rule_for(const std::string& name) const {
  for (const InstrumentRule& rule : rules_) {
    if (name.compare(0, rule.prefix.size(), rule.prefix) == 0) return &rule;
  }
  return nullptr;
}

ProviderReply StoredValueFake::take(const ProviderRequest& req, Time now) {
  ObjectId id = find_account(req.user, req.text);
  if (id == 0) return error_reply(ErrorCode::kNotFound);
  if (req.amount <= 0) return error_reply(ErrorCode::kBadRequest);
  Account& a = *accounts_.find(id);
  const InstrumentRule* rule = rule_for(a.name);
  if (rule != nullptr && !(rule->pays_for & (1u << static_cast<int>(req.operation)))) {
    return error_reply(ErrorCode::kMethodNotAllowed);
  }
  // Nothing is taken from a balance that cannot cover the whole amount.
  if (a.balance < req.amount) return error_reply(ErrorCode::kInsufficientFunds);
  a.balance -= req.amount;
  CHECKRIDE_INVARIANT(a.balance >= 0, "no stored-value balance goes negative");
  Debit debit{req.user, id, req.amount, 0, now};
  if (rule != nullptr && rule->forfeits_remainder) {
    debit.forfeited = a.balance;
    a.forfeited += a.balance;
    a.balance = 0;
  }
  ProviderReply r;
  r.id = debits_.add(debit);
  owned_[req.user].debits.push_back(r.id);
  r.amount = req.amount;
  r.status = "succeeded";
  return r;
}

// A new instrument holding `amount` for the caller (a certificate the airline gives as a
// gesture), named by the request or after its id.
ProviderReply StoredValueFake::issue(const ProviderRequest& req, Time now) {
  if (req.amount <= 0 || req.amount > (int64_t{1} << 40))
    return error_reply(ErrorCode::kBadRequest);
  std::string name = req.text;
  if (name.empty()) name = "certificate_" + std::to_string(accounts_.issued() + 1);
  ObjectId id = add_account(req.user, name, req.amount);
  if (id == 0) return error_reply(ErrorCode::kBadRequest);  // that name is already the user's
  Account& a = *accounts_.find(id);
  a.issued = req.amount;
  a.issued_at = now;
  ProviderReply r;
  r.id = id;
  r.amount = req.amount;
  r.status = "active";
  return r;
}

// A refund paid into one of the caller's own instruments (one that did not pay for what is
// refunded, where the business allows it): its balance grows at once.
ProviderReply StoredValueFake::deposit(const ProviderRequest& req) {
  ObjectId id = find_account(req.user, req.text);
  if (id == 0) return error_reply(ErrorCode::kNotFound);
  Account& a = *accounts_.find(id);
  constexpr int64_t kMost = int64_t{1} << 40;  // a world's largest balance: sums never overflow
  if (req.amount <= 0 || req.amount > kMost || a.balance > kMost) {
    return error_reply(ErrorCode::kBadRequest);
  }
  a.balance += req.amount;
  a.refunded_in += req.amount;
  ProviderReply r;
  r.id = id;
  r.amount = req.amount;
  r.status = "deposited";
  return r;
}

ProviderReply StoredValueFake::give_back(const ProviderRequest& req) {
  Debit* d = debits_.find(req.ref);
  if (d == nullptr || d->owner != req.user) return error_reply(ErrorCode::kNotFound);
  // As a refund: never more than is left of the debit.
  if (req.amount <= 0 || req.amount > d->amount - d->credited) {
    return error_reply(ErrorCode::kInvalidState, "credited");
  }
  d->credited += req.amount;
  CHECKRIDE_INVARIANT(d->credited <= d->amount, "a debit is never credited back past itself");
  Account& a = *accounts_.find(d->account);
  a.balance += req.amount;
  if (d->credited == d->amount && d->forfeited > 0) {
    // Given back whole, the payment did not stand: the instrument was never used, and what it
    // forfeited is its own again.
    a.balance += d->forfeited;
    a.forfeited -= d->forfeited;
    d->forfeited = 0;
  }
  ProviderReply r;
  r.id = req.ref;
  r.amount = d->credited;
  r.status = d->credited == d->amount ? "reversed" : "partially_reversed";
  return r;
}

}  // namespace checkride
