#pragma once
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "fakes/change_payments.h"
#include "fakes/extras.h"
#include "fakes/idempotency_table.h"
#include "fakes/overrun.h"
#include "fakes/stored_value.h"
#include "fakes/taxes.h"
#include "fakes/world_rules.h"
#include "protocol/id_list.h"
#include "protocol/provider.h"
#include "protocol/retiring_table.h"

namespace checkride {

struct SkuSpec {
  std::string id;
  std::string name;
  int64_t price = 0;
  int32_t stock = 0;
  std::string product = {};  // the product it is a variant of ("": a product of its own)
};

struct CouponSpec {
  std::string code;
  int64_t off = 0;       // minor units off the order total
  int64_t budget = 0;    // total discount the campaign may give
  int32_t per_user = 0;  // 0 = unlimited
};

// An order that existed before the session, as a world file declares it.
struct ExistingOrder {
  std::string reference;  // the shop's own order id (e.g. "#W2378156")
  std::string user;       // the session user it belongs to; "" = every session's user
  std::vector<LineItem> items;
  // What each item's unit was paid, by line (-1: its SKU's price today): a return refunds
  // what was paid, and a swap values what leaves at it.
  std::vector<int64_t> unit_prices = {};
  int64_t paid = -1;  // what it was paid; -1: the items at their prices
  // Paid with stored value too: the card paid the rest (nothing when these cover it).
  std::vector<StoredValuePart> paid_stored_value;
  std::string paid_card;           // the user's card or wallet that paid the rest ("": their first)
  std::string status = "pending";  // one of the world's order statuses (WorldRules)
  ExtraUnits extras = {};          // the world's extras sold on orders it holds, paid within paid
  int64_t delivered_at = 0;        // seconds since 1970 (the world's calendar); 0: not stated
  std::string origin;              // where it was declared, for messages
  int line = 0;
  std::string field;
};

// A user's details at the shop (an address), as a world file declares them.
struct ProfileSpec {
  std::string user;  // the session user it belongs to
  std::string details;
};

// Catalog, inventory and pricing. Stock is held by reservations that lapse after a TTL;
// a coupon's budget and per-user limit are held by the reservation too, so a committed
// order never spends budget that was not there. The ledger is the checkers' ground truth.
class CatalogFake {
 public:
  enum class ReservationState : uint8_t { kHeld, kCommitted, kReleased, kExpired };
  struct Reservation {
    UserId user;
    Time created;
    Time expires_at;
    ReservationState state;
    bool released_by_caller;  // released or committed explicitly (not just lapsed)
    int32_t coupon;           // index into coupons, -1 for none
    int64_t discount;
    std::vector<std::pair<int32_t, int32_t>> items;  // sku index, quantity
    int64_t extras = 0;               // what the world's extras it was asked with cost (gift wrap)
    std::vector<int64_t> taxes = {};  // each of the world's order taxes on it
  };
  struct Order {
    UserId user;
    Time created;
    ObjectId reservation;  // 0 for a direct sale
    int64_t total;
    int64_t discount;
    int32_t coupon;
    int32_t units;
    bool cancelled;
    bool seeded = false;  // made before the session (a world file's existing order)
    // Its status among the world's (WorldRules::orders), and what was done to it since.
    int16_t status = 0;
    OperationCounts done = {};
    ObjectId payment = 0;    // the payment intent that pays for it, as seeded or committed
    DebitParts debits = {};  // seeded: the stored-value debits that paid too
    int32_t changes = 0;     // details changed since (shipping address), with no money
    // Seeded: its lines (SKU index, units, units returned since), for returns of a
    // delivered order, and what those returns refunded.
    struct Line {
      int32_t sku;
      int32_t quantity;
      int32_t returned;
      int64_t unit_price;  // what each unit was paid (before the order's discount)
    };
    std::vector<Line> lines = {};
    int64_t returned_value = 0;
    // What paid a change of it since (an item swap's difference): charges of their own.
    std::vector<ObjectId> later_payments = {};
    std::vector<ObjectId> later_debits = {};
    // The debits the commit brought (a split payment in the session): the checkers' link
    // from a purchase to what paid it.
    std::vector<ObjectId> purchase_debits = {};
    int64_t delivered_at = 0;  // seeded: when it was delivered (calendar seconds; 0: unknown)
    std::vector<std::string> paid_by = {};  // seeded: every instrument that paid, by name
    int64_t extras_paid = 0;  // of `total`, what its extras (gift wrap) cost: a return keeps it
    // Of `total`, what each of the world's order taxes took, and what returns refunded of it.
    std::vector<int64_t> taxes = {};
    std::vector<int64_t> taxes_returned = {};
  };
  struct SkuState {
    SkuSpec spec;
    int32_t available;              // stock not reserved or sold (may go negative on a direct sale)
    int32_t committed;              // units in live orders
    std::vector<Overrun> overruns;  // the first commits past stock
  };
  struct CouponState {
    CouponSpec spec;
    int64_t held;                              // discount held by open reservations
    int64_t spent;                             // discount given by live orders
    std::unordered_map<UserId, int32_t> uses;  // reserved or spent, per user
    std::vector<Overrun> overruns;             // the first redemptions past budget
  };

