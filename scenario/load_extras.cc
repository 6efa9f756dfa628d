// `extras:` and `memberships:` in a world file (docs/worlds.md): what a booking can add on top
// of its fares, what comes free to whom, and the extras a seeded booking already holds.
#include <algorithm>

#include "scenario/scenario_sections.h"

namespace checkride {
namespace {

constexpr int64_t kMaxExtraPrice = 1'000'000'000;  // cents: keeps a booking's sums in range

ExtraAllowance read_allowance(MapReader& r) {
  ExtraAllowance a;
  a.cabin = r.str("cabin", "");
  a.fare_class = r.str("fare_class", "");
  a.membership = r.str("membership", "");
  a.min_value = r.in_range("min_value_cents", -1, 0, kMaxBalance);
  a.units = r.bounded("units", 0, 0, kMaxExtraUnits);
  r.finish();
  return a;
}

ExtraSpec read_extra(MapReader& r, const YAML::Node& n) {
  ExtraSpec e;
  e.id = r.str("id", "");
  if (e.id.empty() || e.id.size() > 64) r.fail(n, "id", "expected a name of 1 to 64 characters");
  e.price = r.in_range("price_cents", -1, 0, kMaxExtraPrice);
  if (e.price < 0) r.fail(n, "price_cents", "missing");
  const std::string per = r.str("per", "unit");
  if (!parse_extra_per(per, e.per)) {
    r.fail(r.get("per"), "per",
           "expected unit, passenger, leg, passenger_leg or booking, got '" + per + "'");
  }
  e.refundable = r.boolean("refundable", false);
  const std::string on = r.str("on", "bookings");
  if (on != "bookings" && on != "orders") {
    r.fail(r.get("on"), "on", "expected bookings or orders, got '" + on + "'");
  }
  e.on_orders = on == "orders";
  // An order has no passengers, flights, cabin or fare class: it is counted by unit or once.
  if (e.on_orders && e.per != ExtraPer::kUnit && e.per != ExtraPer::kBooking) {
    r.fail(r.get("per"), "per", "expected unit or order for an extra on orders, got '" + per + "'");
  }
  if (r.has("free")) {
    YAML::Node list = r.get("free");
    if (!list.IsSequence()) r.fail(list, "free", "expected a list of allowances");
    int i = 0;
    for (const auto& a : list) {
      MapReader ar(a, r.file(), r.path("free[" + std::to_string(i++) + "]"));
      e.free.push_back(read_allowance(ar));
    }
  }
  return e;
}

bool any_offer(const Scenario& s, const std::string& want, std::string OfferSpec::*field) {
  return std::any_of(s.offers.begin(), s.offers.end(),
                     [&](const OfferSpec& o) { return o.*field == want; });
}

const OfferSpec* offer_of(const Scenario& s, const std::string& id) {
  for (const OfferSpec& o : s.offers) {
    if (o.id == id) return &o;
  }
  return nullptr;
}

// The tier `user` holds (memberships:), "" for none.
std::string tier_of(const Scenario& s, const std::string& user) {
  for (const MembershipSpec& m : s.existing.memberships) {
    if (m.user == user) return m.tier;
  }
  return "";
}

}  // namespace

int64_t seeded_extras_and_taxes(const Scenario& s, const ExistingBooking& b) {
  const OfferSpec* first = offer_of(s, b.offer);
  if (first == nullptr) return 0;
  const std::string tier = tier_of(s, b.user);
  int64_t fares = 0;
  for (std::size_t i = 0; i <= b.connections.size(); ++i) {
    const OfferSpec* o = i == 0 ? first : offer_of(s, b.connections[i - 1]);
    fares += o == nullptr ? 0 : o->price * b.seats;
  }
  const ExtraBuyer buyer{first->cabin, first->fare_class,
                         tier,         fares,
                         b.seats,      static_cast<int32_t>(b.connections.size()) + 1};
  return std::max<int64_t>(held_extras_cost(s.extras, buyer, b.extras), 0) +
         seeded_booking_taxes(s, b, buyer);
}

int64_t seeded_order_extras_and_taxes(const Scenario& s, const ExistingOrder& o, int64_t items) {
  const std::string tier = tier_of(s, o.user);
  const ExtraBuyer buyer{"", "", tier, items, 1, 1};
  return std::max<int64_t>(held_extras_cost(extras_sold_on(s.extras, true), buyer, o.extras), 0) +
         seeded_order_taxes(s, o, buyer);
}

int64_t calendar_time(MapReader& m, const std::string& key) {
  const std::string text = m.str(key, "");
  if (text.empty()) return 0;
  int64_t seconds = 0;
  if (!parse_utc_time(text, seconds)) {
    m.fail(m.get(key), key, "expected a UTC time like 2026-12-10T08:00:00Z, got '" + text + "'");
  }
  return seconds;
}

namespace {

bool any_limit(const std::array<Duration, kObjectOperationCount>& limits) {
  return std::any_of(limits.begin(), limits.end(), [](Duration d) { return d > 0; });
}

void check_calendar(const Scenario& s, const ObjectRules& r, const std::string& field) {
  if (s.calendar != 0) return;
  throw InputError(r.time_limits_origin, r.time_limits_line, field,
                   "a time limit needs the world's now: (the time the sessions start, like now: "
                   "2026-12-09T10:00:00Z)");
}

}  // namespace

// A time limit before departure needs the world's now: and a flight that says when it leaves;
// one after delivery, now: and an order that says when it was delivered.
void check_time_limits(const Scenario& s) {
  if (any_limit(s.rules.bookings.not_within)) {
    const ObjectRules& r = s.rules.bookings;
    check_calendar(s, r, "booking_rules.not_within");
    if (std::none_of(s.offers.begin(), s.offers.end(),
                     [](const OfferSpec& o) { return o.departs_at > 0; })) {
      throw InputError(r.time_limits_origin, r.time_limits_line, "booking_rules.not_within",
                       "no offer states departs_at: this limit never applies");
    }
  }
  if (any_limit(s.rules.orders.within)) {
    const ObjectRules& r = s.rules.orders;
    check_calendar(s, r, "order_rules.within");
    if (std::none_of(s.existing.orders.begin(), s.existing.orders.end(),
                     [](const ExistingOrder& o) { return o.delivered_at > 0; })) {
      throw InputError(r.time_limits_origin, r.time_limits_line, "order_rules.within",
                       "no order states delivered_at: this limit never applies");
    }
  }
}

void load_extras(Scenario& s, const YAML::Node& list, const std::string& path) {
  if (!list.IsSequence()) throw InputError(path, line_of(list), "extras", "expected a list");
  int i = 0;
  for (const auto& n : list) {
    std::string field = "extras[" + std::to_string(i++) + "]";
    MapReader r(n, path, field);
    ExtraSpec e = read_extra(r, n);
    r.finish();
    for (const auto& other : s.extras) {
      if (other.id == e.id) r.fail(n, "id", "'" + e.id + "' is already an extra of the world");
    }
    e.origin = path;
    e.line = line_of(n);
    e.field = field;
    s.extras.push_back(std::move(e));
  }
}

void load_memberships(Scenario& s, const YAML::Node& list, const std::string& path) {
  if (!list.IsSequence()) throw InputError(path, line_of(list), "memberships", "expected a list");
  int i = 0;
  for (const auto& n : list) {
    MapReader r(n, path, "memberships[" + std::to_string(i++) + "]");
    MembershipSpec m{r.str("user", ""), r.str("tier", "")};
    if (m.user.empty()) r.fail(n, "user", "missing");
    if (m.tier.empty()) r.fail(n, "tier", "missing");
    r.finish();
    for (const auto& other : s.existing.memberships) {
      if (other.user == m.user) r.fail(n, "user", "'" + m.user + "' already has a tier");
    }
    s.existing.memberships.push_back(std::move(m));
  }
}

ExtraUnits load_extra_units(MapReader& m, const std::string& key) {
  ExtraUnits units;
  if (!m.has(key)) return units;
  YAML::Node map = m.get(key);
  if (!map.IsMap()) m.fail(map, key, "expected a mapping of an extra's id to how many it holds");
  for (const auto& kv : map) {
    const std::string id = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (id.empty()) m.fail(kv.first, key, "expected an extra's id");
    MapReader one(map, m.file(), m.path(key));
    const int32_t n = one.bounded(id, 0, 0, kMaxExtraUnits);
    for (const auto& [other, _] : units) {
      if (other == id) m.fail(kv.first, key, "'" + id + "' named twice");
    }
    units.emplace_back(id, n);
  }
  return units;
}

namespace {

// What a seeded order or booking holds is an extra the world sells on its kind.
void check_held_extras(const Scenario& s, const ExtraUnits& held, bool orders,
                       const std::string& origin, int line, const std::string& at) {
  for (const auto& [id, units] : held) {
    const std::string& name = id;  // a structured binding is not captured by clang's lambdas
    if (std::none_of(s.extras.begin(), s.extras.end(),
                     [&](const ExtraSpec& e) { return e.id == name && e.on_orders == orders; })) {
      throw InputError(origin, line, at + ".extras." + name,
                       std::string("expected an extra the world's extras: sell on ") +
                           (orders ? "orders (on: orders)" : "bookings") + ", got '" + name + "'");
    }
  }
}

}  // namespace

// An allowance that names a cabin, fare class or tier nothing in the world has can never
// hold: a typo that would charge everyone for what should be free.
void check_extras(const Scenario& s) {
  for (const ExtraSpec& e : s.extras) {
    for (std::size_t i = 0; i < e.free.size(); ++i) {
      const ExtraAllowance& a = e.free[i];
      const std::string at = e.field + ".free[" + std::to_string(i) + "]";
      if (e.on_orders && (!a.cabin.empty() || !a.fare_class.empty())) {
        throw InputError(e.origin, e.line, at + (a.cabin.empty() ? ".fare_class" : ".cabin"),
                         "an order has no cabin or fare class: this allowance can never hold");
      }
      if (!a.cabin.empty() && !any_offer(s, a.cabin, &OfferSpec::cabin)) {
        throw InputError(e.origin, e.line, at + ".cabin",
                         "no offer of the world is in cabin '" + a.cabin +
                             "' (offers[].cabin): this allowance can never hold");
      }
      if (!a.fare_class.empty() && !any_offer(s, a.fare_class, &OfferSpec::fare_class)) {
        throw InputError(e.origin, e.line, at + ".fare_class",
                         "no offer of the world is in fare class '" + a.fare_class +
                             "' (offers[].fare_class): this allowance can never hold");
      }
      const auto& members = s.existing.memberships;
      if (!a.membership.empty() &&
          std::none_of(members.begin(), members.end(),
                       [&](const MembershipSpec& m) { return m.tier == a.membership; })) {
        throw InputError(e.origin, e.line, at + ".membership",
                         "no user of the world holds tier '" + a.membership +
                             "' (memberships:): this allowance can never hold");
      }
    }
  }
  for (const auto& o : s.existing.orders) {
    check_held_extras(s, o.extras, true, o.origin, o.line, o.field.substr(0, o.field.rfind('.')));
  }
  for (const auto& b : s.existing.bookings) {
    check_held_extras(s, b.extras, false, b.origin, b.line, b.field.substr(0, b.field.rfind('.')));
    const int64_t extras = seeded_extras_and_taxes(s, b);
    if (b.paid >= 0 && extras > 0 && b.paid <= extras) {
      throw InputError(b.origin, b.line, b.field.substr(0, b.field.rfind('.')) + ".paid_cents",
                       "expected more than its extras and taxes cost (" + std::to_string(extras) +
                           " cents): paid_cents is the fares, the extras and the taxes together");
    }
  }
}

}  // namespace checkride
