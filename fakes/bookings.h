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

class IdentityFake;
class PaymentsFake;

struct OfferSpec {
  std::string id;
  std::string route;  // e.g. "SFO-JFK 2026-12-01"
  int64_t price = 0;  // per seat
  int32_t capacity = 0;
  int32_t refund_percent = 100;  // refunded on cancellation
  int64_t bag_price = 0;         // per checked bag per passenger; 0: no paid bags sold
  int64_t change_fee = 0;        // per passenger, when a change of flights leaves this one
  // The flight's state on its date, as the airline's data says it ("landed", "cancelled",
  // "flying", ...): only an available one ("" or "available") can be booked or moved onto.
  std::string status = {};
  // What the world's extras' allowances read (extras.h); "" matches only rows that name none.
  std::string cabin = {};
  std::string fare_class = {};
  int64_t departs_at = 0;  // seconds since 1970 (the world's calendar); 0: not stated
  bool bookable() const { return status.empty() || status == "available"; }
};

// A booking that existed before the session, as a world file declares it.
struct ExistingBooking {
  std::string reference;  // the provider's own reference (e.g. "ZFA04Y")
  std::string user;       // the session user it belongs to; "" = every session's user
  std::string offer;
  std::vector<std::string> connections;  // the itinerary's further flights, same passengers
  int32_t seats = 1;
  int64_t paid = -1;  // what it was paid; -1: the offers' prices per seat
  // Paid with stored value too: the card paid the rest (nothing when these cover it).
  std::vector<StoredValuePart> paid_stored_value;
  std::string paid_card;  // the user's card or wallet that paid the rest ("": their first)
  ExtraUnits extras;      // the world's extras it holds, paid within `paid`
  std::string status = "confirmed";  // one of the world's booking statuses (WorldRules)
  std::string origin;                // where it was declared (file, line, field), for messages
  int line = 0;
  std::string field;
};

// Flights/hotels with the hold-then-pay pattern: a hold keeps seats until
// `payment_required_by`, then lapses; confirming needs an authorized payment of at least
// the total; cancelling is two steps (quote the refund, then confirm the quote).
class BookingsFake {
 public:
  enum class HoldState : uint8_t { kHeld, kConfirmed, kReleased, kExpired, kCancelled };
  struct Hold {
    UserId user;
    int32_t offer;
    int32_t seats;
    int64_t total;
    Time created;
    Time payment_required_by;
    HoldState state;
    bool released_by_caller;
    ObjectId payment;
    int64_t refund_quote;  // -1 until quoted
    bool seeded = false;   // made before the session (a world's existing booking)
    int32_t changes = 0;   // details changed since (passengers), with no money
    // An itinerary's further flights (a one-stop, a return), each holding `seats` too. The
    // hold is one booking: held, paid, released or cancelled whole, like a PNR's segments.
    std::vector<int32_t> connections;
    // Paid extras added after the booking (checked bags), kept on a cancellation.
    int32_t bags = 0;
    int64_t extras_total = 0;
    // The world's declared extras it holds (by their index in the world's list) and what was
    // paid for each: its value is `total`, the fares alone, so a change of flights prices
    // what changed and a cancel refunds each part by its rule.
    std::vector<int32_t> extra_units = {};
    std::vector<int64_t> extra_paid = {};
    int64_t extras_bought = 0;  // what the session paid for extras, their tax too (not the seed)
    // What it paid for each of the world's booking taxes, on its fares and extras as they
    // stand: a change pays the tax on what it adds, a cancel refunds the refundable ones.
    std::vector<int64_t> tax_paid = {};
    // Payments made after the booking: for its extras, or the difference of an exchange;
    // and the stored-value debits that paid such a change.
    std::vector<ObjectId> later_payments = {};
    std::vector<ObjectId> later_debits = {};
    // The stored-value debits that paid for it with `payment` (a split payment), as a world
    // seeds them and a lookup answers them.
    DebitParts debits = {};
    std::vector<std::string> paid_by = {};  // seeded: every instrument that paid, by name
    // The debits a confirmation in the session brought: the checkers' link from a purchase
    // to what paid it, so two bookings on one gift card are two purchases.
    std::vector<ObjectId> purchase_debits = {};
    // Once confirmed: its status among the world's (WorldRules::bookings), and what was
    // done to it since.
    int16_t status = 0;
    OperationCounts done = {};
  };
  struct OfferState {
    OfferSpec spec;
    int32_t available;
    int32_t confirmed;
    std::vector<Overrun> overruns;  // the first confirmations past capacity
  };

