#include "fakes/catalog.h"

#include <algorithm>
#include <map>

#include "fakes/error_reply.h"
#include "protocol/invariant.h"

namespace checkride {
namespace {

// ASCII case folding, as std::tolower does in the "C" locale checkride runs in, without a
// libc call per character: a search runs once per shopper.
constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

bool contains_ignoring_case(std::string_view hay, std::string_view needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                        [](char a, char b) { return ascii_lower(a) == ascii_lower(b); });
  return it != hay.end();
}

}  // namespace

void CatalogFake::add_sku(const SkuSpec& sku) {
  sku_index_[sku.id] = static_cast<int32_t>(skus_.size());
  skus_.push_back(SkuState{sku, sku.stock, 0, {}});
}

void CatalogFake::add_coupon(const CouponSpec& coupon) {
  coupons_.push_back(CouponState{coupon, 0, 0, {}, {}});
}

const IdList& CatalogFake::reservations_of(UserId user) const {
  return ids_of(owned_, user, &Owned::reservations);
}

const IdList& CatalogFake::orders_of(UserId user) const {
  return ids_of(owned_, user, &Owned::orders);
}

bool CatalogFake::holds_stock(UserId user) const {
  for (ObjectId id : reservations_of(user)) {
    const Reservation* r = reservations_.find(id);
    if (r != nullptr && r->state == ReservationState::kHeld) return true;
  }
  return false;
}

ObjectId CatalogFake::seed_order(UserId user, const ExistingOrder& seed, int64_t total,
                                 ObjectId payment, const DebitParts& debits, Time at,
                                 std::vector<std::string> paid_by) {
  Order order{user, at, 0, total, 0, -1, 0, false};
  order.seeded = true;
  order.status = rules_.find(seed.status);
  if (order.status < 0) return 0;
  order.payment = payment;
  order.debits = debits;
  order.delivered_at = seed.delivered_at;
  // Its extras were paid within `total` at the world's prices, on the items' value.
  const int64_t items = seeded_items_price(seed);
  order.extras_paid = order_extras_cost(user, items, seed.extras);
  order.taxes = order_taxes(user, items, items, seed.extras);  // and its taxes, on them
  order.taxes_returned.assign(order.taxes.size(), 0);
  const int64_t parts = order.extras_paid + sum_of(order.taxes);
  if (order.extras_paid < 0 || (parts > 0 && parts >= total)) return 0;
  order.paid_by = std::move(paid_by);
  for (std::size_t i = 0; i < seed.items.size(); ++i) {
    const LineItem& item = seed.items[i];
    auto it = sku_index_.find(item.sku);
    if (it == sku_index_.end() || item.quantity <= 0) return 0;
    int64_t paid = i < seed.unit_prices.size() ? seed.unit_prices[i] : -1;
    order.units += item.quantity;
    order.lines.push_back(
        Order::Line{it->second, item.quantity, 0, paid < 0 ? skus_[it->second].spec.price : paid});
  }
  ObjectId id = orders_.add(order);
  Owned& owned = owned_[user];
  owned.orders.push_back(id);
  owned.references.emplace_back(seed.reference, id);
  return id;
}

ObjectOperation CatalogFake::operation_of(const ProviderRequest& req, const Order& o) const {
  using O = ObjectOperation;
  // Undoing is cancelling an order the caller itself just committed (a compensation): never
  // a way around the rules for anything else, whoever says it.
  if (req.operation == O::kUndo && req.op == Op::kCancelOrder && !o.seeded) return O::kNone;
  switch (req.op) {
    case Op::kCancelOrder:
      return O::kCancel;
    case Op::kUpdateOrder:
      return O::kChangeDetails;
    case Op::kReturnItems:
      return O::kReturn;
    case Op::kRepayOrder:
      return O::kChangePayment;
    case Op::kQuoteItemSwap:
    case Op::kSwapItems:
      // A swap is a modification or an exchange, as the caller says; one that does not say
      // is whichever the order's status allows.
      if (req.operation == O::kModifyItems || req.operation == O::kExchange) return req.operation;
      return rules_.statuses[o.status].allows_op(O::kExchange) ? O::kExchange : O::kModifyItems;
    case Op::kFindOrder:
      return applies_to_orders(req.operation) ? req.operation : O::kNone;
    default:
      return O::kNone;
  }
}

