#pragma once
#include <string>
#include <unordered_map>

#include "fakes/idempotency_table.h"
#include "protocol/id_list.h"
#include "protocol/provider.h"
#include "protocol/retiring_table.h"

namespace checkride {

class IdentityFake;

// What instruments named with `prefix` (certificate_, gift_card_) may pay for: a bit per
// ObjectOperation, kNone's being a purchase (a booking or an order made in the session).
struct InstrumentRule {
  std::string prefix;
  uint32_t pays_for = ~0u;
  // What a debit leaves on the instrument is lost (a travel certificate used once): its
  // balance drops to 0 at the debit.
  bool forfeits_remainder = false;
  std::string origin = {};  // where it was declared, for messages
  int line = 0;
};

// A stored-value instrument a user holds before the session: a gift card, a travel
// certificate, store credit. Declared in a world file, seeded per session of its user.
struct StoredValueSpec {
  std::string id;    // the instrument's own name, as the tools use it ("gift_card_7219486")
  std::string user;  // the session user it belongs to; "" = every session's user
  int64_t balance = 0;
  std::string origin;  // where it was declared, for messages
  int line = 0;
  std::string field;
};

// Part of what paid for a booking or order made before the session: taken from the user's
// instrument `id` then (its balance now is what is left).
struct StoredValuePart {
  std::string id;
  int64_t amount = 0;
};

// Stored value as a ledger: each instrument has a balance, a debit takes from it at once
// (there is no authorization to void), and a credit gives a debit back, in part or whole.
// Idempotent like Stripe: the same key replays the first answer. An instrument is found by
// its name among the caller's own, so one user can never spend another's.
class StoredValueFake {
 public:
  struct Account {
    UserId owner;
    std::string name;
    int64_t balance;
    int64_t issued = 0;  // issued in the session (a certificate given as compensation)
    Time issued_at = 0;
    int64_t refunded_in = 0;  // refunds paid into it in the session (deposits)
    int64_t forfeited = 0;    // remainders lost at debits (instrument_rules remainder: forfeit)
  };
  struct Debit {
    UserId owner;
    ObjectId account;
    int64_t amount;
    int64_t credited;
    Time created;
    bool seeded = false;  // taken before the session (a world's booking or order paid with it)
    // The instrument's remainder it forfeited: its own again if the debit is given back whole.
    int64_t forfeited = 0;
  };

  explicit StoredValueFake(const IdentityFake* identity) : identity_(identity) {}

  ObjectId add_account(UserId owner, const std::string& name, int64_t balance);
  // The world's instrument_rules: the first whose prefix names an instrument rules its debits.
  void set_rules(std::vector<InstrumentRule> rules) { rules_ = std::move(rules); }
  // A debit taken before the session from the owner's instrument `name`: what is left of its
  // balance is the world's. 0 when the owner holds no such instrument.
  ObjectId seed_debit(UserId owner, const std::string& name, int64_t amount, Time at);
  bool holds(UserId owner, const std::string& name) const { return find_account(owner, name) != 0; }
  ProviderReply handle(const ProviderRequest& req, Time now, Time ready_at);
  // Wire mode: the same without the credential and key checks (the wire layer did them).
  ProviderReply act(const ProviderRequest& req, Time now);

  const Account* account(ObjectId id) const { return accounts_.find(id); }
  const Debit* debit(ObjectId id) const { return debits_.find(id); }
  const IdList& debits_of(UserId user) const;
  const IdList& accounts_of(UserId user) const;
  void retire_user(UserId user);

 private:
  ObjectId find_account(UserId owner, const std::string& name) const;
  // The first of the world's instrument_rules whose prefix names the instrument, or none.
  const InstrumentRule* rule_for(const std::string& name) const;
  ProviderReply balance(const ProviderRequest& req) const;
  ProviderReply take(const ProviderRequest& req, Time now);
  ProviderReply give_back(const ProviderRequest& req);
  ProviderReply issue(const ProviderRequest& req, Time now);
  ProviderReply deposit(const ProviderRequest& req);

  struct Owned {
    IdList accounts;
    IdList debits;
  };
  const IdentityFake* identity_;
  RetiringTable<Account> accounts_;
  RetiringTable<Debit> debits_;
  std::vector<InstrumentRule> rules_;
  IdempotencyTable idempotency_;
  std::unordered_map<UserId, Owned> owned_;  // lookup only, never iterated
};

}  // namespace checkride