  BookingsFake(const IdentityFake* identity, const PaymentsFake* payments,
               const StoredValueFake* stored_value)
      : identity_(identity), payments_(payments), stored_value_(stored_value) {}

  void add_offer(const OfferSpec& offer);
  // A booking made before the session, under the world's own reference: confirmed and paid
  // with `payment` (0: none) and the stored-value `debits`. Its seats were sold before the offer's
  // capacity was counted. 0 when the offer is unknown.
  ObjectId seed_confirmed(UserId user, const ExistingBooking& booking, int64_t total,
                          ObjectId payment, const DebitParts& debits, Time at,
                          std::vector<std::string> paid_by = {});
  // The world's calendar instant at virtual time 0, in seconds since 1970 (0: none), which
  // time limits before departure read.
  void set_calendar(int64_t epoch_seconds) { calendar_ = epoch_seconds; }
  // The extras the world sells on bookings (its `extras:`); before any booking exists.
  void set_extras(const std::vector<ExtraSpec>& extras) { extras_ = extras_sold_on(extras, false); }
  const std::vector<ExtraSpec>& extras() const { return extras_; }
  // The user's membership tier, which extras' allowances read.
  void set_membership(UserId user, const std::string& tier) { memberships_[user] = tier; }
  // The taxes the world levies on bookings (its `taxes:`); before any booking exists.
  void set_taxes(const std::vector<TaxSpec>& taxes) { taxes_ = taxes_levied_on(taxes, false); }
  // What a seeded booking was paid at the world's prices: its fares, its `extras` and the
  // taxes on them; -1 when an offer or extra is unknown.
  int64_t seeded_price(UserId user, const ExistingBooking& booking) const;
  // The booking's value paid in all: its fares, every extra and every tax.
  static int64_t paid_in_all(const Hold& h);
  // The business's booking rules (statuses, limits); before any booking exists.
  void set_rules(const ObjectRules& rules) { rules_ = rules; }
  const ObjectRules& rules() const { return rules_; }
  // A booking's status: the world's word once confirmed, else its hold's state.
  std::string_view status_name(const Hold& h) const;
  // The price of `seats` on the offer and its connections; -1 when one is unknown.
  int64_t itinerary_price(const std::string& offer, const std::vector<std::string>& connections,
                          int32_t seats) const;
  ProviderReply handle(const ProviderRequest& req, Time now, Time ready_at);
  void expire(Time now);
  void shorten_ttl(ObjectId hold, Time new_expiry);

  const std::vector<OfferState>& offers() const { return offers_; }
  static std::string_view hold_state_name(HoldState s);
  const RetiringTable<Hold>& holds() const { return holds_; }
  const IdList& holds_of(UserId user) const;  // in creation order
  // True while one of the user's holds still keeps seats (it will lapse later).
  bool holds_seats(UserId user) const;
  // Drops the user's holds and idempotency keys once the session is settled and checked.
  void retire_user(UserId user);