ErrorCode CatalogFake::refusal(const ProviderRequest& req, const Order& o) const {
  ObjectOperation op = operation_of(req, o);
  if (op == ObjectOperation::kNone) return ErrorCode::kNone;
  ErrorCode no = WorldRules::refusal(rules_, o.status, o.done, op, req.reason);
  const Duration limit = rules_.within[static_cast<int>(op)];
  if (no == ErrorCode::kNone && limit > 0 && o.delivered_at > 0 && calendar_ > 0 &&
      ms_since_instant(o.delivered_at, calendar_, now_) > limit) {
    no = ErrorCode::kPastTimeLimit;  // more than `limit` since it was delivered
  }
  return no;
}

void CatalogFake::done(Order& o, ObjectOperation op) {
  ++o.done[static_cast<int>(op)];
  o.status = WorldRules::status_after(rules_, o.status, op);
}

// Only the caller's own orders are found: another user's reference is not found.
ProviderReply CatalogFake::find(const ProviderRequest& req) const {
  auto it = owned_.find(req.user);
  if (it == owned_.end()) return error_reply(ErrorCode::kNotFound);
  for (const auto& [reference, id] : it->second.references) {
    const Order* o = reference == req.text ? orders_.find(id) : nullptr;
    if (o == nullptr) continue;
    ProviderReply r;
    r.id = id;
    r.amount = o->total;
    r.paid_with = o->payment;
    r.paid_debits = o->debits;
    r.paid_by = o->paid_by;
    r.status = status_name(*o);
    r.refusal = refusal(req, *o);
    return r;
  }
  return error_reply(ErrorCode::kNotFound);
}

// A pending order's details (its shipping address) change; a delivered or cancelled one's
// do not. An empty change is no change.
ProviderReply CatalogFake::update_order(const ProviderRequest& req) {
  Order* found = orders_.find(req.ref);
  if (found == nullptr || found->user != req.user) return error_reply(ErrorCode::kNotFound);
  Order& o = *found;
  if (ErrorCode no = refusal(req, o); no != ErrorCode::kNone) return error_reply(no);
  if (req.text.empty()) return error_reply(ErrorCode::kBadRequest);
  ++o.changes;
  done(o, ObjectOperation::kChangeDetails);
  ProviderReply r;
  r.id = req.ref;
  r.amount = o.total;
  r.status = status_name(o);
  return r;
}

