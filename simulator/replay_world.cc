#include "simulator/replay_world.h"

#include <map>
#include <set>

namespace checkride {
namespace {

constexpr int64_t kDefaultPrice = 1000;
constexpr int32_t kAmple = 1'000'000;

// The stored-value parts a described booking says paid for it (`payments` in `describes:`),
// each an instrument of the user's: a cancel then gives each its share back. None when they
// add up to more than the booking was paid.
std::vector<StoredValuePart> described_parts(const HandlerInput& in, int64_t paid,
                                             const std::string& user,
                                             std::map<std::string, StoredValueSpec>& found) {
  std::vector<StoredValuePart> parts;
  int64_t sum = 0;
  for (const auto& p : in.payments) {
    if (!p.stored_value || p.amount <= 0) continue;
    parts.push_back(StoredValuePart{p.instrument, p.amount});
    sum += p.amount;
  }
  if (paid <= 0 || sum > paid || parts.size() > 16) return {};
  for (const auto& p : parts) {
    StoredValueSpec& v = found[user + "\n" + p.id];
    v.id = p.id;
    v.user = user;
  }
  return parts;
}

// A lookup whose recorded result describes a booking (the catalog's `describes:`) seeds it
// for the session's user, unless the world already holds that reference for them.
void seed_described_booking(const SessionTemplate& session, const CassetteStep& step,
                            const ActionSpec& spec, const ActionCatalog& actions,
                            Scenario& scenario, std::map<std::string, StoredValueSpec>& found,
                            std::vector<std::string>& inferred) {
  if (!spec.describes_booking || !step.recorded_result || !is_success(step.recorded)) return;
  HandlerInput in;
  std::string error;
  if (!actions.map_result(spec, *step.recorded_result, in, error)) return;
  if (in.reference.empty() || in.offer.empty() || in.seats <= 0 || in.seats > 1000) return;
  std::string user = session.user.empty() ? session.id : session.user;
  for (const auto& b : scenario.existing.bookings) {
    if (b.reference == in.reference && (b.user.empty() || b.user == user)) return;
  }
  ExistingBooking b;
  b.reference = in.reference;
  b.user = user;
  b.offer = in.offer;
  b.connections = in.connections;
  b.seats = in.seats;
  b.paid = in.max_total > 0 ? in.max_total : -1;
  b.paid_stored_value = described_parts(in, b.paid, user, found);
  b.origin = "recorded result of " + step.action;
  b.line = step.line;
  b.field = "describes.booking.offer";
  scenario.existing.bookings.push_back(b);
  inferred.push_back("booking " + b.reference + " of " + user + " on " + b.offer +
                     " (described by the recorded result of " + step.action + ", line " +
                     std::to_string(step.line) + ")");
}

// A stored-value instrument a recorded action paid with, for the session's user: its balance
// is what the recording's successful payments took from it (an instrument only named by
// failed ones holds nothing, so the sandbox refuses it too). A world file's instrument stands.
void infer_stored_value(const SessionTemplate& session, const CassetteStep& step,
                        const HandlerInput& in, std::map<std::string, StoredValueSpec>& found) {
  std::string user = session.user.empty() ? session.id : session.user;
  int64_t stated = 0;
  for (const auto& p : in.payments) stated += p.stored_value && p.amount > 0 ? p.amount : 0;
  for (const auto& p : in.payments) {
    if (!p.stored_value) continue;
    StoredValueSpec& v = found[user + "\n" + p.instrument];
    v.id = p.instrument;
    v.user = user;
    if (!is_success(step.recorded)) continue;
    int64_t used = p.amount > 0 ? p.amount : std::max<int64_t>(step.recorded_total - stated, 0);
    v.balance = std::min<int64_t>(v.balance + used, int64_t{1} << 40);
  }
}

// What a recording says of the world it ran in.
struct Inferred {
  std::map<std::string, int64_t> sku_price, offer_price;  // -1: seen, not priced
  std::set<std::string> coupons;
  struct Order {
    std::map<std::string, int64_t> quantity;  // sku -> units
    int64_t total;
  };
  std::vector<Order> priced_orders;
  std::map<std::string, StoredValueSpec> stored_value;  // user, instrument -> what it held
  bool extras_bought = false;      // a recorded action bought paid extras (checked bags)
  std::vector<std::string> added;  // what was put in the world, said for the report
};

// An itinerary's total, per seat, less what its flights already priced (by an earlier call)
// cost, is split evenly over the flights not yet priced.
void price_itinerary(const HandlerInput& in, int64_t total, Inferred& x) {
  if (in.offer.empty()) return;
  std::vector<int64_t*> unpriced;
  int64_t known = 0;
  for (std::size_t i = 0; i <= in.connections.size(); ++i) {
    const std::string& offer = i == 0 ? in.offer : in.connections[i - 1];
    int64_t& p = x.offer_price.try_emplace(offer, -1).first->second;
    if (p < 0) {
      unpriced.push_back(&p);
    } else {
      known += p;
    }
  }
  const int64_t per_seat = total > 0 ? total / std::max(1, in.seats) : -1;
  if (unpriced.empty() || per_seat <= known) return;
  const int64_t each = (per_seat - known) / static_cast<int64_t>(unpriced.size());
  for (int64_t* p : unpriced) *p = each;
}

// One recorded action: the SKUs, offers, coupons and stored value it names, and its total.
void read_action(const SessionTemplate& session, const CassetteStep& step,
                 const ActionCatalog& actions, Scenario& scenario, Inferred& x) {
  const ActionSpec* spec = actions.find(step.action);
  if (spec != nullptr)
    seed_described_booking(session, step, *spec, actions, scenario, x.stored_value, x.added);
  HandlerInput in;
  std::string error;
  if (spec == nullptr || !step.params->is_object() ||
      !actions.map_inputs(*spec, *step.params, in, error)) {
    return;  // an action the sandbox will reject anyway; it names nothing to stock
  }
  infer_stored_value(session, step, in, x.stored_value);
  x.extras_bought = x.extras_bought || spec->handler == Handler::kAddExtras;
  // What the call cost: the recorded total, else what its params agree to pay (a split
  // payment's parts, a max_total) when the recording says it succeeded.
  const int64_t total = step.recorded_total > 0                         ? step.recorded_total
                        : is_success(step.recorded) && in.max_total > 0 ? in.max_total
                                                                        : -1;
  Inferred::Order order{{}, total};
  for (const auto& item : in.items) {
    x.sku_price.try_emplace(item.sku, -1);
    order.quantity[item.sku] += item.quantity;
  }
  if (!in.coupon.empty()) x.coupons.insert(in.coupon);
  if (!order.quantity.empty() && total > 0) x.priced_orders.push_back(order);
  price_itinerary(in, total, x);
}

// What the world file's existing orders and bookings name: their SKUs (priced by default:
// the order's own total stands) and offers (priced by what was paid).
void read_existing(const Scenario& scenario, Inferred& x) {
  for (const auto& o : scenario.existing.orders) {
    for (const auto& item : o.items) x.sku_price.try_emplace(item.sku, -1);
  }
  for (const auto& b : scenario.existing.bookings) {
    const int64_t legs = 1 + static_cast<int64_t>(b.connections.size());
    for (std::size_t i = 0; i < static_cast<std::size_t>(legs); ++i) {
      int64_t& p =
          x.offer_price.try_emplace(i == 0 ? b.offer : b.connections[i - 1], -1).first->second;
      if (p < 0 && b.paid > 0) p = b.paid / legs / std::max(1, b.seats);
    }
  }
}

// Each recorded total prices the one SKU of its order not yet priced; repeat until no order
// teaches anything new (single-SKU orders first, then the baskets they unlock). A basket
// whose SKUs appear nowhere else splits what is left of its total evenly per unit, so its
// total still matches.
void price_skus_from_totals(Inferred& x) {
  auto learn = [&](bool split) {
    for (const auto& order : x.priced_orders) {
      int64_t known = 0, unknown_quantity = 0, unknowns = 0;
      bool overflow = false;
      for (const auto& [sku, qty] : order.quantity) {
        if (x.sku_price[sku] < 0) {
          unknown_quantity += qty;
          ++unknowns;
        } else {
          int64_t line = 0;
          overflow = overflow || __builtin_mul_overflow(x.sku_price[sku], qty, &line) ||
                     __builtin_add_overflow(known, line, &known);
        }
      }
      // Quantities are counts from 0 to a million (the catalog refuses others), but a line
      // of 0 units teaches no price, and a total past int64 teaches nothing.
      if (unknowns == 0 || unknown_quantity <= 0 || overflow || order.total <= known ||
          (unknowns > 1 && !split)) {
        continue;
      }
      for (const auto& [sku, qty] : order.quantity) {
        if (x.sku_price[sku] < 0) x.sku_price[sku] = (order.total - known) / unknown_quantity;
      }
      return true;
    }
    return false;
  };
  do {
    while (learn(false)) {
    }
  } while (learn(true));
}

// Adds what was inferred to the world; what the world already holds (a world file) is kept
// as it is.
void add_to_world(Inferred& x, Scenario& scenario) {
  std::set<std::string> given;
  for (const auto& s : scenario.skus) given.insert("sku:" + s.id);
  for (const auto& o : scenario.offers) given.insert("offer:" + o.id);
  for (const auto& c : scenario.coupons) given.insert("coupon:" + c.code);
  for (const auto& [id, price] : x.sku_price) {
    if (given.count("sku:" + id)) continue;
    scenario.skus.push_back(SkuSpec{id, id, price > 0 ? price : kDefaultPrice, kAmple});
    x.added.push_back("SKU " + id + " at " + std::to_string(scenario.skus.back().price) +
                      (price > 0 ? " (from the recorded totals)" : " (unpriced: the default)") +
                      ", ample stock");
  }
  for (const auto& [id, price] : x.offer_price) {
    if (given.count("offer:" + id)) continue;
    OfferSpec offer{id, id, price > 0 ? price : 10 * kDefaultPrice, kAmple, 100};
    // The recording does not say what a bag costs: a flight sells them at 10.00.
    if (x.extras_bought) offer.bag_price = kDefaultPrice;
    scenario.offers.push_back(offer);
    x.added.push_back("offer " + id + " at " + std::to_string(offer.price) + " a seat" +
                      (price > 0 ? " (from the recorded totals)" : " (unpriced: the default)") +
                      ", ample seats");
  }
  for (const auto& code : x.coupons) {
    if (given.count("coupon:" + code)) continue;
    scenario.coupons.push_back(CouponSpec{code, 0, int64_t{1} << 40, 0});
    x.added.push_back("coupon " + code + " (takes nothing off: the recorded totals include it)");
  }
  for (const auto& v : scenario.existing.stored_value) given.insert("sv:" + v.user + "\n" + v.id);
  for (auto& [key, v] : x.stored_value) {
    if (given.count("sv:" + key) || given.count("sv:\n" + v.id)) continue;
    v.origin = "inferred from the recording";
    v.field = "stored_value";
    x.added.push_back("stored value " + v.id + " of " + v.user + " holding " +
                      std::to_string(v.balance) + " (what the recorded payments took)");
    scenario.existing.stored_value.push_back(std::move(v));
  }
}

}  // namespace

std::vector<std::string> infer_world(const Cassette& cassette, const ActionCatalog& actions,
                                     Scenario& scenario) {
  Inferred x;
  for (const auto& session : cassette.sessions) {
    for (const auto& step : session.steps) {
      if (step.kind == CassetteStep::Kind::kAction)
        read_action(session, step, actions, scenario, x);
    }
  }
  read_existing(scenario, x);
  price_skus_from_totals(x);
  add_to_world(x, scenario);
  return std::move(x.added);
}

}  // namespace checkride