  void add_sku(const SkuSpec& sku);
  // The business's order rules (statuses, limits); before any order exists.
  void set_rules(const ObjectRules& rules) { rules_ = rules; }
  // The world's calendar instant at virtual time 0, in seconds since 1970 (0: none), which
  // the rules' time limits since delivery are measured against.
  void set_calendar(int64_t epoch_seconds) { calendar_ = epoch_seconds; }
  // The world's extras sold on orders (gift wrap), and users' tiers their allowances read.
  void set_extras(const std::vector<ExtraSpec>& extras) { extras_ = extras_sold_on(extras, true); }
  void set_membership(UserId user, const std::string& tier) { memberships_[user] = tier; }
  // What holding `held` of the world's order extras costs on items worth `value` for `user`;
  // -1 when one is not sold on orders or a count is out of range.
  int64_t order_extras_cost(UserId user, int64_t value, const ExtraUnits& held) const;
  // What a seeded order's items were paid: each line's price_cents, else today's price.
  int64_t seeded_items_price(const ExistingOrder& seed) const;
  // The taxes the world levies on orders (its `taxes:`); before any order exists.
  void set_taxes(const std::vector<TaxSpec>& taxes) { taxes_ = taxes_levied_on(taxes, true); }
  // Each order tax on items worth `items` after their discount and the extras `held` (priced
  // on `value`, the items before it).
  std::vector<int64_t> order_taxes(UserId user, int64_t value, int64_t items,
                                   const ExtraUnits& held) const;
  // What a seeded order was paid at the world's prices: its items, extras and taxes; -1 when
  // an extra is not sold on orders.
  int64_t seeded_price(UserId user, const ExistingOrder& seed) const;
  const ObjectRules& rules() const { return rules_; }
  std::string_view status_name(const Order& o) const { return rules_.name_of(o.status); }
  void add_coupon(const CouponSpec& coupon);
  // The user's details, as they were before the session. Once any profile is seeded, only
  // users with one are found (a world that lists its customers); before, every user is.
  void seed_profile(UserId user, const std::string& details);
  void expect_profiles() { profiles_listed_ = true; }
  // The user's profile: its details now and how often the session changed them (0: none).
  struct Profile {
    std::string details;
    int32_t changes = 0;
  };
  const Profile* profile(UserId user) const;
  int64_t profile_writes() const { return profile_writes_; }  // in all, kept past retirement
  // An order placed before the session, under the world's own reference, paid `total` by
  // `payment`. Its units were sold before the stock was counted, so it changes no stock.
  // 0 when a SKU or its status is unknown.
  ObjectId seed_order(UserId user, const ExistingOrder& order, int64_t total, ObjectId payment,
                      const DebitParts& debits, Time at, std::vector<std::string> paid_by = {});
  ProviderReply handle(const ProviderRequest& req, Time now, Time ready_at);
  // Lapses reservations whose TTL has passed; called before every request.
  void expire(Time now);
  // Shortens a reservation's TTL (the hold_expiry fault).
  void shorten_ttl(ObjectId reservation, Time new_expiry);