// Some units of a delivered order come back: each refunds its share of what the order was
// paid (the line's value at the SKU's price, in proportion to the order's total, so a
// discount is shared too), and returns to stock. Nothing is returned when any line asks
// more than is left of it.
ProviderReply CatalogFake::return_items(const ProviderRequest& req) {
  Order* found = orders_.find(req.ref);
  if (found == nullptr || found->user != req.user) return error_reply(ErrorCode::kNotFound);
  Order& o = *found;
  if (ErrorCode no = refusal(req, o); no != ErrorCode::kNone) return error_reply(no);
  if (req.items.empty()) return error_reply(ErrorCode::kBadRequest);
  std::vector<int32_t> take(o.lines.size(), 0);
  for (const LineItem& item : req.items) {
    auto sku = sku_index_.find(item.sku);
    bool placed = false;
    for (std::size_t i = 0; sku != sku_index_.end() && i < o.lines.size() && !placed; ++i) {
      if (o.lines[i].sku != sku->second) continue;
      if (item.quantity <= 0 || take[i] + item.quantity > o.lines[i].quantity - o.lines[i].returned)
        return error_reply(ErrorCode::kBadRequest);
      take[i] += item.quantity;
      placed = true;
    }
    if (!placed) return error_reply(ErrorCode::kBadRequest);  // not a line of this order
  }
  for (std::size_t i = 0; i < o.lines.size() && !rules_.partial_returns; ++i) {
    if (take[i] != o.lines[i].quantity - o.lines[i].returned) {
      return error_reply(ErrorCode::kPartialNotAllowed);  // the world takes back all or none
    }
  }
  __int128 listed = 0, returning = 0;
  for (std::size_t i = 0; i < o.lines.size(); ++i) {
    const int64_t price = o.lines[i].unit_price;
    listed += static_cast<__int128>(price) * o.lines[i].quantity;
    returning += static_cast<__int128>(price) * take[i];
  }
  // The items' share of what they were paid: the extras (gift wrap) are not returned.
  const int64_t items_paid = o.total - o.extras_paid - sum_of(o.taxes);
  int64_t refund = listed > 0 ? static_cast<int64_t>(items_paid * returning / listed) : 0;
  refund = std::min(refund, items_paid - (o.returned_value - sum_of(o.taxes_returned)));
  refund += returned_taxes(o, refund);
  for (std::size_t i = 0; i < o.lines.size(); ++i) {
    o.lines[i].returned += take[i];
    skus_[o.lines[i].sku].available += take[i];
  }
  o.returned_value += refund;
  done(o, ObjectOperation::kReturn);
  ProviderReply r;
  r.id = req.ref;
  r.amount = refund;
  r.paid_with = o.payment;
  r.status = "returned";
  return r;
}

// The tax levied on items worth `items` that a return refunds: each rate on the items, up
// to what the order paid of it. A flat tax on the order stays paid.
int64_t CatalogFake::returned_taxes(Order& o, int64_t items) const {
  int64_t refund = 0;
  for (std::size_t i = 0; i < o.taxes.size() && i < taxes_.size(); ++i) {
    if (!taxes_[i].of_fares || taxes_[i].rate_ppm == 0) continue;
    const int64_t left = std::max<int64_t>(o.taxes[i] - o.taxes_returned[i], 0);
    const int64_t back =
        std::min(std::max<int64_t>(tax_at_rate(taxes_[i].rate_ppm, items), 0), left);
    o.taxes_returned[i] += back;
    refund += back;
  }
  return refund;
}

// The tax on a swap's difference in the items' value: each rate on the items, charged on what
// joins and refunded on what leaves.
std::vector<int64_t> CatalogFake::swap_taxes(const Order& o, int64_t difference) const {
  std::vector<int64_t> change(o.taxes.size(), 0);
  for (std::size_t i = 0; i < o.taxes.size() && i < taxes_.size(); ++i) {
    if (!taxes_[i].of_fares || taxes_[i].rate_ppm == 0) continue;
    // Never more back than is still paid of it (a return may have refunded some).
    change[i] =
        std::max(tax_at_rate(taxes_[i].rate_ppm, difference), -(o.taxes[i] - o.taxes_returned[i]));
  }
  return change;
}

bool CatalogFake::swap_difference(const ProviderRequest& req, const Order& o,
                                  int64_t& difference) const {
  if (req.items.empty() || req.items.size() > 100 || o.lines.empty()) return false;
  difference = 0;
  int32_t out = 0, in = 0;
  for (const LineItem& item : req.items) {
    auto sku = sku_index_.find(item.sku);
    if (sku == sku_index_.end() || item.quantity == 0) return false;
    if (item.quantity < 0) {  // leaves: the order must hold that many of it, not returned
      auto line = std::find_if(o.lines.begin(), o.lines.end(),
                               [&](const Order::Line& l) { return l.sku == sku->second; });
      if (line == o.lines.end() || line->quantity - line->returned < -item.quantity) return false;
      out -= item.quantity;
      difference += line->unit_price * item.quantity;  // what was paid for it comes back
    } else {
      if (skus_[sku->second].available < item.quantity) return false;
      in += item.quantity;
      difference += skus_[sku->second].spec.price * item.quantity;  // today's price
    }
  }
  return out > 0 && out == in;  // a swap: as many units in as out
}