 private:
  ProviderReply availability(const ProviderRequest& req) const;
  ProviderReply hold(const ProviderRequest& req, Time now);
  ProviderReply confirm(const ProviderRequest& req, Time now);
  int64_t paid_for(const ProviderRequest& req, UserId holder) const;
  ProviderReply release(const ProviderRequest& req);
  ProviderReply cancel_quote(const ProviderRequest& req);
  ProviderReply cancel_confirm(const ProviderRequest& req);
  ProviderReply find(const ProviderRequest& req) const;
  // Why the world's rules refuse `op` on the booking now (kNone: go ahead); `done` marks it.
  ErrorCode refusal(const ProviderRequest& req, const Hold& h, ObjectOperation op) const;
  void done(Hold& h, ObjectOperation op);
  ProviderReply update(const ProviderRequest& req);
  static void note_later_payment(Hold& h, const ProviderRequest& req);
  int64_t extras_price(const Hold& h, int32_t bags) const;
  ExtraBuyer buyer(const Hold& h) const;
  // What the declared extras a call asks for (each extra's new count on the booking) cost on
  // top of what it holds, with the counts and what each was paid after; -1 with `why` when
  // one is unknown (kNotFound), named twice, fewer than held or too many (kBadRequest).
  int64_t declared_extras_price(const Hold& h, const std::vector<LineItem>& asked,
                                std::vector<int32_t>& units, std::vector<int64_t>& paid,
                                ErrorCode& why) const;
  struct PricedExtras {
    int64_t price = 0;                // the extras and the tax on them
    int32_t bags = 0;                 // the offers' paid checked bags, when no extra is named
    std::vector<int32_t> units = {};  // else each declared extra's count after
    std::vector<int64_t> paid = {};
    std::vector<int64_t> taxes = {};  // and each tax the booking pays after
  };
  // Each of the world's booking taxes on `h` as it stands (its fares and extras' paid).
  std::vector<int64_t> taxes_of(const Hold& h) const;
  ErrorCode price_extras(const ProviderRequest& req, const Hold& h, PricedExtras& out,
                         ObjectOperation op) const;
  int64_t refundable_extras(const Hold& h) const;
  ProviderReply quote_extras(const ProviderRequest& req);
  ProviderReply add_extras(const ProviderRequest& req);
  // The new flights an exchange asks for (the offer, then the connections), or false.
  bool exchange_legs(const ProviderRequest& req, const Hold& h, std::vector<int32_t>& legs,
                     int64_t& price) const;
  // The booking's value once on `legs`, and what the change costs on top (its fees).
  void exchange_price(const Hold& h, const std::vector<int32_t>& legs, int64_t& total,
                      int64_t& fees) const;
  std::vector<int64_t> taxes_after_exchange(const Hold& h, const std::vector<int32_t>& legs,
                                            int64_t total) const;
  ProviderReply quote_exchange(const ProviderRequest& req);
  ProviderReply exchange(const ProviderRequest& req, Time now);
  // Every offer a hold keeps seats on: its first flight, then its connections.
  template <typename Fn>
  void for_each_leg(const Hold& h, Fn&& fn) {
    fn(offers_[h.offer]);
    for (int32_t c : h.connections) fn(offers_[c]);
  }

  const IdentityFake* identity_;
  const PaymentsFake* payments_;
  const StoredValueFake* stored_value_;
  ObjectRules rules_ = WorldRules::default_booking_rules();
  std::vector<ExtraSpec> extras_;
  std::vector<TaxSpec> taxes_;  // levied on bookings
  int64_t calendar_ = 0;
  Time now_ = 0;  // the request being handled's time, which the rules' time limits read
  std::unordered_map<UserId, std::string> memberships_;  // lookup only, never iterated
  std::vector<OfferState> offers_;
  std::unordered_map<std::string, int32_t> offer_index_;
  struct Owned {
    IdList holds;
    std::vector<std::pair<std::string, ObjectId>> references;  // seeded bookings
  };
  RetiringTable<Hold> holds_;
  std::unordered_map<UserId, Owned> owned_;  // lookup only, never iterated
  using Expiry = std::pair<Time, ObjectId>;
  std::priority_queue<Expiry, std::vector<Expiry>, std::greater<>> expiries_;
  IdempotencyTable idempotency_;
};

}  // namespace checkride