  const std::vector<SkuState>& skus() const { return skus_; }
  const std::vector<CouponState>& coupons() const { return coupons_; }
  const RetiringTable<Reservation>& reservations() const { return reservations_; }
  const RetiringTable<Order>& orders() const { return orders_; }
  // The user's reservations and orders, in creation order.
  const IdList& reservations_of(UserId user) const;
  const IdList& orders_of(UserId user) const;
  // True while one of the user's reservations still holds stock (it will lapse later).
  bool holds_stock(UserId user) const;
  // Drops the user's reservations, orders, coupon uses and idempotency keys once the
  // user's session is settled and checked. Stock and coupon totals are kept.
  void retire_user(UserId user);
  std::string_view currency() const { return "usd"; }

 private:
  ProviderReply search(const ProviderRequest& req) const;
  static ExtraUnits asked_extras(const ProviderRequest& req);  // the order extras a call names
  ProviderReply quote(const ProviderRequest& req) const;
  ProviderReply reserve(const ProviderRequest& req, Time now);
  ProviderReply commit(const ProviderRequest& req, Time now);
  ProviderReply release(const ProviderRequest& req);
  ProviderReply cancel_order(const ProviderRequest& req);
  ProviderReply find(const ProviderRequest& req) const;
  ProviderReply update_order(const ProviderRequest& req);
  ProviderReply return_items(const ProviderRequest& req);
  // A swap's lines: negative quantities leave the order, positive ones join it. The price
  // difference at list prices, or false when a line is not the order's or out of stock.
  bool swap_difference(const ProviderRequest& req, const Order& o, int64_t& difference) const;
  bool within_products(const ProviderRequest& req) const;
  int64_t returned_taxes(Order& o, int64_t items) const;
  std::vector<int64_t> swap_taxes(const Order& o, int64_t difference) const;
  bool swaps_every_item(const ProviderRequest& req, const Order& o) const;
  ProviderReply quote_item_swap(const ProviderRequest& req);
  ProviderReply swap_items(const ProviderRequest& req);
  ProviderReply repay(const ProviderRequest& req);
  ProviderReply update_profile(const ProviderRequest& req);
  // The operation a write on an order is part of (the one it names when it can be), and
  // why the world's rules refuse it now (kNone: go ahead); `done` marks it done.
  ObjectOperation operation_of(const ProviderRequest& req, const Order& o) const;
  ErrorCode refusal(const ProviderRequest& req, const Order& o) const;
  void done(Order& o, ObjectOperation op);
  bool price(const ProviderRequest& req, std::vector<std::pair<int32_t, int32_t>>& lines,
             int64_t& subtotal, int32_t& coupon, int64_t& extras, ProviderReply& error) const;
  void give_back(Reservation& r);

  ObjectRules rules_ = WorldRules::default_order_rules();
  int64_t calendar_ = 0;
  Time now_ = 0;  // the request being handled's time, which the rules' time limits read
  std::vector<ExtraSpec> extras_;
  std::vector<TaxSpec> taxes_;                           // levied on orders
  std::unordered_map<UserId, std::string> memberships_;  // lookup only, never iterated
  std::vector<SkuState> skus_;
  std::unordered_map<std::string, int32_t> sku_index_;
  std::vector<CouponState> coupons_;
  struct Owned {
    IdList reservations;
    IdList orders;
    std::vector<std::pair<std::string, ObjectId>> references;  // seeded orders
  };
  RetiringTable<Reservation> reservations_;
  RetiringTable<Order> orders_;
  std::unordered_map<UserId, Owned> owned_;       // lookup only, never iterated
  std::unordered_map<UserId, Profile> profiles_;  // lookup only, never iterated
  bool profiles_listed_ = false;
  int64_t profile_writes_ = 0;
  using Expiry = std::pair<Time, ObjectId>;
  std::priority_queue<Expiry, std::vector<Expiry>, std::greater<>> expiries_;
  IdempotencyTable idempotency_;
};

}  // namespace checkride