// Whether what leaves is every unit of the order not returned.
bool CatalogFake::swaps_every_item(const ProviderRequest& req, const Order& o) const {
  for (const Order::Line& line : o.lines) {
    int64_t leaving = 0;
    for (const LineItem& item : req.items) {
      if (item.quantity < 0 && sku_index_.at(item.sku) == line.sku) leaving -= item.quantity;
    }
    if (leaving != line.quantity - line.returned) return false;
  }
  return true;
}

// Whether each product keeps as many units as it had: what leaves is swapped for other
// variants of itself, never for another product.
bool CatalogFake::within_products(const ProviderRequest& req) const {
  std::map<std::string_view, int64_t> units;  // ordered: nothing here depends on hash order
  for (const LineItem& item : req.items) {
    const SkuSpec& spec = skus_[sku_index_.at(item.sku)].spec;
    units[spec.product.empty() ? std::string_view(spec.id) : std::string_view(spec.product)] +=
        item.quantity;
  }
  return std::all_of(units.begin(), units.end(), [](const auto& kv) { return kv.second == 0; });
}

// Some of a pending (or delivered) order's items for others, one for one: the difference at
// list prices, negative when some is owed back.
ProviderReply CatalogFake::quote_item_swap(const ProviderRequest& req) {
  Order* found = orders_.find(req.ref);
  if (found == nullptr || found->user != req.user) return error_reply(ErrorCode::kNotFound);
  if (found->cancelled) return error_reply(ErrorCode::kInvalidState);
  if (ErrorCode no = refusal(req, *found); no != ErrorCode::kNone) return error_reply(no);
  int64_t difference = 0;
  if (!swap_difference(req, *found, difference)) return error_reply(ErrorCode::kBadRequest);
  if (rules_.exchange_within_product && !within_products(req)) {
    return error_reply(ErrorCode::kOutsideProduct);
  }
  if (!rules_.partial_exchanges && operation_of(req, *found) == ObjectOperation::kExchange &&
      !swaps_every_item(req, *found)) {
    return error_reply(ErrorCode::kPartialExchangeNotAllowed);  // all that is left, or nothing
  }
  ProviderReply r;
  r.id = req.ref;
  r.amount = difference + sum_of(swap_taxes(*found, difference));
  r.status = "quoted";
  return r;
}

// The swap itself, at once: the new units leave stock and the old ones return to it, and the
// order's total moves by the difference (the caller has paid or will refund it).
ProviderReply CatalogFake::swap_items(const ProviderRequest& req) {
  ProviderReply r = quote_item_swap(req);
  if (!r.ok()) return r;
  Order& o = *orders_.find(req.ref);
  int64_t difference = 0;
  swap_difference(req, o, difference);  // the quote's, before the lines move
  const std::vector<int64_t> taxes = swap_taxes(o, difference);
  for (std::size_t i = 0; i < taxes.size(); ++i) o.taxes[i] += taxes[i];
  for (const LineItem& item : req.items) {
    int32_t sku = sku_index_.at(item.sku);
    skus_[sku].available -= item.quantity;  // out: back to stock; in: taken from it
    // What joins is paid at today's price: a line of its own unless one was paid that too.
    const int64_t price = skus_[sku].spec.price;
    auto line = std::find_if(o.lines.begin(), o.lines.end(), [&](const Order::Line& l) {
      return l.sku == sku && (item.quantity < 0 || l.unit_price == price);
    });
    if (line == o.lines.end()) {
      o.lines.push_back(Order::Line{sku, item.quantity, 0, price});
    } else {
      line->quantity += item.quantity;
    }
  }
  o.total += r.amount;
  ++o.changes;
  done(o, operation_of(req, o));
  note_change_payment(o.payment, req, o.later_payments, o.later_debits);
  r.paid_with = o.payment;
  r.status = status_name(o);
  return r;
}

