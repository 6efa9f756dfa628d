#include "fakes/bookings.h"

#include <algorithm>
#include <limits>

#include "fakes/error_reply.h"
#include "fakes/identity.h"
#include "fakes/payments.h"

namespace checkride {

namespace {

std::vector<LineItem> as_items(const ExtraUnits& extras) {
  std::vector<LineItem> items;
  for (const auto& [id, units] : extras) items.push_back(LineItem{id, units});
  return items;
}

}  // namespace

std::string_view BookingsFake::hold_state_name(HoldState s) {
  switch (s) {
    case HoldState::kHeld:
      return "held";
    case HoldState::kConfirmed:
      return "confirmed";
    case HoldState::kReleased:
      return "released";
    case HoldState::kExpired:
      return "expired";
    case HoldState::kCancelled:
      return "cancelled";
  }
  return "?";
}

void BookingsFake::add_offer(const OfferSpec& offer) {
  offer_index_[offer.id] = static_cast<int32_t>(offers_.size());
  offers_.push_back(OfferState{offer, offer.capacity, 0, {}});
}

ObjectId BookingsFake::seed_confirmed(UserId user, const ExistingBooking& booking, int64_t total,
                                      ObjectId payment, const DebitParts& debits, Time at,
                                      std::vector<std::string> paid_by) {
  const std::string& offer = booking.offer;
  const std::vector<std::string>& connections = booking.connections;
  const int32_t seats = booking.seats;
  const int16_t status = rules_.find(booking.status);
  if (seats <= 0 || status < 0) return 0;
  std::vector<int32_t> legs;
  for (std::size_t i = 0; i <= connections.size(); ++i) {
    auto it = offer_index_.find(i == 0 ? offer : connections[i - 1]);
    if (it == offer_index_.end()) return 0;
    // Each seeded booking widens its offers by its seats; a run that would widen one past
    // what the counters hold seeds no more (its sessions find no booking) rather than
    // overflow.
    const OfferState& o = offers_[it->second];
    if (o.spec.capacity > std::numeric_limits<int32_t>::max() - seats ||
        o.confirmed > std::numeric_limits<int32_t>::max() - seats) {
      return 0;
    }
    legs.push_back(it->second);
  }
  Hold h{user, legs[0], seats, total, at, at, HoldState::kConfirmed,
         true, payment, -1,    true,  0,  {}};
  h.connections.assign(legs.begin() + 1, legs.end());
  if (!booking.extras.empty() || !taxes_.empty()) {
    // Its extras and taxes were paid within `total`, priced on its flights' fares today: the
    // fares are what is left.
    h.total = itinerary_price(offer, connections, seats);  // what allowances by value read
    int64_t extras = 0;
    if (!booking.extras.empty()) {
      ErrorCode why = ErrorCode::kNone;
      const std::vector<LineItem> asked = as_items(booking.extras);
      extras = declared_extras_price(h, asked, h.extra_units, h.extra_paid, why);
      if (why != ErrorCode::kNone) return 0;
    }
    h.tax_paid = taxes_of(h);
    const int64_t parts = extras + sum_of(h.tax_paid);
    if (parts > 0 && parts >= total) return 0;
    h.total = total - parts;
  }
  h.debits = debits;
  h.paid_by = std::move(paid_by);
  h.status = status;
  ObjectId id = holds_.add(std::move(h));
  Owned& owned = owned_[user];
  owned.holds.push_back(id);
  owned.references.emplace_back(booking.reference, id);
  for_each_leg(*holds_.find(id), [&](OfferState& o) {
    o.confirmed += seats;
    o.spec.capacity += seats;  // sold before: not taken from what is left
  });
  return id;
}

int64_t BookingsFake::itinerary_price(const std::string& offer,
                                      const std::vector<std::string>& connections,
                                      int32_t seats) const {
  int64_t price = 0;
  for (std::size_t i = 0; i <= connections.size(); ++i) {
    auto it = offer_index_.find(i == 0 ? offer : connections[i - 1]);
    if (it == offer_index_.end()) return -1;
    price += offers_[it->second].spec.price * seats;
  }
  return price;
}

int64_t BookingsFake::seeded_price(UserId user, const ExistingBooking& booking) const {
  auto it = offer_index_.find(booking.offer);
  const int64_t fares = itinerary_price(booking.offer, booking.connections, booking.seats);
  if (it == offer_index_.end() || booking.seats <= 0 || fares < 0) return -1;
  Hold h{user, it->second, booking.seats, fares, 0, 0, HoldState::kConfirmed, true,
         0,    -1,         true,          0,     {}};
  for (std::size_t i = 0; i < booking.connections.size(); ++i) {
    h.connections.push_back(offer_index_.at(booking.connections[i]));
  }
  ErrorCode why = ErrorCode::kNone;
  const std::vector<LineItem> asked = as_items(booking.extras);
  const int64_t extras = declared_extras_price(h, asked, h.extra_units, h.extra_paid, why);
  if (why != ErrorCode::kNone) return -1;
  return fares + extras + sum_of(taxes_of(h));
}

std::vector<int64_t> BookingsFake::taxes_of(const Hold& h) const {
  if (taxes_.empty()) return {};
  TaxBase base{h.total, {}, h.seats, static_cast<int32_t>(h.connections.size()) + 1};
  for (std::size_t i = 0; i < h.extra_paid.size() && i < extras_.size(); ++i) {
    base.extras.emplace_back(extras_[i].id, h.extra_paid[i]);
  }
  return taxes_due(taxes_, base);
}

int64_t BookingsFake::paid_in_all(const Hold& h) {
  return h.total + h.extras_total + sum_of(h.extra_paid) + sum_of(h.tax_paid);
}

const IdList& BookingsFake::holds_of(UserId user) const {
  return ids_of(owned_, user, &Owned::holds);
}

bool BookingsFake::holds_seats(UserId user) const {
  for (ObjectId id : holds_of(user)) {
    const Hold* h = holds_.find(id);
    if (h != nullptr && h->state == HoldState::kHeld) return true;
  }
  return false;
}

void BookingsFake::retire_user(UserId user) {
  idempotency_.forget_owner(user);
  memberships_.erase(user);
  auto it = owned_.find(user);
  if (it == owned_.end()) return;
  for (ObjectId id : it->second.holds) holds_.retire(id);
  owned_.erase(it);
}

void BookingsFake::expire(Time now) {
  while (!expiries_.empty() && expiries_.top().first <= now) {
    auto [at, id] = expiries_.top();
    expiries_.pop();
    Hold* found = holds_.find(id);
    if (found == nullptr) continue;
    Hold& h = *found;
    if (h.state == HoldState::kHeld && h.payment_required_by == at) {
      h.state = HoldState::kExpired;
      for_each_leg(h, [&](OfferState& o) { o.available += h.seats; });
    }
  }
}

void BookingsFake::shorten_ttl(ObjectId hold, Time new_expiry) {
  Hold* found = holds_.find(hold);
  if (found == nullptr) return;
  Hold& h = *found;
  if (h.state != HoldState::kHeld || new_expiry >= h.payment_required_by) return;
  h.payment_required_by = new_expiry;
  expiries_.push({new_expiry, hold});
}

ProviderReply BookingsFake::handle(const ProviderRequest& req, Time now, Time ready_at) {
  expire(now);
  now_ = now;
  if (req.op == Op::kAvailability) return availability(req);
  if (!identity_->token_active(req.access_token, now)) return error_reply(ErrorCode::kInvalidToken);
  if (req.op == Op::kFindBooking) return find(req);  // read-only: no idempotency
  return run_idempotent(idempotency_, req, mix64(request_fingerprint(req), req.payment), now,
                        ready_at, [&] {
                          switch (req.op) {
                            case Op::kHold:
                              return hold(req, now);
                            case Op::kConfirm:
                              return confirm(req, now);
                            case Op::kReleaseHold:
                              return release(req);
                            case Op::kCancelQuote:
                              return cancel_quote(req);
                            case Op::kCancelConfirm:
                              return cancel_confirm(req);
                            case Op::kUpdateBooking:
                              return update(req);
                            case Op::kQuoteExtras:
                              return quote_extras(req);
                            case Op::kAddExtras:
                              return add_extras(req);
                            case Op::kQuoteExchange:
                              return quote_exchange(req);
                            case Op::kExchange:
                              return exchange(req, now);
                            default:
                              return error_reply(ErrorCode::kBadRequest);
                          }
                        });
}

// Only the caller's own bookings are found: another user's reference is not found.
ProviderReply BookingsFake::find(const ProviderRequest& req) const {
  auto it = owned_.find(req.user);
  if (it == owned_.end()) return error_reply(ErrorCode::kNotFound);
  for (const auto& [reference, id] : it->second.references) {
    const Hold* h = reference == req.text ? holds_.find(id) : nullptr;
    if (h == nullptr) continue;
    ProviderReply r;
    r.id = id;
    r.amount = h->total;
    r.paid_with = h->payment;
    r.paid_debits = h->debits;
    r.paid_by = h->paid_by;
    r.status = status_name(*h);
    if (applies_to_bookings(req.operation)) r.refusal = refusal(req, *h, req.operation);
    return r;
  }
  return error_reply(ErrorCode::kNotFound);
}

std::string_view BookingsFake::status_name(const Hold& h) const {
  return h.state == HoldState::kConfirmed ? rules_.name_of(h.status) : hold_state_name(h.state);
}

// Only a confirmed booking is under the world's rules; a hold or a cancelled one allows none.
ErrorCode BookingsFake::refusal(const ProviderRequest& req, const Hold& h,
                                ObjectOperation op) const {
  if (h.state != HoldState::kConfirmed) return status_refusal(op);
  ErrorCode no = WorldRules::refusal(rules_, h.status, h.done, op, req.reason);
  const Duration limit = op == ObjectOperation::kNone ? 0 : rules_.not_within[static_cast<int>(op)];
  const int64_t departs = offers_[h.offer].spec.departs_at;
  if (no == ErrorCode::kNone && limit > 0 && departs > 0 && calendar_ > 0 &&
      -ms_since_instant(departs, calendar_, now_) < limit) {
    no = ErrorCode::kTooLate;  // less than `limit` left before the flight departs
  }
  return no;
}

void BookingsFake::done(Hold& h, ObjectOperation op) {
  ++h.done[static_cast<int>(op)];
  h.status = WorldRules::status_after(rules_, h.status, op);
}

// Passengers change by name only: a different head count is a different fare, which a
// change without money cannot make.
ProviderReply BookingsFake::update(const ProviderRequest& req) {
  Hold* found = holds_.find(req.ref);
  if (found == nullptr || found->user != req.user) return error_reply(ErrorCode::kNotFound);
  Hold& h = *found;
  if (h.state != HoldState::kConfirmed) return error_reply(ErrorCode::kInvalidState);
  if (ErrorCode no = refusal(req, h, ObjectOperation::kChangeDetails); no != ErrorCode::kNone)
    return error_reply(no);
  int32_t seats = req.items.empty() ? h.seats : req.items.front().quantity;
  if (seats != h.seats) return error_reply(ErrorCode::kBadRequest);
  ++h.changes;
  done(h, ObjectOperation::kChangeDetails);
  ProviderReply r;
  r.id = req.ref;
  r.amount = h.total;
  r.status = status_name(h);
  return r;
}

// Checked bags for every passenger on every flight of the booking; -1 when a flight sells
// none.
int64_t BookingsFake::extras_price(const Hold& h, int32_t bags) const {
  if (bags < 0 || bags > 20) return -1;
  if (bags == 0) return 0;  // only free ones (an allowance): nothing to pay
  int64_t price = 0;
  bool sold = true;
  std::vector<int32_t> legs = h.connections;
  legs.push_back(h.offer);
  for (int32_t leg : legs) {
    const OfferSpec& o = offers_[leg].spec;
    sold = sold && o.bag_price > 0;
    price += o.bag_price * bags * h.seats;
  }
  return sold ? price : -1;
}

ExtraBuyer BookingsFake::buyer(const Hold& h) const {
  auto tier = memberships_.find(h.user);
  const OfferSpec& first = offers_[h.offer].spec;
  return ExtraBuyer{
      first.cabin, first.fare_class, tier == memberships_.end() ? std::string_view() : tier->second,
      h.total,     h.seats,          static_cast<int32_t>(h.connections.size()) + 1};
}

int64_t BookingsFake::declared_extras_price(const Hold& h, const std::vector<LineItem>& asked,
                                            std::vector<int32_t>& units, std::vector<int64_t>& paid,
                                            ErrorCode& why) const {
  units = h.extra_units;
  paid = h.extra_paid;
  units.resize(extras_.size(), 0);
  paid.resize(extras_.size(), 0);
  std::vector<bool> named(extras_.size(), false);
  const ExtraBuyer b = buyer(h);
  int64_t price = 0;
  for (const LineItem& item : asked) {
    auto it = std::find_if(extras_.begin(), extras_.end(),
                           [&](const ExtraSpec& e) { return e.id == item.sku; });
    if (it == extras_.end()) {
      why = ErrorCode::kUnknownExtra;
      return -1;
    }
    const std::size_t i = static_cast<std::size_t>(it - extras_.begin());
    // A count is the booking's new total of that extra: one taken off is not a purchase.
    if (named[i] || item.quantity < units[i] || item.quantity > kMaxExtraUnits) {
      why = ErrorCode::kBadRequest;
      return -1;
    }
    named[i] = true;
    const int64_t cost = extra_cost(*it, b, item.quantity) - extra_cost(*it, b, units[i]);
    units[i] = item.quantity;
    paid[i] += cost;
    price += cost;
  }
  return price;
}

int64_t BookingsFake::refundable_extras(const Hold& h) const {
  int64_t refund = 0;
  for (std::size_t i = 0; i < h.extra_paid.size() && i < extras_.size(); ++i) {
    if (extras_[i].refundable) refund += h.extra_paid[i];
  }
  return refund;
}

// The price of what an extras call asks for on the booking, and the counts it leaves: the
// world's declared extras when the call names them, else the offers' paid checked bags.
ErrorCode BookingsFake::price_extras(const ProviderRequest& req, const Hold& h, PricedExtras& out,
                                     ObjectOperation op) const {
  if (h.state != HoldState::kConfirmed) return ErrorCode::kInvalidState;
  if (ErrorCode no = refusal(req, h, op); no != ErrorCode::kNone) return no;
  if (!req.extras.empty()) {
    ErrorCode why = ErrorCode::kNone;
    out.price = declared_extras_price(h, req.extras, out.units, out.paid, why);
    if (why != ErrorCode::kNone) return why;
    Hold after = h;  // the tax on what the extras add
    after.extra_paid = out.paid;
    out.taxes = taxes_of(after);
    out.price += sum_of(out.taxes) - sum_of(h.tax_paid);
    return ErrorCode::kNone;
  }
  out.bags = req.items.empty() ? 0 : req.items.front().quantity;
  out.price = extras_price(h, out.bags);
  return out.price < 0 ? ErrorCode::kBadRequest : ErrorCode::kNone;
}

ProviderReply BookingsFake::quote_extras(const ProviderRequest& req) {
  Hold* found = holds_.find(req.ref);
  if (found == nullptr || found->user != req.user) return error_reply(ErrorCode::kNotFound);
  PricedExtras priced;
  if (ErrorCode no = price_extras(req, *found, priced, ObjectOperation::kAddExtras);
      no != ErrorCode::kNone) {
    return error_reply(no);
  }
  ProviderReply r;
  r.id = req.ref;
  r.amount = priced.price;
  r.status = "quoted";
  return r;
}

// Adds the extras once what the request brings pays their price: an authorized payment of the
// holder's and/or stored-value debits, as a confirmation is paid.
ProviderReply BookingsFake::add_extras(const ProviderRequest& req) {
  Hold* found = holds_.find(req.ref);
  if (found == nullptr || found->user != req.user) return error_reply(ErrorCode::kNotFound);
  Hold& h = *found;
  PricedExtras priced;
  if (ErrorCode no = price_extras(req, h, priced, ObjectOperation::kAddExtras);
      no != ErrorCode::kNone) {
    return error_reply(no);
  }
  // Only free ones need nothing paid; anything else, what the request brings must cover.
  if (priced.price > 0 && paid_for(req, h.user) < priced.price) {
    return error_reply(ErrorCode::kBadRequest);
  }
  if (priced.units.empty()) {
    h.bags += priced.bags;
    h.extras_total += priced.price;
  } else {
    h.extra_units = std::move(priced.units);
    h.extra_paid = std::move(priced.paid);
    h.tax_paid = std::move(priced.taxes);
    h.extras_bought += priced.price;
  }
  if (priced.price == 0) ++h.changes;  // free ones: a change without money, like new names
  note_later_payment(h, req);
  done(h, ObjectOperation::kAddExtras);
  ProviderReply r;
  r.id = req.ref;
  r.amount = priced.price;
  r.status = status_name(h);
  return r;
}

// A payment a change brought. The booking's own payment is not one: a change that owes money
// back names it for the refund, and counting it here would hide a second capture of it.
void BookingsFake::note_later_payment(Hold& h, const ProviderRequest& req) {
  note_change_payment(h.payment, req, h.later_payments, h.later_debits);
}

bool BookingsFake::exchange_legs(const ProviderRequest& req, const Hold& h,
                                 std::vector<int32_t>& legs, int64_t& price) const {
  constexpr std::size_t kMaxLegs = 16;
  if (req.items.size() > kMaxLegs) return false;
  price = 0;
  for (std::size_t i = 0; i < std::max<std::size_t>(req.items.size(), 1); ++i) {
    auto it = offer_index_.find(i == 0 ? req.text : req.items[i].sku);
    if (it == offer_index_.end()) return false;
    if (std::find(legs.begin(), legs.end(), it->second) != legs.end()) return false;
    legs.push_back(it->second);
    price += offers_[it->second].spec.price * h.seats;
  }
  return true;
}

// A change keeps the price paid for the flights it keeps (each flight's share of what the
// booking was paid, by today's fares) and prices the flights it adds at today's fare; each
// flight it leaves charges its change fee per passenger.
void BookingsFake::exchange_price(const Hold& h, const std::vector<int32_t>& legs, int64_t& total,
                                  int64_t& fees) const {
  std::vector<int32_t> now = h.connections;
  now.insert(now.begin(), h.offer);
  __int128 listed = 0;
  for (int32_t leg : now) listed += static_cast<__int128>(offers_[leg].spec.price) * h.seats;
  total = 0;
  fees = 0;
  for (int32_t leg : legs) {
    const int64_t today = offers_[leg].spec.price * h.seats;
    const bool kept = std::find(now.begin(), now.end(), leg) != now.end();
    total += kept && listed > 0 ? static_cast<int64_t>(h.total * __int128{today} / listed) : today;
  }
  for (int32_t leg : now) {
    if (std::find(legs.begin(), legs.end(), leg) == legs.end()) {
      fees += offers_[leg].spec.change_fee * h.seats;
    }
  }
}

// The booking's taxes once on `legs` with fares worth `total`: the tax on what the change adds
// is charged, on what it leaves refunded.
std::vector<int64_t> BookingsFake::taxes_after_exchange(const Hold& h,
                                                        const std::vector<int32_t>& legs,
                                                        int64_t total) const {
  Hold after = h;
  after.total = total;
  after.connections.assign(legs.begin() + 1, legs.end());
  return taxes_of(after);
}

// What moving a confirmed booking onto other flights (same passengers) costs: the new value
// less what the booking was paid, plus the fees; negative when some is owed back.
ProviderReply BookingsFake::quote_exchange(const ProviderRequest& req) {
  Hold* found = holds_.find(req.ref);
  if (found == nullptr || found->user != req.user) return error_reply(ErrorCode::kNotFound);
  if (found->state != HoldState::kConfirmed) return error_reply(ErrorCode::kInvalidState);
  if (ErrorCode no = refusal(req, *found, ObjectOperation::kChangeFlights); no != ErrorCode::kNone)
    return error_reply(no);
  std::vector<int32_t> legs;
  int64_t price = 0;
  if (!exchange_legs(req, *found, legs, price)) return error_reply(ErrorCode::kBadRequest);
  for (int32_t leg : legs) {
    bool kept = leg == found->offer ||
                std::find(found->connections.begin(), found->connections.end(), leg) !=
                    found->connections.end();
    if (kept) continue;
    if (!offers_[leg].spec.bookable()) return error_reply(ErrorCode::kNotAvailable);
    if (offers_[leg].available < found->seats) return error_reply(ErrorCode::kOutOfStock);
  }
  int64_t total = 0, fees = 0;
  exchange_price(*found, legs, total, fees);
  ProviderReply r;
  r.id = req.ref;
  r.amount = total + fees - found->total + sum_of(taxes_after_exchange(*found, legs, total)) -
             sum_of(found->tax_paid);
  r.status = "quoted";
  return r;
}

// The exchange itself, all at once: the new flights' seats are taken and the old ones given
// back, once what the request brings pays any difference. A refusal leaves the booking as
// it was. Answers the difference (negative: owed back to what paid the booking).
ProviderReply BookingsFake::exchange(const ProviderRequest& req, Time now) {
  ProviderReply quote = quote_exchange(req);
  if (!quote.ok()) return quote;
  Hold& h = *holds_.find(req.ref);
  if (quote.amount > 0 && paid_for(req, h.user) < quote.amount) {
    return error_reply(ErrorCode::kBadRequest);
  }
  std::vector<int32_t> legs;
  int64_t price = 0, total = 0, fees = 0;
  exchange_legs(req, h, legs, price);
  exchange_price(h, legs, total, fees);
  for_each_leg(h, [&](OfferState& o) {
    o.confirmed -= h.seats;
    o.available += h.seats;
  });
  h.tax_paid = taxes_after_exchange(h, legs, total);
  h.offer = legs[0];
  h.connections.assign(legs.begin() + 1, legs.end());
  h.total = total;             // the fees are not the booking's value: a cancel never refunds them
  note_later_payment(h, req);  // a charge of its own
  for_each_leg(h, [&](OfferState& o) {
    o.available -= h.seats;
    o.confirmed += h.seats;
    note_overrun(o.overruns, h.user, req.ref, now, o.confirmed - o.spec.capacity);
  });
  ++h.changes;
  done(h, ObjectOperation::kChangeFlights);
  ProviderReply r;
  r.id = req.ref;
  r.amount = quote.amount;
  r.paid_with = h.payment;
  r.status = status_name(h);
  return r;
}

ProviderReply BookingsFake::availability(const ProviderRequest& req) const {
  ProviderReply r;
  for (const auto& o : offers_) {
    if (o.available > 0 && o.spec.bookable() &&
        (req.text.empty() || o.spec.route.find(req.text) != std::string::npos ||
         o.spec.id == req.text)) {
      r.found.push_back(o.spec.id);
    }
  }
  r.status = "ok";
  return r;
}

// Holds `seats` on the offer and on each connection (items after the first name them), all
// or nothing: an itinerary with one flight full holds no seat anywhere.
ProviderReply BookingsFake::hold(const ProviderRequest& req, Time now) {
  constexpr std::size_t kMaxLegs = 16;
  int32_t seats = req.items.empty() ? 1 : req.items.front().quantity;
  if (seats <= 0 || req.items.size() > kMaxLegs) return error_reply(ErrorCode::kBadRequest);
  std::vector<int32_t> legs;
  for (std::size_t i = 0; i < std::max<std::size_t>(req.items.size(), 1); ++i) {
    const std::string& name = i == 0 ? req.text : req.items[i].sku;
    auto it = offer_index_.find(name);
    if (it == offer_index_.end()) return error_reply(ErrorCode::kNotFound);
    if (i > 0 && req.items[i].quantity != seats) return error_reply(ErrorCode::kBadRequest);
    if (std::find(legs.begin(), legs.end(), it->second) != legs.end()) {
      return error_reply(ErrorCode::kBadRequest);  // one flight twice in one itinerary
    }
    legs.push_back(it->second);
  }
  int64_t total = 0;
  for (int32_t leg : legs) {
    if (!offers_[leg].spec.bookable()) return error_reply(ErrorCode::kNotAvailable);
    if (offers_[leg].available < seats) return error_reply(ErrorCode::kOutOfStock);
    total += offers_[leg].spec.price * seats;
  }
  Time due = now + req.ttl;
  Hold h{req.user, legs[0], seats, total, now, due, HoldState::kHeld, false, 0, -1, false, 0, {}};
  h.connections.assign(legs.begin() + 1, legs.end());
  if (!req.extras.empty()) {  // bought with it: paid with the fares, kept as their own parts
    ErrorCode why = ErrorCode::kNone;
    const int64_t extras = declared_extras_price(h, req.extras, h.extra_units, h.extra_paid, why);
    if (why != ErrorCode::kNone) return error_reply(why);
    h.extras_bought = extras;
  }
  h.tax_paid = taxes_of(h);  // on the fares and the extras, paid with them
  const int64_t due_in_all = paid_in_all(h);
  for_each_leg(h, [&](OfferState& o) { o.available -= seats; });
  ObjectId id = holds_.add(std::move(h));
  owned_[req.user].holds.push_back(id);
  expiries_.push({due, id});
  ProviderReply r;
  r.id = id;
  r.amount = due_in_all;
  r.expires_at = due;
  r.status = "held";
  return r;
}

// What the confirmation brings to pay the hold: an authorized card payment of the holder's
// and stored-value debits of theirs that stand (a split payment); -1 when any is not that.
int64_t BookingsFake::paid_for(const ProviderRequest& req, UserId holder) const {
  int64_t paid = 0;
  if (req.payment != 0 || req.debits.empty()) {
    const PaymentsFake::PaymentIntent* pi = payments_->find(req.payment);
    if (pi == nullptr || pi->owner != holder ||
        pi->status != PaymentsFake::Status::kRequiresCapture) {
      return -1;
    }
    paid += pi->amount;
  }
  for (ObjectId id : req.debits) {
    const StoredValueFake::Debit* d = stored_value_->debit(id);
    if (d == nullptr || d->owner != holder || d->credited > 0) return -1;
    paid += d->amount;
  }
  return paid;
}

ProviderReply BookingsFake::confirm(const ProviderRequest& req, Time now) {
  Hold* found = holds_.find(req.ref);
  if (found == nullptr) return error_reply(ErrorCode::kNotFound);
  Hold& h = *found;
  if (h.state == HoldState::kExpired ||
      (h.state == HoldState::kHeld && now >= h.payment_required_by)) {
    return error_reply(ErrorCode::kExpired);
  }
  if (h.state != HoldState::kHeld) return error_reply(ErrorCode::kInvalidState);
  if (paid_for(req, h.user) < paid_in_all(h)) return error_reply(ErrorCode::kBadRequest);
  h.state = HoldState::kConfirmed;
  h.status = rules_.initial;
  h.released_by_caller = true;
  h.payment = req.payment;
  h.purchase_debits = req.debits;
  for_each_leg(h, [&](OfferState& offer) {
    offer.confirmed += h.seats;
    note_overrun(offer.overruns, h.user, req.ref, now, offer.confirmed - offer.spec.capacity);
  });
  ProviderReply r;
  r.id = req.ref;
  r.amount = paid_in_all(h);
  r.status = "confirmed";
  return r;
}

ProviderReply BookingsFake::release(const ProviderRequest& req) {
  Hold* found = holds_.find(req.ref);
  if (found == nullptr) return error_reply(ErrorCode::kNotFound);
  Hold& h = *found;
  if (h.state == HoldState::kConfirmed || h.state == HoldState::kCancelled) {
    return error_reply(ErrorCode::kInvalidState);
  }
  if (h.state == HoldState::kHeld) {
    h.state = HoldState::kReleased;
    for_each_leg(h, [&](OfferState& o) { o.available += h.seats; });
  }
  h.released_by_caller = true;
  ProviderReply r;
  r.id = req.ref;
  r.status = "released";
  return r;
}

ProviderReply BookingsFake::cancel_quote(const ProviderRequest& req) {
  Hold* found = holds_.find(req.ref);
  if (found == nullptr) return error_reply(ErrorCode::kNotFound);
  Hold& h = *found;
  if (h.state != HoldState::kConfirmed) return error_reply(ErrorCode::kInvalidState);
  if (ErrorCode no = refusal(req, h, ObjectOperation::kCancel); no != ErrorCode::kNone)
    return error_reply(no);
  // Each flight's fare rule applies to its part of what was paid.
  int64_t refund = 0, priced = 0;
  for_each_leg(h, [&](OfferState& o) {
    priced += o.spec.price * h.seats;
    refund += o.spec.price * h.seats * o.spec.refund_percent;
  });
  h.refund_quote = h.connections.empty() || priced <= 0
                       ? h.total * offers_[h.offer].spec.refund_percent / 100
                       : static_cast<int64_t>(static_cast<__int128>(h.total) * refund /
                                              (static_cast<__int128>(priced) * 100));
  h.refund_quote += refundable_extras(h);  // the others are kept, as paid bags always were
  for (std::size_t i = 0; i < h.tax_paid.size() && i < taxes_.size(); ++i) {
    if (taxes_[i].refundable) h.refund_quote += h.tax_paid[i];  // whole, whatever the fare's rule
  }
  ProviderReply r;
  r.id = req.ref;
  r.amount = h.refund_quote;
  r.status = "quoted";
  return r;
}

ProviderReply BookingsFake::cancel_confirm(const ProviderRequest& req) {
  Hold* found = holds_.find(req.ref);
  if (found == nullptr) return error_reply(ErrorCode::kNotFound);
  Hold& h = *found;
  ProviderReply r;
  r.id = req.ref;
  r.amount = h.refund_quote;
  r.status = "cancelled";
  if (h.state == HoldState::kCancelled) return r;
  if (h.state != HoldState::kConfirmed || h.refund_quote < 0) {
    return error_reply(ErrorCode::kInvalidState);
  }
  if (ErrorCode no = refusal(req, h, ObjectOperation::kCancel); no != ErrorCode::kNone)
    return error_reply(no);
  done(h, ObjectOperation::kCancel);
  h.state = HoldState::kCancelled;
  for_each_leg(h, [&](OfferState& o) {
    o.confirmed -= h.seats;
    o.available += h.seats;
  });
  return r;
}

}  // namespace checkride