// A pending order is paid by another payment from now on (the caller refunds the old one):
// later lookups name the new one, so a cancel refunds what paid last.
ProviderReply CatalogFake::repay(const ProviderRequest& req) {
  Order* found = orders_.find(req.ref);
  if (found == nullptr || found->user != req.user) return error_reply(ErrorCode::kNotFound);
  Order& o = *found;
  if (ErrorCode no = refusal(req, o); no != ErrorCode::kNone) return error_reply(no);
  if (req.payment == 0 && req.debits.empty()) return error_reply(ErrorCode::kBadRequest);
  o.payment = req.payment;
  ++o.changes;
  done(o, ObjectOperation::kChangePayment);
  ProviderReply r;
  r.id = req.ref;
  r.amount = o.total;
  r.paid_with = o.payment;
  r.status = status_name(o);
  return r;
}

void CatalogFake::seed_profile(UserId user, const std::string& details) {
  profiles_listed_ = true;
  profiles_[user] = Profile{details, 0};
}

const CatalogFake::Profile* CatalogFake::profile(UserId user) const {
  auto it = profiles_.find(user);
  return it == profiles_.end() ? nullptr : &it->second;
}

// The user's own details change (an address): a write with a ledger of its own, so a lost
// answer is learned from the key and a failure is seen. A shop that lists its customers
// finds no one else; an empty change is no change.
ProviderReply CatalogFake::update_profile(const ProviderRequest& req) {
  auto it = profiles_.find(req.user);
  if (it == profiles_.end() && profiles_listed_) return error_reply(ErrorCode::kNotFound);
  if (req.text.empty() || req.text.size() > 4096) return error_reply(ErrorCode::kBadRequest);
  Profile& p = profiles_[req.user];
  p.details = req.text;
  ++p.changes;
  ++profile_writes_;
  ProviderReply r;
  r.amount = p.changes;
  r.status = "updated";
  return r;
}

void CatalogFake::retire_user(UserId user) {
  idempotency_.forget_owner(user);
  profiles_.erase(user);
  memberships_.erase(user);
  auto it = owned_.find(user);
  if (it == owned_.end()) return;
  for (ObjectId id : it->second.reservations) reservations_.retire(id);
  for (ObjectId id : it->second.orders) orders_.retire(id);
  for (auto& c : coupons_) c.uses.erase(user);
  owned_.erase(it);
}

void CatalogFake::expire(Time now) {
  while (!expiries_.empty() && expiries_.top().first <= now) {
    auto [at, id] = expiries_.top();
    expiries_.pop();
    Reservation* found = reservations_.find(id);
    if (found == nullptr) continue;
    Reservation& r = *found;
    if (r.state == ReservationState::kHeld && r.expires_at == at) {
      r.state = ReservationState::kExpired;
      give_back(r);
    }
  }
}

void CatalogFake::shorten_ttl(ObjectId reservation, Time new_expiry) {
  Reservation* found = reservations_.find(reservation);
  if (found == nullptr) return;
  Reservation& r = *found;
  if (r.state != ReservationState::kHeld || new_expiry >= r.expires_at) return;
  r.expires_at = new_expiry;
  expiries_.push({new_expiry, reservation});
}

void CatalogFake::give_back(Reservation& r) {
  for (auto [sku, qty] : r.items) skus_[sku].available += qty;
  if (r.coupon >= 0) {
    CouponState& c = coupons_[r.coupon];
    c.held -= r.discount;
    if (--c.uses[r.user] == 0) c.uses.erase(r.user);
  }
}

ProviderReply CatalogFake::handle(const ProviderRequest& req, Time now, Time ready_at) {
  expire(now);
  now_ = now;
  switch (req.op) {
    case Op::kSearch:
      return search(req);
    case Op::kQuote:
      return quote(req);
    case Op::kFindOrder:
      return find(req);  // read-only: no idempotency
    default:
      break;
  }
  return run_idempotent(idempotency_, req, request_fingerprint(req), now, ready_at, [&] {
    switch (req.op) {
      case Op::kReserve:
        return reserve(req, now);
      case Op::kCommit:
        return commit(req, now);
      case Op::kRelease:
        return release(req);
      case Op::kCancelOrder:
        return cancel_order(req);
      case Op::kUpdateOrder:
        return update_order(req);
      case Op::kReturnItems:
        return return_items(req);
      case Op::kQuoteItemSwap:
        return quote_item_swap(req);
      case Op::kSwapItems:
        return swap_items(req);
      case Op::kRepayOrder:
        return repay(req);
      case Op::kUpdateProfile:
        return update_profile(req);
      default:
        return error_reply(ErrorCode::kBadRequest);
    }
  });
}

ProviderReply CatalogFake::search(const ProviderRequest& req) const {
  ProviderReply r;
  for (const auto& s : skus_) {
    if (req.text.empty() || contains_ignoring_case(s.spec.name, req.text) ||
        contains_ignoring_case(s.spec.id, req.text)) {
      r.found.push_back(s.spec.id);
    }
  }
  r.status = "ok";
  return r;
}

int64_t CatalogFake::seeded_items_price(const ExistingOrder& seed) const {
  int64_t price = 0;
  for (std::size_t i = 0; i < seed.items.size(); ++i) {
    auto it = sku_index_.find(seed.items[i].sku);
    const int64_t each = i < seed.unit_prices.size() ? seed.unit_prices[i] : -1;
    if (it != sku_index_.end()) {
      price += (each < 0 ? skus_[it->second].spec.price : each) * seed.items[i].quantity;
    }
  }
  return price;
}

std::vector<int64_t> CatalogFake::order_taxes(UserId user, int64_t value, int64_t items,
                                              const ExtraUnits& held) const {
  if (taxes_.empty()) return {};
  TaxBase base{items, {}, 1, 1};
  for (const auto& one : held) {
    base.extras.emplace_back(one.first,
                             std::max<int64_t>(order_extras_cost(user, value, {one}), 0));
  }
  return taxes_due(taxes_, base);
}

int64_t CatalogFake::seeded_price(UserId user, const ExistingOrder& seed) const {
  const int64_t items = seeded_items_price(seed);
  const int64_t extras = order_extras_cost(user, items, seed.extras);
  if (extras < 0) return -1;
  return items + extras + sum_of(order_taxes(user, items, items, seed.extras));
}

int64_t CatalogFake::order_extras_cost(UserId user, int64_t value, const ExtraUnits& held) const {
  if (held.empty()) return 0;
  auto tier = memberships_.find(user);
  const ExtraBuyer buyer{"",    "", tier == memberships_.end() ? std::string_view() : tier->second,
                         value, 1,  1};
  return held_extras_cost(extras_, buyer, held);
}

ExtraUnits CatalogFake::asked_extras(const ProviderRequest& req) {
  ExtraUnits asked;
  for (const LineItem& e : req.extras) asked.emplace_back(e.sku, e.quantity);
  return asked;
}

// The items' price at today's prices, the coupon asked for, and the world's extras the
// request names (gift wrap), priced on the items' value.
bool CatalogFake::price(const ProviderRequest& req, std::vector<std::pair<int32_t, int32_t>>& lines,
                        int64_t& subtotal, int32_t& coupon, int64_t& extras,
                        ProviderReply& error) const {
  subtotal = 0;
  coupon = -1;
  extras = 0;
  if (req.items.empty()) {
    error = error_reply(ErrorCode::kBadRequest);
    return false;
  }
  for (const auto& item : req.items) {
    auto it = sku_index_.find(item.sku);
    if (it == sku_index_.end() || item.quantity <= 0) {
      error = error_reply(it == sku_index_.end() ? ErrorCode::kNotFound : ErrorCode::kBadRequest);
      return false;
    }
    lines.emplace_back(it->second, item.quantity);
    subtotal += skus_[it->second].spec.price * item.quantity;
  }
  if (!req.coupon.empty()) {
    for (std::size_t i = 0; i < coupons_.size(); ++i) {
      if (coupons_[i].spec.code == req.coupon) coupon = static_cast<int32_t>(i);
    }
    if (coupon < 0) {
      error = error_reply(ErrorCode::kNotFound);
      return false;
    }
  }
  extras = order_extras_cost(req.user, subtotal, asked_extras(req));
  if (extras < 0) {
    error = error_reply(ErrorCode::kUnknownExtra);
    return false;
  }
  return true;
}

ProviderReply CatalogFake::quote(const ProviderRequest& req) const {
  std::vector<std::pair<int32_t, int32_t>> lines;
  int64_t subtotal, extras;
  int32_t coupon;
  ProviderReply r;
  if (!price(req, lines, subtotal, coupon, extras, r)) return r;
  if (coupon >= 0) {
    const CouponState& c = coupons_[coupon];
    auto uses = c.uses.find(req.user);
    bool user_ok = c.spec.per_user == 0 || uses == c.uses.end() || uses->second < c.spec.per_user;
    bool budget_ok = c.spent + c.held + c.spec.off <= c.spec.budget;
    if (user_ok && budget_ok) r.discount = std::min(c.spec.off, subtotal);
  }
  const int64_t taxes =
      sum_of(order_taxes(req.user, subtotal, subtotal - r.discount, asked_extras(req)));
  r.amount = subtotal - r.discount + extras + taxes;
  r.status = "quoted";
  return r;
}

ProviderReply CatalogFake::reserve(const ProviderRequest& req, Time now) {
  Reservation res{req.user, now, now + req.ttl, ReservationState::kHeld, false, -1, 0, {}};
  int64_t subtotal;
  ProviderReply r;
  if (!price(req, res.items, subtotal, res.coupon, res.extras, r)) return r;
  // A SKU may come in more than one line: what all its lines ask must be there.
  for (auto [sku, qty] : res.items) {
    int64_t wanted = 0;
    for (auto [other, n] : res.items) wanted += other == sku ? n : 0;
    if (skus_[sku].available < wanted) return error_reply(ErrorCode::kOutOfStock);
  }
  if (res.coupon >= 0) {
    CouponState& c = coupons_[res.coupon];
    auto uses = c.uses.find(req.user);
    if (c.spec.per_user > 0 && uses != c.uses.end() && uses->second >= c.spec.per_user) {
      return error_reply(ErrorCode::kCouponLimit);
    }
    if (c.spent + c.held + c.spec.off > c.spec.budget) {
      return error_reply(ErrorCode::kCouponExhausted);
    }
    res.discount = std::min(c.spec.off, subtotal);
    c.held += res.discount;
    ++c.uses[req.user];
  }
  for (auto [sku, qty] : res.items) {
    skus_[sku].available -= qty;
    CHECKRIDE_INVARIANT(skus_[sku].available >= 0, "a reservation never takes stock below zero");
  }
  int64_t discount = res.discount;
  res.taxes = order_taxes(req.user, subtotal, subtotal - discount, asked_extras(req));
  const int64_t on_top = res.extras + sum_of(res.taxes);  // what the order pays beside its items
  ObjectId id = reservations_.add(std::move(res));
  owned_[req.user].reservations.push_back(id);
  expiries_.push({now + req.ttl, id});
  r.id = id;
  r.amount = subtotal - discount + on_top;
  r.discount = discount;
  r.expires_at = now + req.ttl;
  r.status = "held";
  return r;
}

// With a reservation: turns held stock into an order. Without one (ref == 0): a direct
// sale that decrements stock and redeems the coupon unchecked, the way many shop back ends
// do; it is what an orchestrator that skips reservation races against.
ProviderReply CatalogFake::commit(const ProviderRequest& req, Time now) {
  ProviderReply r;
  Order order{req.user, now, req.ref, 0, 0, -1, 0, false};
  order.status = rules_.initial;
  order.payment = req.payment;  // what pays for it, so the checkers count fulfilments per payment
  order.purchase_debits = req.debits;
  std::vector<int32_t> touched;  // the SKUs this order takes units of
  if (req.ref != 0) {
    Reservation* found = reservations_.find(req.ref);
    if (found == nullptr) return error_reply(ErrorCode::kNotFound);
    Reservation& res = *found;
    if (res.state == ReservationState::kExpired) return error_reply(ErrorCode::kExpired);
    if (res.state != ReservationState::kHeld) return error_reply(ErrorCode::kInvalidState);
    res.state = ReservationState::kCommitted;
    res.released_by_caller = true;
    int64_t subtotal = 0;
    for (auto [sku, qty] : res.items) {
      touched.push_back(sku);
      skus_[sku].committed += qty;
      order.units += qty;
      subtotal += skus_[sku].spec.price * qty;
    }
    order.coupon = res.coupon;
    order.discount = res.discount;
    order.extras_paid = res.extras;
    order.taxes = res.taxes;
    order.total = subtotal - res.discount + res.extras + sum_of(res.taxes);
    if (res.coupon >= 0) {
      coupons_[res.coupon].held -= res.discount;
      coupons_[res.coupon].spent += res.discount;
    }
  } else {
    std::vector<std::pair<int32_t, int32_t>> lines;
    int64_t subtotal;
    if (!price(req, lines, subtotal, order.coupon, order.extras_paid, r)) return r;
    for (auto [sku, qty] : lines) {
      touched.push_back(sku);
      skus_[sku].available -= qty;
      skus_[sku].committed += qty;
      order.units += qty;
    }
    if (order.coupon >= 0) {
      CouponState& c = coupons_[order.coupon];
      order.discount = std::min(c.spec.off, subtotal);
      c.spent += order.discount;
      ++c.uses[req.user];
    }
    order.taxes = order_taxes(req.user, subtotal, subtotal - order.discount, asked_extras(req));
    order.total = subtotal - order.discount + order.extras_paid + sum_of(order.taxes);
  }
  order.taxes_returned.assign(order.taxes.size(), 0);
  r.id = orders_.add(order);
  owned_[req.user].orders.push_back(r.id);
  for (int32_t sku : touched) {
    SkuState& s = skus_[sku];
    note_overrun(s.overruns, req.user, r.id, now, s.committed - s.spec.stock);
  }
  if (order.coupon >= 0) {
    CouponState& c = coupons_[order.coupon];
    note_overrun(c.overruns, req.user, r.id, now, c.spent - c.spec.budget);
  }
  r.amount = order.total;
  r.discount = order.discount;
  r.status = "committed";
  return r;
}

ProviderReply CatalogFake::release(const ProviderRequest& req) {
  Reservation* found = reservations_.find(req.ref);
  if (found == nullptr) return error_reply(ErrorCode::kNotFound);
  Reservation& res = *found;
  ProviderReply r;
  r.id = req.ref;
  if (res.state == ReservationState::kCommitted) return error_reply(ErrorCode::kInvalidState);
  // Releasing a lapsed or already released reservation succeeds: release is idempotent.
  if (res.state == ReservationState::kHeld) {
    res.state = ReservationState::kReleased;
    give_back(res);
  }
  res.released_by_caller = true;
  r.status = "released";
  return r;
}

ProviderReply CatalogFake::cancel_order(const ProviderRequest& req) {
  Order* found = orders_.find(req.ref);
  if (found == nullptr) return error_reply(ErrorCode::kNotFound);
  Order& order = *found;
  ProviderReply r;
  r.id = req.ref;
  r.amount = order.total;
  r.status = "cancelled";
  if (order.cancelled) return r;
  if (ErrorCode no = refusal(req, order); no != ErrorCode::kNone) return error_reply(no);
  order.cancelled = true;
  done(order, ObjectOperation::kCancel);
  const Reservation* res = reservations_.find(order.reservation);
  if (res) {
    for (auto [sku, qty] : res->items) {
      skus_[sku].committed -= qty;
      skus_[sku].available += qty;
    }
  }
  if (order.coupon >= 0) coupons_[order.coupon].spent -= order.discount;
  return r;
}

}  // namespace checkride
